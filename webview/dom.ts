// Small DOM builders, so views read as structure rather than as string concatenation (and never inject HTML).
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs?: Record<string, string>, ...children: (Node | string)[]
): HTMLElementTagNameMap[K];
export function el(tag: string, attrs?: Record<string, string>, ...children: (Node | string)[]): HTMLElement;
export function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

export function codicon(name: string, label?: string): HTMLElement {
  const i = el('span', { class: `codicon codicon-${name}` });
  if (label) i.setAttribute('aria-label', label);
  else i.setAttribute('aria-hidden', 'true');
  return i;
}

export function emptyState(icon: string, title: string, detail: string): HTMLElement {
  return el('div', { class: 'empty-state', role: 'status' }, codicon(icon), el('h3', {}, title), el('p', {}, detail));
}

export function themeColor(variable: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(variable).trim();
  return v || fallback;
}

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
  if (label) {
    i.setAttribute('role', 'img');
    i.setAttribute('aria-label', label);
  } else i.setAttribute('aria-hidden', 'true');
  return i;
}

export function emptyState(icon: string, title: string, detail: string): HTMLElement {
  return el('div', { class: 'empty-state', role: 'status' }, codicon(icon), el('h3', {}, title), el('p', {}, detail));
}

export function themeColor(variable: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(variable).trim();
  return v || fallback;
}

const integer = new Intl.NumberFormat('en-US');
/** "7,243,777": Keras' summary writes parameter counts with thousands separators. */
export const fmtInt = (n: number): string => integer.format(n);
export const fmtPct = (x: number, digits = 1): string => `${(100 * x).toFixed(digits)}%`;
export const fmtNum = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : '—');

/** The last path segment, for captions and aria labels. */
export function baseName(file: string): string {
  return file.split(/[\\/]/).pop() || file;
}

/** `file` as an absolute path: dataset events give paths relative to the source folder, joined with '/'. */
export function absolutePath(root: string, file: string): string {
  if (file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file) || file.startsWith('\\\\')) return file;
  return `${root.replace(/[\\/]+$/, '')}/${file}`;
}

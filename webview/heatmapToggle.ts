// The "Heatmap" checkbox above each image grid (test and validation predictions, top losses): one choice for the
// whole dashboard, remembered in the webview state. It only switches a class on the page, so tiles that hold an
// overlay show it in place of the thumbnail without being built again.
import { el } from './dom';
import { loadState, saveState } from './vscodeApi';

type Checkbox = HTMLElement & { checked: boolean };
const toggles = new Set<Checkbox>();

function apply(on: boolean): void {
  document.body.classList.toggle('show-heatmap', on);
  for (const t of toggles) t.checked = on;
}

export function heatmapToggle(): HTMLElement {
  const box = el('vscode-checkbox', {
    label: 'Heatmap',
    'aria-label': 'Show each image\'s Grad-CAM heatmap: where the model looked for its prediction',
    class: 'heatmap-toggle',
    hidden: '',
  }) as Checkbox;
  toggles.add(box);
  const on = loadState().heatmap === true;
  box.toggleAttribute('checked', on);
  apply(on);
  box.addEventListener('change', () => {
    saveState({ heatmap: box.checked });
    apply(box.checked);
  });
  return box;
}

/** The toggle is offered only where some image of the grid has an overlay to show. */
export function offerHeatmap(toggle: HTMLElement, items: readonly { heatmap?: string }[]): void {
  toggle.hidden = !items.some((i) => i.heatmap !== undefined);
}

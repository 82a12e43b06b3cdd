// An image tile the cleaner can act on (top losses, the validation grid, the Dataset tab's findings): "Exclude" and
// "Move to class…" beside the tile, with keys on the focused tile (E, M, U), and the pending mark drawn on it. A tile
// is a button that opens its file, so the actions are its siblings, never inside it.
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import type { CleanerSource, PendingChange } from '../../src/core/cleanerProtocol';
import { baseName, codicon, el } from '../dom';
import { openClassMenu } from './classMenu';
import { cleanerState, onCleanerState, pendingFor, sendIntent } from './cleanerState';

export interface CleanerTarget {
  /** The image as the event names it (absolute): what the pending list and the relabel job are given. */
  file: string;
  /** Its run (the host reads the dataset from run.json) or its prepared dataset. */
  source: CleanerSource;
  /** The classes it can move to. */
  classes: readonly string[];
  /** Its label now (the true class of a validation image), shown as the class it moves from. */
  label?: string;
}

/** Every cleanable element on the page, to redraw its mark when the list changes (views replace theirs on update). */
const shown = new Set<{ element: HTMLElement; draw: () => void }>();
onCleanerState(() => {
  for (const s of shown) {
    if (s.element.isConnected) s.draw();
    else shown.delete(s);
  }
});

function markOf(target: CleanerTarget, kind: PendingChange['action'], to?: string): PendingChange {
  return {
    file: target.file, action: kind, ...(to !== undefined ? { to } : {}),
    ...(target.label !== undefined ? { from: target.label } : {}),
  };
}

/** Marks (or, when already marked for exclusion, unmarks) the image. */
function toggleExclude(target: CleanerTarget): void {
  const pending = pendingFor(target.file);
  if (pending?.action === 'exclude') sendIntent({ kind: 'undo', file: target.file });
  else sendIntent({ kind: 'mark', source: target.source, change: markOf(target, 'exclude') });
}

function action(icon: string, label: string): HTMLElement {
  return el('vscode-toolbar-button', { icon, label, title: label, class: 'cleaner-action' });
}

/** `tile` with the cleaner's actions beside it; `wrapper` when the caller lays out its own element (a file link). */
export function cleanable(tile: HTMLElement, target: CleanerTarget, wrapper: 'tile' | 'inline' = 'tile'): HTMLElement {
  const name = baseName(target.file);
  const exclude = action('circle-slash', `Exclude ${name} from training (E)`);
  const move = action('arrow-swap', `Move ${name} to another class… (M)`);
  const undo = action('discard', `Undo the pending change to ${name} (U)`);
  const badge = el('span', { class: 'cleaner-badge', hidden: '' });
  const actions = el('div', { class: 'cleaner-actions', role: 'group', 'aria-label': `Clean ${name}` }, exclude, move, undo);
  const element = el('div', { class: `cleanable cleanable-${wrapper}`, 'data-file': target.file }, tile, badge, actions);

  const openMenu = () => openClassMenu(actions, move, target.classes, pendingFor(target.file)?.to ?? target.label,
    (to) => sendIntent({ kind: 'mark', source: target.source, change: markOf(target, 'relabel', to) }));
  exclude.addEventListener('click', () => toggleExclude(target));
  move.addEventListener('click', openMenu);
  undo.addEventListener('click', () => sendIntent({ kind: 'undo', file: target.file }));
  // Single keys on the focused tile or its actions, as VS Code's lists take them (none of them types text here).
  element.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || (e.target as HTMLElement).closest('.cleaner-menu')) return;
    const key = e.key.toLowerCase();
    if (key === 'e') toggleExclude(target);
    else if (key === 'm') openMenu();
    else if (key === 'u' && pendingFor(target.file)) sendIntent({ kind: 'undo', file: target.file });
    else return;
    e.preventDefault();
  });

  const draw = () => {
    const pending = pendingFor(target.file);
    const busy = cleanerState().busy !== undefined;
    element.classList.toggle('marked-exclude', pending?.action === 'exclude');
    element.classList.toggle('marked-relabel', pending?.action === 'relabel');
    badge.hidden = !pending;
    badge.replaceChildren(...(pending ? [
      codicon(pending.action === 'exclude' ? 'circle-slash' : 'arrow-swap'),
      el('span', {}, pending.action === 'exclude' ? 'Excluded' : `→ ${pending.to}`),
    ] : []));
    badge.title = pending ? `Pending: ${describe(pending)}. Apply to record it.` : '';
    exclude.setAttribute('icon', pending?.action === 'exclude' ? 'pass' : 'circle-slash');
    exclude.setAttribute('label', pending?.action === 'exclude' ? `Keep ${name} (undo the exclusion) (E)` : `Exclude ${name} from training (E)`);
    exclude.title = exclude.getAttribute('label')!;
    undo.hidden = !pending;
    // The toolbar buttons have no disabled state; while Apply or Retrain runs the host refuses marks and says so.
    actions.classList.toggle('busy', busy);
  };
  draw();
  shown.add({ element, draw });
  return element;
}

/** "cat.3.jpg excluded", "cat.3.jpg cat → dog". */
export function describe(c: PendingChange): string {
  const name = baseName(c.file);
  return c.action === 'exclude' ? `${name} excluded` : `${name} ${c.from ? `${c.from} ` : ''}→ ${c.to}`;
}

// The cleaner's bar at the foot of the dashboard: the pending changes (each with its own undo), Undo last, Discard and
// Apply; after Apply what was recorded (and what was refused, by file) with Retrain; after Retrain the new run and how
// many embeddings came from the cache. Hidden while there is nothing to say.
import type { CleanerState } from '../../src/core/cleanerProtocol';
import { baseName, codicon, el, fmtInt } from '../dom';
import { describe } from './cleanableTile';
import { cleanerState, onCleanerState, sendIntent } from './cleanerState';

const plural = (n: number, one: string, many = `${one}s`) => `${fmtInt(n)} ${n === 1 ? one : many}`;

function button(label: string, icon: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLElement {
  const b = el('vscode-button', { icon, ...attrs }, label);
  b.addEventListener('click', onClick);
  return b;
}

export class PendingBar {
  readonly element = el('section', { class: 'cleaner-bar', 'aria-label': 'Data cleaner', hidden: '' });

  constructor() {
    onCleanerState((s) => this.render(s));
    this.render(cleanerState());
  }

  private render(s: CleanerState): void {
    const shows = s.pending.length > 0 || s.busy !== undefined || s.applied !== undefined || s.retrained !== undefined;
    this.element.hidden = !shows;
    document.body.classList.toggle('has-cleaner-bar', shows);
    if (!shows) return;
    const where = s.dataset ? el('span', { class: 'muted', title: s.dataset }, ` · ${baseName(s.dataset)}`) : '';
    const busy = s.busy !== undefined;
    const disabled: Record<string, string> = busy ? { disabled: '' } : {};
    const rows: HTMLElement[] = [];
    if (s.pending.length) {
      rows.push(el('div', { class: 'cleaner-bar-head' },
        el('strong', { class: 'cleaner-count', 'data-count': String(s.pending.length) },
          codicon('checklist'), ` ${plural(s.pending.length, 'pending change')}`),
        where,
        el('span', { class: 'cleaner-bar-actions' },
          button('Undo last', 'discard', () => sendIntent({ kind: 'undo' }), { secondary: '', ...disabled }),
          button('Discard', 'clear-all', () => sendIntent({ kind: 'discard' }), {
            secondary: '', title: 'Drop every pending change', ...disabled,
          }),
          button(s.busy === 'applying' ? 'Applying…' : 'Apply', 'check', () => sendIntent({ kind: 'apply' }), {
            title: 'Record these changes in the prepared dataset (dataset.json); the original images are never touched',
            ...disabled,
          }))));
      rows.push(el('ul', { class: 'cleaner-list', 'aria-label': 'Pending changes' }, ...s.pending.map((c) => {
        const undo = el('vscode-toolbar-button', { icon: 'discard', label: `Undo: ${describe(c)}`, title: `Undo: ${describe(c)}` });
        undo.addEventListener('click', () => sendIntent({ kind: 'undo', file: c.file }));
        return el('li', { class: `cleaner-item ${c.action}`, title: c.file },
          codicon(c.action === 'exclude' ? 'circle-slash' : 'arrow-swap'), el('span', {}, describe(c)), undo);
      })));
    }
    const status = this.status(s, where);
    if (status) rows.push(status);
    this.element.replaceChildren(...rows);
  }

  /** What the last Apply or Retrain did, or what is running. */
  private status(s: CleanerState, where: HTMLElement | string): HTMLElement | undefined {
    const retrain = () => button(s.busy === 'retraining' ? 'Retraining…' : 'Retrain', 'debug-restart',
      () => sendIntent({ kind: 'retrain' }), {
        title: 'Train a feature extractor on the cleaned dataset with this run\'s settings (the embeddings come from the cache)',
        ...(s.canRetrain ? {} : { disabled: '' }),
      });
    if (s.busy === 'retraining') {
      return el('div', { class: 'cleaner-status', role: 'status' }, codicon('loading', 'working'),
        ' Retraining on the cleaned dataset…', where);
    }
    if (s.retrained) {
      const r = s.retrained;
      const total = r.fromCache + r.computed;
      return el('div', {
        class: 'cleaner-status retrained', role: 'status', 'data-from-cache': String(r.fromCache),
        'data-run': r.runId,
      }, codicon('pass'), ` Retrained as ${r.runId}: best val_acc ${r.valAcc.toFixed(3)}, `,
      el('strong', {}, `${fmtInt(r.fromCache)} of ${fmtInt(total)} embeddings from the cache`),
      ` (${plural(r.excluded, 'image')} excluded, ${fmtInt(r.relabelled)} relabelled)`, where);
    }
    if (!s.applied || s.pending.length && !s.applied.refused.length) return undefined;
    const a = s.applied;
    return el('div', { class: 'cleaner-status applied', role: 'status' },
      el('div', { class: 'cleaner-bar-head' },
        codicon('check'),
        el('span', {}, ` Recorded ${plural(a.excluded, 'exclusion')} and ${plural(a.relabelled, 'new label')} in dataset.json` +
          ' — the original images are untouched.'), where,
        el('span', { class: 'cleaner-bar-actions' }, retrain())),
      ...(a.refused.length ? [el('ul', { class: 'cleaner-refused', 'aria-label': 'Not applied' },
        ...a.refused.map((r) => el('li', {}, codicon('warning'), ` ${r.reason}`)))] : []));
  }
}

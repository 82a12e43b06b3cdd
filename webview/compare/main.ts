// Compare Runs: says `ready`, then draws the comparison the extension sends: the overlaid learning curves and the
// table of settings and results. "Differences only" hides the rows where every run agrees.
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { HostToCompare } from '../../src/core/compareProtocol';
import { codicon, el, emptyState } from '../dom';
import { comparisonTable } from './comparisonTable';
import { loadState, onHostMessage, post, saveState } from './compareState';
import { overlaidCurves } from './overlaidCurves';

const app = document.getElementById('app')!;

function problemList(problems: string[]): HTMLElement {
  return el('ul', { class: 'problems', role: 'alert' },
    ...problems.map((p) => el('li', {}, codicon('warning'), ' ', p)));
}

function render(message: HostToCompare): void {
  const { comparison: c, problems } = message;
  saveState({ runDirs: c.runs.map((r) => r.dir) });
  app.replaceChildren();
  const differing = c.rows.filter((r) => r.kind === 'setting' && r.differs).map((r) => r.label);
  const only = el('vscode-checkbox', { label: 'Differences only' });
  (only as unknown as { checked: boolean }).checked = loadState().differencesOnly;
  app.append(
    el('div', { class: 'view-header' },
      el('h2', {}, 'Compare Runs ', el('span', { class: 'heading-detail muted' }, `— ${c.runs.length} runs`)),
      only),
    el('p', { class: 'summary' }, differing.length
      ? `Settings that differ: ${differing.join(', ')}.`
      : 'The runs share every setting.'),
  );
  if (problems.length) app.append(problemList(problems));
  if (c.runs.length < 2) {
    app.append(emptyState('diff', 'Nothing to compare', 'Fewer than two of the chosen runs could be read.'));
    app.setAttribute('aria-busy', 'false');
    return;
  }
  const table = comparisonTable(c);
  const apply = () => {
    const on = (only as unknown as { checked: boolean }).checked;
    table.querySelector('table')?.classList.toggle('differences-only', on);
    saveState({ differencesOnly: on });
  };
  only.addEventListener('change', apply);
  apply();
  app.append(
    el('div', { class: 'curves' }, overlaidCurves(c.curves, 'acc'), overlaidCurves(c.curves, 'loss')),
    el('h3', {}, 'Settings and results'),
    table,
    el('p', { class: 'muted legend-note' }, 'Highlighted: differs from run 1. ', codicon('star-full'), ' best of the runs. — : the run does not record it.'),
  );
  app.setAttribute('aria-busy', 'false');
}

onHostMessage((m) => {
  if (m?.type === 'comparison') render(m);
});
app.append(emptyState('loading', 'Reading the runs…', ''));
post({ type: 'ready' });

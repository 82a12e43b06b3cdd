// The settings and results side by side: one column per run (its colour as on the curves), the first run the
// reference. A row whose values differ is marked; in it, each cell that differs from the first run's is highlighted
// as a diff highlights an inserted change. The best result of a row is marked too. Missing values read "—".
import type { ComparisonRow, RunComparison } from '../../src/core/compareProtocol';
import { codicon, el } from '../dom';
import { post } from './compareState';
import { runColorCss } from './runColors';

function runHeading(run: RunComparison['runs'][number], i: number): HTMLElement {
  const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
  swatch.style.background = runColorCss(i);
  const open = el('button', { class: 'link', type: 'button', title: `Open ${run.id} in the dashboard\n${run.dir}` },
    swatch, `${i + 1}. ${run.id}`);
  open.addEventListener('click', () => post({ type: 'openRun', runDir: run.dir }));
  return el('th', { scope: 'col' }, open, el('div', { class: 'muted run-mode' }, `${run.mode} · ${run.status}`));
}

function rowElement(row: ComparisonRow): HTMLElement {
  const label = el('th', { scope: 'row' }, row.label);
  if (row.differs) label.append(el('span', { class: 'visually-hidden' }, ' (differs)'));
  const tr = el('tr', { class: row.differs ? 'differs' : 'same', 'data-key': row.key }, label);
  row.text.forEach((text, i) => {
    const td = el('td', {}, text);
    if (row.values[i] !== null) td.title = String(row.values[i]);
    if (i > 0 && row.values[i] !== row.values[0]) td.classList.add('changed');
    if (row.best.includes(i)) {
      td.classList.add('best');
      td.append(' ', codicon('star-full', 'best of the runs'));
    }
    tr.append(td);
  });
  return tr;
}

export function comparisonTable(c: RunComparison): HTMLElement {
  const body = el('tbody');
  for (const kind of ['setting', 'result'] as const) {
    body.append(el('tr', { class: 'group-row' },
      el('th', { scope: 'rowgroup', colspan: String(c.runs.length + 1) }, kind === 'setting' ? 'Settings' : 'Results')));
    for (const row of c.rows.filter((r) => r.kind === kind)) body.append(rowElement(row));
  }
  // Wide for many runs: the table scrolls sideways inside its own box, the curves above stay put.
  return el('div', { class: 'table-scroll' }, el('table', { class: 'data-table compare-table' },
    el('caption', { class: 'visually-hidden' }, 'Settings and results of each run; rows that differ are marked'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, ''), ...c.runs.map(runHeading))),
    body));
}

// The Dataset tab: the detected layout, the split counts per class, health findings that open their files, and
// sample images per class captioned with their size, e.g. "cat (500, 374)".
import type { DatasetEvent, DatasetFinding } from '../src/core/protocol';
import { cleanable } from './cleaner/cleanableTile';
import { absolutePath, codicon, el, emptyState, fmtInt } from './dom';
import { imageGrid, imageTile } from './imageTile';
import { post } from './vscodeApi';

const SEVERITY_ICON: Record<DatasetFinding['severity'], string> = { error: 'error', warning: 'warning', info: 'info' };
/** Files listed per finding before "and N more": a finding about 300 duplicates should not flood the tab. */
const FILES_SHOWN = 6;
/**
 * Findings whose files are placed images the cleaner can exclude or move. Not label conflicts (prepare already left
 * them out), test copies (never trained on), renames or class-level findings.
 */
const CLEANABLE_FINDINGS = new Set([
  'near-duplicate', 'duplicate', 'tiny', 'extreme-aspect', 'animated', 'cmyk', 'grayscale', 'alpha', 'high-bit-depth',
  'exif-orientation',
]);

export class DatasetView {
  readonly element = el(
    'section',
    { class: 'dataset', 'aria-label': 'Dataset' },
    emptyState(
      'database',
      'No dataset report yet',
      'Prepare a dataset to see its layout, split counts, sample images and health findings here.',
    ),
  );

  show(e: DatasetEvent): void {
    this.element.replaceChildren(
      el(
        'header',
        { class: 'view-header' },
        el('h2', {}, 'Dataset'),
        el(
          'vscode-badge',
          {
            variant: 'default',
            title: e.dryRun ? 'A preview: nothing has been written yet' : 'The split has been written',
          },
          e.dryRun ? 'Preview' : 'Prepared',
        ),
      ),
      el(
        'dl',
        { class: 'facts' },
        el('dt', {}, 'Layout'),
        el('dd', {}, el('strong', {}, e.layout), el('span', { class: 'muted' }, ` — ${e.layoutReason}`)),
        el('dt', {}, 'Source'),
        el('dd', {}, pathLink(e.source, e.source)),
        el('dt', {}, 'Output'),
        el('dd', { class: 'path' }, e.output),
      ),
      el('h3', {}, 'Split'),
      countsTable(e),
      el('h3', {}, `Health (${e.findings.length})`),
      findingsList(e),
      ...samples(e),
    );
  }
}

function pathLink(label: string, path: string): HTMLElement {
  const a = el('a', { href: '#', class: 'path', title: `Open ${path}` }, label);
  a.addEventListener('click', (ev) => {
    ev.preventDefault();
    post({ type: 'openFile', path });
  });
  return a;
}

function countsTable(e: DatasetEvent): HTMLElement {
  const splits = Object.keys(e.counts);
  const rows = [...e.classes];
  for (const s of splits) for (const c of Object.keys(e.counts[s])) if (!rows.includes(c)) rows.push(c);
  const count = (s: string, c: string) => e.counts[s]?.[c] ?? 0;
  const total = (c: string) => splits.reduce((sum, s) => sum + count(s, c), 0);
  const num = (n: number) => el('td', { class: 'num' }, fmtInt(n));
  return el(
    'table',
    { class: 'data-table counts' },
    el('caption', { class: 'visually-hidden' }, 'Images per class in each split'),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', { scope: 'col' }, 'Class'),
        ...splits.map((s) => el('th', { scope: 'col', class: 'num' }, s)),
        el('th', { scope: 'col', class: 'num' }, 'Total'),
      ),
    ),
    el(
      'tbody',
      {},
      ...rows.map((c) =>
        el('tr', {}, el('th', { scope: 'row' }, c), ...splits.map((s) => num(count(s, c))), num(total(c))),
      ),
    ),
    el(
      'tfoot',
      {},
      el(
        'tr',
        {},
        el('th', { scope: 'row' }, 'Total'),
        ...splits.map((s) => num(rows.reduce((sum, c) => sum + count(s, c), 0))),
        num(rows.reduce((sum, c) => sum + total(c), 0)),
      ),
    ),
  );
}

/** "label-conflict" → "Label conflict". */
const title = (code: string) => code.charAt(0).toUpperCase() + code.slice(1).replace(/-/g, ' ');

/**
 * Findings grouped by code (13 near-duplicate pairs are one group, not 13 rows), errors first and open; each
 * finding lists its files as links that open them.
 */
function findingsList(e: DatasetEvent): HTMLElement {
  if (e.findings.length === 0) return el('p', { class: 'finding-none' }, codicon('pass'), ' No problems found.');
  const order = { error: 0, warning: 1, info: 2 };
  const groups = new Map<string, DatasetFinding[]>();
  for (const f of [...e.findings].sort((a, b) => order[a.severity] - order[b.severity])) {
    const key = `${f.severity}:${f.code}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return el('ul', { class: 'findings', 'aria-label': 'Health findings' }, ...[...groups.values()].map((fs) => {
    const { severity, code } = fs[0];
    const hints = [...new Set(fs.map((f) => f.hint).filter((h): h is string => !!h))];
    const details = el('details', { class: `finding-group ${severity}` },
      el('summary', {}, el('span', { class: `severity-${severity}` }, codicon(SEVERITY_ICON[severity], severity)),
        el('strong', {}, title(code)), el('span', { class: 'count-badge' }, `(${fmtInt(fs.length)})`)),
      ...(hints.length === 1 ? [el('div', { class: 'hint muted' }, hints[0])] : []),
      el('ul', { class: 'finding-items' }, ...fs.map((f) => {
        const files = f.files
          .slice(0, FILES_SHOWN)
          .map((file) => el('li', {}, findingFile(e, f, file)));
        if (f.files.length > FILES_SHOWN)
          files.push(el('li', { class: 'muted' }, `and ${fmtInt(f.files.length - FILES_SHOWN)} more`));
        return el('li', {}, el('div', {}, f.message),
          ...(f.hint && hints.length > 1 ? [el('div', { class: 'muted' }, f.hint)] : []),
          ...(files.length ? [el('ul', { class: 'finding-files', 'aria-label': 'Files' }, ...files)] : []));
      })));
    details.open = severity === 'error' || fs.length <= 2;
    return el('li', {}, details);
  }));
}

/** A finding's file as a link, with the cleaner's actions once the dataset is written (the job names the original). */
function findingFile(e: DatasetEvent, f: DatasetFinding, file: string): HTMLElement {
  const link = pathLink(file, absolutePath(e.source, file));
  if (e.dryRun || !CLEANABLE_FINDINGS.has(f.code)) return link;
  return cleanable(link, { file: absolutePath(e.source, file), source: { dataset: e.output }, classes: e.classes }, 'inline');
}

function samples(e: DatasetEvent): HTMLElement[] {
  if (e.samples.length === 0) return [];
  const classes = [...new Set([...e.classes, ...e.samples.map((s) => s.class)])].filter((c) =>
    e.samples.some((s) => s.class === c),
  );
  return [el('h3', {}, 'Samples'), ...classes.map((c) => el('div', { class: 'sample-class' },
    el('h4', {}, c),
    imageGrid(`Sample images of ${c}`, e.samples.filter((s) => s.class === c).map((s) => imageTile({
      file: absolutePath(e.source, s.file), thumbnail: s.thumbnail, caption: `${s.class} (${s.width}, ${s.height})`,
      label: `${s.class}, ${s.width} by ${s.height} pixels`,
    })))))];
}

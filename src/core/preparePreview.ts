// What Prepare Dataset shows of its result: the sample grid, and the readable preview (counts per class × split,
// where the output goes, how files are placed).
import type { DatasetFinding, DatasetSample } from './protocol';
import { SPLITS, UNLABELED, type ManifestFile, type Placement, type SplitCounts } from './datasetManifest';
import type { PrepareResult } from './jobs/prepare';
import { deriveSeed, mulberry32, shuffled } from './seededRandom';

/** Up to n images per class for the grid, seeded, from train and val. */
export function pickSamples(
  files: readonly ManifestFile[],
  classes: readonly string[],
  n: number,
  seed: number,
): DatasetSample[] {
  const out: DatasetSample[] = [];
  for (const c of classes) {
    const own = files.filter((f) => f.class === c && f.split !== 'test').sort((a, b) => (a.path < b.path ? -1 : 1));
    for (const f of shuffled(own, mulberry32(deriveSeed(seed, `samples:${c}`))).slice(0, n)) {
      out.push({ class: c, file: f.source, width: f.width, height: f.height });
    }
  }
  return out;
}

export const sampleCaption = (s: DatasetSample) => `${s.class} (${s.width}, ${s.height})`;

const PLACEMENT_TEXT: Record<Placement, string> = {
  link: 'hard links (no extra disk space; the originals are not moved or changed. Editing a linked file in an image editor would edit the original too)',
  copy: 'copies (the originals are not moved or changed)',
  symlink: 'symbolic links to the originals (no extra disk space; moving the originals breaks them)',
};

/** Rows are classes, columns are splits: class lists grow long, split lists do not. */
export function countsTable(counts: SplitCounts, classes: readonly string[]): string {
  const splits = SPLITS.filter((s) => counts[s]);
  const rows = [...classes];
  if (splits.some((s) => counts[s][UNLABELED])) rows.push(UNLABELED);
  const header = ['class', ...splits, 'total'];
  const body = rows.map((r) => {
    const cells = splits.map((s) => counts[s][r] ?? 0);
    return [r, ...cells.map(String), String(cells.reduce((a, b) => a + b, 0))];
  });
  const totals = splits.map((s) => Object.values(counts[s]).reduce((a, b) => a + b, 0));
  body.push(['total', ...totals.map(String), String(totals.reduce((a, b) => a + b, 0))]);
  const table = [header, ...body];
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  return table
    .map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '))
    .join('\n');
}

const SEVERITY_MARK: Record<DatasetFinding['severity'], string> = {
  error: 'skipped',
  warning: 'warning',
  info: 'note',
};

export function formatPrepareSummary(r: PrepareResult, maxFindings = 25): string {
  const lines = [
    `layout:    ${r.layout}${r.root ? ` (in ${r.root}/)` : ''}: ${r.layoutReason}`,
    `source:    ${r.source}`,
    `output:    ${r.output}`,
    `placement: ${PLACEMENT_TEXT[r.placement]}`,
    '',
    countsTable(r.counts, r.classes),
    '',
    `health:    ${r.images} images checked; ${r.excluded.length} left out, ${r.duplicates.length} duplicate group${r.duplicates.length === 1 ? '' : 's'}, ` +
      `${r.conflicts.length} label conflict${r.conflicts.length === 1 ? '' : 's'}, ${r.nearDuplicates.length} near-duplicate pair${r.nearDuplicates.length === 1 ? '' : 's'}`,
  ];
  const order = { error: 0, warning: 1, info: 2 };
  const findings = [...r.findings].sort((a, b) => order[a.severity] - order[b.severity]);
  for (const f of findings.slice(0, maxFindings))
    lines.push(`  ${SEVERITY_MARK[f.severity].padEnd(8)} ${f.message}${f.hint ? `\n           → ${f.hint}` : ''}`);
  if (findings.length > maxFindings)
    lines.push(`  … and ${findings.length - maxFindings} more findings (all are in dataset.json, or use --json)`);
  lines.push('');
  if (r.dryRun) {
    lines.push(r.changed
      ? `dry run: nothing was written. Run again without --dry-run to write ${r.output}.`
      : `dry run: nothing was written, and nothing would change: ${r.output} already matches these settings.`);
  }
  else if (!r.changed) lines.push(`no change: ${r.output} already matches these settings.`);
  else {
    const how = (Object.entries(r.placed) as [Placement, number][])
      .filter(([, n]) => n)
      .map(([k, n]) => `${n} by ${k}`)
      .join(', ');
    lines.push(
      `done: ${how || 'no files'} placed${r.removed ? `, ${r.removed} removed` : ''}; manifest at ${r.output}/dataset.json.`,
    );
  }
  return lines.join('\n') + '\n';
}

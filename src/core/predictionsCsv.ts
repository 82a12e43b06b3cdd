// The submission CSV that `predict` writes, Kaggle style: one row per image, id = the file's stem.
// Everything here is deterministic (sort order, number format), so the same model on the same images gives a
// byte-identical file, which is what lets a user diff two submissions.

export interface PredictionRow { id: string; values: number[] }

const NUMERIC_ID = /^\d+$/;

/** Numeric order when every id is a whole number (1, 2, …, 10 rather than 1, 10, 2), else code-unit order. */
export function sortRows(rows: readonly PredictionRow[]): PredictionRow[] {
  const byName = (a: PredictionRow, b: PredictionRow) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  if (rows.every((r) => NUMERIC_ID.test(r.id))) {
    // BigInt so that ids longer than 2^53 still order exactly; "07" and "7" fall back to the name.
    return [...rows].sort((a, b) => {
      const x = BigInt(a.id), y = BigInt(b.id);
      return x < y ? -1 : x > y ? 1 : byName(a, b);
    });
  }
  return [...rows].sort(byName);
}

/** Clips to [clip, 1 − clip]: the usual guard against log loss's unbounded penalty for a confident mistake. */
export function clipProbability(p: number, clip = 0): number {
  return Math.min(Math.max(p, clip), 1 - clip);
}

/** Six decimals, or enough to show the clip bound itself (clip 1e-15 would otherwise print as 0.000000). */
export function decimalsFor(clip?: number): number {
  if (!clip) return 6;
  return Math.min(20, Math.max(6, Math.ceil(-Math.log10(clip)) + 1));
}

/** RFC 4180: quote a field holding a comma, a quote or a line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Header `id,<columns…>`, rows sorted by sortRows(), numbers with a fixed number of decimals, '\n' line ends. */
export function predictionsCsv(columns: readonly string[], rows: readonly PredictionRow[], decimals = 6): string {
  const lines = [['id', ...columns].map(csvField).join(',')];
  for (const r of sortRows(rows)) lines.push([csvField(r.id), ...r.values.map((v) => v.toFixed(decimals))].join(','));
  return lines.join('\n') + '\n';
}

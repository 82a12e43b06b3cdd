// Which images a prediction grid shows, and how each is titled. Pure, so the trainer (which makes the thumbnails)
// and the tests agree on the selection.
import { argmax } from './metrics';
import type { GridItem } from './protocol';

export const GRID_SIZE = 48;

export interface Scored { file: string; probabilities: ArrayLike<number>; truth?: string }

function itemOf(s: Scored, classes: readonly string[]): GridItem {
  const k = argmax(s.probabilities);
  return {
    file: s.file,
    label: classes[k],
    probability: s.probabilities[k],
    ...(s.truth !== undefined ? { truth: s.truth } : {}),
  };
}

/** The test grid: the first `n` images in the order given (the CSV's order), titled with label and probability. */
export function testGrid(scored: readonly Scored[], classes: readonly string[], n = GRID_SIZE): GridItem[] {
  return scored.slice(0, n).map((s) => itemOf(s, classes));
}

/**
 * The validation grid: the most confidently wrong images (up to a third of the grid, so "wrong only" has something
 * to show) and then correct ones in file order, so the grid is the same every time for the same run.
 */
export function valGrid(scored: readonly Scored[], classes: readonly string[], n = GRID_SIZE): GridItem[] {
  const items = scored.map((s) => itemOf(s, classes));
  const wrong = items
    .filter((i) => i.label !== i.truth)
    .sort((a, b) => b.probability - a.probability || (a.file < b.file ? -1 : 1));
  const right = items.filter((i) => i.label === i.truth).sort((a, b) => (a.file < b.file ? -1 : 1));
  const w = wrong.slice(0, Math.ceil(n / 3));
  return [...w, ...right.slice(0, n - w.length)];
}

// What a learning curve trains on: the subset sizes, nested stratified seeded subsets, the training budget per
// point, and the mean and spread of the repeats. Pure, so every choice is table-tested.
import type { ErrorStat } from './protocol';
import { deriveSeed, mulberry32, shuffled } from './seededRandom';

/** Fewer than this many training images per class tells nothing about a curve's shape. */
const MIN_PER_CLASS = 2;

/**
 * Geometrically spaced sizes from about `minFraction` of the training set up to all of it. Geometric, because
 * error falls roughly linearly in log(size): even spacing would put five of six points in the flat part.
 */
export function curveSizes(total: number, classes: number, count = 6, minFraction = 0.05): number[] {
  const floor = Math.min(total, Math.max(Math.round(total * minFraction), MIN_PER_CLASS * classes));
  if (floor >= total || count < 2) return [total];
  const ratio = Math.pow(total / floor, 1 / (count - 1));
  const sizes = Array.from({ length: count }, (_, i) =>
    i === count - 1 ? total : Math.round(floor * Math.pow(ratio, i)),
  );
  return [...new Set(sizes)];
}

/**
 * Reads `--sizes`: a comma list of counts (56), fractions (0.05) or percentages (5%). Sorted, deduplicated,
 * each between the class count (one image per class) and the training set.
 */
export function parseSizes(text: string, total: number, classes: number): number[] {
  const sizes = text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const pct = s.endsWith('%');
    const n = Number(pct ? s.slice(0, -1) : s);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`sizes: "${s}" is not a count, a fraction or a percentage`);
    const size = pct ? Math.round((total * n) / 100) : n <= 1 ? Math.round(total * n) : n;
    if (!Number.isInteger(size)) throw new Error(`sizes: "${s}" is not a whole number of images`);
    if (size < classes || size > total)
      throw new Error(
        `sizes: ${s} gives ${size} images; it must be from ${classes} (one per class) to ${total} (the whole training set)`,
      );
    return size;
  });
  if (sizes.length < 2) throw new Error('sizes: a curve needs at least two sizes');
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/**
 * Row indices for each size, stratified (each class keeps its share, at least one image) and nested (a smaller
 * subset is inside every larger one, so points differ by data added, not by a fresh draw). One order per class,
 * shuffled with the seed; a subset takes a prefix of each.
 */
export function nestedSubsets(labels: readonly number[], sizes: readonly number[], seed: number): number[][] {
  const classes = Math.max(...labels) + 1;
  const byClass = Array.from({ length: classes }, (_, k) =>
    shuffled(labels.flatMap((l, i) => (l === k ? [i] : [])), mulberry32(deriveSeed(seed, `curve-class-${k}`))));
  const present = byClass.filter((rows) => rows.length > 0);
  return sizes.map((size) => {
    const counts = stratifiedCounts(present.map((rows) => rows.length), size);
    return present.flatMap((rows, k) => rows.slice(0, counts[k])).sort((a, b) => a - b);
  });
}

/** Largest-remainder apportionment of `size` over the classes, at least one each, never more than a class has. */
export function stratifiedCounts(classSizes: readonly number[], size: number): number[] {
  const total = classSizes.reduce((a, b) => a + b, 0);
  const exact = classSizes.map((n) => (size * n) / total);
  const counts = exact.map((x, k) => Math.min(classSizes[k], Math.max(1, Math.floor(x))));
  let left = size - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, k) => ({ k, rest: x - Math.floor(x) })).sort((a, b) => b.rest - a.rest || a.k - b.k);
  for (let i = 0; left > 0 && i < order.length * 2; i++) {
    const k = order[i % order.length].k;
    if (counts[k] < classSizes[k]) {
      counts[k]++;
      left--;
    }
  }
  for (let k = counts.length - 1; left < 0 && k >= 0; k--) {
    while (left < 0 && counts[k] > 1) {
      counts[k]--;
      left++;
    }
  }
  return counts;
}

/**
 * Epochs for one point: about `steps` mini-batches whatever the subset size, so a 56-image point is trained as
 * thoroughly as the full set (a fixed epoch count would leave small subsets under-trained and read as bias).
 */
export function epochsFor(size: number, batch: number, steps: number, maxEpochs = 100): number {
  const perEpoch = Math.ceil(size / batch);
  return Math.max(1, Math.min(maxEpochs, Math.ceil(steps / perEpoch)));
}

/** Mean and sample standard deviation (0 for a single value). */
export function errorStat(values: readonly number[]): ErrorStat {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

// Classification metrics over predicted probabilities, computed the way scikit-learn does, so a number shown here
// can be checked against a notebook. Labels are class indices 0..k-1; probabilities are one row per example.
// One deliberate difference: a class with no examples in the evaluated set (a 1-image class prepare kept for
// training) is left out of the macro average, as scikit-learn does with labels= the classes present in y_true;
// averaging in its 0/0 recall would describe a test that was never run.

export interface ClassMetrics {
  class: string; precision: number; recall: number; f1: number; support: number;
  /** Set when the class has no examples here: its recall is 0/0 and it is not in the macro average. */
  noSupport?: true;
}
export interface AverageMetrics { precision: number; recall: number; f1: number }
export interface ConfusedPair { truth: string; predicted: string; count: number }

/** Index of the largest value; the first one wins a tie, as a sigmoid's p > 0.5 threshold does for [1-p, p]. */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** m[truth][predicted] counts. */
export function confusionMatrix(truth: readonly number[], predicted: readonly number[], k: number): number[][] {
  if (truth.length !== predicted.length) throw new Error(`${truth.length} labels but ${predicted.length} predictions`);
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  truth.forEach((t, i) => {
    const p = predicted[i];
    if (!(t >= 0 && t < k && p >= 0 && p < k)) throw new Error(`label ${t} or prediction ${p} is outside 0..${k - 1}`);
    m[t][p]++;
  });
  return m;
}

/** Each row divided by its total (the recall view); a class with no examples gets a row of zeros, not NaN. */
export function normalizeRows(m: readonly number[][]): number[][] {
  return m.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (total ? v / total : 0));
  });
}

export function accuracyOf(m: readonly number[][]): number {
  const total = m.flat().reduce((a, b) => a + b, 0);
  return total ? m.reduce((a, row, i) => a + row[i], 0) / total : 0;
}

const ratio = (a: number, b: number) => (b ? a / b : 0);

export interface PerClassResult {
  perClass: ClassMetrics[];
  macro: AverageMetrics;
  weighted: AverageMetrics;
  /** Where a ratio was 0/0 and reported as 0 (scikit-learn's zero_division=0), in words. */
  notes: string[];
}

/**
 * Precision, recall, F1 and support per class from a confusion matrix. A class that is never predicted has
 * precision 0/0; it is reported as 0 and named in `notes`, because averaging NaN would hide every other class.
 * A class with no examples is marked `noSupport`, named in `notes`, and left out of the macro average.
 */
export function perClassMetrics(m: readonly number[][], classes: readonly string[]): PerClassResult {
  const notes: string[] = [];
  const perClass = classes.map((name, c): ClassMetrics => {
    const tp = m[c][c];
    const predicted = m.reduce((a, row) => a + row[c], 0);
    const support = m[c].reduce((a, b) => a + b, 0);
    if (!predicted) notes.push(`${name} is never predicted: its precision is 0/0, reported as 0`);
    if (!support) {
      notes.push(`${name} has no examples: its recall is 0/0, reported as 0, and it is left out of the macro average`);
    }
    const precision = ratio(tp, predicted), recall = ratio(tp, support);
    const f1 = ratio(2 * precision * recall, precision + recall);
    return { class: name, precision, recall, f1, support, ...(support ? {} : { noSupport: true as const }) };
  });
  const total = perClass.reduce((a, c) => a + c.support, 0);
  const supported = perClass.filter((c) => c.support > 0).length;
  const avg = (w: (c: ClassMetrics) => number, denom: number): AverageMetrics => ({
    precision: ratio(perClass.reduce((a, c) => a + w(c) * c.precision, 0), denom),
    recall: ratio(perClass.reduce((a, c) => a + w(c) * c.recall, 0), denom),
    f1: ratio(perClass.reduce((a, c) => a + w(c) * c.f1, 0), denom),
  });
  const macro = avg((c) => (c.support > 0 ? 1 : 0), supported);
  return { perClass, macro, weighted: avg((c) => c.support, total), notes };
}

/**
 * Mean negative log probability of the true class. Probabilities are clipped to [eps, 1 - eps] first (Kaggle and
 * scikit-learn use 1e-15), so one confident mistake costs about 34.5 rather than Infinity; eps = 0 turns clipping
 * off, and then a true class given probability 0 makes the loss Infinity.
 */
export function logLoss(truth: readonly number[], probabilities: readonly ArrayLike<number>[], eps = 1e-15): number {
  if (truth.length !== probabilities.length)
    throw new Error(`${truth.length} labels but ${probabilities.length} probability rows`);
  if (!truth.length) return 0;
  let sum = 0;
  truth.forEach((t, i) => {
    const p = Math.min(Math.max(probabilities[i][t], eps), 1 - eps);
    sum -= Math.log(p);
  });
  return sum / truth.length;
}

/**
 * Binary ROC AUC by ranks (Mann–Whitney U): the chance that a random positive scores above a random negative,
 * ties counting one half. Undefined (returns undefined) when either class is absent.
 */
export function rocAuc(isPositive: readonly boolean[], scores: readonly number[]): number | undefined {
  if (isPositive.length !== scores.length) throw new Error(`${isPositive.length} labels but ${scores.length} scores`);
  const order = scores.map((s, i) => ({ s, i })).sort((a, b) => a.s - b.s);
  const ranks = new Array<number>(scores.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].s === order[start].s) end++;
    const rank = (start + end) / 2 + 1;
    for (let j = start; j <= end; j++) ranks[order[j].i] = rank;
    start = end + 1;
  }
  const nPos = isPositive.filter(Boolean).length, nNeg = isPositive.length - nPos;
  if (!nPos || !nNeg) return undefined;
  const rankSum = ranks.reduce((a, r, i) => a + (isPositive[i] ? r : 0), 0);
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Off-diagonal cells, largest first (ties by class order), skipping zeros: where a multi-class model errs. */
export function mostConfused(m: readonly number[][], classes: readonly string[], limit = 10): ConfusedPair[] {
  const pairs: (ConfusedPair & { t: number; p: number })[] = [];
  m.forEach((row, t) => row.forEach((count, p) => {
    if (t !== p && count > 0) pairs.push({ truth: classes[t], predicted: classes[p], count, t, p });
  }));
  pairs.sort((a, b) => b.count - a.count || a.t - b.t || a.p - b.p);
  return pairs.slice(0, limit).map(({ truth, predicted, count }) => ({ truth, predicted, count }));
}

export interface ClassificationReport extends PerClassResult {
  count: number;
  accuracy: number;
  logLoss: number;
  /** Binary runs whose examples hold both classes: AUC of P(second class). */
  auc?: number;
  confusion: number[][];
  confusionNormalized: number[][];
  /** Multi-class runs only. */
  mostConfused?: ConfusedPair[];
}

/** Everything above for one set of predictions: truth[i] is the class index of probabilities[i]. */
export function classificationReport(
  truth: readonly number[],
  probabilities: readonly ArrayLike<number>[],
  classes: readonly string[],
  o: { eps?: number } = {},
): ClassificationReport {
  const k = classes.length;
  const predicted = probabilities.map((p) => argmax(p));
  const confusion = confusionMatrix(truth, predicted, k);
  const auc =
    k === 2
      ? rocAuc(
          truth.map((t) => t === 1),
          probabilities.map((p) => p[1]),
        )
      : undefined;
  return {
    count: truth.length,
    accuracy: accuracyOf(confusion),
    logLoss: logLoss(truth, probabilities, o.eps ?? 1e-15),
    ...(auc !== undefined ? { auc } : {}),
    confusion,
    confusionNormalized: normalizeRows(confusion),
    ...perClassMetrics(confusion, classes),
    ...(k > 2 ? { mostConfused: mostConfused(confusion, classes) } : {}),
  };
}

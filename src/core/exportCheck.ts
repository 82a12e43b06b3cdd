// Whether an exported model gives what the saved TF.js model gives: the largest difference in any class probability
// and how often the most likely class is the same. Pure, so the rule the export job applies is tested by table.
import { argmax } from './metrics';

export interface ProbabilityAgreement {
  images: number;
  maxAbsDiff: number;
  /** Images whose most likely class differs, by index, in order. */
  differing: number[];
  /** The fraction with the same most likely class (1 for no images). */
  argmaxAgreement: number;
}

/** `reference[i]` and `candidate[i]` are one image's probabilities, one per class, from the two runtimes. */
export function probabilityAgreement(
  reference: readonly ArrayLike<number>[], candidate: readonly ArrayLike<number>[],
): ProbabilityAgreement {
  if (reference.length !== candidate.length) {
    throw new Error(`${reference.length} reference rows but ${candidate.length} candidate rows`);
  }
  let maxAbsDiff = 0;
  const differing: number[] = [];
  reference.forEach((r, i) => {
    const c = candidate[i];
    if (r.length !== c.length) {
      throw new Error(`row ${i}: ${r.length} reference values but ${c.length} candidate values`);
    }
    for (let k = 0; k < r.length; k++) {
      // NaN never agrees: Math.max would carry it, and a comparison with it is false.
      const d = Math.abs(r[k] - c[k]);
      maxAbsDiff = Number.isNaN(d) ? Infinity : Math.max(maxAbsDiff, d);
    }
    if (argmax(r) !== argmax(c)) differing.push(i);
  });
  const images = reference.length;
  return { images, maxAbsDiff, differing, argmaxAgreement: images ? (images - differing.length) / images : 1 };
}

/** Why the export does not count as the same model, or undefined when it does. `names[i]` names image i. */
export function disagreement(a: ProbabilityAgreement, tolerance: number, names: readonly string[]): string | undefined {
  const problems: string[] = [];
  if (!(a.maxAbsDiff <= tolerance)) {
    problems.push(`a class probability differs by ${a.maxAbsDiff.toExponential(2)} (at most ${tolerance} allowed)`);
  }
  if (a.differing.length) {
    const shown = a.differing.slice(0, 3).map((i) => names[i] ?? `image ${i}`).join(', ');
    const more = a.differing.length > 3 ? ` and ${a.differing.length - 3} more` : '';
    problems.push(`the most likely class differs on ${a.differing.length} of ${a.images} images (${shown}${more})`);
  }
  return problems.length ? problems.join('; ') : undefined;
}

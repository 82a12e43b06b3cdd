// Metrics against values worked out by hand (the arithmetic is in each case's comment).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  argmax, classificationReport, confusionMatrix, logLoss, mostConfused, normalizeRows, perClassMetrics, rocAuc, type ClassificationReport,
} from '../../../src/core/metrics';

const close = (actual: number, expected: number, what: string, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);

interface Case {
  name: string;
  classes: string[];
  truth: number[];
  probs: number[][];
  expect: Partial<Pick<ClassificationReport, 'accuracy' | 'logLoss' | 'auc' | 'confusion' | 'confusionNormalized' | 'mostConfused'>> & {
    precision?: number[]; recall?: number[]; f1?: number[]; support?: number[];
    macro?: [number, number, number]; weighted?: [number, number, number]; notes?: RegExp[]; noAuc?: boolean;
  };
}

const bin = (ps: number[]) => ps.map((p) => [1 - p, p]);

const cases: Case[] = [
  {
    // scikit-learn's roc_auc_score docs example: AUC 0.75. Predicted [0,0,0,1] → [[2,0],[1,1]].
    // cat: P 2/3, R 1, F1 0.8; dog: P 1, R 1/2, F1 2/3. Log loss −(ln .9 + ln .6 + ln .35 + ln .8)/4 = 0.4722880.
    name: 'binary, one positive missed',
    classes: ['cat', 'dog'], truth: [0, 0, 1, 1], probs: bin([0.1, 0.4, 0.35, 0.8]),
    expect: {
      accuracy: 0.75, auc: 0.75, logLoss: 0.4722880, confusion: [[2, 0], [1, 1]], confusionNormalized: [[1, 0], [0.5, 0.5]],
      precision: [2 / 3, 1], recall: [1, 0.5], f1: [0.8, 2 / 3], support: [2, 2],
      macro: [5 / 6, 0.75, 11 / 15], weighted: [5 / 6, 0.75, 11 / 15], notes: [],
    },
  },
  {
    // Perfect: every metric 1, no confused pairs. Log loss −(ln .9 + ln .8 + ln .7 + ln .6)/4 = 1.1960046/4 = 0.2990012.
    name: 'perfect 3-class classifier',
    classes: ['a', 'b', 'c'], truth: [0, 1, 2, 2],
    probs: [[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.1, 0.2, 0.7], [0.2, 0.2, 0.6]],
    expect: {
      accuracy: 1, logLoss: 0.2990012, confusion: [[1, 0, 0], [0, 1, 0], [0, 0, 2]], mostConfused: [],
      precision: [1, 1, 1], recall: [1, 1, 1], f1: [1, 1, 1], support: [1, 1, 2], macro: [1, 1, 1], weighted: [1, 1, 1], noAuc: true,
    },
  },
  {
    // All wrong: the positive scores 0.3 below the negative's 0.8, so AUC 0. Log loss −(ln .2 + ln .3)/2 = 1.4067054.
    name: 'all-wrong binary classifier',
    classes: ['cat', 'dog'], truth: [0, 1], probs: bin([0.8, 0.3]),
    expect: {
      accuracy: 0, auc: 0, logLoss: 1.4067054, confusion: [[0, 1], [1, 0]],
      precision: [0, 0], recall: [0, 0], f1: [0, 0], macro: [0, 0, 0], weighted: [0, 0, 0],
    },
  },
  {
    // c is never predicted: precision 0/0 → 0 (named in notes), recall 0, F1 0. a and b: P 2/3, R 1, F1 0.8.
    // macro P (2/3 + 2/3 + 0)/3 = 4/9, R 2/3, F1 1.6/3. Both c mistakes are the most confused pairs.
    name: 'one class never predicted',
    classes: ['a', 'b', 'c'], truth: [0, 0, 1, 1, 2, 2],
    probs: [[0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.5, 0.2, 0.3], [0.2, 0.5, 0.3]],
    expect: {
      accuracy: 4 / 6, confusion: [[2, 0, 0], [0, 2, 0], [1, 1, 0]],
      precision: [2 / 3, 2 / 3, 0], recall: [1, 1, 0], f1: [0.8, 0.8, 0], macro: [4 / 9, 2 / 3, 1.6 / 3], weighted: [4 / 9, 2 / 3, 1.6 / 3],
      notes: [/^c is never predicted: its precision is 0\/0, reported as 0$/],
      mostConfused: [{ truth: 'c', predicted: 'a', count: 1 }, { truth: 'c', predicted: 'b', count: 1 }],
    },
  },
  {
    // Unequal support [3, 1]: [[2,1],[0,1]]. a: P 1, R 2/3, F1 0.8; b: P 1/2, R 1, F1 2/3.
    // weighted P (3·1 + 0.5)/4 = 0.875, R (2 + 1)/4 = 0.75, F1 (2.4 + 2/3)/4 = 0.7666667; macro P 0.75, R 5/6, F1 11/15.
    name: 'weighted differs from macro when support differs',
    classes: ['a', 'b'], truth: [0, 0, 0, 1], probs: bin([0.1, 0.2, 0.9, 0.7]),
    expect: {
      accuracy: 0.75, confusion: [[2, 1], [0, 1]], support: [3, 1],
      macro: [0.75, 5 / 6, 11 / 15], weighted: [0.875, 0.75, (2.4 + 2 / 3) / 4],
    },
  },
  {
    // Exactly 0 and 1, all right: clipped at 1e-15 the loss is −ln(1 − 1e-15) ≈ 1.1e-15, not exactly 0.
    name: 'probabilities exactly 0 and 1, all right',
    classes: ['cat', 'dog'], truth: [0, 1], probs: [[1, 0], [0, 1]],
    expect: { accuracy: 1, auc: 1, logLoss: 0 },
  },
  {
    // Exactly 0 and 1, all wrong: clipped, each costs −ln(1e-15) = 34.5387764.
    name: 'probabilities exactly 0 and 1, all wrong',
    classes: ['cat', 'dog'], truth: [0, 1], probs: [[0, 1], [1, 0]],
    expect: { accuracy: 0, auc: 0, logLoss: 34.5387764 },
  },
];

describe('classification metrics', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = classificationReport(c.truth, c.probs, c.classes);
      const e = c.expect;
      if (e.accuracy !== undefined) close(r.accuracy, e.accuracy, 'accuracy');
      if (e.logLoss !== undefined) close(r.logLoss, e.logLoss, 'log loss', 1e-6);
      if (e.auc !== undefined) close(r.auc!, e.auc, 'auc');
      if (e.noAuc) assert.equal(r.auc, undefined);
      if (e.confusion) assert.deepEqual(r.confusion, e.confusion);
      if (e.confusionNormalized) assert.deepEqual(r.confusionNormalized, e.confusionNormalized);
      if (e.mostConfused) assert.deepEqual(r.mostConfused, e.mostConfused);
      for (const key of ['precision', 'recall', 'f1', 'support'] as const) {
        e[key]?.forEach((v, i) => close(r.perClass[i][key], v, `${c.classes[i]} ${key}`));
      }
      const avg = (a: { precision: number; recall: number; f1: number }) => [a.precision, a.recall, a.f1];
      e.macro?.forEach((v, i) => close(avg(r.macro)[i], v, `macro[${i}]`));
      e.weighted?.forEach((v, i) => close(avg(r.weighted)[i], v, `weighted[${i}]`));
      if (e.notes) {
        assert.equal(r.notes.length, e.notes.length, r.notes.join('; '));
        e.notes.forEach((re, i) => assert.match(r.notes[i], re));
      }
      assert.equal(r.confusion.flat().reduce((a, b) => a + b, 0), c.truth.length);
    });
  }

  const loss: [string, number[], number[][], number | undefined, number][] = [
    ['exact 0 on the truth, clipping off → Infinity', [0, 1], [[0, 1], [1, 0]], 0, Infinity],
    ['exact 1 on the truth, clipping off → 0', [0, 1], [[1, 0], [0, 1]], 0, 0],
    ['exact 0 on the truth, default clip 1e-15 → −ln 1e-15', [0], [[0, 1]], undefined, 34.5387764],
    ['exact 0 on the truth, clip 1e-7 → −ln 1e-7', [0], [[0, 1]], 1e-7, 16.1180957],
    ['no examples → 0', [], [], undefined, 0],
  ];
  for (const [name, truth, probs, eps, expected] of loss) {
    it(`log loss: ${name}`, () => {
      const v = logLoss(truth, probs, eps);
      if (expected === Infinity) assert.equal(v, Infinity);
      else close(v, expected, name, 1e-6);
    });
  }

  const auc: [string, boolean[], number[], number | undefined][] = [
    // Ranks 1, 2.5, 2.5, 4; positives hold 2.5 + 4 = 6.5; (6.5 − 3)/(2·2) = 0.875.
    ['a tie between a positive and a negative counts one half', [false, true, false, true], [0.5, 0.5, 0.2, 0.9], 0.875],
    ['all scores equal → 0.5', [true, false, true, false], [0.3, 0.3, 0.3, 0.3], 0.5],
    ['perfect ranking → 1', [false, false, true], [0.1, 0.2, 0.9], 1],
    ['only one class present → undefined', [true, true], [0.1, 0.9], undefined],
  ];
  for (const [name, pos, scores, expected] of auc) {
    it(`ROC AUC: ${name}`, () => assert.equal(rocAuc(pos, scores), expected));
  }

  it('argmax keeps the first of equal values, as the 0.5 threshold of a sigmoid does', () => {
    assert.equal(argmax([0.5, 0.5]), 0);
    assert.equal(argmax([0.1, 0.7, 0.2]), 1);
  });

  it('normalises rows, leaving a row with no examples at zeros', () => {
    assert.deepEqual(normalizeRows([[1, 3], [0, 0]]), [[0.25, 0.75], [0, 0]]);
  });

  it('says when a class has no examples (recall 0/0), marks it, and leaves it out of the macro average', () => {
    const r = perClassMetrics([[2, 0], [0, 0]], ['a', 'b']);
    assert.deepEqual(r.notes, [
      'b is never predicted: its precision is 0/0, reported as 0',
      'b has no examples: its recall is 0/0, reported as 0, and it is left out of the macro average',
    ]);
    assert.equal(r.weighted.precision, 1, 'weighted by support, the empty class weighs nothing');
    assert.equal(r.perClass[1].noSupport, true);
    assert.equal(r.perClass[0].noSupport, undefined);
    assert.deepEqual(r.macro, { precision: 1, recall: 1, f1: 1 }, 'the macro average covers the classes with examples');
  });

  it('rejects labels outside the classes', () => {
    assert.throws(() => confusionMatrix([0, 2], [0, 1], 2), /outside 0\.\.1/);
  });

  it('limits and orders the most confused pairs', () => {
    const m = [[5, 3, 0], [1, 5, 4], [0, 4, 5]];
    assert.deepEqual(mostConfused(m, ['a', 'b', 'c'], 2), [{ truth: 'b', predicted: 'c', count: 4 }, { truth: 'c', predicted: 'b', count: 4 }]);
  });
});

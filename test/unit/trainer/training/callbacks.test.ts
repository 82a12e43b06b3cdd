// The callbacks' own rules, fed by hand (no model): which epoch is best, when the LR finder stops, what a
// diverged fit says. The fit loop's tests run them on real training.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BestEpoch } from '../../../../src/trainer/training/callbacks/bestEpoch';
import { BatchDivergenceGuard, EpochDivergenceGuard } from '../../../../src/trainer/training/callbacks/divergenceGuard';
import { LrFinder } from '../../../../src/trainer/training/callbacks/lrFinder';
import type { EpochLogs, FitControl } from '../../../../src/trainer/training/fitLoop';

const epoch = (n: number, valLoss: number, valAcc: number, more: Partial<EpochLogs> = {}): EpochLogs => ({
  epoch: n, loss: 0.5, acc: 0.5, valLoss, valAcc, lr: 1e-3, seconds: 1, ...more,
});

function control(lr = 1e-3): FitControl & { stops: number; rates: number[] } {
  const c = {
    model: undefined as never, stops: 0, rates: [] as number[],
    stop: () => void c.stops++, learningRate: () => lr, setLearningRate: (r: number) => void c.rates.push(r),
  };
  return c;
}

describe('BestEpoch', () => {
  const cases: [string, 'val_loss' | 'val_acc', [number, number][], boolean[]][] = [
    // [valLoss, valAcc] per epoch, and whether each is the new best.
    ['lower val_loss wins; a tie does not', 'val_loss',
      [[0.5, 0.6], [0.4, 0.5], [0.4, 0.9], [0.45, 0.9]], [true, true, false, false]],
    ['higher val_acc wins; a tie does not', 'val_acc',
      [[0.5, 0.6], [0.4, 0.6], [0.9, 0.7], [0.1, 0.65]], [true, false, true, false]],
  ];
  for (const [name, monitor, epochs, expected] of cases) {
    it(name, () => {
      const best = new BestEpoch(monitor);
      assert.deepEqual(epochs.map(([l, a], i) => best.update(epoch(i + 1, l, a))), expected);
    });
  }
});

describe('LrFinder', () => {
  it('sets an exponential rate per step, records smoothed losses, and stops past 4× the best', () => {
    const sweep = { start: 1e-4, end: 1, steps: 5 };
    const finder = new LrFinder(sweep);
    const fit = control();
    const losses = [1, 1, 1, 5, 100];
    for (const [step, loss] of losses.entries()) {
      finder.onBatchBegin(step, fit);
      finder.onBatchEnd({ step, loss }, fit);
      if (fit.stops) break;
    }
    assert.deepEqual(fit.rates.map((r) => +r.toPrecision(6)), [1e-4, 1e-3, 1e-2, 1e-1, 1]);
    // The debiased average of 1, 1, 1, 5 is 2.02 (under 4×1); with 100 it passes 4.
    assert.deepEqual(finder.result.raw, [1, 1, 1, 5]);
    assert.equal(fit.stops, 1);
  });

  it('stops after its last step when nothing diverges', () => {
    const finder = new LrFinder({ start: 1e-4, end: 1, steps: 3 }, (done, total) => points.push(`${done}/${total}`));
    const points: string[] = [];
    const fit = control();
    for (let step = 0; step < 3; step++) finder.onBatchEnd({ step, loss: 1 - step / 10 }, fit);
    assert.deepEqual(points, ['1/3', '2/3', '3/3']);
    assert.equal(fit.stops, 1);
    assert.equal(finder.result.lrs.length, 3);
  });
});

describe('divergence guards', () => {
  const cases: [string, Partial<EpochLogs>, RegExp | undefined][] = [
    ['finite metrics pass', {}, undefined],
    ['NaN loss names the epoch and a rate in exponent form', { loss: NaN, lr: 1e30 },
      /^loss became NaN at epoch 3 \(lr 1e\+30\): lower the learning rate$/],
    ['∞ val_loss', { valLoss: Infinity, lr: 0.01 }, /^val_loss became Infinity at epoch 3 \(lr 0\.01\)/],
    ['NaN val_acc', { valAcc: NaN, lr: 1e-4 }, /^val_acc became NaN at epoch 3 \(lr 1e-4\)/],
  ];
  for (const [name, more, message] of cases) {
    it(`epoch: ${name}`, () => {
      const check = () => new EpochDivergenceGuard().onEpochEnd(epoch(3, 0.5, 0.5, more));
      if (message) assert.throws(check, { message });
      else assert.doesNotThrow(check);
    });
  }

  it('batch: a head fit names its images and rate', () => {
    const guard = new BatchDivergenceGuard(16);
    assert.doesNotThrow(() => guard.onBatchEnd({ step: 0, loss: 0.7 }, control()));
    assert.throws(() => guard.onBatchEnd({ step: 1, loss: NaN }, control(0.001)),
      { message: /^loss became NaN while fitting a head on 16 images \(lr 0\.001\): lower the learning rate$/ });
  });
});

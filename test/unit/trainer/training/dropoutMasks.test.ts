import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { freshDropoutMasks } from '../../../../src/trainer/training/dropoutMasks';
import { buildHead } from '../../../../src/trainer/model/headModel';

/** The head's first dropout layer in training mode on a batch of ones: which units it keeps. */
function mask(model: tf.LayersModel): string {
  const layer = model.getLayer('head_dropout_1');
  return tf.tidy(() => {
    const out = layer.apply(tf.ones([4, 256]), { training: true }) as tf.Tensor;
    return JSON.stringify(out.greater(0).arraySync());
  });
}

describe('dropout masks', () => {
  it('a seeded tfjs Dropout repeats its mask on every call (the reason this module exists)', () => {
    const head = buildHead(tf, { inputDim: 8, classes: 2, seed: 7, kind: 'recipe' });
    assert.equal(mask(head), mask(head));
    head.dispose();
  });

  it('stepping gives a fresh mask each batch, the same sequence for the same seed, and restores the seed', () => {
    const sequence = () => {
      const head = buildHead(tf, { inputDim: 8, classes: 2, seed: 7, kind: 'recipe' });
      const masks = freshDropoutMasks(head);
      const out: string[] = [];
      for (let i = 0; i < 3; i++) {
        masks.step();
        out.push(mask(head));
      }
      masks.restore();
      const seed = (head.getLayer('head_dropout_1') as unknown as { seed: number }).seed;
      head.dispose();
      return { out, seed };
    };
    const a = sequence(), b = sequence();
    assert.equal(new Set(a.out).size, 3, 'masks repeat');
    assert.deepEqual(a.out, b.out, 'not reproducible');
    assert.equal(a.seed, 7 + 11);
  });
});

// Files real Keras 3 (3.15.1) saved, committed because CI has no Keras (test/fixtures/keras/keras3/make.py wrote
// them): the `.keras` zip and Keras 3's legacy `.h5` both load through loadKerasModel and give Keras' own outputs.
// The .h5 names a DepthwiseConv2D's kernel "kernel", where Keras 2 and TF.js say "depthwise_kernel".
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { loadEngine, type Tf } from '../../../../../src/trainer/engine/engine';
import { loadKerasModel } from '../../../../../src/trainer/model/keras/kerasH5';

const DIR = path.resolve(__dirname, '../../../../fixtures/keras/keras3');

describe('files saved by Keras 3 itself', () => {
  let tf: Tf;
  const io = JSON.parse(fs.readFileSync(path.join(DIR, 'io.json'), 'utf8')) as
    { keras: string; shape: number[]; images: number[]; outputs: number[][] };
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
  });

  for (const name of ['small.keras', 'small.h5']) {
    it(`${name} gives Keras ${io.keras}'s outputs`, async () => {
      const model = await loadKerasModel(tf, path.join(DIR, name));
      try {
        const x = tf.tensor(Float32Array.from(io.images), io.shape);
        const y = model.predict(x) as tfType.Tensor;
        const got = y.arraySync() as number[][];
        tf.dispose([x, y]);
        let worst = 0;
        got.forEach((row, i) => row.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - io.outputs[i][k])))));
        assert.ok(worst <= 1e-5, `${name}: max abs ${worst} from Keras' own outputs`);
        assert.ok(io.outputs.some((r) => Math.max(...r) > 0.5), 'outputs are not uniform');
      } finally {
        model.dispose();
      }
    });
  }
});

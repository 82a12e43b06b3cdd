// Our builders against Keras itself, number for number: test/fixtures/keras/kerasReference.py builds each network
// in Keras (weights=None), gives it seeded weights, saves them in the Keras 2 weights-only HDF5 layout (Keras' own
// legacy saver) and runs it on a seeded batch; we load that file by layer name through readKerasWeights and run
// the same batch. Needs a Python with Keras 3, a backend (jax) and h5py, named by TL_PYTHON; skips without one.
// Measured with Keras 3.15.1 (jax 0.10.2) against TF.js wasm: every network within 3e-6 of its largest value.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { loadEngine, type Tf } from '../../../../../src/trainer/engine/engine';
import { buildKerasApplication } from '../../../../../src/trainer/model/keras/applications/kerasApplications';
import { setWeightsByName } from '../../../../../src/trainer/model/keras/kerasApplicationLoad';
import { readKerasWeights } from '../../../../../src/trainer/model/keras/kerasWeights';
import { pythonWith, runPython } from '../../../../fixtures/keras/pythonWith';
import { maxAbsDiff, type KerasReference } from './kerasReference';

const SCRIPT = path.resolve(__dirname, '../../../../fixtures/keras/kerasReference.py');
const SPECS = ['vgg16:64', 'resnet50:64', 'mobilenet_v2:224:0.35', 'mobilenet_v2:97:1.4'];
const BACKEND = { KERAS_BACKEND: process.env.KERAS_BACKEND ?? 'jax' };

let tf: Tf;
let tmp = '';
let python: string | undefined;

const readF32 = async (file: string) => {
  const b = await fsp.readFile(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

describe('Keras applications against Keras itself', () => {
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'tl-keras-numeric-'));
    python = pythonWith(['keras', 'h5py'], BACKEND);
    if (python) runPython(python, [SCRIPT, tmp, ...SPECS], BACKEND);
  });
  after(() => fsp.rm(tmp, { recursive: true, force: true }));

  for (const spec of SPECS) {
    it(`${spec}: Keras' weights file loads by name and gives Keras' output`, async (t) => {
      if (!python) return t.skip('no Python with Keras 3 and h5py: set TL_PYTHON to one');
      const id = spec.replace(/:/g, '_');
      const ref = JSON.parse(await fsp.readFile(path.join(tmp, `${id}.json`), 'utf8')) as KerasReference & {
        inputShape: number[];
      };
      const model = buildKerasApplication(tf, ref.app, {
        inputSize: ref.size, ...(ref.app === 'mobilenet_v2' ? { alpha: ref.alpha } : {}),
      });
      try {
        setWeightsByName(tf, model, await readKerasWeights(path.join(tmp, `${id}.h5`)), `${id}.h5`);
        const x = tf.tensor(await readF32(path.join(tmp, `${id}.in.f32`)), ref.inputShape);
        const y = model.predict(x) as tfType.Tensor;
        assert.deepEqual(y.shape, ref.outputShape);
        const { diff, scale } = maxAbsDiff(y.dataSync(), await readF32(path.join(tmp, `${id}.out.f32`)));
        t.diagnostic(`${y.shape.join('×')}: max abs ${diff.toExponential(2)} of values up to ${scale.toPrecision(4)} ` +
          `(relative ${(diff / scale).toExponential(2)})`);
        assert.ok(diff <= 1e-4 * scale, `max abs ${diff} of ${scale}`);
        tf.dispose([x, y]);
      } finally {
        model.dispose();
      }
    });
  }
});

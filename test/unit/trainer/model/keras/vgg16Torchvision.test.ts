// Our VGG16 against torchvision's VGG16 `features`, the same network (3×3 'same' convs with ReLU, 2×2 max pools)
// built by another library: torchvision's seeded weights mapped onto our layers (OIHW → Keras' HWIO) by layer
// order, both run on the same batch. Needs a Python with torch and torchvision (Debian: python3-torchvision);
// skips without one. ResNet50 is not compared: torchvision's strides its 3×3 convs, Keras its 1×1s.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadEngine, type Tf } from '../../../../../src/trainer/engine/engine';
import { vgg16 } from '../../../../../src/trainer/model/keras/applications/vgg16';
import { setWeightsByName } from '../../../../../src/trainer/model/keras/kerasApplicationLoad';
import type { KerasWeights } from '../../../../../src/trainer/model/keras/kerasWeights';
import { pythonWith, runPython } from '../../../../fixtures/keras/pythonWith';
import { maxAbsDiff } from './kerasReference';

const SCRIPT = path.resolve(__dirname, '../../../../fixtures/keras/torchvisionVgg16.py');
const SIZE = 224;

let tf: Tf;
let tmp = '';

const readF32 = async (file: string) => {
  const b = await fsp.readFile(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

describe('VGG16 against torchvision', () => {
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'tl-vgg16-torch-'));
  });
  after(() => fsp.rm(tmp, { recursive: true, force: true }));

  it(`gives torchvision's features at ${SIZE} px with its weights`, async (t) => {
    const python = pythonWith(['torch', 'torchvision']);
    if (!python) return t.skip('no python3 with torch and torchvision (apt-get install python3-torchvision)');
    runPython(python, [SCRIPT, tmp, String(SIZE)]);
    const meta = JSON.parse(await fsp.readFile(path.join(tmp, 'weights.json'), 'utf8')) as {
      shapes: number[][]; input: number[]; output: number[];
    };
    const all = await readF32(path.join(tmp, 'weights.f32'));
    const model = vgg16(tf, { inputSize: SIZE });
    try {
      const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
      assert.equal(convs.length * 2, meta.shapes.length, 'one weight and one bias per conv');
      const saved: KerasWeights = new Map();
      let at = 0;
      convs.forEach((layer, i) => {
        const [wShape, bShape] = [meta.shapes[2 * i], meta.shapes[2 * i + 1]];
        const w = all.subarray(at, at += wShape.reduce((a, b) => a * b, 1));
        const b = all.subarray(at, at += bShape[0]);
        // OIHW → HWIO
        const kernel = tf.tidy(() => tf.tensor(w, wShape).transpose([2, 3, 1, 0]));
        saved.set(layer.name, [
          { name: `${layer.name}/kernel:0`, shape: kernel.shape, data: kernel.dataSync() as Float32Array },
          { name: `${layer.name}/bias:0`, shape: bShape, data: b },
        ]);
        kernel.dispose();
      });
      setWeightsByName(tf, model, saved, 'torchvision vgg16');

      const [n, c, h, w] = meta.input;
      const pixels = await readF32(path.join(tmp, 'in.f32'));
      const images = tf.tidy(() => tf.tensor4d(pixels, [n, c, h, w]).transpose([0, 2, 3, 1]));
      const ours = tf.tidy(() => (model.predict(images) as ReturnType<typeof tf.zeros>).transpose([0, 3, 1, 2]));
      assert.deepEqual(ours.shape, meta.output);
      const { diff, scale } = maxAbsDiff(ours.dataSync(), await readF32(path.join(tmp, 'out.f32')));
      t.diagnostic(`block5_pool ${meta.output.join('×')}: max abs ${diff.toExponential(2)} of values up to ` +
        `${scale.toPrecision(4)} (relative ${(diff / scale).toExponential(2)})`);
      assert.ok(diff <= 1e-4 * scale, `max abs ${diff} of ${scale}`);
      tf.dispose([images, ours]);
    } finally {
      model.dispose();
    }
  });
});

// Forward passes on worker threads must give exactly what this thread gives, row for row, for pooled features,
// for a fine-tuning split's frozen bottom and for a saved classifier; a pool that cannot start must fall back
// to this thread with a message, and a broken batch must fail the pass instead of hanging it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { loadBackbone, type Backbone } from '../../../../src/trainer/model/backbone';
import { backboneForward, forwardInChunks, inThreadForward, openBatchForward, workerCount, workersSetting } from '../../../../src/trainer/forward/batchForward';
import { loadEngine, type Tf } from '../../../../src/trainer/engine/engine';
import { decodeImage, toBatchTensor } from '../../../../src/trainer/images/imagePipeline';
import type { TrainerEvent } from '../../../../src/core/protocol';
import { WorkerPool } from '../../../../src/trainer/forward/workerPool';
import { openOrtThread } from '../../../../src/trainer/forward/ortThreadForward';
import { ortForward } from '../../../../src/trainer/forward/ortForward';
import { openOrtSession } from '../../../../src/trainer/engine/ortEngine';
import { convertLayersModel } from '../../../../src/trainer/model/onnx/layersToOnnx';
import { SHARED } from '../../../fixtures/cliRun';

const MODEL = path.join(SHARED, 'models/mobilenet_v1_0.25_224_layers');
const SIZE = 224;

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('forward passes on worker threads', () => {
  let tf: Tf;
  let backbone: Backbone;
  let images: Uint8Array[];
  const events: TrainerEvent[] = [];
  const ctx = { emit: (e: TrainerEvent) => void events.push(e), signal: new AbortController().signal };

  before(async () => {
    ({ tf } = await loadEngine('wasm'));
    backbone = await loadBackbone({ source: MODEL });
    const dir = path.join(SHARED, 'data/dogs-vs-cats/train');
    const files = fs.readdirSync(dir).sort().slice(0, 10).map((f) => path.join(dir, f));
    images = await Promise.all(files.map((f) => decodeImage(f, { size: SIZE, resize: 'fill' })));
  });
  after(() => backbone.dispose());

  it('counts workers: none for native TensorFlow or one core, the number asked for, else one per core up to four', () => {
    assert.equal(workerCount('auto', 'tfjs-node'), 0);
    assert.equal(workerCount(4, 'tfjs-node-gpu'), 0);
    assert.equal(workerCount(3, 'wasm'), 3);
    assert.equal(workerCount(1, 'wasm'), 0);
    assert.ok(workerCount('auto', 'wasm') <= 4);
    assert.equal(workersSetting({ workers: 2 }), 2);
    assert.equal(workersSetting({ workers: 'two' }), process.env.TRANSFER_LAB_WORKERS ? workersSetting({}) : 'auto');
  });

  it('chunked passes give what one big batch gives', async () => {
    const run = (x: Parameters<Backbone['embed']>[0]) => backbone.embed(x);
    const chunked = await forwardInChunks(tf, images, { dim: backbone.featureDim, size: SIZE, preprocessing: backbone.preprocessing, run });
    const whole = tf.tidy(() => backbone.embed(toBatchTensor(tf, images, SIZE, backbone.preprocessing)));
    const expected = (await whole.data()) as Float32Array;
    whole.dispose();
    assert.ok(maxDiff(chunked, expected) < 1e-4, `largest difference ${maxDiff(chunked, expected)}`);
  });

  it('two workers give this thread\'s pooled features for every image, in order, with batches in flight at once', async () => {
    const here = inThreadForward(tf, backbone.featureDim, SIZE, backbone.preprocessing, (x) => backbone.embed(x));
    const pool = backboneForward(tf, backbone, { size: SIZE, engine: 'wasm', workers: 2, ctx });
    try {
      assert.equal(pool.threads, 2);
      const batches = [images.slice(0, 3), images.slice(3, 7), images.slice(7)];
      const [mine, theirs] = [await Promise.all(batches.map((b) => here.run(b))), await Promise.all(batches.map((b) => pool.run(b)))];
      batches.forEach((b, k) => {
        assert.equal(theirs[k].length, b.length * backbone.featureDim);
        assert.equal(maxDiff(theirs[k], mine[k]), 0, `batch ${k}`);
      });
    } finally {
      await pool.dispose();
    }
  });

  it('workers give the frozen bottom of a fine-tuning split exactly as this thread does', async () => {
    const split = backbone.splitAt('block_13');
    const dim = split.boundaryShape.reduce((a, b) => a * b, 1);
    const run = (x: Parameters<Backbone['embed']>[0]) => split.frozenBottom.predict(x) as ReturnType<Backbone['embed']>;
    const here = inThreadForward(tf, dim, SIZE, backbone.preprocessing, run);
    const pool = backboneForward(tf, backbone, { size: SIZE, engine: 'wasm', workers: 2, ctx }, { unfreezeFrom: 'block_13', dim, run });
    try {
      assert.equal(maxDiff(await pool.run(images.slice(0, 4)), await here.run(images.slice(0, 4))), 0);
    } finally {
      await pool.dispose();
    }
  });

  it('falls back to this thread, with a warning naming the cause, when the workers cannot load the model', async () => {
    events.length = 0;
    const here = inThreadForward(tf, backbone.featureDim, SIZE, backbone.preprocessing, (x) => backbone.embed(x));
    const forward = openBatchForward({
      tf, engine: 'wasm', workers: 2, ctx, inThread: () => here,
      spec: { kind: 'features', backbone: { source: path.join(SHARED, 'models/no-such-model') }, size: SIZE },
    });
    try {
      assert.equal(maxDiff(await forward.run(images.slice(0, 2)), await here.run(images.slice(0, 2))), 0);
    } finally {
      await forward.dispose();
    }
    const warning = events.find((e) => e.type === 'log' && e.level === 'warn');
    assert.ok(warning && warning.type === 'log' && /worker threads did not start.*no-such-model/.test(warning.message), JSON.stringify(events));
  });

  it('runs on ONNX Runtime when asked, and falls back to tfjs with a one-line reason naming a layer it cannot convert', async () => {
    // A model with a layer the converter does not write (UpSampling2D): the pass must still run, on tfjs.
    const input = tf.input({ shape: [SIZE, SIZE, 3] });
    const pooled = tf.layers.globalAveragePooling2d({}).apply(
      tf.layers.upSampling2d({ size: [1, 1], name: 'odd_upsampling' }).apply(input) as tfType.SymbolicTensor,
    ) as tfType.SymbolicTensor;
    const odd = tf.model({ inputs: input, outputs: pooled });
    const run = (model: tfType.LayersModel) => {
      const here = inThreadForward(tf, 3, SIZE, 'minus1to1', (x) => model.predict(x) as tfType.Tensor);
      return openBatchForward({
        tf, engine: 'wasm', workers: 0, ctx, spec: undefined, inThread: () => here,
        onnx: { preference: 'onnxruntime', model: () => model, size: SIZE, preprocessing: 'minus1to1' },
      });
    };
    events.length = 0;
    const fallback = run(odd);
    const viaTfjs = await fallback.run(images.slice(0, 2));
    await fallback.dispose();
    const messages = events.flatMap((e) => (e.type === 'log' ? [`${e.level}: ${e.message}`] : []));
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0], /^warn: frozen passes stay on tfjs: .*odd_upsampling.*UpSampling2D/);
    assert.ok(!messages[0].includes('\n'));
    const here = inThreadForward(tf, 3, SIZE, 'minus1to1', (x) => odd.predict(x) as tfType.Tensor);
    assert.equal(maxDiff(viaTfjs, await here.run(images.slice(0, 2))), 0);

    // The same pooling without the odd layer converts and runs on ONNX Runtime, giving tfjs' values.
    const plain = tf.model({ inputs: input, outputs: tf.layers.globalAveragePooling2d({}).apply(input) as tfType.SymbolicTensor });
    events.length = 0;
    const onOrt = run(plain);
    const viaOrt = await onOrt.run(images.slice(0, 2));
    await onOrt.dispose();
    assert.ok(events.some((e) => e.type === 'log' && /^frozen passes on onnxruntime-cpu/.test(e.message)), JSON.stringify(events));
    const d = maxDiff(viaOrt, viaTfjs);
    assert.ok(d <= 1e-4, `ONNX Runtime differs from tfjs by ${d}`);
    odd.dispose();
    plain.dispose();
  });

  it('ONNX Runtime on its own thread gives the values of a session on this thread, batches in flight at once', async () => {
    const graph = convertLayersModel(backbone.model!).bytes;
    const shape = { dim: backbone.featureDim, size: SIZE, preprocessing: backbone.preprocessing, threads: 2 };
    const opened = await openOrtThread(graph, { ...shape, preference: 'onnxruntime' });
    assert.ok('forward' in opened, JSON.stringify(opened));
    assert.equal(opened.info.engine, 'onnxruntime-cpu');
    const here = await openOrtSession(graph, 'onnxruntime', 2);
    assert.ok('session' in here);
    const reference = ortForward({ ort: here.ort, session: here.session, ...shape });
    const { forward } = opened;
    try {
      // Three batches handed over before any answer: each must come back to its own caller.
      const batches = [images.slice(0, 4), images.slice(4, 7), images.slice(7, 10)];
      const got = await Promise.all(batches.map((b) => forward.run(b)));
      for (const [k, b] of batches.entries()) assert.deepEqual(got[k], await reference.run(b));
      await assert.rejects(forward.run([new Uint8Array(12)]), /bytes, expected 224×224×3/);
      assert.equal((await forward.run(images.slice(0, 1))).length, backbone.featureDim);
    } finally {
      await forward.dispose();
      await reference.dispose();
    }
    await assert.rejects(forward.run(images.slice(0, 1)), /closed/);
    // Closed while a pass is running (a cancelled job): the pass is refused and the thread ends after it, without
    // terminating ONNX Runtime mid-run (which aborted the process).
    const again = await openOrtThread(graph, { ...shape, preference: 'onnxruntime' });
    assert.ok('forward' in again);
    const refused = assert.rejects(again.forward.run(images), /closed/);
    await again.forward.dispose();
    await refused;
    // A graph no provider can open comes back as skipped engines, with their reasons, and the thread is gone.
    const broken = await openOrtThread(new Uint8Array([1, 2, 3]), { ...shape, preference: 'onnxruntime' });
    assert.ok('skipped' in broken && broken.skipped.length > 0 && broken.skipped.every((k) => k.reason), JSON.stringify(broken));
  });

  it('fails a batch the model cannot take instead of hanging, and keeps serving the next one', async () => {
    const pool = await WorkerPool.open({ kind: 'features', backbone: backbone.reload!, size: SIZE }, { dim: backbone.featureDim, threads: 2, engine: 'wasm' });
    try {
      await assert.rejects(pool.run([new Uint8Array(12)]), /bytes, expected 224×224×3/);
      assert.equal((await pool.run(images.slice(0, 1))).length, backbone.featureDim);
    } finally {
      await pool.dispose();
    }
    await assert.rejects(pool.run(images.slice(0, 1)), /closed/);
  });
});

// The two frozen engines compute the same thing: on the 280 validation photos of the shared dogs-vs-cats split
// (prepare's default 80/20, seed 42), the real MobileNetV2 0.35 and MobileNet v1 0.25 give the same features through
// the product's own forward path (backboneForward) on ONNX Runtime as on tfjs, within 1e-4. And a cache written by one
// engine is read by the other without recomputing anything: entries do not depend on the engine that wrote them.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeHalf, encodeHalf } from '../../../../src/core/float16';
import type { FrozenPreference } from '../../../../src/core/frozenEngineChoice';
import type { TrainerEvent } from '../../../../src/core/protocol';
import { loadEngine, type Tf } from '../../../../src/trainer/engine/engine';
import { loadOrt } from '../../../../src/trainer/engine/ortEngine';
import { FeatureExtractor } from '../../../../src/trainer/features/featureExtractor';
import { readTrainingData, type LabelledImage } from '../../../../src/trainer/features/trainingData';
import { backboneForward } from '../../../../src/trainer/forward/batchForward';
import { decodeImage } from '../../../../src/trainer/images/imagePipeline';
import { loadBackbone, type Backbone } from '../../../../src/trainer/model/backbone';
import { runJob } from '../../../../src/trainer/jobs/runJob';
import { SHARED, V1 } from '../../../fixtures/cliRun';

const TM = path.join(SHARED, 'models/mobilenet_v2_0.35_224_teachable');
const SIZE = 224;
const BATCH = 32;

describe('frozen passes: ONNX Runtime and tfjs agree (280 validation photos)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-frozen-equivalence-'));
  let tf: Tf;
  let val: LabelledImage[];
  let pixels: Uint8Array[];
  const events: TrainerEvent[] = [];
  const ctx = { emit: (e: TrainerEvent) => void events.push(e), signal: new AbortController().signal };
  const logs = () => events.flatMap((e) => (e.type === 'log' ? [e.message] : []));

  before(async () => {
    // ONNX Runtime is an optional dependency, but one that installs offline: where it did not, this test fails
    // rather than skips, so CI never passes without having compared the engines.
    const ort = loadOrt();
    assert.ok(!('error' in ort), 'error' in ort ? ort.error : '');
    ({ tf } = await loadEngine('wasm'));
    const prepared = path.join(work, 'prepared');
    const done = await runJob('prepare', { source: path.join(SHARED, 'data/dogs-vs-cats'), out: prepared }, ctx);
    assert.equal(done.type, 'done', JSON.stringify(done));
    val = (await readTrainingData(prepared, undefined, 42, ctx, ['val'])).val;
    assert.equal(val.length, 280);
    pixels = await Promise.all(val.map((v) => decodeImage(v.file, { size: SIZE, resize: 'fill' })));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  /** Every validation photo through the product's forward for `backbone` on one frozen engine. */
  async function features(backbone: Backbone, preference: FrozenPreference): Promise<Float32Array> {
    events.length = 0;
    const forward = backboneForward(tf, backbone, {
      size: SIZE, engine: 'wasm', workers: 2, ctx, frozen: { preference, cacheDir: path.join(work, 'graphs') },
    });
    const out = new Float32Array(pixels.length * backbone.featureDim);
    try {
      for (let i = 0; i < pixels.length; i += BATCH) {
        out.set(await forward.run(pixels.slice(i, i + BATCH)), i * backbone.featureDim);
      }
    } finally {
      await forward.dispose();
    }
    // The engine that ran is the one asked for: a silent fallback would compare tfjs with itself.
    if (preference === 'onnxruntime') assert.ok(logs().some((m) => m.startsWith('frozen passes on onnxruntime-cpu')), logs().join('\n'));
    else assert.ok(!logs().some((m) => m.startsWith('frozen passes on onnxruntime')), logs().join('\n'));
    return out;
  }

  const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

  for (const [name, source] of [['MobileNetV2 0.35', TM], ['MobileNet v1 0.25', V1]] as const) {
    it(`${name}: features within 1e-4, and each engine reads the other's cache`, async () => {
      const backbone = await loadBackbone({ source });
      try {
        const onTfjs = await features(backbone, 'tfjs');
        const onOrt = await features(backbone, 'onnxruntime');
        const diff = maxAbs(onTfjs, onOrt);
        assert.ok(diff <= 1e-4, `${name}: max abs difference ${diff}`);
        assert.ok(onTfjs.some((v) => v > 0.1), 'features are not all zero');

        // A cache written on ONNX Runtime, read on tfjs (and back): nothing recomputed, same values.
        const cacheDir = path.join(work, `cache-${backbone.id.replace(/\W+/g, '_')}`);
        const extractor = (preference: FrozenPreference) => FeatureExtractor.open(backbone, {
          tf, engine: 'wasm', workers: 2, size: SIZE, resize: 'fill', seed: 42, cacheDir, ctx,
          frozen: { preference, cacheDir },
        });
        const request = { variants: 1, phase: 'embedding val', batchSize: BATCH };
        const written = await extractor('onnxruntime').features(val, request);
        const read = await extractor('tfjs').features(val, request);
        assert.deepEqual([written.computed, read.computed, read.fromCache], [val.length, 0, val.length]);
        // Cached values are float16: what ONNX Runtime wrote is the tfjs features rounded, give or take one step
        // where the two engines' values straddle a rounding boundary.
        const half = (v: Float32Array) => decodeHalf(encodeHalf(v));
        const cached = decodeHalf(read.halves[0]);
        const step = maxAbs(half(onTfjs), cached);
        assert.ok(step <= 2 ** -10 * onTfjs.reduce((m, x) => Math.max(m, x), 0) * 1.01, `cached values differ from tfjs by ${step}`);
      } finally {
        backbone.dispose();
      }
    });
  }
});

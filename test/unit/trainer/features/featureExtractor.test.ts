// The FeatureExtractor on real photos and the small MobileNetV1: its cache folder is named by everything that
// changes the vectors (and by the same name as before it existed, so old caches are read); a miss is computed on
// worker threads and stored, a rerun reads every entry without starting a worker, a damaged entry is recomputed and
// counted; an undecodable image is named once and left at zero; dispose() stops the workers; the values are what
// the job's own thread computes, as float16. At a fine-tuning boundary it caches the frozen bottom's activations.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { encodeHalf } from '../../../../src/core/float16';
import type { TrainerEvent } from '../../../../src/core/protocol';
import { loadEngine, type Tf } from '../../../../src/trainer/engine/engine';
import { CACHE_VERSION, cacheFolderName } from '../../../../src/trainer/features/embeddingCache';
import { FeatureExtractor, type FeatureSettings } from '../../../../src/trainer/features/featureExtractor';
import type { LabelledImage } from '../../../../src/trainer/features/trainingData';
import { inThreadForward } from '../../../../src/trainer/forward/batchForward';
import { WorkerPool } from '../../../../src/trainer/forward/workerPool';
import { imageLoader } from '../../../../src/trainer/images/imageLoader';
import { buildHead } from '../../../../src/trainer/model/headModel';
import { loadBackbone, type Backbone } from '../../../../src/trainer/model/backbone';
import { SHARED, V1 } from '../../../fixtures/cliRun';

const SIZE = 224;

describe('FeatureExtractor (real photos, MobileNetV1 0.25)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-feature-extractor-'));
  const cacheDir = path.join(work, 'cache');
  let tf: Tf;
  let backbone: Backbone;
  let items: LabelledImage[];
  const events: TrainerEvent[] = [];
  const ctx = { emit: (e: TrainerEvent) => void events.push(e), signal: new AbortController().signal };
  // Every pool of forward workers the extractor opens: the only way to see that a cached rerun starts none.
  const pools: WorkerPool[] = [];
  const realOpen = WorkerPool.open;
  const settings = (over: Partial<FeatureSettings> = {}): FeatureSettings => ({
    tf, engine: 'wasm', workers: 2, resize: 'fill', seed: 7, cacheDir, ctx, ...over,
  });
  const warnings = () => events.flatMap((e) => (e.type === 'log' && e.level === 'warn' ? [e.message] : []));
  /** What the job's own thread gives for `rgb`, rounded to float16 as the cache holds it. */
  const embed = (x: tfType.Tensor4D): tfType.Tensor => backbone.embed(x);
  const expected = async (rgb: Uint8Array, run = embed, dim = backbone.featureDim) =>
    encodeHalf(await inThreadForward(tf, dim, SIZE, backbone.preprocessing, run).run([rgb]));

  before(async () => {
    ({ tf } = await loadEngine('wasm'));
    backbone = await loadBackbone({ source: V1 });
    const source = path.join(SHARED, 'data/dogs-vs-cats/train');
    const images = path.join(work, 'images');
    fs.mkdirSync(images);
    const names = ['cat.0.jpg', 'cat.1.jpg', 'dog.0.jpg', 'dog.1.jpg'];
    for (const n of names) fs.copyFileSync(path.join(source, n), path.join(images, n));
    fs.writeFileSync(path.join(images, 'broken.jpg'), 'not a JPEG');
    items = [...names, 'broken.jpg'].map((n, i) => {
      const file = path.join(images, n);
      return { file, sha256: createHash('sha256').update(fs.readFileSync(file)).digest('hex'), label: i % 2 };
    });
    WorkerPool.open = async (...args: Parameters<typeof WorkerPool.open>) => {
      const pool = await realOpen.apply(WorkerPool, args);
      pools.push(pool);
      return pool;
    };
  });
  after(() => {
    WorkerPool.open = realOpen;
    backbone.dispose();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('names its cache folder by backbone, cut, size, resize, preprocessing and cache version, as before', () => {
    const fx = FeatureExtractor.open(backbone, settings());
    assert.deepEqual(fx.cacheKey, {
      backbone: backbone.id, cut: backbone.cut, size: SIZE, resize: 'fill', preprocessing: backbone.preprocessing,
      version: CACHE_VERSION,
    });
    assert.equal(fx.cache.root, path.join(cacheDir, cacheFolderName(fx.cacheKey)));
    // The folder a cache written before the extractor existed sits in: it must still be read.
    assert.equal(CACHE_VERSION, 3);
    const folder = `@${backbone.cut}${path.sep}224-fill-${backbone.preprocessing}-v3`;
    assert.ok(fx.cache.root.endsWith(folder), fx.cache.root);
    assert.notEqual(FeatureExtractor.open(backbone, settings({ resize: 'cover' })).cache.root, fx.cache.root);
    assert.notEqual(FeatureExtractor.open(backbone, settings({ size: 160 })).cache.root, fx.cache.root);
    assert.deepEqual([fx.size, fx.dim, fx.shape], [SIZE, backbone.featureDim, [backbone.featureDim]]);
    assert.equal(fx.split, undefined);
    assert.equal(pools.length, 0, 'opening an extractor starts no worker');
  });

  it('computes misses on workers, reads a rerun without starting any, recomputes damaged entries', async () => {
    events.length = 0;
    const request = { variants: 2, phase: 'embedding test', batchSize: 2 };
    const fx = FeatureExtractor.open(backbone, settings());
    const first = await fx.features(items, request);
    assert.deepEqual([first.computed, first.fromCache, first.corrupt], [10, 0, 0]);
    assert.deepEqual([...first.failed], [4]);
    assert.match(fx.failures.get(items[4].file) ?? '', /^cannot decode/);
    assert.equal(warnings().filter((w) => w.startsWith(`skipped ${items[4].file}`)).length, 1, 'named once');
    const last = events.filter((e) => e.type === 'progress').at(-1);
    assert.ok(last?.type === 'progress' && last.done === 10 && last.total === 10, JSON.stringify(last));
    assert.equal(pools.length, 1, 'one pool, started by the first miss');
    assert.equal(pools[0].threads, 2);
    // The numbers are this thread's, original and augmented, as float16.
    const load = imageLoader({ resize: 'fill', seed: 7 }, SIZE, ctx);
    const dim = backbone.featureDim;
    assert.deepEqual(first.halves[0].subarray(0, dim), await expected((await load(items[0], 0))!));
    assert.deepEqual(first.halves[1].subarray(2 * dim, 3 * dim), await expected((await load(items[2], 1))!));
    assert.ok(first.halves[0].subarray(4 * dim).every((h) => h === 0), 'an undecodable image keeps a zero row');
    await fx.dispose();
    await assert.rejects(pools[0].run([]), /closed/, 'dispose() stops the workers');

    const entries = (fs.readdirSync(fx.cache.root, { recursive: true }) as string[])
      .map((f) => path.join(fx.cache.root, f)).filter((f) => fs.statSync(f).isFile()).sort();
    assert.equal(entries.length, 8, 'one entry per decoded (image, variant)');

    // A rerun: every decodable vector comes from the cache and no worker starts (the broken image never decodes).
    const rerun = FeatureExtractor.open(backbone, settings());
    const second = await rerun.features(items, request);
    assert.deepEqual([second.computed, second.fromCache, second.corrupt], [2, 8, 0]);
    assert.deepEqual(second.halves, first.halves);
    assert.equal(pools.length, 1, 'a cached rerun starts no worker');
    await rerun.dispose();

    // A damaged entry (right size, wrong bytes) is recomputed on a new pool, rewritten, warned about and counted.
    fs.writeFileSync(entries[3], Buffer.alloc(fs.statSync(entries[3]).size, 7));
    events.length = 0;
    const repaired = FeatureExtractor.open(backbone, settings());
    const third = await repaired.features(items, request);
    assert.deepEqual(repaired.counts, { computed: 3, fromCache: 7, corrupt: 1 });
    assert.deepEqual([third.computed, third.fromCache, third.corrupt], [3, 7, 1]);
    assert.deepEqual(third.halves, first.halves);
    assert.ok(warnings().some((w) => w.startsWith(`1 embedding cache entry under ${repaired.cache.root} was damaged`)),
      warnings().join('\n'));
    assert.equal(pools.length, 2);
    // After dispose() the extractor still works: the next miss (a third variant) starts workers again.
    await repaired.dispose();
    const more = await repaired.features(items.slice(0, 1), { ...request, variants: 3 });
    assert.deepEqual([more.computed, more.fromCache], [1, 2]);
    assert.equal(pools.length, 3);
    assert.deepEqual(repaired.counts, { computed: 4, fromCache: 9, corrupt: 1 });
    await repaired.dispose();
    await assert.rejects(pools[2].run([]), /closed/);
  });

  it('composes the head: the head itself trains on pooled features, and image → classes is one layers model', () => {
    const fx = FeatureExtractor.open(backbone, settings());
    const head = buildHead(tf, { inputDim: fx.dim, classes: 2, seed: 1 });
    assert.equal(fx.trainableModel(head), head);
    const full = fx.classifier(head);
    assert.ok(full);
    assert.equal(full.name, 'transfer_lab_classifier');
    assert.deepEqual(full.inputs[0].shape, [null, SIZE, SIZE, 3]);
    assert.deepEqual(full.outputs[0].shape, head.outputs[0].shape);
    head.dispose();
  });

  it('has no layers classifier for a graph backbone, whose head is saved on its own', async () => {
    const graph = await loadBackbone({ source: path.join(SHARED, 'models/mobilenet_v1_0.25_224_graph') });
    try {
      const fx = FeatureExtractor.open(graph, settings());
      const head = buildHead(tf, { inputDim: fx.dim, classes: 2, seed: 1 });
      assert.equal(graph.model, undefined);
      assert.equal(fx.classifier(head), undefined);
      assert.equal(fx.trainableModel(head), head);
      head.dispose();
    } finally {
      graph.dispose();
    }
  });

  // Last: splitting marks the backbone's bottom layers non-trainable.
  it('at a fine-tuning boundary caches the frozen bottom\'s activations under the boundary layer', async () => {
    const fx = FeatureExtractor.open(backbone, settings({ workers: 0 })).atBoundary('block_13');
    const split = fx.split!;
    assert.ok(split);
    assert.equal(fx.cacheKey.cut, split.boundaryLayer);
    assert.notEqual(split.boundaryLayer, backbone.cut);
    assert.deepEqual(fx.shape, split.boundaryShape);
    assert.equal(fx.dim, split.boundaryShape.reduce((a, b) => a * b, 1));
    const f = await fx.features(items.slice(0, 2), { phase: 'activations test', batchSize: 2 });
    assert.deepEqual([f.computed, f.fromCache], [2, 0]);
    const rgb = (await imageLoader({ resize: 'fill', seed: 7 }, SIZE, ctx)(items[1], 0))!;
    const bottom = (x: tfType.Tensor4D) => split.frozenBottom.predict(x) as tfType.Tensor;
    assert.deepEqual(f.halves[0].subarray(fx.dim, 2 * fx.dim), await expected(rgb, bottom, fx.dim));
    assert.equal(pools.length, 3, 'workers: 0 keeps every pass on this thread');
    const again = await FeatureExtractor.open(backbone, settings({ workers: 0 })).atBoundary('block_13')
      .features(items.slice(0, 2), { phase: 'activations test', batchSize: 2 });
    assert.deepEqual([again.computed, again.fromCache], [0, 2]);
    // The top that trains reads the cached activation and feeds the head.
    const head = buildHead(tf, { inputDim: backbone.featureDim, classes: 2, seed: 1 });
    const trainable = fx.trainableModel(head);
    assert.deepEqual(trainable.inputs[0].shape, [null, ...split.boundaryShape]);
    assert.deepEqual(trainable.outputs[0].shape, head.outputs[0].shape);
    await fx.dispose();
  });
});

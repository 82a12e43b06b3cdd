// The feature stage end to end on real photos: Dogs vs Cats JPEGs → sharp decode + resize → preprocessing →
// MobileNetV2 0.35 @224 (Teachable Machine export) → embedding cache, through the job's own code
// (featureStage.cachedFeatures with images/imageLoader and batchForward's in-thread pass, an empty cache each time),
// the pieces a FeatureExtractor wires, taken apart so each can be timed alone.
// Beside it, in the same run and alternating round by round:
//   decode      the same loader, batch after batch, nothing else;
//   compute     the same cachedFeatures with a loader that hands back already-decoded bytes (preprocessing,
//               forward, cache writes): the pipeline's floor if decoding were free;
//   forward     backbone.embed on a ready tensor (the reference the other figures are divided by);
//   *Workers    compute and pipeline again with the job's forward workers (one wasm instance per core).
// overlap = (decode + compute − pipeline) / decode: 1 when decoding hides entirely under compute, 0 when not at all.
// Run: node --import tsx bench/pipeline.ts        (TL_BENCH_IMAGES, default 320; TL_BENCH_ROUNDS, default 3)
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseTrainConfig } from '../src/core/jobs/train';
import { loadBackbone } from '../src/trainer/model/backbone';
import { EmbeddingCache } from '../src/trainer/features/embeddingCache';
import { loadEngine } from '../src/trainer/engine/engine';
import { cachedFeatures } from '../src/trainer/features/featureStage';
import { decodeBatches, toBatchTensor } from '../src/trainer/images/imagePipeline';
import { backboneForward, inThreadForward } from '../src/trainer/forward/batchForward';
import { imageLoader, type ImageLoader } from '../src/trainer/images/imageLoader';
import type { LabelledImage } from '../src/trainer/features/trainingData';
import { DOGS_VS_CATS, TEACHABLE } from './lib/paths';
import { loadAverage, median, ratio, round, seconds } from './lib/stats';

const IMAGES = Number(process.env.TL_BENCH_IMAGES ?? 320);
const ROUNDS = Number(process.env.TL_BENCH_ROUNDS ?? 3);
const BATCH = 32;
const SIZE = 224;

async function main() {
  const dir = path.join(DOGS_VS_CATS, 'train');
  const files = fs.readdirSync(dir).sort().slice(0, IMAGES).map((f) => path.join(dir, f));
  const items: LabelledImage[] = files.map((file) => ({
    file, label: path.basename(file).startsWith('dog') ? 1 : 0, sha256: createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
  }));
  const { tf, info } = await loadEngine();
  const backbone = await loadBackbone({ source: TEACHABLE });
  const c = parseTrainConfig({ dataset: dir, backbone: TEACHABLE }, { runsDir: os.tmpdir(), cacheDir: os.tmpdir() });
  const ctx = { emit: () => undefined, signal: new AbortController().signal };
  const load = imageLoader(c, SIZE, ctx);
  const toBatch = (images: Uint8Array[]) => toBatchTensor(tf, images, SIZE, backbone.preprocessing);
  const oneThread = inThreadForward(tf, backbone.featureDim, SIZE, backbone.preprocessing, (x) => backbone.embed(x));
  // What the train job uses: one forward worker per core (up to 4) when the engine is wasm.
  const pooled = backboneForward(tf, backbone, { size: SIZE, engine: info.engine, workers: 'auto', ctx });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-pipeline-'));
  const request = { items, variants: 1, phase: 'bench', batchSize: BATCH };
  const freshCache = (name: string) => new EmbeddingCache(fs.mkdtempSync(path.join(work, `${name}-`)), oneThread.dim);

  const decoded = new Map<string, Uint8Array>();
  const fromMemory: ImageLoader = async (item) => decoded.get(item.file);
  for (const item of items) decoded.set(item.file, (await load(item, 0))!);
  const ready = toBatch(items.slice(0, BATCH).map((i) => decoded.get(i.file)!));
  const warm = backbone.embed(ready);
  await warm.data();
  warm.dispose();
  // The workers start (and load the model) before the clock runs, as they do once per job.
  await Promise.all(Array.from({ length: pooled.threads }, () => pooled.run(items.slice(0, BATCH).map((i) => decoded.get(i.file)!))));

  const t: Record<'decode' | 'decodeBatches' | 'compute' | 'pipeline' | 'computeWorkers' | 'pipelineWorkers' | 'forward', number[]> =
    { decode: [], decodeBatches: [], compute: [], pipeline: [], computeWorkers: [], pipelineWorkers: [], forward: [] };
  for (let r = 0; r < ROUNDS; r++) {
    t.decode.push(await seconds(async () => {
      for (let i = 0; i < items.length; i += BATCH) await Promise.all(items.slice(i, i + BATCH).map((item) => load(item, 0)));
    }));
    t.decodeBatches.push(await seconds(async () => {
      for await (const b of decodeBatches(files, { size: SIZE, resize: c.resize, batchSize: BATCH })) void b;
    }));
    t.compute.push((await cachedFeatures(request, oneThread, freshCache('compute'), fromMemory, ctx)).seconds);
    t.pipeline.push((await cachedFeatures(request, oneThread, freshCache('pipeline'), load, ctx)).seconds);
    t.computeWorkers.push((await cachedFeatures(request, pooled, freshCache('compute-workers'), fromMemory, ctx)).seconds);
    t.pipelineWorkers.push((await cachedFeatures(request, pooled, freshCache('pipeline-workers'), load, ctx)).seconds);
    t.forward.push(await seconds(async () => {
      for (let i = 0; i < items.length; i += BATCH) {
        const y = backbone.embed(ready);
        await y.data();
        y.dispose();
      }
    }) * IMAGES / (Math.ceil(IMAGES / BATCH) * BATCH));
  }
  ready.dispose();
  await pooled.dispose();
  backbone.dispose();
  fs.rmSync(work, { recursive: true, force: true });

  const s = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)])) as Record<keyof typeof t, number>;
  const rate = (x: number) => round(IMAGES / x, 1);
  process.stdout.write(JSON.stringify({
    bench: 'pipeline', date: new Date().toISOString(), engine: info.engine, cpus: os.availableParallelism(), node: process.version, loadAverage: loadAverage(),
    model: `mobilenet_v2_0.35_224 (Teachable Machine export) @224, resize ${c.resize} (the default), batch ${BATCH}`,
    images: IMAGES, rounds: ROUNDS, forwardWorkers: pooled.threads, uvThreadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    imgPerS: {
      endToEnd: rate(s.pipeline), decodeOnly: rate(s.decode), decodeBatchesConcurrency4: rate(s.decodeBatches),
      computeOnly: rate(s.compute), forwardOnly: rate(s.forward),
      endToEndWorkers: rate(s.pipelineWorkers), computeOnlyWorkers: rate(s.computeWorkers),
    },
    seconds: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v, 2)])),
    overlap: round((s.decode + s.compute - s.pipeline) / s.decode, 2),
    endToEndVsForward: ratio(IMAGES / s.pipeline, IMAGES / s.forward),
    workersVsOneThread: ratio(s.pipeline, s.pipelineWorkers),
  }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});

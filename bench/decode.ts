// Image decoding (sharp: JPEG → EXIF rotate → sRGB → resize cover to 224 → raw RGB, imagePipeline.decodeImage)
// on the Dogs vs Cats photos, alone and beside a forward pass that blocks the JS thread as ONNX Runtime's
// session.run does. Each side runs in its own process (UV_THREADPOOL_SIZE is read once, when libuv's pool starts),
// the sides interleaved round by round, medians reported.
//
// Decode only (img/s, and CPU ms per image: the process's user + system time over every thread, so
// cpus × 1000 / cpuMsPerImg is what the machine's cores could decode with nothing else running):
//   pump4          decodeBatches handing sharp 4 decodes at a time from the JS thread (the product before)
//   serial         1 at a time: one thread's rate
//   pump4-vips2    sharp.concurrency(2): libvips' own threads per image (sharp sets 1 on glibc without jemalloc)
//   serial-vips2   1 image at a time on 2 libvips threads
//   pump8          8 at a time
//   window         decodeBatches' default now: the whole prefetch window (3 batches) handed to sharp at once
//   window-pool2/8 the same with UV_THREADPOOL_SIZE 2 / 8 (default 4)
//   window-nocache the same with sharp.cache(false) (libvips' operation cache, useless for distinct files)
//   workers2       2 worker threads, each calling decodeImage for the requests posted to it, pixels posted back
//   loader         train's path: featureStage.cachedFeatures over imageLoader (a whole batch handed to sharp, one
//                  batch ahead), with a forward that costs nothing, writing a fresh embedding cache
// Every decode side hashes the pixels it got, in order: they must all be the same bytes.
//
// With a forward (each child times the forward alone, then decode + forward, the product's way for the path):
//   +spin1         busy-waits the JS thread batch / TL_BENCH_FORWARD_RATE (500 img/s) seconds per batch
//   +spin2         the same plus a second thread spinning as long: ONNX Runtime with 2 intra-op threads (the
//                  calling thread is one of them) keeps both cores busy
//   +ort           the real thing: MobileNetV2 0.35 @224 (Teachable) converted by the product's converter, one
//                  session with intra-op threads = cores, through forward/ortForward (JS preprocessing included)
//   +ort-nospin    the same session with intra_op.allow_spinning = 0 (ORT's pool threads otherwise spin after
//                  each op, taking CPU from the decoders)
// overlap = (decode + forward − both) / decode: 1 when decoding hides under the forward entirely, 0 when not at all.
// vsPump4: the median over rounds of this side's rate over pump4's (same forward) in the same round.
//
// block: 64 decodes handed over, then the JS thread blocked 400 ms; afterBlockMs is how long they still take once
// it is free (near 0: libuv's pool kept decoding while JS was blocked).
// shrink: 48 photos upscaled ×4 (≈2000 px): the pipeline against a copy of it with fastShrinkOnLoad false, to see
// whether the rotate/flatten/colourspace steps defeat libjpeg's shrink-on-load.
//
// Run: node --import tsx bench/decode.ts   (TL_BENCH_ROUNDS 3, TL_BENCH_IMAGES all 1400, TL_BENCH_SIDES a,b,…)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { cores, loadOrt, openOrtSession, type OrtModule, type OrtSession } from '../src/trainer/engine/ortEngine';
import { loadEngine } from '../src/trainer/engine/engine';
import { EmbeddingCache } from '../src/trainer/features/embeddingCache';
import { cachedFeatures } from '../src/trainer/features/featureStage';
import type { LabelledImage } from '../src/trainer/features/trainingData';
import type { BatchForward } from '../src/trainer/forward/batchForward';
import { ortForward } from '../src/trainer/forward/ortForward';
import { imageLoader } from '../src/trainer/images/imageLoader';
import { decodeBatches, decodeImage } from '../src/trainer/images/imagePipeline';
import { loadBackbone, type LayersBackbone } from '../src/trainer/model/backbone';
import { convertLayersModel } from '../src/trainer/model/onnx/layersToOnnx';
import type { DecodeReply, DecodeRequest } from './lib/decodeThread';
import { DOGS_VS_CATS, TEACHABLE } from './lib/paths';
import { loadAverage, median, round } from './lib/stats';

const SIZE = 224;
const BATCH = 32;
const ROUNDS = Number(process.env.TL_BENCH_ROUNDS ?? 3);
const FORWARD_RATE = Number(process.env.TL_BENCH_FORWARD_RATE ?? 500);
const BLOCK_IMAGES = 64;
const BLOCK_MS = 400;
const SHRINK_IMAGES = 48;

type Path = 'batches' | 'loader' | 'workers';
type Forward = 'spin1' | 'spin2' | 'ort' | 'ort-nospin';
interface Side {
  name: string;
  kind: 'decode' | 'forward' | 'block' | 'shrink';
  path: Path;
  /** decodeBatches' concurrency; absent: the product default. */
  inFlight?: number;
  forward?: Forward;
  uvPool?: number;
  vipsThreads?: number;
  vipsCache?: boolean;
  /** The decode-only side a forward side's overlap is measured against. */
  decodeSide?: string;
}
interface ChildResult {
  seconds: number;
  cpuSeconds: number;
  forwardSeconds?: number;
  pixels?: string;
  afterBlockMs?: number;
  unblockedMs?: number;
  shrink?: { pipelineMs: number; noShrinkMs: number; sameAsProduct: boolean };
  info?: Record<string, unknown>;
}

const decodeSides: Side[] = [
  { name: 'pump4', kind: 'decode', path: 'batches', inFlight: 4 },
  { name: 'serial', kind: 'decode', path: 'batches', inFlight: 1 },
  { name: 'pump4-vips2', kind: 'decode', path: 'batches', inFlight: 4, vipsThreads: 2 },
  { name: 'serial-vips2', kind: 'decode', path: 'batches', inFlight: 1, vipsThreads: 2 },
  { name: 'pump8', kind: 'decode', path: 'batches', inFlight: 8 },
  { name: 'window', kind: 'decode', path: 'batches' },
  { name: 'window-pool2', kind: 'decode', path: 'batches', uvPool: 2 },
  { name: 'window-pool8', kind: 'decode', path: 'batches', uvPool: 8 },
  { name: 'window-nocache', kind: 'decode', path: 'batches', vipsCache: false },
  { name: 'workers2', kind: 'decode', path: 'workers' },
  { name: 'loader', kind: 'decode', path: 'loader' },
];
const withForward = (forward: Forward, names: string[]): Side[] => names.map((n) => {
  const d = decodeSides.find((s) => s.name === n)!;
  return { ...d, name: `${n}+${forward}`, kind: 'forward', forward, decodeSide: n };
});
const SIDES: Side[] = [
  ...decodeSides,
  ...withForward('spin1', ['pump4', 'window', 'loader']),
  ...withForward('spin2', ['pump4', 'window', 'loader']),
  ...withForward('ort', ['pump4', 'window', 'loader']),
  ...withForward('ort-nospin', ['pump4', 'window', 'loader']),
  { name: 'block-pump4', kind: 'block', path: 'batches', inFlight: 4 },
  { name: 'block-window', kind: 'block', path: 'batches' },
  { name: 'shrink', kind: 'shrink', path: 'batches' },
];

function photos(): string[] {
  const dir = path.join(DOGS_VS_CATS, 'train');
  const n = Number(process.env.TL_BENCH_IMAGES ?? Infinity);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort().slice(0, n).map((f) => path.join(dir, f));
}

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* the forward pass holding the JS thread */ }
}

/** A thread that spins as long as it is told each time: ONNX Runtime's second intra-op thread. */
function spinThread(): { go(ms: number): void; stop(): Promise<number> } {
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const w = new Worker(`
    const { workerData } = require('node:worker_threads');
    const a = workerData;
    for (let seen = 0;;) {
      Atomics.wait(a, 0, seen);
      seen = Atomics.load(a, 0);
      if (a[1] < 0) break;
      const end = performance.now() + a[1] / 1000;
      while (performance.now() < end) {}
    }`, { eval: true, workerData: shared });
  return {
    go(ms) {
      shared[1] = Math.round(ms * 1000);
      Atomics.add(shared, 0, 1);
      Atomics.notify(shared, 0);
    },
    stop() {
      shared[1] = -1;
      Atomics.add(shared, 0, 1);
      Atomics.notify(shared, 0);
      return w.terminate();
    },
  };
}

type Run = (images: Uint8Array[]) => Promise<Float32Array>;

async function openForward(kind: Forward, dim: { value: number }): Promise<{ run: Run; close(): Promise<unknown> }> {
  const msPerBatch = (n: number) => (1000 * n) / FORWARD_RATE;
  if (kind === 'spin1') return { run: async (x) => (spin(msPerBatch(x.length)), new Float32Array(x.length * dim.value)), close: async () => undefined };
  if (kind === 'spin2') {
    const helper = spinThread();
    return {
      run: async (x) => {
        helper.go(msPerBatch(x.length));
        spin(msPerBatch(x.length));
        return new Float32Array(x.length * dim.value);
      },
      close: () => helper.stop(),
    };
  }
  await loadEngine();
  const backbone = (await loadBackbone({ source: TEACHABLE })) as LayersBackbone;
  const bytes = convertLayersModel(backbone.model, { graphName: backbone.id }).bytes;
  let ort: OrtModule, session: OrtSession;
  if (kind === 'ort') {
    const opened = await openOrtSession(bytes, 'onnxruntime', cores());
    if (!('session' in opened)) throw new Error(opened.skipped.map((k) => `${k.engine}: ${k.reason}`).join('; '));
    ({ ort, session } = opened);
  } else {
    const loaded = loadOrt();
    if ('error' in loaded) throw new Error(loaded.error);
    ort = loaded.ort;
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'], intraOpNumThreads: cores(), interOpNumThreads: 1, graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
  }
  dim.value = backbone.featureDim;
  const f = ortForward({ ort, session, dim: dim.value, size: SIZE, preprocessing: backbone.preprocessing, threads: cores() });
  backbone.dispose();
  return { run: (x) => f.run(x), close: () => f.dispose() };
}

/** Decoded batches the product's way for `path`, each handed to `consume` before the next is awaited. */
type Pass = (consume: (images: Uint8Array[]) => Promise<unknown>) => Promise<void>;

async function openPath(side: Side, files: string[], dim: { value: number }): Promise<{ pass: Pass; close(): Promise<unknown> }> {
  if (side.path === 'batches') {
    return {
      pass: async (consume) => {
        for await (const b of decodeBatches(files, { size: SIZE, resize: 'cover', batchSize: BATCH, concurrency: side.inFlight })) {
          if (b.skipped.length) throw b.skipped[0];
          await consume(b.images);
        }
      },
      close: async () => undefined,
    };
  }
  if (side.path === 'loader') {
    const items: LabelledImage[] = files.map((file) => ({
      file, label: 0, sha256: createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
    }));
    const ctx = { emit: () => undefined, signal: new AbortController().signal };
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-decode-'));
    let k = 0;
    return {
      pass: async (consume) => {
        const load = imageLoader({ resize: 'cover', seed: 42 }, SIZE, ctx);
        const forward: BatchForward = {
          dim: dim.value, threads: 1, dispose: async () => undefined,
          run: async (images) => {
            const out = await consume(images);
            return out instanceof Float32Array ? out : new Float32Array(images.length * dim.value);
          },
        };
        const cache = new EmbeddingCache(path.join(work, String(k++)), dim.value);
        const f = await cachedFeatures({ items, variants: 1, phase: 'bench', batchSize: BATCH }, forward, cache, load, ctx);
        if (f.failed.size) throw new Error(`${f.failed.size} images failed to decode`);
      },
      close: async () => fs.rmSync(work, { recursive: true, force: true }),
    };
  }
  const source = path.join(__dirname, 'lib/decodeThread.ts');
  const threads = Array.from({ length: 2 }, () => new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true }));
  const results = new Map<number, Uint8Array>();
  let wake: (() => void) | undefined;
  for (const w of threads) {
    w.on('message', (m: DecodeReply) => {
      if ('error' in m) throw new Error(m.error);
      results.set(m.i, m.rgb);
      wake?.();
    });
  }
  const window = 3 * BATCH;
  return {
    pass: async (consume) => {
      let sent = 0;
      for (let start = 0; start < files.length; start += BATCH) {
        for (; sent < Math.min(start + window, files.length); sent++) {
          threads[sent % threads.length].postMessage({ i: sent, file: files[sent], size: SIZE } satisfies DecodeRequest);
        }
        const batch: Uint8Array[] = [];
        for (let i = start; i < Math.min(start + BATCH, files.length); i++) {
          while (!results.has(i)) await new Promise<void>((r) => (wake = r));
          batch.push(results.get(i)!);
          results.delete(i);
        }
        await consume(batch);
      }
    },
    close: () => Promise.all(threads.map((w) => w.terminate())),
  };
}

async function timed(fn: () => Promise<unknown>): Promise<{ seconds: number; cpuSeconds: number }> {
  const c = process.cpuUsage();
  const t = performance.now();
  await fn();
  const cpu = process.cpuUsage(c);
  return { seconds: (performance.now() - t) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

async function blockCheck(side: Side, files: string[]): Promise<ChildResult> {
  const some = files.slice(0, BLOCK_IMAGES);
  const stream = () => decodeBatches(some, { size: SIZE, resize: 'cover', batchSize: some.length, prefetchBatches: 0, concurrency: side.inFlight });
  const t0 = performance.now();
  await stream().next();
  const unblockedMs = performance.now() - t0;
  const first = stream().next(); // hands the decodes to sharp before it returns
  spin(BLOCK_MS);
  const t1 = performance.now();
  await first;
  return { seconds: 0, cpuSeconds: 0, unblockedMs: round(unblockedMs), afterBlockMs: round(performance.now() - t1) };
}

async function shrinkCheck(files: string[]): Promise<ChildResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-shrink-'));
  try {
    const big: string[] = [];
    for (const f of files.slice(0, SHRINK_IMAGES)) {
      const m = await sharp(f).metadata();
      const out = path.join(dir, path.basename(f));
      await sharp(f).resize(m.width! * 4, m.height! * 4).jpeg({ quality: 90 }).toFile(out);
      big.push(out);
    }
    // imagePipeline.decodeImage's chain, with the shrink-on-load switch exposed.
    const chain = (f: string, fastShrinkOnLoad: boolean) => sharp(f, { failOn: 'error', animated: false })
      .rotate().flatten({ background: '#ffffff' }).toColourspace('srgb')
      .resize(SIZE, SIZE, { fit: 'cover', position: 'centre', background: { r: 0, g: 0, b: 0 }, fastShrinkOnLoad })
      .removeAlpha().raw({ depth: 'uchar' }).toBuffer();
    let sameAsProduct = true;
    for (const f of big.slice(0, 4)) sameAsProduct &&= Buffer.from(await decodeImage(f, { size: SIZE, resize: 'cover' })).equals(await chain(f, true));
    const each = async (fn: (f: string) => Promise<unknown>) => (await timed(async () => { for (const f of big) await fn(f); })).seconds * 1000 / big.length;
    const pipelineMs = await each((f) => decodeImage(f, { size: SIZE, resize: 'cover' }));
    const noShrinkMs = await each((f) => chain(f, false));
    return { seconds: 0, cpuSeconds: 0, shrink: { pipelineMs: round(pipelineMs, 2), noShrinkMs: round(noShrinkMs, 2), sameAsProduct } };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function child(side: Side): Promise<ChildResult> {
  if (side.vipsThreads) sharp.concurrency(side.vipsThreads);
  if (side.vipsCache === false) sharp.cache(false);
  const files = photos();
  if (side.kind === 'block') return blockCheck(side, files);
  if (side.kind === 'shrink') return shrinkCheck(files);
  const dim = { value: 1280 };
  const forward = side.forward ? await openForward(side.forward, dim) : undefined;
  const { pass, close } = await openPath(side, files, dim);
  const info = { sharpConcurrency: sharp.concurrency(), uvThreadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)' };
  try {
    // Warm: sharp's first pipeline, tsx in the workers, ORT's first run.
    const warm = await Promise.all(files.slice(0, BATCH).map((f) => decodeImage(f, { size: SIZE, resize: 'cover' })));
    if (forward) await forward.run(warm);
    if (!forward) {
      const hash = createHash('sha256');
      const t = await timed(() => pass(async (images) => images.forEach((img) => hash.update(img))));
      return { ...t, pixels: hash.digest('hex'), info };
    }
    const f = await timed(async () => {
      for (let i = 0; i < files.length; i += BATCH) await forward.run(warm.slice(0, Math.min(BATCH, files.length - i)));
    });
    const both = await timed(() => pass((images) => forward.run(images)));
    return { ...both, forwardSeconds: f.seconds, info };
  } finally {
    await close();
    await forward?.close();
  }
}

async function main() {
  const wanted = process.env.TL_BENCH_SIDES?.split(',');
  const sides = SIDES.filter((s) => !wanted || wanted.includes(s.name));
  const n = photos().length;
  const runs = new Map<string, ChildResult[]>(sides.map((s) => [s.name, []]));
  const failed: Record<string, string> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of [...sides.slice(r % sides.length), ...sides.slice(0, r % sides.length)]) {
      if (failed[s.name]) continue;
      process.stderr.write(`round ${r + 1}/${ROUNDS} ${s.name}\n`);
      try {
        const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--child', JSON.stringify(s)], {
          encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20,
          env: { ...process.env, ...(s.uvPool ? { UV_THREADPOOL_SIZE: String(s.uvPool) } : {}) },
        });
        runs.get(s.name)!.push(JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult);
      } catch (e) {
        failed[s.name] = (e as Error).message.split('\n').slice(0, 3).join(' ').slice(0, 400);
      }
    }
  }
  const med = (name: string, key: 'seconds' | 'cpuSeconds' | 'forwardSeconds' | 'afterBlockMs' | 'unblockedMs') =>
    median((runs.get(name) ?? []).map((x) => x[key]).filter((v): v is number => v !== undefined));
  // The same round's pump4 run (with the same forward): the machine is shared, so a ratio within a round says
  // more than two medians taken minutes apart.
  const vsPump4 = (s: Side) => {
    const base = runs.get(s.forward ? `pump4+${s.forward}` : 'pump4');
    const mine = runs.get(s.name)!;
    if (!base || base === mine || base.length !== mine.length) return undefined;
    return round(median(mine.map((x, r) => base[r].seconds / x.seconds)), 2);
  };
  const out: Record<string, unknown> = {};
  const pixels = new Set<string>();
  for (const s of sides) {
    const rs = runs.get(s.name)!;
    if (!rs.length) continue;
    if (s.kind === 'decode') {
      rs.forEach((x) => pixels.add(x.pixels!));
      const cpuMs = (med(s.name, 'cpuSeconds') * 1000) / n;
      out[s.name] = { imgPerS: round(n / med(s.name, 'seconds')), cpuMsPerImg: round(cpuMs, 2), cpuBoundImgPerS: round((os.availableParallelism() * 1000) / cpuMs), vsPump4: vsPump4(s), runs: rs.map((x) => round(n / x.seconds)) };
    } else if (s.kind === 'forward') {
      const [d, f, p] = [med(s.decodeSide!, 'seconds'), med(s.name, 'forwardSeconds'), med(s.name, 'seconds')];
      out[s.name] = {
        endToEndImgPerS: round(n / p), forwardOnlyImgPerS: round(n / f), decodeOnlyImgPerS: round(n / d),
        overlap: round((d + f - p) / d, 2), vsPump4: vsPump4(s), cpuMsPerImg: round((med(s.name, 'cpuSeconds') * 1000) / n, 2),
        runs: rs.map((x) => round(n / x.seconds)),
      };
    } else if (s.kind === 'block') {
      out[s.name] = { images: BLOCK_IMAGES, blockMs: BLOCK_MS, afterBlockMs: med(s.name, 'afterBlockMs'), unblockedMs: med(s.name, 'unblockedMs') };
    } else {
      out[s.name] = { images: SHRINK_IMAGES, ...rs[0].shrink, pipelineMs: median(rs.map((x) => x.shrink!.pipelineMs)), noShrinkMs: median(rs.map((x) => x.shrink!.noShrinkMs)) };
    }
  }
  process.stdout.write(JSON.stringify({
    bench: 'decode', date: new Date().toISOString(), cpus: os.availableParallelism(), node: process.version,
    sharp: sharp.versions.sharp, vips: sharp.versions.vips, sharpConcurrencyDefault: sharp.concurrency(), simd: sharp.simd(),
    uvThreadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4), loadAverage: loadAverage(),
    images: n, rounds: ROUNDS, batch: BATCH, size: SIZE, forwardRate: FORWARD_RATE,
    pixelsIdentical: pixels.size <= 1, pixelsSha256: [...pixels][0],
    sides: out, failed,
  }) + '\n');
}

const at = process.argv.indexOf('--child');
if (at > 0) {
  child(JSON.parse(process.argv[at + 1]) as Side).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (e: unknown) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
} else {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}

// One tfjs engine as a line server for bench/forward.ts (backends and kernel registrations are process-wide, so
// each engine variant gets its own process). Usage: node --import tsx bench/lib/forwardWorker.ts <variant>
//   wasm                  the engine as the trainer loads it (tfjs keeps wasm single-threaded in Node)
//   wasm-setThreadsCount  setThreadsCount(2) first: what a user would try; tfjs still runs 1 thread
//   wasm-threads          the bench-only workaround in wasmThreads.ts: the pthreads build with 2 threads
//   wasm-workers          what the jobs run: the trainer's forward workers, one single-threaded wasm instance per
//                         thread (2 here), each taking half of the batch; the model goes to disk so they can load it
//   cpu                   the pure-JS backend
//   ort-1thread           the jobs' frozen-forward engine: the same tfjs model converted by the product's converter
//                         (model/onnx/layersToOnnx.ts), one ONNX Runtime session (ortEngine.openOrtSession) with 1
//                         intra-op thread, run through ortForward (JS preprocessing from uint8 pixels + session.run)
//   ort-2threads          the same with 2 intra-op threads: what the jobs run (one session, intra-op = cores)
//   ort-2sessions         two single-threaded sessions, one per worker thread (lib/ortThread.ts), each taking half
//                         the batch: the alternative to one session with 2 intra-op threads
//   ort-2sessions-samethread  two single-threaded sessions in this one thread, halves run with Promise.all: shows
//                         that onnxruntime-node's async run() does not overlap them (it runs on the calling thread)
// Every ort side checks its output against tfjs (wasm, same model, same pixels, toBatchTensor + embed) at setup.
// setup's `model`: absent, MobileNetV2 built at `alpha`; 'teachable', the shared Teachable Machine export; 'vgg16' or
// 'resnet50', Keras' application as the product builds it (lib/kerasBackbone.ts, random weights; bench/kerasApps.ts).
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import type * as tfType from '@tensorflow/tfjs';
import { LayersBackbone, loadBackbone, type Backbone } from '../../src/trainer/model/backbone';
import { Worker } from 'node:worker_threads';
import { openOrtSession } from '../../src/trainer/engine/ortEngine';
import { ortForward } from '../../src/trainer/forward/ortForward';
import { toBatchTensor } from '../../src/trainer/images/imagePipeline';
import { convertLayersModel } from '../../src/trainer/model/onnx/layersToOnnx';
import type { FromOrtThread, OrtThreadData, ToOrtThread } from './ortThread';
import { loadEngine, type EngineInfo, type Tf } from '../../src/trainer/engine/engine';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mulberry32 } from '../../src/core/seededRandom';
import { backboneForward, type BatchForward } from '../../src/trainer/forward/batchForward';
import { fileSystemSaver } from '../../src/trainer/model/modelFiles';
import { serveLines } from './lineWorker';
import { TEACHABLE } from './paths';
import { buildMobileNetV2 } from './mobilenetV2';
import { isKerasBenchApp, kerasAppBackbone } from './kerasBackbone';
import { enableWasmThreads } from './wasmThreads';


const WORKERS = 2;

async function engine(variant: string): Promise<{ tf: Tf; info: EngineInfo }> {
  if (variant === 'cpu') return loadEngine('cpu');
  if (variant === 'wasm-workers' || variant.startsWith('ort-')) return loadEngine('wasm');
  let restore = () => undefined as void;
  if (variant === 'wasm-setThreadsCount') wasmBackend.setThreadsCount(2);
  if (variant === 'wasm-threads') restore = enableWasmThreads(2);
  try {
    return await loadEngine('wasm');
  } finally {
    restore();
  }
}

async function timeEmbed(backbone: Backbone, x: tfType.Tensor4D): Promise<number> {
  const t = process.hrtime.bigint();
  const y = backbone.embed(x);
  await y.data();
  y.dispose();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** Images the ort sides check against tfjs at setup (the first of the batch; tfjs wasm runs them on one thread). */
const CHECK_IMAGES = 8;

interface OrtSide { info: Record<string, unknown>; run(images: Uint8Array[]): Promise<Float32Array>; dispose(): Promise<void> }
interface OrtThread { engine: string; version: string; run(images: Uint8Array[]): Promise<Float32Array>; close(): Promise<number> }

function startOrtThread(data: OrtThreadData): Promise<OrtThread> {
  const source = path.join(__dirname, 'ortThread.ts');
  const w = new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true, workerData: data });
  return new Promise((resolve, reject) => {
    let pending: { resolve(v: Float32Array): void; reject(e: Error): void } | undefined;
    const fail = (e: Error) => {
      const p = pending;
      pending = undefined;
      p?.reject(e);
      reject(e);
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`an ORT thread exited (code ${code})`)));
    w.on('message', (m: FromOrtThread) => {
      if (m.type === 'ready') {
        resolve({
          engine: m.engine, version: m.version,
          run: (images) => new Promise((res, rej) => {
            pending = { resolve: res, reject: rej };
            w.postMessage({ type: 'run', images } satisfies ToOrtThread);
          }),
          close: () => w.terminate(),
        });
      } else if (m.type === 'out') {
        const p = pending;
        pending = undefined;
        p?.resolve(m.values);
      } else fail(new Error(m.message));
    });
  });
}

/** The variant's ONNX Runtime forward over the converted graph, through the product's openOrtSession + ortForward. */
async function openOrtSide(variant: string, bytes: Uint8Array, dim: number, size: number, backbone: Backbone): Promise<OrtSide> {
  const preprocessing = backbone.preprocessing;
  if (variant === 'ort-2sessions') {
    const threads = await Promise.all(Array.from({ length: WORKERS }, () => startOrtThread({ bytes, dim, size, preprocessing, threads: 1 })));
    return {
      info: { engine: threads[0].engine, version: threads[0].version, sessions: WORKERS, intraOpThreads: 1, workerThreads: WORKERS },
      async run(images) {
        const half = Math.ceil(images.length / WORKERS);
        const parts = await Promise.all(threads.map((t, k) => t.run(images.slice(k * half, (k + 1) * half))));
        const out = new Float32Array(images.length * dim);
        let at = 0;
        for (const p of parts) {
          out.set(p, at);
          at += p.length;
        }
        return out;
      },
      dispose: async () => void (await Promise.all(threads.map((t) => t.close()))),
    };
  }
  if (variant === 'ort-2sessions-samethread') {
    const forwards = await Promise.all(Array.from({ length: WORKERS }, async () => {
      const opened = await openOrtSession(bytes, 'onnxruntime', 1);
      if (!('session' in opened)) throw new Error(`no ONNX Runtime session: ${opened.skipped.map((k) => `${k.engine}: ${k.reason}`).join('; ')}`);
      return { opened, forward: ortForward({ ort: opened.ort, session: opened.session, dim, size, preprocessing, threads: 1 }) };
    }));
    return {
      info: { engine: forwards[0].opened.info.engine, version: forwards[0].opened.info.version, sessions: WORKERS, intraOpThreads: 1, workerThreads: 0 },
      async run(images) {
        const half = Math.ceil(images.length / WORKERS);
        const parts = await Promise.all(forwards.map((f, k) => f.forward.run(images.slice(k * half, (k + 1) * half))));
        const out = new Float32Array(images.length * dim);
        parts.forEach((p, k) => out.set(p, k * half * dim));
        return out;
      },
      dispose: async () => void (await Promise.all(forwards.map((f) => f.forward.dispose()))),
    };
  }
  const threads = variant === 'ort-1thread' ? 1 : WORKERS;
  const opened = await openOrtSession(bytes, 'onnxruntime', threads);
  if (!('session' in opened)) throw new Error(`no ONNX Runtime session: ${opened.skipped.map((k) => `${k.engine}: ${k.reason}`).join('; ')}`);
  const forward = ortForward({ ort: opened.ort, session: opened.session, dim, size, preprocessing, threads });
  return {
    info: {
      engine: opened.info.engine, version: opened.info.version, sessions: 1, intraOpThreads: threads,
      skipped: opened.info.skipped.map((k) => `${k.engine}: ${k.reason}`),
    },
    run: (images) => forward.run(images),
    dispose: () => forward.dispose(),
  };
}

/** ORT's values for `images` against tfjs' (toBatchTensor + embed, as the tfjs path computes them). */
async function checkAgainstTfjs(tf: Tf, backbone: Backbone, side: OrtSide, images: Uint8Array[], size: number) {
  const x = toBatchTensor(tf, images, size, backbone.preprocessing);
  const y = backbone.embed(x);
  const want = (await y.data()) as Float32Array;
  x.dispose();
  y.dispose();
  const got = await side.run(images);
  if (got.length !== want.length) throw new Error(`ORT gave ${got.length} values, tfjs ${want.length}`);
  let maxAbs = 0;
  let maxRef = 0;
  let sumAbs = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= maxAbs)) maxAbs = d; // NaN lands here and stays
    maxRef = Math.max(maxRef, Math.abs(want[i]));
    sumAbs += d;
  }
  return { images: images.length, values: want.length, maxAbs, meanAbs: sumAbs / want.length, maxAbsTfjs: maxRef };
}

async function checkTeachable(tf: Tf, variant: string, images: Uint8Array[]) {
  const tm = await loadBackbone({ source: TEACHABLE });
  const side = await openOrtSide(variant, convertLayersModel((tm as LayersBackbone).model, { graphName: tm.id }).bytes, tm.featureDim, 224, tm);
  try {
    return await checkAgainstTfjs(tf, tm, side, images, 224);
  } finally {
    await side.dispose();
    tm.dispose();
  }
}

async function main() {
  const variant = process.argv[2];
  const { tf, info } = await engine(variant);
  let backbone: Backbone | undefined;
  let x: tfType.Tensor4D | undefined;
  let pool: BatchForward | undefined;
  let images: Uint8Array[] = [];
  let ort: OrtSide | undefined;
  const timeOrt = async () => {
    const t = process.hrtime.bigint();
    await ort!.run(images);
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  const timePool = async () => {
    const t = process.hrtime.bigint();
    const half = Math.ceil(images.length / WORKERS);
    await Promise.all(Array.from({ length: WORKERS }, (_, k) => pool!.run(images.slice(k * half, (k + 1) * half))));
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  serveLines(async (m) => {
    if (m.cmd === 'setup') {
      backbone?.dispose();
      x?.dispose();
      await pool?.dispose();
      await ort?.dispose();
      [pool, ort] = [undefined, undefined];
      const [alpha, size, batch] = [Number(m.alpha), Number(m.size), Number(m.batch)];
      backbone = m.model === 'teachable'
        ? await loadBackbone({ source: TEACHABLE })
        : isKerasBenchApp(m.model) ? kerasAppBackbone(tf, m.model, size)
        : new LayersBackbone(`mobilenet_v2_${alpha}_${size}`, buildMobileNetV2(tf, alpha, size), undefined, { source: 'built' });
      if (variant.startsWith('ort-')) {
        const t = process.hrtime.bigint();
        const graph = convertLayersModel((backbone as LayersBackbone).model, { graphName: backbone.id });
        const convertSeconds = Number(process.hrtime.bigint() - t) / 1e9;
        ort = await openOrtSide(variant, graph.bytes, backbone.featureDim, size, backbone);
        const r = mulberry32(size);
        images = Array.from({ length: batch }, () => Uint8Array.from({ length: size * size * 3 }, () => Math.floor(r() * 256)));
        const check = await checkAgainstTfjs(tf, backbone, ort, images.slice(0, CHECK_IMAGES), size);
        // The built model's random weights give tiny features, so the same check also runs on real weights: the
        // Teachable Machine 0.35@224 export, converted and run the same way.
        const teachableCheck = alpha === 0.35 && size === 224 ? await checkTeachable(tf, variant, images.slice(0, CHECK_IMAGES)) : undefined;
        for (let i = 0; i < Number(m.warmup ?? 1); i++) await timeOrt();
        return { backend: 'onnxruntime', ...ort.info, onnxMb: graph.bytes.length / 2 ** 20, convertSeconds, check, teachableCheck, batch };
      }
      x = tf.randomUniform([batch, size, size, 3], -1, 1) as tfType.Tensor4D;
      if (variant === 'wasm-workers') {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-forward-'));
        await (backbone as LayersBackbone).model.save(fileSystemSaver(dir));
        const saved = await loadBackbone({ source: dir, preprocessing: backbone.preprocessing });
        const ctx = { emit: () => undefined, signal: new AbortController().signal };
        pool = backboneForward(tf, saved, { size, engine: 'wasm', workers: WORKERS, ctx });
        const r = mulberry32(size);
        images = Array.from({ length: batch }, () => Uint8Array.from({ length: size * size * 3 }, () => Math.floor(r() * 256)));
        for (let i = 0; i < Number(m.warmup ?? 1); i++) await timePool();
        saved.dispose();
        fs.rmSync(dir, { recursive: true, force: true });
        return { backend: info.backend, wasmThreads: 1, workers: pool.threads, batch };
      }
      for (let i = 0; i < Number(m.warmup ?? 1); i++) await timeEmbed(backbone, x);
      return { backend: info.backend, wasmThreads: variant === 'cpu' ? undefined : wasmBackend.getThreadsCount(), batch };
    }
    if (m.cmd === 'run') return { seconds: ort ? await timeOrt() : pool ? await timePool() : await timeEmbed(backbone!, x!) };
    throw new Error(`unknown command ${String(m.cmd)}`);
  });
}

void main();

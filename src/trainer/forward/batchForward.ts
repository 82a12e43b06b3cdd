// One forward pass over a batch of decoded images, wherever it runs: in this thread, or spread over worker
// threads. tfjs keeps wasm single-threaded in Node (tfjs#3830), so on a multi-core machine the frozen part of the
// network runs in one wasm instance per core: each worker loads the same model and takes whole batches.
import type * as tfType from '@tensorflow/tfjs';
import * as os from 'node:os';
import type { EngineName } from '../../core/engineChoice';
import type { Preprocessing } from '../../core/zooCatalog';
import type { Backbone, BackboneReload, SplitOptions } from '../model/backbone';
import type { Tf } from '../engine/engine';
import { toBatchTensor } from '../images/imagePipeline';
import { log, type JobContext } from '../runtime/jobContext';
import {
  isFrozenPreference, type FrozenEngineInfo, type FrozenPreference, type SkippedFrozenEngine,
} from '../../core/frozenEngineChoice';
import { cores, openOrtSession } from '../engine/ortEngine';
import { ortForward } from './ortForward';
import { openOrtThread } from './ortThreadForward';
import { defaultModelCacheDir } from '../model/modelDownload';

export interface BatchForward {
  /** Values per image in the result. */
  readonly dim: number;
  /** Threads the passes run on (1: this one). */
  readonly threads: number;
  /** The frozen-pass engine that ran it ('onnxruntime-cpu', 'tfjs'…), once known: after the first batch on a route. */
  readonly engine?: string;
  /** Decoded RGB images (size × size × 3 bytes each) → images.length × dim values, row i for images[i]. */
  run(images: Uint8Array[]): Promise<Float32Array>;
  dispose(): Promise<void>;
}


/** What a worker builds: the backbone's pooled features or its frozen bottom, or a saved image classifier. */
export type ForwardSpec =
  | {
      kind: 'features';
      backbone: BackboneReload;
      size: number;
      split?: { unfreezeFrom: string; options?: SplitOptions };
    }
  | { kind: 'classifier'; modelJson: string; size: number; preprocessing: Preprocessing };

/**
 * Images per forward call. wasm's memory grows to the largest activations it has held and never shrinks, and
 * the early layers' activations scale with the batch: MobileNetV2 0.35 @224 ran at the same 38 img/s in
 * chunks of 4 as of 32, at 286 MB of RSS instead of 656 MB.
 */
export const FORWARD_CHUNK = 4;

/** Preprocess, run and flatten `images` a chunk at a time: images.length × dim values. */
export async function forwardInChunks(
  tf: Tf,
  images: readonly Uint8Array[],
  o: { dim: number; size: number; preprocessing: Preprocessing; run: (x: tfType.Tensor4D) => tfType.Tensor },
): Promise<Float32Array> {
  const out = new Float32Array(images.length * o.dim);
  for (let start = 0; start < images.length; start += FORWARD_CHUNK) {
    const chunk = images.slice(start, start + FORWARD_CHUNK);
    const y = tf.tidy(() => o.run(toBatchTensor(tf, chunk, o.size, o.preprocessing)).reshape([chunk.length, o.dim]));
    try {
      out.set((await y.data()) as Float32Array, start * o.dim);
    } finally {
      y.dispose();
    }
  }
  return out;
}

/** The same pass in this thread. */
export function inThreadForward(
  tf: Tf,
  dim: number,
  size: number,
  preprocessing: Preprocessing,
  run: (x: tfType.Tensor4D) => tfType.Tensor,
): BatchForward {
  return {
    dim,
    threads: 1,
    run: (images) => forwardInChunks(tf, images, { dim, size, preprocessing, run }),
    async dispose() {
      /* nothing of its own: the model belongs to the caller */
    },
  };
}

/**
 * Forward threads a job asked for: its config's `workers`, else TRANSFER_LAB_WORKERS, else 'auto'.
 * 0 or 1 keeps every pass on the job's own thread.
 */
export function workersSetting(config: { workers?: unknown }): number | 'auto' {
  const given = config.workers ?? process.env.TRANSFER_LAB_WORKERS;
  const n = typeof given === 'number' ? given : typeof given === 'string' && given.trim() !== '' ? Number(given) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : 'auto';
}

/** Where a job's frozen passes run, and where converted graphs are cached (none: converted in memory each time). */
export interface FrozenSetting { preference: FrozenPreference; cacheDir?: string }

/**
 * The frozen engine a job asked for: its config's `frozen`, else TRANSFER_LAB_FROZEN, else 'auto'. With
 * `cacheGraphs`, converted backbone graphs are kept beside the downloaded models (the model cache's `onnx/`), keyed
 * by what they compute, so every job and every embedding cache shares them.
 */
export function frozenSetting(config: { frozen?: unknown; modelCacheDir?: string }, cacheGraphs = false): FrozenSetting {
  const given = config.frozen ?? process.env.TRANSFER_LAB_FROZEN;
  const preference = isFrozenPreference(given) ? given : 'auto';
  return cacheGraphs ? { preference, cacheDir: config.modelCacheDir ?? defaultModelCacheDir() } : { preference };
}

/** What `workers` asks for, on this engine: native TensorFlow already uses every core, so it gets none. */
export function workerCount(setting: number | 'auto', engine: EngineName): number {
  if (engine === 'tfjs-node' || engine === 'tfjs-node-gpu') return 0;
  if (typeof setting === 'number') return setting > 1 ? Math.floor(setting) : 0;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  // Each worker holds a copy of the model and its activations; past four the memory costs more than it gains.
  return cores > 1 ? Math.min(cores, 4) : 0;
}

/** Where the frozen pass may run on ONNX Runtime: the layers model to convert, and where converted graphs live. */
export interface OnnxRoute {
  preference: FrozenPreference;
  model: () => tfType.LayersModel;
  /** Where converted graphs are kept; absent, the graph is converted in memory (~40 ms for a MobileNet). */
  cacheDir?: string;
  size: number;
  preprocessing: Preprocessing;
  /**
   * Run the session on a worker thread of its own (ortThreadForward.ts): for the cache-filling passes, thousands
   * of images whose augmentation and preprocessing then overlap the forward pass. A pass over a few hundred files
   * (val check, evaluate, predict, explain) keeps it on the job's thread: starting the thread and loading
   * onnxruntime-node in it (~0.12 s) costs more there than the overlap saves (predict on 50 photos: 1.17 s here,
   * 1.42 s with the thread).
   */
  ownThread?: boolean;
}

export interface ForwardChoice {
  tf: Tf;
  /** Set when the pass may run on ONNX Runtime; it falls back to the tfjs forward below with a one-line reason. */
  onnx?: OnnxRoute;
  engine: EngineName;
  workers: number | 'auto';
  spec: ForwardSpec | undefined;
  inThread: () => BatchForward;
  ctx: JobContext;
}

/**
 * Workers when they help and can start, otherwise (or if they fail to start) this thread, with a message. They
 * start on the first batch, so a job whose every vector is cached pays nothing for them.
 */
export function openBatchForward(o: ForwardChoice): BatchForward {
  if (o.onnx && o.onnx.preference !== 'tfjs') return onnxOrTfjs({ ...o, onnx: o.onnx });
  // Asked for tfjs (or no ONNX route): the run still records which engine computed its vectors.
  return withEngine(tfjsBatchForward(o), 'tfjs');
}

function withEngine(forward: BatchForward, engine: string): BatchForward {
  return {
    dim: forward.dim,
    get threads() {
      return forward.threads;
    },
    engine,
    run: (images) => forward.run(images),
    dispose: () => forward.dispose(),
  };
}

/**
 * The pass on ONNX Runtime when the model converts and a session opens (on the first batch, so a fully cached job
 * converts nothing), else the tfjs forward, with the reason in the log.
 */
function onnxOrTfjs(o: ForwardChoice & { onnx: OnnxRoute }): BatchForward {
  const fallback = () => tfjsBatchForward(o);
  const dim = o.inThread().dim;
  let opened: Promise<BatchForward> | undefined;
  let resolved: BatchForward | undefined;
  let engine: string | undefined;
  let ortEngine = '';
  const open = async (): Promise<BatchForward> => (resolved = await choose());
  const choose = async (): Promise<BatchForward> => {
    const why: BatchForward | string = await (async () => {
      try {
        const { cachedOnnxGraph } = await import('../model/onnx/onnxGraphCache');
        const graph = await cachedOnnxGraph(o.onnx.model(), o.onnx.cacheDir);
        const opened = await openOrtFrozen(graph, { ...o.onnx, dim, ctx: o.ctx });
        if ('forward' in opened) {
          const { info } = opened;
          ortEngine = info.engine;
          log(o.ctx, `frozen passes on ${info.engine} ${info.version}` +
            (info.skipped.length ? ` (skipped ${info.skipped.map((k) => `${k.engine}: ${k.reason}`).join('; ')})` : ''));
          return opened.forward;
        }
        return opened.skipped.map((k) => `${k.engine}: ${k.reason}`).join('; ');
      } catch (e) {
        return (e as Error).message.split('\n')[0];
      }
    })();
    if (typeof why !== 'string') {
      engine = ortEngine;
      return why;
    }
    log(o.ctx, `frozen passes stay on tfjs: ${why}`, 'warn');
    engine = 'tfjs';
    return fallback();
  };
  return {
    dim,
    // The tfjs fallback may spread batches over workers: the caller reads this before each batch.
    get threads() {
      return resolved?.threads ?? 1;
    },
    get engine() {
      return engine;
    },
    run: async (images) => (await (opened ??= open())).run(images),
    dispose: async () => {
      if (opened) await (await opened).dispose();
    },
  };
}

/**
 * The session on its own worker thread (ortThreadForward.ts) when the route asks for one, else (or, with the
 * reason logged, when the worker cannot start) on this thread. Skipped providers come back as they are: the
 * caller then stays on tfjs.
 */
async function openOrtFrozen(
  graph: Uint8Array, o: OnnxRoute & { dim: number; ctx: JobContext },
): Promise<{ forward: BatchForward; info: FrozenEngineInfo } | { skipped: SkippedFrozenEngine[] }> {
  const shape = { dim: o.dim, size: o.size, preprocessing: o.preprocessing, threads: cores() };
  if (o.ownThread) {
    const threaded = await openOrtThread(graph, { ...shape, preference: o.preference });
    if (!('workerFailed' in threaded)) return threaded;
    log(o.ctx, `ONNX Runtime runs on the job's thread: its worker thread did not start (${threaded.workerFailed})`, 'warn');
  }
  const s = await openOrtSession(graph, o.preference);
  if (!('session' in s)) return s;
  return { forward: ortForward({ ort: s.ort, session: s.session, ...shape }), info: s.info };
}

function tfjsBatchForward(o: ForwardChoice): BatchForward {
  const inThread = o.inThread();
  const n = o.spec ? workerCount(o.workers, o.engine) : 0;
  if (n < 2) return inThread;
  let opened: Promise<BatchForward> | undefined;
  const open = async (): Promise<BatchForward> => {
    try {
      const { WorkerPool } = await import('./workerPool');
      return await WorkerPool.open(o.spec!, { dim: inThread.dim, threads: n, engine: o.engine });
    } catch (e) {
      log(
        o.ctx,
        `forward passes stay on one thread: the worker threads did not start (${(e as Error).message})`,
        'warn',
      );
      return inThread;
    }
  };
  return {
    dim: inThread.dim, threads: n,
    run: async (images) => (await (opened ??= open())).run(images),
    dispose: async () => {
      if (opened) await (await opened).dispose();
    },
  };
}

/** The forward for a backbone's pooled features, or for the frozen bottom of a fine-tuning split. */
export function backboneForward(
  tf: Tf,
  backbone: Backbone,
  o: {
    size: number; engine: EngineName; workers: number | 'auto'; ctx: JobContext;
    /** Where the frozen pass runs; tfjs when not given. */
    frozen?: FrozenSetting;
  },
  split?: {
    unfreezeFrom: string; options?: SplitOptions; dim: number; run: (x: tfType.Tensor4D) => tfType.Tensor;
    /** The frozen bottom as a layers model, for ONNX Runtime. */
    model?: tfType.LayersModel;
  },
): BatchForward {
  const reload = backbone.reload;
  const layersModel = split ? split.model : backbone.model;
  return openBatchForward({
    tf,
    ...(o.frozen && layersModel ? {
      onnx: {
        preference: o.frozen.preference, cacheDir: o.frozen.cacheDir, model: () => layersModel,
        size: o.size, preprocessing: backbone.preprocessing, ownThread: true,
      },
    } : {}),
    engine: o.engine,
    workers: o.workers,
    ctx: o.ctx,
    spec: reload && {
      kind: 'features',
      backbone: reload,
      size: o.size,
      ...(split ? { split: { unfreezeFrom: split.unfreezeFrom, options: split.options } } : {}),
    },
    inThread: () =>
      inThreadForward(
        tf,
        split ? split.dim : backbone.featureDim,
        o.size,
        backbone.preprocessing,
        split ? split.run : (x) => backbone.embed(x),
      ),
  });
}

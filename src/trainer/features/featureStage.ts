// Turns images into cached vectors (pooled features, or activations at a fine-tuning boundary). The frozen part
// of the network runs once per (image, augmentation variant); later epochs and later runs read the cache.
// Decoding of the next batch overlaps the forward passes (one batch per forward thread), and memory stays
// bounded by the batch size whatever the dataset size.
import type * as tfType from '@tensorflow/tfjs';
import type { Tf } from '../engine/engine';
import { decodeHalf, encodeHalf } from '../../core/float16';
import type { BatchForward } from '../forward/batchForward';
import type { EmbeddingCache } from './embeddingCache';
import type { ImageLoader } from '../images/imageLoader';
import { log, throwIfCancelled, type JobContext } from '../runtime/jobContext';
import type { LabelledImage } from './trainingData';

/** One split as a row-major matrix of the images that decoded, with their labels. */
export interface Matrix { x: Float32Array; labels: Int32Array; n: number; dim: number }

export interface FeatureRequest {
  items: LabelledImage[];
  variants: number;
  phase: string;
  batchSize: number;
}

export interface FeatureMatrix {
  /**
   * halves[variant] holds items.length × dim float16 values, row i for items[i]: the values the cache stores, at
   * half the memory of float32, which is most of a big dataset's footprint.
   */
  halves: Uint16Array[];
  dim: number;
  /** Vectors computed by the forward pass: the misses, damaged entries included. */
  computed: number;
  fromCache: number;
  /** Cache entries found damaged (wrong size or checksum), recomputed and rewritten; part of `computed`. */
  corrupt: number;
  /** Items that could not be decoded: their rows stay zero and they are dropped by the caller. */
  failed: Set<number>;
  seconds: number;
}

export async function cachedFeatures(
  req: FeatureRequest, forward: BatchForward, cache: EmbeddingCache, load: ImageLoader, ctx: JobContext,
): Promise<FeatureMatrix> {
  const t0 = performance.now();
  const { items, variants, dim } = { ...req, dim: forward.dim };
  const halves = Array.from({ length: variants }, () => new Uint16Array(items.length * dim));
  const misses: { i: number; v: number }[] = [];
  let fromCache = 0;
  let corrupt = 0;
  // Item-major, so an image's variants land side by side in the misses and share one decode (the loader keeps the
  // last few decodes): 1 decode per image instead of 1 + augment.
  for (let i = 0; i < items.length; i++) {
    for (let v = 0; v < variants; v++) {
      const hit = await cache.lookupHalves(items[i].sha256, v);
      if (typeof hit !== 'string') {
        halves[v].set(hit, i * dim);
        fromCache++;
      } else {
        if (hit === 'corrupt') corrupt++;
        misses.push({ i, v });
      }
    }
  }
  if (corrupt) {
    const what = corrupt === 1 ? 'entry under ' + cache.root + ' was' : `entries under ${cache.root} were`;
    log(ctx, `${corrupt} embedding cache ${what} damaged (size or checksum wrong) and recomputed ` +
      `(${req.phase}); the damaged files were rewritten. If this recurs, check the disk that holds the cache.`, 'warn');
  }
  const failed = new Set<number>();
  const total = misses.length;
  const batches = Array.from({ length: Math.ceil(total / req.batchSize) }, (_, b) =>
    misses.slice(b * req.batchSize, (b + 1) * req.batchSize),
  );
  const decode = (batch: { i: number; v: number }[]) => Promise.all(batch.map((m) => load(items[m.i], m.v)));
  const store = async (ok: { i: number; v: number }[], data: Float32Array) => {
    for (let k = 0; k < ok.length; k++) {
      const values = data.subarray(k * dim, (k + 1) * dim);
      // A non-finite feature would poison every later run that reads it from the cache: never store one.
      if (!values.every(Number.isFinite)) {
        throw new Error(`The backbone gave non-finite features (NaN or ∞) for ${items[ok[k].i].file}; nothing was ` +
          'cached for it. The backbone\'s weights may be damaged: load it again, or pick another backbone.');
      }
      const row = encodeHalf(values);
      halves[ok[k].v].set(row, ok[k].i * dim);
      await cache.putHalves(items[ok[k].i].sha256, ok[k].v, row);
    }
  };
  let done = 0;
  let error: unknown;
  const started = performance.now();
  const progress = (n: number) => {
    done += n;
    const rate = done / ((performance.now() - started) / 1000);
    ctx.emit({ type: 'progress', phase: req.phase, done, total, etaSeconds: (total - done) / Math.max(rate, 1e-9) });
  };
  // One batch per forward thread in flight while the next one decodes; memory stays a few batches of pixels.
  const inFlight = new Set<Promise<void>>();
  let next = batches.length ? decode(batches[0]) : undefined;
  for (let b = 0; b < batches.length && error === undefined; b++) {
    throwIfCancelled(ctx);
    const decoded = await next!;
    next = b + 1 < batches.length ? decode(batches[b + 1]) : undefined;
    const ok = batches[b].filter((m, k) => {
      if (!decoded[k]) failed.add(m.i);
      return decoded[k] !== undefined;
    });
    const rgb = decoded.filter((d): d is Uint8Array => d !== undefined);
    const pass = (rgb.length ? forward.run(rgb).then((data) => store(ok, data)) : Promise.resolve())
      .then(() => progress(batches[b].length), (e: unknown) => { error ??= e; });
    inFlight.add(pass);
    void pass.finally(() => inFlight.delete(pass));
    while (inFlight.size >= forward.threads) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (error !== undefined) throw error;
  throwIfCancelled(ctx);
  if (total === 0) ctx.emit({ type: 'progress', phase: req.phase, done: 0, total: 0, etaSeconds: 0 });
  return { halves, dim, computed: total, fromCache, corrupt, failed, seconds: (performance.now() - t0) / 1000 };
}

/**
 * The given item indices' rows, each from the variant `variantOf(item, position in rows)` picks, decoded into
 * `out` (default: a new array).
 */
export function readRows(
  m: FeatureMatrix,
  variantOf: (item: number, k: number) => number,
  rows: readonly number[],
  out = new Float32Array(rows.length * m.dim),
): Float32Array {
  rows.forEach((i, k) => decodeHalf(m.halves[variantOf(i, k)].subarray(i * m.dim, (i + 1) * m.dim), out, k * m.dim));
  return out;
}

/** readRows() as a [n, ...shape] tensor. */
export function rowsTensor(
  tf: Tf,
  m: FeatureMatrix,
  variantOf: (item: number, k: number) => number,
  rows: readonly number[],
  shape: number[],
): tfType.Tensor {
  return tf.tensor(readRows(m, variantOf, rows), [rows.length, ...shape]);
}

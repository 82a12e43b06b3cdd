// Turns images into cached vectors (pooled features, or activations at a fine-tuning boundary). The frozen part
// of the network runs once per (image, augmentation variant); later epochs and later runs read the cache.
// Decoding of the next batch overlaps the forward pass of the current one, and memory stays bounded by the
// batch size whatever the dataset size.
import type * as tfType from '@tensorflow/tfjs';
import type { Tf } from './engine';
import type { EmbeddingCache } from './embeddingCache';
import { throwIfCancelled, type JobContext } from './jobContext';
import type { LabelledImage } from './trainingData';

export interface Featurizer {
  dim: number;
  /** Preprocessed images [n,h,w,3] → [n, dim]. */
  run(images: tfType.Tensor4D): tfType.Tensor;
}

/** Decoded, resized (and for variant > 0, augmented) RGB bytes; undefined for an image that cannot be decoded. */
export type ImageLoader = (item: LabelledImage, variant: number) => Promise<Uint8Array | undefined>;
export type BatchBuilder = (images: Uint8Array[]) => tfType.Tensor4D;

export interface FeatureRequest {
  items: LabelledImage[];
  variants: number;
  phase: string;
  batchSize: number;
}

export interface FeatureMatrix {
  /** vectors[variant] holds items.length × dim values, row i for items[i]. */
  vectors: Float32Array[];
  dim: number;
  computed: number;
  fromCache: number;
  /** Items that could not be decoded: their rows stay zero and they are dropped by the caller. */
  failed: Set<number>;
  seconds: number;
}

export async function cachedFeatures(
  tf: Tf, req: FeatureRequest, featurizer: Featurizer, cache: EmbeddingCache, load: ImageLoader, toBatch: BatchBuilder, ctx: JobContext,
): Promise<FeatureMatrix> {
  const t0 = performance.now();
  const { items, variants, dim } = { ...req, dim: featurizer.dim };
  const vectors = Array.from({ length: variants }, () => new Float32Array(items.length * dim));
  const misses: { i: number; v: number }[] = [];
  let fromCache = 0;
  for (let v = 0; v < variants; v++) {
    for (let i = 0; i < items.length; i++) {
      const hit = await cache.get(items[i].sha256, v);
      if (hit) {
        vectors[v].set(hit, i * dim);
        fromCache++;
      } else misses.push({ i, v });
    }
  }
  const failed = new Set<number>();
  const total = misses.length;
  const decode = (batch: { i: number; v: number }[]) => Promise.all(batch.map((m) => load(items[m.i], m.v)));
  let next = misses.length ? decode(misses.slice(0, req.batchSize)) : undefined;
  let done = 0;
  const started = performance.now();
  for (let start = 0; start < total; start += req.batchSize) {
    throwIfCancelled(ctx);
    const batch = misses.slice(start, start + req.batchSize);
    const decoded = await next!;
    next = start + req.batchSize < total ? decode(misses.slice(start + req.batchSize, start + 2 * req.batchSize)) : undefined;
    const ok = batch.map((m, k) => ({ ...m, rgb: decoded[k] })).filter((m) => {
      if (!m.rgb) failed.add(m.i);
      return m.rgb !== undefined;
    });
    if (ok.length) {
      const out = tf.tidy(() => {
        const x = toBatch(ok.map((m) => m.rgb!));
        return featurizer.run(x).reshape([ok.length, dim]);
      });
      const data = (await out.data()) as Float32Array;
      out.dispose();
      for (let k = 0; k < ok.length; k++) {
        const row = data.subarray(k * dim, (k + 1) * dim);
        vectors[ok[k].v].set(cache.stored(row), ok[k].i * dim);
        await cache.put(items[ok[k].i].sha256, ok[k].v, row);
      }
    }
    done += batch.length;
    const rate = done / ((performance.now() - started) / 1000);
    ctx.emit({ type: 'progress', phase: req.phase, done, total, etaSeconds: (total - done) / Math.max(rate, 1e-9) });
  }
  if (total === 0) ctx.emit({ type: 'progress', phase: req.phase, done: 0, total: 0, etaSeconds: 0 });
  return { vectors, dim, computed: total, fromCache, failed, seconds: (performance.now() - t0) / 1000 };
}

/** Rows of one variant for the given item indices, as a [n, ...shape] tensor. */
export function rowsTensor(tf: Tf, m: FeatureMatrix, variantOf: (row: number) => number, rows: number[], shape: number[]): tfType.Tensor {
  const out = new Float32Array(rows.length * m.dim);
  rows.forEach((i, k) => out.set(m.vectors[variantOf(i)].subarray(i * m.dim, (i + 1) * m.dim), k * m.dim));
  return tf.tensor(out, [rows.length, ...shape]);
}

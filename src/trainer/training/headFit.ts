// Quick head fits on cached features, for the learning curve and the probes: a fixed budget of mini-batches, seeded
// shuffles, and error rates in inference mode.
import type * as tfType from '@tensorflow/tfjs';
import type { Tf } from '../engine/engine';
import type { Matrix } from '../features/featureStage';
import { buildHead, labelTensor, lossFor } from '../model/headModel';
import { Cancel } from './callbacks/cancel';
import { BatchDivergenceGuard } from './callbacks/divergenceGuard';
import { fitModel } from './fitLoop';
import { adamOptimizer } from '../engine/fusedAdam';

/**
 * Rows per fit() call: on wasm the per-call and per-epoch overhead of fit() costs more than the arithmetic of a
 * small head, so epochs are packed. The count also fixes where a short batch falls (at the end of each call), so
 * it stays what the measured curves were made with.
 */
const CHUNK_ROWS = 8192;

export interface HeadSpec { kind: 'recipe' | 'linear'; dropout?: number; lr: number; seed: number }

export function newHead(
  tf: Tf, dim: number, classes: number, spec: HeadSpec,
): { model: tfType.LayersModel; optimizer: tfType.Optimizer } {
  const model = buildHead(tf, {
    inputDim: dim, classes, seed: spec.seed, kind: spec.kind,
    ...(spec.dropout !== undefined ? { dropout: [spec.dropout, spec.dropout] as [number, number] } : {}),
  });
  const optimizer = adamOptimizer(tf, spec.lr);
  model.compile({ optimizer, loss: lossFor(classes) });
  return { model, optimizer };
}

/** Gathers the given rows of a matrix into a [rows, dim] tensor. */
export function rowsOf(tf: Tf, m: Matrix, rows: readonly number[]): tfType.Tensor2D {
  const out = new Float32Array(rows.length * m.dim);
  rows.forEach((r, k) => out.set(m.x.subarray(r * m.dim, (r + 1) * m.dim), k * m.dim));
  return tf.tensor2d(out, [rows.length, m.dim]);
}

/**
 * Trains on `rows` for `epochs`, each epoch a fresh seeded permutation; consecutive epochs go to fit() as one
 * long sequence. Only a ragged last batch differs from epoch-by-epoch training: it is filled up with the next
 * epoch's first images.
 */
export async function fitEpochs(
  tf: Tf, model: tfType.LayersModel, m: Matrix, rows: readonly number[], classes: number,
  o: { epochs: number; batch: number; seed: number; signal: AbortSignal },
): Promise<void> {
  await fitModel(tf, model, {
    train: {
      n: rows.length,
      batch: (positions) => {
        const picked = positions.map((p) => rows[p]);
        return { x: rowsOf(tf, m, picked), y: labelTensor(tf, picked.map((r) => m.labels[r]), classes) };
      },
    },
    epochs: o.epochs, batchSize: o.batch, seed: o.seed, stream: 'head-fit',
    epochsPerCall: Math.floor(CHUNK_ROWS / Math.max(1, rows.length)),
    callbacks: [new Cancel(o.signal), new BatchDivergenceGuard(rows.length)],
  });
}

/** Class index per row, in inference mode (dropout off). */
export function predictClasses(tf: Tf, model: tfType.LayersModel, m: Matrix, rows?: readonly number[]): Int32Array {
  const all = rows ?? Array.from({ length: m.n }, (_, i) => i);
  const out = new Int32Array(all.length);
  for (let start = 0; start < all.length; start += 1024) {
    const part = all.slice(start, start + 1024);
    const classes = tf.tidy(() => {
      const p = model.predict(rowsOf(tf, m, part)) as tfType.Tensor;
      return p.shape[1] === 1 ? p.greaterEqual(0.5).reshape([-1]).toInt() : p.argMax(1);
    });
    out.set(classes.dataSync() as Int32Array, start);
    classes.dispose();
  }
  return out;
}

/** Fraction of rows whose predicted class is wrong. */
export function errorRate(tf: Tf, model: tfType.LayersModel, m: Matrix, rows?: readonly number[]): number {
  const all = rows ?? Array.from({ length: m.n }, (_, i) => i);
  const predicted = predictClasses(tf, model, m, all);
  let wrong = 0;
  all.forEach((r, k) => { if (predicted[k] !== m.labels[r]) wrong++; });
  return all.length ? wrong / all.length : 0;
}

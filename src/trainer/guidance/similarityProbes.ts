// The two measurements of similarity to ImageNet the strategy advisor uses: what the backbone's own 1000-class
// top says about a sample (confidence and entropy), and how well a linear probe separates the classes on
// features cut at a given depth.
import { findKerasZooEntry } from '../../core/kerasZoo';
import { isKerasModelFile } from '../model/backbone';
import type * as tfType from '@tensorflow/tfjs';
import { epochsFor } from '../../core/learningCurvePlan';
import type { ImagenetEvidence } from '../../core/strategyAdvice';
import { findZooEntry } from '../../core/zooCatalog';
import type { Tf } from '../engine/engine';
import type { Matrix } from './guidanceData';
import { errorRate, fitEpochs, newHead } from '../training/headFit';
import { fetchModel } from '../model/modelDownload';
import { readModelJson } from '../model/modelFiles';

interface KerasTopology {
  model_config?: KerasTopology;
  class_name?: string;
  config?: { layers?: { config?: { name?: string } }[]; output_layers?: unknown[][] };
}

/**
 * The layer that outputs the ImageNet class scores, when the file still has them: the model's output layer, if the
 * model is a Keras layers model (graph models are skipped: their logits include a background class and no names).
 * The caller checks that the output has 1000 units.
 */
export async function imagenetOutputLayer(source: string, modelCacheDir?: string): Promise<string | undefined> {
  const zoo = findZooEntry(source);
  if (zoo && !zoo.hasImagenetTop) return undefined;
  // Keras applications come without their top (include_top=False), and Keras files are not model.json folders.
  if (findKerasZooEntry(source) || isKerasModelFile(source)) return undefined;
  const json = await readModelJson(
    await fetchModel(zoo?.url ?? source, { cacheDir: modelCacheDir, id: zoo?.id, sha256: zoo?.sha256 }),
  );
  const topo = json.modelTopology as (KerasTopology & { node?: unknown }) | undefined;
  if (!topo || Array.isArray(topo.node)) return undefined;
  const config = (topo.model_config ?? topo).config;
  const output = config?.output_layers?.[0]?.[0];
  if (typeof output === 'string') return output;
  return config?.layers?.at(-1)?.config?.name;
}

/** Mean top-1 probability, top-5 mass and normalised entropy of class-score rows (softmax applied if needed). */
export function imagenetEvidence(tf: Tf, scores: Matrix): ImagenetEvidence {
  const probs = tf.tidy(() => {
    const x = tf.tensor2d(scores.x, [scores.n, scores.dim]);
    const sums = x.sum(1);
    const isProb = x.min().dataSync()[0] >= 0 && tf.abs(sums.sub(1)).max().dataSync()[0] < 1e-2;
    return isProb ? x : tf.softmax(x);
  });
  const p = probs.arraySync() as number[][];
  probs.dispose();
  let top1 = 0, top5 = 0, entropy = 0;
  for (const row of p) {
    const sorted = [...row].sort((a, b) => b - a);
    top1 += sorted[0];
    top5 += sorted.slice(0, 5).reduce((a, b) => a + b, 0);
    entropy += -row.reduce((a, q) => a + (q > 0 ? q * Math.log(q) : 0), 0) / Math.log(row.length);
  }
  return { samples: p.length, top1: top1 / p.length, top5: top5 / p.length, entropy: entropy / p.length };
}

/** Standardises both matrices with the training rows' per-feature mean and spread, so depths compare fairly. */
function standardised(train: Matrix, test: Matrix): [Matrix, Matrix] {
  const { dim } = train;
  const mean = new Float64Array(dim), sq = new Float64Array(dim);
  for (let i = 0; i < train.n; i++)
    for (let j = 0; j < dim; j++) {
      const v = train.x[i * dim + j];
      mean[j] += v;
      sq[j] += v * v;
    }
  for (let j = 0; j < dim; j++) {
    mean[j] /= train.n;
    sq[j] = Math.sqrt(Math.max(sq[j] / train.n - mean[j] ** 2, 0)) || 1;
  }
  const scale = (m: Matrix): Matrix => ({ ...m, x: m.x.map((v, k) => (v - mean[k % dim]) / sq[k % dim]) });
  return [scale(train), scale(test)];
}

/** Held-out accuracy of a linear classifier trained on `train` (about 150 Adam steps; seconds on small samples). */
export async function linearProbeAccuracy(
  tf: Tf, train: Matrix, test: Matrix, classes: number, seed: number, signal: AbortSignal,
): Promise<number> {
  const [a, b] = standardised(train, test);
  const { model, optimizer }: { model: tfType.LayersModel; optimizer: tfType.Optimizer } = newHead(tf, a.dim, classes, {
    kind: 'linear',
    lr: 0.01,
    seed,
  });
  try {
    const rows = Array.from({ length: a.n }, (_, i) => i);
    await fitEpochs(tf, model, a, rows, classes, { epochs: epochsFor(a.n, 32, 150), batch: 32, seed, signal });
    return 1 - errorRate(tf, model, b);
  } finally {
    model.dispose();
    optimizer.dispose();
  }
}

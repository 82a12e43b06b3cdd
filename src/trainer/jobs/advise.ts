// The `advise` job, before any training: images per class, similarity to ImageNet measured on a small sample
// (the backbone's own ImageNet predictions when it has its 1000-class top; linear probes at the top cut and about
// halfway up), then one of the four transfer-learning scenarios with its cut and unfreeze point.
import * as path from 'node:path';
import { parseAdviseConfig, type AdviseConfig } from '../../core/guidanceConfig';
import { deriveSeed } from '../../core/seededRandom';
import { adviseStrategy, type ImagenetEvidence, type ProbeEvidence, type StrategyAdvice } from '../../core/strategyAdvice';
import { blockAt, blocksOf, lastLayerOf } from '../../core/zooLadder';
import { writeJsonAtomic } from '../runtime/atomicFile';
import type { Backbone } from '../model/backbone';
import { inThreadForward } from '../forward/batchForward';
import { embeddingCacheFor } from '../features/embeddingCache';
import { startEngine, type Tf } from '../engine/engine';
import { cachedFeatures } from '../features/featureStage';
import { loadGuidanceBackbone, parseOrBadInput, toMatrix, type Matrix } from '../guidance/guidanceData';
import type { JobContext } from '../runtime/jobContext';
import { imagenetEvidence, imagenetOutputLayer, linearProbeAccuracy } from '../guidance/similarityProbes';
import { capPerClass, readTrainingData, type LabelledImage } from '../features/trainingData';
import { imageLoader } from '../training/trainStages';

export interface AdviseResult {
  advice: StrategyAdvice; imagesPerClass: number; classes: string[]; imagenet?: ImagenetEvidence; probe?: ProbeEvidence;
  engine: string; seconds: number;
}

export async function adviseJob(config: Record<string, unknown>, ctx: JobContext): Promise<AdviseResult> {
  const c = parseOrBadInput(() => parseAdviseConfig(config, { cacheDir: path.resolve('.transfer-lab/cache') }));
  const t0 = performance.now();
  const { tf, info } = await startEngine(c.engine, ctx);
  const data = await readTrainingData(c.dataset!, undefined, c.seed, ctx, ['train', 'val']);
  const k = data.classes.length;
  const imagesPerClass = Math.min(...data.classes.map((_, i) => data.train.filter((x) => x.label === i).length));
  const sampleTrain = capPerClass(data.train, k, c.sample, deriveSeed(c.seed, 'advise-train'));
  const sampleTest = capPerClass(data.val, k, Math.ceil(c.sample / 2), deriveSeed(c.seed, 'advise-test'));
  const features = (b: Backbone, phase: string) => sampleFeatures(tf, c, b, [...sampleTrain, ...sampleTest], sampleTrain.length, phase, ctx);

  const top = await loadGuidanceBackbone(c.backbone!, c.cut, c.modelCacheDir, ctx);
  let topCut: string, blocks: string[], earlyCut: string | undefined, probe: ProbeEvidence | undefined;
  try {
    const layers = top.layerTable();
    blocks = blocksOf(layers);
    topCut = top.cut;
    earlyCut = c.earlyCut ?? lastLayerOf(layers, blockAt(blocks, 0.5) ?? '');
    if (earlyCut === topCut) earlyCut = undefined;
    if (earlyCut) {
      const [topTrain, topTest] = await features(top, `features at ${topCut}`);
      const early = await loadGuidanceBackbone(c.backbone!, earlyCut, c.modelCacheDir, ctx);
      let earlyTrain: Matrix, earlyTest: Matrix;
      try {
        [earlyTrain, earlyTest] = await features(early, `features at ${earlyCut}`);
      } finally {
        early.dispose();
      }
      probe = {
        train: topTrain.n, test: topTest.n, topCut, earlyCut, chance: 1 / k,
        topAcc: await linearProbeAccuracy(tf, topTrain, topTest, k, c.seed, ctx.signal),
        earlyAcc: await linearProbeAccuracy(tf, earlyTrain, earlyTest, k, c.seed, ctx.signal),
      };
    }
  } finally {
    top.dispose();
  }
  const imagenet = await imagenetOf(tf, c, sampleTrain, ctx);
  const advice = adviseStrategy({ imagesPerClass, classes: k, imagenet, probe }, {
    dataset: path.resolve(c.dataset!), backbone: c.backbone, topCut, earlyCut, blocks,
  });
  ctx.emit({ type: 'guidance', ...advice });
  const result: AdviseResult = {
    advice, imagesPerClass, classes: data.classes, ...(imagenet ? { imagenet } : {}), ...(probe ? { probe } : {}),
    engine: info.engine, seconds: (performance.now() - t0) / 1000,
  };
  if (c.out) await writeJsonAtomic(c.out, result);
  return result;
}

/** Features of the sample through `b` (cached like training's), split back into the probe's train and test rows. */
async function sampleFeatures(tf: Tf, c: AdviseConfig, b: Backbone, items: LabelledImage[], nTrain: number, phase: string, ctx: JobContext): Promise<[Matrix, Matrix]> {
  const size = c.size ?? b.inputSize;
  // A small sample: not worth starting forward workers for.
  const forward = inThreadForward(tf, b.featureDim, size, b.preprocessing, (x) => b.embed(x));
  const f = await cachedFeatures({ items, variants: 1, phase, batchSize: c.batch }, forward,
    embeddingCacheFor(c.cacheDir, b, b.cut, { size, resize: c.resize }, b.featureDim), imageLoader(c, size, ctx), ctx);
  const m = toMatrix(items, f);
  const trainRows = items.slice(0, nTrain).filter((_, i) => !f.failed.has(i)).length;
  const part = (from: number, to: number): Matrix => ({ x: m.x.slice(from * m.dim, to * m.dim), labels: m.labels.slice(from, to), n: to - from, dim: m.dim });
  return [part(0, trainRows), part(trainRows, m.n)];
}

async function imagenetOf(tf: Tf, c: AdviseConfig, sample: LabelledImage[], ctx: JobContext): Promise<ImagenetEvidence | undefined> {
  const layer = await imagenetOutputLayer(c.backbone!, c.modelCacheDir);
  if (!layer) return undefined;
  const classifier = await loadGuidanceBackbone(c.backbone!, layer, c.modelCacheDir, ctx);
  try {
    if (classifier.featureDim !== 1000 && classifier.featureDim !== 1001) return undefined;
    const [scores] = await sampleFeatures(tf, c, classifier, sample, sample.length, 'ImageNet predictions', ctx);
    return imagenetEvidence(tf, scores);
  } finally {
    classifier.dispose();
  }
}

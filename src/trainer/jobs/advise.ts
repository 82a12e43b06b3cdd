// The `advise` job, before any training: images per class, similarity to ImageNet measured on a small sample
// (the backbone's own ImageNet predictions when it has its 1000-class top; linear probes at the top cut and about
// halfway up), then one of the four transfer-learning scenarios with its cut and unfreeze point.
import * as path from 'node:path';
import type { AdviseConfig, AdviseResult } from '../../core/jobs/advise';
import { deriveSeed } from '../../core/seededRandom';
import { adviseStrategy, type ImagenetEvidence, type ProbeEvidence } from '../../core/strategyAdvice';
import { blockAt, blocksOf, lastLayerOf } from '../../core/zooLadder';
import { writeJsonAtomic } from '../runtime/atomicFile';
import type { Backbone } from '../model/backbone';
import { startEngine, type Tf } from '../engine/engine';
import { FeatureExtractor } from '../features/featureExtractor';
import { frozenSetting } from '../forward/batchForward';
import { loadGuidanceBackbone, toMatrix, type Matrix } from '../guidance/guidanceData';
import type { JobContext } from '../runtime/jobContext';
import { imagenetEvidence, imagenetOutputLayer, linearProbeAccuracy } from '../guidance/similarityProbes';
import { capPerClass, readTrainingData, type LabelledImage } from '../features/trainingData';

export async function adviseJob(c: AdviseConfig, ctx: JobContext): Promise<AdviseResult> {
  const t0 = performance.now();
  const { tf, info } = await startEngine(c.engine, ctx);
  const data = await readTrainingData(c.dataset, undefined, c.seed, ctx, ['train', 'val']);
  const k = data.classes.length;
  const imagesPerClass = Math.min(...data.classes.map((_, i) => data.train.filter((x) => x.label === i).length));
  const sampleTrain = capPerClass(data.train, k, c.sample, deriveSeed(c.seed, 'advise-train'));
  const sampleTest = capPerClass(data.val, k, Math.ceil(c.sample / 2), deriveSeed(c.seed, 'advise-test'));
  // Cached like training's, in the job's own thread unless the config asks for workers: a small sample is not worth
  // starting them for.
  const extractor = (b: Backbone) => FeatureExtractor.open(b, {
    tf, engine: info.engine, workers: c.workers ?? 0, size: c.size, resize: c.resize, seed: c.seed,
    cacheDir: c.cacheDir, ctx, frozen: frozenSetting(c, true),
  });
  const features = (b: Backbone, phase: string) =>
    sampleFeatures(extractor(b), [...sampleTrain, ...sampleTest], sampleTrain.length, phase, c.batch);

  const top = await loadGuidanceBackbone(c.backbone, c.cut, c.modelCacheDir, ctx);
  let topCut: string, blocks: string[], earlyCut: string | undefined, probe: ProbeEvidence | undefined;
  try {
    const layers = top.layerTable();
    blocks = blocksOf(layers);
    topCut = top.cut;
    earlyCut = c.earlyCut ?? lastLayerOf(layers, blockAt(blocks, 0.5) ?? '');
    if (earlyCut === topCut) earlyCut = undefined;
    if (earlyCut) {
      const [topTrain, topTest] = await features(top, `features at ${topCut}`);
      const early = await loadGuidanceBackbone(c.backbone, earlyCut, c.modelCacheDir, ctx);
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
  const imagenet = await imagenetOf(tf, c, sampleTrain, extractor, ctx);
  const advice = adviseStrategy({ imagesPerClass, classes: k, imagenet, probe }, {
    dataset: path.resolve(c.dataset), backbone: c.backbone, topCut, earlyCut, blocks,
  });
  ctx.emit({ type: 'guidance', ...advice });
  const result: AdviseResult = {
    advice, imagesPerClass, classes: data.classes, ...(imagenet ? { imagenet } : {}), ...(probe ? { probe } : {}),
    engine: info.engine, seconds: (performance.now() - t0) / 1000,
  };
  if (c.out) await writeJsonAtomic(c.out, result);
  return result;
}

/** Features of the sample through `fx`, split back into the probe's train and test rows. */
async function sampleFeatures(
  fx: FeatureExtractor, items: LabelledImage[], nTrain: number, phase: string, batchSize: number,
): Promise<[Matrix, Matrix]> {
  const f = await fx.features(items, { phase, batchSize });
  const m = toMatrix(items, f);
  const trainRows = items.slice(0, nTrain).filter((_, i) => !f.failed.has(i)).length;
  const part = (from: number, to: number): Matrix => ({
    x: m.x.slice(from * m.dim, to * m.dim),
    labels: m.labels.slice(from, to),
    n: to - from,
    dim: m.dim,
  });
  return [part(0, trainRows), part(trainRows, m.n)];
}

async function imagenetOf(
  tf: Tf, c: AdviseConfig, sample: LabelledImage[], extractor: (b: Backbone) => FeatureExtractor, ctx: JobContext,
): Promise<ImagenetEvidence | undefined> {
  const layer = await imagenetOutputLayer(c.backbone, c.modelCacheDir);
  if (!layer) return undefined;
  const classifier = await loadGuidanceBackbone(c.backbone, layer, c.modelCacheDir, ctx);
  try {
    if (classifier.featureDim !== 1000 && classifier.featureDim !== 1001) return undefined;
    const [scores] = await sampleFeatures(
      extractor(classifier),
      sample,
      sample.length,
      'ImageNet predictions',
      c.batch,
    );
    return imagenetEvidence(tf, scores);
  } finally {
    classifier.dispose();
  }
}

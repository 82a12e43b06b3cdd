// The learning-curve diagnosis: pure rules from Andrew Ng's bias/variance/mismatch analysis.
//   avoidable bias = train − desired; variance = train-dev − train (dev − train when there is no train-dev split);
//   mismatch = dev − train-dev.
// The largest significant gap names the situation; the dev curve's recent slope, and whether train error already
// exceeds the target, decide whether more data is likely to help; recommendations are ranked for that situation.
import type { ErrorStat, Evidence, GuidanceEvent, Recommendation } from './protocol';

export const DIAGNOSIS_LABELS = [
  'high-avoidable-bias', 'high-variance', 'bias-and-variance', 'data-mismatch', 'near-target',
] as const;
export type DiagnosisLabel = (typeof DIAGNOSIS_LABELS)[number];

export interface CurvePointStats { size: number; train: ErrorStat; dev: ErrorStat; trainDev?: ErrorStat }

/** What the advice can act on; every field is optional, and a recommendation without what it needs has no button. */
export interface DiagnosisContext {
  dataset?: string;
  backbone?: string;
  cut?: string;
  /** The backbone's usual feature layer; a cut below it is the first suspect for bias. */
  defaultCut?: string;
  head?: 'recipe' | 'linear';
  augment?: number;
  /** Where fine-tuning would start (the backbone's top block). */
  fineTuneFrom?: string;
  largerBackbone?: string;
  /** The prepared dataset's source and split settings, to prepare it again with a train-dev split. */
  source?: string;
  val?: number;
  seed?: number;
}

export type Diagnosis = Omit<GuidanceEvent, 'type'> & {
  kind: 'diagnosis'; label: DiagnosisLabel; moreDataLikelyHelps: boolean;
  gaps: { avoidableBias: number; variance: number; mismatch?: number }; tolerance: number; devSlope: number;
};

/**
 * A gap smaller than this is noise or close enough: half the target, but never under 2 points, because with a
 * few hundred dev images one image is already 0.3–0.5 points.
 */
export function toleranceFor(desiredError: number): number {
  return Math.max(0.02, desiredError / 2);
}

/** Least-squares slope of dev error against log2(size) over the last `last` points: change per doubling of data. */
export function devSlopePerDoubling(points: readonly CurvePointStats[], last = 3): number {
  const tail = points.slice(-last);
  if (tail.length < 2) return 0;
  const xs = tail.map((p) => Math.log2(p.size));
  const ys = tail.map((p) => p.dev.mean);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / sxx;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const points = (x: number) => `${(100 * x).toFixed(1)} points`;

export function diagnose(
  curve: readonly CurvePointStats[],
  desiredError: number,
  ctx: DiagnosisContext = {},
): Diagnosis {
  if (!curve.length) throw new Error('a diagnosis needs at least one learning-curve point');
  const sorted = [...curve].sort((a, b) => a.size - b.size);
  const last = sorted.at(-1)!;
  const train = last.train.mean,
    dev = last.dev.mean,
    trainDev = last.trainDev?.mean;
  const tol = toleranceFor(desiredError);
  const avoidableBias = train - desiredError;
  const variance = (trainDev ?? dev) - train;
  const mismatch = trainDev === undefined ? undefined : dev - trainDev;
  const devSlope = devSlopePerDoubling(sorted);
  // A still-falling dev curve: at least a quarter of the tolerance per doubling, i.e. visible over two doublings.
  const devFalling = devSlope < -Math.max(0.005, tol / 4);
  const trainAboveTarget = avoidableBias > tol;

  const label = labelOf(dev - desiredError, avoidableBias, variance, mismatch, tol);
  // Adding data can't fix bias: train error only rises as data is added, and dev error stays above it. Nor does
  // more of the same training data close a mismatch with dev.
  const moreDataLikelyHelps = !trainAboveTarget && label !== 'data-mismatch' && devFalling;

  const evidence: Evidence[] = [
    { name: 'desired error', value: desiredError },
    { name: 'train error', value: train, note: `±${pct(last.train.std)} over repeats, ${last.size} training images` },
    ...(last.trainDev
      ? [
          {
            name: 'train-dev error',
            value: last.trainDev.mean,
            note: `±${pct(last.trainDev.std)}; unseen images from the training distribution`,
          },
        ]
      : []),
    { name: 'dev error', value: dev, note: `±${pct(last.dev.std)}` },
    { name: 'avoidable bias', value: avoidableBias, note: 'train − desired' },
    { name: 'variance', value: variance, note: trainDev === undefined ? 'dev − train' : 'train-dev − train' },
    ...(mismatch === undefined ? [] : [{ name: 'mismatch', value: mismatch, note: 'dev − train-dev' }]),
    {
      name: 'dev slope',
      value: devSlope,
      note: `change in dev error per doubling of the training set, last ${Math.min(3, sorted.length)} points`,
    },
    { name: 'tolerance', value: tol, note: 'gaps smaller than this count as close enough' },
  ];
  return {
    kind: 'diagnosis',
    label,
    summary: summaryOf(label, {
      train,
      dev,
      trainDev,
      desiredError,
      avoidableBias,
      variance,
      mismatch,
      devSlope,
      moreDataLikelyHelps,
      trainAboveTarget,
    }),
    evidence,
    recommendations: recommend(
      label,
      {
        moreDataLikelyHelps,
        devSlope,
        hasTrainDev: trainDev !== undefined,
        mismatchToo: (mismatch ?? 0) > tol,
        varianceToo: variance > tol,
        biasToo: trainAboveTarget,
      },
      ctx,
    ),
    moreDataLikelyHelps,
    gaps: { avoidableBias, variance, ...(mismatch === undefined ? {} : { mismatch }) },
    tolerance: tol,
    devSlope,
  };
}

function labelOf(
  excess: number,
  bias: number,
  variance: number,
  mismatch: number | undefined,
  tol: number,
): DiagnosisLabel {
  if (excess <= tol && bias <= tol && variance <= tol && (mismatch ?? 0) <= tol) return 'near-target';
  if (mismatch !== undefined && mismatch > tol && mismatch >= bias && mismatch >= variance) return 'data-mismatch';
  const b = Math.max(0, bias),
    v = Math.max(0, variance);
  // Both, when both matter and neither is less than half the other: fixing one alone leaves the target out of reach.
  if (b > tol && v > tol && Math.min(b, v) >= 0.5 * Math.max(b, v)) return 'bias-and-variance';
  return b >= v ? 'high-avoidable-bias' : 'high-variance';
}

interface Numbers {
  train: number;
  dev: number;
  trainDev?: number;
  desiredError: number;
  avoidableBias: number;
  variance: number;
  mismatch?: number;
  devSlope: number;
  moreDataLikelyHelps: boolean;
  trainAboveTarget: boolean;
}

function summaryOf(label: DiagnosisLabel, n: Numbers): string {
  const errors = `train ${pct(n.train)}${n.trainDev === undefined ? '' : `, train-dev ${pct(n.trainDev)}`}, dev ${pct(n.dev)}, desired ${pct(n.desiredError)}`;
  const data = n.trainAboveTarget
    ? `More data is unlikely to help: train error already exceeds the desired error by ${points(n.avoidableBias)}, and adding data raises train error rather than lowering it.`
    : n.moreDataLikelyHelps
      ? `More data is likely to help: dev error is still falling, ${points(-n.devSlope)} per doubling of the training set.`
      : label === 'data-mismatch'
        ? 'More of the same training data will not close the mismatch; data like the dev set would.'
        : `More data is unlikely to help much: dev error has flattened (${points(n.devSlope)} per doubling).`;
  const head: Record<DiagnosisLabel, string> = {
    'high-avoidable-bias': `High avoidable bias: the model does not fit even its training images well enough (train error is ${points(n.avoidableBias)} above the target).`,
    'high-variance': `High variance: the model fits its training images but does not generalise (held-out error is ${points(n.variance)} above train error).`,
    'bias-and-variance': `Both avoidable bias (${points(n.avoidableBias)}) and variance (${points(n.variance)}): fix the bias first, then the variance.`,
    'data-mismatch': `Data mismatch: the dev set differs from the training data (dev error is ${points(n.mismatch ?? 0)} above train-dev error, on images the model never saw from either).`,
    'near-target': 'Near the target: dev error is within tolerance of the desired error.',
  };
  return `${head[label]} ${errors}. ${data}`;
}

interface Situation {
  moreDataLikelyHelps: boolean;
  devSlope: number;
  hasTrainDev: boolean;
  mismatchToo: boolean;
  varianceToo: boolean;
  biasToo: boolean;
}

function recommend(label: DiagnosisLabel, s: Situation, ctx: DiagnosisContext): Recommendation[] {
  const r = actions(ctx, s);
  const bias = [r.laterCut, r.largerHead, r.fineTune, r.lowerDropout, r.largerBackbone];
  const variance = s.moreDataLikelyHelps
    ? [r.moreData, r.augment, r.smallerHead]
    : [r.augment, r.smallerHead, r.moreData];
  const ranked: (Recommendation | undefined)[] = {
    'high-avoidable-bias': bias,
    'high-variance': variance,
    'bias-and-variance': [...bias, ...variance.filter((x) => x !== r.moreData)],
    'data-mismatch': [r.devLikeData, r.augmentTowardDev, ...(s.varianceToo ? [r.augment] : [])],
    'near-target': [r.trainFinal, ...(s.moreDataLikelyHelps ? [r.moreData] : [])],
  }[label];
  if (!s.hasTrainDev) ranked.push(r.trainDevSplit);
  const seen = new Set<string>();
  return ranked.filter((x): x is Recommendation => x !== undefined && !seen.has(x.id) && (seen.add(x.id), true));
}

function actions(ctx: DiagnosisContext, s: Situation): Record<string, Recommendation | undefined> {
  const base =
    ctx.dataset && ctx.backbone
      ? { dataset: ctx.dataset, backbone: ctx.backbone, ...(ctx.cut ? { cut: ctx.cut } : {}) }
      : undefined;
  const train = (title: string, why: string, id: string, extra: Record<string, unknown>): Recommendation =>
    base
      ? {
          id,
          title,
          why,
          command: 'transferLab.trainFeatureExtractor',
          args: { ...base, ...(ctx.head ? { head: ctx.head } : {}), ...extra },
        }
      : { id, title, why };
  const shallowCut = ctx.cut !== undefined && ctx.defaultCut !== undefined && ctx.cut !== ctx.defaultCut;
  const augment = Math.max(4, 2 * (ctx.augment ?? 2));
  return {
    laterCut: shallowCut
      ? train(
          `Use features from ${ctx.defaultCut}`,
          `${ctx.cut} is an early layer: its features are too generic to separate your classes; the usual cut carries more of what ImageNet taught.`,
          'later-cut',
          { cut: ctx.defaultCut },
        )
      : undefined,
    largerHead:
      ctx.head === 'linear'
        ? train(
            'Use the two-layer head',
            'A linear model on these features is too simple to fit the training set; the recipe head adds two hidden layers.',
            'larger-head',
            { head: 'recipe' },
          )
        : undefined,
    fineTune:
      ctx.fineTuneFrom && !shallowCut
        ? {
            id: 'fine-tune',
            title: `Fine-tune from ${ctx.fineTuneFrom}`,
            why: 'Frozen ImageNet features limit how well the head can fit; training the top block adapts them to your classes.',
            command: 'transferLab.fineTune',
            args: { unfreezeFrom: ctx.fineTuneFrom },
          }
        : undefined,
    lowerDropout:
      ctx.head !== 'linear'
        ? train(
            'Lower dropout',
            "The recipe head's dropout (0.5 and 0.7) holds back fitting; with bias, not variance, to fix, it costs more than it saves.",
            'lower-dropout',
            { dropout: 0.2 },
          )
        : undefined,
    largerBackbone:
      ctx.largerBackbone && base
        ? {
            id: 'larger-backbone',
            title: `Try a larger backbone from the zoo (${ctx.largerBackbone})`,
            why: 'A wider network gives richer features, which lowers the error the head cannot get below.',
            command: 'transferLab.trainFeatureExtractor',
            args: { dataset: ctx.dataset, backbone: ctx.largerBackbone },
          }
        : undefined,
    moreData: {
      id: 'more-data',
      title: 'Add more training images',
      why: s.moreDataLikelyHelps
        ? `Dev error is still falling, ${points(-s.devSlope)} per doubling of the training set.`
        : 'Dev error has flattened; more images of the same kind would help little.',
    },
    augment: train(
      'Increase augmentation',
      `More augmented variants per image (${augment}) act like more data against variance.`,
      'augment',
      { augment },
    ),
    smallerHead:
      ctx.head !== 'linear'
        ? train(
            'Use a linear head',
            'Fewer parameters to fit, so less room to memorise the training images.',
            'linear-head',
            { head: 'linear' },
          )
        : undefined,
    devLikeData: {
      id: 'dev-like-data',
      title: 'Train on images like the dev set',
      why: 'Collect or label training images from the same source and conditions as the dev set, or move some dev-like images into training.',
    },
    augmentTowardDev: train(
      'Augment toward the dev conditions',
      'If the dev images differ in framing, rotation or zoom, augmentation can make training look more like them.',
      'augment',
      { augment },
    ),
    trainFinal: base
      ? train(
          'Train the model',
          'Dev error is within tolerance of your target; train the final model with these settings.',
          'train-final',
          {},
        )
      : undefined,
    trainDevSplit: ctx.source
      ? {
          id: 'train-dev-split',
          title: 'Add a train-dev split',
          why: 'Without a train-dev set, variance and a mismatch between training and dev data look the same; a train-dev split tells them apart.',
          command: 'transferLab.prepareDataset',
          args: {
            source: ctx.source,
            ...(ctx.dataset ? { out: ctx.dataset } : {}),
            ...(ctx.val !== undefined ? { val: ctx.val } : {}),
            ...(ctx.seed !== undefined ? { seed: ctx.seed } : {}),
            trainDev: 0.1,
          },
        }
      : {
          id: 'train-dev-split',
          title: 'Add a train-dev split',
          why: 'Without a train-dev set, variance and a mismatch between training and dev data look the same.',
        },
  };
}

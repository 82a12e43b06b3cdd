// The `train` job's contract: its settings and their defaults (the classic Keras recipe's), and what a completed
// run reports. A feature extractor needs a dataset and a backbone; fine-tuning needs the run it starts from.
import type { EnginePreference } from '../engineChoice';
import type { FrozenPreference } from '../frozenEngineChoice';
import {
  arrayOf, literal, metric, num, object, objectOf, optional, recordOf, str, ValidationError, wholeIn, type Check,
  type Checked,
} from '../validate';
import type { JobContract, JobDefaults } from './contract';
import { FIELD_DEFAULTS, fields, skippedFile, type HeadKind, type ResizeMode, type SkippedFile } from './fields';

export const TRAIN_MODES = ['feature-extractor', 'fine-tune'] as const;
export type TrainMode = (typeof TRAIN_MODES)[number];
export type { ResizeMode };

const positive: Check<number> = (v, p) => {
  const n = num(v, p);
  if (!(n > 0)) throw new ValidationError(p, 'a number above 0', v);
  return n;
};

const input = object({
  mode: optional(literal(...TRAIN_MODES)),
  dataset: optional(str), backbone: optional(str), cut: optional(str), from: optional(str), unfreezeFrom: optional(str),
  epochs: optional(wholeIn(1, 10_000)), patience: optional(wholeIn(1, 10_000)), batch: fields.batch,
  size: fields.size, resize: fields.resize,
  // Each variant is cached per training image, besides the original.
  augment: optional(wholeIn(0, 100)),
  // No upper bound: a test trains at 1e30 to see a diverged run fail with its cause.
  lr: optional(positive),
  seed: fields.seed, monitor: optional(literal('val_loss', 'val_acc')), head: fields.head, dropout: fields.dropout,
  classWeights: optional(literal('none', 'balanced')), maxPerClass: fields.maxPerClass,
  runsDir: optional(str), cacheDir: optional(str), modelCacheDir: optional(str), engine: fields.engine,
  workers: fields.workers, frozen: fields.frozen, thumbnailDir: fields.thumbnailDir,
});
export type TrainConfigInput = Checked<typeof input>;

interface TrainSettings {
  /** The backbone's layer whose output is the features; absent, the backbone's usual one. */
  cut?: string;
  epochs: number;
  patience: number;
  batch: number;
  size?: number;
  resize: ResizeMode;
  /** Augmented variants cached per training image, besides the original. */
  augment: number;
  lr?: number;
  seed: number;
  monitor: 'val_loss' | 'val_acc';
  head: HeadKind;
  /** Both dropout rates of the recipe head; default its 0.5 and 0.7. */
  dropout?: number;
  classWeights: 'none' | 'balanced';
  maxPerClass?: number;
  runsDir: string;
  cacheDir: string;
  modelCacheDir?: string;
  engine: EnginePreference;
  workers?: number;
  /** Where the frozen forward passes run; absent, TRANSFER_LAB_FROZEN or 'auto'. */
  frozen?: FrozenPreference;
  thumbnailDir?: string;
}

export interface FeatureExtractorConfig extends TrainSettings {
  mode: 'feature-extractor';
  /** Prepared dataset folder (holding dataset.json). */
  dataset: string;
  backbone: string;
}

export interface FineTuneConfig extends TrainSettings {
  mode: 'fine-tune';
  /** The feature-extractor run to start from; its backbone, cut and image settings are used. */
  from: string;
  /** Absent: the source run's dataset. */
  dataset?: string;
  /** The layer or block where training starts; absent, the job picks the backbone's top block. */
  unfreezeFrom?: string;
}

export type TrainConfig = FeatureExtractorConfig | FineTuneConfig;

export function parseTrainConfig(raw: unknown, defaults: JobDefaults): TrainConfig {
  const c = input(raw, 'config');
  const mode = c.mode ?? 'feature-extractor';
  const settings: TrainSettings = {
    cut: c.cut,
    epochs: c.epochs ?? 50,
    // Feature-extractor epochs take about a second from cached features, and fresh dropout masks make val loss noisy:
    // measured on dogs-vs-cats with mobilenet_v1_0.25, patience 5 stopped at val_acc 0.918, patience 10 at 0.932.
    patience: c.patience ?? (mode === 'fine-tune' ? 5 : 10),
    batch: c.batch ?? FIELD_DEFAULTS.batch,
    size: c.size,
    // Squash to the square, as Keras' load_img(target_size=…) does in the classic recipe. Measured on dogs-vs-cats
    // with MobileNetV2 0.35: best val_acc 0.971 squashed against 0.957 centre-cropped ('cover').
    resize: c.resize ?? FIELD_DEFAULTS.resize,
    augment: c.augment ?? 2,
    lr: c.lr,
    seed: c.seed ?? FIELD_DEFAULTS.seed,
    monitor: c.monitor ?? 'val_loss',
    head: c.head ?? FIELD_DEFAULTS.head,
    dropout: c.dropout,
    classWeights: c.classWeights ?? 'none',
    maxPerClass: c.maxPerClass,
    runsDir: c.runsDir ?? defaults.runsDir,
    cacheDir: c.cacheDir ?? defaults.cacheDir,
    modelCacheDir: c.modelCacheDir,
    engine: c.engine ?? FIELD_DEFAULTS.engine,
    workers: c.workers,
    frozen: c.frozen,
    thumbnailDir: c.thumbnailDir,
  };
  if (mode === 'fine-tune') {
    // Without unfreezeFrom, the train job unfreezes the backbone's top block: it needs the layer table to name it.
    if (!c.from) throw new ValidationError('config.from', 'a source run (from) for fine-tuning', c.from);
    return { ...settings, mode, from: c.from, dataset: c.dataset, unfreezeFrom: c.unfreezeFrom };
  }
  if (!c.dataset || !c.backbone) {
    throw new ValidationError(c.dataset ? 'config.backbone' : 'config.dataset',
      'a dataset and a backbone for feature extraction', c.dataset ? c.backbone : c.dataset);
  }
  return { ...settings, mode, dataset: c.dataset, backbone: c.backbone };
}

/** The recipe's optimiser settings: Adam 1e-3 for a new head; SGD 1e-4 with momentum 0.9 for fine-tuning. */
export function defaultLearningRate(mode: TrainMode): number {
  return mode === 'fine-tune' ? 1e-4 : 1e-3;
}

/** Keras-style "balanced" class weights: n_samples / (n_classes × count of the class). */
export function balancedClassWeights(labels: ArrayLike<number>, classes: number): number[] {
  const counts = new Array(classes).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts.map((c) => (c > 0 ? labels.length / (classes * c) : 0));
}

export interface TrainResult {
  runId: string; dir: string; status: 'completed'; engine: string; mode: TrainMode;
  /** Where the frozen passes ran; absent when every vector came from the cache. */
  frozenEngine?: string;
  best: { epoch: number; loss: number; acc: number; valLoss: number; valAcc: number };
  seconds: Record<string, number>; classes: string[];
  /** The images each class really trained and validated on: dataset.json's lists less `skipped`. */
  counts: { train: number[]; val: number[] };
  /** Listed images left out (missing, changed since prepare, or undecodable), each with its reason. */
  skipped: SkippedFile[];
  /** What the user should know about this result: left-out images, classes with no validation images. */
  warnings: string[];
  /** Fine-tune: where the trainable top starts (the backbone's top block unless the config named one). */
  unfreezeFrom?: string;
  /** corrupt: damaged cache entries that were recomputed (counted in computed too). */
  cache: { computed: number; fromCache: number; corrupt: number };
  /** The data cleaner's overrides in effect (dataset.json's `overrides`); absent when there are none. */
  cleaner?: { excluded: number; relabelled: number };
}

export const train: JobContract<TrainConfigInput, TrainConfig, TrainResult> = {
  input,
  config: parseTrainConfig,
  result: objectOf<TrainResult>({
    runId: str, dir: str, status: literal('completed'), engine: str, frozenEngine: optional(str),
    mode: literal(...TRAIN_MODES),
    best: objectOf<TrainResult['best']>({ epoch: num, loss: metric, acc: metric, valLoss: metric, valAcc: metric }),
    seconds: recordOf(num), classes: arrayOf(str),
    counts: objectOf<TrainResult['counts']>({ train: arrayOf(num), val: arrayOf(num) }),
    skipped: arrayOf(skippedFile), warnings: arrayOf(str), unfreezeFrom: optional(str),
    cache: objectOf<TrainResult['cache']>({ computed: num, fromCache: num, corrupt: num }),
    cleaner: optional(objectOf<NonNullable<TrainResult['cleaner']>>({ excluded: num, relabelled: num })),
  }),
};

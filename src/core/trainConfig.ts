// The `train` job's settings, their defaults (the classic Keras recipe's), and validation with messages that
// name the setting.
import { literal, num, object, optional, str, ValidationError, type Check } from './validate';

export type TrainMode = 'feature-extractor' | 'fine-tune';
export type ResizeMode = 'cover' | 'fill' | 'contain';

export interface TrainConfig {
  mode: TrainMode;
  /** Prepared dataset folder (holding dataset.json); for fine-tune, taken from the source run when absent. */
  dataset?: string;
  backbone?: string;
  cut?: string;
  /** Fine-tune: the feature-extractor run to start from. */
  from?: string;
  /** Fine-tune: the layer or block where training starts; absent, the job picks the backbone's top block. */
  unfreezeFrom?: string;
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
  head: 'recipe' | 'linear';
  /** Both dropout rates of the recipe head; default its 0.5 and 0.7. */
  dropout?: number;
  classWeights: 'none' | 'balanced';
  maxPerClass?: number;
  runsDir: string;
  cacheDir: string;
  modelCacheDir?: string;
  engine: string;
}

const positiveInt = (name: string): Check<number> => (v, p) => {
  const n = num(v, p);
  if (!Number.isInteger(n) || n < 1) throw new ValidationError(p, `a whole number ≥ 1 for ${name}`, v);
  return n;
};

const rate: Check<number> = (v, p) => {
  const n = num(v, p);
  if (n < 0 || n >= 1) throw new ValidationError(p, 'a rate from 0 up to (not including) 1 for dropout', v);
  return n;
};

const check = object({
  mode: optional(literal('feature-extractor', 'fine-tune')),
  dataset: optional(str), backbone: optional(str), cut: optional(str), from: optional(str), unfreezeFrom: optional(str),
  epochs: optional(positiveInt('epochs')), patience: optional(positiveInt('patience')), batch: optional(positiveInt('batch')),
  size: optional(positiveInt('size')), resize: optional(literal('cover', 'fill', 'contain')),
  augment: optional(num), lr: optional(num), seed: optional(num), monitor: optional(literal('val_loss', 'val_acc')),
  head: optional(literal('recipe', 'linear')), dropout: optional(rate), classWeights: optional(literal('none', 'balanced')),
  maxPerClass: optional(positiveInt('maxPerClass')), runsDir: optional(str), cacheDir: optional(str), modelCacheDir: optional(str),
  engine: optional(str),
});

export function parseTrainConfig(input: Record<string, unknown>, defaults: { runsDir: string; cacheDir: string }): TrainConfig {
  const c = check(input, 'config');
  const mode = c.mode ?? 'feature-extractor';
  const config: TrainConfig = {
    mode,
    dataset: c.dataset, backbone: c.backbone, cut: c.cut, from: c.from, unfreezeFrom: c.unfreezeFrom,
    epochs: c.epochs ?? 50,
    // Feature-extractor epochs take about a second from cached features, and fresh dropout masks make val loss noisy:
    // measured on dogs-vs-cats with mobilenet_v1_0.25, patience 5 stopped at val_acc 0.918, patience 10 at 0.932.
    patience: c.patience ?? (mode === 'fine-tune' ? 5 : 10),
    batch: c.batch ?? 32,
    size: c.size,
    // Squash to the square, as Keras' load_img(target_size=…) does in the classic recipe. Measured on dogs-vs-cats
    // with MobileNetV2 0.35: best val_acc 0.971 squashed against 0.957 centre-cropped ('cover').
    resize: c.resize ?? 'fill',
    augment: Math.max(0, Math.floor(c.augment ?? 2)),
    lr: c.lr,
    seed: c.seed ?? 42,
    monitor: c.monitor ?? 'val_loss',
    head: c.head ?? 'recipe',
    dropout: c.dropout,
    classWeights: c.classWeights ?? 'none',
    maxPerClass: c.maxPerClass,
    runsDir: c.runsDir ?? defaults.runsDir,
    cacheDir: c.cacheDir ?? defaults.cacheDir,
    modelCacheDir: c.modelCacheDir,
    engine: c.engine ?? 'auto',
  };
  if (mode === 'feature-extractor' && (!config.dataset || !config.backbone)) {
    throw new ValidationError('config', 'a dataset and a backbone for feature extraction', { dataset: config.dataset, backbone: config.backbone });
  }
  // Without unfreezeFrom, the train job unfreezes the backbone's top block: it needs the layer table to name it.
  if (mode === 'fine-tune' && !config.from) {
    throw new ValidationError('config', 'a source run (from) for fine-tuning', { from: config.from });
  }
  return config;
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

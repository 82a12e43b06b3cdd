// Settings of the guidance jobs (learning-curve, advise, lr-find), their defaults, and validation with messages
// that name the setting.
import { LR_SWEEP_DEFAULTS } from './lrSuggestion';
import { literal, num, object, optional, str, ValidationError, type Check } from './validate';

/** Offered on first use: one image in twenty wrong is a reasonable first target for a two-class photo task. */
export const DEFAULT_DESIRED_ERROR = 0.05;

const range = (name: string, lo: number, hi: number, integer = false): Check<number> => (v, p) => {
  const n = num(v, p);
  if (n < lo || n > hi || (integer && !Number.isInteger(n))) throw new ValidationError(p, `${integer ? 'a whole number' : 'a number'} from ${lo} to ${hi} for ${name}`, v);
  return n;
};

const common = {
  dataset: optional(str), backbone: optional(str), cut: optional(str), size: optional(range('size', 16, 1024, true)),
  resize: optional(literal('cover', 'fill', 'contain')), batch: optional(range('batch', 1, 4096, true)), seed: optional(num),
  maxPerClass: optional(range('maxPerClass', 1, 1e9, true)), cacheDir: optional(str), modelCacheDir: optional(str), engine: optional(str),
  out: optional(str),
};

interface Common {
  dataset?: string; backbone?: string; cut?: string; size?: number; resize: 'cover' | 'fill' | 'contain'; batch: number; seed: number;
  maxPerClass?: number; cacheDir: string; modelCacheDir?: string; engine: string; out?: string;
}

function commonOf(c: Partial<Common>, cacheDir: string): Common {
  return {
    dataset: c.dataset, backbone: c.backbone, cut: c.cut, size: c.size, resize: c.resize ?? 'fill', batch: c.batch ?? 32, seed: c.seed ?? 42,
    maxPerClass: c.maxPerClass, cacheDir: c.cacheDir ?? cacheDir, modelCacheDir: c.modelCacheDir, engine: c.engine ?? 'auto', out: c.out,
  };
}

function requireDatasetAndBackbone(c: Common): void {
  if (!c.dataset || !c.backbone) throw new ValidationError('config', 'a prepared dataset folder (dataset) and a backbone', { dataset: c.dataset, backbone: c.backbone });
}

export interface LearningCurveConfig extends Common {
  head: 'recipe' | 'linear';
  dropout?: number;
  lr: number;
  /** Mini-batches per point, whatever its size (see epochsFor). */
  steps: number;
  repeats: number;
  /** As given: counts, fractions or percentages, comma-separated; default six geometric sizes from 5%. */
  sizes?: string;
  desiredError: number;
}

const curveCheck = object({
  ...common, head: optional(literal('recipe', 'linear')), dropout: optional(range('dropout', 0, 0.95)), lr: optional(range('lr', 1e-8, 10)),
  steps: optional(range('steps', 1, 100000, true)), repeats: optional(range('repeats', 1, 20, true)), sizes: optional(str),
  desiredError: optional(range('desiredError', 0, 0.99)),
});

export function parseLearningCurveConfig(input: Record<string, unknown>, defaults: { cacheDir: string }): LearningCurveConfig {
  const c = curveCheck(input, 'config');
  const config: LearningCurveConfig = {
    ...commonOf(c, defaults.cacheDir), head: c.head ?? 'recipe', dropout: c.dropout, lr: c.lr ?? 1e-3, steps: c.steps ?? 200,
    repeats: c.repeats ?? 3, sizes: c.sizes, desiredError: c.desiredError ?? DEFAULT_DESIRED_ERROR,
  };
  requireDatasetAndBackbone(config);
  return config;
}

export interface AdviseConfig extends Common {
  /** Layer for the earlier probe; default about halfway up the backbone. */
  earlyCut?: string;
  /** Images per class drawn for the probes and the ImageNet predictions. */
  sample: number;
}

const adviseCheck = object({ ...common, earlyCut: optional(str), sample: optional(range('sample', 4, 10000, true)) });

export function parseAdviseConfig(input: Record<string, unknown>, defaults: { cacheDir: string }): AdviseConfig {
  const c = adviseCheck(input, 'config');
  const config: AdviseConfig = { ...commonOf(c, defaults.cacheDir), earlyCut: c.earlyCut, sample: c.sample ?? 60 };
  requireDatasetAndBackbone(config);
  return config;
}

export interface LrFindConfig extends Common {
  /** A feature-extractor run: sweep its unfrozen top (fine-tuning) instead of a new head. */
  from?: string;
  unfreezeFrom?: string;
  head: 'recipe' | 'linear';
  dropout?: number;
  start: number;
  end: number;
  steps: number;
}

const lrCheck = object({
  ...common, from: optional(str), unfreezeFrom: optional(str), head: optional(literal('recipe', 'linear')), dropout: optional(range('dropout', 0, 0.95)),
  start: optional(range('start', 1e-12, 100)), end: optional(range('end', 1e-12, 1000)), steps: optional(range('steps', 5, 10000, true)),
});

export function parseLrFindConfig(input: Record<string, unknown>, defaults: { cacheDir: string }): LrFindConfig {
  const c = lrCheck(input, 'config');
  const config: LrFindConfig = {
    ...commonOf(c, defaults.cacheDir), from: c.from, unfreezeFrom: c.unfreezeFrom, head: c.head ?? 'recipe', dropout: c.dropout,
    start: c.start ?? LR_SWEEP_DEFAULTS.start, end: c.end ?? LR_SWEEP_DEFAULTS.end, steps: c.steps ?? LR_SWEEP_DEFAULTS.steps,
  };
  if (config.start >= config.end) throw new ValidationError('config.start', `less than config.end (${config.end})`, config.start);
  if (!config.from) requireDatasetAndBackbone(config);
  return config;
}

/** Reads a desired error typed by a person: "0.05", "5%" or "5 %"; undefined unless it is from 0 up to 1. */
export function parseErrorRate(text: string): number | undefined {
  const t = text.trim();
  const pct = t.endsWith('%');
  const n = Number(pct ? t.slice(0, -1).trim() : t);
  if (t === '' || !Number.isFinite(n)) return undefined;
  const rate = pct ? n / 100 : n;
  return rate >= 0 && rate < 1 ? rate : undefined;
}

// The `learning-curve` job's contract: head fits on growing subsets of a dataset's cached features, and the curve
// with its diagnosis (bias, variance or data mismatch).
import { DIAGNOSIS_LABELS, type CurvePointStats, type Diagnosis } from '../guidance';
import { errorStat, evidence, recommendation } from '../messageParts';
import {
  arrayOf, bool, literal, metric, num, numberIn, object, objectOf, optional, str, wholeIn, type Checked,
} from '../validate';
import type { JobContract, JobDefaults } from './contract';
import {
  embeddingFields, embeddingSettingsOf, FIELD_DEFAULTS, fields, HEAD_KINDS, type EmbeddingSettings, type HeadKind,
} from './fields';

/** Offered on first use: one image in twenty wrong is a reasonable first target for a two-class photo task. */
export const DEFAULT_DESIRED_ERROR = 0.05;

const input = object({
  dataset: str, backbone: str, ...embeddingFields, head: fields.head, dropout: fields.dropout,
  lr: optional(numberIn(1e-8, 10)), steps: optional(wholeIn(1, 100_000)), repeats: optional(wholeIn(1, 20)),
  sizes: optional(str), desiredError: optional(numberIn(0, 0.99)),
});
export type LearningCurveConfigInput = Checked<typeof input>;

export interface LearningCurveConfig extends EmbeddingSettings {
  /** Prepared dataset folder (holding dataset.json). */
  dataset: string;
  backbone: string;
  head: HeadKind;
  dropout?: number;
  lr: number;
  /** Mini-batches per point, whatever its size (see epochsFor). */
  steps: number;
  repeats: number;
  /** As given: counts, fractions or percentages, comma-separated; default six geometric sizes from 5%. */
  sizes?: string;
  desiredError: number;
}

export function parseLearningCurveConfig(raw: unknown, defaults: Pick<JobDefaults, 'cacheDir'>): LearningCurveConfig {
  const c = input(raw, 'config');
  return {
    ...embeddingSettingsOf(c, defaults), dataset: c.dataset, backbone: c.backbone, head: c.head ?? FIELD_DEFAULTS.head,
    dropout: c.dropout, lr: c.lr ?? 1e-3, steps: c.steps ?? 200, repeats: c.repeats ?? 3, sizes: c.sizes,
    desiredError: c.desiredError ?? DEFAULT_DESIRED_ERROR,
  };
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

export interface LearningCurveResult {
  points: CurvePointStats[];
  total: number;
  desiredError: number;
  diagnosis: Diagnosis;
  backbone: string; cut: string; head: HeadKind; repeats: number; steps: number;
  engine: string;
  /** curveCpu: CPU seconds of the curve (user + system), which other processes on the machine do not inflate. */
  seconds: { embedding: number; curve: number; curveCpu: number };
  cache: { computed: number; fromCache: number };
}

export const learningCurve: JobContract<LearningCurveConfigInput, LearningCurveConfig, LearningCurveResult> = {
  input,
  config: parseLearningCurveConfig,
  result: objectOf<LearningCurveResult>({
    points: arrayOf(objectOf<CurvePointStats>({
      size: num, train: errorStat, dev: errorStat, trainDev: optional(errorStat),
    })),
    total: num, desiredError: num,
    diagnosis: objectOf<Diagnosis>({
      kind: literal('diagnosis'), label: literal(...DIAGNOSIS_LABELS), summary: str, evidence: arrayOf(evidence),
      recommendations: arrayOf(recommendation), moreDataLikelyHelps: bool,
      gaps: objectOf<Diagnosis['gaps']>({ avoidableBias: metric, variance: metric, mismatch: optional(metric) }),
      tolerance: num, devSlope: metric,
    }),
    backbone: str, cut: str, head: literal(...HEAD_KINDS), repeats: num, steps: num, engine: str,
    seconds: objectOf<LearningCurveResult['seconds']>({ embedding: num, curve: num, curveCpu: num }),
    cache: objectOf<LearningCurveResult['cache']>({ computed: num, fromCache: num }),
  }),
};

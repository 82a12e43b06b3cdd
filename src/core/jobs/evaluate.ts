// The `evaluate` job's contract: a completed run to measure on its val split, and the metrics it reports (also
// written to <run>/evaluation.json).
import type { EnginePreference } from '../engineChoice';
import type { FrozenPreference } from '../frozenEngineChoice';
import type { Preprocessing } from '../zooCatalog';
import type { AverageMetrics, ClassMetrics, ConfusedPair } from '../metrics';
import { perClassRow } from '../messageParts';
import {
  arrayOf, literal, metric, num, object, objectOf, optional, str, wholeIn, type Checked,
} from '../validate';
import { TTA_MODES, type TtaMode } from '../testTimeAugmentation';
import type { JobContract } from './contract';
import { FIELD_DEFAULTS, fields, skippedFile, type SkippedFile } from './fields';

const input = object({
  /** The folder of a completed run. */
  runDir: str,
  topLosses: optional(wholeIn(0, 1000)), batch: fields.batch, engine: fields.engine, workers: fields.workers,
  frozen: fields.frozen,
  /** For a model file in place of a run: the prepared dataset (holding dataset.json) to measure it on. */
  dataset: optional(str),
  /** For a model file: how its pixels are scaled, when the file does not say. */
  preprocessing: optional(literal('minus1to1', 'zero1', 'caffe')),
  thumbnailDir: fields.thumbnailDir,
  /** Test-time augmentation: each image's probabilities averaged over these views (see testTimeAugmentation.ts). */
  tta: optional(literal(...TTA_MODES)),
});
export type EvaluateConfigInput = Checked<typeof input>;
export interface EvaluateConfig {
  runDir: string;
  /** How many of the most confidently wrong images to list. */
  topLosses: number;
  batch: number;
  engine: EnginePreference;
  workers?: number;
  frozen?: FrozenPreference;
  dataset?: string;
  preprocessing?: Preprocessing;
  thumbnailDir?: string;
  tta: TtaMode;
}

export interface TopLoss { file: string; truth: string; predicted: string; probability: number; loss: number }

export interface EvaluateResult {
  runId: string; runDir: string; split: 'val'; classes: string[]; count: number;
  accuracy: number; logLoss: number; auc?: number;
  confusion: number[][]; confusionNormalized: number[][];
  perClass: ClassMetrics[]; macro: AverageMetrics; weighted: AverageMetrics; notes: string[];
  mostConfused?: ConfusedPair[];
  topLosses: TopLoss[];
  /** Val images left out: missing or changed since prepare (checked first), or undecodable. */
  skipped: SkippedFile[];
  /** What the user should know about these numbers (a class with no validation images). */
  warnings: string[];
  /** The run's own best val_acc, for comparison with what the saved model gives now. */
  runValAcc?: number;
  /** The test-time augmentation the probabilities were averaged over. */
  tta?: TtaMode;
  seconds: number;
}

const averages = objectOf<AverageMetrics>({ precision: metric, recall: metric, f1: metric });

export const evaluate: JobContract<EvaluateConfigInput, EvaluateConfig, EvaluateResult> = {
  input,
  config(raw) {
    const c = input(raw, 'config');
    return { ...c, topLosses: c.topLosses ?? 16, batch: c.batch ?? FIELD_DEFAULTS.batch, engine: c.engine ?? 'auto',
      tta: c.tta ?? 'none' };
  },
  result: objectOf<EvaluateResult>({
    runId: str, runDir: str, split: literal('val'), classes: arrayOf(str), count: num,
    accuracy: metric, logLoss: metric, auc: optional(metric),
    confusion: arrayOf(arrayOf(num)), confusionNormalized: arrayOf(arrayOf(metric)),
    perClass: arrayOf(perClassRow), macro: averages, weighted: averages, notes: arrayOf(str),
    mostConfused: optional(arrayOf(objectOf<ConfusedPair>({ truth: str, predicted: str, count: num }))),
    topLosses: arrayOf(objectOf<TopLoss>({ file: str, truth: str, predicted: str, probability: metric, loss: metric })),
    skipped: arrayOf(skippedFile), warnings: arrayOf(str), runValAcc: optional(metric), tta: optional(literal(...TTA_MODES)),
    seconds: num,
  }),
};

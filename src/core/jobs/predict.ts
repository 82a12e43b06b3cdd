// The `predict` job's contract: a completed run's model over a folder of new images, and the Kaggle-style CSV it
// wrote.
import type { EnginePreference } from '../engineChoice';
import type { FrozenPreference } from '../frozenEngineChoice';
import type { Preprocessing } from '../zooCatalog';
import {
  arrayOf, literal, num, numberIn, object, objectOf, optional, str, type Checked,
} from '../validate';
import { TTA_MODES, type TtaMode } from '../testTimeAugmentation';
import type { JobContract } from './contract';
import { FIELD_DEFAULTS, fields, skippedFile, type SkippedFile } from './fields';

const input = object({
  /** The folder of a completed run. */
  runDir: str,
  /** The folder of images, searched recursively. */
  images: str,
  /** The CSV to write; default <run>/predictions.csv. */
  out: optional(str),
  // Kaggle-style clipping: probabilities move into [X, 1 − X], so X must stay below one half.
  clip: optional(numberIn(0, 0.5, { belowMax: true })),
  /** Binary runs: the class whose probability is the `label` column. */
  positive: optional(str),
  /** For a model file in place of a run: how its pixels are scaled, when the file does not say. */
  preprocessing: optional(literal('minus1to1', 'zero1', 'caffe')),
  batch: fields.batch, engine: fields.engine, workers: fields.workers, frozen: fields.frozen,
  thumbnailDir: fields.thumbnailDir,
  /** Test-time augmentation: each image's probabilities averaged over these views (see testTimeAugmentation.ts). */
  tta: optional(literal(...TTA_MODES)),
});
export type PredictConfigInput = Checked<typeof input>;
export interface PredictConfig {
  runDir: string; images: string; out?: string; clip?: number; positive?: string; batch: number;
  engine: EnginePreference; workers?: number; frozen?: FrozenPreference; thumbnailDir?: string;
  preprocessing?: Preprocessing;
  tta: TtaMode;
}

export interface PredictResult {
  rows: number; out: string; classes: string[]; columns: string[];
  /** Binary runs: the class whose probability is the `label` column. */
  positive?: string;
  clip?: number;
  /** Relative to the images folder, with '/'. */
  skipped: SkippedFile[];
  /** The test-time augmentation the probabilities were averaged over. */
  tta?: TtaMode;
  seconds: number;
}

export const predict: JobContract<PredictConfigInput, PredictConfig, PredictResult> = {
  input,
  config(raw) {
    const c = input(raw, 'config');
    return { ...c, batch: c.batch ?? FIELD_DEFAULTS.batch, engine: c.engine ?? FIELD_DEFAULTS.engine,
      tta: c.tta ?? 'none' };
  },
  result: objectOf<PredictResult>({
    rows: num, out: str, classes: arrayOf(str), columns: arrayOf(str), positive: optional(str), clip: optional(num),
    skipped: arrayOf(skippedFile), tta: optional(literal(...TTA_MODES)), seconds: num,
  }),
};

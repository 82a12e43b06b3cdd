// The `lr-find` job's contract: a learning-rate sweep on a new head over a dataset, or on the unfrozen top of a
// feature-extractor run (for fine-tuning), and the rate it suggests.
import { LR_SWEEP_DEFAULTS, type LrSuggestion } from '../lrSuggestion';
import {
  arrayOf, literal, metric, nullable, num, numberIn, object, objectOf, optional, str, tuple, ValidationError,
  wholeIn, type Checked,
} from '../validate';
import type { JobContract, JobDefaults } from './contract';
import {
  embeddingFields, embeddingSettingsOf, FIELD_DEFAULTS, fields, type EmbeddingSettings, type HeadKind,
} from './fields';

const input = object({
  dataset: optional(str), backbone: optional(str), ...embeddingFields,
  /** A feature-extractor run: sweep its unfrozen top (fine-tuning) instead of a new head. */
  from: optional(str), unfreezeFrom: optional(str), head: fields.head, dropout: fields.dropout,
  start: optional(numberIn(1e-12, 100)), end: optional(numberIn(1e-12, 1000)), steps: optional(wholeIn(5, 10_000)),
});
export type LrFindConfigInput = Checked<typeof input>;

interface SweepSettings extends EmbeddingSettings {
  start: number;
  end: number;
  steps: number;
}

/** A new head (Adam, as the feature extractor trains) on a dataset's cached features. */
export interface HeadSweepConfig extends SweepSettings {
  mode: 'head';
  dataset: string;
  backbone: string;
  head: HeadKind;
  dropout?: number;
}

/** A run's unfrozen top plus its head (SGD with momentum, as fine-tuning trains); lr-find.json goes into the run. */
export interface FineTuneSweepConfig extends SweepSettings {
  mode: 'fine-tune';
  from: string;
  /** Absent: the source run's dataset. */
  dataset?: string;
  /** Absent: the backbone's top block. */
  unfreezeFrom?: string;
}

export type LrFindConfig = HeadSweepConfig | FineTuneSweepConfig;

export function parseLrFindConfig(raw: unknown, defaults: Pick<JobDefaults, 'cacheDir'>): LrFindConfig {
  const c = input(raw, 'config');
  const sweep: SweepSettings = {
    ...embeddingSettingsOf(c, defaults), start: c.start ?? LR_SWEEP_DEFAULTS.start, end: c.end ?? LR_SWEEP_DEFAULTS.end,
    steps: c.steps ?? LR_SWEEP_DEFAULTS.steps,
  };
  if (sweep.start >= sweep.end) {
    throw new ValidationError('config.start', `less than config.end (${sweep.end})`, sweep.start);
  }
  if (c.from) return { ...sweep, mode: 'fine-tune', from: c.from, dataset: c.dataset, unfreezeFrom: c.unfreezeFrom };
  if (!c.dataset || !c.backbone) {
    throw new ValidationError(c.dataset ? 'config.backbone' : 'config.dataset',
      'a prepared dataset folder (dataset) and a backbone, or a run to fine-tune (from)',
      c.dataset ? c.backbone : c.dataset);
  }
  return {
    ...sweep, mode: 'head', dataset: c.dataset, backbone: c.backbone, head: c.head ?? FIELD_DEFAULTS.head,
    dropout: c.dropout,
  };
}

export interface LrFindResult extends LrSuggestion {
  mode: 'head' | 'fine-tune'; optimizer: string; unfreezeFrom?: string; runDir?: string; file?: string;
  lrs: number[]; losses: number[]; raw: number[]; images: number; engine: string;
}

export const lrFind: JobContract<LrFindConfigInput, LrFindConfig, LrFindResult> = {
  input,
  config: parseLrFindConfig,
  result: objectOf<LrFindResult>({
    suggestion: num, index: num, rule: literal('steepest', 'before-rise'), minLr: num,
    falling: nullable(tuple<[number, number]>(metric, metric)),
    mode: literal('head', 'fine-tune'), optimizer: str, unfreezeFrom: optional(str), runDir: optional(str),
    file: optional(str), lrs: arrayOf(num), losses: arrayOf(metric), raw: arrayOf(metric), images: num, engine: str,
  }),
};

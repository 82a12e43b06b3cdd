// Compare Runs: saved runs side by side, as the CLI's `runs --compare` prints them and the Compare Runs panel draws
// them. Each row is one setting or result read from a run's run.json (and evaluation.json, when the run was
// evaluated); a value a run does not record is null and shows as "—", never a default filled in after the fact.
import { RUN_FILES } from './runFiles';
import type { RunRecord, RunStatus } from './runRecord';
import { num, object, optional } from './validate';

/** What a run's evaluation.json says about it, as far as a comparison needs. */
export interface EvaluationSummary {
  accuracy: number;
  logLoss: number;
  /** Absent for more than two classes. */
  auc?: number;
}

/** One run as the comparison reads it: its folder, its record, its status now, and its evaluation if it has one. */
export interface ComparedRunInput {
  dir: string;
  record: RunRecord;
  status: RunStatus;
  evaluation?: EvaluationSummary;
}

export type ComparedValue = string | number | null;

export interface ComparisonRow {
  key: string;
  label: string;
  kind: 'setting' | 'result';
  /** One per run, in the order the runs were given; null where the run does not record it. */
  values: ComparedValue[];
  /** What a person reads: "—" for null, a path's last segment, seconds as a duration. */
  text: string[];
  /** Not every run has the same value (a run without one differs from a run with one). */
  differs: boolean;
  /** Result rows with a direction: the runs holding the best value, when the values differ. */
  best: number[];
}

/** A run's epochs, for the overlaid learning curves. */
export interface RunCurve {
  id: string;
  epochs: number[];
  acc: number[];
  valAcc: number[];
  loss: number[];
  valLoss: number[];
}

export interface RunComparison {
  runs: { id: string; dir: string; status: RunStatus; mode: string }[];
  rows: ComparisonRow[];
  /** Keys of the setting rows whose values differ between the runs. */
  differingSettings: string[];
  curves: RunCurve[];
}

const MISSING = '—';

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const configOf = (r: ComparedRunInput, key: string): unknown => r.record.config[key];
/** A model id stays as it is; a path shows its last segment (the full value is in `values`). */
const lastSegment = (v: ComparedValue): string => String(v).split(/[\\/]/).filter(Boolean).pop() ?? String(v);
const fixed = (digits: number) => (v: ComparedValue) => (typeof v === 'number' ? v.toFixed(digits) : String(v));

/** "42.5 s", "3 min 5 s": a run's total time. */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - 60 * m);
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

interface RowSpec {
  key: string;
  label: string;
  kind: 'setting' | 'result';
  read(run: ComparedRunInput): ComparedValue;
  format?(value: ComparedValue): string;
  better?: 'higher' | 'lower';
}

const setting = (key: string, label: string, read: RowSpec['read'], format?: RowSpec['format']): RowSpec =>
  ({ key, label, kind: 'setting', read, format });
const result = (
  key: string, label: string, read: RowSpec['read'], format?: RowSpec['format'], better?: RowSpec['better'],
): RowSpec => ({ key, label, kind: 'result', read, format, better });

/** The learning rate the run trained with: the one it was given, else the one its first epoch recorded. */
function learningRate(r: ComparedRunInput): number | null {
  return finite(configOf(r, 'lr')) ?? finite(r.record.history[0]?.lr);
}

/** The head kind, with its dropout when the run set one (otherwise the head's own rates applied). */
function head(r: ComparedRunInput): string | null {
  const kind = text(configOf(r, 'head'));
  const dropout = finite(configOf(r, 'dropout'));
  return kind === null ? null : dropout === null ? kind : `${kind}, dropout ${dropout}`;
}

function imageSize(r: ComparedRunInput): string | null {
  const size = finite(configOf(r, 'size'));
  const resize = text(configOf(r, 'resize'));
  return size === null ? null : resize === null ? `${size} px` : `${size} px, ${resize}`;
}

function totalSeconds(r: ComparedRunInput): number | null {
  const times = Object.values(r.record.timings);
  return times.length ? times.reduce((a, b) => a + b, 0) : null;
}

const ROWS: RowSpec[] = [
  setting('mode', 'mode', (r) => r.record.mode),
  setting('dataset', 'dataset', (r) => text(r.record.dataset), lastSegment),
  setting('backbone', 'backbone', (r) => text(r.record.backbone), lastSegment),
  setting('cut', 'cut layer', (r) => text(configOf(r, 'cut'))),
  setting('unfreezeFrom', 'unfreeze from', (r) => text(configOf(r, 'unfreezeFrom'))),
  setting('head', 'head', head),
  setting('lr', 'learning rate', learningRate),
  setting('epochs', 'epochs (max)', (r) => finite(configOf(r, 'epochs'))),
  setting('patience', 'patience', (r) => finite(configOf(r, 'patience'))),
  setting('batch', 'batch', (r) => finite(configOf(r, 'batch'))),
  setting('augment', 'augmentation', (r) => finite(configOf(r, 'augment')),
    (v) => (v === 0 ? 'none' : `${v} variant${v === 1 ? '' : 's'} per image`)),
  setting('size', 'image size', imageSize),
  setting('classWeights', 'class weights', (r) => text(configOf(r, 'classWeights'))),
  setting('maxPerClass', 'max per class', (r) => finite(configOf(r, 'maxPerClass'))),
  setting('seed', 'seed', (r) => finite(configOf(r, 'seed'))),
  setting('engine', 'engine', (r) => text(r.record.engine)),
  setting('frozenEngine', 'frozen passes', (r) => text(r.record.frozenEngine)),
  result('status', 'status', (r) => r.status),
  result('valAcc', 'val_acc (best)', (r) => finite(r.record.best?.valAcc), fixed(4), 'higher'),
  result('valLoss', 'val_loss (best)', (r) => finite(r.record.best?.valLoss), fixed(4), 'lower'),
  result('bestEpoch', 'best epoch', (r) => finite(r.record.best?.epoch)),
  result('epochsTrained', 'epochs trained', (r) => r.record.history.length),
  result('logLoss', 'log loss (evaluate)', (r) => finite(r.evaluation?.logLoss), fixed(4), 'lower'),
  result('auc', 'AUC (evaluate)', (r) => finite(r.evaluation?.auc), fixed(4), 'higher'),
  result('seconds', 'time', totalSeconds, (v) => (typeof v === 'number' ? formatSeconds(v) : String(v)), 'lower'),
];

/** The runs holding the best of the values, when at least two runs have one and they are not all the same. */
function bestOf(values: ComparedValue[], better: RowSpec['better']): number[] {
  if (!better) return [];
  const nums = values.map((v) => (typeof v === 'number' ? v : null));
  const present = nums.filter((v): v is number => v !== null);
  if (present.length < 2 || present.every((v) => v === present[0])) return [];
  const target = better === 'higher' ? Math.max(...present) : Math.min(...present);
  return nums.flatMap((v, i) => (v === target ? [i] : []));
}

export function compareRuns(runs: readonly ComparedRunInput[]): RunComparison {
  const rows = ROWS.map((spec): ComparisonRow => {
    const values = runs.map((r) => spec.read(r));
    return {
      key: spec.key,
      label: spec.label,
      kind: spec.kind,
      values,
      text: values.map((v) => (v === null ? MISSING : (spec.format ?? String)(v))),
      differs: values.some((v) => v !== values[0]),
      best: bestOf(values, spec.better),
    };
  });
  return {
    runs: runs.map((r) => ({ id: r.record.id, dir: r.dir, status: r.status, mode: r.record.mode })),
    rows,
    differingSettings: rows.filter((r) => r.kind === 'setting' && r.differs).map((r) => r.key),
    curves: runs.map((r) => ({
      id: r.record.id,
      epochs: r.record.history.map((e) => e.epoch),
      acc: r.record.history.map((e) => e.acc),
      valAcc: r.record.history.map((e) => e.valAcc),
      loss: r.record.history.map((e) => e.loss),
      valLoss: r.record.history.map((e) => e.valLoss),
    })),
  };
}

// num refuses NaN: a NaN metric in the file is an error naming it, not a value to show.
const evaluationCheck = object({ accuracy: num, logLoss: num, auc: optional(num) });

/** The metrics of an evaluation.json; anything that is not what evaluate writes is a ValidationError naming it. */
export function parseEvaluationSummary(json: unknown): EvaluationSummary {
  const e = evaluationCheck(json, RUN_FILES.evaluation);
  return { accuracy: e.accuracy, logLoss: e.logLoss, ...(e.auc !== undefined ? { auc: e.auc } : {}) };
}

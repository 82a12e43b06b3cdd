// The data cleaner's messages between the dashboard and the extension: what a person marks on an image tile, and the
// pending list the extension keeps (it owns the list, so a closed dashboard does not lose it). They travel inside the
// dashboard's protocol (src/core/protocol.ts) as `{ type: 'cleaner', intent }` and `{ type: 'cleaner', state }`.
import type { RefusedChange } from './datasetOverrides';
import { literal, object, optional, str, ValidationError, type Check } from './validate';

/** A change waiting for Apply. `file` is as the tile names it: an absolute path (prepared copy or original). */
export interface PendingChange {
  file: string;
  action: 'exclude' | 'relabel';
  /** For 'relabel': the class it moves to. */
  to?: string;
  /** The label the tile showed, for the list ("cat → dog"). */
  from?: string;
}

/** Where a tile's image comes from: a run's grid (its dataset is in run.json) or a prepared dataset's report. */
export type CleanerSource = { runDir: string } | { dataset: string };

export type CleanerIntent =
  | { kind: 'mark'; source: CleanerSource; change: PendingChange }
  /** Drops the pending change of `file`, or the latest one without a file ("Undo last"). */
  | { kind: 'undo'; file?: string }
  | { kind: 'discard' }
  | { kind: 'apply' }
  | { kind: 'retrain' };

/** What the last Apply did, as the pending bar reports it. */
export interface AppliedReport {
  excluded: number;
  relabelled: number;
  /** Changes the job refused, each naming its file; they stay pending so they can be fixed or dropped. */
  refused: RefusedChange[];
}

/** What the last Retrain gave: the run, its best val_acc, and how many embeddings came from the cache. */
export interface RetrainReport {
  runId: string;
  valAcc: number;
  fromCache: number;
  computed: number;
  excluded: number;
  relabelled: number;
}

export interface CleanerState {
  /** The prepared folder the pending list belongs to; absent until a tile of a prepared dataset is on screen. */
  dataset?: string;
  pending: PendingChange[];
  busy?: 'applying' | 'retraining';
  applied?: AppliedReport;
  retrained?: RetrainReport;
  /** A run to take the settings from is known, and nothing is pending: Retrain is offered. */
  canRetrain: boolean;
}

export const pendingChange: Check<PendingChange> = (v, p) => {
  const c = object({ file: str, action: literal('exclude', 'relabel'), to: optional(str), from: optional(str) })(v, p);
  if (c.action === 'relabel' && !c.to) throw new ValidationError(`${p}.to`, 'the class to move the image to', c.to);
  if (!c.file) throw new ValidationError(`${p}.file`, 'a file', c.file);
  return c;
};

const source: Check<CleanerSource> = (v, p) => {
  const s = object({ runDir: optional(str), dataset: optional(str) })(v, p);
  if (s.runDir !== undefined && s.dataset === undefined) return { runDir: s.runDir };
  if (s.dataset !== undefined && s.runDir === undefined) return { dataset: s.dataset };
  throw new ValidationError(p, 'either runDir or dataset', v);
};

const intents: Record<CleanerIntent['kind'], Check<CleanerIntent>> = {
  mark: (v, p) => {
    const m = object({ kind: literal('mark'), source, change: pendingChange })(v, p);
    return { kind: 'mark', source: m.source, change: m.change };
  },
  undo: (v, p) => object({ kind: literal('undo'), file: optional(str) })(v, p),
  discard: (v, p) => object({ kind: literal('discard') })(v, p),
  apply: (v, p) => object({ kind: literal('apply') })(v, p),
  retrain: (v, p) => object({ kind: literal('retrain') })(v, p),
};

export const cleanerIntent: Check<CleanerIntent> = (v, p) => {
  const kind = typeof v === 'object' && v !== null ? (v as { kind?: unknown }).kind : undefined;
  if (typeof kind !== 'string' || !Object.hasOwn(intents, kind))
    throw new ValidationError(`${p}.kind`, Object.keys(intents).join(' | '), kind);
  return intents[kind as CleanerIntent['kind']](v, p);
};

// The one typed message protocol between the extension, the trainer child process and the dashboard webview.
// Every message is validated where it arrives: a malformed message becomes a typed error, never a crash.
import { cleanerIntent, type CleanerIntent, type CleanerState } from './cleanerProtocol';
import { JOBS, type JobName } from './jobs';
import { datasetFinding, datasetSample, errorStat, evidence, recommendation, perClassRow } from './messageParts';
import type { EpochRecord } from './runRecord';
import { RUN_FILES } from './runFiles';
import {
  arrayOf, bool, literal, metric, num, object, optional, recordOf, str, unknownValue, ValidationError, type Check,
} from './validate';

export const PROTOCOL_VERSION = 1;

/** The job names come from the job contracts (src/core/jobs): adding a job there adds it here. */
export { JOBS, type JobName };

// ---- requests: extension -> trainer ----

export interface StartRequest { v: number; type: 'start'; job: JobName; config: Record<string, unknown> }
export interface CancelRequest { v: number; type: 'cancel' }
export type TrainerRequest = StartRequest | CancelRequest;
/** A request before the version is stamped on (Omit distributed over the union). */
export type UnversionedRequest = TrainerRequest extends unknown
  ? Omit<StartRequest, 'v'> | Omit<CancelRequest, 'v'>
  : never;

// ---- events: trainer -> extension (and replayed into the webview) ----

export interface LogEvent { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
export interface ProgressEvent { type: 'progress'; phase: string; done: number; total: number; etaSeconds?: number }
export interface EngineEvent {
  type: 'engine'; engine: string; version: string; slowPath: boolean; note?: string;
}
/** One epoch as run.json's history records it, streamed while the stage trains. */
export interface EpochEvent extends EpochRecord {
  type: 'epoch';
  stage: string;
}
export interface LayerRow {
  index: number; name: string; type: string; outputShape: string; params: number; trainable: boolean; block: string;
}
/** The backbone's layers; `runDir` names the run they belong to, so "Fine-tune from here" knows what to fine-tune. */
export interface LayersEvent { type: 'layers'; layers: LayerRow[]; runDir?: string }
export interface DoneEvent { type: 'done'; job: JobName; runId?: string; result: unknown }
export interface ErrorEvent { type: 'error'; code: string; message: string; file?: string; hint?: string }
/** One health finding about a dataset; files are relative to the dataset's source folder, with '/'. */
export interface DatasetFinding {
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  files: string[];
  hint?: string;
}
/** An image for the sample grid: the original file (absolute) and its size, shown as e.g. "cat (500, 374)". */
export interface DatasetSample { class: string; file: string; width: number; height: number; thumbnail?: string }
/** What Prepare Dataset found and plans, sent before anything is written so the preview can show it. */
export interface DatasetEvent {
  type: 'dataset'; layout: string; layoutReason: string; source: string; output: string; classes: string[];
  /** counts[split][class]; unlabeled test images count under "(unlabeled)". */
  counts: Record<string, Record<string, number>>;
  samples: DatasetSample[]; findings: DatasetFinding[]; dryRun: boolean;
}
/**
 * One image in a prediction grid. `file` is the original (absolute); `thumbnail` is a small cached copy made by
 * the trainer, the only image the webview ever loads. `truth` is known for validation images only.
 */
export interface GridItem {
  file: string; thumbnail?: string; label: string; probability: number; truth?: string;
  /** A Grad-CAM overlay of the predicted class (160 px JPEG made by the trainer), rewritten like `thumbnail`. */
  heatmap?: string;
  /** Every class's probability, in the order of the event's `classes`. */
  probabilities?: number[];
}
/** A prediction grid: the test grid (probability and label) or the validation grid (correct and wrong marked). */
export interface PredictionsEvent {
  type: 'predictions';
  kind: 'test' | 'val';
  runDir: string;
  classes: string[];
  items: GridItem[];
}
export interface PerClassRow {
  class: string; precision: number; recall: number; f1: number; support: number;
  /** No validation example of this class: its precision/recall mean nothing and the macro average leaves it out. */
  noSupport?: true;
}
export interface TopLossItem {
  file: string;
  thumbnail?: string;
  truth: string;
  predicted: string;
  probability: number;
  loss: number;
  /** A Grad-CAM overlay of the predicted class (160 px JPEG made by the trainer), rewritten like `thumbnail`. */
  heatmap?: string;
  /** Every class's probability, in the order of the event's `classes`. */
  probabilities?: number[];
}
/** An evaluation of a run on its un-augmented validation split. */
export interface EvaluationEvent {
  type: 'evaluation'; runDir: string; classes: string[]; count: number; accuracy: number; logLoss: number; auc?: number;
  confusion: number[][]; perClass: PerClassRow[]; topLosses: TopLossItem[];
}
/** Mean and spread (standard deviation over the repeats) of an error rate. */
export interface ErrorStat { mean: number; std: number }
/** One point of a learning curve over training-set size, streamed as soon as its repeats finish. */
export interface CurvePointEvent {
  type: 'curvePoint';
  size: number;
  total: number;
  desiredError: number;
  train: ErrorStat;
  dev: ErrorStat;
  trainDev?: ErrorStat;
}
/** Something the person can do about a finding; `command` is a Transfer Lab command run with `args`. */
export interface Recommendation {
  id: string;
  title: string;
  why: string;
  command?: string;
  args?: Record<string, unknown>;
}
export interface Evidence { name: string; value: number; note?: string }
/** Advice with its evidence: a learning-curve diagnosis, or the strategy advisor's pick before training. */
export interface GuidanceEvent {
  type: 'guidance'; kind: 'diagnosis' | 'strategy'; label: string; summary: string; evidence: Evidence[];
  recommendations: Recommendation[]; moreDataLikelyHelps?: boolean;
}
/** The LR finder's sweep: loss against learning rate, and the suggested rate. */
export interface LrFindEvent { type: 'lrFind'; lrs: number[]; losses: number[]; suggestion: number }
export type TrainerEvent =
  | LogEvent | ProgressEvent | EngineEvent | EpochEvent | LayersEvent | DatasetEvent | DoneEvent | ErrorEvent
  | PredictionsEvent | EvaluationEvent | CurvePointEvent | GuidanceEvent | LrFindEvent;
export type TrainerMessage = TrainerEvent & { v: number };

// ---- webview <-> extension ----

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'cancel' }
  | { type: 'openFile'; path: string }
  | { type: 'startFineTune'; runDir: string; unfreezeFrom: string }
  /** A one-click action from a Guidance card; the host runs only Transfer Lab commands. */
  | { type: 'runCommand'; command: string; args?: Record<string, unknown> }
  /** The data cleaner: a mark on an image tile, undo, discard, Apply, Retrain (src/core/cleanerProtocol.ts). */
  | { type: 'cleaner'; intent: CleanerIntent };

export const DASHBOARD_TABS = ['dataset', 'training', 'layers', 'predictions', 'evaluation', 'guidance'] as const;
export type DashboardTab = (typeof DASHBOARD_TABS)[number];

export type HostToWebview =
  | { type: 'reset'; title: string }
  | { type: 'event'; event: TrainerEvent }
  /** Brings a tab to the front, e.g. after "Show Grid". */
  | { type: 'showTab'; tab: DashboardTab }
  /** The cleaner's pending list and what its last Apply and Retrain did. */
  | { type: 'cleaner'; state: CleanerState };

// ---- validation ----

const version: Check<number> = (v, p) => {
  const n = num(v, p);
  if (n !== PROTOCOL_VERSION) throw new ValidationError(p, `protocol version ${PROTOCOL_VERSION}`, v);
  return n;
};
const config = recordOf(unknownValue);
const job = literal(...JOBS);

const requestChecks: Record<TrainerRequest['type'], Check<unknown>> = {
  start: object({ v: version, type: literal('start'), job, config }),
  cancel: object({ v: version, type: literal('cancel') }),
};

const layerRow = object({
  index: num, name: str, type: str, outputShape: str, params: num, trainable: bool, block: str,
});

/** A class probability: a number from 0 to 1 (float32 rounding may pass 1 by a hair); NaN is an error. */
const probabilityValue: Check<number> = (v, p) => {
  if (typeof v !== 'number' || !(v >= -1e-6 && v <= 1 + 1e-6)) throw new ValidationError(p, 'a probability from 0 to 1', v);
  return v;
};

const gridItem = object({
  file: str, thumbnail: optional(str), label: str, probability: metric, truth: optional(str),
  heatmap: optional(str), probabilities: optional(arrayOf(probabilityValue)),
});
const topLossItem = object({
  file: str,
  thumbnail: optional(str),
  truth: str,
  predicted: str,
  probability: metric,
  loss: metric,
  heatmap: optional(str),
  probabilities: optional(arrayOf(probabilityValue)),
});

const eventChecks: Record<TrainerEvent['type'], Check<unknown>> = {
  log: object({ v: version, type: literal('log'), level: literal('info', 'warn', 'error'), message: str }),
  progress: object({
    v: version,
    type: literal('progress'),
    phase: str,
    done: num,
    total: num,
    etaSeconds: optional(num),
  }),
  engine: object({
    v: version,
    type: literal('engine'),
    engine: str,
    version: str,
    slowPath: bool,
    note: optional(str),
  }),
  epoch: object({
    v: version,
    type: literal('epoch'),
    stage: str,
    epoch: num,
    loss: metric,
    acc: metric,
    valLoss: metric,
    valAcc: metric,
    lr: num,
    seconds: num,
  }),
  layers: object({ v: version, type: literal('layers'), layers: arrayOf(layerRow), runDir: optional(str) }),
  dataset: object({
    v: version,
    type: literal('dataset'),
    layout: str,
    layoutReason: str,
    source: str,
    output: str,
    classes: arrayOf(str),
    counts: recordOf(recordOf(num)),
    samples: arrayOf(datasetSample),
    findings: arrayOf(datasetFinding),
    dryRun: bool,
  }),
  done: object({ v: version, type: literal('done'), job, runId: optional(str), result: unknownValue }),
  error: object({
    v: version,
    type: literal('error'),
    code: str,
    message: str,
    file: optional(str),
    hint: optional(str),
  }),
  predictions: object({
    v: version,
    type: literal('predictions'),
    kind: literal('test', 'val'),
    runDir: str,
    classes: arrayOf(str),
    items: arrayOf(gridItem),
  }),
  evaluation: object({
    v: version,
    type: literal('evaluation'),
    runDir: str,
    classes: arrayOf(str),
    count: num,
    accuracy: metric,
    logLoss: metric,
    auc: optional(metric),
    confusion: arrayOf(arrayOf(num)),
    perClass: arrayOf(perClassRow),
    topLosses: arrayOf(topLossItem),
  }),
  curvePoint: object({
    v: version,
    type: literal('curvePoint'),
    size: num,
    total: num,
    desiredError: num,
    train: errorStat,
    dev: errorStat,
    trainDev: optional(errorStat),
  }),
  guidance: object({
    v: version,
    type: literal('guidance'),
    kind: literal('diagnosis', 'strategy'),
    label: str,
    summary: str,
    evidence: arrayOf(evidence),
    recommendations: arrayOf(recommendation),
    moreDataLikelyHelps: optional(bool),
  }),
  lrFind: object({ v: version, type: literal('lrFind'), lrs: arrayOf(num), losses: arrayOf(metric), suggestion: num }),
};

const webviewChecks: Record<WebviewToHost['type'], Check<unknown>> = {
  ready: object({ type: literal('ready') }),
  cancel: object({ type: literal('cancel') }),
  openFile: object({ type: literal('openFile'), path: str }),
  startFineTune: object({ type: literal('startFineTune'), runDir: str, unfreezeFrom: str }),
  runCommand: object({ type: literal('runCommand'), command: str, args: optional(recordOf(unknownValue)) }),
  cleaner: object({ type: literal('cleaner'), intent: cleanerIntent }),
};

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function parseWith<T>(checks: Record<string, Check<unknown>>, input: unknown, what: string): Parsed<T> {
  const type = typeof input === 'object' && input !== null ? (input as { type?: unknown }).type : undefined;
  const check = typeof type === 'string' ? checks[type] : undefined;
  if (!check) return { ok: false, error: `${what}: unknown message type ${JSON.stringify(type)}` };
  try {
    return { ok: true, value: check(input, what) as T };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * A run's layers.json (the backbone's layer table the train job wrote), checked row by row as the `layers` event is:
 * a file edited or damaged on disk must give a sentence naming it, not a TypeError in the picker or the dashboard.
 */
export function parseLayerTable(input: unknown, what: string = RUN_FILES.layers): Parsed<LayerRow[]> {
  try {
    return { ok: true, value: arrayOf(layerRow)(input, what) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

export const parseRequest = (input: unknown) => parseWith<TrainerRequest>(requestChecks, input, 'request');
export const parseTrainerMessage = (input: unknown) => parseWith<TrainerMessage>(eventChecks, input, 'event');
export const parseWebviewMessage = (input: unknown) => parseWith<WebviewToHost>(webviewChecks, input, 'webview');

/** Adds the protocol version; every message on the wire carries it. */
export function withVersion<T extends object>(message: T): T & { v: number } {
  return { ...message, v: PROTOCOL_VERSION };
}

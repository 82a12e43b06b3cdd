// The run.json format: what a saved run (a "saved model") records, and how to read it defensively.
import { RUN_FILES } from './runFiles';
import type { ResizeMode } from './jobs/fields';
import type { Preprocessing } from './zooCatalog';
import {
  arrayOf, literal, metric, num, object, optional, recordOf, str, unknownValue, ValidationError, type Check,
} from './validate';

export const RUN_STATUSES = ['running', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** What a run's model/ says about itself in its metadata: enough to feed it an image and read its output. */
export interface SavedModelMeta {
  classes: string[];
  inputSize: number;
  resize: ResizeMode;
  preprocessing: Preprocessing;
  backbone?: string;
  cut?: string;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  acc: number;
  valLoss: number;
  valAcc: number;
  lr: number;
  seconds: number;
}

export interface RunRecord {
  id: string;
  status: RunStatus;
  mode: string;
  backbone: string;
  dataset: string;
  classes: string[];
  engine: string;
  /** Where the frozen forward passes ran ('onnxruntime-cpu', 'tfjs'…); absent when all came from the cache. */
  frozenEngine?: string;
  createdAt: string;
  updatedAt: string;
  /** The trainer's pid while running: lets a later start tell a live run from one whose trainer was killed. */
  pid?: number;
  /**
   * When that process started (Linux: clock ticks since boot, field 22 of /proc/<pid>/stat), so a pid the system
   * has since given to another process is not mistaken for the trainer. Absent elsewhere and in older runs.
   */
  pidStart?: number;
  config: Record<string, unknown>;
  history: EpochRecord[];
  best?: EpochRecord;
  timings: Record<string, number>;
  error?: string;
  /**
   * sha256 (hex) of every file under model/, head/ and checkpoint/ when the run was saved, keyed by its path in the
   * run folder ('model/weights.bin'): loading checks them, so a damaged file is refused instead of giving NaN.
   * Absent in runs saved by older versions.
   */
  files?: Record<string, string>;
}

const sha256Hex: Check<string> = (v, p) => {
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw new ValidationError(p, 'a sha256 in hex', v);
  return v;
};

const epoch = object({ epoch: num, loss: metric, acc: metric, valLoss: metric, valAcc: metric, lr: num, seconds: num });

const runCheck: Check<RunRecord> = object({
  id: str,
  status: literal(...RUN_STATUSES),
  mode: str,
  backbone: str,
  dataset: str,
  classes: arrayOf(str),
  engine: str,
  frozenEngine: optional(str),
  createdAt: str,
  updatedAt: str,
  pid: optional(num),
  pidStart: optional(num),
  config: recordOf(unknownValue),
  history: arrayOf(epoch),
  best: optional(epoch),
  timings: recordOf(num),
  error: optional(str),
  files: optional(recordOf(sha256Hex)),
}) as Check<RunRecord>;

export function parseRunRecord(json: unknown): RunRecord {
  return runCheck(json, RUN_FILES.record);
}

/** What a reader can learn about a pid: whether a process has it, and when that process started, if known. */
export interface ProcessProbe { alive: boolean; startTime?: number }

/**
 * A run still marked `running` whose trainer is gone was killed: report it as failed (stale), never as complete.
 * A pid can be reused: when the run recorded its trainer's start time and the probe knows the start time of the
 * process that has the pid now, both must agree. `probe` is injected (a plain liveness check works too) so this
 * stays pure.
 */
export function effectiveStatus(run: RunRecord, probe: (pid: number) => boolean | ProcessProbe): RunStatus {
  if (run.status !== 'running') return run.status;
  if (run.pid === undefined) return 'failed';
  const found = probe(run.pid);
  const { alive, startTime } = typeof found === 'boolean' ? { alive: found, startTime: undefined } : found;
  if (!alive) return 'failed';
  return run.pidStart !== undefined && startTime !== undefined && startTime !== run.pidStart ? 'failed' : 'running';
}

/**
 * The start time in a Linux /proc/<pid>/stat line: field 22, clock ticks after boot. The second field (the
 * command name, in parentheses) may itself hold spaces and parentheses, so fields are counted from the last ')'.
 */
export function procStatStartTime(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  // After ')' come fields 3 (state), 4, …: field 22 is the 20th.
  const field = stat.slice(close + 1).trim().split(/\s+/)[19];
  return field !== undefined && /^\d+$/.test(field) ? Number(field) : undefined;
}

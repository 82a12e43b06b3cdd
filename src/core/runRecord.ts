// The run.json format: what a saved run (a "saved model") records, and how to read it defensively.
import { arrayOf, literal, metric, num, object, optional, recordOf, str, unknownValue, type Check } from './validate';

export const RUN_STATUSES = ['running', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface EpochRecord { epoch: number; loss: number; acc: number; valLoss: number; valAcc: number; lr: number; seconds: number }

export interface RunRecord {
  id: string;
  status: RunStatus;
  mode: string;
  backbone: string;
  dataset: string;
  classes: string[];
  engine: string;
  createdAt: string;
  updatedAt: string;
  /** The trainer's pid while running: lets a later start tell a live run from one whose trainer was killed. */
  pid?: number;
  config: Record<string, unknown>;
  history: EpochRecord[];
  best?: EpochRecord;
  timings: Record<string, number>;
  error?: string;
}

const epoch = object({ epoch: num, loss: metric, acc: metric, valLoss: metric, valAcc: metric, lr: num, seconds: num });

const runCheck: Check<RunRecord> = object({
  id: str,
  status: literal(...RUN_STATUSES),
  mode: str,
  backbone: str,
  dataset: str,
  classes: arrayOf(str),
  engine: str,
  createdAt: str,
  updatedAt: str,
  pid: optional(num),
  config: recordOf(unknownValue),
  history: arrayOf(epoch),
  best: optional(epoch),
  timings: recordOf(num),
  error: optional(str),
}) as Check<RunRecord>;

export function parseRunRecord(json: unknown): RunRecord {
  return runCheck(json, 'run.json');
}

/**
 * A run still marked `running` whose trainer is gone was killed: report it as failed (stale), never as complete.
 * `isAlive` is injected so this stays pure.
 */
export function effectiveStatus(run: RunRecord, isAlive: (pid: number) => boolean): RunStatus {
  if (run.status !== 'running') return run.status;
  return run.pid !== undefined && isAlive(run.pid) ? 'running' : 'failed';
}

// Owns one run folder, <runs>/<id>/: run.json is rewritten atomically at every change, and the status becomes
// `completed` only after the model files are in place, with each file's sha256 recorded so loading can tell a
// damaged file from a good one. A trainer killed mid-run leaves `running` with its pid and the pid's start
// time, which readers report as failed (stale) once that process is gone or the pid belongs to another.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { RUN_FILES } from '../../core/runFiles';
import { listRunsFolder, type ListedRun, type RunsReader, type UnreadableRun } from '../../core/runListing';
import {
  effectiveStatus, parseRunRecord, type EpochRecord, type RunRecord,
} from '../../core/runRecord';
import { writeJsonAtomic } from '../runtime/atomicFile';
import { fsError, type FsContext } from '../runtime/fsErrors';
import { BadInputError } from '../runtime/jobContext';
import { probeProcess, processStartTime } from '../runtime/processProbe';

/** The folders whose files a completed run records checksums for: everything a later job loads weights from. */
export const MODEL_FOLDERS = [RUN_FILES.model, RUN_FILES.head, RUN_FILES.checkpoint] as const;

const RUN_KEPT = 'the run is marked failed; the embedding cache is kept, so the next run does not compute it again';

export type RunInit = Pick<RunRecord, 'mode' | 'backbone' | 'dataset' | 'classes' | 'engine' | 'config'>;

function runId(mode: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${mode}-${Math.random().toString(36).slice(2, 6)}`;
}

export class RunWriter {
  private constructor(readonly dir: string, private record: RunRecord) {}

  static async create(runsDir: string, init: RunInit): Promise<RunWriter> {
    const now = new Date();
    const id = runId(init.mode, now);
    const dir = path.join(runsDir, id);
    try {
      await fs.mkdir(dir, { recursive: true });
    } catch (e) {
      // Named by the runs folder the user chose: on a read-only disk Node says ENOENT here, which fsError sees through.
      throw await fsError(e, { file: dir, folder: path.resolve(runsDir), doing: 'creating' });
    }
    const record: RunRecord = {
      ...init, id, status: 'running', pid: process.pid, createdAt: now.toISOString(), updatedAt: now.toISOString(),
      history: [], timings: {},
    };
    const pidStart = processStartTime(process.pid);
    if (pidStart !== undefined) record.pidStart = pidStart;
    const writer = new RunWriter(dir, record);
    await writer.flush();
    return writer;
  }

  get id(): string {
    return this.record.id;
  }

  get snapshot(): RunRecord {
    return structuredClone(this.record);
  }

  get modelDir(): string {
    return path.join(this.dir, RUN_FILES.model);
  }

  get checkpointDir(): string {
    return path.join(this.dir, RUN_FILES.checkpoint);
  }

  /** For a write into the run that fails: the runs folder the user chose, and what the failure leaves behind. */
  get writeContext(): Omit<FsContext, 'file'> {
    return { folder: path.dirname(this.dir), kept: RUN_KEPT };
  }

  async update(patch: Partial<Omit<RunRecord, 'id' | 'status'>>): Promise<void> {
    this.record = { ...this.record, ...patch };
    await this.flush();
  }

  async addEpoch(epoch: EpochRecord, isBest: boolean): Promise<void> {
    this.record.history.push(epoch);
    if (isBest) this.record.best = epoch;
    await this.flush();
  }

  async setFrozenEngine(engine: string): Promise<void> {
    this.record.frozenEngine = engine;
    await this.flush();
  }

  async setTiming(phase: string, seconds: number): Promise<void> {
    this.record.timings[phase] = Math.round(seconds * 1000) / 1000;
    await this.flush();
  }

  /** Call only once the model folders are complete on disk: their checksums are recorded with the status. */
  async complete(): Promise<void> {
    await fs.access(path.join(this.modelDir, 'model.json'));
    this.record.files = await hashRunFiles(this.dir);
    await this.finish('completed');
  }

  async fail(error: string): Promise<void> {
    await this.finish('failed', error);
  }

  async cancel(): Promise<void> {
    await this.finish('cancelled');
  }

  private async finish(status: RunRecord['status'], error?: string): Promise<void> {
    this.record = { ...this.record, status, ...(error ? { error } : {}) };
    delete this.record.pid;
    delete this.record.pidStart;
    await this.flush();
  }

  private async flush(): Promise<void> {
    this.record.updatedAt = new Date().toISOString();
    await writeJsonAtomic(path.join(this.dir, RUN_FILES.record), this.record, this.writeContext);
  }
}

/**
 * sha256 of every file in the run's model folders, keyed by its path in the run folder ('model/weights.bin').
 * The folders are flat: fileSystemSaver writes model.json and one weights.bin.
 */
export async function hashRunFiles(runDir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const folder of MODEL_FOLDERS) {
    const entries = await fs.readdir(path.join(runDir, folder), { withFileTypes: true }).catch(() => []);
    // Dot files are temp files of an atomic write, never part of the model.
    const names = entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name).sort();
    for (const name of names) {
      const bytes = await fs.readFile(path.join(runDir, folder, name));
      files[`${folder}/${name}`] = createHash('sha256').update(bytes).digest('hex');
    }
  }
  return files;
}

/** Checksums run.json recorded for the files of one model folder of a run. */
export interface RecordedFiles {
  runDir: string;
  /** sha256 by absolute path, for the files under this folder only. */
  sha256: Map<string, string>;
}

/**
 * What the run holding `folder` (its model/, head/ or checkpoint/) recorded about that folder's files: undefined
 * when the folder is not in a run, or the run has none (still running, or saved before checksums were
 * recorded: its files cannot be verified, and callers that can warn do).
 */
export async function recordedFiles(folder: string): Promise<RecordedFiles | undefined> {
  const runDir = path.dirname(path.resolve(folder));
  const name = path.basename(path.resolve(folder));
  if (!(MODEL_FOLDERS as readonly string[]).includes(name)) return undefined;
  let run: RunRecord;
  try {
    run = await readRun(runDir);
  } catch {
    return undefined; // not a run folder, or an unreadable run.json, which loading the run itself reports
  }
  if (!run.files) return undefined;
  const sha256 = new Map<string, string>();
  for (const [rel, sha] of Object.entries(run.files)) {
    if (rel.startsWith(`${name}/`)) sha256.set(path.join(runDir, ...rel.split('/')), sha);
  }
  return sha256.size ? { runDir, sha256 } : undefined;
}

const runsReader: RunsReader = {
  readdir: (d) => fs.readdir(d), readText: (f) => fs.readFile(f, 'utf8'), join: path.join,
};

/** The runs in a runs folder, as `transfer-lab runs` shows them (the extension lists through the same function). */
export function listRunDirs(runsDir: string): Promise<{ runs: ListedRun[]; unreadable: UnreadableRun[] }> {
  return listRunsFolder(runsReader, runsDir, probeProcess);
}

export async function readRun(dir: string): Promise<RunRecord> {
  return parseRunRecord(JSON.parse(await fs.readFile(path.join(dir, RUN_FILES.record), 'utf8')));
}

/**
 * A run that must be complete to be used (evaluate, predict, fine-tune, lr-find from a run): anything else is a
 * bad-input sentence naming run.json. A run left `running` by a trainer that is gone was killed before it finished:
 * it says so, not "running".
 */
export async function readCompletedRun(runDir: string, why: string): Promise<RunRecord> {
  const file = path.join(runDir, RUN_FILES.record);
  let run: RunRecord;
  try {
    run = await readRun(runDir);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR';
    throw new BadInputError(missing ? `${runDir} is not a run folder: it has no run.json.`
      : `Cannot read the run at ${runDir}: ${file} is damaged (${(e as Error).message}).`, file,
    'Pass a run folder, e.g. .transfer-lab/runs/<id>; `transfer-lab runs` lists them.');
  }
  const status = effectiveStatus(run, probeProcess);
  if (status !== 'completed') {
    const state = run.status === 'running' && status === 'failed'
      ? `did not finish: its trainer (pid ${run.pid ?? '?'}) was killed or crashed`
      : `is ${status}`;
    throw new BadInputError(`Run ${run.id} ${state}; ${why}.`, file,
      'Train it again, or pick a completed run (`transfer-lab runs` lists them).');
  }
  return run;
}

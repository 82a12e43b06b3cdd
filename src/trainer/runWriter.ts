// Owns one run folder, <runs>/<id>/: run.json is rewritten atomically at every change, and the status becomes
// `completed` only after the model files are in place. A trainer killed mid-run leaves `running` with its pid,
// which readers report as failed (stale).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { effectiveStatus, parseRunRecord, type EpochRecord, type RunRecord } from '../core/runRecord';
import { writeJsonAtomic } from './atomicFile';

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
    await fs.mkdir(dir, { recursive: true });
    const record: RunRecord = {
      ...init, id, status: 'running', pid: process.pid, createdAt: now.toISOString(), updatedAt: now.toISOString(), history: [], timings: {},
    };
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
    return path.join(this.dir, 'model');
  }

  get checkpointDir(): string {
    return path.join(this.dir, 'checkpoint');
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

  async setTiming(phase: string, seconds: number): Promise<void> {
    this.record.timings[phase] = Math.round(seconds * 1000) / 1000;
    await this.flush();
  }

  /** Call only once the model folder is complete on disk. */
  async complete(): Promise<void> {
    await fs.access(path.join(this.modelDir, 'model.json'));
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
    await this.flush();
  }

  private async flush(): Promise<void> {
    this.record.updatedAt = new Date().toISOString();
    await writeJsonAtomic(path.join(this.dir, 'run.json'), this.record);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface ListedRun { dir: string; record: RunRecord; status: RunRecord['status'] }

export async function listRunDirs(runsDir: string): Promise<{ runs: ListedRun[]; unreadable: { dir: string; reason: string }[] }> {
  const runs: ListedRun[] = [];
  const unreadable: { dir: string; reason: string }[] = [];
  let ids: string[] = [];
  try {
    ids = await fs.readdir(runsDir);
  } catch {
    return { runs, unreadable };
  }
  for (const id of ids.sort()) {
    const dir = path.join(runsDir, id);
    try {
      const record = parseRunRecord(JSON.parse(await fs.readFile(path.join(dir, 'run.json'), 'utf8')));
      runs.push({ dir, record, status: effectiveStatus(record, isAlive) });
    } catch (e) {
      unreadable.push({ dir, reason: (e as Error).message });
    }
  }
  return { runs, unreadable };
}

export async function readRun(dir: string): Promise<RunRecord> {
  return parseRunRecord(JSON.parse(await fs.readFile(path.join(dir, 'run.json'), 'utf8')));
}

// "Open in Dashboard" for a saved run: the events the dashboard would have seen, rebuilt from the run's files
// (run.json's epochs, layers.json, and the grids and evaluation the jobs kept under dashboard/).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { effectiveStatus, parseRunRecord } from '../core/runRecord';
import { parseTrainerMessage, withVersion, type LayerRow, type TrainerEvent } from '../core/protocol';
import { isAlive } from './runStore';

const SAVED_EVENTS = ['predictions-val', 'predictions-test', 'evaluation'];

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export interface RunReplay { title: string; events: TrainerEvent[]; problems: string[] }

export async function runReplay(runDir: string): Promise<RunReplay> {
  const problems: string[] = [];
  const run = parseRunRecord(await readJson(path.join(runDir, 'run.json')));
  const events: TrainerEvent[] = [{ type: 'engine', engine: run.engine, version: '', slowPath: false, note: 'saved run' }];
  for (const e of run.history) events.push({ type: 'epoch', stage: run.mode, ...e });
  const layers = await readJson(path.join(runDir, 'layers.json'));
  if (Array.isArray(layers)) events.push({ type: 'layers', layers: layers as LayerRow[], runDir });
  for (const name of SAVED_EVENTS) {
    const file = path.join(runDir, 'dashboard', `${name}.json`);
    const raw = await readJson(file);
    if (raw === undefined) continue;
    const event = parseTrainerMessage(withVersion(raw as object));
    if (event.ok) events.push(stripVersion(event.value) as TrainerEvent);
    else problems.push(`${file}: ${event.error}`);
  }
  const state = effectiveStatus(run, isAlive);
  const status = state === 'completed' ? '' : ` (${state})`;
  return { title: `${run.id}: ${run.mode}, ${run.backbone}${status}`, events, problems };
}

function stripVersion<T extends { v: number }>(message: T): Omit<T, 'v'> {
  const rest: Partial<T> = { ...message };
  delete rest.v;
  return rest as Omit<T, 'v'>;
}

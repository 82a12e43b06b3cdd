// "Open in Dashboard" for a saved run: the events the dashboard would have seen, rebuilt from the run's files
// (run.json's epochs, layers.json, and the grids and evaluation the jobs kept under dashboard/).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { RUN_FILES } from '../core/runFiles';
import { effectiveStatus, parseRunRecord } from '../core/runRecord';
import { parseLayerTable, parseTrainerMessage, withVersion, type LayerRow, type TrainerEvent } from '../core/protocol';
import { probeProcess } from './processProbe';

const SAVED_EVENTS = ['predictions-val', 'predictions-test', 'evaluation'];

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export interface RunReplay { title: string; events: TrainerEvent[]; problems: string[] }

/**
 * A run's layers.json: the rows, none when the run has no such file (a graph backbone's, or an older run), or a
 * problem naming the file when it is not valid JSON or not a layer table. Shared by the replay and the fine-tune
 * picker, which both used to cast it unchecked.
 */
export async function readLayerTable(runDir: string): Promise<{ layers?: LayerRow[]; problem?: string }> {
  const file = path.join(runDir, RUN_FILES.layers);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return { problem: `${file} cannot be read: ${(e as Error).message}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { problem: `${file} is not valid JSON (${(e as Error).message}); train the run again to rewrite it.` };
  }
  const parsed = parseLayerTable(raw, file);
  return parsed.ok ? { layers: parsed.value }
    : { problem: `${file} is not a layer table (${parsed.error}); train the run again to rewrite it.` };
}

export async function runReplay(runDir: string): Promise<RunReplay> {
  const problems: string[] = [];
  const run = parseRunRecord(await readJson(path.join(runDir, RUN_FILES.record)));
  const events: TrainerEvent[] = [
    { type: 'engine', engine: run.engine, version: '', slowPath: false, note: 'saved run' },
  ];
  for (const e of run.history) events.push({ type: 'epoch', stage: run.mode, ...e });
  const { layers, problem } = await readLayerTable(runDir);
  if (layers) events.push({ type: 'layers', layers, runDir });
  if (problem) problems.push(problem);
  for (const name of SAVED_EVENTS) {
    const file = path.join(runDir, RUN_FILES.dashboard, `${name}.json`);
    const raw = await readJson(file);
    if (raw === undefined) continue;
    const event = parseTrainerMessage(withVersion(raw as object));
    if (event.ok) events.push(stripVersion(event.value) as TrainerEvent);
    else problems.push(`${file}: ${event.error}`);
  }
  const state = effectiveStatus(run, probeProcess);
  const status = state === 'completed' ? '' : ` (${state})`;
  return { title: `${run.id}: ${run.mode}, ${run.backbone}${status}`, events, problems };
}

function stripVersion<T extends { v: number }>(message: T): Omit<T, 'v'> {
  const rest: Partial<T> = { ...message };
  delete rest.v;
  return rest as Omit<T, 'v'>;
}

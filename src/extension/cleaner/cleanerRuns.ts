// What the cleaner reads of a saved run: the prepared dataset its tiles came from, and the settings a Retrain repeats.
// Read on the host from run.json (the webview never sees the file system).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { retrainConfig } from '../../core/cleanerRetrain';
import { RUN_FILES } from '../../core/runFiles';
import { parseRunRecord, type RunRecord } from '../../core/runRecord';

async function readRun(runDir: string): Promise<RunRecord> {
  const file = path.join(runDir, RUN_FILES.record);
  try {
    return parseRunRecord(JSON.parse(await fs.readFile(file, 'utf8')));
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/** The prepared folder a run trained on (run.json's `dataset`, absolute). */
export async function runDataset(runDir: string): Promise<string> {
  return (await readRun(runDir)).dataset;
}

/** The train config that retrains `dataset` with the run's settings; a fine-tune's backbone is its source run's. */
export async function retrainConfigOf(runDir: string, dataset: string) {
  const run = await readRun(runDir);
  const from = run.config.mode === 'fine-tune' && typeof run.config.from === 'string' ? run.config.from : undefined;
  const source = from ? (await readRun(from)).config : undefined;
  return retrainConfig(dataset, run.config, source, path.join(runDir, RUN_FILES.record));
}

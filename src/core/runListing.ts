// Listing a runs folder (<runs>/<id>/run.json): the CLI's `runs` and the extension's Saved Models tree both list
// through this, each with its own file system and process probe, so a run reads the same in both. An unreadable
// run is collected with its reason, never thrown: one broken file must not hide the others.
import { RUN_FILES } from './runFiles';
import { effectiveStatus, parseRunRecord, type ProcessProbe, type RunRecord, type RunStatus } from './runRecord';

/** What listing needs from a file system; node's fs/promises with path.join is one. */
export interface RunsReader {
  /** The names in a folder; rejects when it cannot be read (then the folder holds no runs). */
  readdir(dir: string): Promise<string[]>;
  readText(file: string): Promise<string>;
  join(dir: string, name: string): string;
}

export interface ListedRun {
  dir: string;
  record: RunRecord;
  /** What the run is now: a `running` run whose trainer is gone reads as failed (see effectiveStatus). */
  status: RunStatus;
}

export interface UnreadableRun { dir: string; reason: string }

/** The runs in `runsDir` by folder name (ids start with their creation time), and the ones that could not be read. */
export async function listRunsFolder(
  reader: RunsReader, runsDir: string, probe: (pid: number) => boolean | ProcessProbe,
): Promise<{ runs: ListedRun[]; unreadable: UnreadableRun[] }> {
  const runs: ListedRun[] = [];
  const unreadable: UnreadableRun[] = [];
  let ids: string[];
  try {
    ids = await reader.readdir(runsDir);
  } catch {
    return { runs, unreadable };
  }
  for (const id of [...ids].sort()) {
    const dir = reader.join(runsDir, id);
    try {
      const record = parseRunRecord(JSON.parse(await reader.readText(reader.join(dir, RUN_FILES.record))));
      runs.push({ dir, record, status: effectiveStatus(record, probe) });
    } catch (e) {
      unreadable.push({ dir, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return { runs, unreadable };
}

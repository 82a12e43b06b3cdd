// The `relabel` job: the data cleaner's engine. It records exclusions and new labels as overrides in the prepared
// folder's dataset.json (overridesStore.ts: locked, journaled, atomic) and reports what the next training run will
// see. No image is moved, renamed, rewritten or deleted; training reads the files through the overrides, and the
// embedding cache, keyed by content, still holds every vector, so a retrain after cleaning costs only the head's fit.
import * as path from 'node:path';
import type { DatasetManifest } from '../../core/datasetManifest';
import { applyOverrides, countsAfterOverrides, planChanges, type CleanerChange } from '../../core/datasetOverrides';
import type { RelabelConfig, RelabelResult } from '../../core/jobs/relabel';
import { log, type JobContext } from '../runtime/jobContext';
import { lockOutput } from '../prepare/prepareLock';
import { readPreparedManifest, recoverOverrides, writeOverrides } from '../prepare/overridesStore';

export async function relabelJob(c: RelabelConfig, ctx: JobContext): Promise<RelabelResult> {
  const dir = path.resolve(c.dataset);
  // Read once before the lock: a folder that is not a prepared dataset is refused without leaving a lock file in it.
  await readPreparedManifest(dir);
  const lock = await lockOutput(dir);
  try {
    const recovery = await recoverOverrides(dir, await readPreparedManifest(dir), (m) => log(ctx, m, 'warn'));
    if (recovery.recovered) log(ctx, `finished an interrupted cleaner change in ${dir}`, 'warn');
    let manifest = recovery.manifest;
    const changes = c.changes.map((x) => ({ ...x, file: manifestPathOf(x.file, dir, manifest) }));
    const plan = planChanges(manifest, changes, new Date().toISOString());
    for (const r of plan.refused) log(ctx, `not changed: ${r.reason}`, 'warn');
    const changed = plan.applied.length + plan.undone.length > 0;
    if (changed) manifest = await writeOverrides(dir, manifest, plan.overrides);
    return resultOf(dir, manifest, plan, changed, recovery.recovered);
  } finally {
    await lock.release();
  }
}

function resultOf(
  dir: string, manifest: DatasetManifest, plan: ReturnType<typeof planChanges>, changed: boolean, recovered: boolean,
): RelabelResult {
  const now = applyOverrides(manifest.files, manifest.overrides ?? [], manifest.classes);
  return {
    dataset: dir, applied: plan.applied, undone: plan.undone, refused: plan.refused,
    overrides: manifest.overrides ?? [], excluded: now.excluded, relabelled: now.relabelled,
    counts: countsAfterOverrides(manifest), changed, recovered,
  };
}

/**
 * A file as dataset.json names it. The dashboard and `evaluate --json` give absolute paths inside the prepared folder
 * (top losses, prediction grids); a path of an original (its `source`) names the file placed from it.
 */
function manifestPathOf(file: CleanerChange['file'], dir: string, manifest: DatasetManifest): string {
  if (!path.isAbsolute(file)) return file.split(path.sep).join('/').replace(/^\.\//, '');
  const abs = path.resolve(file);
  const rel = path.relative(dir, abs);
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  return manifest.files.find((f) => path.resolve(f.source) === abs)?.path ?? file;
}

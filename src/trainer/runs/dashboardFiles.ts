// The dashboard events a job saves into its run, so "Open in Dashboard" can show a finished run's grids and
// evaluation again without recomputing them. Images in them are cached thumbnails, made here with sharp.
import * as path from 'node:path';
import type { GridItem, TopLossItem, TrainerEvent } from '../../core/protocol';
import { RUN_FILES } from '../../core/runFiles';
import { writeJsonAtomic } from '../runtime/atomicFile';
import type { JobContext } from '../runtime/jobContext';
import { thumbnailsOf } from '../images/thumbnails';

export async function withThumbnails<T extends GridItem | TopLossItem>(
  items: readonly T[],
  thumbnailDir: string | undefined,
): Promise<T[]> {
  const thumbs = await thumbnailsOf(
    items.map((i) => i.file),
    thumbnailDir,
  );
  return items.map((item, i) => (thumbs[i] ? { ...item, thumbnail: thumbs[i] } : item));
}

/** Emits the event live and keeps it as <run>/dashboard/<name>.json. */
export async function emitAndSave(ctx: JobContext, runDir: string, name: string, event: TrainerEvent): Promise<void> {
  ctx.emit(event);
  await writeJsonAtomic(path.join(runDir, RUN_FILES.dashboard, `${name}.json`), event);
}

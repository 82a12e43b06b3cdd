// Small JPEG copies of images for the dashboard: the webview never loads a full-size original. Thumbnails are cached
// by the original's path, size and mtime, so a changed image gets a new one and an unchanged one is made once.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import { RUN_FILES } from '../../core/runFiles';
import { writeFileAtomic } from '../runtime/atomicFile';

export const THUMBNAIL_SIZE = 160;

/**
 * Where a job caches thumbnails: the extension names a workspace cache; otherwise a run keeps its own (deleting the
 * run deletes them). With neither (a CLI prepare, a dry run), no thumbnails are made: nothing would show them.
 */
export function thumbnailDirOf(config: { thumbnailDir?: unknown }, runDir?: string): string | undefined {
  if (typeof config.thumbnailDir === 'string') return path.resolve(config.thumbnailDir);
  return runDir ? path.join(runDir, RUN_FILES.thumbnails) : undefined;
}

/** The thumbnail's path, made if needed; undefined when the image cannot be read (the grid then shows its name). */
export async function thumbnailOf(file: string, dir: string, size = THUMBNAIL_SIZE): Promise<string | undefined> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile()) return undefined;
  const key = createHash('sha1')
    .update(`${path.resolve(file)}\u0000${stat.size}\u0000${stat.mtimeMs}\u0000${size}`)
    .digest('hex');
  const out = path.join(dir, key.slice(0, 2), `${key}.jpg`);
  if (await fs.access(out).then(() => true, () => false)) return out;
  try {
    const jpeg = await sharp(file, { failOn: 'error' })
      .rotate()
      .resize(size, size, { fit: 'inside' })
      .jpeg({ quality: 80 })
      .toBuffer();
    await writeFileAtomic(out, jpeg);
    return out;
  } catch {
    return undefined;
  }
}

/** Thumbnails for many files, a few at a time (sharp has its own thread pool; this just bounds open files). */
export async function thumbnailsOf(
  files: readonly string[],
  dir: string | undefined,
  size = THUMBNAIL_SIZE,
): Promise<(string | undefined)[]> {
  const out: (string | undefined)[] = new Array(files.length);
  if (!dir) return out;
  for (let i = 0; i < files.length; i += 8) {
    const batch = await Promise.all(files.slice(i, i + 8).map((f) => thumbnailOf(f, dir, size)));
    batch.forEach((t, j) => (out[i + j] = t));
  }
  return out;
}

// Writes a file so that readers see either the old content or the new, never a torn write: temp file in the
// same folder (same filesystem), fsync, then rename.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fsError, type FsContext } from './fsErrors';

/**
 * `tmp` lets a caller name the temp file where its own cleanup (such as a journal) will recognise it. A failure names
 * `file` (never the temp name, nor just "write", which is all Node says for a descriptor) and leaves no temp behind:
 * on a full disk a half-written temp would hold the space the user is asked to free.
 */
export async function writeFileAtomic(
  file: string, data: string | Uint8Array, tmp = tempNameFor(file), at: Omit<FsContext, 'file'> = {},
): Promise<void> {
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
  } catch (e) {
    throw await fsError(e, { ...at, file });
  }
  let opened = false;
  try {
    const handle = await fs.open(tmp, 'w');
    opened = true;
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    if (opened) await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw await fsError(e, { ...at, file });
  }
}

/**
 * A temp name beside `file` that always fits the disk's 255-byte limit: the name itself while it is short (a stray is
 * then easy to place), else a hash of it, since `.<name>.<pid>.<time>.tmp` overflows for a name already near 255.
 */
export function tempNameFor(file: string): string {
  const name = path.basename(file);
  const shown = Buffer.byteLength(name) <= 100 ? name : createHash('sha1').update(name).digest('hex').slice(0, 16);
  return path.join(path.dirname(file), `.${shown}.${process.pid}.${Date.now()}.tmp`);
}

export async function writeJsonAtomic(file: string, value: unknown, at: Omit<FsContext, 'file'> = {}): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', undefined, at);
}

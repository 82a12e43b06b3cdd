// Writes a file so that readers see either the old content or the new, never a torn write: temp file in the
// same folder (same filesystem), fsync, then rename.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** `tmp` lets a caller name the temp file where its own cleanup (such as a journal) will recognise it. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, tmp = tempNameFor(file)): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

// The images an explain job was given: files and folders (searched recursively, links followed, dotfiles and OS
// droppings left out), each image once, in the order given and by name within a folder. What cannot be used is a
// skipped entry with its reason; the rest goes on.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { extensionOf, isIgnoredName, isImageName } from '../../core/imageNames';
import type { SkippedFile } from '../../core/jobs/fields';

export interface ImageInputs { files: string[]; skipped: SkippedFile[] }

const reasonOf = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read: permission denied';
  if (code === 'ELOOP') return 'a symlink loop';
  return `cannot be read (${code ?? (e as Error).message})`;
};

export async function imageInputs(given: readonly string[]): Promise<ImageInputs> {
  const files: string[] = [], skipped: SkippedFile[] = [];
  const seen = new Set<string>(), listed = new Set<string>();
  const add = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    files.push(file);
  };
  const visit = async (p: string): Promise<void> => {
    const stat = await fs.stat(p).catch((e: unknown) => e as Error);
    if (stat instanceof Error) return void skipped.push({ file: p, reason: reasonOf(stat) });
    if (stat.isDirectory()) {
      const real = await fs.realpath(p);
      if (listed.has(real)) return;
      listed.add(real);
      const names = await fs.readdir(p).catch((e: unknown) => e as Error);
      if (names instanceof Error) return void skipped.push({ file: p, reason: `a folder that ${reasonOf(names)}` });
      for (const name of names.sort()) if (!isIgnoredName(name)) await visit(path.join(p, name));
    } else if (!stat.isFile()) {
      skipped.push({ file: p, reason: 'not a regular file' });
    } else if (isImageName(p)) {
      add(p);
    } else {
      // As predict does: a file that is left out is named, so nothing vanishes without a word.
      skipped.push({ file: p, reason: `not an image (${extensionOf(path.basename(p)) || 'no extension'})` });
    }
  };
  for (const p of given) await visit(path.resolve(p));
  return { files, skipped };
}

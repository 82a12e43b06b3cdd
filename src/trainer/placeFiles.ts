// Makes the output folder match a manifest, safely: each file is linked or copied to a temporary name and renamed,
// every step is journaled first, and the manifest is written last. A run killed at any point is finished by the next;
// Undo removes exactly what the manifest and journal say this tool created, and never follows a link to an original.
import * as fs from 'node:fs/promises';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import {
  MANIFEST_FILE, manifestJson, parseManifest, type DatasetManifest, type ManifestFile, type Placement,
} from '../core/datasetManifest';
import {
  dirsDeepestFirst, emptyOwned, JOURNAL_FILE, journalLine, journalSnapshot, ownedFromManifest, parentDirs, PARTIAL_SUFFIX,
  reconcile, replayJournal, SCAN_CACHE_FILE, unneededDirs, type JournalEntry, type Owned,
} from '../core/prepareJournal';
import type { UndoResult } from '../core/preparePreview';
import { CancelledError } from './jobContext';
import { writeFileAtomic } from './atomicFile';

export class PrepareError extends Error {
  constructor(readonly code: string, message: string, readonly hint?: string, readonly file?: string) {
    super(message);
  }
}

export interface ApplyOutcome {
  changed: boolean;
  manifest: DatasetManifest;
  placed: Record<Placement, number>;
  removed: number;
}

interface OutputState {
  exists: boolean;
  /** Entries in the output folder, other than this tool's own bookkeeping files. */
  foreign: string[];
  manifestText?: string;
  manifest?: DatasetManifest;
  journalText?: string;
}

const BOOKKEEPING = new Set([MANIFEST_FILE, JOURNAL_FILE, SCAN_CACHE_FILE].flatMap((n) => [n, n + PARTIAL_SUFFIX]));
// Hard links are impossible across file systems (EXDEV), on some (FAT, some network shares: EPERM, ENOTSUP), and
// when a file already has the maximum number of links (EMLINK); a copy is the safe answer to each.
const LINK_FALLBACK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS']);

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function readOutput(out: string): Promise<OutputState> {
  let names: string[];
  try {
    names = await fs.readdir(out);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, foreign: [] };
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new PrepareError('bad-input', `The output path ${out} is a file, not a folder.`, 'Choose another output folder.');
    throw e;
  }
  const manifestText = await readIfExists(path.join(out, MANIFEST_FILE));
  const journalText = await readIfExists(path.join(out, JOURNAL_FILE));
  let manifest: DatasetManifest | undefined;
  if (manifestText !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(manifestText);
    } catch (e) {
      raw = e;
    }
    const parsed = parseManifest(raw);
    if (!parsed.ok) {
      throw new PrepareError('bad-input', `${path.join(out, MANIFEST_FILE)} is not a valid Prepare Dataset manifest: ${parsed.error}`,
        'Move that folder away or choose another output folder; Transfer Lab will not overwrite what it cannot account for.');
    }
    manifest = parsed.value;
  }
  return { exists: true, foreign: names.filter((n) => !BOOKKEEPING.has(n)), manifestText, manifest, journalText };
}

function owned(state: OutputState): Owned {
  const o = emptyOwned();
  if (state.manifest) ownedFromManifest(state.manifest, o);
  if (state.journalText !== undefined) replayJournal(state.journalText, o);
  return o;
}

/** Resolves a manifest path inside the output folder, refusing anything that would escape it. */
function inside(out: string, rel: string): string {
  const abs = path.resolve(out, ...rel.split('/'));
  if (rel !== '.' && !abs.startsWith(path.resolve(out) + path.sep)) throw new PrepareError('bad-input', `Refusing to touch ${abs}: it is outside ${out}.`);
  return abs;
}

/** Planned files already on disk in the planned form, checked by what is cheap and telling: size, link target, inode. */
async function presentFiles(out: string, files: readonly ManifestFile[], placement: Placement): Promise<Set<string>> {
  const present = new Set<string>();
  for (const f of files) {
    try {
      const dest = inside(out, f.path);
      const st = await fs.lstat(dest);
      if (placement === 'symlink') {
        if (st.isSymbolicLink() && (await fs.readlink(dest)) === f.source) present.add(f.path);
        continue;
      }
      if (!st.isFile() || st.size !== f.bytes) continue;
      if (placement === 'copy' && st.ino === (await fs.stat(f.source)).ino) continue;
      present.add(f.path);
    } catch {
      // Missing or unreadable: it will be placed again.
    }
  }
  return present;
}

class Journal {
  private fd: number | undefined;
  constructor(private readonly file: string) {}

  /** A fresh journal with everything owned so far, in place before anything else changes. */
  async start(snapshot: string): Promise<void> {
    const tmp = this.file + PARTIAL_SUFFIX;
    await fs.writeFile(tmp, snapshot);
    await fs.rename(tmp, this.file);
    this.fd = openSync(this.file, 'a');
  }

  // A plain write, no fsync: what a killed process wrote is already in the kernel; only a power cut could lose it,
  // and then the next run still finds the files, checks them and places them again.
  append(entry: JournalEntry): void {
    if (this.fd === undefined) throw new Error('journal not started');
    writeSync(this.fd, journalLine(entry));
  }

  async finish(): Promise<void> {
    this.close();
    await fs.rm(this.file, { force: true });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

const writeAtomic = (file: string, text: string) => writeFileAtomic(file, text, file + PARTIAL_SUFFIX);

export interface ApplyOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /**
   * The scan cache to keep beside the manifest. It is written before any file is placed, so a run killed while
   * placing does not have to decode every image again.
   */
  scanCache?: string;
}

async function writeScanCache(out: string, text: string | undefined): Promise<void> {
  if (text === undefined) return;
  const file = path.join(out, SCAN_CACHE_FILE);
  if ((await readIfExists(file)) === text) return;
  await fs.writeFile(file + PARTIAL_SUFFIX, text);
  await fs.rename(file + PARTIAL_SUFFIX, file);
}

/** Brings the output folder in line with `draft` (its createdDirs are filled in here) and writes the manifest last. */
export async function applyManifest(draft: DatasetManifest, opts: ApplyOptions = {}): Promise<ApplyOutcome> {
  const out = draft.output;
  const state = await readOutput(out);
  if (state.manifest && path.resolve(state.manifest.source) !== path.resolve(draft.source)) {
    throw new PrepareError('bad-input', `${out} was prepared from another folder (${state.manifest.source}).`,
      'Choose another output folder (--out), or undo that one first.');
  }
  if (state.exists && !state.manifest && state.journalText === undefined && state.foreign.length) {
    throw new PrepareError('bad-input', `The output folder ${out} already exists and was not made by Prepare Dataset (it holds ${state.foreign.slice(0, 3).join(', ')}${state.foreign.length > 3 ? ', …' : ''}).`,
      'Choose a new or empty output folder (--out); existing files are never overwritten.');
  }
  const mine = owned(state);
  const placementChanged = state.manifest !== undefined && state.manifest.settings.placement !== draft.settings.placement;
  const present = placementChanged ? new Set<string>() : await presentFiles(out, draft.files, draft.settings.placement);
  const plan = reconcile(draft.files, mine, present);
  const staleDirs = unneededDirs(mine.dirs, draft.files);
  const placed: Record<Placement, number> = { link: 0, copy: 0, symlink: 0 };
  const finalManifest = (dirs: Iterable<string>): DatasetManifest => ({ ...draft, createdDirs: [...dirs].sort() });

  if (state.manifestText !== undefined && state.journalText === undefined && !plan.remove.length && !plan.place.length &&
    !staleDirs.length && state.manifestText === manifestJson(finalManifest(mine.dirs))) {
    await writeScanCache(out, opts.scanCache);
    return { changed: false, manifest: finalManifest(mine.dirs), placed, removed: 0 };
  }

  if (!state.exists) {
    await fs.mkdir(out, { recursive: true });
    mine.dirs.add('.');
  }
  const journal = new Journal(path.join(out, JOURNAL_FILE));
  await journal.start(journalSnapshot(mine, draft.source));
  try {
    // From here on the journal is the record; a manifest left in place would claim a state that no longer holds.
    await fs.rm(path.join(out, MANIFEST_FILE), { force: true });
    await writeScanCache(out, opts.scanCache);
    const total = plan.remove.length + plan.place.length;
    let done = 0;
    for (const rel of plan.remove) {
      if (opts.signal?.aborted) throw new CancelledError();
      await fs.rm(inside(out, rel), { force: true });
      journal.append({ t: 'removed', path: rel });
      opts.onProgress?.(++done, total);
    }
    for (const rel of staleDirs) {
      try {
        await fs.rmdir(inside(out, rel));
        mine.dirs.delete(rel);
      } catch {
        // Not empty (someone put files there) or already gone: leave it.
      }
    }
    const knownDirs = new Set<string>();
    const linkState = { noLinks: false };
    for (const file of plan.place) {
      if (opts.signal?.aborted) throw new CancelledError();
      for (const dir of parentDirs(file.path)) {
        if (knownDirs.has(dir)) continue;
        const abs = inside(out, dir);
        if (!(await isDir(abs))) {
          journal.append({ t: 'dir', path: dir });
          await fs.mkdir(abs);
          mine.dirs.add(dir);
        }
        knownDirs.add(dir);
      }
      placed[await placeOne(file.source, inside(out, file.path), draft.settings.placement, linkState)]++;
      journal.append({ t: 'file', path: file.path, sha256: file.sha256 });
      opts.onProgress?.(++done, total);
    }
    const manifest = finalManifest(mine.dirs);
    await writeAtomic(path.join(out, MANIFEST_FILE), manifestJson(manifest));
    await journal.finish();
    return { changed: true, manifest, placed, removed: plan.remove.length };
  } finally {
    journal.close();
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * One file, never written in place: the destination may be a hard link to an original, and writing into it would
 * change the original. A new temporary name is filled, then renamed over the destination.
 */
async function placeOne(source: string, dest: string, placement: Placement, state: { noLinks: boolean }): Promise<Placement> {
  const tmp = dest + PARTIAL_SUFFIX;
  await fs.rm(tmp, { force: true });
  let how: Placement = placement;
  if (placement === 'symlink') await fs.symlink(source, tmp);
  else if (placement === 'link' && !state.noLinks) {
    try {
      await fs.link(source, tmp);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (!LINK_FALLBACK.has(code)) throw e;
      // A different disk stays different: stop trying for the rest of the run.
      if (code === 'EXDEV') state.noLinks = true;
      how = 'copy';
    }
  } else how = 'copy';
  if (how === 'copy') await fs.copyFile(source, tmp, constants.COPYFILE_EXCL);
  await fs.rename(tmp, dest);
  // rename() between two links to the same inode succeeds without doing anything (POSIX), leaving the temp name.
  if (how === 'link') await fs.rm(tmp, { force: true });
  return how;
}

/** Removes what this tool created in `out` (per manifest and journal), then the folders it made, if empty. */
export async function undoPrepare(out: string, expectedSource?: string): Promise<UndoResult> {
  const state = await readOutput(out);
  if (!state.manifest && state.journalText === undefined) {
    throw new PrepareError('bad-input', `Nothing to undo: ${out} has no ${MANIFEST_FILE} or journal from Prepare Dataset.`,
      'Pass the same source folder (and --out) that you prepared.');
  }
  const mine = owned(state);
  if (expectedSource && mine.source && path.resolve(mine.source) !== path.resolve(expectedSource)) {
    throw new PrepareError('bad-input', `${out} was prepared from ${mine.source}, not from ${expectedSource}.`, 'Check the source folder and --out.');
  }
  const journal = new Journal(path.join(out, JOURNAL_FILE));
  await journal.start(journalSnapshot(mine, mine.source ?? ''));
  let removedFiles = 0;
  try {
    await fs.rm(path.join(out, MANIFEST_FILE), { force: true });
    for (const rel of [...mine.files.keys()].sort()) {
      const dest = inside(out, rel);
      // unlink removes the name only: for a hard link or symbolic link the original stays untouched.
      try {
        await fs.unlink(dest);
        removedFiles++;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      await fs.rm(dest + PARTIAL_SUFFIX, { force: true });
      journal.append({ t: 'removed', path: rel });
    }
    for (const name of [SCAN_CACHE_FILE, SCAN_CACHE_FILE + PARTIAL_SUFFIX, MANIFEST_FILE + PARTIAL_SUFFIX]) await fs.rm(path.join(out, name), { force: true });
    await journal.finish();
  } finally {
    journal.close();
  }
  let removedDirs = 0;
  const keptDirs: string[] = [];
  for (const rel of dirsDeepestFirst(mine.dirs)) {
    try {
      await fs.rmdir(inside(out, rel));
      removedDirs++;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') keptDirs.push(rel);
      else if (code !== 'ENOENT') throw e;
    }
  }
  return { undo: true, output: out, removedFiles, removedDirs, keptDirs };
}

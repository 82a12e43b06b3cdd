// Makes the output folder match a manifest, safely: each file is linked or copied to a temporary name and renamed,
// every step is journaled first, and the manifest is written last. A run killed at any point is finished by the next;
// Undo removes exactly what the manifest and journal say this tool created, and never follows a link to an original.
// Both hold the output folder's lock (prepareLock.ts) throughout, and every file-system error names the file or folder
// it concerns (fsErrors.ts).
import * as fs from 'node:fs/promises';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import {
  MANIFEST_FILE, manifestJson, parseManifestText, type DatasetManifest, type ManifestFile, type Placement,
} from '../../core/datasetManifest';
import {
  dirsDeepestFirst, emptyOwned, JOURNAL_FILE, journalLine, journalSnapshot, LOCK_FILE, ownedFromManifest, parentDirs,
  PARTIAL_SUFFIX, PLACING_TEMP, reconcile, replayJournal, SCAN_CACHE_FILE, unneededDirs, type JournalEntry, type Owned,
} from '../../core/prepareJournal';
import type { UndoResult } from '../../core/jobs/prepare';
import { carryOverrides, OVERRIDES_JOURNAL_FILE, type RefusedChange } from '../../core/datasetOverrides';
import { CancelledError } from '../runtime/jobContext';
import { writeFileAtomic } from '../runtime/atomicFile';
import { errnoOf, fsError, fsErrorSync, type FsContext } from '../runtime/fsErrors';
import { lockOutput, STALE_SUFFIX } from './prepareLock';

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
  /** The cleaner's overrides the new manifest could not keep (their files are gone or moved to another split). */
  droppedOverrides: RefusedChange[];
}

interface OutputState {
  exists: boolean;
  /** Entries in the output folder, other than this tool's own bookkeeping files. */
  foreign: string[];
  manifestText?: string;
  manifest?: DatasetManifest;
  journalText?: string;
}

const BOOKKEEPING = new Set([MANIFEST_FILE, JOURNAL_FILE, SCAN_CACHE_FILE, LOCK_FILE, OVERRIDES_JOURNAL_FILE]
  .flatMap((n) => [n, n + PARTIAL_SUFFIX]));
/** This tool's own files in the output folder, a lock renamed aside while being taken over included. */
const isBookkeeping = (name: string) =>
  BOOKKEEPING.has(name) || (name.startsWith(`${LOCK_FILE}.`) && name.endsWith(STALE_SUFFIX));
/** Said after "free some space and run again" when placing fails: nothing is lost, the next run goes on from here. */
const PLACED_KEPT = 'the files placed so far are kept, and the next prepare finishes from them';
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
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR')
      throw new PrepareError(
        'bad-input',
        `The output path ${out} is a file, not a folder.`,
        'Choose another output folder.',
      );
    throw e;
  }
  const manifestText = await readIfExists(path.join(out, MANIFEST_FILE));
  const journalText = await readIfExists(path.join(out, JOURNAL_FILE));
  let manifest: DatasetManifest | undefined;
  if (manifestText !== undefined) {
    const parsed = parseManifestText(manifestText);
    if (!parsed.ok) {
      throw new PrepareError(
        'bad-input',
        `${path.join(out, MANIFEST_FILE)} is not a valid Prepare Dataset manifest: ${parsed.error}`,
        'Move that folder away or choose another output folder; Transfer Lab will not overwrite what it cannot account for.',
      );
    }
    manifest = parsed.value;
  }
  return { exists: true, foreign: names.filter((n) => !isBookkeeping(n)), manifestText, manifest, journalText };
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
  if (rel !== '.' && !abs.startsWith(path.resolve(out) + path.sep))
    throw new PrepareError('bad-input', `Refusing to touch ${abs}: it is outside ${out}.`);
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
        if (st.isSymbolicLink() && (await fs.readlink(dest)) === (await fs.realpath(f.source))) present.add(f.path);
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
  private readonly file: string;
  /** The journal is this tool's own file: a failure to write it names the output folder. */
  private readonly at: FsContext;
  constructor(out: string) {
    this.file = path.join(out, JOURNAL_FILE);
    this.at = { file: this.file, folder: out, internal: true, kept: PLACED_KEPT };
  }

  /** A fresh journal with everything owned so far, in place before anything else changes. */
  async start(snapshot: string): Promise<void> {
    const tmp = this.file + PARTIAL_SUFFIX;
    try {
      await fs.writeFile(tmp, snapshot);
      await fs.rename(tmp, this.file);
      this.fd = openSync(this.file, 'a');
    } catch (e) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw await fsError(e, this.at);
    }
  }

  // A plain write, no fsync: what a killed process wrote is already in the kernel; only a power cut could lose it,
  // and then the next run still finds the files, checks them and places them again.
  append(entry: JournalEntry): void {
    if (this.fd === undefined) throw new Error('journal not started');
    try {
      writeSync(this.fd, journalLine(entry));
    } catch (e) {
      throw fsErrorSync(e, this.at);
    }
  }

  async finish(): Promise<void> {
    this.close();
    await fs.rm(this.file, { force: true }).catch(async (e) => {
      throw await fsError(e, { ...this.at, doing: 'removing' });
    });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

const writeAtomic = (file: string, text: string) =>
  writeFileAtomic(file, text, file + PARTIAL_SUFFIX, { folder: path.dirname(file), kept: PLACED_KEPT });

/**
 * The promise behind writing dataset.json: it reads back. A manifest that its own check refuses would lock the user
 * out of the folder (prepare again, train and Undo all refuse it), so it is never written; the error names the
 * original whose entry is at fault, where there is one.
 */
export function assertManifestReadable(manifest: DatasetManifest): void {
  const parsed = parseManifestText(manifestJson(manifest));
  if (parsed.ok) return;
  const at = /files\[(\d+)\]/.exec(parsed.error);
  const file = at ? manifest.files[Number(at[1])]?.source : undefined;
  const cause = file ? `, because of ${file}` : '';
  const workaround = file ? ' Renaming that file, or moving it out, works around it.' : '';
  throw new PrepareError('bad-manifest',
    `Prepare Dataset would write a ${MANIFEST_FILE} that it cannot read back${cause}: ${parsed.error}`,
    `This is a bug in Transfer Lab; please report it.${workaround}`, file);
}

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
  await writeFileAtomic(file, text, file + PARTIAL_SUFFIX, { folder: out, internal: true, kept: PLACED_KEPT });
}

/**
 * The output folder, made if missing (so that its lock can be taken before anything is read); true when this call
 * made it. A file at that path, or a folder that cannot be made, is a sentence naming it.
 */
async function ensureOutputFolder(out: string): Promise<boolean> {
  const stat = await fs.stat(out).catch(() => undefined);
  if (stat?.isDirectory()) return false;
  if (stat) {
    const message = `The output path ${out} is a file, not a folder.`;
    throw new PrepareError('bad-input', message, 'Choose another output folder.', out);
  }
  try {
    await fs.mkdir(out, { recursive: true });
  } catch (e) {
    throw await fsError(e, { file: out, folder: out, doing: 'creating' });
  }
  return true;
}

/** Runs `work` holding the output folder's lock; any errno that escapes is made a sentence naming the folder. */
async function withOutputLock<T>(out: string, work: () => Promise<T>): Promise<T> {
  const lock = await lockOutput(out);
  try {
    return await work();
  } catch (e) {
    throw await fsError(e, { folder: out, kept: PLACED_KEPT });
  } finally {
    await lock.release();
  }
}

/**
 * Brings the output folder in line with `draft` (its createdDirs are filled in here) and writes the manifest last,
 * holding the folder's lock throughout: a second prepare into the same folder is refused while this one runs.
 */
export async function applyManifest(draft: DatasetManifest, opts: ApplyOptions = {}): Promise<ApplyOutcome> {
  const created = await ensureOutputFolder(draft.output);
  try {
    return await withOutputLock(draft.output, () => applyLocked(draft, opts, created));
  } catch (e) {
    // A folder this run made and could not lock or fill is not left behind empty (rmdir keeps a non-empty one).
    if (created) await fs.rmdir(draft.output).catch(() => undefined);
    throw e;
  }
}

async function applyLocked(
  prepared: DatasetManifest, opts: ApplyOptions, created: boolean,
): Promise<ApplyOutcome> {
  const out = prepared.output;
  const state = await readOutput(out);
  // The cleaner's changes survive a prepare that places their files under the same names (datasetOverrides.ts).
  const carried = carryOverrides(state.manifest?.overrides, prepared.files, prepared.classes);
  const draft: DatasetManifest = carried.kept.length ? { ...prepared, overrides: carried.kept } : prepared;
  const droppedOverrides = carried.dropped;
  if (state.manifest && path.resolve(state.manifest.source) !== path.resolve(draft.source)) {
    throw new PrepareError('bad-input', `${out} was prepared from another folder (${state.manifest.source}).`,
      'Choose another output folder (--out), or undo that one first.');
  }
  if (state.exists && !state.manifest && state.journalText === undefined && state.foreign.length) {
    throw new PrepareError(
      'bad-input',
      `The output folder ${out} already exists and was not made by Prepare Dataset (it holds ${state.foreign.slice(0, 3).join(', ')}${state.foreign.length > 3 ? ', …' : ''}).`,
      'Choose a new or empty output folder (--out); existing files are never overwritten.',
    );
  }
  const mine = owned(state);
  const placementChanged =
    state.manifest !== undefined && state.manifest.settings.placement !== draft.settings.placement;
  const present = placementChanged ? new Set<string>() : await presentFiles(out, draft.files, draft.settings.placement);
  const plan = reconcile(draft.files, mine, present);
  const staleDirs = unneededDirs(mine.dirs, draft.files);
  const placed: Record<Placement, number> = { link: 0, copy: 0, symlink: 0 };
  const finalManifest = (dirs: Iterable<string>): DatasetManifest => ({ ...draft, createdDirs: [...dirs].sort() });

  if (
    state.manifestText !== undefined &&
    state.journalText === undefined &&
    !plan.remove.length &&
    !plan.place.length &&
    !staleDirs.length &&
    state.manifestText === manifestJson(finalManifest(mine.dirs))
  ) {
    await writeScanCache(out, opts.scanCache);
    return { changed: false, manifest: finalManifest(mine.dirs), placed, removed: 0, droppedOverrides };
  }

  if (created) mine.dirs.add('.');
  const journal = new Journal(out);
  await journal.start(journalSnapshot(mine, draft.source));
  try {
    // From here on the journal is the record; a manifest left in place would claim a state that no longer holds.
    await fs.rm(path.join(out, MANIFEST_FILE), { force: true });
    await writeScanCache(out, opts.scanCache);
    await removePlacingTemps(out, mine);
    const total = plan.remove.length + plan.place.length;
    let done = 0;
    for (const rel of plan.remove) {
      if (opts.signal?.aborted) throw new CancelledError();
      const file = inside(out, rel);
      await fs.rm(file, { force: true }).catch(async (e) => {
        throw await fsError(e, { file, folder: out, doing: 'removing' });
      });
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
          await fs.mkdir(abs).catch(async (e) => {
            throw await fsError(e, { file: abs, folder: out, doing: 'creating', kept: PLACED_KEPT });
          });
          mine.dirs.add(dir);
        }
        knownDirs.add(dir);
      }
      placed[await placeOne(file.source, inside(out, file.path), draft.settings.placement, linkState, out)]++;
      journal.append({ t: 'file', path: file.path, sha256: file.sha256 });
      opts.onProgress?.(++done, total);
    }
    const manifest = finalManifest(mine.dirs);
    assertManifestReadable(manifest);
    await writeAtomic(path.join(out, MANIFEST_FILE), manifestJson(manifest));
    await journal.finish();
    return { changed: true, manifest, placed, removed: plan.remove.length, droppedOverrides };
  } finally {
    journal.close();
  }
}

/**
 * Temp files a killed run left: PLACING_TEMP in every folder this tool owns or placed a file in (the folders are
 * journaled before anything is placed in them). Removed so that no stray is left and the folders can be removed.
 */
async function removePlacingTemps(out: string, mine: Owned): Promise<void> {
  const dirs = new Set([...mine.dirs, ...[...mine.files.keys()].flatMap(parentDirs)]);
  for (const dir of dirs) {
    try {
      await fs.rm(path.join(inside(out, dir), PLACING_TEMP), { force: true });
    } catch (e) {
      // A folder the journal names that was never made (killed before mkdir) or is no folder now: no temp in it.
      if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
    }
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
 * An original may itself be a symbolic link (git-annex and DVC lay datasets out as relative links into their object
 * stores). link() on a link hard-links the link, which dangles once it sits in the output, so every placement works
 * on the resolved file: a hard link or copy of it, or an absolute symbolic link to it.
 */
async function placeOne(
  original: string, dest: string, placement: Placement, state: { noLinks: boolean }, out: string,
): Promise<Placement> {
  const source = await resolved(original);
  try {
    return await placeResolved(source, dest, placement, state);
  } catch (e) {
    // Node names the temp name, or no file at all ("write"): the sentence names the file being placed, unless it is
    // the original that cannot be read.
    const errno = errnoOf(e);
    if ((errno === 'EACCES' || errno === 'EPERM' || errno === 'EIO') && !(await readable(source))) {
      throw new PrepareError('bad-input', `${original} cannot be read, so it cannot be placed in ${out}.`,
        'Check that file\'s permissions (or the disk that holds it), then prepare again.', original);
    }
    throw await fsError(e, { file: dest, folder: out, doing: 'writing', kept: PLACED_KEPT });
  }
}

async function readable(file: string): Promise<boolean> {
  return fs.access(file, constants.R_OK).then(() => true, () => false);
}

async function placeResolved(
  source: string, dest: string, placement: Placement, state: { noLinks: boolean },
): Promise<Placement> {
  const tmp = path.join(path.dirname(dest), PLACING_TEMP);
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

/** The file an original path finally names, links followed; a message naming the original if it is gone. */
async function resolved(original: string): Promise<string> {
  try {
    return await fs.realpath(original);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ELOOP') throw e;
    throw new PrepareError('bad-input', `${original} vanished or became a broken link after it was scanned.`,
      'Prepare again; it will be skipped or placed as it is now.', original);
  }
}

/**
 * Versions before PLACING_TEMP placed each file under <name>.tl-partial; a killed run of one may have left it. A name
 * already at the length limit never had one (the disk refused it), which is ENAMETOOLONG here, not a failure.
 */
async function removeLegacyPartial(dest: string): Promise<void> {
  try {
    await fs.rm(dest + PARTIAL_SUFFIX, { force: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENAMETOOLONG') throw e;
  }
}

/**
 * Removes what this tool created in `out` (per manifest and journal), then the folders it made, if empty. It holds the
 * output folder's lock while it removes files, as a prepare does, and removes a stale one left by a killed run.
 */
export async function undoPrepare(out: string, expectedSource?: string): Promise<UndoResult> {
  // Checked before the lock, which needs the folder: Undo never makes one.
  if (!(await readOutput(out)).exists) throw nothingToUndo(out);
  const mine = await withOutputLock(out, () => undoFiles(out, expectedSource));
  let removedDirs = 0;
  const keptDirs: string[] = [];
  for (const rel of dirsDeepestFirst(mine.dirs)) {
    try {
      await fs.rmdir(inside(out, rel));
      removedDirs++;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') keptDirs.push(rel);
      else if (code !== 'ENOENT') throw await fsError(e, { file: inside(out, rel), folder: out, doing: 'removing' });
    }
  }
  return { undo: true, output: out, removedFiles: mine.removedFiles, removedDirs, keptDirs };
}

const nothingToUndo = (out: string) => new PrepareError('bad-input',
  `Nothing to undo: ${out} has no ${MANIFEST_FILE} or journal from Prepare Dataset.`,
  'Pass the same source folder (and --out) that you prepared.');

/** Undo's part under the lock: every file this tool placed, and its own bookkeeping files. */
async function undoFiles(out: string, expectedSource?: string): Promise<Owned & { removedFiles: number }> {
  const state = await readOutput(out);
  if (!state.manifest && state.journalText === undefined) throw nothingToUndo(out);
  const mine = owned(state);
  if (expectedSource && mine.source && path.resolve(mine.source) !== path.resolve(expectedSource)) {
    throw new PrepareError(
      'bad-input',
      `${out} was prepared from ${mine.source}, not from ${expectedSource}.`,
      'Check the source folder and --out.',
    );
  }
  const journal = new Journal(out);
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
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') throw await fsError(e, { file: dest, folder: out, doing: 'removing' });
      }
      await removeLegacyPartial(dest);
      journal.append({ t: 'removed', path: rel });
    }
    await removePlacingTemps(out, mine);
    // The lock itself goes when it is released; a lock renamed aside by a take-over that was killed goes here.
    const strays = (await fs.readdir(out)).filter((n) => n.startsWith(`${LOCK_FILE}.`) && n.endsWith(STALE_SUFFIX));
    for (const name of [SCAN_CACHE_FILE, SCAN_CACHE_FILE + PARTIAL_SUFFIX, MANIFEST_FILE + PARTIAL_SUFFIX,
      OVERRIDES_JOURNAL_FILE, OVERRIDES_JOURNAL_FILE + PARTIAL_SUFFIX, ...strays]) {
      await fs.rm(path.join(out, name), { force: true });
    }
    await journal.finish();
  } finally {
    journal.close();
  }
  return { ...mine, removedFiles };
}

// The write-ahead journal of a prepare run. It records what this tool has created in the output folder, line by line,
// so that a run killed half-way can be finished (or undone) by the next one: nothing it made is forgotten,
// and nothing it did not make is ever touched.
import { isSafeRelative, type DatasetManifest, type ManifestFile } from './datasetManifest';
import type { ProcessProbe } from './runRecord';

export const JOURNAL_FILE = '.transfer-lab-prepare.journal';
/**
 * Held (created with O_EXCL) while a prepare or undo changes the output folder: two at once would replace each
 * other's journal and remove each other's files. It names its holder, so a lock left by a killed run is taken over.
 */
export const LOCK_FILE = '.transfer-lab-prepare.lock';
/** Content hashes and metadata from the last run, so an unchanged file is not decoded again. */
export const SCAN_CACHE_FILE = '.transfer-lab-scan-cache.json';
/** The suffix of a file being placed; it is renamed to its final name only once complete. */
export const PARTIAL_SUFFIX = '.tl-partial';
/**
 * The one temp name an image is placed under in its folder before the rename to its own name. Never derived from
 * the image's name: x.jpg.tl-partial is too long for the disk when x.jpg already has 255 bytes (the limit). Files are
 * placed one at a time, so one name per folder is enough; and every folder is journaled before anything is placed in
 * it, so the next run and Undo find a temp left by a killed run from the folders alone.
 */
export const PLACING_TEMP = `.tl-placing${PARTIAL_SUFFIX}`;

export type JournalEntry =
  | { t: 'begin'; v: 1; source: string }
  | { t: 'dir'; path: string }
  | { t: 'file'; path: string; sha256: string }
  | { t: 'removed'; path: string };

export function journalLine(entry: JournalEntry): string {
  return JSON.stringify(entry) + '\n';
}

/** What this tool owns in the output folder: files (path → sha256) and folders it created ('.' = the output itself). */
export interface Owned {
  files: Map<string, string>;
  dirs: Set<string>;
  source?: string;
}

export const emptyOwned = (): Owned => ({ files: new Map(), dirs: new Set() });

/**
 * Replays a journal. A torn last line (the process died mid-write) and anything malformed are skipped: an entry that
 * cannot be read is treated as not ours, which can leave a stray file behind but can never delete a user's file.
 */
export function replayJournal(text: string, into: Owned = emptyOwned()): Owned {
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let e: Partial<JournalEntry> & { t?: unknown; path?: unknown; sha256?: unknown; source?: unknown };
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (e.t === 'begin' && typeof e.source === 'string') into.source = e.source;
    if (typeof e.path !== 'string') continue;
    if (e.t === 'dir' && (e.path === '.' || isSafeRelative(e.path))) into.dirs.add(e.path);
    else if (e.t === 'file' && isSafeRelative(e.path) && typeof e.sha256 === 'string') into.files.set(e.path, e.sha256);
    else if (e.t === 'removed') into.files.delete(e.path);
  }
  return into;
}

export function ownedFromManifest(m: DatasetManifest, into: Owned = emptyOwned()): Owned {
  for (const f of m.files) into.files.set(f.path, f.sha256);
  for (const d of m.createdDirs) into.dirs.add(d);
  into.source ??= m.source;
  return into;
}

/** A fresh journal holding everything owned so far: written (atomically) before the manifest is removed. */
export function journalSnapshot(owned: Owned, source: string): string {
  const lines = [journalLine({ t: 'begin', v: 1, source })];
  for (const d of [...owned.dirs].sort()) lines.push(journalLine({ t: 'dir', path: d }));
  for (const [path, sha256] of [...owned.files].sort(([a], [b]) => (a < b ? -1 : 1)))
    lines.push(journalLine({ t: 'file', path, sha256 }));
  return lines.join('');
}

export interface Reconciliation {
  /** Owned files the new plan no longer wants. */
  remove: string[];
  /** Planned files that are missing, stale or not known to be ours. */
  place: ManifestFile[];
  /** Planned files already in place. */
  keep: number;
}

/** `present`: planned paths that exist on disk and match (the trainer checks size and link target). */
export function reconcile(
  desired: readonly ManifestFile[],
  owned: Owned,
  present: ReadonlySet<string>,
): Reconciliation {
  const wanted = new Set(desired.map((f) => f.path));
  const remove = [...owned.files.keys()].filter((p) => !wanted.has(p)).sort();
  const place = desired.filter((f) => !(owned.files.get(f.path) === f.sha256 && present.has(f.path)));
  return { remove, place, keep: desired.length - place.length };
}

/** Folders this tool created that no planned file needs any more, deepest first (removed only if empty). */
export function unneededDirs(dirs: Iterable<string>, desired: readonly ManifestFile[]): string[] {
  const needed = new Set<string>();
  for (const f of desired) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) needed.add(parts.slice(0, i).join('/'));
  }
  return [...dirs]
    .filter((d) => d !== '.' && !needed.has(d))
    .sort((a, b) => depthOf(b) - depthOf(a) || (a < b ? -1 : 1));
}

/** Every owned folder, deepest first, for Undo. */
export function dirsDeepestFirst(dirs: Iterable<string>): string[] {
  return [...dirs].sort((a, b) => depthOf(b) - depthOf(a) || (a < b ? -1 : 1));
}

const depthOf = (d: string) => (d === '.' ? 0 : d.split('/').length);

/** The parent folders of a relative file path, shallowest first: train/cat/x.jpg → [train, train/cat]. */
export function parentDirs(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

/** What the lock file says about its holder. `token` tells one holder's lock from the next one's. */
export interface PrepareLock {
  pid: number;
  /** The holder's start time (Linux: /proc/<pid>/stat field 22), so a reused pid is not taken for the holder. */
  pidStart?: number;
  host: string;
  token: string;
  since: string;
}

export function lockText(lock: PrepareLock): string {
  return JSON.stringify(lock) + '\n';
}

/** The lock's holder, or undefined when the text is not a whole lock (torn, empty, or not ours). */
export function parseLock(text: string): PrepareLock | undefined {
  let v: Partial<PrepareLock>;
  try {
    v = JSON.parse(text) as Partial<PrepareLock>;
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { pid, pidStart, host, token, since } = v;
  if (!Number.isInteger(pid) || (pid as number) <= 0 || typeof host !== 'string' || typeof token !== 'string' ||
    typeof since !== 'string' || (pidStart !== undefined && !Number.isInteger(pidStart))) return undefined;
  return { pid: pid as number, ...(pidStart !== undefined ? { pidStart } : {}), host, token, since };
}

/**
 * Whether the lock's holder still runs, as seen from `host`: the process is gone, or its pid now belongs to a
 * process that started at another time, means the lock was left by a killed run. A lock from another machine (an
 * output folder on a network share) cannot be probed from here and counts as held.
 */
export function lockHeld(lock: PrepareLock, host: string, probe: (pid: number) => ProcessProbe): boolean {
  if (lock.host !== host) return true;
  const { alive, startTime } = probe(lock.pid);
  if (!alive) return false;
  return lock.pidStart === undefined || startTime === undefined || startTime === lock.pidStart;
}

// The write-ahead journal of a prepare run. It records what this tool has created in the output folder, line by line,
// so that a run killed half-way can be finished (or undone) by the next one: nothing it made is forgotten,
// and nothing it did not make is ever touched.
import { isSafeRelative, type DatasetManifest, type ManifestFile } from './datasetManifest';

export const JOURNAL_FILE = '.transfer-lab-prepare.journal';
/** Content hashes and metadata from the last run, so an unchanged file is not decoded again. */
export const SCAN_CACHE_FILE = '.transfer-lab-scan-cache.json';
/** The suffix of a file being placed; it is renamed to its final name only once complete. */
export const PARTIAL_SUFFIX = '.tl-partial';

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
  for (const [path, sha256] of [...owned.files].sort(([a], [b]) => (a < b ? -1 : 1))) lines.push(journalLine({ t: 'file', path, sha256 }));
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
export function reconcile(desired: readonly ManifestFile[], owned: Owned, present: ReadonlySet<string>): Reconciliation {
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
  return [...dirs].filter((d) => d !== '.' && !needed.has(d)).sort((a, b) => depthOf(b) - depthOf(a) || (a < b ? -1 : 1));
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

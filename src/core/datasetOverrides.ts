// The cleaner's changes to a prepared dataset: "exclude this image", "this image is really a dog". They are kept as a
// list of overrides in dataset.json and applied when the manifest is read, so no image is moved, renamed or deleted,
// the embedding cache (keyed by content) still holds every vector, and undoing a change is dropping its entry.
import {
  countsOf, type DatasetManifest, type ManifestFile, type Override, type SplitCounts,
} from './datasetManifest';

/** What the user asks of one file; 'undo' drops the latest override naming it. */
export type CleanerAction = 'exclude' | 'relabel' | 'undo';
export const CLEANER_ACTIONS: readonly CleanerAction[] = ['exclude', 'relabel', 'undo'];

export interface CleanerChange {
  /** As dataset.json names it: relative to the prepared folder, e.g. val/cat/cat.12.jpg. */
  file: string;
  action: CleanerAction;
  /** The class, for 'relabel'. */
  to?: string;
}

export interface RefusedChange { file: string; reason: string }

export interface Relabelled { file: string; from: string; to: string }

export interface OverriddenFiles {
  /** The manifest's files as training reads them: excluded ones left out, relabelled ones with their new class. */
  files: ManifestFile[];
  excluded: string[];
  relabelled: Relabelled[];
  /** The overrides in effect (the latest of each file that changes it), oldest first: what a run records. */
  effective: Override[];
  /** Overrides that cannot apply to these files (a file prepare no longer lists, a class it does not have). */
  refused: RefusedChange[];
}

/** The latest override of each file: that file's state. */
export function latestOverrides(overrides: readonly Override[]): Map<string, Override> {
  const latest = new Map<string, Override>();
  for (const o of overrides) latest.set(o.file, o);
  return latest;
}

/**
 * Why an override cannot apply to a file, or undefined when it can. Test images are never trained or validated on,
 * so the cleaner has nothing to change there.
 */
function refusal(o: { file: string; action: string; to?: string }, f: ManifestFile | undefined, classes: readonly string[]):
  string | undefined {
  if (!f) return `${o.file} is not listed in dataset.json (name it as the manifest does, e.g. train/cat/cat.1.jpg)`;
  if (f.split === 'test') return `${o.file} is a test image: test images are neither trained nor validated on`;
  if (o.action === 'relabel' && (o.to === undefined || !classes.includes(o.to)))
    return `${o.file}: "${o.to ?? ''}" is not a class of this dataset (${classes.join(', ')})`;
  return undefined;
}

/** Applies the overrides to the files, in order; the latest one naming a file decides what it is. */
export function applyOverrides(
  files: readonly ManifestFile[], overrides: readonly Override[], classes: readonly string[],
): OverriddenFiles {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const refused: RefusedChange[] = [];
  const usable = overrides.filter((o) => {
    const reason = refusal(o, byPath.get(o.file), classes);
    if (reason) refused.push({ file: o.file, reason });
    return !reason;
  });
  const latest = latestOverrides(usable);
  const excluded: string[] = [];
  const relabelled: Relabelled[] = [];
  const out: ManifestFile[] = [];
  for (const f of files) {
    const o = latest.get(f.path);
    if (o?.action === 'exclude') excluded.push(f.path);
    else if (o?.action === 'relabel' && o.to !== f.class) {
      relabelled.push({ file: f.path, from: f.class ?? '', to: o.to! });
      out.push({ ...f, class: o.to! });
    } else out.push(f);
  }
  // A relabel back to the class prepare gave it changes nothing, so no run records it.
  const changed = new Set([...excluded, ...relabelled.map((r) => r.file)]);
  const effective = usable.filter((o) => latest.get(o.file) === o && changed.has(o.file));
  return { files: out, excluded, relabelled, effective, refused };
}

export interface PlannedChanges {
  /** The manifest's new overrides list. */
  overrides: Override[];
  /** The overrides this request added, in order. */
  applied: Override[];
  /** The overrides this request's undos removed. */
  undone: Override[];
  refused: RefusedChange[];
}

/**
 * The overrides list after `changes`, taken one after another (so "exclude x" then "undo x" in one request cancels
 * out). A change that cannot apply is refused with a sentence naming its file, and the others still apply.
 */
export function planChanges(
  manifest: Pick<DatasetManifest, 'files' | 'classes' | 'overrides'>, changes: readonly CleanerChange[], at: string,
): PlannedChanges {
  const byPath = new Map(manifest.files.map((f) => [f.path, f]));
  const overrides = [...(manifest.overrides ?? [])];
  const applied: Override[] = [];
  const undone: Override[] = [];
  const refused: RefusedChange[] = [];
  for (const change of changes) {
    const f = byPath.get(change.file);
    const reason = refusal(change, f, manifest.classes);
    if (reason) {
      refused.push({ file: change.file, reason });
      continue;
    }
    const i = lastIndexOf(overrides, change.file);
    const current = i >= 0 ? overrides[i] : undefined;
    if (change.action === 'undo') {
      if (!current) refused.push({ file: change.file, reason: `${change.file} has no cleaner change to undo` });
      else undone.push(...overrides.splice(i, 1));
      continue;
    }
    if (change.action === 'exclude' && current?.action === 'exclude') {
      refused.push({ file: change.file, reason: `${change.file} is already excluded` });
      continue;
    }
    const labelled = current?.action === 'relabel' ? current.to : f!.class;
    if (change.action === 'relabel' && current?.action !== 'exclude' && labelled === change.to) {
      refused.push({ file: change.file, reason: `${change.file} is already labelled ${change.to}` });
      continue;
    }
    const o: Override = change.action === 'relabel'
      ? { file: change.file, action: 'relabel', to: change.to!, at }
      : { file: change.file, action: 'exclude', at };
    overrides.push(o);
    applied.push(o);
  }
  return { overrides, applied, undone, refused };
}

function lastIndexOf(overrides: readonly Override[], file: string): number {
  for (let i = overrides.length - 1; i >= 0; i--) if (overrides[i].file === file) return i;
  return -1;
}

/** counts[split][class] as training sees the files: what a train summary after these overrides will count. */
export function countsAfterOverrides(manifest: Pick<DatasetManifest, 'files' | 'classes' | 'overrides'>): SplitCounts {
  return countsOf(applyOverrides(manifest.files, manifest.overrides ?? [], manifest.classes).files, manifest.classes);
}

/** "1 excluded, 2 relabelled by the cleaner", or '' when it changed nothing. */
export function cleanerSummary(c: { excluded: number; relabelled: number }): string {
  const parts = [
    ...(c.excluded ? [`${c.excluded} excluded`] : []), ...(c.relabelled ? [`${c.relabelled} relabelled`] : []),
  ];
  return parts.length ? `${parts.join(', ')} by the cleaner` : '';
}

/**
 * A prepare run again keeps the cleaner's changes to files it still places under the same name and content; the
 * others are dropped (their images moved to another split or changed), and said.
 */
export function carryOverrides(
  overrides: readonly Override[] | undefined, files: readonly ManifestFile[], classes: readonly string[],
): { kept: Override[]; dropped: RefusedChange[] } {
  if (!overrides?.length) return { kept: [], dropped: [] };
  const { refused } = applyOverrides(files, overrides, classes);
  const bad = new Set(refused.map((r) => r.file));
  return { kept: overrides.filter((o) => !bad.has(o.file)), dropped: refused };
}

/**
 * The cleaner's write-ahead record, beside dataset.json: the whole overrides list it is about to write. A process
 * killed between writing it and renaming dataset.json into place leaves it behind, and the next cleaner action (under
 * the prepared folder's lock) finishes that write before its own; a prepare run removes it with its bookkeeping.
 */
export const OVERRIDES_JOURNAL_FILE = '.transfer-lab-overrides.journal';

export function overridesJournalText(overrides: readonly Override[]): string {
  return JSON.stringify({ t: 'overrides', v: 1, overrides }) + '\n';
}

/** The journaled list, or undefined when the text is not a whole journal (torn or not ours): then it is ignored. */
export function parseOverridesJournal(text: string): Override[] | undefined {
  let v: { t?: unknown; v?: unknown; overrides?: unknown };
  try {
    v = JSON.parse(text) as typeof v;
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || v.t !== 'overrides' || v.v !== 1) return undefined;
  return overrideList(v.overrides);
}

/** `v` as an overrides list (a run's record of the overrides it trained with), or undefined when it is not one. */
export function overrideList(v: unknown): Override[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const ok = v.every((o: Partial<Override> | null) => typeof o === 'object' && o !== null &&
    typeof o.file === 'string' && typeof o.at === 'string' && (o.action === 'exclude' ||
      (o.action === 'relabel' && typeof o.to === 'string')));
  return ok ? (v as Override[]) : undefined;
}

// dataset.json: the contract between Prepare Dataset and the training engine. It lists every file that was placed,
// where it came from and what it holds, and it is written last, so its presence means the output is complete.
import { datasetFinding } from './messageParts';
import type { DatasetFinding } from './protocol';
import { LAYOUT_KINDS, type LayoutKind } from './layoutDetection';
import type { SplitSettings } from './splitPlan';
import {
  arrayOf, literal, num, object, optional, recordOf, str, ValidationError, type Check,
} from './validate';

export const MANIFEST_FILE = 'dataset.json';
export const MANIFEST_VERSION = 1;

export type Split = 'train' | 'val' | 'train-dev' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'train-dev', 'test'];
export type Placement = 'link' | 'copy' | 'symlink';
export const PLACEMENTS: readonly Placement[] = ['link', 'copy', 'symlink'];
/** The counts key for test images without a class. */
export const UNLABELED = '(unlabeled)';

export interface ManifestSettings extends SplitSettings {
  placement: Placement;
}

export interface ManifestFile {
  /** Relative to the output folder, with '/': e.g. train/cat/cat.1.jpg. */
  path: string;
  /** Absolute path of the original. */
  source: string;
  sha256: string;
  /** null only for unlabeled test images. */
  class: string | null;
  split: Split;
  bytes: number;
  width: number;
  height: number;
}

export interface ExcludedFile { file: string; reason: string; code: string }

export type SplitCounts = Record<string, Record<string, number>>;

export type OverrideAction = 'exclude' | 'relabel';
export const OVERRIDE_ACTIONS: readonly OverrideAction[] = ['exclude', 'relabel'];

/**
 * One change the cleaner made after prepare, in the order made: the latest override naming a file is its state
 * (src/core/datasetOverrides.ts). `files` and `counts` stay as prepare placed them, so no file moves and Undo can
 * always return to them.
 */
export interface Override {
  /** As `files[].path` names it: relative to the prepared folder, with '/'. */
  file: string;
  action: OverrideAction;
  /** For 'relabel': the class the file trains and validates as from now on. */
  to?: string;
  /** ISO time it was made. */
  at: string;
}

export interface DatasetManifest {
  version: 1;
  layout: LayoutKind;
  source: string;
  /**
   * Where it was written, for information only: a prepared folder can be moved or copied, so readers use the folder
   * that holds dataset.json (every file path is relative to it) and never this.
   */
  output: string;
  classes: string[];
  settings: ManifestSettings;
  files: ManifestFile[];
  excluded: ExcludedFile[];
  findings: DatasetFinding[];
  counts: SplitCounts;
  /** Folders this tool made, relative to the output ('.' is the output itself); Undo removes them if empty. */
  createdDirs: string[];
  /** The cleaner's changes (exclude, relabel), oldest first; absent until the first one. */
  overrides?: Override[];
}

/** counts[split][class], with every class listed (even at 0) for each labeled split that has files. */
export function countsOf(
  files: readonly Pick<ManifestFile, 'split' | 'class'>[],
  classes: readonly string[],
): SplitCounts {
  const counts: SplitCounts = {};
  for (const split of SPLITS) {
    const inSplit = files.filter((f) => f.split === split);
    if (!inSplit.length) continue;
    const row: Record<string, number> = {};
    if (inSplit.some((f) => f.class !== null)) for (const c of classes) row[c] = 0;
    for (const f of inSplit) {
      const key = f.class ?? UNLABELED;
      row[key] = (row[key] ?? 0) + 1;
    }
    counts[split] = row;
  }
  return counts;
}

/** The one serialisation, so that "same settings, same files" gives byte-identical manifests. */
export function manifestJson(manifest: DatasetManifest): string {
  return JSON.stringify(manifest, null, 1) + '\n';
}

/** A relative path that stays inside the output folder. */
export function isSafeRelative(p: string): boolean {
  return p.length > 0 && !p.startsWith('/') && !/^[A-Za-z]:/.test(p) && !p.includes('\\') &&
    p.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

const safeRel: Check<string> = (v, p) => {
  const s = str(v, p);
  if (!isSafeRelative(s)) throw new ValidationError(p, 'a relative path inside the output folder', v);
  return s;
};
const sha: Check<string> = (v, p) => {
  const s = str(v, p);
  if (!/^[0-9a-f]{64}$/.test(s)) throw new ValidationError(p, 'a sha256 in hex', v);
  return s;
};
const count: Check<number> = (v, p) => {
  const n = num(v, p);
  if (!Number.isInteger(n) || n < 0) throw new ValidationError(p, 'a whole number ≥ 0', v);
  return n;
};
const nullableStr: Check<string | null> = (v, p) => (v === null ? null : str(v, p));

const manifestShape = object({
  version: literal(MANIFEST_VERSION),
  layout: literal(...LAYOUT_KINDS),
  source: str,
  output: str,
  classes: arrayOf(str),
  settings: object({
    val: num,
    trainDev: num,
    seed: num,
    maxPerClass: optional(count),
    maxValPerClass: optional(count),
    maxTest: optional(count),
    placement: literal(...PLACEMENTS),
  }),
  files: arrayOf(
    object({
      path: safeRel,
      source: str,
      sha256: sha,
      class: nullableStr,
      split: literal(...SPLITS),
      bytes: count,
      width: count,
      height: count,
    }),
  ),
  excluded: arrayOf(object({ file: str, reason: str, code: str })),
  findings: arrayOf(datasetFinding),
  counts: recordOf(recordOf(count)),
  createdDirs: (v, p) => (v === undefined ? [] : arrayOf((x, q) => (x === '.' ? '.' : safeRel(x, q)))(v, p)),
  overrides: optional(arrayOf(object({
    file: safeRel, action: literal(...OVERRIDE_ACTIONS), to: optional(str), at: str,
  }))),
});

export type ParsedManifest = { ok: true; value: DatasetManifest } | { ok: false; error: string };

/**
 * Validates a manifest read from disk. Beyond the shape, it rejects what would mislead training: a path outside the
 * output, a file listed twice, a class not in `classes`, the same content in two of train, val and train-dev, and
 * counts that disagree. `output` is where it was written, for information only: readers use the folder that holds it.
 */
/** dataset.json's text, checked: text that is not JSON fails the same way, with the parser's message. */
export function parseManifestText(text: string): ParsedManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    raw = e;
  }
  return parseManifest(raw);
}

export function parseManifest(input: unknown): ParsedManifest {
  try {
    const m = manifestShape(input, 'dataset.json') as DatasetManifest;
    const classes = new Set(m.classes);
    const paths = new Set<string>();
    const splitOfSha = new Map<string, string>();
    m.files.forEach((f, i) => {
      const at = `dataset.json.files[${i}]`;
      if (paths.has(f.path)) throw new ValidationError(`${at}.path`, 'a path listed once', f.path);
      paths.add(f.path);
      if (f.class !== null && !classes.has(f.class))
        throw new ValidationError(`${at}.class`, 'one of classes', f.class);
      if (f.class === null && f.split !== 'test')
        throw new ValidationError(`${at}.class`, 'a class (only test images may be unlabeled)', f.class);
      // Test images are all kept, copies included (every id needs a prediction), so only the labelled splits must
      // not share content: a training image in val would leak.
      if (f.split === 'test') return;
      const other = splitOfSha.get(f.sha256);
      if (other !== undefined && other !== f.split) {
        throw new ValidationError(`${at}.sha256`, `content not already in split ${other}`, f.sha256);
      }
      splitOfSha.set(f.sha256, f.split);
    });
    m.overrides?.forEach((o, i) => {
      const at = `dataset.json.overrides[${i}]`;
      if (!paths.has(o.file)) throw new ValidationError(`${at}.file`, 'a file listed in files', o.file);
      if (o.action === 'relabel' && (o.to === undefined || !classes.has(o.to)))
        throw new ValidationError(`${at}.to`, 'one of classes', o.to);
      if (o.action === 'exclude' && o.to !== undefined)
        throw new ValidationError(`${at}.to`, 'no class for an exclusion', o.to);
    });
    const expected = countsOf(m.files, m.classes);
    if (!sameCounts(m.counts, expected))
      throw new ValidationError('dataset.json.counts', `counts matching files (${JSON.stringify(expected)})`, m.counts);
    return { ok: true, value: m };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

function sameCounts(a: SplitCounts, b: SplitCounts): boolean {
  const keys = (x: object) => Object.keys(x).sort().join('\u0000');
  if (keys(a) !== keys(b)) return false;
  return Object.keys(a).every(
    (split) => keys(a[split]) === keys(b[split]) && Object.keys(a[split]).every((c) => a[split][c] === b[split][c]),
  );
}

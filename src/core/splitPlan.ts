// The split, decided before anything is written: exact duplicates among labelled images kept once, label conflicts
// left out, then a seeded, stratified split per class. Each content hash ends up in at most one of train, val and
// train-dev, so nothing leaks from train into val. Test images are never left out: a submission needs a row for every
// id, so copies inside test, and test images that copy a training image, are reported instead of dropped.
import type { DatasetFinding } from './protocol';
import type { ExcludedFile, ManifestFile, Split } from './datasetManifest';
import type { GivenSplit } from './layoutDetection';
import { stemOf } from './imageNames';
import { listFiles } from './healthChecks';
import { deriveSeed, mulberry32, shuffled } from './seededRandom';

export interface ScannedItem {
  /** Relative to the source folder, with '/'; how messages name the file. */
  rel: string;
  /** Absolute path of the original. */
  source: string;
  name: string;
  label: string | null;
  split?: GivenSplit;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
}

export interface SplitSettings {
  val: number;
  trainDev: number;
  seed: number;
  maxPerClass?: number;
  maxValPerClass?: number;
  maxTest?: number;
}

export interface DuplicateGroup { sha256: string; kept: string; dropped: string[] }
export interface ConflictGroup { sha256: string; files: { file: string; class: string | null }[] }

export interface SplitPlan {
  files: (ManifestFile & { rel: string })[];
  excluded: (ExcludedFile & { rel: string })[];
  duplicates: DuplicateGroup[];
  conflicts: ConflictGroup[];
  findings: DatasetFinding[];
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byRel = (a: ScannedItem, b: ScannedItem) => byText(a.rel, b.rel);
const SPLIT_RANK: Record<string, number> = { train: 0, val: 1, test: 2 };
const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);
/** Unlabelled images and images the folders put in test/ are the test split, and are never excluded. */
const isTest = (i: ScannedItem) => i.label === null || i.split === 'test';

type Placed = { item: ScannedItem; split: Split };

export function planSplit(input: readonly ScannedItem[], settings: SplitSettings): SplitPlan {
  const { kept, excluded, duplicates, conflicts, findings } = dedupe(input);
  const placed: Placed[] = [];
  const labeled = new Map<string, ScannedItem[]>();
  const tests: ScannedItem[] = [];
  for (const item of kept) {
    if (isTest(item)) tests.push(item);
    else labeled.set(item.label!, [...(labeled.get(item.label!) ?? []), item]);
  }
  const capped: string[] = [];
  const withoutVal: { cls: string; n: number }[] = [];
  for (const cls of [...labeled.keys()].sort(byText)) {
    const s = splitClass(cls, labeled.get(cls)!, settings);
    if (s.capped) capped.push(s.capped);
    if (!s.val.length) withoutVal.push({ cls, n: s.train.length + s.trainDev.length });
    for (const item of s.val) placed.push({ item, split: 'val' });
    for (const item of s.trainDev) placed.push({ item, split: 'train-dev' });
    for (const item of s.train) placed.push({ item, split: 'train' });
  }
  // Validation the user turned off (--val 0, no val/ folder) is a choice, not a gap worth a warning per class.
  const wantsVal = settings.val > 0 || kept.some((i) => !isTest(i) && i.split === 'val');
  if (wantsVal) findings.push(...noValFindings(withoutVal));
  tests.sort(byRel);
  const chosenTests = settings.maxTest !== undefined && settings.maxTest < tests.length
    ? shuffled(tests, mulberry32(deriveSeed(settings.seed, 'test'))).slice(0, settings.maxTest)
    : tests;
  if (chosenTests.length < tests.length) capped.push(`test ${chosenTests.length} of ${tests.length}`);
  for (const item of chosenTests) placed.push({ item, split: 'test' });
  findings.push(...testCopyFindings(placed));
  if (capped.length) {
    findings.push({
      code: 'subset', severity: 'info', files: [],
      message: `Using a seeded random subset: ${capped.join(', ')} images (the caps you set).`,
    });
  }
  const { files, renamed, unsafe, classFolders } = destinations(placed);
  findings.push(...renamedFindings(renamed, unsafe, classFolders));
  return { files, excluded: excluded.sort((a, b) => byText(a.rel, b.rel)), duplicates, conflicts, findings };
}

interface ClassSplit { val: ScannedItem[]; trainDev: ScannedItem[]; train: ScannedItem[]; capped?: string }

/** One class's share of each split, seeded by the class name so that other classes do not reshuffle it. */
function splitClass(cls: string, items: ScannedItem[], settings: SplitSettings): ClassSplit {
  const random = mulberry32(deriveSeed(settings.seed, `split:${cls}`));
  const given = items.filter((i) => i.split === 'val');
  const pool = shuffled(items.filter((i) => i.split !== 'val').sort(byRel), random);
  const chosen = settings.maxPerClass !== undefined ? pool.slice(0, settings.maxPerClass) : pool;
  const capped = chosen.length < pool.length ? `"${cls}" ${chosen.length} of ${pool.length}` : undefined;
  // An existing val/ folder is respected; only classes without one get validation carved out of train.
  let val: ScannedItem[];
  let rest: ScannedItem[];
  if (given.length) {
    const shuffledVal = shuffled(given.sort(byRel), random);
    val = settings.maxValPerClass !== undefined ? shuffledVal.slice(0, settings.maxValPerClass) : shuffledVal;
    rest = chosen;
  } else {
    const nVal = valCount(chosen.length, settings);
    val = chosen.slice(0, nVal);
    rest = chosen.slice(nVal);
  }
  const nDev = trainDevCount(chosen.length, rest.length, settings.trainDev);
  return { val, trainDev: rest.slice(0, nDev), train: rest.slice(nDev), capped };
}

/** Validation images for a class of n: at least one when there are two or more, and never all of them. */
export function valCount(n: number, s: Pick<SplitSettings, 'val' | 'maxValPerClass'>): number {
  if (s.val <= 0 || n < 2) return 0;
  let k = Math.max(1, Math.round(n * s.val));
  if (s.maxValPerClass !== undefined) k = Math.min(k, s.maxValPerClass);
  return Math.min(k, n - 1);
}

/** Train-dev is a fraction of the whole class (like val), taken from what is left for training, leaving at least one. */
function trainDevCount(classSize: number, left: number, fraction: number): number {
  if (fraction <= 0 || left < 2) return 0;
  return Math.min(Math.max(1, Math.round(classSize * fraction)), left - 1);
}

/** A class with nothing held out is invisible to val_acc: a model that never predicts it loses nothing there. */
function noValFindings(classes: { cls: string; n: number }[]): DatasetFinding[] {
  if (!classes.length) return [];
  const named = classes.map(({ cls, n }) => `"${cls}" (${n} ${plural(n, 'image', 'images')})`).join(', ');
  const one = classes.length === 1;
  return [{
    code: 'no-val-images', severity: 'warning', files: [],
    message: `${one ? 'Class' : 'Classes'} ${named} ${one ? 'has' : 'have'} no validation images, so val_acc says ` +
      `nothing about ${one ? 'it' : 'them'}: a model that never predicts ${one ? 'it' : 'them'} scores just as well.`,
    hint: 'A class needs at least 2 images to hold one out for validation: add images (or a val/<class>/ folder), ' +
      'or leave the class out.',
  }];
}

type Dedupe = Pick<SplitPlan, 'excluded' | 'duplicates' | 'conflicts' | 'findings'> & { kept: ScannedItem[] };

function dedupe(input: readonly ScannedItem[]): Dedupe {
  const groups = new Map<string, ScannedItem[]>();
  for (const item of [...input].sort(byRel)) groups.set(item.sha256, [...(groups.get(item.sha256) ?? []), item]);
  const out: Dedupe = { kept: [], excluded: [], duplicates: [], conflicts: [], findings: [] };
  for (const [sha256, group] of groups) {
    // Every test image is kept, copy or not: each id needs a prediction. Copies are reported after the split.
    out.kept.push(...group.filter(isTest));
    const labelled = group.filter((i) => !isTest(i));
    const labels = [...new Set(group.map((i) => i.label).filter((l): l is string => l !== null))].sort(byText);
    if (labels.length >= 2) excludeConflict(sha256, group, labels, out);
    else if (labelled.length === 1) out.kept.push(labelled[0]);
    else if (labelled.length > 1) keepOnce(sha256, labelled, out);
  }
  return out;
}

/** The same content under two classes: one label is wrong, so no labelled copy is trained on; test copies stay. */
function excludeConflict(sha256: string, group: ScannedItem[], labels: string[], out: Dedupe): void {
  const named = (i: ScannedItem) => `${i.rel} (${i.label ?? 'unlabeled'})`;
  const tests = group.filter(isTest);
  for (const item of group.filter((i) => !isTest(i))) {
    const others = group.filter((o) => o !== item).map(named);
    out.excluded.push({
      file: item.source, rel: item.rel, code: 'label-conflict',
      reason: `${item.rel} is the same image as ${others.join(', ')}, under another class; ` +
        `${tests.length ? 'every training copy is left out (test images are always kept)' : 'every copy is left out'}.`,
    });
  }
  out.conflicts.push({ sha256, files: group.map((i) => ({ file: i.rel, class: i.label })) });
  const stays = plural(tests.length, 'stays', 'stay');
  const fate = tests.length
    ? `the training copies are left out, and ${tests.map((i) => i.rel).join(', ')} ${stays} in test`
    : 'all copies are left out';
  out.findings.push({
    code: 'label-conflict', severity: 'error', files: group.map((i) => i.rel),
    message: `Label conflict: ${group.map(named).join(' and ')} are the same image under different classes ` +
      `(${labels.join(', ')}); ${fate}.`,
    hint: 'Delete the copy in the wrong class folder (or both, if the photo shows both), then prepare again.',
  });
}

/** Exact copies among labelled images: the first (train before val, then by name) is used, the rest left out. */
function keepOnce(sha256: string, labelled: ScannedItem[], out: Dedupe): void {
  const ordered = [...labelled].sort((a, b) =>
    (SPLIT_RANK[a.split ?? 'train'] - SPLIT_RANK[b.split ?? 'train']) || byRel(a, b));
  const [first, ...rest] = ordered;
  out.kept.push(first);
  for (const item of rest) {
    out.excluded.push({
      file: item.source, rel: item.rel, code: 'duplicate',
      reason: `${item.rel} is an exact copy of ${first.rel}; only ${first.rel} is used.`,
    });
  }
  out.duplicates.push({ sha256, kept: first.rel, dropped: rest.map((i) => i.rel) });
  const splits = new Set(ordered.map((i) => i.split ?? ''));
  const leak = splits.size > 1
    ? ` They sat in different splits (${[...splits].filter(Boolean).join(', ')}), which would leak.` : '';
  out.findings.push({
    code: 'duplicate', severity: 'warning', files: ordered.map((i) => i.rel),
    message: `Exact duplicates: ${ordered.map((i) => i.rel).join(' and ')} have the same content; ` +
      `only ${first.rel} is used.${leak}`,
    hint: 'Delete the extra copies to keep the dataset tidy.',
  });
}

/**
 * Copies that involve test images, judged on what is actually placed (after the caps): a test image equal to a
 * train or val image is leakage worth knowing; copies within test are harmless but worth a note. Neither is dropped.
 */
function testCopyFindings(placed: readonly Placed[]): DatasetFinding[] {
  const bySha = new Map<string, Placed[]>();
  for (const p of [...placed].sort((a, b) => byRel(a.item, b.item))) {
    bySha.set(p.item.sha256, [...(bySha.get(p.item.sha256) ?? []), p]);
  }
  const leaks: { text: string; files: string[] }[] = [];
  const copies: { text: string; files: string[] }[] = [];
  for (const group of bySha.values()) {
    const tests = group.filter((p) => p.split === 'test').map((p) => p.item.rel);
    const others = group.filter((p) => p.split !== 'test');
    if (tests.length && others.length) {
      const seen = others.map((o) => `${o.item.rel} (${o.split})`).join(', ');
      leaks.push({ text: `${tests.join(', ')} = ${seen}`, files: [...tests, ...others.map((o) => o.item.rel)] });
    } else if (tests.length > 1) copies.push({ text: tests.join(' = '), files: tests });
  }
  const out: DatasetFinding[] = [];
  if (leaks.length) {
    const n = leaks.length;
    out.push({
      code: 'test-leak', severity: 'warning', files: leaks.flatMap((l) => l.files),
      message: `${n} test ${plural(n, 'image is an exact copy', 'images are exact copies')} of images the model ` +
        `trains or validates on, so a test score flatters it there: ${listFiles(leaks.map((l) => l.text))}. ` +
        `${plural(n, 'It stays', 'They stay')} in test, so every id still gets a prediction.`,
      hint: 'Nothing to do for a submission; for an honest test score, delete the training copy and prepare again.',
    });
  }
  if (copies.length) {
    const n = copies.reduce((k, c) => k + c.files.length, 0);
    out.push({
      code: 'test-duplicate', severity: 'info', files: copies.flatMap((c) => c.files),
      message: `${n} test images are exact copies of each other; each keeps its own file, so every id gets a ` +
        `prediction: ${listFiles(copies.map((c) => c.text))}.`,
    });
  }
  return out;
}

/**
 * A file or class name as a path segment that dataset.json accepts (`isSafeRelative`): '\' separates folders on
 * Windows, so a Linux name holding one would read there as a path (and "..\" could climb out of the output). It
 * becomes '_'. Everything else a Linux name may hold is kept: names stay as the user gave them wherever they can.
 */
export function safeSegment(name: string): string {
  return name.replace(/\\/g, '_');
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** The output folder of a class: its name, or when that is unsafe, the safe name plus a hash of the real one. */
export function classFolderOf(label: string): string {
  const safe = safeSegment(label);
  return safe === label ? label : `${safe}~${hex8(deriveSeed(0, `class:${label}`))}`;
}

/**
 * Output paths: split/class/name, or test/name when unlabeled. A name that is unsafe in dataset.json, or that clashes
 * with one already taken on a case-insensitive disk, gets a content-hash suffix.
 */
function destinations(placed: Placed[]) {
  const taken = new Set<string>();
  const renamed: string[] = [];
  const unsafe: string[] = [];
  const classFolders = new Map<string, { folder: string; files: string[] }>();
  const files: SplitPlan['files'] = [];
  for (const { item, split } of [...placed].sort((a, b) => byRel(a.item, b.item))) {
    const folder = item.label === null ? undefined : classFolderOf(item.label);
    if (item.label !== null && folder !== item.label) {
      const c = classFolders.get(item.label) ?? { folder: folder!, files: [] };
      c.files.push(item.rel);
      classFolders.set(item.label, c);
    }
    const dir = folder === undefined ? split : `${split}/${folder}`;
    const name = safeSegment(item.name);
    let path = `${dir}/${name}`;
    // Always suffixed when changed: a_b.jpg made from a\b.jpg must not take the name of a real a_b.jpg beside it.
    if (name !== item.name || taken.has(path.toLowerCase())) {
      path = freeName(dir, name, item.sha256, taken);
      (name !== item.name ? unsafe : renamed).push(item.rel);
    }
    taken.add(path.toLowerCase());
    files.push({
      path, source: item.source, rel: item.rel, sha256: item.sha256, class: item.label, split,
      bytes: item.bytes, width: item.width, height: item.height,
    });
  }
  return { files: files.sort((a, b) => byText(a.path, b.path)), renamed, unsafe, classFolders };
}

function renamedFindings(
  renamed: string[], unsafe: string[], classFolders: Map<string, { folder: string; files: string[] }>,
): DatasetFinding[] {
  const out: DatasetFinding[] = [];
  const n = (k: number) => `${k} file${k > 1 ? 's' : ''}`;
  if (renamed.length) {
    out.push({
      code: 'renamed', severity: 'info', files: renamed,
      message: `${n(renamed.length)} would land on a name already taken in the output, so ` +
        `${renamed.length > 1 ? 'they get' : 'it gets'} a short content-hash suffix: ${listFiles(renamed)}.`,
    });
  }
  if (unsafe.length) {
    out.push({
      code: 'renamed', severity: 'info', files: unsafe,
      message: `${n(unsafe.length)} ${unsafe.length > 1 ? 'have' : 'has'} a backslash in the name, which separates ` +
        `folders on Windows, so the prepared copy has "_" in its place and a short content-hash suffix: ` +
        `${listFiles(unsafe)}.`,
    });
  }
  for (const [label, c] of [...classFolders].sort(([a], [b]) => byText(a, b))) {
    out.push({
      code: 'renamed', severity: 'info', files: c.files,
      message: `Class "${label}" has a backslash in its name, which separates folders on Windows, so its images are ` +
        `placed in folder "${c.folder}" (the class keeps its name).`,
    });
  }
  return out;
}

/**
 * name~<hash>.ext, or name~<hash>-2.ext, … when that is taken too: test copies share their content, hence the hash,
 * and each still needs a file of its own.
 */
function freeName(dir: string, name: string, sha256: string, taken: ReadonlySet<string>): string {
  const stem = stemOf(name);
  const ext = name.slice(stem.length);
  const base = `${dir}/${stem}~${sha256.slice(0, 8)}`;
  let path = `${base}${ext}`;
  for (let k = 2; taken.has(path.toLowerCase()); k++) path = `${base}-${k}${ext}`;
  return path;
}

// The split, decided before anything is written: exact duplicates kept once, label conflicts left out, then a seeded,
// stratified split per class. Each content hash ends up in at most one split, so nothing leaks from train into val.
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

export function planSplit(input: readonly ScannedItem[], settings: SplitSettings): SplitPlan {
  const { kept, excluded, duplicates, conflicts, findings } = dedupe(input);
  const placed: { item: ScannedItem; split: Split }[] = [];
  const labeled = new Map<string, ScannedItem[]>();
  const tests: ScannedItem[] = [];
  for (const item of kept) {
    if (item.label === null || item.split === 'test') tests.push(item);
    else labeled.set(item.label, [...(labeled.get(item.label) ?? []), item]);
  }
  const capped: string[] = [];
  for (const cls of [...labeled.keys()].sort(byText)) {
    const items = labeled.get(cls)!;
    const random = mulberry32(deriveSeed(settings.seed, `split:${cls}`));
    const given = items.filter((i) => i.split === 'val');
    const pool = shuffled(items.filter((i) => i.split !== 'val').sort(byRel), random);
    const chosen = settings.maxPerClass !== undefined ? pool.slice(0, settings.maxPerClass) : pool;
    if (chosen.length < pool.length) capped.push(`"${cls}" ${chosen.length} of ${pool.length}`);
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
    for (const item of val) placed.push({ item, split: 'val' });
    for (const item of rest.slice(0, nDev)) placed.push({ item, split: 'train-dev' });
    for (const item of rest.slice(nDev)) placed.push({ item, split: 'train' });
  }
  tests.sort(byRel);
  const chosenTests = settings.maxTest !== undefined && settings.maxTest < tests.length
    ? shuffled(tests, mulberry32(deriveSeed(settings.seed, 'test'))).slice(0, settings.maxTest)
    : tests;
  if (chosenTests.length < tests.length) capped.push(`test ${chosenTests.length} of ${tests.length}`);
  for (const item of chosenTests) placed.push({ item, split: 'test' });
  if (capped.length) {
    findings.push({
      code: 'subset', severity: 'info', files: [],
      message: `Using a seeded random subset: ${capped.join(', ')} images (the caps you set).`,
    });
  }
  const { files, renamed } = destinations(placed);
  if (renamed.length) {
    findings.push({
      code: 'renamed', severity: 'info', files: renamed,
      message: `${renamed.length} file${renamed.length > 1 ? 's' : ''} would land on a name already taken in the output, so ${renamed.length > 1 ? 'they get' : 'it gets'} a short content-hash suffix: ${listFiles(renamed)}.`,
    });
  }
  return { files, excluded: excluded.sort((a, b) => byText(a.rel, b.rel)), duplicates, conflicts, findings };
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

function dedupe(input: readonly ScannedItem[]) {
  const groups = new Map<string, ScannedItem[]>();
  for (const item of [...input].sort(byRel)) groups.set(item.sha256, [...(groups.get(item.sha256) ?? []), item]);
  const kept: ScannedItem[] = [];
  const excluded: SplitPlan['excluded'] = [];
  const duplicates: DuplicateGroup[] = [];
  const conflicts: ConflictGroup[] = [];
  const findings: DatasetFinding[] = [];
  for (const [sha256, group] of groups) {
    if (group.length === 1) {
      kept.push(group[0]);
      continue;
    }
    const labels = [...new Set(group.map((i) => i.label).filter((l): l is string => l !== null))].sort(byText);
    if (labels.length >= 2) {
      const named = group.map((i) => `${i.rel} (${i.label ?? 'unlabeled'})`);
      for (const item of group) {
        const others = group.filter((o) => o !== item).map((o) => `${o.rel} (${o.label ?? 'unlabeled'})`);
        excluded.push({
          file: item.source, rel: item.rel, code: 'label-conflict',
          reason: `${item.rel} is the same image as ${others.join(', ')}, under another class; every copy is left out.`,
        });
      }
      conflicts.push({ sha256, files: group.map((i) => ({ file: i.rel, class: i.label })) });
      findings.push({
        code: 'label-conflict', severity: 'error', files: group.map((i) => i.rel),
        message: `Label conflict: ${named.join(' and ')} are the same image under different classes (${labels.join(', ')}); all copies are left out.`,
        hint: 'Delete the copy in the wrong class folder (or both, if the photo shows both), then prepare again.',
      });
      continue;
    }
    // Labeled beats unlabeled (a test image equal to a training image would leak), then train before val before test.
    const ordered = [...group].sort((a, b) =>
      Number(a.label === null) - Number(b.label === null) || (SPLIT_RANK[a.split ?? 'train'] - SPLIT_RANK[b.split ?? 'train']) || byRel(a, b));
    const [first, ...rest] = ordered;
    kept.push(first);
    for (const item of rest) {
      excluded.push({
        file: item.source, rel: item.rel, code: 'duplicate',
        reason: `${item.rel} is an exact copy of ${first.rel}; only ${first.rel} is used.`,
      });
    }
    duplicates.push({ sha256, kept: first.rel, dropped: rest.map((i) => i.rel) });
    const splits = new Set(group.map((i) => i.split ?? ''));
    const leak = splits.size > 1 ? ` They sat in different splits (${[...splits].filter(Boolean).join(', ')}), which would leak.` : '';
    findings.push({
      code: 'duplicate', severity: 'warning', files: group.map((i) => i.rel),
      message: `Exact duplicates: ${group.map((i) => i.rel).join(' and ')} have the same content; only ${first.rel} is used.${leak}`,
      hint: 'Delete the extra copies to keep the dataset tidy.',
    });
  }
  return { kept, excluded, duplicates, conflicts, findings };
}

/** Output paths: split/class/name, or test/name when unlabeled; a clash on a case-insensitive disk gets a hash suffix. */
function destinations(placed: { item: ScannedItem; split: Split }[]) {
  const taken = new Set<string>();
  const renamed: string[] = [];
  const files: SplitPlan['files'] = [];
  for (const { item, split } of [...placed].sort((a, b) => byRel(a.item, b.item))) {
    const dir = item.label === null ? split : `${split}/${item.label}`;
    let path = `${dir}/${item.name}`;
    if (taken.has(path.toLowerCase())) {
      const stem = stemOf(item.name);
      path = `${dir}/${stem}~${item.sha256.slice(0, 8)}${item.name.slice(stem.length)}`;
      renamed.push(item.rel);
    }
    taken.add(path.toLowerCase());
    files.push({
      path, source: item.source, rel: item.rel, sha256: item.sha256, class: item.label, split,
      bytes: item.bytes, width: item.width, height: item.height,
    });
  }
  return { files: files.sort((a, b) => byText(a.path, b.path)), renamed };
}

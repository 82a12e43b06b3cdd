// Reads a prepared dataset's manifest into the labelled lists the training stages use. Every path in dataset.json
// is relative to the folder that holds it, so a prepared folder that was moved or copied trains on its own images;
// the absolute `output` recorded at prepare time is history, never read here. Each listed file is checked against
// the size and sha256 prepare recorded before anything trains on it: the embedding cache is keyed by content, so a
// deleted or edited image would otherwise go on being trained on from the cache. The cleaner's overrides apply here,
// for every job at once: an excluded file is neither trained nor validated on, a relabelled one counts as its new class.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  MANIFEST_FILE, parseManifest, type DatasetManifest, type Override, type Split,
} from '../../core/datasetManifest';
import { applyOverrides, OVERRIDES_JOURNAL_FILE, type Relabelled } from '../../core/datasetOverrides';
import { deriveSeed, mulberry32, shuffled } from '../../core/seededRandom';
import { BadInputError, log, throwIfCancelled, type JobContext } from '../runtime/jobContext';

export interface LabelledImage { file: string; sha256: string; label: number }
/** `bytes` is what dataset.json records; present for listed files, used to tell a changed file from its original. */
interface ListedImage extends LabelledImage { bytes: number }

/** A listed image left out, and why: "missing", "changed: …", "unreadable: …", "cannot decode: …". */
export interface SkippedFile { file: string; reason: string }

export interface TrainingData {
  manifest: DatasetManifest;
  /** The folder the user named: every file below is resolved against it. */
  dir: string;
  classes: string[];
  train: LabelledImage[];
  val: LabelledImage[];
  trainDev: LabelledImage[];
  /** Listed files left out because they are missing or no longer what prepare placed. */
  skipped: SkippedFile[];
  /** What the user should know that does not stop the job (a class with no validation images). */
  warnings: string[];
  /** The cleaner's overrides this read applied (the latest of each file that changes it), and what they did. */
  cleaner: { overrides: Override[]; excluded: string[]; relabelled: Relabelled[] };
}

const HINT = 'Prepare the dataset again so that dataset.json matches the folder ("Transfer Lab: Prepare Dataset").';

export type LabelledSplit = 'train' | 'val' | 'train-dev';
const LABELLED: readonly LabelledSplit[] = ['train', 'val', 'train-dev'];

/**
 * `ctx` (when given) gets one warning line per skipped file and per warning, and cancellation while hashing.
 * `verify` names the splits the job reads (evaluate reads only val); the others come back as listed, unchecked.
 * `overrides`: the cleaner's overrides to apply instead of dataset.json's (evaluate gives those its run trained
 * with, so it measures the val split the run was validated on); one that no longer applies is a warning.
 * Fails with a BadInputError naming the split and class when a class that dataset.json lists in a verified split
 * has no usable image left.
 */
export async function readTrainingData(
  datasetDir: string, maxPerClass?: number, seed = 42, ctx?: JobContext, verify: readonly LabelledSplit[] = LABELLED,
  overrides?: readonly Override[],
): Promise<TrainingData> {
  const dir = path.resolve(datasetDir);
  const file = path.join(dir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    throw new BadInputError(`No prepared dataset at ${datasetDir}: ${(e as Error).message}`, file,
      'Run "Transfer Lab: Prepare Dataset" on your image folder first.');
  }
  const parsed = parseManifest(raw);
  if (!parsed.ok) {
    throw new BadInputError(`dataset.json is not valid: ${parsed.error}`, file, 'Prepare the dataset again.');
  }
  const manifest = parsed.value;
  const classes = manifest.classes;
  if (classes.length < 2) {
    throw new BadInputError(`A classifier needs at least 2 classes; ${file} has ${classes.length}.`, file);
  }
  const stray = manifest.files.find((f) => f.class !== null && !classes.includes(f.class));
  if (stray) {
    throw new BadInputError(`dataset.json lists ${stray.path} as class "${stray.class}", which is not among its ` +
      `classes [${classes.join(', ')}].`, file, HINT);
  }
  const cleaned = applyOverrides(manifest.files, overrides ?? manifest.overrides ?? [], classes);
  for (const r of cleaned.refused) if (ctx) log(ctx, `cleaner change not applied: ${r.reason}`, 'warn');
  if (ctx && overrides === undefined && await exists(path.join(dir, OVERRIDES_JOURNAL_FILE))) {
    log(ctx, `a cleaner change to ${file} was interrupted; this job reads dataset.json as it is (the next ` +
      `"transfer-lab relabel ${dir}" finishes it)`, 'warn');
  }
  const pick = (split: Split): ListedImage[] => {
    const items = cleaned.files
      .filter((f) => f.split === split && f.class !== null)
      .map((f) => ({
        file: path.join(dir, ...f.path.split('/')), sha256: f.sha256, label: classes.indexOf(f.class!), bytes: f.bytes,
      }));
    return maxPerClass ? capPerClass(items, classes.length, maxPerClass, deriveSeed(seed, `cap-${split}`)) : items;
  };
  const listed = { train: pick('train'), val: pick('val'), 'train-dev': pick('train-dev') };
  if (!listed.train.length || !listed.val.length) {
    throw new BadInputError(
      `${file} lists ${listed.train.length} training and ${listed.val.length} validation images; both are needed.`,
      file);
  }
  const skipped: SkippedFile[] = [];
  const kept = { ...listed };
  for (const split of verify) kept[split] = await verifyFiles(listed[split], skipped, ctx);
  skipped.sort((a, b) => a.file.localeCompare(b.file));
  for (const s of skipped) if (ctx) log(ctx, `skipped ${s.file}: ${s.reason}`, 'warn');
  for (const split of verify) requireEveryClass(classes, split, listed[split], kept[split], skipped);
  const warnings: string[] = [];
  classes.forEach((name, c) => {
    const inTrain = listed.train.filter((i) => i.label === c).length;
    if (!inTrain && verify.includes('train')) {
      throw new BadInputError(`Class "${name}" has no training images in ${file}: the model cannot learn it.`, file,
        HINT);
    }
    if (!listed.val.some((i) => i.label === c)) {
      warnings.push(`class "${name}" has no validation images (${inTrain} in train): val_loss and val_acc say ` +
        'nothing about it, and evaluation leaves it out of its averages. Add images of it, or prepare with a larger ' +
        '--val.');
    }
  });
  for (const w of warnings) if (ctx) log(ctx, w, 'warn');
  const plain = (items: ListedImage[]): LabelledImage[] => items.map(({ file: f, sha256, label }) => ({
    file: f, sha256, label,
  }));
  return {
    manifest, dir, classes, train: plain(kept.train), val: plain(kept.val), trainDev: plain(kept['train-dev']),
    skipped, warnings,
    cleaner: { overrides: cleaned.effective, excluded: cleaned.excluded, relabelled: cleaned.relabelled },
  };
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

/**
 * Fails when a class that `listed` holds has nothing left in `kept`: training without it, or judging the model
 * without it, would report a result about a different task than the one the user prepared.
 */
export function requireEveryClass(
  classes: readonly string[], split: string, listed: readonly LabelledImage[], kept: readonly LabelledImage[],
  skipped: readonly SkippedFile[],
): void {
  classes.forEach((name, c) => {
    const had = listed.filter((i) => i.label === c);
    if (!had.length || kept.some((i) => i.label === c)) return;
    const first = skipped.find((s) => had.some((i) => i.file === s.file));
    throw new BadInputError(
      `No ${split} images of class "${name}" are usable: all ${had.length} listed in dataset.json were skipped` +
      (first ? ` (e.g. ${first.file}: ${first.reason})` : '') + '.',
      first?.file ?? path.dirname(had[0].file), HINT);
  });
}

/** Files whose size and sha256 are what dataset.json records; the others go to `skipped`. */
async function verifyFiles(items: ListedImage[], skipped: SkippedFile[], ctx?: JobContext): Promise<ListedImage[]> {
  const ok = new Array<boolean>(items.length).fill(false);
  let next = 0;
  // A few files at a time: hashing is disk-bound, and this keeps open handles bounded on a 25,000-image folder.
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      if (ctx && i % 256 === 0) throwIfCancelled(ctx);
      const reason = await checkFile(items[i]);
      if (reason) skipped.push({ file: items[i].file, reason });
      else ok[i] = true;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return items.filter((_, i) => ok[i]);
}

async function checkFile(item: ListedImage): Promise<string | undefined> {
  let size: number;
  try {
    const st = await fs.stat(item.file);
    if (!st.isFile()) return 'unreadable: not a file';
    size = st.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing: listed in dataset.json but not in the folder';
    return `unreadable: ${unreadable(e)}`;
  }
  if (size !== item.bytes) return `changed: ${size} bytes, dataset.json lists ${item.bytes}`;
  try {
    if ((await sha256Of(item.file)) !== item.sha256) {
      return 'changed: its content is not what dataset.json records (sha256 differs)';
    }
  } catch (e) {
    return `unreadable: ${unreadable(e)}`;
  }
  return undefined;
}

/** The errno in words (never the file's contents). */
function unreadable(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'a folder, not a file';
  return code ?? (e as Error).message;
}

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** A seeded, stratified subset: the first `cap` of each class after a shuffle. */
export function capPerClass<T extends LabelledImage>(items: T[], classes: number, cap: number, seed: number): T[] {
  const out: T[] = [];
  for (let c = 0; c < classes; c++) {
    out.push(...shuffled(items.filter((i) => i.label === c), mulberry32(seed + c)).slice(0, cap));
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

// Reads a prepared dataset's manifest into the labelled lists the training stages use.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { MANIFEST_FILE, parseManifest, type DatasetManifest, type Split } from '../core/datasetManifest';
import { deriveSeed, mulberry32, shuffled } from '../core/seededRandom';
import { BadInputError } from './jobContext';

export interface LabelledImage { file: string; sha256: string; label: number }

export interface TrainingData {
  manifest: DatasetManifest;
  classes: string[];
  train: LabelledImage[];
  val: LabelledImage[];
  trainDev: LabelledImage[];
}

export async function readTrainingData(datasetDir: string, maxPerClass?: number, seed = 42): Promise<TrainingData> {
  const file = path.join(datasetDir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    throw new BadInputError(`No prepared dataset at ${datasetDir}: ${(e as Error).message}`, file, 'Run "Transfer Lab: Prepare Dataset" on your image folder first.');
  }
  const parsed = parseManifest(raw);
  if (!parsed.ok) throw new BadInputError(`dataset.json is not valid: ${parsed.error}`, file, 'Prepare the dataset again.');
  const manifest = parsed.value;
  const classes = manifest.classes;
  if (classes.length < 2) throw new BadInputError(`A classifier needs at least 2 classes; ${file} has ${classes.length}.`, file);
  const pick = (split: Split) => {
    const items = manifest.files
      .filter((f) => f.split === split && f.class !== null)
      .map((f) => ({ file: path.join(manifest.output, f.path), sha256: f.sha256, label: classes.indexOf(f.class!) }));
    return maxPerClass ? capPerClass(items, classes.length, maxPerClass, deriveSeed(seed, `cap-${split}`)) : items;
  };
  const data = { manifest, classes, train: pick('train'), val: pick('val'), trainDev: pick('train-dev') };
  if (!data.train.length || !data.val.length) {
    throw new BadInputError(`${file} has ${data.train.length} training and ${data.val.length} validation images; both are needed.`, file);
  }
  return data;
}

/** A seeded, stratified subset: the first `cap` of each class after a shuffle. */
export function capPerClass(items: LabelledImage[], classes: number, cap: number, seed: number): LabelledImage[] {
  const out: LabelledImage[] = [];
  for (let c = 0; c < classes; c++) out.push(...shuffled(items.filter((i) => i.label === c), mulberry32(seed + c)).slice(0, cap));
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

// The `predict` job: a completed run's saved model over a folder of new images (recursively), written as a
// Kaggle-style CSV. Images stream through in batches; what cannot be used is skipped and named with its reason.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { extensionOf, isIgnoredName, isImageName, stemOf } from '../../core/imageNames';
import { clipProbability, decimalsFor, predictionsCsv, sortRows, type PredictionRow } from '../../core/predictionsCsv';
import { testGrid, type Scored } from '../../core/predictionGrid';
import { writeFileAtomic } from '../atomicFile';
import { emitAndSave, withThumbnails } from '../dashboardFiles';
import { startEngine } from '../engine';
import { log, type JobContext } from '../jobContext';
import { workersSetting } from '../batchForward';
import { BadInputError, loadSavedModel, predictFiles } from '../savedModel';
import { thumbnailDirOf } from '../thumbnails';

export interface PredictResult {
  rows: number; out: string; classes: string[]; columns: string[];
  /** Binary runs: the class whose probability is the `label` column. */
  positive?: string;
  clip?: number;
  /** Relative to the images folder, with '/'. */
  skipped: { file: string; reason: string }[];
  seconds: number;
}

/** Every file under `dir`, relative with '/', sorted; dotfiles and OS droppings are left out without a word. */
async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (isIgnoredName(e.name)) continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...await listFiles(dir, r));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

function optionalNumber(config: Record<string, unknown>, key: string): number | undefined {
  const v = config[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadInputError(`${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

export async function predictJob(config: Record<string, unknown>, ctx: JobContext): Promise<PredictResult> {
  if (typeof config.runDir !== 'string' || typeof config.images !== 'string') {
    throw new BadInputError('predict needs runDir (a completed run) and images (a folder of images)');
  }
  const runDir = path.resolve(config.runDir), images = path.resolve(config.images);
  const out = path.resolve(typeof config.out === 'string' ? config.out : path.join(runDir, 'predictions.csv'));
  const clip = optionalNumber(config, 'clip');
  if (clip !== undefined && !(clip >= 0 && clip < 0.5)) throw new BadInputError(`clip must be in [0, 0.5), got ${clip}`);
  const batchSize = optionalNumber(config, 'batch') ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new BadInputError(`batch must be a whole number ≥ 1, got ${batchSize}`);
  const stat = await fs.stat(images).catch(() => undefined);
  if (!stat?.isDirectory()) throw new BadInputError(`${images} is not a folder of images`, images);
  const t0 = performance.now();

  const skipped: { file: string; reason: string }[] = [];
  const skip = (file: string, reason: string) => {
    skipped.push({ file, reason });
    log(ctx, `skipped ${file}: ${reason}`, 'warn');
  };
  const candidates: string[] = [];
  for (const rel of await listFiles(images)) {
    if (isImageName(rel)) candidates.push(rel);
    else skip(rel, `not an image (${extensionOf(path.basename(rel)) || 'no extension'})`);
  }
  // The id is the stem, so two files with one stem would give two rows no one could tell apart.
  const byStem = new Map<string, string>();
  for (const rel of candidates) {
    const stem = stemOf(path.basename(rel));
    const other = byStem.get(stem);
    if (other) throw new BadInputError(`${other} and ${rel} would both get id "${stem}" in the CSV`, path.join(images, rel), 'Rename one, or predict the folders separately.');
    byStem.set(stem, rel);
  }
  if (!candidates.length) throw new BadInputError(`No images in ${images}`, images);

  const { tf } = await startEngine(config.engine, ctx);
  const saved = await loadSavedModel(tf, runDir);
  try {
    const classes = saved.meta.classes;
    const binary = classes.length === 2;
    let positive: string | undefined;
    if (binary) {
      // Kaggle's dogs-vs-cats scores P(dog): the second class in alphabetical order, whatever the model's order.
      positive = typeof config.positive === 'string' ? config.positive : [...classes].sort()[1];
      if (!classes.includes(positive)) throw new BadInputError(`--positive ${positive} is not one of this run's classes (${classes.join(', ')})`);
    } else if (config.positive !== undefined) {
      throw new BadInputError(`--positive applies to binary runs; this run has ${classes.length} classes, and every class gets a column`);
    }
    const positiveIndex = positive === undefined ? -1 : classes.indexOf(positive);
    const relOf = new Map(candidates.map((rel) => [path.join(images, rel), rel]));
    const rows: PredictionRow[] = [];
    const scored: Scored[] = [];
    for await (const b of predictFiles(tf, saved, [...relOf.keys()], batchSize, ctx, workersSetting(config))) {
      b.files.forEach((file, i) => {
        const p = b.probabilities[i];
        const values = binary ? [p[positiveIndex]] : Array.from(p);
        rows.push({ id: stemOf(path.basename(file)), values: values.map((v) => clipProbability(v, clip)) });
        scored.push({ file, probabilities: p });
      });
      for (const s of b.skipped) skip(relOf.get(s.file) ?? s.file, s.reason);
      ctx.emit({ type: 'progress', phase: 'predict', done: b.done, total: candidates.length });
    }
    if (!rows.length) throw new BadInputError(`None of the ${candidates.length} images in ${images} could be decoded; nothing written.`, images);
    const columns = binary ? ['label'] : classes;
    const csv = predictionsCsv(columns, rows, decimalsFor(clip));
    await writeFileAtomic(out, csv);
    // The grid follows the CSV's row order, so its first images are the CSV's first rows.
    const scoredOf = new Map(rows.map((r, i) => [r, scored[i]]));
    const inCsvOrder = sortRows(rows).map((r) => scoredOf.get(r)!);
    await emitAndSave(ctx, runDir, 'predictions-test', {
      type: 'predictions', kind: 'test', runDir, classes, items: await withThumbnails(testGrid(inCsvOrder, classes), thumbnailDirOf(config, runDir)),
    });
    return {
      rows: rows.length, out, classes, columns, ...(positive ? { positive } : {}), ...(clip !== undefined ? { clip } : {}), skipped,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    saved.model.dispose();
  }
}

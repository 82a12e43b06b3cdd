// The `predict` job: a completed run's saved model over a folder of new images (recursively), written as a
// Kaggle-style CSV. Images stream through in batches; what cannot be used is skipped and named with its reason.
import { constants as fsConstants, type Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  extensionOf, isIgnoredName, isImageName, mayBeUndecodableName, stemOf, UNDECODABLE_NAME,
} from '../../core/imageNames';
import type { PredictConfig, PredictResult } from '../../core/jobs/predict';
import { clipProbability, decimalsFor, predictionsCsv, sortRows, type PredictionRow } from '../../core/predictionsCsv';
import { testGrid, type Scored } from '../../core/predictionGrid';
import { RUN_FILES } from '../../core/runFiles';
import { tempNameFor, writeFileAtomic } from '../runtime/atomicFile';
import { emitAndSave, withThumbnails } from '../runs/dashboardFiles';
import { startEngine } from '../engine/engine';
import { log, type JobContext } from '../runtime/jobContext';
import { frozenSetting, workersSetting } from '../forward/batchForward';
import { BadInputError, loadSavedModel, predictFiles, type SavedModel } from '../forward/savedModel';
import { isModelFile, loadModelFile } from '../forward/modelFile';
import { thumbnailDirOf } from '../images/thumbnails';
import { withGridHeatmaps } from '../explain/gridHeatmaps';

interface Listing {
  /** Relative to the images folder, with '/', sorted within each folder. */
  files: string[];
  skipped: { file: string; reason: string }[];
}

/** A sentence for why a path could not be read, never a raw errno. */
function unreadableReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read: permission denied';
  if (code === 'ELOOP') return 'a symlink loop: the link leads back to itself';
  if (code === 'ENOENT') return 'it disappeared while the folder was listed';
  return `cannot be read (${code ?? (e as Error).message})`;
}

const relativeTo = (from: string, to: string) => path.relative(from, to).split(path.sep).join('/');

function otherKind(s: { isFIFO(): boolean; isSocket(): boolean }): string {
  return `not a regular file (${s.isFIFO() ? 'a named pipe' : s.isSocket() ? 'a socket' : 'a device'})`;
}

/**
 * Every file under `root`, recursively. Symlinks are followed, to files and to folders, so a folder of links
 * (git-annex, DVC, a hand-made selection) predicts like a folder of copies. What cannot be read is returned with
 * its reason instead of vanishing: a broken link, a link loop, a file without read permission, a pipe. A folder
 * link is not followed when it leads back to a folder being listed (a loop), or to a folder listed anyway: the
 * same images twice would share ids. Dotfiles and OS droppings are left out without a word.
 */
async function listFiles(root: string): Promise<Listing> {
  const files: string[] = [];
  const skipped: Listing['skipped'] = [];
  const realRoot = await fs.realpath(root);
  /** Real path of each folder listed → its path relative to root ('' for root). */
  const listed = new Map<string, string>([[realRoot, '']]);
  const shown = (rel: string) => (rel ? rel : 'the images folder');
  // Inside root and not under a dot folder: walking root reaches it on its own.
  const reachedAnyway = (real: string) => {
    const rel = path.relative(realRoot, real);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) && !rel.split(path.sep).some(isIgnoredName);
  };

  async function walk(rel: string, ancestors: ReadonlySet<string>): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
    } catch (e) {
      if (!rel) throw new BadInputError(`The images folder ${root} ${unreadableReason(e)}`, root);
      skipped.push({ file: rel, reason: `a folder that ${unreadableReason(e)}` });
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (isIgnoredName(e.name)) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      const abs = path.join(root, r);
      // The entry's type comes with the listing, so a name Node mangled (not UTF-8) still says "file" until it is
      // opened, and then reads as vanished: said for what it is instead.
      if (mayBeUndecodableName(e.name) && !(await fs.lstat(abs).then(() => true, () => false))) {
        skipped.push({ file: r, reason: `${UNDECODABLE_NAME}; rename it` });
        continue;
      }
      let kind: { isFile(): boolean; isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean } = e;
      if (e.isSymbolicLink()) {
        try {
          kind = await fs.stat(abs);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const target = await fs.readlink(abs).catch(() => '?');
          const reason = code === 'ENOENT' ? `a broken link: ${target} does not exist` : unreadableReason(err);
          skipped.push({ file: r, reason });
          continue;
        }
      }
      if (kind.isDirectory()) {
        const real = await fs.realpath(abs);
        const skip = (reason: string) => skipped.push({ file: r, reason });
        if (ancestors.has(real)) {
          skip(`a symlink loop: it leads back to ${shown(listed.get(real) ?? '')}`);
        } else if (e.isSymbolicLink() && reachedAnyway(real)) {
          skip(`a link to ${relativeTo(realRoot, real)}, whose images are listed there`);
        } else if (listed.has(real)) {
          skip(`the same folder as ${shown(listed.get(real)!)}, listed once`);
        } else {
          listed.set(real, r);
          const before = files.length + skipped.length;
          await walk(r, new Set([...ancestors, real]));
          // An empty folder named like an image is what the user would look for in the CSV: named, as prepare does.
          if (isImageName(e.name) && files.length + skipped.length === before) skip('a folder, not an image file');
        }
      } else if (kind.isFile()) {
        try {
          await fs.access(abs, fsConstants.R_OK);
          files.push(r);
        } catch (err) {
          skipped.push({ file: r, reason: unreadableReason(err) });
        }
      } else skipped.push({ file: r, reason: otherKind(kind) });
    }
  }
  await walk('', new Set([realRoot]));
  return { files, skipped };
}

/** The CSV's path must be a file in a folder that exists or can be made: checked before any image is read. */
async function checkOut(out: string): Promise<void> {
  const stat = await fs.stat(out).catch(() => undefined);
  if (stat?.isDirectory()) {
    const example = path.join(out, RUN_FILES.predictions);
    throw new BadInputError(`The output ${out} is a folder; name the CSV file to write, such as ${example}`, out);
  }
  for (let p = path.dirname(out); ; p = path.dirname(p)) {
    const parent = await fs.stat(p).catch((e: NodeJS.ErrnoException) => e);
    if (parent instanceof Error) {
      if ((parent.code === 'ENOENT' || parent.code === 'ENOTDIR') && path.dirname(p) !== p) continue;
      throw new BadInputError(`Cannot write ${out}: ${p} ${unreadableReason(parent)}`, p);
    }
    if (parent.isDirectory()) return;
    throw new BadInputError(`Cannot write ${out}: ${p} is a file, not a folder`, p);
  }
}

/** writeFileAtomic, removing its temp file when the rename fails, so a failed write leaves nothing behind. */
async function writeCsv(out: string, csv: string): Promise<void> {
  const tmp = tempNameFor(out);
  try {
    await writeFileAtomic(out, csv, tmp);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

export async function predictJob(config: PredictConfig, ctx: JobContext): Promise<PredictResult> {
  const runDir = path.resolve(config.runDir), images = path.resolve(config.images);
  // A model file (Keras .h5/.keras, TF.js model.json) in place of a run: its CSV goes beside it by default.
  const modelFile = await isModelFile(runDir);
  const out = path.resolve(config.out ?? path.join(modelFile ? path.dirname(runDir) : runDir, RUN_FILES.predictions));
  const { clip, batch: batchSize } = config;
  const stat = await fs.stat(images).catch(() => undefined);
  if (!stat?.isDirectory()) throw new BadInputError(`${images} is not a folder of images`, images);
  await checkOut(out);
  const t0 = performance.now();

  const skipped: { file: string; reason: string }[] = [];
  const skip = (file: string, reason: string) => {
    skipped.push({ file, reason });
    log(ctx, `skipped ${file}: ${reason}`, 'warn');
  };
  const listing = await listFiles(images);
  for (const s of listing.skipped) skip(s.file, s.reason);
  const candidates: string[] = [];
  for (const rel of listing.files) {
    if (isImageName(rel)) candidates.push(rel);
    else skip(rel, `not an image (${extensionOf(path.basename(rel)) || 'no extension'})`);
  }
  // The id is the stem, so two files with one stem would give two rows no one could tell apart.
  const byStem = new Map<string, string>();
  for (const rel of candidates) {
    const stem = stemOf(path.basename(rel));
    const other = byStem.get(stem);
    if (other)
      throw new BadInputError(
        `${other} and ${rel} would both get id "${stem}" in the CSV`,
        path.join(images, rel),
        'Rename one, or predict the folders separately.',
      );
    byStem.set(stem, rel);
  }
  if (!candidates.length) throw new BadInputError(`No images in ${images}`, images);

  const { tf } = await startEngine(config.engine, ctx);
  const saved = modelFile
    ? await loadModelFile(tf, runDir, ctx, config.preprocessing)
    : await loadSavedModel(tf, runDir, ctx);
  try {
    const classes = saved.meta.classes;
    const binary = classes.length === 2;
    let positive: string | undefined;
    if (binary) {
      // Kaggle's dogs-vs-cats scores P(dog): the second class in alphabetical order, whatever the model's order.
      positive = config.positive ?? [...classes].sort()[1];
      if (!classes.includes(positive))
        throw new BadInputError(`--positive ${positive} is not one of this run's classes (${classes.join(', ')})`);
    } else if (config.positive !== undefined) {
      throw new BadInputError(
        `--positive applies to binary runs; this run has ${classes.length} classes, and every class gets a column`,
      );
    }
    const positiveIndex = positive === undefined ? -1 : classes.indexOf(positive);
    const relOf = new Map(candidates.map((rel) => [path.join(images, rel), rel]));
    const rows: PredictionRow[] = [];
    const scored: Scored[] = [];
    for await (const b of predictFiles(tf, saved, [...relOf.keys()], batchSize, ctx, workersSetting(config), frozenSetting(config), config.tta)) {
      b.files.forEach((file, i) => {
        const p = b.probabilities[i];
        const values = binary ? [p[positiveIndex]] : Array.from(p);
        rows.push({ id: stemOf(path.basename(file)), values: values.map((v) => clipProbability(v, clip)) });
        scored.push({ file, probabilities: p });
      });
      for (const s of b.skipped) skip(relOf.get(s.file) ?? s.file, s.reason);
      ctx.emit({ type: 'progress', phase: 'predict', done: b.done, total: candidates.length });
    }
    if (!rows.length)
      throw new BadInputError(
        `None of the ${candidates.length} images in ${images} could be decoded; nothing written.`,
        images,
      );
    const columns = binary ? ['label'] : classes;
    const csv = predictionsCsv(columns, rows, decimalsFor(clip));
    await writeCsv(out, csv);
    // The grid follows the CSV's row order, so its first images are the CSV's first rows.
    const scoredOf = new Map(rows.map((r, i) => [r, scored[i]]));
    const inCsvOrder = sortRows(rows).map((r) => scoredOf.get(r)!);
    const grid = testGrid(inCsvOrder, classes);
    // Tiles carry every class's probability and a Grad-CAM of the class they show.
    const probabilitiesOf = new Map(scored.map((s) => [s.file, s.probabilities]));
    // A run's id names its weights; a model file is named by its path and mtime (it may be overwritten).
    const modelKey = modelFile ? `${runDir}@${(await fs.stat(runDir)).mtimeMs}` : (saved as SavedModel).run.id;
    const gridModel = { tf, saved, modelKey, frozen: frozenSetting(config), ctx };
    if (modelFile) {
      // No run folder to keep the dashboard's copy in; thumbnails only where the caller keeps them.
      const dir = config.thumbnailDir;
      const items = await withGridHeatmaps(dir ? await withThumbnails(grid, dir) : grid, probabilitiesOf, dir, gridModel);
      ctx.emit({ type: 'predictions', kind: 'test', runDir, classes, items });
    } else {
      const dir = thumbnailDirOf(config, runDir);
      await emitAndSave(ctx, runDir, 'predictions-test', {
        type: 'predictions', kind: 'test', runDir, classes,
        items: await withGridHeatmaps(await withThumbnails(grid, dir), probabilitiesOf, dir, gridModel),
      });
    }
    return {
      rows: rows.length,
      out,
      classes,
      columns,
      ...(positive ? { positive } : {}),
      ...(clip !== undefined ? { clip } : {}),
      ...(config.tta !== 'none' ? { tta: config.tta } : {}),
      skipped,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    saved.model.dispose();
  }
}

// Grad-CAM thumbnails for the dashboard's grids (the val and test grids, the top losses) and every class's
// probability on each tile. Only the grid's images are explained (a few dozen), each once: the overlay is cached
// beside the thumbnails, keyed by the image (path, size, mtime), the model and the class, so a replayed or
// re-evaluated run reuses it. A heatmap that cannot be made leaves the tile as it was; the job goes on.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import type { GridItem, TopLossItem } from '../../core/protocol';
import type { SavedModelMeta } from '../../core/runRecord';
import type { Tf } from '../engine/engine';
import type { FrozenSetting } from '../forward/batchForward';
import { decodeBatches } from '../images/imagePipeline';
import { THUMBNAIL_SIZE } from '../images/thumbnails';
import { log, throwIfCancelled, type JobContext } from '../runtime/jobContext';
import { Explainer } from './explainer';
import { writeOverlay } from './overlay';

/** The grid's overlays are thumbnails: the same opacity everywhere, so tiles compare. */
const GRID_OPACITY = 0.5;

export interface GridModel {
  tf: Tf;
  saved: { model: tfType.LayersModel; meta: SavedModelMeta };
  /** Names the model's weights in the cache key: the run's id (a new training is a new run). */
  modelKey: string;
  frozen?: FrozenSetting;
  ctx: JobContext;
}

type Tile = GridItem | TopLossItem;
const classOf = (t: Tile) => ('label' in t ? t.label : t.predicted);

async function cachePath(file: string, dir: string, modelKey: string, cls: string): Promise<string | undefined> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile()) return undefined;
  const key = createHash('sha1')
    .update([path.resolve(file), stat.size, stat.mtimeMs, modelKey, cls, THUMBNAIL_SIZE, GRID_OPACITY].join('\u0000'))
    .digest('hex');
  return path.join(dir, key.slice(0, 2), `${key}.gradcam.jpg`);
}

/**
 * The tiles with `probabilities` (from `probabilitiesOf`, by file) and, when `dir` is given, a `heatmap` of the class
 * each tile shows.
 */
export async function withGridHeatmaps<T extends Tile>(
  items: readonly T[], probabilitiesOf: ReadonlyMap<string, ArrayLike<number>>, dir: string | undefined, m: GridModel,
): Promise<T[]> {
  const t0 = performance.now();
  const withP = items.map((item) => {
    const p = probabilitiesOf.get(item.file);
    return p ? { ...item, probabilities: Array.from(p) } : item;
  });
  if (!dir) return withP;
  const outs = await Promise.all(withP.map((item) => cachePath(item.file, dir, m.modelKey, classOf(item))));
  const made = new Set<string>();
  const missing = new Map<string, { file: string; cls: string; out: string }>();
  for (const [i, out] of outs.entries()) {
    if (!out || made.has(out) || missing.has(out)) continue;
    if (await fs.access(out).then(() => true, () => false)) made.add(out);
    else missing.set(out, { file: withP[i].file, cls: classOf(withP[i]), out });
  }
  if (missing.size) {
    try {
      await drawMissing([...missing.values()], made, m);
    } catch (e) {
      throwIfCancelled(m.ctx);
      log(m.ctx, `the grid's heatmaps were not made: ${(e as Error).message.split('\n')[0]}`, 'warn');
    }
    log(m.ctx, `grid heatmaps: ${missing.size} made in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  }
  return withP.map((item, i) => {
    const out = outs[i];
    return out && made.has(out) ? { ...item, heatmap: out } : item;
  });
}

async function drawMissing(
  missing: readonly { file: string; cls: string; out: string }[], made: Set<string>, m: GridModel,
): Promise<void> {
  const { classes, inputSize: size, resize } = m.saved.meta;
  const explainer = Explainer.open(m.tf, m.saved, m.ctx, m.frozen);
  try {
    const [h, w] = explainer.shape;
    const files = missing.map((x) => x.file);
    for await (const b of decodeBatches(files, { size, resize, batchSize: 16, signal: m.ctx.signal })) {
      // decodeBatches keeps input order; a file listed twice (two classes) is decoded per listing.
      const entries = missing.slice(b.start, b.start + 16).filter((x) => b.files.includes(x.file));
      const images = entries.map((x) => b.images[b.files.indexOf(x.file)]);
      const explained = await explainer.explain(images, 'none', entries.map((x) => classes.indexOf(x.cls)));
      for (const [i, x] of entries.entries()) {
        try {
          await writeOverlay(x.file, explained[i].map, h, w, x.out, { size: THUMBNAIL_SIZE, opacity: GRID_OPACITY, resize });
          made.add(x.out);
        } catch {
          // Unreadable since it was decoded: the tile keeps its thumbnail only.
        }
      }
    }
  } finally {
    await explainer.dispose();
  }
}

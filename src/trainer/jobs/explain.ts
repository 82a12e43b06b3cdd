// The `explain` job: Grad-CAM overlays for images under a completed run's saved model (or a model file), each written
// as <name>.<8 hex of sha256(path)>.gradcam.jpg into the output folder, with every class's probability. An image that
// cannot be used is skipped with its reason and the rest goes on.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { ExplainConfig, ExplainItem, ExplainResult } from '../../core/jobs/explain';
import { stemOf } from '../../core/imageNames';
import type { SkippedFile } from '../../core/jobs/fields';
import { startEngine } from '../engine/engine';
import { frozenSetting } from '../forward/batchForward';
import { isModelFile, loadModelFile } from '../forward/modelFile';
import { BadInputError, loadSavedModel } from '../forward/savedModel';
import { decodeBatches, decodeFailureReason } from '../images/imagePipeline';
import { log, throwIfCancelled, type JobContext } from '../runtime/jobContext';
import { Explainer, NotANumberError } from '../explain/explainer';
import { imageInputs } from '../explain/imageInputs';
import { writeOverlay } from '../explain/overlay';

/** The overlay's name: the image's own name, and a hash of its path so two `1.jpg` in different folders do not clash. */
export function overlayName(file: string): string {
  const hash = createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 8);
  return `${stemOf(path.basename(file))}.${hash}.gradcam.jpg`;
}

export async function explainJob(config: ExplainConfig, ctx: JobContext): Promise<ExplainResult> {
  const t0 = performance.now();
  const runDir = path.resolve(config.runDir);
  const modelFile = await isModelFile(runDir);
  const outDir = path.resolve(config.outDir ?? (modelFile ? path.join(path.dirname(runDir), 'explain') : path.join(runDir, 'explain')));
  const inputs = await imageInputs(config.images);
  const skipped: SkippedFile[] = [];
  const skip = (file: string, reason: string) => {
    skipped.push({ file, reason });
    log(ctx, `skipped ${file}: ${reason}`, 'warn');
  };
  for (const s of inputs.skipped) skip(s.file, s.reason);
  if (!inputs.files.length) {
    throw new BadInputError(`No images to explain in ${config.images.join(', ')}`, config.images[0]);
  }
  const { tf } = await startEngine(config.engine, ctx);
  const saved = modelFile
    ? await loadModelFile(tf, runDir, ctx, config.preprocessing)
    : await loadSavedModel(tf, runDir, ctx);
  let explainer: Explainer | undefined;
  try {
    try {
      explainer = Explainer.open(tf, saved, ctx, frozenSetting(config));
    } catch (e) {
      throw new BadInputError(`Cannot explain ${runDir}: ${(e as Error).message}`, runDir,
        'Grad-CAM needs a classifier with a convolutional feature map before its pooling and head.');
    }
    const { classes, inputSize: size, resize } = saved.meta;
    const [h, w] = explainer.shape;
    const items: ExplainItem[] = [];
    const files = inputs.files;
    for await (const batch of decodeBatches(files, { size, resize, batchSize: config.batch, signal: ctx.signal })) {
      throwIfCancelled(ctx);
      for (const s of batch.skipped) skip(s.file, s.reason);
      let explained;
      try {
        explained = await explainer.explain(batch.images, config.tta);
      } catch (e) {
        if (!(e instanceof NotANumberError)) throw e;
        throw new BadInputError(`The model at ${runDir} gave a value that is not a number for ` +
          `${batch.files[e.index]}; its weights are damaged or its training diverged.`, runDir,
        'Train the run again (with a lower learning rate if its loss diverged).');
      }
      for (const [i, file] of batch.files.entries()) {
        const x = explained[i];
        const overlay = path.join(outDir, overlayName(file));
        try {
          const drawn = await writeOverlay(file, x.map, h, w, overlay,
            { size: config.size, opacity: config.opacity, resize });
          items.push({
            file, probabilities: Array.from(x.probabilities), predicted: classes[x.classIndex],
            probability: x.probabilities[x.classIndex], overlay, peak: drawn.peak,
          });
        } catch (e) {
          // Decoded once already: a second read failing means the file changed or went away meanwhile.
          if ((e as NodeJS.ErrnoException).code && !(e as NodeJS.ErrnoException).path?.startsWith(file)) throw e;
          skip(file, await decodeFailureReason(e, file));
        }
      }
      ctx.emit({ type: 'progress', phase: 'explain', done: Math.min(batch.start + config.batch, files.length), total: files.length });
    }
    if (!items.length) {
      throw new BadInputError(`None of the ${files.length} images could be explained; nothing written.`, config.images[0]);
    }
    return { runDir, classes, layer: explainer.layer, items, skipped, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await explainer?.dispose();
    saved.model.dispose();
  }
}

// The `export` job: a completed run's model/ (image → probabilities, one tf.LayersModel) as one ONNX file with a
// model card beside it. The file is written under a temporary name, run in ONNX Runtime next to the TF.js model on
// the run's validation images, and only then takes its name: a failed check leaves no file that claims to be the
// run's model (and a previous export as it was).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { disagreement, probabilityAgreement } from '../../core/exportCheck';
import {
  EXPORT_TOLERANCE, type ExportConfig, type ExportResult, type ExportVerification,
} from '../../core/jobs/exportModel';
import { modelCard, modelCardName, onnxMetadata, type ExportedModel } from '../../core/modelCard';
import { EXPORT_FILES, RUN_FILES } from '../../core/runFiles';
import { firstLine, startEngine, type Tf } from '../engine/engine';
import { cores, loadOrt, type OrtLoad } from '../engine/ortEngine';
import { inThreadForward, openBatchForward, workersSetting, type BatchForward } from '../forward/batchForward';
import { ortForward } from '../forward/ortForward';
import { BadInputError, loadSavedModel, rowsOf, type SavedModel } from '../forward/savedModel';
import { readTrainingData } from '../features/trainingData';
import { decodeBatches } from '../images/imagePipeline';
import { convertLayersModel, ONNX_OPSET, UnsupportedLayerError, type OnnxConversion } from '../model/onnx/layersToOnnx';
import { twoClassOutput } from '../model/onnx/twoClassOutput';
import { tempNameFor, writeFileAtomic } from '../runtime/atomicFile';
import { fsError } from '../runtime/fsErrors';
import { log, throwIfCancelled, type JobContext } from '../runtime/jobContext';

/** ONNX Runtime and TF.js disagree on the exported model: a converter bug, so the job fails (exit 1), not bad input. */
export class ExportMismatchError extends Error {
  readonly code = 'export-mismatch';
  constructor(message: string, readonly hint: string) {
    super(message);
  }
}

export async function exportJob(config: ExportConfig, ctx: JobContext): Promise<ExportResult> {
  const t0 = performance.now();
  const runDir = path.resolve(config.runDir);
  const exportDir = path.join(runDir, RUN_FILES.export);
  const out = config.out ? path.resolve(config.out) : path.join(exportDir, EXPORT_FILES.onnx);
  const card = path.join(path.dirname(out), modelCardName(path.basename(out), path.dirname(out) === exportDir));
  const { tf, info } = await startEngine(config.engine, ctx);
  const saved = await loadSavedModel(tf, runDir, ctx);
  try {
    const { meta, run } = saved;
    const dim = saved.model.outputs[0].shape.at(-1);
    const binaryExpanded = dim === 1 && meta.classes.length === 2;
    if (!binaryExpanded && dim !== meta.classes.length) {
      throw new BadInputError(`${saved.jsonPath} gives ${dim} values per image for ${meta.classes.length} classes, ` +
        'so its outputs cannot be labelled.', saved.jsonPath, 'Train the run again.');
    }
    const model: ExportedModel = {
      runId: run.id, classes: meta.classes, inputSize: meta.inputSize, resize: meta.resize,
      preprocessing: meta.preprocessing, backbone: meta.backbone ?? run.backbone, cut: meta.cut, binaryExpanded,
    };
    const metadata = onnxMetadata(model);
    const conv = convert(saved, metadata);
    const bytes = binaryExpanded ? twoClassOutput(conv.bytes, conv.outputName) : conv.bytes;
    log(ctx, `converted ${run.id} to ONNX: ${(bytes.length / 1e6).toFixed(2)} MB`);

    const pending = tempNameFor(out);
    await writeFileAtomic(pending, bytes);
    let verification: ExportVerification;
    try {
      verification = await verify(tf, saved, pending, config, ctx, `tfjs ${info.engine}`);
    } catch (e) {
      await fs.rm(pending, { force: true });
      throw e;
    }
    // The previous card described the previous file: it goes before the new file takes the name.
    await fs.rm(card, { force: true });
    try {
      await fs.rename(pending, out);
    } catch (e) {
      await fs.rm(pending, { force: true });
      throw await fsError(e, { file: out });
    }
    await writeFileAtomic(card, modelCard({
      model, onnxName: path.basename(out), bytes: bytes.length, opset: ONNX_OPSET, mode: run.mode,
      dataset: run.dataset, best: run.best, epochs: run.history.length, verification,
      exportedAt: new Date().toISOString(),
    }));
    return {
      runId: run.id, runDir, format: config.format, out, modelCard: card, bytes: bytes.length,
      inputName: conv.inputName, outputName: conv.outputName, inputShape: conv.inputShape,
      outputShape: [conv.outputShape[0], meta.classes.length], classes: meta.classes, binaryExpanded, metadata,
      verification, seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    saved.model.dispose();
  }
}

/** The converter's refusal as a sentence that names the layer and its type (exit 2), never a stack trace. */
function convert(saved: SavedModel, metadata: Record<string, string>): OnnxConversion {
  try {
    return convertLayersModel(saved.model, { metadata, graphName: `transfer-lab ${saved.run.id}` });
  } catch (e) {
    if (!(e instanceof UnsupportedLayerError)) throw e;
    throw new BadInputError(`Run ${saved.run.id} cannot be exported to ONNX: ${e.message}.`, saved.jsonPath,
      `The export converts the layers of the zoo backbones and the recipe head; a model with a ${e.className} layer ` +
      'still works in Transfer Lab (evaluate, predict) from its TF.js files in model/.');
  }
}

/** Up to `n` of `items`, evenly spread, so that a val split listed class by class keeps every class. */
function spread<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]);
}

/**
 * ONNX Runtime (CPU provider, the reference every install has) and TF.js on the same decoded validation images; throws
 * ExportMismatchError when they disagree. ONNX Runtime reads the file back from disk, so what is checked is what was
 * written.
 */
async function verify(
  tf: Tf, saved: SavedModel, onnxFile: string, config: ExportConfig, ctx: JobContext, reference: string,
): Promise<ExportVerification> {
  const t0 = performance.now();
  const skip = (reason: string): ExportVerification => {
    log(ctx, `the ONNX export was not verified: ${reason}`, 'warn');
    return {
      status: 'skipped', reason, images: 0, tolerance: EXPORT_TOLERANCE, skipped: [],
      seconds: (performance.now() - t0) / 1000,
    };
  };
  if (config.verifyImages === 0) return skip('the check was turned off (0 verification images asked for)');
  const loaded = loadOrt();
  if ('error' in loaded) return skip(`ONNX Runtime cannot run here: ${loaded.error}`);
  const { run } = saved;
  let files: string[];
  const left: { file: string; reason: string }[] = [];
  try {
    const rc = run.config;
    // The val split the run was measured on: the same seeded cap it trained with.
    const data = await readTrainingData(run.dataset, typeof rc.maxPerClass === 'number' ? rc.maxPerClass : undefined,
      typeof rc.seed === 'number' ? rc.seed : undefined, ctx, ['val']);
    files = spread(data.val.map((i) => i.file), config.verifyImages);
    left.push(...data.skipped);
  } catch (e) {
    if (!(e instanceof BadInputError)) throw e;
    return skip(`the run's validation images cannot be read: ${e.message}`);
  }
  if (!files.length) return skip(`the run's dataset (${run.dataset}) has no validation images`);
  const runtime = `onnxruntime-node ${loaded.version} (CPU provider)`;
  const compared = await compareOn(tf, saved, files, await openSession(loaded, onnxFile), config, ctx);
  const names = compared.files.map((f) => path.relative(run.dataset, f));
  if (!compared.files.length) return skip(`none of the ${files.length} validation images could be decoded`);
  const agreement = probabilityAgreement(compared.reference, compared.candidate);
  const why = disagreement(agreement, EXPORT_TOLERANCE, names);
  if (why) {
    throw new ExportMismatchError(`The ONNX export of run ${run.id} does not give what its TF.js model gives on ` +
      `${agreement.images} validation images: ${why}. No file was written.`,
    `This is a converter bug; please report it with the backbone (${run.backbone}). The run's TF.js model still ` +
      'works for evaluate and predict.');
  }
  log(ctx, `ONNX export verified on ${agreement.images} validation images (${runtime} against ${reference}): ` +
    'largest probability ' +
    `difference ${agreement.maxAbsDiff.toExponential(2)}, same most likely class on all`);
  return {
    status: 'passed', images: agreement.images, maxAbsDiff: agreement.maxAbsDiff,
    argmaxAgreement: agreement.argmaxAgreement, tolerance: EXPORT_TOLERANCE, runtime, reference,
    skipped: [...left, ...compared.skipped],
    seconds: (performance.now() - t0) / 1000,
  };
}

async function openSession(loaded: OrtLoad, onnxFile: string) {
  const bytes = await fs.readFile(onnxFile);
  try {
    const session = await loaded.ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'], intraOpNumThreads: cores(), interOpNumThreads: 1, graphOptimizationLevel: 'all',
    });
    return { ort: loaded.ort, session };
  } catch (e) {
    // ONNX Runtime itself loads but refuses the file: the export is broken, not the machine.
    throw new ExportMismatchError(`ONNX Runtime ${loaded.version} cannot load the exported file: ${firstLine(e)}. ` +
      'No file was written.', 'This is a converter bug; please report it with the run\'s backbone.');
  }
}

async function compareOn(
  tf: Tf, saved: SavedModel, files: string[], onnx: Awaited<ReturnType<typeof openSession>>, config: ExportConfig,
  ctx: JobContext,
) {
  const { inputSize: size, resize, preprocessing, classes } = saved.meta;
  const dim = saved.model.outputs[0].shape.at(-1) as number;
  const ort = ortForward({ ...onnx, dim: classes.length, size, preprocessing, threads: cores() });
  // TF.js by construction (no ONNX route), whatever evaluate and predict run on: this is the reference.
  const backend = tf.getBackend();
  const tfjs: BatchForward = openBatchForward({
    tf,
    engine: backend === 'wasm' || backend === 'cpu' ? backend : 'tfjs-node',
    workers: workersSetting(config),
    ctx,
    spec: saved.jsonPath ? { kind: 'classifier', modelJson: saved.jsonPath, size, preprocessing } : undefined,
    inThread: () => inThreadForward(tf, dim, size, preprocessing, (x) => saved.model.predict(x) as tfType.Tensor),
  });
  const reference: Float32Array[] = [], candidate: Float32Array[] = [], decoded: string[] = [];
  const skipped: { file: string; reason: string }[] = [];
  try {
    for await (const batch of decodeBatches(files, { size, resize, batchSize: config.batch, signal: ctx.signal })) {
      throwIfCancelled(ctx);
      if (batch.images.length) {
        const n = batch.images.length;
        reference.push(...rowsOf(await tfjs.run(batch.images), n, classes.length));
        candidate.push(...rowsOf(await ort.run(batch.images), n, classes.length));
        decoded.push(...batch.files);
      }
      for (const s of batch.skipped) skipped.push({ file: s.file, reason: s.reason });
      const done = Math.min(batch.start + config.batch, files.length);
      ctx.emit({ type: 'progress', phase: 'verify export', done, total: files.length });
    }
  } finally {
    await tfjs.dispose();
    await ort.dispose();
  }
  throwIfCancelled(ctx);
  return { files: decoded, reference, candidate, skipped };
}

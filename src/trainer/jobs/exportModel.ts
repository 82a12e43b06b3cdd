// The `export` job: a completed run's model/ (image → probabilities, one tf.LayersModel) as one file with a model
// card beside it: ONNX, or a Keras 2 .h5 with Teachable Machine's labels.txt. The file is written under a temporary
// name and checked on the run's validation images against the TF.js model (the ONNX file in ONNX Runtime; the .h5
// read back into TF.js, and that read-back model converted to ONNX in ONNX Runtime), and only then takes its name:
// a failed check leaves no file that claims to be the run's model (and a previous export as it was).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { disagreement, probabilityAgreement } from '../../core/exportCheck';
import {
  EXPORT_TOLERANCE, KERAS_EXPORT_TOLERANCE, type ExportConfig, type ExportOnnxCheck, type ExportResult,
  type ExportVerification,
} from '../../core/jobs/exportModel';
import {
  kerasMetadata, modelCard, modelCardName, onnxMetadata, teachableLabels, type ExportedModel,
} from '../../core/modelCard';
import { EXPORT_FILES, RUN_FILES } from '../../core/runFiles';
import { firstLine, startEngine, type Tf } from '../engine/engine';
import { cores, loadOrt, type OrtLoad } from '../engine/ortEngine';
import { inThreadForward, openBatchForward, workersSetting, type BatchForward } from '../forward/batchForward';
import { ortForward } from '../forward/ortForward';
import { BadInputError, loadSavedModel, rowsOf, type SavedModel } from '../forward/savedModel';
import { readTrainingData } from '../features/trainingData';
import { decodeBatches } from '../images/imagePipeline';
import { loadKerasModel, WRITTEN_KERAS_VERSION, writeKerasH5 } from '../model/keras/kerasH5';
import { convertLayersModel, ONNX_OPSET, UnsupportedLayerError, type OnnxConversion } from '../model/onnx/layersToOnnx';
import { twoClassOutput } from '../model/onnx/twoClassOutput';
import { tempNameFor, writeFileAtomic } from '../runtime/atomicFile';
import { fsError } from '../runtime/fsErrors';
import { log, throwIfCancelled, type JobContext } from '../runtime/jobContext';

/** An export and the model it came from disagree: a converter or writer bug, so the job fails (exit 1), not bad input. */
export class ExportMismatchError extends Error {
  readonly code = 'export-mismatch';
  constructor(message: string, readonly hint: string) {
    super(message);
  }
}

/** What each format wrote under the temporary name, and how it checked out. */
interface Written {
  bytes: number;
  inputName: string;
  outputName: string;
  inputShape: (number | null)[];
  outputShape: (number | null)[];
  metadata: Record<string, string>;
  verification: ExportVerification;
}

export async function exportJob(config: ExportConfig, ctx: JobContext): Promise<ExportResult> {
  const t0 = performance.now();
  const keras = config.format === 'keras';
  const runDir = path.resolve(config.runDir);
  const exportDir = path.join(runDir, RUN_FILES.export);
  const out = config.out ? path.resolve(config.out) : path.join(exportDir, keras ? EXPORT_FILES.keras : EXPORT_FILES.onnx);
  const card = path.join(path.dirname(out),
    modelCardName(path.basename(out), path.dirname(out) === exportDir, config.format));
  const labels = keras ? path.join(path.dirname(out), EXPORT_FILES.labels) : undefined;
  if (keras && /\.keras$/i.test(out)) {
    // Keras 3 opens a .keras name as its zip format and refuses an HDF5 file under it.
    throw new BadInputError(`${out}: a .keras file is Keras 3's zip format, and this export writes a Keras 2 HDF5 ` +
      'file.', out, 'Name the file .h5 (Keras 2 and Keras 3 both load it with load_model).');
  }
  const { tf, info } = await startEngine(config.engine, ctx);
  const saved = await loadSavedModel(tf, runDir, ctx);
  try {
    const { meta, run } = saved;
    const dim = saved.model.outputs[0].shape.at(-1);
    const sigmoid = dim === 1 && meta.classes.length === 2;
    if (!sigmoid && dim !== meta.classes.length) {
      throw new BadInputError(`${saved.jsonPath} gives ${dim} values per image for ${meta.classes.length} classes, ` +
        'so its outputs cannot be labelled.', saved.jsonPath, 'Train the run again.');
    }
    const model: ExportedModel = {
      runId: run.id, classes: meta.classes, inputSize: meta.inputSize, resize: meta.resize,
      preprocessing: meta.preprocessing, backbone: meta.backbone ?? run.backbone, cut: meta.cut, sigmoid,
    };
    const pending = tempNameFor(out);
    let written: Written;
    try {
      written = keras
        ? await writeKeras(tf, saved, model, pending, config, ctx, `tfjs ${info.engine}`)
        : await writeOnnx(tf, saved, model, pending, config, ctx, `tfjs ${info.engine}`);
    } catch (e) {
      await fs.rm(pending, { force: true });
      throw e;
    }
    // The previous card described the previous file: it goes before the new file takes the name.
    await fs.rm(card, { force: true });
    try {
      // Just before the rename: a Keras file is read with the labels.txt beside it, so the two change together.
      if (labels) await writeFileAtomic(labels, teachableLabels(meta.classes));
    } catch (e) {
      await fs.rm(pending, { force: true });
      throw e;
    }
    try {
      await fs.rename(pending, out);
    } catch (e) {
      await fs.rm(pending, { force: true });
      throw await fsError(e, { file: out });
    }
    await writeFileAtomic(card, modelCard({
      model, format: config.format, fileName: path.basename(out), bytes: written.bytes,
      ...(keras
        ? {
          kerasVersion: WRITTEN_KERAS_VERSION, inputName: written.inputName, outputName: written.outputName,
          tfjsModel: tfjsModelPath(runDir, path.dirname(card), exportDir),
        }
        : { opset: ONNX_OPSET }),
      mode: run.mode, dataset: run.dataset, best: run.best, epochs: run.history.length,
      verification: written.verification, exportedAt: new Date().toISOString(),
    }));
    return {
      runId: run.id, runDir, format: config.format, out, modelCard: card, ...(labels ? { labels } : {}),
      bytes: written.bytes, inputName: written.inputName, outputName: written.outputName,
      inputShape: written.inputShape, outputShape: written.outputShape, classes: meta.classes,
      binaryExpanded: sigmoid && !keras, metadata: written.metadata, verification: written.verification,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    saved.model.dispose();
  }
}

/** The run's model.json as the card's TF.js example finds it: relative from the run's own export folder. */
function tfjsModelPath(runDir: string, cardDir: string, exportDir: string): string {
  const json = path.join(runDir, RUN_FILES.model, 'model.json');
  return cardDir === exportDir ? path.relative(cardDir, json).split(path.sep).join('/') : json;
}

async function writeOnnx(
  tf: Tf, saved: SavedModel, model: ExportedModel, pending: string, config: ExportConfig, ctx: JobContext,
  reference: string,
): Promise<Written> {
  const metadata = onnxMetadata(model);
  const conv = convert(saved.model, saved, metadata);
  const bytes = model.sigmoid ? twoClassOutput(conv.bytes, conv.outputName) : conv.bytes;
  log(ctx, `converted ${saved.run.id} to ONNX: ${(bytes.length / 1e6).toFixed(2)} MB`);
  await writeFileAtomic(pending, bytes);
  const verification = await verify(saved, config, ctx, async (files) => {
    const loaded = loadOrt();
    if ('error' in loaded) return `ONNX Runtime cannot run here: ${loaded.error}`;
    const runtime = `onnxruntime-node ${loaded.version} (CPU provider)`;
    // ONNX Runtime reads the file back from disk, so what is checked is what was written.
    const ort = await ortOf(loaded, await fs.readFile(pending), saved);
    const compared = await compareOn(tf, saved, files, [ort], config, ctx);
    return { compared, agreements: [judge(compared, 0, EXPORT_TOLERANCE, saved, 'The ONNX export', runtime, reference)] };
  });
  return {
    bytes: bytes.length, inputName: conv.inputName, outputName: conv.outputName, inputShape: conv.inputShape,
    outputShape: [conv.outputShape[0], model.classes.length], metadata, verification,
  };
}

/**
 * The same model with every nested model's layers applied inline (the same layer objects, so the same weights): one
 * flat functional graph. Keras 2 numbers a nested Sequential's call as node 1 and Keras 3 as node 0, so a file with
 * a nested head loads in one of them only (Keras 3.15.1 failed on ours: "layer._inbound_nodes[node_index]"); a flat
 * graph has no such index, and it is what `keras.Model(inputs, outputs)` writes for the recipe's head.
 */
function inlineNestedModels(tf: Tf, model: tfType.LayersModel): tfType.LayersModel {
  const nested = (l: tfType.layers.Layer): l is tfType.LayersModel => Array.isArray((l as { layers?: unknown }).layers);
  if (!model.layers.some(nested) || model.inputs.length !== 1 || model.outputs.length !== 1) return model;
  const values = new Map<string, tfType.SymbolicTensor>([[model.inputs[0].name, model.inputs[0]]]);
  const apply = (layer: tfType.layers.Layer, x: tfType.SymbolicTensor | tfType.SymbolicTensor[]): tfType.SymbolicTensor => {
    if (!nested(layer)) return layer.apply(x) as tfType.SymbolicTensor;
    let y = x as tfType.SymbolicTensor;
    for (const inner of layer.layers) if (inner.getClassName() !== 'InputLayer') y = apply(inner, y);
    return y;
  };
  let out: tfType.SymbolicTensor | undefined;
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    // The call that belongs to this model: the node whose inputs this walk has already produced.
    const node = layer.inboundNodes.find((n) => n.inputTensors.every((t) => values.has(t.name)));
    if (!node) return model;
    const ins = node.inputTensors.map((t) => values.get(t.name)!);
    out = apply(layer, ins.length === 1 ? ins[0] : ins);
    node.outputTensors.forEach((t) => values.set(t.name, out!));
  }
  return out ? tf.model({ inputs: model.inputs, outputs: out, name: model.name }) : model;
}

async function writeKeras(
  tf: Tf, saved: SavedModel, model: ExportedModel, pending: string, config: ExportConfig, ctx: JobContext,
  reference: string,
): Promise<Written> {
  const metadata = kerasMetadata(model);
  await writeKerasH5(tf, inlineNestedModels(tf, saved.model), pending, { metadata });
  const bytes = (await fs.stat(pending)).size;
  log(ctx, `wrote ${saved.run.id} as a Keras .h5: ${(bytes / 1e6).toFixed(2)} MB`);
  let onnx: ExportOnnxCheck = { status: 'skipped', tolerance: EXPORT_TOLERANCE };
  const verification = await verify(saved, config, ctx, async (files) => {
    let back: tfType.LayersModel;
    try {
      back = await loadKerasModel(tf, pending);
    } catch (e) {
      throw new ExportMismatchError(`The Keras export of run ${saved.run.id} cannot be read back: ${firstLine(e)}. ` +
        'No file was written.', `This is a bug in the Keras writer; please report it with the backbone ` +
        `(${saved.run.backbone}). The run's TF.js model still works for evaluate and predict.`);
    }
    try {
      const { inputSize: size, preprocessing } = saved.meta;
      const dim = back.outputs[0].shape.at(-1) as number;
      const candidates: BatchForward[] = [
        inThreadForward(tf, dim, size, preprocessing, (x) => back.predict(x) as tfType.Tensor),
      ];
      // The second, independent reading: the model as read back, converted to ONNX and run in ONNX Runtime.
      const loaded = loadOrt();
      let runtime: string | undefined;
      if ('error' in loaded) onnx.reason = `ONNX Runtime cannot run here: ${loaded.error}`;
      else {
        try {
          const conv = convert(back, saved, onnxMetadata(model));
          candidates.push(await ortOf(loaded, model.sigmoid ? twoClassOutput(conv.bytes, conv.outputName) : conv.bytes,
            saved));
          runtime = `onnxruntime-node ${loaded.version} (CPU provider)`;
        } catch (e) {
          if (!(e instanceof BadInputError)) throw e;
          onnx.reason = e.message;
        }
      }
      const compared = await compareOn(tf, saved, files, candidates, config, ctx);
      const agreements = [judge(compared, 0, KERAS_EXPORT_TOLERANCE, saved, 'The Keras export, read back,',
        `tfjs ${tf.getBackend()}`, reference)];
      if (runtime) {
        const a = judge(compared, 1, EXPORT_TOLERANCE, saved, 'The Keras export, converted to ONNX,', runtime, reference);
        onnx = { status: 'passed', maxAbsDiff: a.maxAbsDiff, argmaxAgreement: a.argmaxAgreement, tolerance: a.tolerance, runtime };
        agreements.push(a);
      } else if (onnx.reason) {
        log(ctx, `the Keras export was not run in ONNX Runtime: ${onnx.reason}`, 'warn');
      }
      return { compared, agreements };
    } finally {
      back.dispose();
    }
  });
  return {
    bytes, inputName: saved.model.inputNames[0], outputName: saved.model.outputNames[0],
    inputShape: [...saved.model.inputs[0].shape], outputShape: [...saved.model.outputs[0].shape], metadata,
    verification: verification.status === 'passed' ? { ...verification, onnx } : verification,
  };
}

/** The converter's refusal as a sentence that names the layer and its type (exit 2), never a stack trace. */
function convert(model: tfType.LayersModel, saved: SavedModel, metadata: Record<string, string>): OnnxConversion {
  try {
    return convertLayersModel(model, { metadata, graphName: `transfer-lab ${saved.run.id}` });
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

type Compared = Awaited<ReturnType<typeof compareOn>>;
interface Agreement {
  images: number; maxAbsDiff: number; argmaxAgreement: number; tolerance: number; runtime: string; reference: string;
}

/**
 * Runs `check` on the run's validation images (the same seeded cap it trained with, spread to at most
 * `verifyImages`), or says why it did not run; `check` returns its own reason to skip, or the agreements it found
 * (the first is the one the result reports at the top level).
 */
async function verify(
  saved: SavedModel, config: ExportConfig, ctx: JobContext,
  check: (files: string[]) => Promise<string | { compared: Compared; agreements: Agreement[] }>,
): Promise<ExportVerification> {
  const t0 = performance.now();
  const what = config.format === 'keras' ? 'Keras' : 'ONNX';
  const skip = (reason: string): ExportVerification => {
    log(ctx, `the ${what} export was not verified: ${reason}`, 'warn');
    return {
      status: 'skipped', reason, images: 0, tolerance: config.format === 'keras' ? KERAS_EXPORT_TOLERANCE : EXPORT_TOLERANCE,
      skipped: [], seconds: (performance.now() - t0) / 1000,
    };
  };
  if (config.verifyImages === 0) return skip('the check was turned off (0 verification images asked for)');
  const { run } = saved;
  let files: string[];
  const left: { file: string; reason: string }[] = [];
  try {
    const rc = run.config;
    const data = await readTrainingData(run.dataset, typeof rc.maxPerClass === 'number' ? rc.maxPerClass : undefined,
      typeof rc.seed === 'number' ? rc.seed : undefined, ctx, ['val']);
    files = spread(data.val.map((i) => i.file), config.verifyImages);
    left.push(...data.skipped);
  } catch (e) {
    if (!(e instanceof BadInputError)) throw e;
    return skip(`the run's validation images cannot be read: ${e.message}`);
  }
  if (!files.length) return skip(`the run's dataset (${run.dataset}) has no validation images`);
  const result = await check(files);
  if (typeof result === 'string') return skip(result);
  const { compared, agreements: [first, ...more] } = result;
  if (!compared.files.length) return skip(`none of the ${files.length} validation images could be decoded`);
  for (const a of [first, ...more]) {
    log(ctx, `${what} export verified on ${a.images} validation images (${a.runtime} against ${a.reference}): ` +
      `largest probability difference ${a.maxAbsDiff.toExponential(2)}, same most likely class on all`);
  }
  return {
    status: 'passed', images: first.images, maxAbsDiff: first.maxAbsDiff, argmaxAgreement: first.argmaxAgreement,
    tolerance: first.tolerance, runtime: first.runtime, reference: first.reference,
    skipped: [...left, ...compared.skipped], seconds: (performance.now() - t0) / 1000,
  };
}

/** Candidate `k` against the TF.js model; throws ExportMismatchError when they are not the same model. */
function judge(
  compared: Compared, k: number, tolerance: number, saved: SavedModel, what: string, runtime: string, reference: string,
): Agreement {
  const { run } = saved;
  const agreement = probabilityAgreement(compared.reference, compared.candidates[k]);
  const why = disagreement(agreement, tolerance, compared.files.map((f) => path.relative(run.dataset, f)));
  if (why) {
    throw new ExportMismatchError(`${what} of run ${run.id} does not give what its TF.js model gives on ` +
      `${agreement.images} validation images (${runtime}): ${why}. No file was written.`,
    `This is a converter bug; please report it with the backbone (${run.backbone}). The run's TF.js model still ` +
      'works for evaluate and predict.');
  }
  return { images: agreement.images, maxAbsDiff: agreement.maxAbsDiff, argmaxAgreement: agreement.argmaxAgreement,
    tolerance, runtime, reference };
}

/** An ONNX Runtime session (CPU provider, the reference every install has) on `bytes`, as a forward pass. */
async function ortOf(loaded: OrtLoad, bytes: Uint8Array, saved: SavedModel): Promise<BatchForward> {
  let session;
  try {
    session = await loaded.ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'], intraOpNumThreads: cores(), interOpNumThreads: 1, graphOptimizationLevel: 'all',
    });
  } catch (e) {
    // ONNX Runtime itself loads but refuses the file: the export is broken, not the machine.
    throw new ExportMismatchError(`ONNX Runtime ${loaded.version} cannot load the exported model: ${firstLine(e)}. ` +
      'No file was written.', 'This is a converter bug; please report it with the run\'s backbone.');
  }
  const { inputSize: size, preprocessing, classes } = saved.meta;
  return ortForward({ ort: loaded.ort, session, dim: classes.length, size, preprocessing, threads: cores() });
}

/** The TF.js model and each candidate on the same decoded images, as probability rows; disposes the candidates. */
async function compareOn(
  tf: Tf, saved: SavedModel, files: string[], candidates: BatchForward[], config: ExportConfig, ctx: JobContext,
) {
  const { inputSize: size, resize, preprocessing, classes } = saved.meta;
  const dim = saved.model.outputs[0].shape.at(-1) as number;
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
  const reference: Float32Array[] = [], decoded: string[] = [];
  const rows: Float32Array[][] = candidates.map(() => []);
  const skipped: { file: string; reason: string }[] = [];
  try {
    for await (const batch of decodeBatches(files, { size, resize, batchSize: config.batch, signal: ctx.signal })) {
      throwIfCancelled(ctx);
      if (batch.images.length) {
        const n = batch.images.length;
        reference.push(...rowsOf(await tfjs.run(batch.images), n, classes.length));
        for (const [k, c] of candidates.entries()) rows[k].push(...rowsOf(await c.run(batch.images), n, classes.length));
        decoded.push(...batch.files);
      }
      for (const s of batch.skipped) skipped.push({ file: s.file, reason: s.reason });
      const done = Math.min(batch.start + config.batch, files.length);
      ctx.emit({ type: 'progress', phase: 'verify export', done, total: files.length });
    }
  } finally {
    await tfjs.dispose();
    for (const c of candidates) await c.dispose();
  }
  throwIfCancelled(ctx);
  return { files: decoded, reference, candidates: rows, skipped };
}

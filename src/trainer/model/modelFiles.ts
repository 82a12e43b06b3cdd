// Reads and writes TF.js model folders (model.json + weight shards) with node:fs.
// tfjs core only knows http(s), IndexedDB and browser files; its file:// handler lives in tfjs-node, which is
// usually absent here, so the trainer brings its own.
// Nothing is handed to tfjs unchecked: a folder inside a run must match the sha256 the run recorded for each file,
// and any folder's shards must hold as many bytes as model.json describes, with float weights that are numbers.
// Without these a damaged file loads as NaN predictions or fails deep in tfjs with a shape error.
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../runtime/atomicFile';
import type { FsContext } from '../runtime/fsErrors';
import { BadInputError } from '../runtime/jobContext';
import { recordedFiles, type RecordedFiles } from '../runs/runWriter';

/** The model.json inside `source`, which may be a folder, a model.json path or a file: URL. */
export function modelJsonPath(source: string): string {
  const p = source.startsWith('file:') ? decodeURIComponent(new URL(source).pathname) : source;
  return p.endsWith('.json') ? p : path.join(p, 'model.json');
}

export async function readModelJson(jsonPath: string): Promise<tf.io.ModelJSON> {
  return parseModelJson(jsonPath, await readModelJsonBytes(jsonPath));
}

async function readModelJsonBytes(jsonPath: string): Promise<Buffer> {
  try {
    return await fsp.readFile(jsonPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BadInputError(`no TF.js model at ${jsonPath}: model.json is missing`, jsonPath);
    }
    throw e;
  }
}

function parseModelJson(jsonPath: string, bytes: Buffer): tf.io.ModelJSON {
  try {
    return JSON.parse(bytes.toString('utf8')) as tf.io.ModelJSON;
  } catch (e) {
    throw new Error(`${jsonPath} is not valid JSON (${(e as Error).message}); is the download incomplete?`);
  }
}

/** Every shard path the manifest lists, relative to the model folder, in manifest order. */
export function shardPaths(modelJson: tf.io.ModelJSON): string[] {
  return (modelJson.weightsManifest ?? []).flatMap((group) => group.paths);
}

/** Refuses a file of a run's model folder whose bytes are not the ones the run recorded when it was saved. */
function checkRecorded(recorded: RecordedFiles | undefined, file: string, bytes: Uint8Array): void {
  if (!recorded) return;
  const expected = recorded.sha256.get(file);
  if (expected === createHash('sha256').update(bytes).digest('hex')) return;
  const why = expected === undefined
    ? 'is not among the files recorded when the run was saved'
    : 'does not match the checksum recorded when the run was saved';
  throw new BadInputError(`${file} ${why}: the file was changed or damaged after training, so its weights cannot be ` +
    'trusted.', file, `Restore ${recorded.runDir} from a backup, or train the run again.`);
}

const BYTES_PER: Record<string, number> = {
  float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2,
};

const damagedHint = (dir: string) => `If ${dir} is a download in the model cache, delete that folder and it is ` +
  'downloaded again; otherwise restore or replace it.';

/**
 * Checks one manifest group's shards (concatenated, in order) against its weight specs: the byte count the specs
 * imply, and float32 values that are numbers. Names the shard at fault.
 */
function checkGroup(
  jsonPath: string, group: tf.io.WeightsManifestConfig[number], files: string[], buffers: ArrayBuffer[],
): void {
  const dir = path.dirname(jsonPath);
  const sizes = buffers.map((b) => b.byteLength);
  const actual = sizes.reduce((a, b) => a + b, 0);
  let expected = 0;
  const floats: { offset: number; count: number }[] = [];
  for (const w of group.weights) {
    const per = BYTES_PER[w.quantization?.dtype ?? w.dtype];
    if (per === undefined) return; // strings have no fixed size: nothing to compare
    const count = w.shape.reduce((a, b) => a * b, 1);
    if (w.dtype === 'float32' && !w.quantization) floats.push({ offset: expected, count });
    expected += per * count;
  }
  if (actual !== expected) {
    const named = files.length === 1 ? files[0] : `${files.join(', ')} (together)`;
    throw new BadInputError(`${named} holds ${actual} bytes, but ${jsonPath} describes ${expected} bytes of weights ` +
      'in it: the file is truncated or damaged.', files[0], damagedHint(dir));
  }
  const data = new Uint8Array(tf.io.concatenateArrayBuffers(buffers));
  for (const f of floats) {
    // Specs are not 4-byte aligned in general, so read through a DataView rather than a Float32Array.
    const view = new DataView(data.buffer, data.byteOffset + f.offset, f.count * 4);
    for (let i = 0; i < f.count; i++) {
      if (Number.isFinite(view.getFloat32(i * 4, true))) continue;
      let at = f.offset + i * 4;
      const k = sizes.findIndex((size) => (at -= size) < 0);
      throw new BadInputError(`${files[k]} holds weight values that are not numbers (NaN or infinite): the file is ` +
        'damaged, or the model was saved from a training run that diverged.', files[k], damagedHint(dir));
    }
  }
}

/** Loads a model folder into ModelArtifacts (weights concatenated in manifest order, as tfjs expects). */
export async function readModelArtifacts(source: string): Promise<tf.io.ModelArtifacts> {
  const jsonPath = modelJsonPath(source);
  const dir = path.dirname(jsonPath);
  const recorded = await recordedFiles(dir);
  const jsonBytes = await readModelJsonBytes(jsonPath);
  checkRecorded(recorded, jsonPath, jsonBytes);
  const modelJson = parseModelJson(jsonPath, jsonBytes);
  return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      const files = group.paths.map((rel) => path.join(dir, rel));
      const groupBuffers: ArrayBuffer[] = [];
      for (const file of files) {
        const buf = await fsp.readFile(file).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'ENOENT') {
            throw new BadInputError(`weight shard ${file} is missing (listed in ${jsonPath})`, file, damagedHint(dir));
          }
          throw new Error(`${file}: ${e.message}`);
        });
        checkRecorded(recorded, file, buf);
        groupBuffers.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
      }
      checkGroup(jsonPath, group, files, groupBuffers);
      buffers.push(...groupBuffers);
    }
    return [tf.io.getWeightSpecs(manifest), tf.io.concatenateArrayBuffers(buffers)];
  });
}

/** An IOHandler for tf.loadLayersModel / tf.loadGraphModel that reads from disk. */
export function fileSystemLoader(source: string): tf.io.IOHandler {
  return { load: () => readModelArtifacts(source) };
}

/**
 * An IOHandler for model.save() that writes one shard, then model.json last, each by temp file and rename,
 * so a reader that finds model.json also finds complete weights. A failed write names the file it was writing;
 * `at` adds what the caller knows, such as what a full disk leaves behind.
 */
export function fileSystemSaver(dir: string, at: Omit<FsContext, 'file'> = {}): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weightsFile = 'weights.bin';
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.concatenateArrayBuffers(
        Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]);
      await writeFileAtomic(path.join(dir, weightsFile), new Uint8Array(weights), undefined, at);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      await writeFileAtomic(path.join(dir, 'model.json'), JSON.stringify(modelJson), undefined, at);
      return {
        modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength },
      };
    },
  };
}

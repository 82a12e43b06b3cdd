// Reads and writes TF.js model folders (model.json + weight shards) with node:fs.
// tfjs core only knows http(s), IndexedDB and browser files; its file:// handler lives in tfjs-node, which is
// usually absent here, so the trainer brings its own.
import * as tf from '@tensorflow/tfjs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomicFile';

/** The model.json inside `source`, which may be a folder, a model.json path or a file: URL. */
export function modelJsonPath(source: string): string {
  const p = source.startsWith('file:') ? decodeURIComponent(new URL(source).pathname) : source;
  return p.endsWith('.json') ? p : path.join(p, 'model.json');
}

export async function readModelJson(jsonPath: string): Promise<tf.io.ModelJSON> {
  let text: string;
  try {
    text = await fsp.readFile(jsonPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`no TF.js model at ${jsonPath}: model.json is missing`);
    throw e;
  }
  try {
    return JSON.parse(text) as tf.io.ModelJSON;
  } catch (e) {
    throw new Error(`${jsonPath} is not valid JSON (${(e as Error).message}); is the download incomplete?`);
  }
}

/** Every shard path the manifest lists, relative to the model folder, in manifest order. */
export function shardPaths(modelJson: tf.io.ModelJSON): string[] {
  return (modelJson.weightsManifest ?? []).flatMap((group) => group.paths);
}

/** Loads a model folder into ModelArtifacts (weights concatenated in manifest order, as tfjs expects). */
export async function readModelArtifacts(source: string): Promise<tf.io.ModelArtifacts> {
  const jsonPath = modelJsonPath(source);
  const dir = path.dirname(jsonPath);
  const modelJson = await readModelJson(jsonPath);
  return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const rel of group.paths) {
        const file = path.join(dir, rel);
        const buf = await fsp.readFile(file).catch((e: NodeJS.ErrnoException) => {
          throw new Error(e.code === 'ENOENT' ? `weight shard ${file} is missing (listed in ${jsonPath})` : `${file}: ${e.message}`);
        });
        buffers.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
      }
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
 * so a reader that finds model.json also finds complete weights.
 */
export function fileSystemSaver(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weightsFile = 'weights.bin';
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.concatenateArrayBuffers(
        Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]);
      await writeFileAtomic(path.join(dir, weightsFile), new Uint8Array(weights));
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      await writeFileAtomic(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    },
  };
}

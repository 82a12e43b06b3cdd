// Converted graphs on disk, so a job converts a backbone once: keyed by what the graph computes (the sub-model's
// topology, every weight's bytes and the converter's version), so a fine-tuned or different cut never reads a stale
// graph. The key alone does not prove the file is whole, so a sidecar holds the file's sha256 and a mismatch
// means convert again (and rewrite), never run a damaged graph.
import type * as tfType from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../../runtime/atomicFile';
import { convertLayersModel, ONNX_OPSET } from './layersToOnnx';

/** Bump when the converter's output for the same model changes. */
export const CONVERTER_VERSION = 1;


/** What the graph computes, as a hex digest: topology, weights in order, converter and opset. */
export function graphKey(model: tfType.LayersModel): string {
  const h = createHash('sha256');
  h.update(`transfer-lab-onnx v${CONVERTER_VERSION} opset ${ONNX_OPSET}\n`);
  h.update(JSON.stringify(model.toJSON(undefined, false)));
  for (const w of model.weights) {
    const values = w.read().dataSync() as Float32Array;
    h.update(`${w.name} ${w.shape.join('x')}\n`);
    h.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return h.digest('hex');
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The model's ONNX graph: read from `cacheDir` when a whole copy is there, else converted (and kept there). */
export async function cachedOnnxGraph(model: tfType.LayersModel, cacheDir: string | undefined): Promise<Uint8Array> {
  if (cacheDir === undefined) return convertLayersModel(model, { graphName: model.name }).bytes;
  const key = graphKey(model);
  const file = path.join(cacheDir, 'onnx', `${key.slice(0, 32)}.onnx`);
  const bytes = await fs.readFile(file).catch(() => undefined);
  const recorded = await fs.readFile(`${file}.sha256`, 'utf8').catch(() => undefined);
  if (bytes && recorded?.trim() === sha256(bytes)) return bytes;
  const converted = convertLayersModel(model, { graphName: model.name }).bytes;
  // The graph first, then its checksum: a crash between the two leaves a graph without a sidecar, which reconverts.
  await writeFileAtomic(file, converted);
  await writeFileAtomic(`${file}.sha256`, sha256(converted) + '\n');
  return converted;
}

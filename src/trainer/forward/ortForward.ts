// The frozen forward pass on ONNX Runtime: decoded images, preprocessed in JS exactly as toBatchTensor does for
// tfjs, go through one session that uses every core. The graph comes from the converter (model/onnx), NHWC in
// and, for a 4-D cut, NHWC out, so its values are the ones tfjs computes and the cache means the same thing.
import type { Preprocessing } from '../../core/zooCatalog';
import type { FrozenEngineInfo, FrozenPreference } from '../../core/frozenEngineChoice';
import { firstLine } from '../engine/engine';
import { openOrtSession, type OrtModule, type OrtSession } from '../engine/ortEngine';
import { valueInfo } from '../model/onnx/onnxGraphBuilder';
import { encodeModel } from '../model/onnx/onnxProto';
import { ONNX_IR_VERSION, ONNX_OPSET } from '../model/onnx/layersToOnnx';
import { preprocessBatch } from '../images/imagePipeline';
import type { BatchForward } from './batchForward';

export interface OrtForwardOptions {
  ort: OrtModule;
  session: OrtSession;
  /** Values per image in the output. */
  dim: number;
  size: number;
  preprocessing: Preprocessing;
  /** Intra-op threads the session was opened with: what the caller may keep busy with one batch. */
  threads: number;
}

export function ortForward(o: OrtForwardOptions): BatchForward {
  const [inputName] = o.session.inputNames;
  const [outputName] = o.session.outputNames;
  return {
    dim: o.dim,
    // One batch in flight: the session already spreads a batch over every core.
    threads: 1,
    async run(images) {
      const x = preprocessBatch(images, o.size, o.preprocessing);
      const out = await o.session.run({ [inputName]: new o.ort.Tensor('float32', x, [images.length, o.size, o.size, 3]) });
      const y = out[outputName];
      const data = y.data;
      if (!(data instanceof Float32Array) || data.length !== images.length * o.dim) {
        throw new Error(
          `the ONNX graph returned ${y.type} [${y.dims.join(', ')}], expected float32 with ${o.dim} values per image`,
        );
      }
      return data;
    },
    dispose: () => o.session.release(),
  };
}

/**
 * Which engine frozen passes get here, proved by running a one-node graph on it (a provider that registers but
 * cannot compute is skipped with its error). tfjs, with every reason, when no ONNX Runtime provider works.
 */
export async function probeFrozenEngine(preference: FrozenPreference, tfjsVersion: string): Promise<FrozenEngineInfo> {
  const opened = await openOrtSession(reluGraph(), preference, 1);
  if (!('session' in opened)) {
    const skipped = opened.skipped.length || preference === 'tfjs'
      ? opened.skipped
      : [{ engine: 'onnxruntime-cpu' as const, reason: 'no ONNX Runtime provider for this platform' }];
    return { engine: 'tfjs', version: tfjsVersion, skipped };
  }
  try {
    const x = new opened.ort.Tensor('float32', Float32Array.of(-1, 2), [2]);
    const y = (await opened.session.run({ x })).y.data as Float32Array;
    if (y[0] !== 0 || y[1] !== 2) throw new Error(`Relu(-1, 2) gave ${Array.from(y).join(', ')}`);
    return opened.info;
  } catch (e) {
    return {
      engine: 'tfjs', version: tfjsVersion,
      skipped: [...opened.info.skipped, { engine: opened.info.engine, reason: `it computed wrongly: ${firstLine(e)}` }],
    };
  } finally {
    await opened.session.release();
  }
}

/** A valid ONNX model of one Relu over a float vector of 2, written by the product's own encoder. */
function reluGraph(): Uint8Array {
  return encodeModel({
    irVersion: ONNX_IR_VERSION, opsetImport: [{ domain: '', version: ONNX_OPSET }], producerName: 'transfer-lab',
    graph: {
      name: 'probe', node: [{ opType: 'Relu', input: ['x'], output: ['y'], name: 'relu', attribute: [] }],
      initializer: [], input: [valueInfo('x', [2])], output: [valueInfo('y', [2])],
    },
    metadataProps: [],
  });
}

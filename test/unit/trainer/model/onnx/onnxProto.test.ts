// The protobuf layer on its own: field numbers checked against a file written by onnx's own tooling, encode →
// decode round trips, and bytes that onnxruntime reads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { float, GraphBuilder, valueInfo } from '../../../../../src/trainer/model/onnx/onnxGraphBuilder';
import {
  AttributeType, DataType, decodeModel, encodeModel, float32Bytes, type OnnxModel,
} from '../../../../../src/trainer/model/onnx/onnxProto';
import { SHARED } from '../../../../fixtures/cliRun';
import { loadOrt, whyNoOrt } from './ortCompare';

const INT8_ONNX = path.join(SHARED, 'models/mobilenet_v2_int8_onnx/mobilenetv2-12-int8.onnx');

function tinyModel(): OnnxModel {
  const b = new GraphBuilder(['x', 'y']);
  const w = b.floatTensor('w', [2, 3], [1, -2, 3.5, 0.25, 1e-8, -7]);
  const shape = b.int64Tensor('shape', [0, -1]);
  const sum = b.op('Add', ['x', w], {}, 'sum');
  const flat = b.op('Reshape', [sum, shape], {}, 'flat');
  const clipped = b.op('Clip', [flat, b.scalar(-1), b.scalar(2)], {}, 'clipped');
  b.nodeTo('LeakyRelu', [clipped], 'y', { alpha: float(0.25) });
  return {
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'transfer-lab',
    graph: {
      name: 'tiny', node: b.nodes, initializer: b.initializers,
      input: [valueInfo('x', [null, 2, 3])], output: [valueInfo('y', [null, 6])],
    },
    metadataProps: [{ key: 'labels', value: '["cat","dog"]' }, { key: 'preprocessing', value: 'minus1to1' }],
  };
}

describe('onnx protobuf', () => {
  before(async () => {
    await loadOrt();
  });

  it('reads a model written by onnx\'s own tooling, so our field numbers are onnx.proto\'s', () => {
    const m = decodeModel(readFileSync(INT8_ONNX));
    assert.deepEqual([m.irVersion, m.producerName, m.producerVersion, m.graph.name], [7, 'onnx.quantize', '0.1.0',
      'torch-jit-export']);
    assert.deepEqual(m.opsetImport[0], { domain: '', version: 12 });
    assert.deepEqual(m.graph.input[0], { name: 'input', type: { tensorType: { elemType: DataType.FLOAT, shape: {
      dim: [{ dimParam: 'batch_size' }, { dimValue: 3 }, { dimValue: 224 }, { dimValue: 224 }] } } } });
    const conv = m.graph.node.find((n) => n.name === 'Conv_2_quant')!;
    assert.equal(conv.opType, 'QLinearConv');
    assert.deepEqual(conv.attribute.find((a) => a.name === 'group'), {
      name: 'group', type: AttributeType.INT, i: 32, floats: [], ints: [], strings: [] });
    assert.deepEqual(conv.attribute.find((a) => a.name === 'kernel_shape')?.ints, [3, 3]);
  });

  it('re-encodes that model byte for byte, and onnxruntime runs what we encoded', async (t) => {
    const original = readFileSync(INT8_ONNX);
    const again = encodeModel(decodeModel(original));
    assert.ok(Buffer.from(again).equals(original), 'every field onnx wrote is one our subset knows');
    if (whyNoOrt()) return t.skip(whyNoOrt());
    const ort = (await loadOrt())!;
    const session = await ort.InferenceSession.create(Buffer.from(again), { intraOpNumThreads: 2 });
    const x = new ort.Tensor('float32', new Float32Array(3 * 224 * 224).map((_, i) => Math.sin(i)), [1, 3, 224, 224]);
    assert.deepEqual((await session.run({ input: x })).output.dims, [1, 1000]);
    await session.release();
  });

  it('keeps every field value through encode → decode', () => {
    const model = tinyModel();
    const back = decodeModel(encodeModel(model));
    assert.deepEqual([back.irVersion, back.producerName, back.opsetImport],
      [7, 'transfer-lab', [{ domain: '', version: 13 }]]);
    assert.deepEqual(back.metadataProps, model.metadataProps);
    assert.deepEqual(back.graph.input, model.graph.input);
    assert.deepEqual(back.graph.output[0].type.tensorType.shape.dim, [{ dimParam: 'N' }, { dimValue: 6 }]);
    const wiring = (m: OnnxModel) => m.graph.node.map((n) => [n.opType, n.input, n.output]);
    assert.deepEqual(wiring(back), wiring(model));
    const alpha = back.graph.node.at(-1)!.attribute[0];
    assert.deepEqual([alpha.name, alpha.type, alpha.f], ['alpha', AttributeType.FLOAT, 0.25]);
    const [w, shape] = back.graph.initializer;
    assert.deepEqual([w.name, w.dims, w.dataType], ['w', [2, 3], DataType.FLOAT]);
    assert.deepEqual(Buffer.from(w.rawData), Buffer.from(float32Bytes([1, -2, 3.5, 0.25, 1e-8, -7])));
    assert.deepEqual(Array.from(new Float32Array(new Uint8Array(w.rawData).buffer)),
      Array.from(Float32Array.of(1, -2, 3.5, 0.25, 1e-8, -7)));
    assert.deepEqual([shape.dims, shape.dataType], [[2], DataType.INT64]);
    assert.deepEqual(Array.from(new BigInt64Array(new Uint8Array(shape.rawData).buffer)), [0n, -1n]);
  });

  it('writes bytes onnxruntime parses and runs', async (t) => {
    if (whyNoOrt()) return t.skip(whyNoOrt());
    const ort = (await loadOrt())!;
    const session = await ort.InferenceSession.create(Buffer.from(encodeModel(tinyModel())), { intraOpNumThreads: 2 });
    const x = new ort.Tensor('float32', Float32Array.of(0, 0, 0, 0, 0, 0, 1, 1, 1, -3, 1, 1), [2, 2, 3]);
    const y = (await session.run({ x })).y;
    assert.deepEqual(y.dims, [2, 6]);
    const want = [1, -0.25, 2, 0.25, 1e-8, -0.25, 2, -0.25, 2, -0.25, 1, -0.25];
    Array.from(y.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-7, `y[${i}] = ${v}`));
    await session.release();
  });
});

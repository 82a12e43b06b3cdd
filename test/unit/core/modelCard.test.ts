// What an exported model says about itself (metadata_props and the model card), the rule that decides whether the
// export is the same model as the TF.js one, and the export contract's defaults and result check.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { disagreement, probabilityAgreement } from '../../../src/core/exportCheck';
import { parseJobConfig, parseJobResult } from '../../../src/core/jobs';
import type { ExportResult, ExportVerification } from '../../../src/core/jobs/exportModel';
import {
  backboneName, kerasMetadata, kerasPythonSnippet, metadataFromAttributes, modelCard, modelCardName, nodeSnippet,
  onnxMetadata, preprocessingFormula, pythonSnippet, resizeDescription, teachableLabels, tfjsSnippet,
  type ExportedModel,
} from '../../../src/core/modelCard';

const binary: ExportedModel = {
  runId: 'r1', classes: ['cat', 'dog'], inputSize: 224, resize: 'fill', preprocessing: 'minus1to1',
  backbone: 'mobilenet_v2_0.35_224', cut: 'out_relu', sigmoid: true,
};
const passed: ExportVerification = {
  status: 'passed', images: 280, maxAbsDiff: 3.2e-7, argmaxAgreement: 1, tolerance: 1e-4,
  runtime: 'onnxruntime-node 1.30.0 (CPU provider)', reference: 'tfjs wasm', skipped: [], seconds: 12,
};
const card = (m: ExportedModel, verification: ExportVerification = passed) => modelCard({
  model: m, fileName: 'model.onnx', bytes: 1_900_000, opset: 13, mode: 'feature-extractor', dataset: '/data/pets',
  best: { epoch: 7, loss: 0.1, acc: 0.97, valLoss: 0.08, valAcc: 0.9714, lr: 1e-3, seconds: 2 }, epochs: 12,
  verification, exportedAt: '2026-01-02T03:04:05Z',
});

describe('preprocessing and resize, in words', () => {
  const formulas: [ExportedModel['preprocessing'], RegExp][] = [
    ['minus1to1', /^x = pixel \/ 127\.5 - 1 for each of R, G, B .*RGB order$/],
    ['zero1', /^x = pixel \/ 255 for each of R, G, B .*RGB order$/],
    ['caffe', /^channels reversed to BGR, then x = pixel - mean with means B 103\.939, G 116\.779, R 123\.68/],
  ];
  for (const [p, formula] of formulas) it(p, () => assert.match(preprocessingFormula(p), formula));

  const resizes: [ExportedModel['resize'], RegExp][] = [
    ['fill', /stretched to 96×96/], ['cover', /shorter side is 96, then the centre 96×96 cropped/],
    ['contain', /longer side is 96, centred on a black 96×96 square/],
  ];
  for (const [mode, text] of resizes) it(mode, () => assert.match(resizeDescription(mode, 96), text));
});

describe('metadata_props', () => {
  it('hold the classes (JSON), the input and its preprocessing, the backbone, cut and run, and the producer', () => {
    assert.deepEqual(onnxMetadata(binary), {
      producer: 'Transfer Lab', run_id: 'r1', classes: '["cat","dog"]',
      output: 'probabilities, one per class in the order of classes; they sum to 1', input_layout: 'NHWC',
      input_size: '224', resize: 'fill', preprocessing: 'minus1to1',
      preprocessing_formula: preprocessingFormula('minus1to1'), backbone: 'mobilenet_v2_0.35_224', cut: 'out_relu',
      binary: "the trained model's sigmoid p = P(dog) is output as [1 - p, p]",
    });
  });

  it('say nothing of a binary output or a cut the model does not have', () => {
    const m = onnxMetadata({ ...binary, classes: ['a', 'b', 'c'], sigmoid: false, cut: undefined });
    assert.equal(m.binary, undefined);
    assert.equal(m.cut, undefined);
    assert.deepEqual(JSON.parse(m.classes), ['a', 'b', 'c']);
  });

  const backbones: [string, string][] = [
    ['mobilenet_v2_0.35_224', 'mobilenet_v2_0.35_224'],
    ['/home/ann/models/mobilenet_v1_0.25_224_layers', 'mobilenet_v1_0.25_224_layers'],
    ['/home/ann/models/my-net/model.json', 'my-net'],
    ['C:\\Users\\ann\\nets\\tiny\\', 'tiny'],
    ['https://example.invalid/nets/v3/model.json?tfjs-format=file', 'v3'],
  ];
  for (const [source, name] of backbones) {
    it(`name the backbone ${source} as ${name}, never by a home folder`, () => assert.equal(backboneName(source), name));
  }
});

describe('the model card', () => {
  it("lists the classes by index, the exact preprocessing, the resize, the run's metrics and the check", () => {
    const text = card(binary);
    assert.match(text, /^# r1: ONNX model card\n/);
    assert.match(text, /\| index \| class \|\n\| --- \| --- \|\n\| 0 \| cat \|\n\| 1 \| dog \|\n/);
    assert.match(text, /`output\[:, 1\]` is P\(dog\) and `output\[:, 0\]` is P\(cat\)/);
    assert.match(text, /`image`: float32 \[N, 224, 224, 3\], NHWC/);
    assert.match(text, /Preprocessing `minus1to1`: x = pixel \/ 127\.5 - 1/);
    assert.match(text, /Resize `fill`: stretched to 224×224/);
    assert.match(text, /Best epoch 7 of 12: val_acc 0\.9714, val_loss 0\.0800, acc 0\.9700, loss 0\.1000/);
    assert.match(text, /on the same 280 decoded validation images .* 3\.20e-7 \(at most 0\.0001 allowed\), and the most likely class is the same on 280 of 280\./);
    assert.match(text, /ONNX Runtime \(onnxruntime-node 1\.30\.0 \(CPU provider\)\) against the TF\.js model \(tfjs wasm\)/);
    assert.match(text, /- `classes`: \["cat","dog"\]/);
  });

  it('says when and why the file was not verified', () => {
    const skipped: ExportVerification = {
      status: 'skipped', reason: 'ONNX Runtime cannot run here: onnxruntime-node is not installed', images: 0,
      tolerance: 1e-4, skipped: [], seconds: 0,
    };
    assert.match(card(binary, skipped), /## Verification\n\nNot verified: ONNX Runtime cannot run here: onnxruntime-node is not installed\.\n/);
  });

  it('is README.md in the run\'s export folder, and <name>.README.md anywhere else', () => {
    assert.equal(modelCardName('model.onnx', true), 'README.md');
    assert.equal(modelCardName('model.onnx', false), 'model.README.md');
    assert.equal(modelCardName('pets.onnx', true), 'pets.README.md');
    assert.equal(modelCardName('pets', false), 'pets.README.md');
  });

  const variants: ExportedModel[] = [
    binary,
    { ...binary, resize: 'cover', preprocessing: 'zero1', classes: ['a', 'b', 'c'], sigmoid: false },
    { ...binary, resize: 'contain', preprocessing: 'caffe', inputSize: 227 },
  ];
  for (const m of variants) {
    it(`gives a Node example that parses (${m.preprocessing}, ${m.resize})`, () => {
      const js = nodeSnippet(m, 'model.onnx');
      const r = spawnSync(process.execPath, ['--check', '--input-type=commonjs'], { input: js, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(js, new RegExp(`fit: '${m.resize}'`));
      assert.match(js, new RegExp(`\\[1, ${m.inputSize}, ${m.inputSize}, 3\\]`));
    });

    it(`gives a Python example that parses (${m.preprocessing}, ${m.resize})`, (t) => {
      const py = pythonSnippet(m, 'model.onnx');
      const r = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: py, encoding: 'utf8' });
      if (r.error) return t.skip('no python3 here');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(py.split('\n').length, 8);
    });
  }

  it('preprocesses in the examples with the same numbers as the trainer', () => {
    assert.match(pythonSnippet(binary, 'm.onnx'), /np\.asarray\(img, np\.float32\)\[None\] \/ 127\.5 - 1/);
    const caffe = { ...binary, preprocessing: 'caffe' as const };
    assert.match(pythonSnippet(caffe, 'm.onnx'), /\[\.\.\., ::-1\] - np\.float32\(\[103\.939, 116\.779, 123\.68\]\)/);
    assert.match(nodeSnippet(caffe, 'm.onnx'), /x\[i \+ c\] = rgb\[i \+ 2 - c\] - means\[c\]/);
    assert.match(pythonSnippet({ ...binary, resize: 'cover' }, 'm.onnx'), /ImageOps\.fit\(/);
    assert.match(pythonSnippet({ ...binary, resize: 'contain' }, 'm.onnx'), /ImageOps\.pad\(.*color=\(0, 0, 0\)\)/);
  });
});

const kerasPassed: ExportVerification = {
  status: 'passed', images: 280, maxAbsDiff: 0, argmaxAgreement: 1, tolerance: 1e-6, runtime: 'tfjs wasm',
  reference: 'tfjs wasm', skipped: [], seconds: 9,
  onnx: { status: 'passed', maxAbsDiff: 4.1e-7, argmaxAgreement: 1, tolerance: 1e-4, runtime: 'onnxruntime-node 1.30.0 (CPU provider)' },
};
const kerasCard = (m: ExportedModel, verification: ExportVerification = kerasPassed) => modelCard({
  model: m, format: 'keras', fileName: 'model.h5', bytes: 2_400_000, kerasVersion: '2.4.0', inputName: 'input_1',
  outputName: 'dense_Dense2', tfjsModel: '../model/model.json', mode: 'feature-extractor', dataset: '/data/pets',
  best: { epoch: 7, loss: 0.1, acc: 0.97, valLoss: 0.08, valAcc: 0.9714, lr: 1e-3, seconds: 2 }, epochs: 12,
  verification, exportedAt: '2026-01-02T03:04:05Z',
});

describe('the Keras export: root attributes, labels.txt and its card', () => {
  it('keeps the sigmoid of a binary model and says so in the attributes, which Keras does not read', () => {
    const attrs = kerasMetadata(binary);
    assert.equal(attrs.output, 'one sigmoid p = P(dog) per image; P(cat) = 1 - p');
    assert.equal(attrs.binary, undefined);
    assert.deepEqual(Object.keys(attrs).filter((k) => ['model_config', 'keras_version', 'backend', 'training_config'].includes(k)), []);
    assert.equal(kerasMetadata({ ...binary, classes: ['a', 'b', 'c'], sigmoid: false }).output,
      'probabilities, one per class in the order of classes; they sum to 1');
  });

  it('reads its own attributes back as the saved model\'s metadata', () => {
    assert.deepEqual(metadataFromAttributes(kerasMetadata(binary)), {
      classes: ['cat', 'dog'], inputSize: 224, preprocessing: 'minus1to1', resize: 'fill',
      backbone: 'mobilenet_v2_0.35_224', cut: 'out_relu',
    });
  });

  const foreign: [string, Record<string, string>][] = [
    ['none (a Teachable Machine file)', {}],
    ['classes not JSON', { classes: 'cat,dog' }],
    ['classes not strings', { classes: '[1, 2]' }],
    ['no classes', { classes: '[]' }],
    ['an input size that is not a whole number', { input_size: '22.5' }],
    ['a preprocessing the trainer does not have', { preprocessing: 'imagenet' }],
    ['a resize the trainer does not have', { resize: 'crop' }],
  ];
  for (const [name, attrs] of foreign) {
    it(`believes nothing of ${name}`, () => assert.deepEqual(metadataFromAttributes(attrs), {}));
  }

  it('writes labels.txt as Teachable Machine does, one "index name" line per output', () => {
    assert.equal(teachableLabels(['cat', 'dog']), '0 cat\n1 dog\n');
    assert.equal(teachableLabels(['golden retriever', 'tabby cat', '3 legs']), '0 golden retriever\n1 tabby cat\n2 3 legs\n');
  });

  it('names the card after the file, so it never takes the ONNX card\'s README.md', () => {
    assert.equal(modelCardName('model.h5', true, 'keras'), 'model.h5.README.md');
    assert.equal(modelCardName('pets.h5', false, 'keras'), 'pets.h5.README.md');
  });

  it('lists the classes, the sigmoid, labels.txt, the input, both checks and the attributes', () => {
    const text = kerasCard(binary);
    assert.match(text, /^# r1: Keras model card\n/);
    assert.match(text, /`model\.h5` \(2\.40 MB\) is the backbone and head .* Keras 2 full-model HDF5 file \(keras_version 2\.4\.0/);
    assert.match(text, /`dense_Dense2`: float32 \[N, 1\], one sigmoid p = P\(dog\) per image \(P\(cat\) = 1 - p\)/);
    assert.match(text, /\| 0 \| cat \|\n\| 1 \| dog \|\n\n`labels\.txt` beside the file/);
    assert.match(text, /`input_1`: float32 \[N, 224, 224, 3\], NHWC/);
    assert.match(text, /Preprocessing `minus1to1`: x = pixel \/ 127\.5 - 1/);
    assert.match(text, /The file read back into TF\.js \(tfjs wasm\) against the run's TF\.js model \(tfjs wasm\), on the same 280 decoded validation images .* 0\.00e\+0 \(at most 0\.000001 allowed\), and the most likely class is the same on 280 of 280\. Converted to ONNX and run in ONNX Runtime \(onnxruntime-node 1\.30\.0 \(CPU provider\)\) on the same images: the largest difference is 4\.10e-7 \(at most 0\.0001 allowed\)/);
    assert.match(text, /A binary model outputs one sigmoid, p = P\(dog\)\./);
    assert.match(text, /```python\nimport numpy as np, tensorflow as tf\n[^`]*tf\.keras\.models\.load_model\("model\.h5", compile=False\)/);
    assert.match(text, /```js\n[^`]*tf\.loadLayersModel\('file:\/\/' \+ path\.resolve\(__dirname, "\.\.\/model\/model\.json"\)\)/);
    assert.match(text, /- `classes`: \["cat","dog"\]\n/);
    assert.match(text, /h5py\.File\(path\)\.attrs/);
    assert.doesNotMatch(text, /onnxruntime as ort|metadata_props/);
  });

  it('says when ONNX Runtime did not run the file, and why', () => {
    const text = kerasCard(binary, { ...kerasPassed, onnx: { status: 'skipped', tolerance: 1e-4, reason: 'ONNX Runtime cannot run here: onnxruntime-node is not installed (an optional dependency)' } });
    assert.match(text, /280 of 280\. Not run in ONNX Runtime: ONNX Runtime cannot run here: onnxruntime-node is not installed/);
  });

  const kerasVariants: [ExportedModel, RegExp][] = [
    [binary, /print\(classes\[int\(p\[0\] > 0\.5\)\], p\)  # one sigmoid: p\[0\] = P\(dog\), P\(cat\) = 1 - p\[0\]/],
    [{ ...binary, resize: 'cover', preprocessing: 'zero1', classes: ['a', 'b', 'c'], sigmoid: false }, /print\(classes\[int\(p\.argmax\(\)\)\], p\)$/],
    [{ ...binary, resize: 'contain', preprocessing: 'caffe', inputSize: 227, sigmoid: false }, /\[\.\.\., ::-1\] - np\.float32/],
  ];
  for (const [m, last] of kerasVariants) {
    it(`gives a Keras Python example that parses (${m.preprocessing}, ${m.resize}, ${m.sigmoid ? 'sigmoid' : 'softmax'})`, (t) => {
      const py = kerasPythonSnippet(m, m.sigmoid, 'model.h5');
      assert.match(py, last);
      assert.ok(py.split('\n').length <= 7, py);
      assert.match(py, new RegExp(`classes = ${JSON.stringify(JSON.stringify(m.classes)).slice(1, -1).replace(/[[\]]/g, '\\$&')}`));
      const r = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: py, encoding: 'utf8' });
      if (r.error) return t.skip('no python3 here');
      assert.equal(r.status, 0, r.stderr);
    });

    it(`gives a TF.js example that parses (${m.preprocessing}, ${m.resize}, ${m.sigmoid ? 'sigmoid' : 'softmax'})`, () => {
      const js = tfjsSnippet(m, m.sigmoid, '../model/model.json');
      const r = spawnSync(process.execPath, ['--check', '--input-type=commonjs'], { input: js, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(js, new RegExp(`fit: '${m.resize}'`));
      assert.match(js, new RegExp(`tf\\.tensor4d\\(x, \\[1, ${m.inputSize}, ${m.inputSize}, 3\\]\\)`));
      assert.match(js, m.sigmoid ? /const p = \[1 - q, q\];/ : /const p = Array\.from\(/);
    });
  }
});

describe('is the export the same model', () => {
  const rows = (...r: number[][]) => r.map((x) => Float32Array.from(x));
  const cases: { name: string; ref: number[][]; got: number[][]; max: number; differing: number[]; why?: RegExp }[] = [
    { name: 'identical', ref: [[0.2, 0.8], [0.9, 0.1]], got: [[0.2, 0.8], [0.9, 0.1]], max: 0, differing: [] },
    { name: 'within the tolerance', ref: [[0.2, 0.8]], got: [[0.20005, 0.79995]], max: 5e-5, differing: [] },
    { name: 'a probability too far', ref: [[0.2, 0.8]], got: [[0.3, 0.7]], max: 0.1, differing: [],
      why: /^a class probability differs by 1\.00e-1 \(at most 0\.0001 allowed\)$/ },
    { name: 'a near tie that flips', ref: [[0.49999, 0.50001]], got: [[0.50001, 0.49999]], max: 2e-5, differing: [0],
      why: /^the most likely class differs on 1 of 1 images \(a\.jpg\)$/ },
    { name: 'NaN', ref: [[0.5, 0.5]], got: [[NaN, 0.5]], max: Infinity, differing: [],
      why: /differs by Infinity/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const a = probabilityAgreement(rows(...c.ref), rows(...c.got));
      assert.ok(Math.abs(a.maxAbsDiff - c.max) <= 1e-6 || a.maxAbsDiff === c.max, `max ${a.maxAbsDiff}`);
      assert.deepEqual(a.differing, c.differing);
      const why = disagreement(a, 1e-4, ['a.jpg']);
      if (c.why) assert.match(why ?? '', c.why);
      else assert.equal(why, undefined);
    });
  }

  it('names at most three images that changed class, and counts the rest', () => {
    const ref = rows(...Array.from({ length: 5 }, () => [0.9, 0.1]));
    const got = rows(...Array.from({ length: 5 }, () => [0.1, 0.9]));
    const why = disagreement(probabilityAgreement(ref, got), 1, ['1.jpg', '2.jpg', '3.jpg', '4.jpg', '5.jpg']);
    assert.equal(why, 'the most likely class differs on 5 of 5 images (1.jpg, 2.jpg, 3.jpg and 2 more)');
  });

  it('refuses rows that do not pair up', () => {
    assert.throws(() => probabilityAgreement(rows([1, 0]), rows()), /1 reference rows but 0 candidate rows/);
    assert.throws(() => probabilityAgreement(rows([1, 0]), rows([1, 0, 0])), /row 0: 2 reference values but 3/);
  });
});

describe('the export contract', () => {
  const defaults = { runsDir: '/w/runs', cacheDir: '/w/cache' };

  it('fills in ONNX, 500 verification images, the batch and the engine', () => {
    assert.deepEqual(parseJobConfig('export', { runDir: '/r', thumbnailDir: '/t' }, defaults),
      { runDir: '/r', format: 'onnx', verifyImages: 500, batch: 32, engine: 'auto' });
    assert.equal(parseJobConfig('export', { runDir: '/r', verifyImages: 0 }, defaults).verifyImages, 0);
  });

  const result: ExportResult = {
    runId: 'r1', runDir: '/runs/r1', format: 'onnx', out: '/runs/r1/export/model.onnx',
    modelCard: '/runs/r1/export/README.md', bytes: 1_900_000, inputName: 'image', outputName: 'output',
    inputShape: [null, 224, 224, 3], outputShape: [null, 2], classes: ['cat', 'dog'], binaryExpanded: true,
    metadata: onnxMetadata(binary), verification: passed, seconds: 14,
  };

  it('keeps a Keras result, its labels.txt and both checks', () => {
    const keras: ExportResult = {
      ...result, format: 'keras', out: '/runs/r1/export/model.h5', modelCard: '/runs/r1/export/model.h5.README.md',
      labels: '/runs/r1/export/labels.txt', inputName: 'input_1', outputName: 'dense_Dense2', outputShape: [null, 1],
      binaryExpanded: false, metadata: kerasMetadata(binary), verification: kerasPassed,
    };
    assert.deepEqual(parseJobResult('export', keras), keras);
    assert.equal(parseJobConfig('export', { runDir: '/r', format: 'keras' }, defaults).format, 'keras');
    assert.throws(() => parseJobResult('export', { ...keras, verification: { ...kerasPassed, onnx: { status: 'ok', tolerance: 1e-4 } } }),
      { message: /^result\.verification\.onnx\.status: expected "passed" \| "skipped", got "ok"$/ });
  });

  it('keeps every field of a result and names a wrong one', () => {
    assert.deepEqual(parseJobResult('export', result), result);
    assert.throws(() => parseJobResult('export', { ...result, verification: { ...passed, status: 'failed' } }),
      { message: /^result\.verification\.status: expected "passed" \| "skipped", got "failed"$/ });
    assert.throws(() => parseJobResult('export', { ...result, inputShape: [null, '224'] }),
      { message: /^result\.inputShape\[1\]: expected number/ });
  });
});

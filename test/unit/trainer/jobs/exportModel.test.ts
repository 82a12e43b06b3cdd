// The export job end to end, in-process through runJob (the path the trainer child and the CLI take): quick runs
// on a few shared dogs-vs-cats photos with MobileNet v1 0.25, a binary one (one sigmoid) and a three-class one
// (softmax), each exported and then loaded in ONNX Runtime by the test itself, next to the TF.js model; and each
// exported as a Keras .h5, read back by the test, run by `predict`, converted to ONNX, and opened with h5py.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { ExportResult } from '../../../../src/core/jobs/exportModel';
import type { JobName } from '../../../../src/core/jobs';
import type { PredictResult } from '../../../../src/core/jobs/predict';
import type { TrainResult } from '../../../../src/core/jobs/train';
import { loadEngine, type Tf } from '../../../../src/trainer/engine/engine';
import { loadSavedModel, predictFiles } from '../../../../src/trainer/forward/savedModel';
import { decodeBatches, preprocessInto } from '../../../../src/trainer/images/imagePipeline';
import { loadKerasModel, readKerasModelFile } from '../../../../src/trainer/model/keras/kerasH5';
import { fileSystemSaver } from '../../../../src/trainer/model/modelFiles';
import { convertLayersModel } from '../../../../src/trainer/model/onnx/layersToOnnx';
import { decodeModel } from '../../../../src/trainer/model/onnx/onnxProto';
import { runJob } from '../../../../src/trainer/jobs/runJob';
import { ROOT, SHARED, V1 } from '../../../fixtures/cliRun';
import { h5pyPython } from '../../../fixtures/kerasPython';
import { loadOrt, whyNoOrt } from '../model/onnx/ortCompare';

const DOGS_VS_CATS = path.join(SHARED, 'data/dogs-vs-cats/train');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-export-'));
const ctx = () => ({ emit: () => undefined, signal: new AbortController().signal });

async function job<T>(name: JobName, config: Record<string, unknown>) {
  const terminal = await runJob(name, config, ctx());
  if (terminal.type === 'done') return { result: terminal.result as T };
  return { error: terminal as { code: string; message: string; file?: string; hint?: string } };
}

async function done<T>(name: JobName, config: Record<string, unknown>): Promise<T> {
  const r = await job<T>(name, config);
  if (r.error) throw new Error(`${name} failed: ${r.error.message}`);
  return r.result!;
}

/** <dir>/<class>/<photo>, `n` photos each; a class may take another Kaggle class's photos from `start`. */
function classFolders(dir: string, spec: Record<string, { from: string; start: number; n: number }>): string {
  for (const [name, { from, start, n }] of Object.entries(spec)) {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    for (let i = start; i < start + n; i++) {
      fs.copyFileSync(path.join(DOGS_VS_CATS, `${from}.${i}.jpg`), path.join(dir, name, `${from}.${i}.jpg`));
    }
  }
  return dir;
}

/** A prepared dataset and a 2-epoch feature-extractor run on it. */
async function quickRun(name: string, spec: Parameters<typeof classFolders>[1]): Promise<TrainResult> {
  const prepared = path.join(work, `${name}-prepared`);
  await done('prepare', {
    source: classFolders(path.join(work, name), spec), out: prepared, placement: 'copy', val: 0.25, seed: 42,
  });
  return done<TrainResult>('train', {
    dataset: prepared, backbone: V1, runsDir: path.join(work, 'runs'), cacheDir: path.join(work, 'cache'),
    epochs: 2, augment: 0, batch: 8, workers: 1,
  });
}

/** The run's val images through the exported file in ONNX Runtime, and through the TF.js model, row by row. */
async function bothRuntimes(t: Tf, runDir: string, onnxFile: string) {
  const ort = (await loadOrt())!;
  const saved = await loadSavedModel(t, runDir);
  const files = (JSON.parse(fs.readFileSync(path.join(runDir, 'val-predictions.json'), 'utf8')) as { file: string }[])
    .map((p) => p.file);
  const tfjs: Float32Array[] = [];
  for await (const b of predictFiles(t, saved, files, 8, ctx(), 0)) tfjs.push(...b.probabilities);
  const session = await ort.InferenceSession.create(onnxFile, { intraOpNumThreads: 2 });
  const onnx: Float32Array[] = [];
  const { inputSize: size, resize, preprocessing } = saved.meta;
  for await (const b of decodeBatches(files, { size, resize, batchSize: 8 })) {
    const x = new Float32Array(b.images.length * size * size * 3);
    b.images.forEach((img, i) => preprocessInto(img, preprocessing, x, i * size * size * 3));
    const y = (await session.run({ image: new ort.Tensor('float32', x, [b.images.length, size, size, 3]) })).output;
    const k = y.dims[1] as number;
    for (let i = 0; i < b.images.length; i++) onnx.push((y.data as Float32Array).slice(i * k, (i + 1) * k));
  }
  await session.release();
  saved.model.dispose();
  return { tfjs, onnx, files };
}

const metadataOf = (file: string) =>
  Object.fromEntries(decodeModel(fs.readFileSync(file)).metadataProps.map((p) => [p.key, p.value]));

const valFiles = (runDir: string) =>
  (JSON.parse(fs.readFileSync(path.join(runDir, 'val-predictions.json'), 'utf8')) as { file: string }[]).map((p) => p.file);

/** The run's val images through its TF.js model and through `model` (another TF.js model), as probability rows. */
async function tfjsAndModel(t: Tf, runDir: string, model: tf.LayersModel) {
  const saved = await loadSavedModel(t, runDir);
  const files = valFiles(runDir);
  const reference: Float32Array[] = [], other: Float32Array[] = [];
  for await (const b of predictFiles(t, saved, files, 8, ctx(), 0)) reference.push(...b.probabilities);
  for await (const b of predictFiles(t, { model, meta: saved.meta }, files, 8, ctx(), 0)) other.push(...b.probabilities);
  saved.model.dispose();
  return { reference, other, files };
}

function largestDifference(a: Float32Array[], b: Float32Array[]): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  a.forEach((row, i) => {
    assert.equal(row.length, b[i].length, `row ${i}`);
    row.forEach((p, k) => (worst = Math.max(worst, Math.abs(p - b[i][k]))));
  });
  return worst;
}

/** `predict` over `images` with the run folder or a model file in its place: the CSV's rows, and what it logged. */
async function predictCsv(runDir: string, images: string, out: string) {
  const logs: string[] = [];
  const terminal = await runJob('predict', { runDir, images, out, workers: 1 },
    { emit: (e) => e.type === 'log' && logs.push(String((e as { message?: unknown }).message)), signal: new AbortController().signal });
  if (terminal.type !== 'done') throw new Error(`predict ${runDir} failed: ${(terminal as { message: string }).message}`);
  const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
  return { result: terminal.result as PredictResult, header: lines[0], rows: lines.slice(1).map((l) => l.split(',')), logs };
}

/** A few photos none of the quick runs trained on, as `predict` takes them: a folder. */
function unseenPhotos(): string {
  const dir = path.join(work, 'unseen');
  if (fs.existsSync(dir)) return dir;
  fs.mkdirSync(dir);
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8]) {
    fs.copyFileSync(path.join(SHARED, 'data/dogs-vs-cats/test', `${n}.jpg`), path.join(dir, `${n}.jpg`));
  }
  return dir;
}

/** h5py's view of an exported .h5: the root attributes, and each listed layer's weights by their dataset path. */
const H5PY_VIEW = `
import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
s = lambda v: v.decode('utf8') if isinstance(v, bytes) else str(v)
mw = f['model_weights']
layers = {}
for name in [s(n) for n in mw.attrs['layer_names']]:
    g = mw[name]
    layers[name] = [[s(w), list(g[s(w)].shape), str(g[s(w)].dtype)] for w in g.attrs['weight_names']]
config = json.loads(s(f.attrs['model_config']))
print(json.dumps({
    'attrs': {k: s(f.attrs[k]) for k in f.attrs.keys() if k != 'model_config'},
    'config_class': config['class_name'],
    'config_layers': [l['config']['name'] for l in config['config']['layers']],
    'nested': {l['config']['name']: [i['config']['name'] for i in l['config']['layers']]
               for l in config['config']['layers'] if 'layers' in l['config']},
    'layers': layers,
}))
`;

describe('export (ONNX and Keras), on quick real runs', () => {
  let t: Tf;
  let binary: TrainResult;
  let three: TrainResult | undefined;
  let exported: ExportResult;

  before(async () => {
    ({ tf: t } = await loadEngine('wasm'));
    await loadOrt();
    binary = await quickRun('binary', { cat: { from: 'cat', start: 0, n: 12 }, dog: { from: 'dog', start: 0, n: 12 } });
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('writes one file into <run>/export/ that ONNX Runtime loads, verified against TF.js on the val split',
    async (skip) => {
      if (whyNoOrt()) return skip.skip(whyNoOrt());
      exported = await done<ExportResult>('export', { runDir: binary.dir, workers: 1 });
      assert.equal(exported.out, path.join(binary.dir, 'export', 'model.onnx'));
      assert.equal(exported.modelCard, path.join(binary.dir, 'export', 'README.md'));
      assert.ok(fs.existsSync(exported.out) && fs.existsSync(exported.modelCard));
      assert.deepEqual(fs.readdirSync(path.dirname(exported.out)).sort(), ['README.md', 'model.onnx'], 'no temp left');
      assert.equal(exported.bytes, fs.statSync(exported.out).size);
      assert.deepEqual([exported.inputName, exported.outputName], ['image', 'output']);
      assert.deepEqual(exported.inputShape, [null, 224, 224, 3]);
      assert.deepEqual(exported.outputShape, [null, 2]);
      assert.equal(exported.binaryExpanded, true);
      const v = exported.verification;
      const valCount = binary.counts.val.reduce((a, b) => a + b, 0);
      assert.equal(v.status, 'passed', v.reason);
      assert.equal(v.images, valCount);
      assert.ok(v.maxAbsDiff! <= 1e-4, `max abs ${v.maxAbsDiff}`);
      assert.equal(v.argmaxAgreement, 1);
      assert.match(v.runtime!, /^onnxruntime-node \d+\.\d+/);
    });

  it('holds the classes, preprocessing, input size, resize, backbone and run in metadata_props', (skip) => {
    if (!exported) return skip.skip('no export');
    const meta = metadataOf(exported.out);
    assert.deepEqual(JSON.parse(meta.classes), ['cat', 'dog']);
    assert.equal(meta.producer, 'Transfer Lab');
    assert.equal(meta.run_id, binary.runId);
    assert.equal(meta.preprocessing, 'minus1to1');
    assert.match(meta.preprocessing_formula, /pixel \/ 127\.5 - 1/);
    assert.equal(meta.input_size, '224');
    assert.equal(meta.resize, 'fill');
    assert.equal(meta.backbone, 'mobilenet_v1_0.25_224_layers');
    assert.equal(meta.cut, 'conv_pw_13_relu');
    assert.deepEqual(meta, exported.metadata);
  });

  it('gives per-class probabilities that sum to 1 and match the TF.js model within 1e-4', async (skip) => {
    if (!exported) return skip.skip('no export');
    const { tfjs, onnx } = await bothRuntimes(t, binary.dir, exported.out);
    assert.equal(onnx.length, tfjs.length);
    let worst = 0;
    onnx.forEach((row, i) => {
      assert.equal(row.length, 2);
      assert.ok(Math.abs(row[0] + row[1] - 1) <= 1e-6, `row ${i} sums to ${row[0] + row[1]}`);
      worst = Math.max(worst, ...row.map((p, k) => Math.abs(p - tfjs[i][k])));
    });
    assert.ok(worst <= 1e-4, `largest difference ${worst}`);
  });

  it("writes a model card whose Node example runs and gives the model's probabilities", async (skip) => {
    if (!exported) return skip.skip('no export');
    const card = fs.readFileSync(exported.modelCard, 'utf8');
    assert.match(card, /\| 0 \| cat \|\n\| 1 \| dog \|/);
    assert.match(card, /x = pixel \/ 127\.5 - 1/);
    assert.match(card, /Resize `fill`: stretched to 224×224/);
    assert.match(card, new RegExp(`val_acc ${binary.best!.valAcc.toFixed(4)}`));
    assert.match(card, /validation images of the run's dataset: the largest difference in any class probability is /);
    assert.match(card, /```python\n[^`]+onnxruntime[^`]+```/);
    const js = /```js\n([^`]+)```/.exec(card)?.[1];
    assert.ok(js, 'no Node example');
    const script = path.join(path.dirname(exported.out), 'classify.js');
    fs.writeFileSync(script, js);
    const files = (JSON.parse(fs.readFileSync(path.join(binary.dir, 'val-predictions.json'), 'utf8')) as
      { file: string; probabilities: number[] }[]);
    const r = spawnSync(process.execPath, [script, files[0].file], {
      cwd: path.dirname(exported.out), encoding: 'utf8', env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') },
    });
    fs.rmSync(script);
    assert.equal(r.status, 0, r.stderr);
    const printed = JSON.parse(r.stdout) as { class: string; probabilities: number[] };
    printed.probabilities.forEach((p, k) => assert.ok(Math.abs(p - files[0].probabilities[k]) <= 1e-4,
      `${p} vs ${files[0].probabilities[k]}`));
    assert.equal(printed.class, files[0].probabilities[1] > files[0].probabilities[0] ? 'dog' : 'cat');
  });

  it('exports a three-class softmax run as it is, and names an --out elsewhere\'s card after the file',
    async (skip) => {
      if (whyNoOrt()) return skip.skip(whyNoOrt());
      three = await quickRun('three', {
        cat: { from: 'cat', start: 0, n: 8 }, dog: { from: 'dog', start: 0, n: 8 }, kitten: { from: 'cat', start: 600, n: 8 },
      });
      const folder = path.join(work, 'project');
      fs.mkdirSync(folder);
      fs.writeFileSync(path.join(folder, 'README.md'), 'the project\'s own README\n');
      const r = await done<ExportResult>('export', { runDir: three.dir, out: path.join(folder, 'pets.onnx'), workers: 1 });
      assert.equal(r.binaryExpanded, false);
      assert.deepEqual(r.outputShape, [null, 3]);
      assert.equal(r.verification.status, 'passed');
      assert.equal(r.modelCard, path.join(folder, 'pets.README.md'));
      assert.equal(fs.readFileSync(path.join(folder, 'README.md'), 'utf8'), 'the project\'s own README\n');
      assert.deepEqual(JSON.parse(metadataOf(r.out).classes), ['cat', 'dog', 'kitten']);
      const { tfjs, onnx } = await bothRuntimes(t, three.dir, r.out);
      onnx.forEach((row, i) => {
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) <= 1e-6, `row ${i}`);
        row.forEach((p, k) => assert.ok(Math.abs(p - tfjs[i][k]) <= 1e-4, `row ${i} class ${k}: ${p} vs ${tfjs[i][k]}`));
      });
    });

  it('without ONNX Runtime still writes the file, and says the check was skipped and why', (skip) => {
    if (!binary) return skip.skip('no run');
    const out = path.join(work, 'no-ort', 'model.onnx');
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/exportWithoutOrt.ts'),
      JSON.stringify({ runDir: binary.dir, out, workers: 1 })], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const terminal = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { type: string; result: ExportResult };
    assert.equal(terminal.type, 'done', r.stdout);
    const v = terminal.result.verification;
    assert.equal(v.status, 'skipped');
    assert.match(v.reason!, /ONNX Runtime cannot run here: onnxruntime-node is not installed/);
    assert.ok(fs.statSync(out).size > 100_000);
    assert.match(fs.readFileSync(path.join(work, 'no-ort', 'model.README.md'), 'utf8'),
      /Not verified: ONNX Runtime cannot run here/);
  });

  let keras: ExportResult | undefined;

  it('writes model.h5 and labels.txt into <run>/export/, verified read back (≤ 1e-6) and in ONNX Runtime (≤ 1e-4)',
    async () => {
      keras = await done<ExportResult>('export', { runDir: binary.dir, format: 'keras', workers: 1 });
      const dir = path.join(binary.dir, 'export');
      assert.equal(keras.format, 'keras');
      assert.equal(keras.out, path.join(dir, 'model.h5'));
      assert.equal(keras.labels, path.join(dir, 'labels.txt'));
      assert.equal(keras.modelCard, path.join(dir, 'model.h5.README.md'));
      for (const f of ['model.h5', 'labels.txt', 'model.h5.README.md']) assert.ok(fs.existsSync(path.join(dir, f)), f);
      assert.deepEqual(fs.readdirSync(dir).filter((f) => !['model.onnx', 'README.md', 'model.h5', 'labels.txt',
        'model.h5.README.md'].includes(f)), [], 'no temp file left, nothing else written');
      assert.equal(fs.readFileSync(keras.labels!, 'utf8'), '0 cat\n1 dog\n');
      assert.equal(keras.bytes, fs.statSync(keras.out).size);
      assert.deepEqual(keras.inputShape, [null, 224, 224, 3]);
      assert.deepEqual(keras.outputShape, [null, 1], 'a binary Keras model keeps its one sigmoid');
      assert.equal(keras.binaryExpanded, false);
      assert.deepEqual(JSON.parse(keras.metadata.classes), ['cat', 'dog']);
      assert.equal(keras.metadata.output, 'one sigmoid p = P(dog) per image; P(cat) = 1 - p');
      const v = keras.verification;
      assert.equal(v.status, 'passed', v.reason);
      assert.equal(v.images, binary.counts.val.reduce((a, b) => a + b, 0));
      assert.equal(v.tolerance, 1e-6);
      assert.ok(v.maxAbsDiff! <= 1e-6, `read back: max abs ${v.maxAbsDiff}`);
      assert.equal(v.argmaxAgreement, 1);
      if (whyNoOrt()) {
        assert.equal(v.onnx?.status, 'skipped');
      } else {
        assert.equal(v.onnx?.status, 'passed', v.onnx?.reason);
        assert.ok(v.onnx!.maxAbsDiff! <= 1e-4, `ONNX Runtime: max abs ${v.onnx!.maxAbsDiff}`);
        assert.equal(v.onnx!.argmaxAgreement, 1);
        assert.match(v.onnx!.runtime!, /^onnxruntime-node \d+\.\d+/);
      }
      const card = fs.readFileSync(keras.modelCard, 'utf8');
      assert.match(card, /^# .*: Keras model card\n/);
      assert.match(card, /tf\.keras\.models\.load_model\("model\.h5", compile=False\)/);
      assert.match(card, /one sigmoid: p\[0\] = P\(dog\)/);
      assert.match(card, /path\.resolve\(__dirname, "\.\.\/model\/model\.json"\)/);
      assert.ok(fs.existsSync(path.join(dir, '../model/model.json')), "the card's TF.js example names the run's model");
      assert.match(card, /Resize `fill`: stretched to 224×224/);
      assert.match(card, new RegExp(`val_acc ${binary.best!.valAcc.toFixed(4)}`));
    });

  it("writes a Keras card whose TF.js example runs on the run's model/ and gives its probabilities", (skip) => {
    if (!keras) return skip.skip('no Keras export');
    const js = /```js\n([^`]+)```/.exec(fs.readFileSync(keras.modelCard, 'utf8'))?.[1];
    assert.ok(js, 'no TF.js example');
    // tfjs-node is optional and not installed here: a stand-in with the file:// loader it registers, over plain tfjs.
    const shim = path.join(work, 'shim/node_modules/@tensorflow/tfjs-node');
    fs.mkdirSync(shim, { recursive: true });
    fs.writeFileSync(path.join(shim, 'index.js'), `
const tf = require('@tensorflow/tfjs'), fs = require('fs'), path = require('path');
tf.io.registerLoadRouter((url) => typeof url === 'string' && url.startsWith('file://') ? { async load() {
  const file = url.slice('file://'.length), m = JSON.parse(fs.readFileSync(file, 'utf8'));
  const data = Buffer.concat(m.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(path.dirname(file), p)))));
  return { modelTopology: m.modelTopology, weightSpecs: m.weightsManifest.flatMap((g) => g.weights),
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.length) };
} } : null);
module.exports = tf;`);
    const script = path.join(path.dirname(keras.out), 'classify-tfjs.js');
    fs.writeFileSync(script, js);
    const files = JSON.parse(fs.readFileSync(path.join(binary.dir, 'val-predictions.json'), 'utf8')) as
      { file: string; probabilities: number[] }[];
    const r = spawnSync(process.execPath, [script, files[0].file], {
      cwd: work, encoding: 'utf8',
      env: { ...process.env, NODE_PATH: [path.join(work, 'shim/node_modules'), path.join(ROOT, 'node_modules')].join(path.delimiter) },
    });
    fs.rmSync(script);
    assert.equal(r.status, 0, r.stderr);
    const printed = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { class: string; probabilities: number[] };
    printed.probabilities.forEach((p, k) => assert.ok(Math.abs(p - files[0].probabilities[k]) <= 1e-4,
      `${p} vs ${files[0].probabilities[k]}`));
    assert.equal(printed.class, files[0].probabilities[1] > files[0].probabilities[0] ? 'dog' : 'cat');
  });

  it('is one flat functional graph (Keras 2 and 3 number a nested head\'s call differently; Keras 3 refused ours)',
    async (skip) => {
      if (!keras) return skip.skip('no Keras export');
      const { modelConfig } = await readKerasModelFile(keras.out);
      const layers = (modelConfig as { config: { layers: { class_name: string; name: string }[] } }).config.layers;
      const nested = layers.filter((l) => ['Sequential', 'Functional', 'Model'].includes(l.class_name));
      assert.deepEqual(nested.map((l) => l.name), []);
      assert.ok(layers.some((l) => l.name === 'head_dense_256'), 'the head\'s layers are in the top graph');
    });

  it('reads back with loadKerasModel and gives the TF.js model\'s probabilities on the val images', async (skip) => {
    if (!keras) return skip.skip('no Keras export');
    const back = await loadKerasModel(t, keras.out);
    const { reference, other } = await tfjsAndModel(t, binary.dir, back);
    back.dispose();
    const worst = largestDifference(reference, other);
    assert.ok(worst <= 1e-6, `largest difference ${worst}`);
    reference.forEach((r, i) => assert.equal(r[1] > r[0], other[i][1] > other[i][0], `image ${i}`));
    skip.diagnostic(`read back: largest difference ${worst.toExponential(2)} on ${reference.length} images`);
  });

  it('`predict <model.h5> <images>` gives what `predict <run> <images>` gives, from the file and labels.txt alone',
    async (skip) => {
      if (!keras) return skip.skip('no Keras export');
      const images = unseenPhotos();
      const fromRun = await predictCsv(binary.dir, images, path.join(work, 'predict-run.csv'));
      const fromFile = await predictCsv(keras.out, images, path.join(work, 'predict-h5.csv'));
      assert.deepEqual(fromFile.result.classes, ['cat', 'dog']);
      assert.equal(fromFile.result.positive, fromRun.result.positive);
      assert.equal(fromFile.header, fromRun.header);
      assert.equal(fromFile.rows.length, 8);
      assert.deepEqual(fromFile.rows.map((r) => r[0]), fromRun.rows.map((r) => r[0]));
      fromFile.rows.forEach((r, i) => assert.ok(Math.abs(Number(r[1]) - Number(fromRun.rows[i][1])) <= 1e-6,
        `${r[0]}: ${r[1]} from the .h5, ${fromRun.rows[i][1]} from the run`));
      // The preprocessing and resize came from the file's attributes, not the Teachable Machine defaults.
      assert.deepEqual(fromFile.logs.filter((l) => /does not record its preprocessing/.test(l)), []);
    });

  it('converts, as read back, to ONNX that ONNX Runtime runs with the TF.js model\'s probabilities', async (skip) => {
    if (!keras) return skip.skip('no Keras export');
    if (whyNoOrt()) return skip.skip(whyNoOrt());
    const back = await loadKerasModel(t, keras.out);
    const conv = convertLayersModel(back);
    back.dispose();
    const file = path.join(work, 'from-h5.onnx');
    fs.writeFileSync(file, conv.bytes);
    const { tfjs, onnx } = await bothRuntimes(t, binary.dir, file);
    // The read-back model keeps its one sigmoid: ONNX Runtime's output is p = P(dog).
    assert.equal(onnx[0].length, 1);
    const worst = largestDifference(tfjs.map((r) => Float32Array.of(r[1])), onnx);
    assert.ok(worst <= 1e-4, `largest difference ${worst}`);
  });

  it('is laid out as Keras 2 writes a model, as h5py sees it, with the run\'s metadata as root attributes',
    (skip) => {
      if (!keras) return skip.skip('no Keras export');
      const { python, why } = h5pyPython();
      if (why) return skip.skip(why);
      const r = spawnSync(python!, ['-c', H5PY_VIEW, keras.out], { encoding: 'utf8', maxBuffer: 64 << 20 });
      assert.equal(r.status, 0, r.stderr);
      const view = JSON.parse(r.stdout) as {
        attrs: Record<string, string>; config_class: string; config_layers: string[];
        nested: Record<string, string[]>; layers: Record<string, [string, number[], string][]>;
      };
      assert.equal(view.attrs.keras_version, '2.4.0');
      assert.equal(view.attrs.backend, 'tensorflow');
      assert.equal(view.config_class, 'Model');
      assert.deepEqual(JSON.parse(view.attrs.classes), ['cat', 'dog']);
      assert.equal(view.attrs.preprocessing, 'minus1to1');
      assert.equal(view.attrs.input_size, '224');
      assert.equal(view.attrs.resize, 'fill');
      assert.equal(view.attrs.run_id, binary.runId);
      assert.deepEqual(Object.keys(view.layers), view.config_layers, 'every layer of the config, in order');
      const weights = Object.entries(view.layers).flatMap(([layer, ws]) => ws.map(([name, shape, dtype]) => ({ layer, name, shape, dtype })));
      assert.ok(weights.length > 50, `${weights.length} weights`);
      // model_weights/<layer>/<layer>/<weight>:0; a nested model's (the head's) as Keras nests them,
      // model_weights/<model>/<inner layer>/<weight>:0.
      for (const w of weights) {
        const [owner, param, ...rest] = w.name.split('/');
        assert.deepEqual(rest, [], w.name);
        assert.ok(owner === w.layer || view.nested[w.layer]?.includes(owner), `${w.name} under model_weights/${w.layer}`);
        assert.match(param, /^[a-z_]+:0$/, w.name);
        assert.equal(w.dtype, 'float32');
      }
      assert.deepEqual(view.layers.conv1?.map(([name, shape]) => [name, shape]), [['conv1/kernel:0', [3, 3, 3, 8]]]);
      const [headName, head] = Object.entries(view.layers).filter(([, ws]) => ws.length).at(-1)!;
      const [[kernel, [, units]], [bias, biasShape]] = head.slice(-2);
      assert.deepEqual([kernel.split('/')[1], units, bias.split('/')[1], biasShape], ['kernel:0', 1, 'bias:0', [1]],
        `the head's one sigmoid unit, last in ${headName}`);
    });

  it('without ONNX Runtime still verifies a Keras export read back, and says ONNX Runtime did not run it', (skip) => {
    if (!binary) return skip.skip('no run');
    const out = path.join(work, 'no-ort-keras', 'model.h5');
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/exportWithoutOrt.ts'),
      JSON.stringify({ runDir: binary.dir, format: 'keras', out, workers: 1 })], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const terminal = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { type: string; result: ExportResult };
    assert.equal(terminal.type, 'done', r.stdout);
    const v = terminal.result.verification;
    assert.equal(v.status, 'passed', v.reason);
    assert.ok(v.maxAbsDiff! <= 1e-6);
    assert.equal(v.onnx?.status, 'skipped');
    assert.match(v.onnx!.reason!, /^ONNX Runtime cannot run here: onnxruntime-node is not installed/);
    assert.match(fs.readFileSync(path.join(work, 'no-ort-keras', 'model.h5.README.md'), 'utf8'),
      /Not run in ONNX Runtime: ONNX Runtime cannot run here/);
  });

  it('refuses a .keras name for the Keras 2 HDF5 file it writes, before any work', async () => {
    const out = path.join(work, 'k3', 'model.keras');
    const r = await job<ExportResult>('export', { runDir: binary.dir, format: 'keras', out });
    assert.equal(r.error?.code, 'bad-input', r.error?.message);
    assert.match(r.error!.message, /a \.keras file is Keras 3's zip format/);
    assert.match(r.error!.hint!, /Name the file \.h5/);
    assert.equal(fs.existsSync(path.dirname(out)), false);
  });

  it('exports the three-class run to an --out elsewhere: labels.txt and <file>.README.md beside it, softmax kept',
    async (skip) => {
      if (!three) return skip.skip('no three-class run');
      const folder = path.join(work, 'tm-project');
      fs.mkdirSync(folder, { recursive: true });
      fs.writeFileSync(path.join(folder, 'README.md'), 'the project\'s own README\n');
      const r = await done<ExportResult>('export', { runDir: three.dir, format: 'keras', out: path.join(folder, 'pets.h5'), workers: 1 });
      assert.deepEqual(fs.readdirSync(folder).sort(), ['README.md', 'labels.txt', 'pets.h5', 'pets.h5.README.md']);
      assert.equal(fs.readFileSync(path.join(folder, 'README.md'), 'utf8'), 'the project\'s own README\n');
      assert.equal(fs.readFileSync(path.join(folder, 'labels.txt'), 'utf8'), '0 cat\n1 dog\n2 kitten\n');
      assert.deepEqual(r.outputShape, [null, 3]);
      assert.equal(r.verification.status, 'passed', r.verification.reason);
      assert.ok(r.verification.maxAbsDiff! <= 1e-6);
      const back = await loadKerasModel(t, r.out);
      const { reference, other } = await tfjsAndModel(t, three.dir, back);
      back.dispose();
      assert.ok(largestDifference(reference, other) <= 1e-6);
      const predicted = await predictCsv(r.out, unseenPhotos(), path.join(work, 'predict-pets.csv'));
      assert.equal(predicted.header, 'id,cat,dog,kitten');
    });

  it('names a layer the converter does not handle, with its type, and writes nothing', async () => {
    const runDir = path.join(work, 'runs', 'upsampling');
    const x = tf.input({ shape: [8, 8, 3] });
    const y = [
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv' }),
      tf.layers.upSampling2d({ size: [2, 2], name: 'grow' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 2, activation: 'softmax' }),
    ].reduce((h, layer) => layer.apply(h) as tf.SymbolicTensor, x);
    const model = tf.model({ inputs: x, outputs: y });
    model.setUserDefinedMetadata({ classes: ['a', 'b'], inputSize: 8, preprocessing: 'zero1', resize: 'fill' });
    await model.save(fileSystemSaver(path.join(runDir, 'model')));
    fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({
      id: 'upsampling', status: 'completed', mode: 'feature-extractor', backbone: 'custom', dataset: '/nowhere',
      classes: ['a', 'b'], engine: 'wasm', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z',
      config: {}, history: [], timings: {},
    }));
    const r = await job<ExportResult>('export', { runDir });
    assert.equal(r.error?.code, 'bad-input', r.error?.message);
    assert.equal(r.error!.message,
      'Run upsampling cannot be exported to ONNX: layer "grow" (UpSampling2D) has no ONNX conversion yet.');
    assert.match(r.error!.hint!, /UpSampling2D/);
    assert.doesNotMatch(r.error!.message, /\n\s+at /);
    assert.equal(fs.existsSync(path.join(runDir, 'export')), false);
  });
});

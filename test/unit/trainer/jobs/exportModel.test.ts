// The export job end to end, in-process through runJob (the path the trainer child and the CLI take): quick runs
// on a few shared dogs-vs-cats photos with MobileNet v1 0.25, a binary one (one sigmoid) and a three-class one
// (softmax), each exported and then loaded in ONNX Runtime by the test itself, next to the TF.js model.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { ExportResult } from '../../../../src/core/jobs/exportModel';
import type { JobName } from '../../../../src/core/jobs';
import type { TrainResult } from '../../../../src/core/jobs/train';
import { loadEngine, type Tf } from '../../../../src/trainer/engine/engine';
import { loadSavedModel, predictFiles } from '../../../../src/trainer/forward/savedModel';
import { decodeBatches, preprocessInto } from '../../../../src/trainer/images/imagePipeline';
import { fileSystemSaver } from '../../../../src/trainer/model/modelFiles';
import { decodeModel } from '../../../../src/trainer/model/onnx/onnxProto';
import { runJob } from '../../../../src/trainer/jobs/runJob';
import { ROOT, SHARED, V1 } from '../../../fixtures/cliRun';
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

describe('export (ONNX), on quick real runs', () => {
  let t: Tf;
  let binary: TrainResult;
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
      const three = await quickRun('three', {
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

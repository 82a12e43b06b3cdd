// `transfer-lab export` as a user runs it (needs `npm run build`), on the shared dogs-vs-cats data prepared 80/20
// (280 validation photos) and a feature-extractor run on the bundled MobileNetV2 0.35: the exported ONNX file, run
// here in ONNX Runtime on every validation photo, against the TF.js model; and the same run exported as a Keras .h5,
// verified by the job on the 280 photos (read back, and as ONNX in ONNX Runtime) and read back here too. About 55 s
// on 2 cores, measured 53 s: training (embedding the 1,400 photos) ~15 s, the ONNX export + verification 9 s and
// this test's comparison 6 s, the Keras export + both verifications 14 s and this test's read-back 7 s.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ExportResult } from '../../../../src/core/jobs/exportModel';
import { argmax } from '../../../../src/core/metrics';
import { loadEngine } from '../../../../src/trainer/engine/engine';
import { loadKerasModel } from '../../../../src/trainer/model/keras/kerasH5';
import { loadSavedModel, predictFiles } from '../../../../src/trainer/forward/savedModel';
import { decodeBatches, preprocessInto } from '../../../../src/trainer/images/imagePipeline';
import { CLI, cliJson, SHARED } from '../../../fixtures/cliRun';
import { loadOrt, whyNoOrt } from '../model/onnx/ortCompare';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-export-real-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

describe('export on real data (CLI, dogs-vs-cats, MobileNetV2 0.35)', () => {
  let run: { dir: string; runId: string; counts: { val: number[] } };
  let exported: ExportResult;
  let exportSeconds = 0;
  /** The TF.js model's probabilities on the 280 photos, from the second test, for the Keras read-back. */
  let tfjs: Float32Array[] | undefined;
  let valFiles: string[] = [];

  before(() => {
    const prepared = path.join(work, 'prepared');
    cliJson(['prepare', path.join(SHARED, 'data/dogs-vs-cats'), '--out', prepared, '--val', '0.2', '--seed', '42',
      '--copy', '--json']);
    const r = cliJson(['train', prepared, '--backbone', 'mobilenet_v2_0.35_224', '--resize', 'fill', '--augment', '0',
      '--epochs', '10', '--runs', path.join(work, 'runs'), '--cache', path.join(work, 'cache'), '--json']).json;
    run = { dir: r.dir, runId: r.id, counts: r.counts };
  });

  it('verifies the export on the 280 validation photos: max abs ≤ 1e-4, the same class on every one', async (t) => {
    await loadOrt();
    if (whyNoOrt()) return t.skip(whyNoOrt());
    assert.deepEqual(run.counts.val, [140, 140]);
    const r = cliJson(['export', run.dir, '--json']);
    exported = r.json as ExportResult;
    exportSeconds = r.seconds;
    const v = exported.verification;
    assert.equal(v.status, 'passed', v.reason);
    assert.equal(v.images, 280);
    assert.ok(v.maxAbsDiff! <= 1e-4, `max abs ${v.maxAbsDiff}`);
    assert.equal(v.argmaxAgreement, 1);
    t.diagnostic(`export + verify: ${exportSeconds.toFixed(1)} s for the whole CLI process (verification ` +
      `${v.seconds.toFixed(1)} s); max abs ${v.maxAbsDiff!.toExponential(2)}, argmax ${v.argmaxAgreement! * 280}/280`);
  });

  it('the file, run by this test in ONNX Runtime, matches TF.js on all 280 photos and sums to 1', async (t) => {
    if (!exported) return t.skip('no export');
    const ort = (await loadOrt())!;
    const { tf } = await loadEngine('wasm');
    const saved = await loadSavedModel(tf, run.dir);
    const files = (JSON.parse(fs.readFileSync(path.join(run.dir, 'val-predictions.json'), 'utf8')) as
      { file: string }[]).map((p) => p.file);
    const ctx = { emit: () => undefined, signal: new AbortController().signal };
    tfjs = [];
    valFiles = files;
    // No frozen setting: the TF.js model itself, whatever evaluate and predict run on.
    for await (const b of predictFiles(tf, saved, files, 32, ctx, 'auto')) tfjs.push(...b.probabilities);
    const session = await ort.InferenceSession.create(exported.out);
    const onnx: Float32Array[] = [];
    const { inputSize: s, resize, preprocessing } = saved.meta;
    for await (const b of decodeBatches(files, { size: s, resize, batchSize: 32 })) {
      const x = new Float32Array(b.images.length * s * s * 3);
      b.images.forEach((img, i) => preprocessInto(img, preprocessing, x, i * s * s * 3));
      const y = (await session.run({ image: new ort.Tensor('float32', x, [b.images.length, s, s, 3]) })).output;
      for (let i = 0; i < b.images.length; i++) onnx.push((y.data as Float32Array).slice(2 * i, 2 * i + 2));
    }
    await session.release();
    saved.model.dispose();
    assert.equal(onnx.length, 280);
    let worst = 0;
    onnx.forEach((row, i) => {
      assert.ok(Math.abs(row[0] + row[1] - 1) <= 1e-6, `${files[i]} sums to ${row[0] + row[1]}`);
      assert.equal(argmax(row), argmax(tfjs![i]), files[i]);
      worst = Math.max(worst, Math.abs(row[0] - tfjs![i][0]), Math.abs(row[1] - tfjs![i][1]));
    });
    assert.ok(worst <= 1e-4, `largest difference ${worst}`);
    t.diagnostic(`this test's own comparison: max abs ${worst.toExponential(2)} on 280 photos`);
  });

  let keras: ExportResult | undefined;

  it('exports the same run as Keras .h5, verified on the 280 photos: read back ≤ 1e-6, in ONNX Runtime ≤ 1e-4',
    async (t) => {
      if (!run) return t.skip('no run');
      await loadOrt();
      const r = cliJson(['export', run.dir, '--format', 'keras', '--json']);
      keras = r.json as ExportResult;
      assert.equal(keras.out, path.join(run.dir, 'export', 'model.h5'));
      assert.equal(fs.readFileSync(keras.labels!, 'utf8'), '0 cat\n1 dog\n');
      assert.ok(fs.existsSync(path.join(run.dir, 'export', 'model.h5.README.md')));
      const v = keras.verification;
      assert.equal(v.status, 'passed', v.reason);
      assert.equal(v.images, 280);
      assert.ok(v.maxAbsDiff! <= 1e-6, `read back: max abs ${v.maxAbsDiff}`);
      assert.equal(v.argmaxAgreement, 1);
      let onnx = 'not run in ONNX Runtime';
      if (!whyNoOrt()) {
        assert.equal(v.onnx?.status, 'passed', v.onnx?.reason);
        assert.ok(v.onnx!.maxAbsDiff! <= 1e-4, `ONNX Runtime: max abs ${v.onnx!.maxAbsDiff}`);
        assert.equal(v.onnx!.argmaxAgreement, 1);
        onnx = `as ONNX in ONNX Runtime max abs ${v.onnx!.maxAbsDiff!.toExponential(2)}, argmax ` +
          `${v.onnx!.argmaxAgreement! * 280}/280`;
      }
      t.diagnostic(`Keras export + verify: ${r.seconds.toFixed(1)} s for the whole CLI process (verification ` +
        `${v.seconds.toFixed(1)} s, ${(keras.bytes / 1e6).toFixed(2)} MB); read back max abs ` +
        `${v.maxAbsDiff!.toExponential(2)}, argmax ${v.argmaxAgreement! * 280}/280; ${onnx}`);
    });

  it('the .h5, read back by this test, gives the TF.js model\'s probabilities on all 280 photos', async (t) => {
    if (!keras || !tfjs) return t.skip('no Keras export or no TF.js probabilities');
    const { tf } = await loadEngine('wasm');
    const back = await loadKerasModel(tf, keras.out);
    const saved = await loadSavedModel(tf, run.dir);
    saved.model.dispose();
    const ctx = { emit: () => undefined, signal: new AbortController().signal };
    const rows: Float32Array[] = [];
    for await (const b of predictFiles(tf, { model: back, meta: saved.meta }, valFiles, 32, ctx, 0)) rows.push(...b.probabilities);
    back.dispose();
    assert.equal(rows.length, 280);
    let worst = 0;
    rows.forEach((row, i) => {
      assert.equal(argmax(row), argmax(tfjs![i]), valFiles[i]);
      worst = Math.max(worst, Math.abs(row[0] - tfjs![i][0]), Math.abs(row[1] - tfjs![i][1]));
    });
    assert.ok(worst <= 1e-6, `largest difference ${worst}`);
    t.diagnostic(`this test's own read-back: max abs ${worst.toExponential(2)} on 280 photos`);
  });

  it('prints a summary without --json, and skips the check with --verify-images 0, saying so', (t) => {
    if (!run) return t.skip('no run');
    const out = path.join(work, 'unverified', 'cats-dogs.onnx');
    const r = spawnSync(process.execPath, [CLI, 'export', run.dir, '--out', out, '--verify-images', '0'],
      { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+\\.\\d\\d MB\\)`));
    assert.match(r.stdout, /output output float32 \[N, 2\]: \[1 - p, p\] = P\(cat\), P\(dog\)/);
    assert.match(r.stdout, /not verified: the check was turned off/);
    assert.match(r.stdout, /model card: .*cats-dogs\.README\.md/);
    assert.ok(fs.existsSync(out));
    const h5 = path.join(work, 'unverified', 'cats-dogs.h5');
    const k = spawnSync(process.execPath, [CLI, 'export', run.dir, '--format', 'keras', '--out', h5, '--verify-images', '0'],
      { encoding: 'utf8' });
    assert.equal(k.status, 0, k.stderr);
    assert.match(k.stdout, /float32 \[N, 1\]: one sigmoid p = P\(dog\)/);
    assert.match(k.stdout, /not verified: the check was turned off/);
    assert.match(k.stdout, /labels: .*unverified\/labels\.txt/);
    assert.match(k.stdout, /model card: .*cats-dogs\.h5\.README\.md/);
  });

  it('refuses a format it does not write, a bad image count and a folder that is not a run, before any work', () => {
    const format = spawnSync(process.execPath, [CLI, 'export', work, '--format', 'tflite', '--json'], { encoding: 'utf8' });
    assert.equal(format.status, 2);
    assert.match(format.stderr, /--format must be one of onnx, keras, got "tflite"/);
    assert.equal(JSON.parse(format.stdout.trim().split('\n').at(-1)!).error.code, 'usage');
    const count = spawnSync(process.execPath, [CLI, 'export', work, '--verify-images', '-1'], { encoding: 'utf8' });
    assert.equal(count.status, 2);
    assert.match(count.stderr, /--verify-images must be a whole number from 0 to 100000, got "-1"/);
    const notRun = spawnSync(process.execPath, [CLI, 'export', work, '--json'], { encoding: 'utf8' });
    assert.equal(notRun.status, 2);
    assert.match(JSON.parse(notRun.stdout.trim().split('\n').at(-1)!).error.message, /is not a run folder/);
  });
});

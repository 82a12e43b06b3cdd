// Every test id survives prepare: exact copies inside test/, and test images that are copies of training images,
// are findings, never exclusions (a Kaggle submission needs a row for every id). Train/val keep the old rule.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MANIFEST_FILE, parseManifest, type DatasetManifest } from '../../src/core/datasetManifest';
import type { PrepareResult } from '../../src/core/jobs/prepare';
import { runJob } from '../../src/trainer/jobs/runJob';
import { cliJson } from '../fixtures/cliRun';
import { patternJpeg } from '../fixtures/syntheticImages';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-test-ids-'));
const src = path.join(tmp, 'kaggle');
const out = path.join(tmp, 'kaggle-prepared');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const put = (rel: string, data: Buffer) => {
  fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
  fs.writeFileSync(path.join(src, rel), data);
};
const copy = (from: string, to: string) => put(to, fs.readFileSync(path.join(src, from)));

/** The test ids and what each one is: unique, a copy of another test image, or a copy of a training image. */
const TEST_IDS = Array.from({ length: 11 }, (_, i) => `${i + 1}.jpg`);

async function buildKaggle(): Promise<void> {
  for (let i = 1; i <= 6; i++) {
    put(`train/cat.${i}.jpg`, await patternJpeg(i));
    put(`train/dog.${i}.jpg`, await patternJpeg(100 + i));
  }
  // A label conflict: the same picture named cat and dog.
  put('train/cat.7.jpg', await patternJpeg(200));
  copy('train/cat.7.jpg', 'train/dog.7.jpg');
  for (let i = 1; i <= 6; i++) put(`test/${i}.jpg`, await patternJpeg(300 + i));
  copy('test/3.jpg', 'test/7.jpg');
  copy('test/3.jpg', 'test/8.jpg');
  copy('train/cat.2.jpg', 'test/9.jpg');
  copy('train/dog.5.jpg', 'test/10.jpg');
  copy('train/cat.7.jpg', 'test/11.jpg');
}

async function prepare(config: Record<string, unknown>): Promise<PrepareResult> {
  const terminal = await runJob('prepare', config, { emit: () => undefined, signal: new AbortController().signal });
  assert.equal(terminal.type, 'done', JSON.stringify(terminal));
  return (terminal as { result: PrepareResult }).result;
}

describe('prepare keeps every test id (Kaggle layout with copies in test/)', () => {
  let result: PrepareResult;
  let manifest: DatasetManifest;

  before(async () => {
    await buildKaggle();
    result = await prepare({ source: src, out, seed: 42 });
    const parsed = parseManifest(JSON.parse(fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8')));
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    manifest = parsed.value;
  });

  it('places all 11 test ids, each as its own file with its own content', () => {
    assert.deepEqual(result.counts.test, { '(unlabeled)': TEST_IDS.length });
    const tests = manifest.files.filter((f) => f.split === 'test');
    assert.deepEqual(tests.map((f) => path.basename(f.path)).sort(), [...TEST_IDS].sort());
    assert.deepEqual(fs.readdirSync(path.join(out, 'test')).sort(), [...TEST_IDS].sort());
    for (const f of tests) {
      assert.equal(sha(path.join(out, f.path)), sha(path.join(src, 'test', path.basename(f.path))), f.path);
    }
  });

  it('excludes no test image', () => {
    assert.deepEqual(manifest.excluded.filter((e) => e.file.includes(`${path.sep}test${path.sep}`)), []);
    assert.ok(result.duplicates.every((d) => [d.kept, ...d.dropped].every((f) => !f.startsWith('test/'))));
  });

  it('reports copies within test/ as a finding naming them', () => {
    const f = result.findings.find((x) => x.code === 'test-duplicate');
    assert.ok(f, JSON.stringify(result.findings.map((x) => x.code)));
    for (const rel of ['test/3.jpg', 'test/7.jpg', 'test/8.jpg']) {
      assert.ok(f.files.includes(rel), rel);
      assert.ok(f.message.includes(rel), f.message);
    }
  });

  it('reports test images that copy training images as leakage, naming both sides', () => {
    const f = result.findings.find((x) => x.code === 'test-leak');
    assert.ok(f, JSON.stringify(result.findings.map((x) => x.code)));
    assert.equal(f.severity, 'warning');
    assert.ok(f.hint);
    for (const rel of ['test/9.jpg', 'train/cat.2.jpg', 'test/10.jpg', 'train/dog.5.jpg']) {
      assert.ok(f.files.includes(rel), rel);
      assert.ok(f.message.includes(rel), f.message);
    }
    assert.ok(!f.files.includes('test/11.jpg'), 'its training copies are excluded, so nothing leaks');
  });

  it('still excludes a label conflict among training images, but keeps its test copy', () => {
    const excluded = manifest.excluded.map((e) => [path.relative(src, e.file), e.code]).sort();
    assert.deepEqual(excluded, [['train/cat.7.jpg', 'label-conflict'], ['train/dog.7.jpg', 'label-conflict']]);
    assert.ok(manifest.files.some((f) => f.path === 'test/11.jpg'));
    const conflict = result.findings.find((x) => x.code === 'label-conflict');
    assert.ok(conflict && conflict.message.includes('test/11.jpg'), conflict?.message);
  });

  it('keeps no content twice across train, val and train-dev', () => {
    const labelled = manifest.files.filter((f) => f.split !== 'test');
    assert.equal(new Set(labelled.map((f) => f.sha256)).size, labelled.length);
  });

  it('a second run reports no change', async () => {
    assert.equal((await prepare({ source: src, out, seed: 42 })).changed, false);
  });
});

describe('every test id survives demo and predict too', () => {
  it('`demo` (prepare → train → evaluate → predict) and a predict over the prepared test/ write a row per id', () => {
    // The test above may have run first; build the folder again if not (same seeds, same bytes).
    const ran = fs.existsSync(path.join(src, 'test/11.jpg'));
    return (ran ? Promise.resolve() : buildKaggle()).then(() => {
      const work = path.join(tmp, 'demo');
      const demo = cliJson(['demo', src, '--work', work, '--epochs', '2', '--json'], 300_000).json;
      assert.equal(demo.predictions.rows, TEST_IDS.length);
      const csv = fs.readFileSync(demo.predictions.out, 'utf8').trim().split('\n');
      assert.deepEqual(csv.slice(1).map((line) => line.split(',')[0]), TEST_IDS.map((f) => path.parse(f).name));
      const again = cliJson(['predict', demo.run, path.join(work, 'datasets', 'kaggle', 'test'),
        '--out', path.join(tmp, 'again.csv'), '--json']).json;
      assert.equal(again.rows, TEST_IDS.length);
      assert.deepEqual(again.skipped, []);
    });
  });
});

// Prepare on the shared real data (dogs-vs-cats, flowers), plus cancel/resume, re-runs with new settings and refusals.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { scanForDatasets } from '../../../../src/core/datasetCandidates';
import { MANIFEST_FILE, parseManifest, type DatasetManifest } from '../../../../src/core/datasetManifest';
import type { PrepareResult } from '../../../../src/core/jobs/prepare';
import type { TrainerEvent } from '../../../../src/core/protocol';
import { runJob } from '../../../../src/trainer/jobs/runJob';
import { nodeDirReader } from '../../../../src/trainer/prepare/nodeDirReader';
import { patternJpeg } from '../../../fixtures/syntheticImages';
import { SHARED } from '../../../fixtures/cliRun';

const DOGS = path.join(SHARED, 'data/dogs-vs-cats');
const FLOWERS = path.join(SHARED, 'data/flowers');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-prepare-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

export function hashTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(path.relative(dir, p), sha(p));
    }
  };
  walk(dir);
  return out;
}

/** Every file under `dir`, relative, with '/'. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

async function prepare(config: Record<string, unknown>, signal = new AbortController().signal, onEvent?: (e: TrainerEvent) => void) {
  const events: TrainerEvent[] = [];
  const terminal = await runJob('prepare', config, { emit: (e) => { events.push(e); onEvent?.(e); }, signal });
  return { terminal, events, result: terminal.type === 'done' ? (terminal.result as PrepareResult) : undefined };
}

function readManifest(out: string): DatasetManifest {
  const parsed = parseManifest(JSON.parse(fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8')));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return parsed.value;
}

/** Train, val and train-dev never share content; test images are all kept (every id needs a prediction). */
function assertOneSplitPerHash(m: DatasetManifest): void {
  const splitOf = new Map<string, string>();
  for (const f of m.files.filter((x) => x.split !== 'test')) {
    assert.equal(splitOf.get(f.sha256) ?? f.split, f.split, `${f.path} shares its content with a file in another split`);
    splitOf.set(f.sha256, f.split);
  }
}

describe('prepare dogs-vs-cats (Kaggle layout)', { skip: !fs.existsSync(DOGS) && 'no shared data' }, () => {
  const out = path.join(tmp, 'dogs-vs-cats-prepared');

  it('detects Kaggle, splits 560/560 + 140/140 + 50 test, hashes what it placed, and leaves the originals alone', async () => {
    const originals = hashTree(DOGS);
    const r = await prepare({ source: DOGS, out, val: 0.2, seed: 42 });
    assert.equal(r.terminal.type, 'done', JSON.stringify(r.terminal));
    const result = r.result!;
    assert.equal(result.layout, 'kaggle-flat');
    assert.match(result.layoutReason, /labels taken from the file names in train\//);
    assert.deepEqual(result.counts, { train: { cat: 560, dog: 560 }, val: { cat: 140, dog: 140 }, test: { '(unlabeled)': 50 } });
    assert.equal(result.changed, true);
    const sameDisk = fs.statSync(DOGS).dev === fs.statSync(tmp).dev;
    assert.deepEqual(result.placed, sameDisk ? { link: 1450, copy: 0, symlink: 0 } : { link: 0, copy: 1450, symlink: 0 });
    const m = readManifest(out);
    assert.equal(m.files.length, 1450);
    assert.deepEqual(listing(out), [...m.files.map((f) => f.path), MANIFEST_FILE, '.transfer-lab-scan-cache.json'].sort());
    for (const f of m.files) {
      assert.equal(originals.get(path.relative(DOGS, f.source)), f.sha256, f.source);
      assert.equal(sha(path.join(out, f.path)), f.sha256, f.path);
    }
    assertOneSplitPerHash(m);
    assert.deepEqual(hashTree(DOGS), originals, 'every original hash unchanged');
    const scans = r.events.filter((e) => e.type === 'progress' && e.phase === 'scan');
    assert.ok(scans.some((e) => e.type === 'progress' && e.etaSeconds !== undefined && e.done < e.total), 'scan progress has an ETA');
    const dataset = r.events.find((e) => e.type === 'dataset');
    assert.ok(dataset?.type === 'dataset' && dataset.samples.filter((s) => s.class === 'cat').length === 8);
  });

  it('a second run with the same settings reports no change and writes nothing', async () => {
    const file = path.join(out, MANIFEST_FILE);
    const before = { text: fs.readFileSync(file, 'utf8'), mtime: fs.statSync(file).mtimeMs };
    const r = await prepare({ source: DOGS, out, val: 0.2, seed: 42 });
    assert.equal(r.result?.changed, false);
    assert.deepEqual({ text: fs.readFileSync(file, 'utf8'), mtime: fs.statSync(file).mtimeMs }, before);
  });

  it('undo removes exactly what was created, and the originals stay', async () => {
    const originals = hashTree(DOGS);
    const r = await prepare({ source: DOGS, out, undo: true });
    assert.equal(r.terminal.type, 'done', JSON.stringify(r.terminal));
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(hashTree(DOGS), originals);
  });
});

describe('prepare flowers (class folders with known defects)', { skip: !fs.existsSync(FLOWERS) && 'no shared data' }, () => {
  it('reports the 4 rose/tulip conflicts and the 2 sunflower duplicate pairs by name; no hash in two splits', async () => {
    const out = path.join(tmp, 'flowers-prepared');
    const r = await prepare({ source: FLOWERS, out });
    assert.equal(r.terminal.type, 'done', JSON.stringify(r.terminal));
    const result = r.result!;
    assert.equal(result.layout, 'class-folders');
    assert.deepEqual(result.classes, ['daisy', 'dandelion', 'rose', 'sunflower', 'tulip']);
    const names = ['15922772266_1167a06620', '17291451621_0e39f08b9e_n', '17104364030_ee31ee279b_n', '17291930305_79deae6a90_n'];
    assert.deepEqual(result.conflicts.map((c) => c.files.map((f) => `${f.file}:${f.class}`)).sort(),
      names.sort().map((n) => [`rose/${n}.jpg:rose`, `tulip/${n}.jpg:tulip`]));
    for (const n of names) assert.ok(result.findings.some((f) => f.code === 'label-conflict' && f.message.includes(`rose/${n}.jpg`) && f.message.includes(`tulip/${n}.jpg`)));
    assert.deepEqual(result.duplicates.map((d) => [d.kept, ...d.dropped]), [
      ['sunflower/14889392928_9742aed45b_m.jpg', 'sunflower/15066430311_fb57fa92b0_m.jpg'],
      ['sunflower/15069459615_7e0fd61914_n.jpg', 'sunflower/15072973261_73e2912ef2_n.jpg'],
    ]);
    const m = readManifest(out);
    assertOneSplitPerHash(m);
    assert.equal(m.files.length, 4317 - 8 - 2);
    assert.ok(result.nearDuplicates.some((p) => p.a === 'tulip/7166539842_43b7e02883.jpg' && p.b === 'tulip/7166539842_43b7e02883_n.jpg'));
  });
});

// The extension's workspace search (datasetPicks.ts) is scanForDatasets over node's fs, as here.
describe('scanForDatasets on real folders', { skip: !fs.existsSync(FLOWERS) && 'no shared data' }, () => {
  it('finds both shared datasets, largest first, within its time budget', async () => {
    const t = Date.now();
    const r = await scanForDatasets(nodeDirReader(), SHARED, { timeBudgetMs: 2000 });
    assert.ok(Date.now() - t < 3000);
    assert.equal(r.truncated, false);
    assert.deepEqual(r.candidates.map((c) => [c.root, c.kind, c.imageCount]), [
      ['data/flowers', 'class-folders', 4317], ['data/dogs-vs-cats', 'kaggle-flat', 1450],
    ]);
    assert.equal((await scanForDatasets(nodeDirReader(), SHARED, { timeBudgetMs: 0 })).truncated, true);
  });
});

describe('resuming, changing settings, refusing', () => {
  const src = path.join(tmp, 'small');

  it('setup: a small generated class-folder dataset', async () => {
    for (const [c, n] of [['ants', 30], ['bees', 24]] as const) {
      fs.mkdirSync(path.join(src, c), { recursive: true });
      for (let i = 0; i < n; i++) fs.writeFileSync(path.join(src, c, `${c}-${i}.jpg`), await patternJpeg(i + (c === 'ants' ? 0 : 500)));
    }
  });

  it('a cancelled run leaves no manifest; the next run completes it exactly as an uninterrupted run would', async () => {
    const whole = path.join(tmp, 'whole');
    const a = await prepare({ source: src, out: whole, placement: 'copy' });
    assert.equal(a.terminal.type, 'done');
    const broken = path.join(tmp, 'broken');
    const controller = new AbortController();
    const cancelled = await prepare({ source: src, out: broken, placement: 'copy' }, controller.signal, (e) => {
      if (e.type === 'progress' && e.phase === 'place' && e.done >= 5) controller.abort();
    });
    assert.deepEqual(cancelled.terminal, { type: 'error', code: 'cancelled', message: 'Cancelled.' });
    assert.equal(fs.existsSync(path.join(broken, MANIFEST_FILE)), false, 'no manifest claims completion');
    const placedSoFar = listing(broken).filter((p) => p.endsWith('.jpg')).length;
    assert.ok(placedSoFar >= 5 && placedSoFar < 54, `placed before the cancel: ${placedSoFar}`);
    const resumed = await prepare({ source: src, out: broken, placement: 'copy' });
    assert.equal(resumed.result?.changed, true);
    const strip = (m: DatasetManifest) => JSON.stringify({ ...m, output: '' });
    assert.equal(strip(readManifest(broken)), strip(readManifest(whole)));
    assert.deepEqual(listing(broken), listing(whole));
  });

  it('new settings move files and remove what is no longer planned; copies are real copies', async () => {
    const out = path.join(tmp, 'whole');
    const r = await prepare({ source: src, out, val: 0.5, trainDev: 0.2, placement: 'copy' });
    assert.equal(r.result?.changed, true, JSON.stringify(r.terminal));
    const m = readManifest(out);
    assert.deepEqual(m.counts, { train: { ants: 9, bees: 7 }, val: { ants: 15, bees: 12 }, 'train-dev': { ants: 6, bees: 5 } });
    assert.deepEqual(listing(out), [...m.files.map((f) => f.path), MANIFEST_FILE, '.transfer-lab-scan-cache.json'].sort());
    for (const f of m.files) assert.notEqual(fs.statSync(path.join(out, f.path)).ino, fs.statSync(f.source).ino);
    const back = await prepare({ source: src, out, val: 0.2, placement: 'symlink' });
    assert.equal(back.result?.placed.symlink, 54);
    const first = readManifest(out).files[0];
    assert.equal(fs.readlinkSync(path.join(out, first.path)), fs.realpathSync(first.source), 'the resolved original');
    assert.equal(fs.existsSync(path.join(out, 'train-dev')), false, 'an emptied folder it made is removed');
  });

  it('falls back to copies when hard links cannot cross file systems', async (t) => {
    const shm = '/dev/shm';
    if (!fs.existsSync(shm) || fs.statSync(shm).dev === fs.statSync(tmp).dev) return t.skip('no second file system here');
    const out = fs.mkdtempSync(path.join(shm, 'tl-exdev-'));
    fs.rmdirSync(out);
    try {
      const r = await prepare({ source: src, out, placement: 'link' });
      assert.deepEqual(r.result?.placed, { link: 0, copy: 54, symlink: 0 });
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  const refusals: { name: string; config: () => Record<string, unknown>; code: string; message: RegExp }[] = [
    { name: 'a missing source', config: () => ({ source: path.join(tmp, 'nope') }), code: 'bad-input', message: /does not exist/ },
    { name: 'output inside the source', config: () => ({ source: src, out: path.join(src, 'prepared') }), code: 'bad-input', message: /inside the source folder/ },
    {
      name: 'an output folder that holds someone else\'s files',
      config: () => {
        const out = path.join(tmp, 'theirs');
        fs.mkdirSync(out, { recursive: true });
        fs.writeFileSync(path.join(out, 'thesis.docx'), 'precious');
        return { source: src, out };
      },
      code: 'bad-input', message: /was not made by Prepare Dataset \(it holds thesis\.docx\)/,
    },
    { name: 'a relative path', config: () => ({ source: 'small' }), code: 'bad-input', message: /absolute path/ },
    {
      name: 'two datasets side by side (ambiguous)',
      config: () => {
        const two = path.join(tmp, 'two');
        for (const d of ['one/a', 'one/b', 'two/x', 'two/y']) {
          fs.mkdirSync(path.join(two, d), { recursive: true });
          fs.copyFileSync(path.join(src, 'ants/ants-0.jpg'), path.join(two, d, '1.jpg'));
        }
        return { source: two, dryRun: true };
      },
      code: 'bad-layout', message: /More than one dataset layout fits/,
    },
  ];
  for (const c of refusals) {
    it(`refuses ${c.name}`, async () => {
      const r = await prepare(c.config());
      assert.equal(r.terminal.type, 'error');
      const e = r.terminal as { code: string; message: string };
      assert.equal(e.code, c.code, e.message);
      assert.match(e.message, c.message);
    });
  }

  it('leaves someone else\'s output folder untouched', () => {
    assert.deepEqual(fs.readdirSync(path.join(tmp, 'theirs')), ['thesis.docx']);
  });
});

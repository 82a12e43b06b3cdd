// `transfer-lab prepare` as a user runs it (needs `npm run build` first), including a SIGKILL part-way and a re-run.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { JOURNAL_FILE } from '../../../../src/core/prepareJournal';
import { ROOT, SHARED } from '../../../fixtures/cliRun';

const CLI = process.env.TL_CLI ?? path.join(ROOT, 'dist/cli.js');
const DOGS = path.join(SHARED, 'data/dogs-vs-cats');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-prepare-cli-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

function hashTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), e.isFile() ? createHash('sha256').update(fs.readFileSync(p)).digest('hex') : 'link');
    }
  };
  walk(dir);
  return out;
}

describe('transfer-lab prepare', { skip: !fs.existsSync(DOGS) && 'no shared data' }, () => {
  const out = path.join(tmp, 'dogs-prepared');

  it('--json: the last line holds layout, classes, counts, exclusions, duplicates, conflicts and output', () => {
    const r = cli('prepare', DOGS, '--out', out, '--val', '0.2', '--seed', '42', '--copy', '--json');
    assert.equal(r.status, 0, r.stderr);
    const j = lastJson(r.stdout);
    assert.equal(j.layout, 'kaggle-flat');
    assert.deepEqual(j.classes, ['cat', 'dog']);
    assert.deepEqual(j.counts, { train: { cat: 560, dog: 560 }, val: { cat: 140, dog: 140 }, test: { '(unlabeled)': 50 } });
    assert.deepEqual([j.excluded, j.duplicates, j.conflicts], [[], [], []]);
    assert.equal(j.output, out);
    assert.equal(j.changed, true);
    assert.deepEqual(j.placed, { link: 0, copy: 1450, symlink: 0 });
  });

  it('--dry-run prints the preview table, where the output goes and how files are placed, and writes nothing', () => {
    const before = [...hashTree(out)].sort();
    const r = cli('prepare', DOGS, '--out', out, '--copy', '--val', '0.25', '--dry-run');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^layout: {4}kaggle-flat: /m);
    assert.match(r.stdout, /^class +train +val +test +total$/m);
    assert.match(r.stdout, /^cat +525 +175 +0 +700$/m);
    assert.match(r.stdout, /^\(unlabeled\) +0 +0 +50 +50$/m);
    assert.ok(r.stdout.includes(`output:    ${out}`));
    assert.match(r.stdout, /placement: copies/);
    assert.match(r.stdout, /dry run: nothing was written/);
    assert.deepEqual([...hashTree(out)].sort(), before);
  });

  it('caps per class, per validation class and for test, as a dry run', () => {
    const r = cli('prepare', DOGS, '--out', out, '--copy', '--max-per-class', '100', '--max-val-per-class', '10', '--max-test', '5', '--dry-run', '--json');
    assert.equal(r.status, 0, r.stderr);
    const j = lastJson(r.stdout);
    assert.deepEqual(j.counts, { train: { cat: 90, dog: 90 }, val: { cat: 10, dog: 10 }, test: { '(unlabeled)': 5 } });
    assert.equal(j.dryRun, true);
    assert.ok(j.findings.some((f: { code: string; message: string }) => f.code === 'subset' && /"cat" 100 of 700/.test(f.message)));
  });

  it('a run killed with SIGKILL part-way ends, when run again, identical to the uninterrupted run', async () => {
    const originals = hashTree(DOGS);
    const uninterrupted = fs.readFileSync(path.join(out, 'dataset.json'), 'utf8');
    const undo = cli('prepare', DOGS, '--out', out, '--undo');
    assert.equal(undo.status, 0, undo.stderr);
    assert.equal(fs.existsSync(out), false);

    const child = spawn(process.execPath, [CLI, 'prepare', DOGS, '--out', out, '--copy'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const journal = path.join(out, JOURNAL_FILE);
    let placedWhenKilled = 0;
    // Poll hard: placing 1450 copies takes well under a second, and the kill must land in the middle of it.
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && child.exitCode === null;) {
      const lines = fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8').split('\n').filter((l) => l.startsWith('{"t":"file"')).length : 0;
      if (lines >= 20) {
        child.kill('SIGKILL');
        placedWhenKilled = lines;
        break;
      }
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(await exited, 'SIGKILL', 'the run was killed, not finished');
    assert.ok(placedWhenKilled >= 20 && placedWhenKilled < 1450, `killed after ${placedWhenKilled} files`);
    assert.equal(fs.existsSync(path.join(out, 'dataset.json')), false, 'a killed run leaves no manifest');

    const again = cli('prepare', DOGS, '--out', out, '--copy', '--json');
    assert.equal(again.status, 0, again.stderr);
    assert.equal(lastJson(again.stdout).changed, true);
    assert.equal(fs.readFileSync(path.join(out, 'dataset.json'), 'utf8'), uninterrupted, 'the same manifest, byte for byte');
    const m = JSON.parse(uninterrupted) as { files: { path: string; sha256: string }[] };
    const placed = hashTree(out);
    placed.delete('dataset.json');
    placed.delete('.transfer-lab-scan-cache.json');
    assert.deepEqual([...placed].sort(), m.files.map((f) => [f.path, f.sha256]).sort(), 'no duplicates, nothing missing, no temp files');
    assert.deepEqual(hashTree(DOGS), originals, 'every original hash unchanged');

    const third = cli('prepare', DOGS, '--out', out, '--copy');
    assert.equal(third.status, 0, third.stderr);
    assert.match(third.stdout, /no change: /);
  });

  const bad: [string, string[], RegExp][] = [
    ['a fraction out of range', ['--val', '2'], /--val must be a fraction/],
    ['two placements', ['--copy', '--symlink'], /choose one of --copy, --link, --symlink/],
    ['no folder', [], /the image folder is required/],
    ['an unknown flag', ['--shuffle'], /--shuffle/],
  ];
  for (const [name, args, message] of bad) {
    it(`exits 2 for ${name}`, () => {
      const r = cli('prepare', ...(name === 'no folder' ? [] : [DOGS]), ...args);
      assert.equal(r.status, 2);
      assert.match(r.stderr, message);
    });
  }

  it('exits 2 with an explanation and an example tree for an unusable layout', () => {
    const empty = path.join(tmp, 'notes');
    fs.mkdirSync(empty);
    fs.writeFileSync(path.join(empty, 'readme.md'), '# no images');
    const r = cli('prepare', empty);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /No images found/);
    assert.match(r.stderr, /photos\/train\/cat\.1\.jpg/);
  });
});

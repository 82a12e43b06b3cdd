// `predict` on real folders (needs `npm run build`; trains a tiny MobileNet v1 0.25 run first, about 20 s):
// - --out naming a folder (or a path under a file) fails before the forward pass and leaves no temp file;
// - every readable image gets a row, symlinks followed to files and folders; every image it cannot read (a broken
//   link, a link loop, a file without read permission, a FIFO, a folder link back to an ancestor) is named in
//   `skipped` with its reason, and nothing is left out without a word.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { patternJpeg } from '../fixtures/syntheticImages';
import { CLI, SHARED, V1 } from '../fixtures/cliRun';

const TEST_IMAGES = path.join(SHARED, 'data/dogs-vs-cats/test');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-cli-predict-'));

/** Root reads a chmod 000 file anyway; then the predict that must meet one runs as nobody, through setpriv. */
const AS_NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];
const root = process.getuid?.() === 0;
const setpriv = root ? ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p)) : undefined;

function cli(args: string[], asNobody = false) {
  const [cmd, pre] = asNobody && setpriv ? [setpriv, [...AS_NOBODY, process.execPath]] : [process.execPath, []];
  return spawnSync(cmd, [...pre, CLI, ...args], { encoding: 'utf8', timeout: 300_000, cwd: work });
}

interface Prediction { rows: number; out: string; skipped: { file: string; reason: string }[] }

describe('predict: --out checked first, and every image either a row or a named skip', () => {
  let runDir = '';
  before(async () => {
    for (const cls of ['a', 'b']) {
      fs.mkdirSync(path.join(work, 'tiny', cls), { recursive: true });
      for (let i = 0; i < 10; i++) {
        const file = path.join(work, 'tiny', cls, `${cls}${i}.jpg`);
        fs.writeFileSync(file, await patternJpeg(cls.charCodeAt(0) * 100 + i));
      }
    }
    const prepared = path.join(work, 'prepared');
    const p = cli(['prepare', path.join(work, 'tiny'), '--out', prepared, '--copy', '--json']);
    assert.equal(p.status, 0, p.stderr);
    const t = cli(['train', prepared, '--backbone', V1, '--epochs', '2', '--runs', path.join(work, 'runs'),
      '--cache', path.join(work, 'cache'), '--json']);
    assert.equal(t.status, 0, t.stderr.slice(-2000));
    runDir = JSON.parse(t.stdout.trim().split('\n').at(-1)!).dir;
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  const temps = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

  it('--out naming an existing folder fails before the forward pass and leaves no temp file', () => {
    const folder = path.join(work, 'results');
    fs.mkdirSync(folder);
    const r = cli(['predict', runDir, TEST_IMAGES, '--out', folder, '--json']);
    const shown = `exit ${r.status}\nstdout: ${r.stdout.slice(-500)}\nstderr: ${r.stderr.slice(-1500)}`;
    assert.equal(r.status, 2, shown);
    assert.match(r.stderr, new RegExp(`${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a folder`), shown);
    assert.doesNotMatch(r.stderr, /^predict +\[/m, 'no image was predicted');
    assert.doesNotMatch(r.stderr, /^engine: /m, 'checked before the engine loads');
    assert.doesNotMatch(r.stderr, /EISDIR|ENOTDIR/);
    assert.deepEqual(temps(folder), []);
    assert.deepEqual(temps(work), []);
    assert.deepEqual(fs.readdirSync(folder), []);
    const { error } = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.equal(error.code, 'bad-input');
    assert.equal(error.file, folder);
  });

  it('--out under a file names the file, before the forward pass', () => {
    const file = path.join(work, 'a-file');
    fs.writeFileSync(file, 'x');
    const r = cli(['predict', runDir, TEST_IMAGES, '--out', path.join(file, 'p.csv')]);
    assert.equal(r.status, 2, r.stderr);
    assert.ok(r.stderr.includes(`${file} is a file, not a folder`), r.stderr);
    assert.doesNotMatch(r.stderr, /^engine: /m);
    assert.deepEqual(temps(work), []);
  });

  it('follows symlinks to images and folders; names each image it cannot read, with the reason', (t) => {
    const images = path.join(work, 'links');
    const outside = path.join(work, 'outside');
    fs.mkdirSync(path.join(images, 'sub'), { recursive: true });
    fs.mkdirSync(outside);
    fs.copyFileSync(path.join(TEST_IMAGES, '1.jpg'), path.join(images, 'real.jpg'));
    fs.copyFileSync(path.join(TEST_IMAGES, '3.jpg'), path.join(images, 'sub', 'inside.jpg'));
    fs.copyFileSync(path.join(TEST_IMAGES, '4.jpg'), path.join(outside, 'far.jpg'));
    fs.copyFileSync(path.join(TEST_IMAGES, '5.jpg'), path.join(outside, 'outside.jpg'));
    fs.symlinkSync(path.join(TEST_IMAGES, '2.jpg'), path.join(images, 'linked.jpg'));         // absolute, to a file
    fs.symlinkSync(path.join('..', 'outside', 'far.jpg'), path.join(images, 'relative.jpg'));  // relative
    fs.symlinkSync(outside, path.join(images, 'ext'));                                          // to a folder
    fs.symlinkSync(path.join(work, 'no-such.jpg'), path.join(images, 'dangling.jpg'));          // broken
    fs.symlinkSync('loop.jpg', path.join(images, 'loop.jpg'));                                  // to itself
    fs.symlinkSync('..', path.join(images, 'sub', 'back'));                                     // folder loop
    fs.writeFileSync(path.join(images, 'notes.txt'), 'not a picture\n');
    spawnSync('mkfifo', [path.join(images, 'pipe.jpg')]);
    const locked = path.join(images, 'locked.jpg');
    fs.copyFileSync(path.join(TEST_IMAGES, '6.jpg'), locked);
    fs.chmodSync(locked, 0o000);
    let lockedUnreadable = true;
    if (root) {
      if (setpriv) {
        // nobody has to read the run, the images and the test images, and to write the CSV and the thumbnails.
        spawnSync('chmod', ['-R', 'a+rwX', work]);
        fs.chmodSync(locked, 0o000);
      } else {
        lockedUnreadable = false;
        t.diagnostic('as root without setpriv a chmod 000 file is readable, so locked.jpg must get a row instead');
      }
    }
    const out = path.join(work, 'links.csv');
    const r = cli(['predict', runDir, images, '--out', out, '--json'], true);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const p = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Prediction;
    const ids = fs.readFileSync(out, 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(',')[0]).sort();
    const readable = ['far', 'inside', 'linked', 'outside', 'real', 'relative'];
    if (!lockedUnreadable) readable.push('locked');
    readable.sort();
    assert.deepEqual(ids, readable, 'every readable image has a row');
    assert.equal(p.rows, readable.length);
    const skipped = Object.fromEntries(p.skipped.map((s) => [s.file, s.reason]));
    const expected: Record<string, RegExp> = {
      'dangling.jpg': /broken link/,
      'loop.jpg': /loop/,
      'sub/back': /loop/,
      'notes.txt': /not an image/,
      'pipe.jpg': /not a regular file/,
      ...(lockedUnreadable ? { 'locked.jpg': /permission denied/ } : {}),
    };
    assert.deepEqual(Object.keys(skipped).sort(), Object.keys(expected).sort(), JSON.stringify(p.skipped, null, 1));
    for (const [file, reason] of Object.entries(expected)) {
      assert.match(skipped[file], reason, file);
      assert.doesNotMatch(skipped[file], /E[A-Z]{4,}:/, `${file}: a sentence, not a raw errno`);
      assert.ok(r.stderr.includes(file), `${file} is named on stderr too`);
    }
  });
});

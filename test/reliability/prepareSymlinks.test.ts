// A dataset made of relative symbolic links, as git-annex and DVC lay it out (train/cat.1.jpg ->
// ../.git/annex/objects/…/cat.1.jpg). Hard-linking the link itself would copy a relative link that dangles in the
// output; every placement must give a readable file with the original's bytes, and leave links and objects alone.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MANIFEST_FILE, parseManifest, type DatasetManifest } from '../../src/core/datasetManifest';
import type { PrepareResult } from '../../src/core/jobs/prepare';
import { runJob } from '../../src/trainer/jobs/runJob';
import { patternJpeg } from '../fixtures/syntheticImages';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-annex-'));
const src = path.join(tmp, 'annexed');
const objects = path.join(src, '.git/annex/objects');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Writes the content into the annex and a relative link to it at `rel`, as `git annex add` leaves it. */
async function annexed(rel: string, seed: number): Promise<void> {
  const data = await patternJpeg(seed);
  const key = `SHA256E-s${data.length}--${createHash('sha256').update(data).digest('hex')}.jpg`;
  const dir = path.join(objects, key.slice(-8, -6), key.slice(-6, -4), key);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, key), data, { mode: 0o444 });
  const link = path.join(src, rel);
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(path.relative(path.dirname(link), path.join(dir, key)), link);
}

/** Every link's text and every object's hash: what must not change. */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isSymbolicLink()) out[path.relative(src, p)] = `-> ${fs.readlinkSync(p)}`;
      else if (e.isDirectory()) walk(p);
      else out[path.relative(src, p)] = sha(p);
    }
  };
  walk(src);
  return out;
}

async function prepare(config: Record<string, unknown>): Promise<PrepareResult> {
  const terminal = await runJob('prepare', config, { emit: () => undefined, signal: new AbortController().signal });
  assert.equal(terminal.type, 'done', JSON.stringify(terminal));
  return (terminal as { result: PrepareResult }).result;
}

function readManifest(out: string): DatasetManifest {
  const parsed = parseManifest(JSON.parse(fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8')));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return parsed.value;
}

describe('prepare a dataset of relative symlinks (git-annex / DVC layout)', () => {
  let originals: Record<string, string>;

  before(async () => {
    for (let i = 1; i <= 6; i++) {
      await annexed(`train/cat.${i}.jpg`, i);
      await annexed(`train/dog.${i}.jpg`, 50 + i);
    }
    for (let i = 1; i <= 3; i++) await annexed(`test/${i}.jpg`, 90 + i);
    originals = snapshot();
  });

  const placements: [string, Record<string, unknown>][] = [
    ['link (the default)', {}], ['copy', { placement: 'copy' }], ['symlink', { placement: 'symlink' }],
  ];
  for (const [name, extra] of placements) {
    it(`${name}: every placed file is readable and byte-identical to its original`, async () => {
      const out = path.join(tmp, `out-${name.split(' ')[0]}`);
      const result = await prepare({ source: src, out, ...extra });
      assert.equal(Object.values(result.placed).reduce((a, b) => a + b, 0), 15);
      const m = readManifest(out);
      assert.equal(m.files.length, 15);
      for (const f of m.files) {
        const dest = path.join(out, f.path);
        assert.equal(sha(dest), f.sha256, `${f.path} reads back as the original`);
        assert.equal(sha(dest), sha(f.source));
        const st = fs.lstatSync(dest);
        if (extra.placement === 'symlink') {
          const target = fs.readlinkSync(dest);
          assert.ok(path.isAbsolute(target), `${f.path} -> ${target} is absolute`);
          assert.equal(target, fs.realpathSync(f.source), 'it points at the resolved object, not at the link');
        } else {
          assert.ok(st.isFile(), `${f.path} is a file, not a link`);
        }
      }
      assert.deepEqual(snapshot(), originals, 'links and objects unchanged');
      const again = await prepare({ source: src, out, ...extra });
      assert.equal(again.changed, false, 'a re-run finds everything in place');
    });
  }

  it('undo removes the placed files and leaves links and objects as they were', async () => {
    for (const name of ['link', 'copy', 'symlink']) {
      const out = path.join(tmp, `out-${name}`);
      await prepare({ source: src, out, undo: true });
      assert.equal(fs.existsSync(out), false, out);
    }
    assert.deepEqual(snapshot(), originals);
  });
});

// Placing files under names at the disk's limit, the temp each placement uses, and the manifest that must read back.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { countsOf, MANIFEST_FILE, type DatasetManifest, type Placement } from '../../../../src/core/datasetManifest';
import {
  JOURNAL_FILE, journalSnapshot, ownedFromManifest, PARTIAL_SUFFIX, PLACING_TEMP,
} from '../../../../src/core/prepareJournal';
import { tempNameFor, writeFileAtomic } from '../../../../src/trainer/runtime/atomicFile';
import { applyManifest, assertManifestReadable, PrepareError, undoPrepare } from '../../../../src/trainer/prepare/placeFiles';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-place-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** 255 bytes, the most a Linux name may have: a temp name made by appending to it cannot exist. */
const LONG = `${'a'.repeat(251)}.jpg`;
const LONG_UTF8 = `${'é'.repeat(125)}.jpg`;

let n = 0;
function dataset(placement: Placement): { src: string; out: string; manifest: DatasetManifest } {
  const root = path.join(tmp, `case-${++n}`);
  const src = path.join(root, 'src');
  const out = path.join(root, 'out');
  const names = [LONG, LONG_UTF8, 'b.jpg'];
  const files = names.map((name, i) => {
    const cls = i < 2 ? 'a' : 'b';
    const source = path.join(src, cls, name);
    fs.mkdirSync(path.dirname(source), { recursive: true });
    const data = Buffer.from(`image ${i}`);
    fs.writeFileSync(source, data);
    return {
      path: `train/${cls}/${name}`, source, sha256: createHash('sha256').update(data).digest('hex'), class: cls,
      split: 'train' as const, bytes: data.length, width: 1, height: 1,
    };
  });
  const manifest: DatasetManifest = {
    version: 1, layout: 'class-folders', source: src, output: out, classes: ['a', 'b'],
    settings: { val: 0, trainDev: 0, seed: 1, placement }, files, excluded: [], findings: [],
    counts: countsOf(files, ['a', 'b']), createdDirs: [],
  };
  return { src, out, manifest };
}

const temps = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith(PARTIAL_SUFFIX));

describe('placing files', () => {
  for (const placement of ['link', 'copy', 'symlink'] as const) {
    it(`places 255-byte names (ASCII and 2-byte characters) by ${placement}, under their own names`, async () => {
      const { out, manifest } = dataset(placement);
      await applyManifest(manifest);
      for (const f of manifest.files) {
        assert.equal(fs.readFileSync(path.join(out, f.path), 'utf8'), fs.readFileSync(f.source, 'utf8'), f.path);
      }
      assert.deepEqual(temps(out), []);
      const undone = await undoPrepare(out);
      assert.deepEqual([undone.removedFiles, undone.keptDirs], [3, []]);
      assert.equal(fs.existsSync(out), false);
    });
  }

  it('a temp left by a killed run is removed by the next run, and by Undo', async () => {
    const { src, out, manifest } = dataset('copy');
    const done = (await applyManifest(manifest)).manifest;
    // Killed while placing: the journal holds what was placed, the manifest is gone, a temp sits in a class folder.
    const strayTemp = () => fs.writeFileSync(path.join(out, 'train', 'a', PLACING_TEMP), 'half a file');
    const killed = () => {
      fs.rmSync(path.join(out, MANIFEST_FILE));
      fs.writeFileSync(path.join(out, JOURNAL_FILE), journalSnapshot(ownedFromManifest(done), src));
      strayTemp();
    };
    killed();
    await applyManifest(manifest);
    assert.deepEqual(temps(out), [], 'the next run removes it');
    assert.ok(fs.existsSync(path.join(out, MANIFEST_FILE)));
    killed();
    const undone = await undoPrepare(out);
    assert.deepEqual(undone.keptDirs, [], 'Undo removes it, so every folder it made goes too');
    assert.equal(fs.existsSync(out), false);
  });
});

describe('the manifest written must read back', () => {
  it('refuses to write one its own check rejects, naming the original at fault', async () => {
    const { out, manifest } = dataset('copy');
    const files = manifest.files.map((f, i) => (i === 2 ? { ...f, path: 'train/b/x\\y.jpg' } : f));
    const bad = { ...manifest, files };
    assert.throws(() => assertManifestReadable(bad), (e: unknown) => {
      assert.ok(e instanceof PrepareError);
      assert.equal(e.code, 'bad-manifest');
      assert.equal(e.file, manifest.files[2].source);
      assert.ok(e.message.includes(manifest.files[2].source), e.message);
      return true;
    });
    await assert.rejects(applyManifest(bad), PrepareError);
    assert.equal(fs.existsSync(path.join(out, MANIFEST_FILE)), false, 'no manifest that would lock the folder');
    assert.doesNotThrow(() => assertManifestReadable(manifest));
  });
});

describe('writeFileAtomic', () => {
  it('writes a file whose name is at the limit: its temp name stays short', async () => {
    const file = path.join(tmp, `${'r'.repeat(250)}.json`);
    assert.ok(Buffer.byteLength(path.basename(tempNameFor(file))) < 100, tempNameFor(file));
    assert.equal(path.dirname(tempNameFor(file)), tmp, 'beside the file, on the same disk');
    await writeFileAtomic(file, '{}');
    assert.equal(fs.readFileSync(file, 'utf8'), '{}');
    const short = path.basename(tempNameFor(path.join(tmp, 'out.csv')));
    assert.match(short, /^\.out\.csv\.\d+\.\d+\.tmp$/, 'a short name is kept in its temp name');
  });
});

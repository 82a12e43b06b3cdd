// A prepared folder is the folder the user names. dataset.json still records where it was written (`output`), but a
// folder that was moved or copied must be re-prepared and undone where it is now, never at that old absolute path.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MANIFEST_FILE, parseManifest, type DatasetManifest } from '../../src/core/datasetManifest';
import type { PrepareResult, UndoResult } from '../../src/core/jobs/prepare';
import { runJob } from '../../src/trainer/jobs/runJob';
import { patternJpeg } from '../fixtures/syntheticImages';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-moved-'));
const src = path.join(tmp, 'photos');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every entry under a folder with its kind, size, mtime and content hash: any write shows up. */
function state(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const st = fs.lstatSync(p);
      const rel = path.relative(dir, p);
      if (e.isDirectory()) {
        out[rel] = `dir ${st.mtimeMs}`;
        walk(p);
      } else if (e.isSymbolicLink()) out[rel] = `-> ${fs.readlinkSync(p)}`;
      else out[rel] = `${st.size} ${st.mtimeMs} ${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`;
    }
  };
  walk(dir);
  return out;
}

async function run<T>(config: Record<string, unknown>): Promise<T> {
  const ctx = { emit: () => undefined, signal: new AbortController().signal };
  const terminal = await runJob('prepare', { source: src, ...config }, ctx);
  assert.equal(terminal.type, 'done', JSON.stringify(terminal));
  return (terminal as { result: T }).result;
}

function readManifest(out: string): DatasetManifest {
  const parsed = parseManifest(JSON.parse(fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8')));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return parsed.value;
}

function assertComplete(out: string): void {
  const m = readManifest(out);
  for (const f of m.files) {
    const placed = createHash('sha256').update(fs.readFileSync(path.join(out, f.path))).digest('hex');
    assert.equal(placed, f.sha256, `${out}/${f.path}`);
  }
}

describe('a prepared folder that was copied or moved', () => {
  let originals: Record<string, string>;
  const first = path.join(tmp, 'first');

  before(async () => {
    for (const [k, c] of ['ant', 'bee'].entries()) {
      fs.mkdirSync(path.join(src, c), { recursive: true });
      for (let i = 0; i < 6; i++) {
        fs.writeFileSync(path.join(src, c, `${c}-${i}.jpg`), await patternJpeg(k * 100 + i + 1));
      }
    }
    originals = state(src);
    await run<PrepareResult>({ out: first });
  });

  it('copied: re-preparing at the copy writes only there, and its manifest names the copy', async () => {
    const copy = path.join(tmp, 'copy');
    execFileSync('cp', ['-a', first, copy]);
    const before_ = state(first);
    const again = await run<PrepareResult>({ out: copy });
    assert.equal(again.output, copy);
    assert.equal(Object.values(again.placed).reduce((a, b) => a + b, 0), 0, 'every file was already in place');
    assert.equal(readManifest(copy).output, copy);
    assertComplete(copy);
    assert.deepEqual(state(first), before_, 'nothing was written into the first folder');
  });

  it('copied: undo on the copy removes only the copy\'s files', async () => {
    const copy = path.join(tmp, 'copy');
    const before_ = state(first);
    const undone = await run<UndoResult>({ out: copy, undo: true });
    assert.equal(undone.output, copy);
    assert.equal(fs.existsSync(copy), false);
    assert.deepEqual(state(first), before_, 'the first folder is untouched');
    assertComplete(first);
  });

  it('copied, old manifest untouched: an undo of a copy whose manifest still names the first folder', async () => {
    const copy = path.join(tmp, 'copy2');
    execFileSync('cp', ['-a', first, copy]);
    const before_ = state(first);
    await run<UndoResult>({ out: copy, undo: true });
    assert.equal(fs.existsSync(copy), false);
    assert.deepEqual(state(first), before_);
  });

  it('moved: re-preparing with new settings at the new place re-places there; the old path stays empty', async () => {
    const moved = path.join(tmp, 'moved');
    fs.renameSync(first, moved);
    const again = await run<PrepareResult>({ out: moved, placement: 'copy' });
    assert.equal(again.changed, true);
    assert.equal(again.placed.copy, 12);
    assert.equal(fs.existsSync(first), false, 'nothing was written at the old path');
    assert.equal(readManifest(moved).output, moved);
    assertComplete(moved);
    assert.equal((await run<PrepareResult>({ out: moved, placement: 'copy' })).changed, false);
  });

  it('moved: a dry run and undo act on the moved folder; the originals never change', async () => {
    const moved = path.join(tmp, 'moved');
    const moved2 = path.join(tmp, 'moved-again');
    fs.renameSync(moved, moved2);
    const dry = await run<PrepareResult>({ out: moved2, placement: 'copy', dryRun: true });
    assert.equal(dry.output, moved2);
    const undone = await run<UndoResult>({ out: moved2, undo: true });
    assert.equal(undone.removedFiles, 12);
    assert.equal(fs.existsSync(moved2), false);
    assert.equal(fs.existsSync(moved), false);
    assert.equal(fs.existsSync(first), false);
    assert.deepEqual(state(src), originals);
  });
});

// The output folder's lock: a second prepare or undo is refused while one runs, a lock whose holder is gone (or whose
// pid now belongs to another process) is taken over, and the lock goes on success, failure and cancel.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { countsOf, MANIFEST_FILE, type DatasetManifest } from '../../../../src/core/datasetManifest';
import {
  JOURNAL_FILE, LOCK_FILE, lockHeld, lockText, parseLock, type PrepareLock,
} from '../../../../src/core/prepareJournal';
import { CancelledError } from '../../../../src/trainer/runtime/jobContext';
import { applyManifest, PrepareError, undoPrepare } from '../../../../src/trainer/prepare/placeFiles';
import { lockOutput, OutputBusyError } from '../../../../src/trainer/prepare/prepareLock';
import { processStartTime } from '../../../../src/trainer/runtime/processProbe';
import { ROOT } from '../../../fixtures/cliRun';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-lock-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
function dataset(): { src: string; out: string; manifest: DatasetManifest } {
  const root = path.join(tmp, `case-${++n}`);
  const src = path.join(root, 'src');
  const out = path.join(root, 'out');
  const files = ['x.jpg', 'y.jpg'].map((name, i) => {
    const source = path.join(src, name);
    fs.mkdirSync(src, { recursive: true });
    const data = Buffer.from(`image ${i}`);
    fs.writeFileSync(source, data);
    return {
      path: `train/a/${name}`, source, sha256: createHash('sha256').update(data).digest('hex'), class: 'a',
      split: 'train' as const, bytes: data.length, width: 1, height: 1,
    };
  });
  const manifest: DatasetManifest = {
    version: 1, layout: 'class-folders', source: src, output: out, classes: ['a'],
    settings: { val: 0, trainDev: 0, seed: 1, placement: 'copy' }, files, excluded: [], findings: [],
    counts: countsOf(files, ['a']), createdDirs: [],
  };
  return { src, out, manifest };
}

const lockOf = (out: string) => path.join(out, LOCK_FILE);
const host = os.hostname();

/** A live process that is not this one, with its real start time. */
function otherProcess(): { pid: number; pidStart?: number } {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  children.push(child);
  return { pid: child.pid!, pidStart: processStartTime(child.pid!) };
}

/** A pid that no process has: one that has exited and been reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function writeLock(out: string, holder: Partial<PrepareLock> & { pid: number }): void {
  fs.mkdirSync(out, { recursive: true });
  const lock: PrepareLock = { host, token: 'other', since: '2026-01-01T00:00:00.000Z', ...holder };
  fs.writeFileSync(lockOf(out), lockText(lock));
}

describe('the lock file format', () => {
  it('reads back what it wrote, and refuses torn or foreign text', () => {
    const lock: PrepareLock = { pid: 12, pidStart: 34, host: 'h', token: 't', since: 's' };
    assert.deepEqual(parseLock(lockText(lock)), lock);
    for (const bad of ['', '{"pid":12', '{"pid":-1,"host":"h","token":"t","since":"s"}', 'null', '[]',
      '{"pid":12,"host":"h","token":"t","since":"s","pidStart":"x"}']) assert.equal(parseLock(bad), undefined, bad);
  });

  it('is held while its process runs with its recorded start time, not once it is gone or the pid reused', () => {
    const lock: PrepareLock = { pid: 12, pidStart: 34, host: 'h', token: 't', since: 's' };
    assert.equal(lockHeld(lock, 'h', () => ({ alive: true, startTime: 34 })), true);
    assert.equal(lockHeld(lock, 'h', () => ({ alive: true })), true, 'no start time known: the pid decides');
    assert.equal(lockHeld(lock, 'h', () => ({ alive: false })), false);
    assert.equal(lockHeld(lock, 'h', () => ({ alive: true, startTime: 35 })), false, 'the pid belongs to another');
    assert.equal(lockHeld(lock, 'other-host', () => ({ alive: false })), true, 'another machine cannot be probed');
  });
});

describe('the output folder lock', () => {
  it('refuses a second holder, naming the folder and the holder, until the first releases it', async () => {
    const out = path.join(tmp, 'plain');
    fs.mkdirSync(out);
    const first = await lockOutput(out);
    await assert.rejects(lockOutput(out), (e: unknown) => {
      assert.ok(e instanceof OutputBusyError, String(e));
      assert.equal(e.code, 'busy');
      const expected = `${out} is being prepared by another Transfer Lab process (pid ${process.pid}`;
      assert.ok(e.message.startsWith(expected), e.message);
      return true;
    });
    await first.release();
    assert.equal(fs.existsSync(lockOf(out)), false);
    await (await lockOutput(out)).release();
  });

  it('takes over a lock whose process is gone', async () => {
    const out = path.join(tmp, 'stale');
    writeLock(out, { pid: deadPid() });
    await (await lockOutput(out)).release();
    assert.deepEqual(fs.readdirSync(out), [], 'nothing left: no lock, no lock renamed aside');
  });

  it('takes over a lock whose pid now belongs to another process', { skip: process.platform !== 'linux' && 'needs /proc' },
    async () => {
      const out = path.join(tmp, 'reused');
      const start = processStartTime(process.pid);
      assert.ok(start !== undefined, 'no start time for this process from /proc');
      writeLock(out, { pid: process.pid, pidStart: start + 1 });
      await (await lockOutput(out)).release();
      assert.deepEqual(fs.readdirSync(out), [], 'nothing left: no lock, no lock renamed aside');
    });

  it('takes over an empty lock (its holder was killed before writing it) once it is a few seconds old', async () => {
    const out = path.join(tmp, 'torn');
    fs.mkdirSync(out);
    fs.writeFileSync(lockOf(out), '');
    const old = new Date(Date.now() - 10_000);
    fs.utimesSync(lockOf(out), old, old);
    await (await lockOutput(out)).release();
    assert.equal(fs.existsSync(lockOf(out)), false);
  });

  it('counts a lock from another machine as held, and says which', async () => {
    const out = path.join(tmp, 'remote');
    writeLock(out, { pid: deadPid(), host: 'elsewhere' });
    await assert.rejects(lockOutput(out), /pid \d+ on elsewhere/);
  });
});

describe('prepare and undo hold the lock', () => {
  it('refuse to start while another live process holds it, and leave the folder as it was', async () => {
    const { out, manifest } = dataset();
    await applyManifest(manifest);
    const before = fs.readdirSync(out).sort();
    writeLock(out, otherProcess());
    for (const attempt of [() => applyManifest({ ...manifest, settings: { ...manifest.settings, seed: 2 } }),
      () => undoPrepare(out)]) {
      await assert.rejects(attempt(), (e: unknown) => {
        assert.ok(e instanceof OutputBusyError, String(e));
        assert.ok(e.message.startsWith(`${out} is being prepared by another Transfer Lab process`), e.message);
        return true;
      });
    }
    assert.deepEqual(fs.readdirSync(out).sort(), [...before, LOCK_FILE].sort());
    assert.equal(fs.existsSync(path.join(out, JOURNAL_FILE)), false, 'no journal of its own was started');
  });

  it('release it on success, on failure and on cancel', async () => {
    const ok = dataset();
    await applyManifest(ok.manifest);
    assert.equal(fs.existsSync(lockOf(ok.out)), false, 'after success');

    const failing = dataset();
    fs.rmSync(failing.manifest.files[1].source);
    await assert.rejects(applyManifest(failing.manifest), PrepareError);
    assert.equal(fs.existsSync(lockOf(failing.out)), false, 'after failure');

    const cancelled = dataset();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(applyManifest(cancelled.manifest, { signal: controller.signal }), CancelledError);
    assert.equal(fs.existsSync(lockOf(cancelled.out)), false, 'after cancel');

    const undone = await undoPrepare(ok.out);
    assert.equal(undone.removedFiles, 2);
    assert.equal(fs.existsSync(ok.out), false, 'undo leaves no lock, so the folder it made goes too');
  });

  it('a prepare killed with SIGKILL leaves a stale lock that the next prepare, or undo, takes over', async () => {
    const { out, manifest } = dataset();
    fs.mkdirSync(out, { recursive: true });
    const lockModule = path.join(ROOT, 'src/trainer/prepare/prepareLock.ts');
    const script = `require('tsx/cjs'); require(${JSON.stringify(lockModule)}).lockOutput(${JSON.stringify(out)})
      .then(() => process.kill(process.pid, 'SIGKILL'));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    assert.ok(fs.existsSync(lockOf(out)), 'the killed holder left its lock');
    // The folder holds only the stale lock: it is the tool's own file, not a reason to refuse the folder.
    const done = await applyManifest(manifest);
    assert.equal(done.changed, true);
    assert.ok(fs.existsSync(path.join(out, MANIFEST_FILE)));
    assert.equal(fs.existsSync(lockOf(out)), false);

    writeLock(out, { pid: deadPid() });
    fs.writeFileSync(`${lockOf(out)}.123.abcd.stale`, 'left by a take-over that was killed');
    await undoPrepare(out);
    // The folder itself was made before the first prepare, so it is not Undo's to remove; it is left empty.
    assert.deepEqual(fs.readdirSync(out), [], 'undo removed the stale lock and the stray');
  });
});

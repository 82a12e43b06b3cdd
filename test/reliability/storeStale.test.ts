// A run left `running` by a killed trainer is reported as failed (stale) even when its pid now belongs to another
// process: run.json records the trainer's start time with its pid (Linux), and both readers, the trainer's
// (`transfer-lab runs`) and the extension's (Saved Models), compare both. `runs` goes through dist/cli.js.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { effectiveStatus, procStatStartTime, type RunRecord } from '../../src/core/runRecord';
import { listRunsIn as extensionListing } from '../../src/extension/runsFolder';
import { listRunDirs, RunWriter } from '../../src/trainer/runs/runWriter';
import { cliJson, tempDir } from './storeFixture';

/** Field 22 of /proc/<pid>/stat, read here independently of the code under test. */
const startOf = (pid: number) =>
  Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ')[19]);

const linux = process.platform === 'linux';

describe('a recorded pid is matched with its start time', () => {
  const work = tempDir('store-stale');
  const runs = path.join(work, 'runs');
  let sleeper: ChildProcess;

  const record = (id: string, extra: Partial<RunRecord>): RunRecord => ({
    id, status: 'running', mode: 'feature-extractor', backbone: 'm', dataset: '/d', classes: ['a', 'b'], engine: 'wasm',
    createdAt: '2026-12-01T10:00:00Z', updatedAt: '2026-12-01T10:00:00Z', config: {}, history: [], timings: {},
    ...extra,
  });
  const writeRun = (r: RunRecord) => {
    fs.mkdirSync(path.join(runs, r.id), { recursive: true });
    fs.writeFileSync(path.join(runs, r.id, 'run.json'), JSON.stringify(r));
  };

  before(() => {
    sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  });
  after(() => {
    sleeper.kill();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('parses the start time from a stat line whose command name holds spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = 'S';
    const line = `4242 (my (odd) name) ${fields.join(' ')}\n`;
    assert.equal(procStatStartTime(line), 22);
    assert.equal(procStatStartTime('4242 (x) S 1 2'), undefined);
    assert.equal(procStatStartTime('garbage'), undefined);
  });

  it('compares pid and start time when both are known, the pid alone otherwise', () => {
    const run = record('r', { pid: 7, pidStart: 100 });
    assert.equal(effectiveStatus(run, () => ({ alive: true, startTime: 100 })), 'running');
    assert.equal(effectiveStatus(run, () => ({ alive: true, startTime: 101 })), 'failed');
    assert.equal(effectiveStatus(run, () => ({ alive: false })), 'failed');
    assert.equal(effectiveStatus(run, () => ({ alive: true })), 'running', 'no /proc: pid only');
    const older = { ...run, pidStart: undefined };
    assert.equal(effectiveStatus(older, () => ({ alive: true, startTime: 5 })), 'running', 'older run');
    assert.equal(effectiveStatus(run, () => true), 'running', 'a plain liveness check still works');
  });

  it('a new run records its process start time with its pid, and drops both when it ends',
    { skip: !linux && 'needs /proc' }, async () => {
      const w = await RunWriter.create(path.join(work, 'own'),
        { mode: 'feature-extractor', backbone: 'm', dataset: '/d', classes: ['a', 'b'], engine: 'cpu', config: {} });
      const saved = JSON.parse(fs.readFileSync(path.join(w.dir, 'run.json'), 'utf8'));
      assert.equal(saved.pid, process.pid);
      assert.equal(saved.pidStart, startOf(process.pid));
      await w.fail('stopped by the test');
      const ended = JSON.parse(fs.readFileSync(path.join(w.dir, 'run.json'), 'utf8'));
      assert.equal(ended.pid, undefined);
      assert.equal(ended.pidStart, undefined);
    });

  it('a live pid with another start time is stale for `runs` and for the extension; the right one is running',
    { skip: !linux && 'needs /proc' }, async () => {
      const pid = sleeper.pid!;
      const start = startOf(pid);
      writeRun(record('reused-pid', { pid, pidStart: start - 1 }));
      writeRun(record('live', { pid, pidStart: start }));
      writeRun(record('older-version', { pid }));

      const listed = Object.fromEntries((await listRunDirs(runs)).runs.map((r) => [r.record.id, r.status]));
      assert.deepEqual(listed, { 'reused-pid': 'failed', live: 'running', 'older-version': 'running' });

      const cli = cliJson(['runs', '--runs', runs, '--json']).json as { id: string; status: string }[];
      assert.deepEqual(Object.fromEntries(cli.map((r) => [r.id, r.status])), listed);

      // What the Saved Models tree lists for the same folder (runStore.ts lists each workspace folder so).
      const ext = Object.fromEntries((await extensionListing(runs)).runs.map((r) => [r.record.id, r.status]));
      assert.deepEqual(ext, listed);
    });
});

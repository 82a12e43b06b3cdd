// The one run listing, over an in-memory runs folder: what the CLI's `runs` and the Saved Models tree both show.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listRunsFolder, type RunsReader } from '../../../src/core/runListing';
import type { ProcessProbe, RunRecord } from '../../../src/core/runRecord';

const record = (id: string, extra: Partial<RunRecord> = {}): RunRecord => ({
  id, status: 'completed', mode: 'feature-extractor', backbone: 'm', dataset: '/d', classes: ['a', 'b'], engine: 'wasm',
  createdAt: '2026-12-01T10:00:00Z', updatedAt: '2026-12-01T10:00:00Z', config: {}, history: [], timings: {}, ...extra,
});

/** Folders by path, each a list of names, and files by path; anything else does not exist. */
function memoryReader(dirs: Record<string, string[]>, files: Record<string, string>): RunsReader {
  return {
    join: (dir, name) => `${dir}/${name}`,
    readdir: async (dir) => {
      if (!dirs[dir]) throw Object.assign(new Error(`ENOENT: ${dir}`), { code: 'ENOENT' });
      return dirs[dir];
    },
    readText: async (file) => {
      if (files[file] === undefined) {
        throw Object.assign(new Error(`ENOENT: no such file, open '${file}'`), { code: 'ENOENT' });
      }
      return files[file];
    },
  };
}

const alive = (pids: Record<number, ProcessProbe>) => (pid: number) => pids[pid] ?? { alive: false };

describe('listing a runs folder', () => {
  it('has no runs, and nothing unreadable, when the folder is missing', async () => {
    const listed = await listRunsFolder(memoryReader({}, {}), '/w/runs', alive({}));
    assert.deepEqual(listed, { runs: [], unreadable: [] });
  });

  it('lists runs by folder name, whatever order the folder gives, with each run status as it is now', async () => {
    const runs = {
      'b-killed': record('b-killed', { status: 'running', pid: 11 }),
      'a-done': record('a-done'),
      'c-live': record('c-live', { status: 'running', pid: 12, pidStart: 500 }),
      'd-reused-pid': record('d-reused-pid', { status: 'running', pid: 12, pidStart: 499 }),
    };
    const reader = memoryReader({ '/w/runs': Object.keys(runs) },
      Object.fromEntries(Object.entries(runs).map(([id, r]) => [`/w/runs/${id}/run.json`, JSON.stringify(r)])));
    const listed = await listRunsFolder(reader, '/w/runs', alive({ 12: { alive: true, startTime: 500 } }));
    assert.deepEqual(listed.runs.map((r) => [r.dir, r.record.id, r.record.status, r.status]), [
      ['/w/runs/a-done', 'a-done', 'completed', 'completed'],
      ['/w/runs/b-killed', 'b-killed', 'running', 'failed'],
      ['/w/runs/c-live', 'c-live', 'running', 'running'],
      ['/w/runs/d-reused-pid', 'd-reused-pid', 'running', 'failed'],
    ]);
    assert.deepEqual(listed.runs[0].record, runs['a-done']);
    assert.deepEqual(listed.unreadable, []);
  });

  it('collects every unreadable run with its reason and still lists the others', async () => {
    const reader = memoryReader({ '/r': ['ok', 'no-file', 'not-json', 'bad-status', 'stray.txt'] }, {
      '/r/ok/run.json': JSON.stringify(record('ok')),
      '/r/not-json/run.json': '{"id": "not-json", ',
      '/r/bad-status/run.json': JSON.stringify({ ...record('bad-status'), status: 'done' }),
    });
    const listed = await listRunsFolder(reader, '/r', () => false);
    assert.deepEqual(listed.runs.map((r) => r.record.id), ['ok']);
    assert.deepEqual(listed.unreadable.map((u) => u.dir),
      ['/r/bad-status', '/r/no-file', '/r/not-json', '/r/stray.txt']);
    const reason = Object.fromEntries(listed.unreadable.map((u) => [u.dir, u.reason]));
    assert.match(reason['/r/bad-status'], /run\.json\.status/);
    assert.match(reason['/r/no-file'], /ENOENT.*\/r\/no-file\/run\.json/);
    assert.match(reason['/r/not-json'], /JSON/);
  });

  it('passes a plain liveness check through as well as a probe with start times', async () => {
    const running = record('x', { status: 'running', pid: 3 });
    const reader = memoryReader({ '/r': ['x'] }, { '/r/x/run.json': JSON.stringify(running) });
    assert.equal((await listRunsFolder(reader, '/r', () => true)).runs[0].status, 'running');
    assert.equal((await listRunsFolder(reader, '/r', () => false)).runs[0].status, 'failed');
  });
});

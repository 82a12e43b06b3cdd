// The trainer child process over real IPC, as the extension drives it (needs `npm run build` first).
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { TrainerJob } from '../../../src/extension/trainerClient';
import type { TrainerEvent } from '../../../src/core/protocol';
import { ROOT } from '../../fixtures/cliRun';

const TRAINER = path.join(ROOT, 'dist/trainer.js');

describe('trainer child process', () => {
  it('answers doctor with the engine that loaded, then exits 0', async () => {
    const job = new TrainerJob(TRAINER, 'doctor', {});
    const events: TrainerEvent[] = [];
    job.on('event', (e) => events.push(e));
    const outcome = await job.outcome;
    assert.equal(outcome.status, 'done');
    const result = (outcome as { result: { engine: string; skipped: { engine: string; reason: string }[]; pid: number } }).result;
    assert.ok(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'].includes(result.engine));
    assert.equal(result.pid, job.pid);
    // Every engine before the one that loaded says why it was skipped.
    const order = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
    assert.deepEqual(result.skipped.map((s) => s.engine), order.slice(0, order.indexOf(result.engine)));
    for (const s of result.skipped) assert.ok(s.reason.length > 10, s.reason);
    assert.ok(events.some((e) => e.type === 'engine'));
    assert.equal(events.at(-1)?.type, 'done');
  });

  it('starts the trainer with two malloc arenas unless the environment says otherwise, and says how many forward workers it uses', async () => {
    const given = process.env.MALLOC_ARENA_MAX;
    const mine = (await new TrainerJob(TRAINER, 'doctor', {}).outcome) as { result: { mallocArenaMax: string | null; forwardWorkers: number; engine: string } };
    assert.equal(mine.result.mallocArenaMax, given ?? '2');
    const theirs = (await new TrainerJob(TRAINER, 'doctor', {}, { MALLOC_ARENA_MAX: '8', TRANSFER_LAB_WORKERS: '3' }).outcome) as typeof mine;
    assert.equal(theirs.result.mallocArenaMax, '8');
    assert.equal(theirs.result.forwardWorkers, theirs.result.engine.startsWith('tfjs-node') ? 0 : 3);
  });

  it('honours an engine preference', async () => {
    const outcome = await new TrainerJob(TRAINER, 'doctor', { engine: 'cpu' }).outcome;
    assert.equal((outcome as { result: { engine: string } }).result.engine, 'cpu');
  });

  it('reports SIGKILL as a crash, not as success', async () => {
    const job = new TrainerJob(TRAINER, 'doctor', {});
    process.kill(job.pid!, 'SIGKILL');
    const outcome = await job.outcome;
    assert.deepEqual({ status: outcome.status, signal: (outcome as { signal: string }).signal }, { status: 'crashed', signal: 'SIGKILL' });
  });

  it('answers a malformed request with a typed error instead of crashing', async () => {
    const child = fork(TRAINER, [], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    try {
      const reply = await new Promise<unknown>((resolve) => {
        child.once('message', resolve);
        child.send({ v: 1, type: 'start', job: 'doctor' });
      });
      assert.deepEqual(reply, { v: 1, type: 'error', code: 'bad-request', message: 'request.config: expected object, got undefined' });
    } finally {
      child.kill();
    }
  });
});

// The extension checks a job's result against the job's contract as it arrives: a command gets the typed result, or a
// failure that names the wrong field (shown with "Show Log"), never a result it would crash on. A stand-in trainer
// answers `start` with the result the test gives it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { DoctorResult } from '../../../src/core/jobs/doctor';
import { TrainerJob } from '../../../src/extension/trainerClient';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-job-results-'));
const TRAINER = path.join(dir, 'trainer.js');
fs.writeFileSync(TRAINER, `process.on('message', (m) => {
  if (m.type !== 'start') return;
  const done = { v: 1, type: 'done', job: m.job, result: JSON.parse(process.env.RESULT) };
  process.send(done, () => process.exit(0));
});
`);

const doctor: DoctorResult = {
  engine: 'wasm', backend: 'wasm', version: '4.22.0', slowPath: true,
  skipped: [{ engine: 'tfjs-node', reason: 'absent' }],
  frozen: { engine: 'onnxruntime-cpu', version: '1.30.0', skipped: [{ engine: 'onnxruntime-cuda', reason: 'absent' }] },
  wasm: { simd: true, threads: false, threadsCount: 1 }, tfjs: '4.22.0', sharp: '0.33', libvips: '8.15', node: 'v20',
  platform: 'linux-x64', cpus: 2, forwardWorkers: 2, mallocArenaMax: '2', pid: 1,
};

const outcomeOf = (result: unknown) =>
  new TrainerJob(TRAINER, 'doctor', {}, { RESULT: JSON.stringify(result) }).outcome;

describe('job results from the trainer', () => {
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a result that fits the contract arrives typed, without fields the contract does not list', async () => {
    const outcome = await outcomeOf({ ...doctor, unexpected: 'dropped' });
    assert.equal(outcome.status, 'done');
    if (outcome.status === 'done') assert.deepEqual(outcome.result, doctor);
  });

  it('a result that does not fit fails the job, naming the field', async () => {
    const outcome = await outcomeOf({ ...doctor, skipped: [{ engine: 'tfjs-node', reason: 42 }] });
    assert.equal(outcome.status, 'failed');
    if (outcome.status !== 'failed') return;
    assert.equal(outcome.error.code, 'bad-result');
    assert.match(outcome.error.message, /result\.skipped\[0\]\.reason: expected string, got number 42/);
    assert.match(outcome.error.hint ?? '', /versions/);
  });
});

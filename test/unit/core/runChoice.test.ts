// The prediction preview's run picker: which run classifies by default, and how the runs are listed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bestRun, runChoices } from '../../../src/core/runChoice';
import type { ListedRun } from '../../../src/core/runListing';
import type { EpochRecord, RunRecord, RunStatus } from '../../../src/core/runRecord';

const epoch = (valAcc: number): EpochRecord => ({ epoch: 1, loss: 0.3, acc: 0.9, valLoss: 0.3, valAcc, lr: 1e-3, seconds: 1 });

function run(id: string, o: { status?: RunStatus; valAcc?: number; createdAt?: string; backbone?: string } = {}): ListedRun {
  const record: RunRecord = {
    id, status: o.status ?? 'completed', mode: 'feature-extractor', backbone: o.backbone ?? 'mobilenet_v2_0.35_224',
    dataset: '/d', classes: ['cat', 'dog'], engine: 'wasm', createdAt: o.createdAt ?? '2026-12-01T10:00:00Z',
    updatedAt: '2026-12-01T10:00:00Z', config: {}, history: [], timings: {},
    ...(o.valAcc === undefined ? {} : { best: epoch(o.valAcc) }),
  };
  return { dir: `/w/runs/${id}`, record, status: record.status };
}

describe('the best run for the prediction preview', () => {
  const cases: { name: string; runs: ListedRun[]; best: string | undefined }[] = [
    { name: 'no runs: none', runs: [], best: undefined },
    { name: 'the highest val_acc wins, whatever the order', runs: [run('a', { valAcc: 0.81 }), run('b', { valAcc: 0.95 }), run('c', { valAcc: 0.9 })], best: 'b' },
    {
      name: 'only completed runs: a failed or running run with a higher val_acc is passed over',
      runs: [run('failed', { status: 'failed', valAcc: 0.99 }), run('live', { status: 'running', valAcc: 0.98 }), run('ok', { valAcc: 0.7 })],
      best: 'ok',
    },
    { name: 'no completed run: none', runs: [run('x', { status: 'cancelled', valAcc: 0.9 })], best: undefined },
    {
      name: 'a tie goes to the newest',
      runs: [run('old', { valAcc: 0.9, createdAt: '2026-11-01T00:00:00Z' }), run('new', { valAcc: 0.9, createdAt: '2026-12-02T00:00:00Z' })],
      best: 'new',
    },
    {
      name: 'a run without a recorded val_acc comes after every run with one, even a poor one',
      runs: [run('none', { createdAt: '2026-12-03T00:00:00Z' }), run('poor', { valAcc: 0.1 })],
      best: 'poor',
    },
    { name: 'runs without val_acc: the newest', runs: [run('a', { createdAt: '2026-12-01T00:00:00Z' }), run('b', { createdAt: '2026-12-02T00:00:00Z' })], best: 'b' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(bestRun(c.runs)?.record.id, c.best));
  }
});

describe('the run picker entries', () => {
  it('lists completed runs only, the best first (marked), then newest first', () => {
    const choices = runChoices([
      run('a', { valAcc: 0.8, createdAt: '2026-12-01T00:00:00Z' }),
      run('b', { valAcc: 0.95, createdAt: '2026-12-02T00:00:00Z' }),
      run('c', { valAcc: 0.9, createdAt: '2026-12-03T00:00:00Z' }),
      run('d', { status: 'failed', valAcc: 0.99 }),
    ]);
    assert.deepEqual(choices.map((c) => c.label), ['b (best)', 'c', 'a']);
    assert.deepEqual(choices.map((c) => c.runDir), ['/w/runs/b', '/w/runs/c', '/w/runs/a']);
  });

  it('describes each run by mode, backbone (a local path by its last part) and val_acc', () => {
    const [choice] = runChoices([run('a', { valAcc: 0.9534, backbone: '/models/mobilenet_v1_0.25_224_layers/' })]);
    assert.equal(choice.description, 'feature-extractor · mobilenet_v1_0.25_224_layers · val_acc 0.953');
    assert.equal(choice.valAcc, 0.9534);
    const [bare] = runChoices([run('b')]);
    assert.equal(bare.description, 'feature-extractor · mobilenet_v2_0.35_224');
    assert.equal(bare.valAcc, undefined);
  });
});

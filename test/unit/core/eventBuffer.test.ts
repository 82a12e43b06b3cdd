import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventBuffer } from '../../../src/core/eventBuffer';
import type { TrainerEvent } from '../../../src/core/protocol';

const epoch = (n: number): TrainerEvent => ({ type: 'epoch', stage: 'fe', epoch: n, loss: 1 / n, acc: 0.5, valLoss: 1, valAcc: 0.5, lr: 0.001, seconds: 1 });

describe('event buffer for dashboard replay', () => {
  it('keeps every epoch, the latest progress per phase, one layers event, and no logs', () => {
    const b = new EventBuffer();
    b.reset('Train');
    b.push({ type: 'log', level: 'info', message: 'x' });
    b.push({ type: 'progress', phase: 'embedding', done: 1, total: 10 });
    b.push({ type: 'progress', phase: 'embedding', done: 5, total: 10 });
    b.push({ type: 'layers', layers: [] });
    b.push(epoch(1));
    b.push(epoch(2));
    b.push({ type: 'layers', layers: [] });
    const s = b.snapshot();
    assert.deepEqual(s.map((e) => e.type), ['progress', 'epoch', 'epoch', 'layers']);
    assert.equal((s[0] as { done: number }).done, 5);
    assert.equal(b.currentTitle, 'Train');
  });

  it('forgets the last job after a reset, except the dataset report', () => {
    const b = new EventBuffer();
    const dataset: TrainerEvent = {
      type: 'dataset', layout: 'flat', layoutReason: '', source: '/s', output: '/o', classes: ['a'], counts: {}, samples: [], findings: [], dryRun: false,
    };
    b.push(dataset);
    b.push(epoch(1));
    b.reset('Next');
    assert.deepEqual(b.snapshot(), [dataset]);
  });

  it('keeps one grid of each kind, the newest', () => {
    const b = new EventBuffer();
    const grid = (kind: 'test' | 'val', file: string): TrainerEvent => ({ type: 'predictions', kind, runDir: '/r', classes: ['a'], items: [{ file, label: 'a', probability: 1 }] });
    b.push(grid('val', 'v1'));
    b.push(grid('test', 't1'));
    b.push(grid('val', 'v2'));
    assert.deepEqual(b.snapshot().map((e) => e.type === 'predictions' && `${e.kind}:${e.items[0].file}`), ['test:t1', 'val:v2']);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventBuffer } from '../../src/core/eventBuffer';
import type { TrainerEvent } from '../../src/core/protocol';

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

  it('starts empty after a reset', () => {
    const b = new EventBuffer();
    b.push(epoch(1));
    b.reset('Next');
    assert.equal(b.snapshot().length, 0);
  });
});

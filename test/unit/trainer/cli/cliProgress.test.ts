import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, progressLine } from '../../../../src/trainer/cli/progress';

describe('terminal progress', () => {
  const durations: [number, string][] = [[0, '0s'], [59.4, '59s'], [61, '1m01s'], [3725, '1h02m'], [-1, '?'], [Infinity, '?']];
  for (const [s, text] of durations) it(`formats ${s}s as ${text}`, () => assert.equal(formatDuration(s), text));

  it('draws a bar with counts and ETA', () => {
    assert.equal(progressLine('embedding', 5, 10, 30, 10), 'embedding  [#####.....] 5/10 ETA 30s');
    assert.equal(progressLine('decode', 0, 0, undefined, 4), 'decode     [....] 0/0');
  });
});

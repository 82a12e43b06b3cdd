import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { effectiveStatus, parseRunRecord, type RunRecord } from '../../../src/core/runRecord';

const run: RunRecord = {
  id: '2026-11-29-a', status: 'running', mode: 'feature-extractor', backbone: 'mobilenet_v2_0.35_224', dataset: '/d',
  classes: ['cat', 'dog'], engine: 'wasm', createdAt: '2026-11-29T10:00:00Z', updatedAt: '2026-11-29T10:00:00Z', pid: 1234,
  config: {}, history: [], timings: {},
};

describe('run records', () => {
  it('round-trips through JSON', () => assert.deepEqual(parseRunRecord(JSON.parse(JSON.stringify(run))), run));

  it('keeps the pid start time and the file checksums, and rejects a checksum that is not a sha256', () => {
    const full = { ...run, pidStart: 987654, files: { 'model/weights.bin': 'a'.repeat(64) } };
    assert.deepEqual(parseRunRecord(JSON.parse(JSON.stringify(full))), full);
    assert.throws(() => parseRunRecord({ ...full, files: { 'model/weights.bin': 'abc' } }),
      /run\.json\.files\.model\/weights\.bin/);
  });

  it('rejects an unknown status with the field named', () => {
    assert.throws(() => parseRunRecord({ ...run, status: 'done' }), /run\.json\.status/);
  });

  it('reports a running run whose trainer is gone as failed, never completed', () => {
    assert.equal(effectiveStatus(run, () => false), 'failed');
    assert.equal(effectiveStatus(run, () => true), 'running');
    assert.equal(effectiveStatus({ ...run, pid: undefined }, () => true), 'failed');
    assert.equal(effectiveStatus({ ...run, status: 'completed' }, () => false), 'completed');
  });
});

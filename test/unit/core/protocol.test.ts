import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRequest, parseTrainerMessage, parseWebviewMessage, PROTOCOL_VERSION, withVersion } from '../../../src/core/protocol';

describe('protocol', () => {
  const cases: { name: string; input: unknown; ok: boolean; error?: RegExp }[] = [
    { name: 'a start request', input: { v: 1, type: 'start', job: 'doctor', config: {} }, ok: true },
    { name: 'a cancel request', input: { v: 1, type: 'cancel' }, ok: true },
    { name: 'an unknown job', input: { v: 1, type: 'start', job: 'mine-bitcoin', config: {} }, ok: false, error: /request\.job/ },
    { name: 'a wrong version', input: { v: 99, type: 'cancel' }, ok: false, error: /protocol version 1/ },
    { name: 'no version', input: { type: 'cancel' }, ok: false, error: /request\.v/ },
    { name: 'an unknown type', input: { v: 1, type: 'explode' }, ok: false, error: /unknown message type "explode"/ },
    { name: 'a non-object', input: 'start', ok: false, error: /unknown message type/ },
    { name: 'null', input: null, ok: false, error: /unknown message type/ },
    { name: 'config not an object', input: { v: 1, type: 'start', job: 'doctor', config: [] }, ok: false, error: /request\.config: expected object, got array/ },
  ];
  for (const c of cases) {
    it(`parseRequest: ${c.name}`, () => {
      const r = parseRequest(c.input);
      assert.equal(r.ok, c.ok, JSON.stringify(r));
      if (!r.ok && c.error) assert.match(r.error, c.error);
    });
  }

  it('validates epoch events field by field and allows NaN metrics', () => {
    const good = withVersion({ type: 'epoch' as const, stage: 'feature-extractor', epoch: 1, loss: 0.5, acc: 0.8, valLoss: NaN, valAcc: 0.7, lr: 1e-3, seconds: 2 });
    const r = parseTrainerMessage(good);
    assert.ok(r.ok);
    const bad = parseTrainerMessage({ ...good, valAcc: 'high' });
    assert.ok(!bad.ok);
    assert.match(bad.error, /event\.valAcc: expected number, got "high"/);
  });

  it('drops unknown fields so nothing unvalidated crosses the boundary', () => {
    const r = parseTrainerMessage({ v: PROTOCOL_VERSION, type: 'log', level: 'info', message: 'hi', extra: { evil: true } });
    assert.ok(r.ok);
    assert.deepEqual(r.value, { v: 1, type: 'log', level: 'info', message: 'hi' });
  });

  it('validates layer rows', () => {
    const row = { index: 0, name: 'conv1', type: 'Conv2D', outputShape: '[null,112,112,16]', params: 432, trainable: false, block: 'stem' };
    assert.ok(parseTrainerMessage({ v: 1, type: 'layers', layers: [row] }).ok);
    const r = parseTrainerMessage({ v: 1, type: 'layers', layers: [{ ...row, params: '432' }] });
    assert.ok(!r.ok && /layers\[0\]\.params/.test(r.error));
  });

  it('parses webview intents', () => {
    assert.ok(parseWebviewMessage({ type: 'ready' }).ok);
    assert.ok(parseWebviewMessage({ type: 'startFineTune', runDir: '/w/.transfer-lab/runs/a', unfreezeFrom: 'block_16' }).ok);
    assert.ok(!parseWebviewMessage({ type: 'openFile' }).ok);
  });
});

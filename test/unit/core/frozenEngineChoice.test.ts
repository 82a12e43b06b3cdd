import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frozenOrder, isFrozenPreference, providerOf, providersFor } from '../../../src/core/frozenEngineChoice';

test('auto tries the platform GPU providers, then the CPU provider, then tfjs', () => {
  assert.deepEqual(frozenOrder('auto', 'linux'), ['onnxruntime-cuda', 'onnxruntime-cpu', 'tfjs']);
  assert.deepEqual(frozenOrder('auto', 'win32'), ['onnxruntime-cuda', 'onnxruntime-dml', 'onnxruntime-cpu', 'tfjs']);
  assert.deepEqual(frozenOrder('onnxruntime', 'darwin'), ['onnxruntime-coreml', 'onnxruntime-cpu', 'tfjs']);
});

test('tfjs asked for is tfjs only', () => {
  assert.deepEqual(frozenOrder('tfjs', 'linux'), ['tfjs']);
});

test('DirectML only on Windows, CoreML only on macOS', () => {
  assert.ok(!providersFor('linux').includes('dml'));
  assert.ok(!providersFor('linux').includes('coreml'));
  assert.ok(providersFor('darwin').includes('coreml'));
  assert.equal(providerOf('onnxruntime-dml'), 'dml');
  assert.equal(providerOf('tfjs'), undefined);
});

test('preferences are checked', () => {
  assert.ok(isFrozenPreference('auto'));
  assert.ok(!isFrozenPreference('onnx'));
});

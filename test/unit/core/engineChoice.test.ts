import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineOrder, isEnginePreference, isSlowPath } from '../../../src/core/engineChoice';

describe('engine order', () => {
  const table: [Parameters<typeof engineOrder>[0], string[]][] = [
    ['auto', ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']],
    ['wasm', ['wasm', 'tfjs-node-gpu', 'tfjs-node', 'cpu']],
    ['cpu', ['cpu', 'tfjs-node-gpu', 'tfjs-node', 'wasm']],
    ['tfjs-node', ['tfjs-node', 'tfjs-node-gpu', 'wasm', 'cpu']],
  ];
  for (const [pref, order] of table) it(`${pref} → ${order.join(', ')}`, () => assert.deepEqual(engineOrder(pref), order));

  it('flags the slow path and validates preferences', () => {
    assert.equal(isSlowPath('wasm'), true);
    assert.equal(isSlowPath('tfjs-node'), false);
    assert.equal(isEnginePreference('auto'), true);
    assert.equal(isEnginePreference('webgpu'), false);
  });
});

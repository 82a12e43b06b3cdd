import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHalf, encodeHalf, fromHalf, toHalf } from '../../../src/core/float16';

describe('float16', () => {
  const exact: [number, number][] = [[0, 0x0000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff], [2 ** -24, 0x0001], [Infinity, 0x7c00]];
  for (const [value, bits] of exact) {
    it(`encodes ${value} as 0x${bits.toString(16)} and back`, () => {
      assert.equal(toHalf(value), bits);
      assert.equal(fromHalf(bits), value);
    });
  }

  it('overflows to infinity and keeps NaN', () => {
    assert.equal(fromHalf(toHalf(1e6)), Infinity);
    assert.ok(Number.isNaN(fromHalf(toHalf(NaN))));
  });

  it('round-trips typical embedding values within half precision', () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => Math.abs(Math.sin(i)) * 6);
    const back = decodeHalf(encodeHalf(values));
    for (let i = 0; i < values.length; i++) assert.ok(Math.abs(back[i] - values[i]) <= Math.max(1e-3 * values[i], 6e-8), `${values[i]} → ${back[i]}`);
  });
});

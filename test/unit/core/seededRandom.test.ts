import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveSeed, mulberry32, shuffled } from '../../../src/core/seededRandom';

describe('seeded randomness', () => {
  it('repeats for a seed and differs across seeds', () => {
    const a = mulberry32(42), b = mulberry32(42), c = mulberry32(43);
    const xs = [a(), a(), a()];
    assert.deepEqual([b(), b(), b()], xs);
    assert.notDeepEqual([c(), c(), c()], xs);
    for (const x of xs) assert.ok(x >= 0 && x < 1);
  });

  it('shuffles into a permutation without touching the input', () => {
    const items = [...Array(50).keys()];
    const out = shuffled(items, mulberry32(1));
    assert.deepEqual([...out].sort((x, y) => x - y), items);
    assert.notDeepEqual(out, items);
    assert.deepEqual(items, [...Array(50).keys()]);
  });

  it('derives distinct streams from one seed', () => {
    assert.notEqual(deriveSeed(42, 'split'), deriveSeed(42, 'shuffle'));
    assert.equal(deriveSeed(42, 'split'), deriveSeed(42, 'split'));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  averageViews, expandViews, TTA_CROP, ttaViews, viewPixels, type TtaView,
} from '../../../src/core/testTimeAugmentation';

/** A size × size image whose pixel (x, y) is [x, y, 7]. */
function ramp(size: number): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out.set([x, y, 7], (y * size + x) * 3);
  return out;
}
const at = (img: Uint8Array, size: number, x: number, y: number) => Array.from(img.subarray((y * size + x) * 3, (y * size + x) * 3 + 3));

describe('test-time augmentation', () => {
  it('each mode has the views it says, the original first', () => {
    const table: [Parameters<typeof ttaViews>[0], string[]][] = [
      ['none', ['original']],
      ['flip', ['original', 'flip']],
      ['flip+crops', ['original', 'flip', 'top-left', 'top-right', 'bottom-left', 'bottom-right', 'centre']],
    ];
    for (const [mode, names] of table) assert.deepEqual(ttaViews(mode).map((v) => v.name), names, mode);
    for (const v of ttaViews('flip+crops').slice(2)) {
      assert.equal(v.side, TTA_CROP);
      assert.ok(v.x >= 0 && v.y >= 0 && v.x + v.side <= 1 + 1e-12 && v.y + v.side <= 1 + 1e-12, v.name);
    }
  });

  it('the original is the image itself, the flip its mirror', () => {
    const size = 5, img = ramp(size);
    const [original, flip] = ttaViews('flip');
    assert.deepEqual(viewPixels(img, size, original), img);
    const mirrored = viewPixels(img, size, flip);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) assert.deepEqual(at(mirrored, size, x, y), [size - 1 - x, y, 7]);
  });

  it('a crop shows its own corner of the image, stretched back to full size', () => {
    const size = 64, img = ramp(size);
    const views = new Map(ttaViews('flip+crops').map((v) => [v.name, v]));
    const corners: [string, number[], number[]][] = [
      // [view, its first pixel ≈ the image's, its last pixel ≈ the image's]
      ['top-left', [0, 0], [55, 55]],
      ['bottom-right', [8, 8], [63, 63]],
      ['top-right', [8, 0], [63, 55]],
      ['bottom-left', [0, 8], [55, 63]],
      ['centre', [4, 4], [59, 59]],
    ];
    for (const [name, first, last] of corners) {
      const v = viewPixels(img, size, views.get(name) as TtaView);
      const a = at(v, size, 0, 0), b = at(v, size, size - 1, size - 1);
      assert.ok(Math.abs(a[0] - first[0]) <= 1 && Math.abs(a[1] - first[1]) <= 1, `${name} starts at ${a}`);
      assert.ok(Math.abs(b[0] - last[0]) <= 1 && Math.abs(b[1] - last[1]) <= 1, `${name} ends at ${b}`);
      assert.equal(a[2], 7);
    }
  });

  it('a flat image stays flat in every view', () => {
    const size = 9, img = new Uint8Array(size * size * 3).fill(200);
    for (const v of ttaViews('flip+crops')) assert.ok(viewPixels(img, size, v).every((x) => x === 200), v.name);
  });

  it('views are laid out image by image, and each image gets the mean of its views', () => {
    const size = 2, a = ramp(size), b = new Uint8Array(12).fill(9);
    const views = ttaViews('flip');
    const expanded = expandViews([a, b], size, views);
    assert.equal(expanded.length, 4);
    assert.equal(expanded[0], a);
    assert.deepEqual(expanded[1], viewPixels(a, size, views[1]));
    assert.deepEqual(expanded[3], b);
    const mean = averageViews([[0.2, 0.8], [0.6, 0.4], [1, 0], [0, 1]], 2);
    assert.deepEqual(mean.map((r) => Array.from(r).map((x) => Math.round(x * 1e6) / 1e6)), [[0.4, 0.6], [0.5, 0.5]]);
    assert.throws(() => averageViews([[1], [1], [1]], 2), /groups of 2/);
    assert.throws(() => viewPixels(new Uint8Array(5), 2, views[0]), /expected 2×2×3/);
  });
});

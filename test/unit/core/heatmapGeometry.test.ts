import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  centreShare, heatOnImage, imagePointOf, mapPeak, sampleMap, squarePointOf,
} from '../../../src/core/heatmapGeometry';

const close = (a: number, b: number, eps = 1e-9) => Math.abs(a - b) <= eps;

describe('heatmap geometry', () => {
  it('maps image pixels onto the square the model saw, for each resize', () => {
    // A 200 × 100 image: fill stretches it, cover crops x 50..150, contain pads y by 50 above and below.
    const table: [Parameters<typeof squarePointOf>[4], number, number, { u: number; v: number } | undefined][] = [
      ['fill', 99.5, 49.5, { u: 0.5, v: 0.5 }],
      ['fill', 0, 0, { u: 0.5 / 200, v: 0.5 / 100 }],
      ['cover', 10, 50, undefined],
      ['cover', 99.5, 49.5, { u: 0.5, v: 0.5 }],
      ['cover', 50, 0, { u: 0.5 / 100, v: 0.5 / 100 }],
      ['contain', 0, 0, { u: 0.5 / 200, v: 50.5 / 200 }],
    ];
    for (const [resize, x, y, want] of table) {
      const got = squarePointOf(x, y, 200, 100, resize);
      if (!want) assert.equal(got, undefined, `${resize} ${x},${y}`);
      else assert.ok(got && close(got.u, want.u) && close(got.v, want.v), `${resize} ${x},${y}: ${JSON.stringify(got)}`);
    }
  });

  it('imagePointOf undoes squarePointOf', () => {
    for (const resize of ['fill', 'cover', 'contain'] as const) {
      for (const [x, y] of [[120.5, 30.5], [60.5, 80.5]]) {
        const s = squarePointOf(x - 0.5, y - 0.5, 200, 100, resize)!;
        const p = imagePointOf(s.u, s.v, 200, 100, resize);
        assert.ok(close(p.x, x / 200) && close(p.y, y / 100), `${resize}: ${JSON.stringify(p)}`);
      }
    }
  });

  it('samples bilinearly between cell centres and clamps at the edges', () => {
    const map = [0, 1, 2, 3]; // 2 × 2
    assert.equal(sampleMap(map, 2, 2, 0.25, 0.25), 0);
    assert.equal(sampleMap(map, 2, 2, 0.75, 0.75), 3);
    assert.equal(sampleMap(map, 2, 2, 0.5, 0.25), 0.5);
    assert.equal(sampleMap(map, 2, 2, 0, 0), 0);
    assert.equal(sampleMap(map, 2, 2, 0.5, 0.5), 1.5);
  });

  it("the peak is the largest cell's centre, in image fractions", () => {
    const map = new Float32Array(49);
    map[1 * 7 + 5] = 1; // row 1, column 5
    assert.deepEqual(mapPeak(map, 7, 7, 300, 100, 'fill'), { x: 5.5 / 7, y: 1.5 / 7 });
    const cover = mapPeak(map, 7, 7, 300, 100, 'cover');
    assert.ok(close(cover.x, (100 + (5.5 / 7) * 100) / 300) && close(cover.y, 1.5 / 7), JSON.stringify(cover));
  });

  it("the centre's share: heat in the middle half of each side against all of it", () => {
    const w = 8, h = 8;
    const inside = new Float32Array(w * h), border = new Float32Array(w * h), flat = new Float32Array(w * h).fill(1);
    inside[3 * w + 3] = 1;
    border[0] = 1;
    assert.equal(centreShare(inside, w, h), 1);
    assert.equal(centreShare(border, w, h), 0);
    assert.equal(centreShare(flat, w, h), 0.25);
    assert.equal(centreShare(new Float32Array(w * h), w, h), 0);
  });

  it("heat lands only where the model looked: 'cover' leaves the cropped ends unseen", () => {
    const { heat, seen } = heatOnImage([1], 1, 1, 4, 2, 'cover');
    assert.deepEqual(Array.from(seen), [0, 1, 1, 0, 0, 1, 1, 0]);
    assert.deepEqual(Array.from(heat), [0, 1, 1, 0, 0, 1, 1, 0]);
  });
});

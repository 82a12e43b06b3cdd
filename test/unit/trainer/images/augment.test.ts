import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { augmentImage, inverseMap, RECIPE_AUGMENTATION, sampleParams, warpRgb, type AffineParams } from '../../../../src/trainer/images/augment';

const SIZE = 33;
/** A picture with no symmetry, so any warp shows. */
const image = (() => {
  const b = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) b.set([x * 7, y * 7, (x * y) % 251], (y * SIZE + x) * 3);
  return b;
})();
const at = (img: Uint8Array, x: number, y: number) => Array.from(img.subarray((y * SIZE + x) * 3, (y * SIZE + x) * 3 + 3));
const still: AffineParams = { angle: 0, tx: 0, ty: 0, shear: 0, zx: 1, zy: 1, flip: false };
const equal = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('augmentation', () => {
  it('is deterministic per (seed, variant, image) and different across each', () => {
    const key = { seed: 42, variant: 3, image: 'abc' };
    const a = augmentImage(image, SIZE, key);
    assert.ok(equal(a, augmentImage(image, SIZE, { ...key })), 'same key, same bytes');
    for (const other of [{ ...key, variant: 4 }, { ...key, seed: 43 }, { ...key, image: 'abd' }]) {
      assert.ok(!equal(a, augmentImage(image, SIZE, other)), `differs for ${JSON.stringify(other)}`);
    }
    const variants = new Set([0, 1, 2, 3, 4, 5].map((v) => Buffer.from(augmentImage(image, SIZE, { seed: 1, variant: v })).toString('base64')));
    assert.equal(variants.size, 6);
  });

  it('leaves variant 0 untouched when asked, and warps it otherwise', () => {
    const v0 = augmentImage(image, SIZE, { seed: 7, variant: 0, identityVariant0: true });
    assert.ok(equal(v0, image));
    assert.notEqual(v0, image, 'a copy, not the caller\'s buffer');
    assert.ok(!equal(augmentImage(image, SIZE, { seed: 7, variant: 0 }), image));
  });

  it('samples within the recipe\'s ranges, flipping about half the time', () => {
    const draws = Array.from({ length: 400 }, (_, v) => sampleParams({ seed: 5, variant: v }));
    const deg = (r: number) => (r * 180) / Math.PI;
    assert.ok(draws.every((p) => Math.abs(deg(p.angle)) <= RECIPE_AUGMENTATION.rotationDeg));
    assert.ok(draws.some((p) => Math.abs(deg(p.angle)) > 40), 'rotations reach near ±50°');
    assert.ok(draws.every((p) => Math.abs(p.tx) <= 0.2 && Math.abs(p.ty) <= 0.2 && Math.abs(p.shear) <= 0.2));
    assert.ok(draws.every((p) => p.zx >= 0.7 && p.zx <= 1.3 && p.zy >= 0.7 && p.zy <= 1.3));
    assert.ok(draws.some((p) => p.zx !== p.zy), 'x and y zoom are drawn independently');
    const flips = draws.filter((p) => p.flip).length / draws.length;
    assert.ok(flips > 0.4 && flips < 0.6, `flip rate ${flips}`);
  });

  it('maps the identity exactly and mirrors exactly', () => {
    assert.ok(equal(warpRgb(image, SIZE, SIZE, inverseMap(still, SIZE, SIZE)), image));
    const mirrored = warpRgb(image, SIZE, SIZE, inverseMap({ ...still, flip: true }, SIZE, SIZE));
    for (const [x, y] of [[0, 0], [5, 9], [32, 17]]) assert.deepEqual(at(mirrored, x, y), at(image, SIZE - 1 - x, y));
  });

  it('rotates a quarter turn about the centre onto whole pixels', () => {
    const turned = warpRgb(image, SIZE, SIZE, inverseMap({ ...still, angle: Math.PI / 2 }, SIZE, SIZE));
    // Output (x, y) samples the source at centre + R(90°)·((x, y) − centre) = (c − (y − c), c + (x − c)).
    const c = (SIZE - 1) / 2;
    for (const [x, y] of [[0, 0], [3, 20], [32, 32], [16, 16]]) assert.deepEqual(at(turned, x, y), at(image, c - (y - c), c + (x - c)));
  });

  it('fills from the nearest edge pixel where the warp looks outside the image', () => {
    const shifted = warpRgb(image, SIZE, SIZE, inverseMap({ ...still, tx: 0.5 }, SIZE, SIZE));
    // Output x samples source x + 16.5: past the right edge from x = 16 on, where the last column repeats.
    for (const x of [16, 20, 32]) assert.deepEqual(at(shifted, x, 4), at(image, SIZE - 1, 4));
    assert.deepEqual(at(shifted, 0, 4), at(image, 16, 4).map((v, i) => Math.round((v + at(image, 17, 4)[i]) / 2)));
  });

  it('agrees with tf.image.transform (bilinear, nearest fill) on the same map', async () => {
    await tf.setBackend('cpu');
    for (const variant of [1, 2, 3]) {
      const map = inverseMap(sampleParams({ seed: 9, variant }), SIZE, SIZE);
      const ours = warpRgb(image, SIZE, SIZE, map);
      const theirs = tf.tidy(() => tf.image.transform(tf.tensor4d(Float32Array.from(image), [1, SIZE, SIZE, 3]),
        tf.tensor2d([[...map, 0, 0]]), 'bilinear', 'nearest').dataSync());
      const off = ours.filter((v, i) => Math.abs(v - theirs[i]) > 1).length;
      assert.ok(off <= ours.length * 0.01, `variant ${variant}: ${off} of ${ours.length} values differ by more than 1`);
    }
  });
});

// The classic recipe's augmentation (Keras ImageDataGenerator with rotation 50°, width/height shift 0.2,
// shear 0.2, zoom 0.3, horizontal flip, fill_mode 'nearest') as one seeded affine warp with bilinear sampling,
// on decoded RGB bytes. Training images only.
//
// Deterministic per (seed, variant, image): the embedding cache stores augmented variants by index, so variant
// k of an image must be the same picture in every run.
//
// Two readings of Keras that matter:
// - shear_range: Keras 2.0 (2017, when the recipe was written) took radians; keras-preprocessing later switched
//   to degrees, which makes 0.2 a no-op. The recipe meant a visible shear, so 0.2 is radians here (~11.5°).
// - zoom_range 0.3 draws the x and y factors independently from [0.7, 1.3], as Keras does; > 1 shows more of
//   the scene (zoom out), < 1 less.
// Plain TypeScript rather than tf.image.transform: bench/backboneSpeed.ts measures both on 224×224 batches, and
// this loop also avoids a uint8 → float32 tensor round trip per image.
import { deriveSeed, mulberry32 } from '../../core/seededRandom';

export interface AugmentParams {
  rotationDeg: number;
  /** Fraction of width / height. */
  shift: number;
  /** Radians; see above. */
  shear: number;
  zoom: number;
  flip: boolean;
}

export const RECIPE_AUGMENTATION: AugmentParams = { rotationDeg: 50, shift: 0.2, shear: 0.2, zoom: 0.3, flip: true };

export interface AugmentOptions {
  seed: number;
  /** 0, 1, 2, … one picture per index. */
  variant: number;
  /** A stable key for the image (content hash or path); left out when `seed` is already per image. */
  image?: string;
  /** Makes variant 0 the untouched original, so "variant 0" in a cache is always the plain image. */
  identityVariant0?: boolean;
  params?: AugmentParams;
}

/** One draw of the random transform: angles in radians, shifts in pixels-per-size fractions. */
export interface AffineParams {
  angle: number;
  tx: number;
  ty: number;
  shear: number;
  zx: number;
  zy: number;
  flip: boolean;
}

export function sampleParams(o: AugmentOptions, a: AugmentParams = o.params ?? RECIPE_AUGMENTATION): AffineParams {
  const r = mulberry32(deriveSeed(o.seed, `augment:${o.variant}:${o.image ?? ''}`));
  const u = (lo: number, hi: number) => lo + (hi - lo) * r();
  return {
    angle: (u(-a.rotationDeg, a.rotationDeg) * Math.PI) / 180,
    tx: u(-a.shift, a.shift),
    ty: u(-a.shift, a.shift),
    shear: u(-a.shear, a.shear),
    zx: u(1 - a.zoom, 1 + a.zoom),
    zy: u(1 - a.zoom, 1 + a.zoom),
    flip: a.flip && r() < 0.5,
  };
}

/**
 * The inverse map [a, b, c, d, e, f]: the output pixel (x, y) samples the source at (a·x + b·y + c, d·x + e·y + f).
 * Like Keras, the source point is centre + R·Shear·Zoom·(output − centre) + shift, i.e. the matrix maps output
 * coordinates into the source; flipping mirrors the output afterwards.
 */
export function inverseMap(p: AffineParams, width: number, height: number): number[] {
  const cos = Math.cos(p.angle), sin = Math.sin(p.angle);
  // R · Shear · Zoom with Shear = [[1, -sin s], [0, cos s]] (Keras' shear matrix) and Zoom = diag(zx, zy).
  const s00 = 1, s01 = -Math.sin(p.shear), s11 = Math.cos(p.shear);
  const m00 = (cos * s00) * p.zx, m01 = (cos * s01 - sin * s11) * p.zy;
  const m10 = (sin * s00) * p.zx, m11 = (sin * s01 + cos * s11) * p.zy;
  const cx = (width - 1) / 2, cy = (height - 1) / 2;
  const tx = p.tx * width, ty = p.ty * height;
  // Flip: output x' = width-1-x, folded into the map so the loop stays branch-free.
  const fx = p.flip ? -1 : 1, fc = p.flip ? width - 1 : 0;
  const a = m00 * fx, b = m01, d = m10 * fx, e = m11;
  const c = m00 * (fc - cx) - m01 * cy + cx + tx;
  const f = m10 * (fc - cx) - m11 * cy + cy + ty;
  return [a, b, c, d, e, f];
}

/** Bilinear warp of RGB bytes with 'nearest' fill: source coordinates outside the image repeat the edge pixel. */
export function warpRgb(rgb: Uint8Array, width: number, height: number, map: readonly number[]): Uint8Array {
  const [a, b, c, d, e, f] = map;
  const out = new Uint8Array(width * height * 3);
  const maxX = width - 1, maxY = height - 1;
  let o = 0;
  for (let y = 0; y < height; y++) {
    let sx = b * y + c, sy = e * y + f;
    for (let x = 0; x < width; x++, sx += a, sy += d) {
      const px = sx < 0 ? 0 : sx > maxX ? maxX : sx;
      const py = sy < 0 ? 0 : sy > maxY ? maxY : sy;
      const x0 = px | 0, y0 = py | 0;
      const x1 = x0 < maxX ? x0 + 1 : x0, y1 = y0 < maxY ? y0 + 1 : y0;
      const wx = px - x0, wy = py - y0;
      const i00 = (y0 * width + x0) * 3, i01 = (y0 * width + x1) * 3;
      const i10 = (y1 * width + x0) * 3, i11 = (y1 * width + x1) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = rgb[i00 + ch] + (rgb[i01 + ch] - rgb[i00 + ch]) * wx;
        const bottom = rgb[i10 + ch] + (rgb[i11 + ch] - rgb[i10 + ch]) * wx;
        out[o++] = top + (bottom - top) * wy + 0.5;
      }
    }
  }
  return out;
}

/** Variant `o.variant` of a size × size RGB image. */
export function augmentImage(rgb: Uint8Array, size: number, o: AugmentOptions): Uint8Array {
  if (rgb.length !== size * size * 3) throw new Error(`expected ${size}×${size}×3 bytes, got ${rgb.length}`);
  if (o.identityVariant0 && o.variant === 0) return rgb.slice();
  return warpRgb(rgb, size, size, inverseMap(sampleParams(o), size, size));
}

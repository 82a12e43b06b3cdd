// Test-time augmentation: the views of one decoded image that evaluate, predict and explain run, and the average of
// their probabilities. Pure (pixels in, pixels out), so the views are table-tested without sharp or tfjs.
//
// 'flip' is the original and its mirror image; 'flip+crops' adds the four corner crops and the centre crop, each
// 87.5% of the side (224 → 196, the ratio ImageNet evaluation's 224-of-256 centre crop uses) and resized back to the
// model's input size bilinearly. Crops are taken from the image as the model sees it (after the run's resize), so
// every view keeps the run's own framing and no second decode is needed.

export const TTA_MODES = ['none', 'flip', 'flip+crops'] as const;
export type TtaMode = (typeof TTA_MODES)[number];

/** The side of each crop, as a share of the image's side. */
export const TTA_CROP = 0.875;

/** One view: an optional mirror, then the square [x, y, x + side, y + side] (fractions of the side) resized back. */
export interface TtaView { name: string; flip: boolean; x: number; y: number; side: number }

const FULL = { x: 0, y: 0, side: 1 };

/** The views of a mode, the original first. */
export function ttaViews(mode: TtaMode): TtaView[] {
  const views: TtaView[] = [{ name: 'original', flip: false, ...FULL }];
  if (mode === 'none') return views;
  views.push({ name: 'flip', flip: true, ...FULL });
  if (mode === 'flip') return views;
  const far = 1 - TTA_CROP;
  views.push(
    { name: 'top-left', flip: false, x: 0, y: 0, side: TTA_CROP },
    { name: 'top-right', flip: false, x: far, y: 0, side: TTA_CROP },
    { name: 'bottom-left', flip: false, x: 0, y: far, side: TTA_CROP },
    { name: 'bottom-right', flip: false, x: far, y: far, side: TTA_CROP },
    { name: 'centre', flip: false, x: far / 2, y: far / 2, side: TTA_CROP },
  );
  return views;
}

/**
 * One view of a size × size RGB image, size × size again. A full view is exact (a copy, or the mirror); a crop is
 * sampled bilinearly at pixel centres, so a crop of a flat colour stays that colour.
 */
export function viewPixels(rgb: Uint8Array, size: number, view: TtaView): Uint8Array {
  if (rgb.length !== size * size * 3) {
    throw new Error(`the image has ${rgb.length} bytes, expected ${size}×${size}×3 = ${size * size * 3}`);
  }
  const out = new Uint8Array(rgb.length);
  const scale = view.side;
  const x0 = view.x * size, y0 = view.y * size;
  for (let y = 0; y < size; y++) {
    const sy = Math.min(Math.max(y0 + (y + 0.5) * scale - 0.5, 0), size - 1);
    const ya = Math.floor(sy), yb = Math.min(ya + 1, size - 1), fy = sy - ya;
    for (let x = 0; x < size; x++) {
      const tx = view.flip ? size - 1 - x : x;
      const sx = Math.min(Math.max(x0 + (tx + 0.5) * scale - 0.5, 0), size - 1);
      const xa = Math.floor(sx), xb = Math.min(xa + 1, size - 1), fx = sx - xa;
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        const a = rgb[(ya * size + xa) * 3 + c], b = rgb[(ya * size + xb) * 3 + c];
        const d = rgb[(yb * size + xa) * 3 + c], e = rgb[(yb * size + xb) * 3 + c];
        const top = a + (b - a) * fx, bottom = d + (e - d) * fx;
        out[o + c] = Math.round(top + (bottom - top) * fy);
      }
    }
  }
  return out;
}

/** Every image's views, image by image: out[i * views.length + v] is view v of images[i]. */
export function expandViews(images: readonly Uint8Array[], size: number, views: readonly TtaView[]): Uint8Array[] {
  return images.flatMap((img) => views.map((v) => (v.side === 1 && !v.flip ? img : viewPixels(img, size, v))));
}

/** The mean probability row over each image's `per` consecutive view rows. */
export function averageViews(rows: readonly ArrayLike<number>[], per: number): Float32Array[] {
  if (per < 1 || rows.length % per !== 0) {
    throw new Error(`${rows.length} rows cannot be split into groups of ${per} views`);
  }
  const out: Float32Array[] = [];
  for (let i = 0; i < rows.length; i += per) {
    const mean = new Float32Array(rows[i].length);
    for (let v = 0; v < per; v++) {
      const row = rows[i + v];
      for (let k = 0; k < mean.length; k++) mean[k] += row[k] / per;
    }
    out.push(mean);
  }
  return out;
}

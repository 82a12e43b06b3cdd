// Where a Grad-CAM map, computed on the square the model saw, lies on the original image, and what it says there.
// Pure, so the mapping for each resize mode and the centre-mass measure are table-tested.
import type { ResizeMode } from './jobs/fields';

/**
 * The point of the model's square input (fractions 0..1) that shows pixel (x, y) of a width × height image, or
 * undefined when the model never saw that pixel ('cover' crops the longer side's ends).
 */
export function squarePointOf(
  x: number, y: number, width: number, height: number, resize: ResizeMode,
): { u: number; v: number } | undefined {
  const px = x + 0.5, py = y + 0.5;
  if (resize === 'fill') return { u: px / width, v: py / height };
  // cover: the square is the centred min-side crop; contain: the image is centred in a max-side square.
  const side = resize === 'cover' ? Math.min(width, height) : Math.max(width, height);
  const u = (px - (width - side) / 2) / side, v = (py - (height - side) / 2) / side;
  return u < 0 || u > 1 || v < 0 || v > 1 ? undefined : { u, v };
}

/** The inverse of squarePointOf: the image point (fractions of width and height) the square's point (u, v) shows. */
export function imagePointOf(
  u: number, v: number, width: number, height: number, resize: ResizeMode,
): { x: number; y: number } {
  if (resize === 'fill') return { x: u, y: v };
  const side = resize === 'cover' ? Math.min(width, height) : Math.max(width, height);
  return { x: ((width - side) / 2 + u * side) / width, y: ((height - side) / 2 + v * side) / height };
}

/**
 * Where an h × w map is largest, as fractions of the image's width and height: the centre of its largest cell (the
 * first of equal ones), mapped through the run's resize.
 */
export function mapPeak(
  map: ArrayLike<number>, h: number, w: number, width: number, height: number, resize: ResizeMode,
): { x: number; y: number } {
  let best = 0;
  for (let i = 1; i < h * w; i++) if (map[i] > map[best]) best = i;
  const p = imagePointOf(((best % w) + 0.5) / w, (Math.floor(best / w) + 0.5) / h, width, height, resize);
  // 'contain' pads the image: a peak on the padding is reported at the nearest edge of the image.
  return { x: Math.min(Math.max(p.x, 0), 1), y: Math.min(Math.max(p.y, 0), 1) };
}

/** Bilinear sample of an h × w map at (u, v) in 0..1 of its extent, map values at cell centres, edges clamped. */
export function sampleMap(map: ArrayLike<number>, h: number, w: number, u: number, v: number): number {
  const sx = Math.min(Math.max(u * w - 0.5, 0), w - 1), sy = Math.min(Math.max(v * h - 0.5, 0), h - 1);
  const x0 = Math.floor(sx), y0 = Math.floor(sy), x1 = Math.min(x0 + 1, w - 1), y1 = Math.min(y0 + 1, h - 1);
  const fx = sx - x0, fy = sy - y0;
  const top = map[y0 * w + x0] * (1 - fx) + map[y0 * w + x1] * fx;
  const bottom = map[y1 * w + x0] * (1 - fx) + map[y1 * w + x1] * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * The heatmap over a width × height image: the map upsampled bilinearly onto every pixel the model saw (`seen` 1),
 * 0 where it saw none.
 */
export function heatOnImage(
  map: ArrayLike<number>, h: number, w: number, width: number, height: number, resize: ResizeMode,
): { heat: Float32Array; seen: Uint8Array } {
  const heat = new Float32Array(width * height), seen = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = squarePointOf(x, y, width, height, resize);
      if (!p) continue;
      heat[y * width + x] = sampleMap(map, h, w, p.u, p.v);
      seen[y * width + x] = 1;
    }
  }
  return { heat, seen };
}

/**
 * The share of the heat inside the middle half of the width and the height (a quarter of the area); 0 for a map with
 * no heat. Above one half, the centre holds more of it than the border.
 */
export function centreShare(heat: ArrayLike<number>, width: number, height: number): number {
  let inside = 0, total = 0;
  for (let y = 0; y < height; y++) {
    const midY = y + 0.5 >= height / 4 && y + 0.5 < (3 * height) / 4;
    for (let x = 0; x < width; x++) {
      const v = heat[y * width + x];
      total += v;
      if (midY && x + 0.5 >= width / 4 && x + 0.5 < (3 * width) / 4) inside += v;
    }
  }
  return total > 0 ? inside / total : 0;
}

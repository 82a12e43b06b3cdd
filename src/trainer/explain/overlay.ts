// A Grad-CAM map drawn over its image: the original, oriented and resized as a thumbnail is, with the map upsampled
// onto the pixels the model saw and blended in viridis, written atomically as a JPEG.
import sharp from 'sharp';
import { heatOnImage, mapPeak } from '../../core/heatmapGeometry';
import type { ResizeMode } from '../../core/jobs/fields';
import { writeFileAtomic } from '../runtime/atomicFile';
import { blendHeat } from './colormap';

export interface OverlayOptions {
  /** The long side of the overlay in pixels. */
  size: number;
  opacity: number;
  /** How the run fitted images to its square input, so the map lands where the model looked. */
  resize: ResizeMode;
}

export interface Overlay {
  /** The heatmap's maximum, as fractions of the image's width and height. */
  peak: { x: number; y: number };
  /** The heat on every overlay pixel, width × height, for measures such as the centre's share. */
  heat: Float32Array;
  width: number;
  height: number;
}

/** Draws `map` (h × w, 0..1) over `file` and writes the JPEG to `out`. */
export async function writeOverlay(
  file: string, map: Float32Array, h: number, w: number, out: string, o: OverlayOptions,
): Promise<Overlay> {
  // Oriented and flattened exactly as decodeImage() does, so the map lies on the picture the model saw.
  const { data, info } = await sharp(file, { failOn: 'error', animated: false })
    .rotate()
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .resize(o.size, o.size, { fit: 'inside' })
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const { heat, seen } = heatOnImage(map, h, w, width, height, o.resize);
  const rgb = blendHeat(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), heat, o.opacity, seen);
  const jpeg = await sharp(rgb, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
  await writeFileAtomic(out, jpeg);
  return { peak: mapPeak(map, h, w, width, height, o.resize), heat, width, height };
}

// One image as the forward pass takes it: decoded, resized and, for variant > 0, augmented. The augmentation is
// seeded by the image's content and the variant, so variant v of an image is the same pixels in every run and on
// every machine: that is what lets the cache key an augmented vector by (sha256, v).
import { deriveSeed } from '../../core/seededRandom';
import { log, type JobContext } from '../runtime/jobContext';
import { augmentImage } from './augment';
import { decodeImage, ImageDecodeError, type ResizeMode } from './imagePipeline';

/** What the loader needs of an image: where it is, and its content hash (the augmentation's seed). */
export interface ImageRef { file: string; sha256: string }

/** Decoded, resized (and for variant > 0, augmented) RGB bytes; undefined for an image that cannot be decoded. */
export type ImageLoader = (item: ImageRef, variant: number) => Promise<Uint8Array | undefined>;

/** An image loader that remembers why each image it could not load failed, so the job can name it in its result. */
export type TrackedLoader = ImageLoader & { failures: Map<string, string> };

/**
 * Decodes kept for the variants of an image asked for close together (a batch of misses holds an image's variants
 * side by side), so the file is decoded once, not once per variant: at 224 px, 32 of them are 4.8 MB.
 */
const SHARED_DECODES = 32;

export function imageLoader(o: { resize: ResizeMode; seed: number }, size: number, ctx: JobContext): TrackedLoader {
  const failures = new Map<string, string>();
  const recent = new Map<string, Promise<Uint8Array>>();
  const decoded = (file: string) => {
    let rgb = recent.get(file);
    if (!rgb) {
      rgb = decodeImage(file, { size, resize: o.resize });
      rgb.catch(() => undefined); // each variant's load reports it below
      recent.set(file, rgb);
      if (recent.size > SHARED_DECODES) recent.delete(recent.keys().next().value!);
    }
    return rgb;
  };
  const load: ImageLoader = async (item, variant) => {
    try {
      // Variant 0 hands out the shared bytes: no consumer writes to its images (augmentImage and the forward
      // passes read them; the worker pool copies before it transfers).
      const rgb = await decoded(item.file);
      return variant === 0 ? rgb : augmentImage(rgb, size, { seed: deriveSeed(o.seed, item.sha256), variant });
    } catch (e) {
      const reason = `cannot decode: ${e instanceof ImageDecodeError ? e.reason : (e as Error).message}`;
      // Once per file: an image drawn in several variants fails each time, and one line says it.
      if (!failures.has(item.file)) log(ctx, `skipped ${item.file}: ${reason}`, 'warn');
      failures.set(item.file, reason);
      return undefined;
    }
  };
  return Object.assign(load, { failures });
}

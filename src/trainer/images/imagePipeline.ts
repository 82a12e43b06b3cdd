// Image files → RGB bytes → the float batches a backbone expects.
//
// decodeImage() is the one place pixels are made, so training, caching and prediction all see the same thing:
// EXIF orientation applied (phone photos are stored sideways), alpha flattened onto WHITE (cut-outs and logos
// are drawn for a white page; black would erase the outline of dark subjects, a black cat on a transparent
// background), grayscale and CMYK converted to sRGB, 16-bit inputs reduced to 8 bits, and a square resize:
//   cover   (default) scale to fill, centre-crop the overflow: keeps aspect, may cut the edges;
//   fill    stretch to the square: keeps everything, distorts shapes;
//   contain scale to fit, letterbox with BLACK bars (what tf.image.resize_with_pad gives, so a model trained
//           in Python on padded images sees the same bars).
import type * as tfType from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Preprocessing } from '../../core/zooCatalog';

type Tf = typeof tfType;

export type ResizeMode = 'cover' | 'fill' | 'contain';

export interface DecodeOptions {
  size: number;
  resize?: ResizeMode;
}

/** An image that could not be decoded, with a message that names it and says what happens next. */
export class ImageDecodeError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`Cannot decode ${file}: ${reason} (skipped)`);
    this.name = 'ImageDecodeError';
  }
}

/** A JPEG without its FF D9 or a PNG without its IEND chunk near the end: the file was cut short. */
export function missingEndMarker(buf: Buffer, format: string | undefined): boolean {
  const marker = format === 'jpeg' ? Buffer.from([0xff, 0xd9]) : format === 'png' ? Buffer.from('IEND') : undefined;
  return marker !== undefined && buf.subarray(Math.max(0, buf.length - 64)).lastIndexOf(marker) < 0;
}

const SIGNATURES: [string, number[]][] = [['jpeg', [0xff, 0xd8, 0xff]], ['png', [0x89, 0x50, 0x4e, 0x47]]];

export async function decodeFailureReason(e: unknown, file: string | Buffer): Promise<string> {
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  if (/unsupported image format/i.test(msg)) return 'not an image format sharp can read';
  if (/premature end|truncated|unexpected end/i.test(msg)) return 'truncated file';
  if (/ENOENT|no such file|input file is missing/i.test(msg)) return 'file not found';
  // libvips keeps its error text per thread, and with several decodes in flight sharp sometimes gets none back
  // ("Unknown error"): look at the bytes ourselves before giving up on a useful reason.
  try {
    const buf = typeof file === 'string' ? await readFile(file) : file;
    const format = SIGNATURES.find(([, sig]) => sig.every((b, i) => buf[i] === b))?.[0];
    if (missingEndMarker(buf, format)) return 'truncated file';
  } catch {
    // Unreadable now: keep sharp's message.
  }
  return msg;
}

/** size × size × 3 RGB bytes, row-major. Throws ImageDecodeError naming the file when it cannot be read. */
export async function decodeImage(file: string | Buffer, o: DecodeOptions): Promise<Uint8Array> {
  const name = typeof file === 'string' ? file : '<buffer>';
  try {
    // failOn 'error' rejects truncated and corrupt data (a half-grey photo is worse than a missing one) but
    // tolerates libjpeg warnings such as extraneous bytes, which real camera files often carry.
    const { data, info } = await sharp(file, { failOn: 'error', animated: false })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .resize(o.size, o.size, { fit: o.resize ?? 'cover', position: 'centre', background: { r: 0, g: 0, b: 0 } })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== o.size || info.height !== o.size) {
      throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}, expected ${o.size}×${o.size}×3`);
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (e) {
    throw new ImageDecodeError(name, await decodeFailureReason(e, file));
  }
}

const CAFFE_BGR_MEANS = [103.939, 116.779, 123.68];

/** Writes one image's preprocessed values into `out` at `offset`. */
export function preprocessInto(rgb: Uint8Array, preprocessing: Preprocessing, out: Float32Array, offset = 0): void {
  const n = rgb.length;
  if (preprocessing === 'caffe') {
    // Caffe-trained weights expect BGR order with ImageNet channel means removed, no scaling.
    for (let i = 0; i < n; i += 3) {
      out[offset + i] = rgb[i + 2] - CAFFE_BGR_MEANS[0];
      out[offset + i + 1] = rgb[i + 1] - CAFFE_BGR_MEANS[1];
      out[offset + i + 2] = rgb[i] - CAFFE_BGR_MEANS[2];
    }
    return;
  }
  const [scale, shift] = preprocessing === 'zero1' ? [1 / 255, 0] : [1 / 127.5, -1];
  for (let i = 0; i < n; i++) out[offset + i] = rgb[i] * scale + shift;
}

/** Stacks decoded images into a float32 [n, size, size, 3] tensor with the backbone's preprocessing. */
export function toBatchTensor(
  tf: Tf,
  images: readonly Uint8Array[],
  size: number,
  preprocessing: Preprocessing,
): tfType.Tensor4D {
  return tf.tensor4d(preprocessBatch(images, size, preprocessing), [images.length, size, size, 3]);
}

/** Decoded images as one float32 NHWC batch with the backbone's preprocessing: what every engine's pass is fed. */
export function preprocessBatch(
  images: readonly Uint8Array[], size: number, preprocessing: Preprocessing,
): Float32Array<ArrayBuffer> {
  const per = size * size * 3;
  const out = new Float32Array(images.length * per);
  images.forEach((img, i) => {
    if (img.length !== per) throw new Error(`image ${i} has ${img.length} bytes, expected ${size}×${size}×3 = ${per}`);
    preprocessInto(img, preprocessing, out, i * per);
  });
  return out;
}

export interface DecodedBatch {
  /** Files in this batch that decoded, in input order; images[i] belongs to files[i]. */
  files: string[];
  images: Uint8Array[];
  /** Files of this batch's slice that could not be decoded. */
  skipped: ImageDecodeError[];
  /** Position of the batch's first file in the input list. */
  start: number;
}

export interface BatchStreamOptions extends DecodeOptions {
  batchSize: number;
  /**
   * Decodes handed to sharp at once; default: every image of the window (this batch and the prefetched ones).
   * sharp queues each on libuv's thread pool, which keeps decoding while this thread is blocked: ONNX Runtime's
   * session.run computes on it. Handed 4 at a time from here, as before, the pool ran dry 4 images into each
   * forward pass: beside a forward holding this thread at 500 img/s, 252 img/s end to end against 433 now
   * (bench/decode.ts, 2 cores), and the train job's val check of the saved model took 1.47 s against 1.28 s.
   */
  concurrency?: number;
  /** Whole batches decoded ahead of the one being consumed: this is what bounds memory. */
  prefetchBatches?: number;
  /** Runs on each decoded image before batching, e.g. augmentation; may be async. */
  transform?: (rgb: Uint8Array, file: string, index: number) => Uint8Array | Promise<Uint8Array>;
  signal?: AbortSignal;
}

type Outcome = { ok: true; rgb: Uint8Array } | { ok: false; error: ImageDecodeError };

/**
 * Decodes `files` in order into batches, overlapping decoding with whatever the consumer does between
 * batches (the forward pass). At most (prefetchBatches + 1) × batchSize decoded images exist at once.
 * Undecodable files are reported in `skipped` and left out, so a batch may be shorter than batchSize.
 */
export async function* decodeBatches(files: readonly string[], o: BatchStreamOptions): AsyncGenerator<DecodedBatch> {
  const ahead = Math.max(0, o.prefetchBatches ?? 2);
  const concurrency = Math.max(1, o.concurrency ?? (ahead + 1) * o.batchSize);
  const outcomes: (Promise<Outcome> | undefined)[] = new Array(files.length);
  const queue: (() => void)[] = [];
  let running = 0;
  let scheduled = 0;

  const pump = () => {
    if (o.signal?.aborted) queue.length = 0;
    while (running < concurrency && queue.length) {
      running++;
      queue.shift()!();
    }
  };
  const schedule = (upTo: number) => {
    for (; scheduled < Math.min(upTo, files.length); scheduled++) {
      const i = scheduled;
      outcomes[i] = new Promise<Outcome>((resolve) => {
        queue.push(() => {
          decodeImage(files[i], o)
            .then((rgb) => (o.transform ? o.transform(rgb, files[i], i) : rgb))
            .then(
              (rgb) => resolve({ ok: true, rgb }),
              (e: unknown) =>
                resolve({
                  ok: false,
                  error:
                    e instanceof ImageDecodeError
                      ? e
                      : new ImageDecodeError(files[i], e instanceof Error ? e.message : String(e)),
                }),
            )
            .finally(() => {
              running--;
              pump();
            });
        });
      });
    }
    pump();
  };

  for (let start = 0; start < files.length; start += o.batchSize) {
    // Cancelled: hand sharp nothing more; what it already holds (one window at most) finishes unread.
    if (o.signal?.aborted) return;
    schedule(start + (ahead + 1) * o.batchSize);
    const batch: DecodedBatch = { files: [], images: [], skipped: [], start };
    for (let i = start; i < Math.min(start + o.batchSize, files.length); i++) {
      if (o.signal?.aborted) return;
      const r = await outcomes[i]!;
      outcomes[i] = undefined;
      if (r.ok) {
        batch.files.push(files[i]);
        batch.images.push(r.rgb);
      } else {
        batch.skipped.push(r.error);
      }
    }
    yield batch;
  }
}

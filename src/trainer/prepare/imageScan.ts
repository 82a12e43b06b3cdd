// Reads each image once: content hash, metadata, and a full decode (which is what catches a truncated file; metadata
// alone reads only the header). The decode ends in a 9×8 greyscale thumbnail, which gives the difference hash for free.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import sharp from 'sharp';
import { missingEndMarker } from '../images/imagePipeline';
import type { ImageScan, ScanProblemCode } from '../../core/healthChecks';

// Formats people save datasets in that the bundled libvips cannot decode; named so the message can say what they are.
const SIGNATURES: { test: (b: Buffer) => boolean; name: string; supported: boolean }[] = [
  { name: 'JPEG', supported: true, test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    name: 'PNG',
    supported: true,
    test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  { name: 'GIF', supported: true, test: (b) => b.subarray(0, 4).toString('latin1') === 'GIF8' },
  {
    name: 'WebP',
    supported: true,
    test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
  { name: 'a BMP bitmap', supported: false, test: (b) => b.subarray(0, 2).toString('latin1') === 'BM' },
  {
    name: 'a Windows icon (ICO)',
    supported: false,
    test: (b) => b.length > 4 && b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0,
  },
  { name: 'a Photoshop document (PSD)', supported: false, test: (b) => b.subarray(0, 4).toString('latin1') === '8BPS' },
  {
    name: 'a HEIC photo (the iPhone format)',
    supported: false,
    test: (b) =>
      b.subarray(4, 8).toString('latin1') === 'ftyp' && /^(hei|hev|mif|msf)/.test(b.subarray(8, 12).toString('latin1')),
  },
  {
    name: 'a JPEG XL image',
    supported: false,
    test: (b) => (b[0] === 0xff && b[1] === 0x0a) || b.subarray(4, 8).toString('latin1') === 'JXL ',
  },
];

const VECTOR_FORMATS = new Set(['svg', 'pdf']);
const TRUNCATION =
  /premature end|truncat|unexpected end|read error|end of (file|stream|data)|not enough data|incomplete/i;

/**
 * libvips words the same truncation differently from run to run (it depends on where its read threads stop), so a
 * JPEG or PNG that fails to decode and lacks its end marker (JPEG's FF D9, PNG's IEND chunk) is called truncated
 * whatever the message.
 */
const problem = (bytes: number, code: ScanProblemCode, detail: string, sha256?: string, format?: string): ImageScan =>
  ({ bytes, ...(sha256 ? { sha256 } : {}), ...(format ? { format } : {}), problem: { code, detail } });

function readError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'EISDIR': return 'it is a folder, not a file';
    case 'ENOENT': return 'it is a broken symbolic link (or it vanished during the scan)';
    case 'ELOOP': return 'it is a symbolic link that points to itself';
    case 'EACCES': case 'EPERM': return 'permission denied';
    default: return e.message;
  }
}

/**
 * What a file that is not an image holds, in words, never quoting it: a link named x.jpg may point at /etc/passwd or
 * a key file, and the message ends up in logs, JSON and screenshots.
 */
function contentKind(buf: Buffer): string {
  const head = buf.subarray(0, 512);
  const texty = head.every((c) => c === 9 || c === 10 || c === 13 || c >= 32);
  if (!texty) return 'its content is in an unknown format';
  const start = head.toString('latin1').trimStart().slice(0, 15).toLowerCase();
  const html = start.startsWith('<!doctype html') || start.startsWith('<html');
  if (html) return 'it holds an HTML page, often a failed download';
  return 'it holds text';
}

const bitsOf: Record<string, number> = {
  uchar: 8,
  char: 8,
  ushort: 16,
  short: 16,
  uint: 32,
  int: 32,
  float: 32,
  complex: 64,
  double: 64,
  dpcomplex: 128,
};

export async function scanImage(file: string): Promise<ImageScan> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (e) {
    return problem(0, 'unreadable', readError(e as NodeJS.ErrnoException));
  }
  if (buf.length === 0) return problem(0, 'empty-file', 'zero bytes');
  const sha256 = createHash('sha256').update(buf).digest('hex');
  const signature = SIGNATURES.find((s) => s.test(buf));
  if (signature && !signature.supported) return problem(buf.length, 'unsupported-format', signature.name, sha256);
  let meta: sharp.Metadata;
  try {
    meta = await sharp(buf).metadata();
  } catch (e) {
    const message = (e as Error).message;
    if (signature)
      return problem(
        buf.length,
        TRUNCATION.test(message) || buf.length < 1024 ? 'truncated' : 'undecodable',
        message,
        sha256,
        signature.name,
      );
    return problem(buf.length, 'not-an-image', contentKind(buf), sha256);
  }
  if (meta.format && VECTOR_FORMATS.has(meta.format)) {
    return problem(
      buf.length,
      'unsupported-format',
      `a ${meta.format.toUpperCase()} vector drawing, not a photo`,
      sha256,
    );
  }
  let dhash: string;
  try {
    dhash = await decodeToHash(buf, meta);
  } catch (e) {
    const message = (e as Error).message;
    return problem(
      buf.length,
      TRUNCATION.test(message) || missingEndMarker(buf, meta.format) ? 'truncated' : 'undecodable',
      message,
      sha256,
      meta.format,
    );
  }
  // Sizes are reported upright (EXIF orientations 5–8 swap width and height), as a person sees the photo.
  const swap = (meta.orientation ?? 1) >= 5;
  return {
    bytes: buf.length,
    sha256,
    format: meta.format,
    width: swap ? meta.height : meta.width,
    height: swap ? meta.width : meta.height,
    pages: meta.pages,
    orientation: meta.orientation,
    channels: meta.channels,
    space: meta.space,
    hasAlpha: meta.hasAlpha,
    bitsPerSample: meta.depth ? bitsOf[meta.depth] : undefined,
    dhash,
  };
}

// Big photos are shrunk while decoding (JPEG shrink-on-load still reads every byte, so truncation is still caught).
const SHRINK_ABOVE_PIXELS = 4_000_000;

/**
 * Decodes every pixel and reduces the image to a 9×8 greyscale grid in JS. Measured on the shared flowers: asking
 * libvips for the 9×8 thumbnail costs 2.5× a plain decode on small images, while the JS box filter costs ~15% more.
 */
async function decodeToHash(buf: Buffer, meta: sharp.Metadata): Promise<string> {
  // failOn 'truncated', not 'error': many real photos carry harmless "corrupt data" warnings and load fine.
  let pipeline = sharp(buf, { failOn: 'truncated' });
  if ((meta.orientation ?? 1) > 1) pipeline = pipeline.rotate();
  if ((meta.width ?? 0) * (meta.height ?? 0) > SHRINK_ABOVE_PIXELS)
    pipeline = pipeline.resize(512, 512, { fit: 'inside' });
  const { data, info } = await pipeline
    .raw(meta.depth && meta.depth !== 'uchar' ? { depth: 'uchar' } : undefined)
    .toBuffer({ resolveWithObject: true });
  return differenceHash(boxGrey(data, info.width, info.height, info.channels));
}

/** Mean luma per cell of a 9-wide, 8-high grid (alpha ignored). */
export function boxGrey(data: Uint8Array, width: number, height: number, channels: number): Float64Array {
  const sums = new Float64Array(72);
  const counts = new Float64Array(72);
  const colour = channels >= 3;
  const cellX = new Uint8Array(width);
  for (let x = 0; x < width; x++) cellX[x] = Math.floor((x * 9) / width);
  for (let y = 0; y < height; y++) {
    const row = Math.floor((y * 8) / height) * 9;
    let o = y * width * channels;
    for (let x = 0; x < width; x++, o += channels) {
      const cell = row + cellX[x];
      sums[cell] += colour ? 0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2] : data[o];
      counts[cell]++;
    }
  }
  for (let i = 0; i < 72; i++) sums[i] = counts[i] ? sums[i] / counts[i] : 0;
  return sums;
}

/** 64 bits: for each of 8 rows, whether each cell is brighter than its right neighbour. */
export function differenceHash(grid: ArrayLike<number>): string {
  let hex = '';
  for (let y = 0; y < 8; y++) {
    let byte = 0;
    for (let x = 0; x < 8; x++) byte = (byte << 1) | (grid[y * 9 + x] > grid[y * 9 + x + 1] ? 1 : 0);
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}

export interface ScanCacheEntry { size: number; mtimeMs: number; ino: number; scan: ImageScan }
export type ScanCache = Map<string, ScanCacheEntry>;

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const optional = (v: unknown, ok: (v: unknown) => boolean) => v === undefined || ok(v);

/**
 * A scan cache entry as the cache may hold it, or undefined. The cache is a file anyone can edit or damage, and what
 * it says goes into dataset.json unchecked (a sha256 that is not one makes a manifest that does not read back), so
 * an entry is kept only if it is what scanOne writes: a good scan (no problem) whose byte count is the file's size,
 * a 64-hex sha256, a size in pixels, and fields of the right kinds. Only the known fields are kept.
 */
export function validScanCacheEntry(v: unknown): ScanCacheEntry | undefined {
  const e = v as Partial<ScanCacheEntry> | null;
  const scan = e?.scan as Partial<ImageScan> | undefined;
  if (typeof e !== 'object' || e === null || typeof scan !== 'object' || scan === null) return undefined;
  const pixels = (n: unknown) => Number.isSafeInteger(n) && (n as number) > 0 && (n as number) <= 1 << 20;
  const ok = isCount(e.size) && isCount(e.ino) && Number.isFinite(e.mtimeMs) && (e.mtimeMs as number) >= 0 &&
    scan.problem === undefined && scan.bytes === e.size && typeof scan.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(scan.sha256) && pixels(scan.width) && pixels(scan.height) &&
    optional(scan.dhash, (d) => typeof d === 'string' && /^[0-9a-f]{16}$/.test(d)) &&
    optional(scan.format, (f) => typeof f === 'string') && optional(scan.space, (f) => typeof f === 'string') &&
    optional(scan.pages, isCount) && optional(scan.channels, isCount) && optional(scan.bitsPerSample, isCount) &&
    optional(scan.orientation, (o) => Number.isInteger(o) && (o as number) >= 1 && (o as number) <= 8) &&
    optional(scan.hasAlpha, (a) => typeof a === 'boolean');
  if (!ok) return undefined;
  const { bytes, sha256, format, width, height, pages, orientation, channels, space, hasAlpha, bitsPerSample, dhash } =
    scan as ImageScan;
  const kept = Object.fromEntries(Object.entries({
    bytes, sha256, format, width, height, pages, orientation, channels, space, hasAlpha, bitsPerSample, dhash,
  }).filter(([, x]) => x !== undefined)) as unknown as ImageScan;
  return { size: e.size as number, mtimeMs: e.mtimeMs as number, ino: e.ino as number, scan: kept };
}

export interface ScanOptions {
  /** Files decoded at once. Four keeps two cores busy while one file waits on the disk. */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Results of an earlier run; an entry is reused only if size, mtime and inode still match (rsync's quick check). */
  cache?: ScanCache;
  /** Receives the entry for every file scanned, for the next run's cache. */
  fresh?: ScanCache;
}

export async function scanImages(files: readonly string[], opts: ScanOptions = {}): Promise<ImageScan[]> {
  const results: ImageScan[] = new Array(files.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < files.length) {
      if (opts.signal?.aborted) return;
      const i = next++;
      results[i] = await scanOne(files[i], opts);
      opts.onProgress?.(++done, files.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
  return results;
}

async function scanOne(file: string, opts: ScanOptions): Promise<ImageScan> {
  let stat: { size: number; mtimeMs: number; ino: number } | undefined;
  if (opts.cache || opts.fresh) {
    try {
      stat = await fs.stat(file);
    } catch {
      stat = undefined;
    }
  }
  const hit = stat && opts.cache?.get(file);
  const scan =
    hit && hit.size === stat!.size && hit.mtimeMs === stat!.mtimeMs && hit.ino === stat!.ino
      ? hit.scan
      : await scanImage(file);
  if (stat && opts.fresh && !scan.problem)
    opts.fresh.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, scan });
  return scan;
}

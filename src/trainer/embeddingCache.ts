// On-disk cache of backbone outputs, so the frozen backbone runs once per image (and augmented variant):
// head training then takes seconds per epoch. One small file per (image content, variant), written
// atomically, so a killed run never leaves a torn entry and a second run reuses everything.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { decodeHalf, encodeHalf } from '../core/float16';

export type CacheDtype = 'float16' | 'float32';

export interface CacheKeyParts {
  backbone: string;
  cut: string;
  size: number;
  resize: string;
  preprocessing: string;
  /** Bump when the meaning of cached vectors changes (augmentation parameters, pooling). */
  version: number;
}

/** A folder name that changes whenever anything that changes the vectors changes. */
export function cacheFolderName(k: CacheKeyParts): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  return `${safe(k.backbone)}@${safe(k.cut)}/${k.size}-${safe(k.resize)}-${safe(k.preprocessing)}-v${k.version}`;
}

/** Bump when cached vectors would change meaning (augmentation parameters or seeding, pooling). */
export const CACHE_VERSION = 2;

/**
 * The cache every job uses for this backbone, cut and image settings: train, the learning curve, the advisor and
 * the LR finder share folders, so whichever runs first fills the cache for the others.
 */
export function embeddingCacheFor(
  cacheDir: string, backbone: { id: string; preprocessing: string }, cut: string, image: { size: number; resize: string }, dim: number,
): EmbeddingCache {
  return new EmbeddingCache(path.join(cacheDir, cacheFolderName({
    backbone: backbone.id, cut, size: image.size, resize: image.resize, preprocessing: backbone.preprocessing, version: CACHE_VERSION,
  })), dim);
}

export class EmbeddingCache {
  hits = 0;
  misses = 0;

  constructor(readonly root: string, readonly dim: number, readonly dtype: CacheDtype = 'float16') {}

  private file(sha256: string, variant: number): string {
    const ext = this.dtype === 'float16' ? 'f16' : 'f32';
    return path.join(this.root, sha256.slice(0, 2), `${sha256}.v${variant}.${ext}`);
  }

  /** The stored bytes, or undefined (a miss) when absent or of the wrong size. */
  private async read(sha256: string, variant: number): Promise<ArrayBuffer | undefined> {
    let buf: Buffer;
    try {
      buf = await fs.readFile(this.file(sha256, variant));
    } catch {
      this.misses++;
      return undefined;
    }
    const bytes = this.dtype === 'float16' ? 2 : 4;
    if (buf.byteLength !== this.dim * bytes) {
      this.misses++;
      return undefined; // written by a different cut or a torn write from an older version: recompute
    }
    this.hits++;
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  }

  async get(sha256: string, variant: number): Promise<Float32Array | undefined> {
    const stored = await this.read(sha256, variant);
    if (!stored) return undefined;
    return this.dtype === 'float16' ? decodeHalf(new Uint16Array(stored)) : new Float32Array(stored);
  }

  /** The vector as float16 bits, which is how the feature stage holds it: a float16 cache hands them over as read. */
  async getHalves(sha256: string, variant: number): Promise<Uint16Array | undefined> {
    const stored = await this.read(sha256, variant);
    if (!stored) return undefined;
    return this.dtype === 'float16' ? new Uint16Array(stored) : encodeHalf(new Float32Array(stored));
  }

  async put(sha256: string, variant: number, vector: Float32Array): Promise<void> {
    this.checkLength(vector.length);
    await this.write(sha256, variant, this.dtype === 'float16' ? encodeHalf(vector) : vector);
  }

  /** Stores a vector already encoded as float16 bits, without decoding and encoding it again. */
  async putHalves(sha256: string, variant: number, halves: Uint16Array): Promise<void> {
    this.checkLength(halves.length);
    await this.write(sha256, variant, this.dtype === 'float16' ? halves : decodeHalf(halves));
  }

  private checkLength(n: number): void {
    if (n !== this.dim) throw new Error(`embedding has ${n} values, the cache expects ${this.dim}`);
  }

  private async write(sha256: string, variant: number, data: Uint16Array | Float32Array): Promise<void> {
    const target = this.file(sha256, variant);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    await fs.writeFile(tmp, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    await fs.rename(tmp, target);
  }
}

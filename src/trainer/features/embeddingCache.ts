// On-disk cache of backbone outputs, so the frozen backbone runs once per image (and augmented variant):
// head training then takes seconds per epoch. One small file per (image content, variant), written
// atomically, so a killed run never leaves a torn entry and a second run reuses everything.
// Each entry ends with a checksum of its values: a file of the right size holding other bytes (a bad disk, a
// stray copy) would otherwise train silently on garbage. An entry that fails it is recomputed and counted.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { decodeHalf, encodeHalf } from '../../core/float16';
import { BadInputError } from '../runtime/jobContext';
import { fsError, FsError } from '../runtime/fsErrors';

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

/**
 * Bump when cached vectors would change meaning (augmentation parameters or seeding, pooling) or the file format
 * does. v3: entries end with a checksum; v2 entries (no checksum) sit in another folder and are never read.
 */
export const CACHE_VERSION = 3;

/** Bytes of sha256(values) kept after the values: enough to catch damage, not meant to resist tampering. */
export const CHECKSUM_BYTES = 8;

function checksumOf(payload: Uint8Array): Buffer {
  return createHash('sha256').update(payload).digest().subarray(0, CHECKSUM_BYTES);
}

/** What a lookup found: the values, nothing, or a file that is there but damaged (to be recomputed). */
export type CacheLookup<T> = T | 'absent' | 'corrupt';

export class EmbeddingCache {
  hits = 0;
  /** Lookups that found nothing usable, damaged entries included. */
  misses = 0;
  /** Entries found damaged (wrong size or checksum); each is also a miss. */
  corrupt = 0;

  constructor(readonly root: string, readonly dim: number, readonly dtype: CacheDtype = 'float16') {}

  private file(sha256: string, variant: number): string {
    const ext = this.dtype === 'float16' ? 'f16' : 'f32';
    return path.join(this.root, sha256.slice(0, 2), `${sha256}.v${variant}.${ext}`);
  }

  /** The stored values' bytes, or why there are none: absent, or damaged (wrong size or checksum). */
  private async read(sha256: string, variant: number): Promise<CacheLookup<ArrayBuffer>> {
    let buf: Buffer;
    try {
      buf = await fs.readFile(this.file(sha256, variant));
    } catch (e) {
      this.misses++;
      // A folder where an entry belongs is damage too; write() replaces it.
      if ((e as NodeJS.ErrnoException).code !== 'EISDIR') return 'absent';
      this.corrupt++;
      return 'corrupt';
    }
    const size = this.dim * (this.dtype === 'float16' ? 2 : 4);
    const payload = buf.subarray(0, size);
    if (buf.byteLength !== size + CHECKSUM_BYTES || !checksumOf(payload).equals(buf.subarray(size))) {
      this.misses++;
      this.corrupt++;
      return 'corrupt';
    }
    this.hits++;
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + size) as ArrayBuffer;
  }

  async get(sha256: string, variant: number): Promise<Float32Array | undefined> {
    const stored = await this.read(sha256, variant);
    if (typeof stored === 'string') return undefined;
    return this.dtype === 'float16' ? decodeHalf(new Uint16Array(stored)) : new Float32Array(stored);
  }

  /** The vector as float16 bits, which is how the feature stage holds it: a float16 cache hands them over as read. */
  async getHalves(sha256: string, variant: number): Promise<Uint16Array | undefined> {
    const found = await this.lookupHalves(sha256, variant);
    return typeof found === 'string' ? undefined : found;
  }

  /** getHalves(), saying whether a miss was an absent entry or a damaged one. */
  async lookupHalves(sha256: string, variant: number): Promise<CacheLookup<Uint16Array>> {
    const stored = await this.read(sha256, variant);
    if (typeof stored === 'string') return stored;
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
    const tmp = `${target}.${process.pid}.tmp`;
    const payload = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    try {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(tmp, Buffer.concat([payload, checksumOf(payload)]));
      await fs.rename(tmp, target).catch(async (e: NodeJS.ErrnoException) => {
        if (!(await isFolder(target))) throw e;
        await fs.rm(target, { recursive: true, force: true }); // a folder where this entry belongs: ours to replace
        await fs.rename(tmp, target);
      });
    } catch (e) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw await cacheWriteError(target, e as NodeJS.ErrnoException, this.root);
    }
  }
}

async function isFolder(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isDirectory(), () => false);
}

/** A sentence for a cache that cannot be written, naming the file in the way when a file blocks a folder. */
async function cacheWriteError(target: string, e: NodeJS.ErrnoException, root: string): Promise<Error> {
  if (e.code === 'ENOTDIR' || e.code === 'EEXIST') {
    for (let dir = path.dirname(target); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const stat = await fs.stat(dir).catch(() => undefined);
      if (stat && !stat.isDirectory()) {
        return new BadInputError(
          `The embedding cache cannot be written: ${dir} is a file where the cache needs a folder.`,
          dir,
          'Move that file away, or pass --cache another folder.',
        );
      }
    }
  }
  // The sentence and the code (a folder the user cannot write is exit 2, a full disk is not) come from fsErrors,
  // named by the cache folder the user chose.
  const err = await fsError(e, {
    file: target, folder: root, kept: 'the entries written so far are kept',
    alternative: 'Or pass --cache another folder.',
  });
  if (err instanceof FsError) return err;
  return Object.assign(new Error(`The embedding cache under ${root} cannot be written at ${target}: ${err.message}`),
    { file: target, hint: 'Check the cache folder, or pass --cache another folder.' });
}

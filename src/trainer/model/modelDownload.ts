// Fetches a TF.js model folder (model.json + weight shards) into a local cache, or resolves a local one.
//
// A cached model folder is complete exactly when its model.json exists: shards are streamed to `<name>.part`
// and renamed when whole, and model.json is renamed in last. An interrupted shard keeps its `.part`, and the
// next attempt asks for the rest with an HTTP Range request (servers that ignore Range get a fresh start).
// Two processes fetching the same model at once would share `.part` files; the trainer runs one job at a time,
// so there is no lock.
// A cached copy is not trusted for being there: DOWNLOAD_RECORD, written after model.json, holds the sha256 of
// model.json and of each shard, and every reuse checks them. A copy that changed (a bad disk, a stray edit) is
// removed and downloaded again; offline, the error names the folder.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type * as tfType from '@tensorflow/tfjs';
import { writeFileAtomic } from '../runtime/atomicFile';
import { modelJsonPath, readModelJson, shardPaths } from './modelFiles';

export interface DownloadProgress {
  /** The file being fetched, relative to the model folder. */
  file: string;
  bytesDone: number;
  /** Best estimate of the whole model's size; exact once model.json is read, if its dtypes are the usual ones. */
  bytesTotal: number;
}

export interface FetchModelOptions {
  /** Folder that holds one sub-folder per model; default ~/.cache/transfer-lab/models. */
  cacheDir?: string;
  /** Sub-folder name; default derived from the URL. */
  id?: string;
  /** sha256 (hex) of model.json followed by every shard in manifest order, i.e. `cat model.json shards… | sha256sum`. */
  sha256?: string;
  onProgress?: (p: DownloadProgress) => void;
  /** How often an interrupted transfer is resumed before giving up (default 3). Offline errors are not retried. */
  retries?: number;
  signal?: AbortSignal;
  /** Socket idle timeout (default 30 s). */
  timeoutMs?: number;
}

export type DownloadErrorKind = 'offline' | 'not-found' | 'http' | 'interrupted' | 'checksum' | 'invalid';

export class DownloadError extends Error {
  constructor(readonly kind: DownloadErrorKind, message: string, readonly url: string) {
    super(message);
    this.name = 'DownloadError';
  }
}

/** Beside a downloaded model, written last: the sha256 of model.json and of each shard, checked on every reuse. */
export const DOWNLOAD_RECORD = '.transfer-lab-download.json';

export interface DownloadRecord {
  v: 1;
  url: string;
  /** Of model.json followed by every shard in manifest order: what FetchModelOptions.sha256 names. */
  sha256: string;
  /** Each file's own sha256, by its path in the folder ('model.json', 'group1-shard1of1.bin'). */
  files: Record<string, string>;
  /** A single file's md5 (fileDownload.ts), for publishers that give only md5, as Keras does. */
  md5?: string;
}

export function defaultModelCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'transfer-lab', 'models');
}

export const isHttpUrl = (s: string) => /^https?:\/\//i.test(s);

/** A folder name for a URL outside the zoo: readable, and unique per URL. */
export function cacheIdForUrl(url: string): string {
  const u = new URL(url);
  const stem = path.posix.basename(path.posix.dirname(u.pathname)).replace(/[^A-Za-z0-9._-]+/g, '_') || 'model';
  return `${stem}-${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
}

/**
 * Returns the path of a complete model.json for `source`: an http(s) URL (downloaded into the cache unless
 * already there), a file: URL, a folder, or a model.json path.
 */
export async function fetchModel(source: string, options: FetchModelOptions = {}): Promise<string> {
  if (!isHttpUrl(source)) {
    const jsonPath = modelJsonPath(source);
    await readModelJson(jsonPath);
    return jsonPath;
  }
  const dir = path.join(options.cacheDir ?? defaultModelCacheDir(), options.id ?? cacheIdForUrl(source));
  const finalJson = path.join(dir, 'model.json');
  let damaged: string | undefined;
  if (await exists(finalJson)) {
    damaged = await checkCachedCopy(dir, source, options.sha256);
    if (damaged === undefined) return finalJson;
    await removeCachedCopy(dir);
  }
  await fsp.mkdir(dir, { recursive: true });
  try {
    return await new Downloader(source, dir, options).run();
  } catch (e) {
    if (damaged === undefined || !(e instanceof DownloadError)) throw e;
    throw new DownloadError(e.kind, `The copy of ${source} in the model cache (${dir}) was damaged (${damaged}), so ` +
      `it was removed; downloading it again failed: ${e.message}`, source);
  }
}

/** sha256 of model.json and of each shard, and of all of them in order, read from `dir`. */
async function hashModelFiles(
  dir: string, jsonBytes: Buffer, shards: string[],
): Promise<Omit<DownloadRecord, 'v' | 'url'>> {
  const all = createHash('sha256').update(jsonBytes);
  const files: Record<string, string> = { 'model.json': createHash('sha256').update(jsonBytes).digest('hex') };
  for (const rel of shards) {
    const one = createHash('sha256');
    for await (const chunk of createReadStream(path.resolve(dir, rel))) {
      all.update(chunk as Buffer);
      one.update(chunk as Buffer);
    }
    files[rel] = one.digest('hex');
  }
  return { sha256: all.digest('hex'), files };
}

export function parseRecord(text: string): DownloadRecord | undefined {
  try {
    const r = JSON.parse(text) as Partial<DownloadRecord>;
    const hex = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
    if (r?.v !== 1 || !hex(r.sha256) || typeof r.files !== 'object' || r.files === null) return undefined;
    if (r.md5 !== undefined && !/^[0-9a-f]{32}$/.test(r.md5)) return undefined;
    return Object.values(r.files).every(hex) ? (r as DownloadRecord) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why the cached copy in `dir` cannot be reused, or undefined when it can: every file must still have the sha256
 * recorded when it was downloaded (and the whole the caller expects, if it names one). A copy with no record yet
 * (downloaded by an older version, or killed between model.json and the record) is hashed and recorded now; the
 * loader's own checks (shard sizes, weights that are numbers) still apply to it.
 */
async function checkCachedCopy(dir: string, url: string, expected?: string): Promise<string | undefined> {
  let jsonBytes: Buffer;
  let shards: string[];
  try {
    jsonBytes = await fsp.readFile(path.join(dir, 'model.json'));
    shards = shardPaths(JSON.parse(jsonBytes.toString('utf8')) as tfType.io.ModelJSON);
  } catch {
    return 'its model.json is not valid JSON';
  }
  if (shards.some((rel) => !path.resolve(dir, rel).startsWith(dir + path.sep))) {
    return 'model.json lists a file outside it';
  }
  let now: Omit<DownloadRecord, 'v' | 'url'>;
  try {
    now = await hashModelFiles(dir, jsonBytes, shards);
  } catch {
    return 'a weight file is missing or unreadable';
  }
  const recordFile = path.join(dir, DOWNLOAD_RECORD);
  const text = await fsp.readFile(recordFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (expected && now.sha256 !== expected.toLowerCase()) return `its files do not have the expected sha256 ${expected}`;
  if (text === undefined) {
    await writeFileAtomic(recordFile, JSON.stringify({ v: 1, url, ...now } satisfies DownloadRecord) + '\n');
    return undefined;
  }
  const record = parseRecord(text);
  if (!record) return `its ${DOWNLOAD_RECORD} is damaged`;
  const names = new Set([...Object.keys(record.files), ...Object.keys(now.files)]);
  const changed = [...names].filter((rel) => record.files[rel] !== now.files[rel]).sort();
  if (!changed.length) return undefined;
  return `${changed.join(', ')} changed since ${changed.length === 1 ? 'it was' : 'they were'} downloaded`;
}

/** Removes a damaged cached copy: its record first (it no longer vouches for anything), model.json, then the shards. */
async function removeCachedCopy(dir: string): Promise<void> {
  const record = parseRecord(await fsp.readFile(path.join(dir, DOWNLOAD_RECORD), 'utf8').catch(() => ''));
  const listed = await fsp.readFile(path.join(dir, 'model.json'), 'utf8')
    .then((t) => shardPaths(JSON.parse(t) as tfType.io.ModelJSON), () => [] as string[]);
  const shards = [...new Set([...listed, ...Object.keys(record?.files ?? {})])]
    .filter((rel) => rel !== 'model.json' && path.resolve(dir, rel).startsWith(dir + path.sep));
  await fsp.rm(path.join(dir, DOWNLOAD_RECORD), { force: true });
  await fsp.rm(path.join(dir, 'model.json'), { force: true });
  for (const rel of shards) {
    await fsp.rm(path.resolve(dir, rel), { force: true });
    await fsp.rm(`${path.resolve(dir, rel)}.part`, { force: true });
  }
}

const BYTES_PER: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** Total shard bytes the manifest implies, or undefined when a dtype has no fixed size (strings). */
export function manifestBytes(modelJson: tfType.io.ModelJSON): number | undefined {
  let total = 0;
  for (const w of (modelJson.weightsManifest ?? []).flatMap((g) => g.weights)) {
    const per = BYTES_PER[w.quantization?.dtype ?? w.dtype];
    if (per === undefined) return undefined;
    total += per * w.shape.reduce((a, b) => a * b, 1);
  }
  return total;
}

const OFFLINE_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'ENETDOWN',
]);
const EMIT_EVERY = 256 * 1024;

/** Fetches a model folder (run) or one file (fetchOne), resuming and retrying, with progress. */
export class Downloader {
  private done = 0;
  private total = 0;
  private lastEmit = -Infinity;
  private readonly retries: number;
  /** One file of unknown size: its Content-Length is the total. */
  private sizeFromResponse = false;

  constructor(private readonly url: string, private readonly dir: string, private readonly o: FetchModelOptions) {
    this.retries = o.retries ?? 3;
  }

  /**
   * The URL into `<file>.part` (resumed from a previous attempt's bytes), left there for the caller to check and
   * rename; `rel` names it in progress events.
   */
  async fetchOne(file: string, rel: string): Promise<void> {
    this.sizeFromResponse = true;
    await this.withRetries(() => this.fetchToFile(this.url, file, rel));
    this.emit(rel, true);
  }

  async run(): Promise<string> {
    const jsonBytes = await this.withRetries(() => this.fetchBuffer(this.url));
    let modelJson: tfType.io.ModelJSON;
    try {
      modelJson = JSON.parse(jsonBytes.toString('utf8')) as tfType.io.ModelJSON;
    } catch {
      throw new DownloadError('invalid', `${this.url} is not a TF.js model.json (not valid JSON)`, this.url);
    }
    if (!modelJson.modelTopology)
      throw new DownloadError('invalid', `${this.url} is not a TF.js model.json (no modelTopology)`, this.url);
    const shards = shardPaths(modelJson);
    this.total = jsonBytes.length + (manifestBytes(modelJson) ?? 0);
    this.done = jsonBytes.length;
    this.emit('model.json', true);

    for (const rel of shards) {
      const file = path.resolve(this.dir, rel);
      if (!file.startsWith(this.dir + path.sep)) {
        throw new DownloadError(
          'invalid',
          `${this.url} lists a weight file outside its folder ("${rel}"); refusing it`,
          this.url,
        );
      }
      if (await exists(file)) {
        this.done += (await fsp.stat(file)).size;
        this.emit(rel, true);
        continue;
      }
      const shardUrl = new URL(rel, this.url).toString();
      await this.withRetries(() => this.fetchToFile(shardUrl, file, rel));
      await fsp.rename(`${file}.part`, file);
      this.emit(rel, true);
    }

    const hashes = await hashModelFiles(this.dir, jsonBytes, shards);
    if (this.o.sha256) await this.verify(hashes.sha256, shards);
    const finalJson = path.join(this.dir, 'model.json');
    await writeFileAtomic(finalJson, jsonBytes);
    // Last: what every later reuse checks the files against.
    const record: DownloadRecord = { v: 1, url: this.url, ...hashes };
    await writeFileAtomic(path.join(this.dir, DOWNLOAD_RECORD), JSON.stringify(record) + '\n');
    this.total = Math.max(this.total, this.done);
    this.emit('model.json', true);
    return finalJson;
  }

  private emit(file: string, force = false): void {
    if (!this.o.onProgress || (!force && this.done - this.lastEmit < EMIT_EVERY)) return;
    this.lastEmit = this.done;
    this.o.onProgress({ file, bytesDone: this.done, bytesTotal: Math.max(this.total, this.done) });
  }

  private async verify(actual: string, shards: string[]): Promise<void> {
    if (actual !== this.o.sha256!.toLowerCase()) {
      // The files are wrong, not half-done: remove them so the next attempt starts clean.
      await Promise.all(shards.map((rel) => fsp.rm(path.resolve(this.dir, rel), { force: true })));
      throw new DownloadError(
        'checksum',
        `checksum mismatch for ${this.url}: expected sha256 ${this.o.sha256}, got ${actual}. ` +
          'The files were deleted; the server may be serving a different model version.',
        this.url,
      );
    }
  }

  private async withRetries<T>(attempt: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (e) {
        if (!(e instanceof DownloadError) || e.kind !== 'interrupted' || i >= this.retries || this.o.signal?.aborted)
          throw e;
      }
    }
  }

  private request(url: string, headers: Record<string, string>, redirects = 5): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const u = new URL(url);
      const get = u.protocol === 'https:' ? https.get : http.get;
      const req = get(u, { headers, signal: this.o.signal, timeout: this.o.timeoutMs ?? 30_000 }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location && redirects > 0) {
          res.resume();
          resolve(this.request(new URL(res.headers.location, url).toString(), headers, redirects - 1));
        } else if (status === 404 || status === 410) {
          res.resume();
          reject(
            new DownloadError('not-found', `HTTP ${status}: ${url} does not exist. Check the model id or URL.`, url),
          );
        } else if (status >= 400) {
          res.resume();
          reject(new DownloadError('http', `HTTP ${status} ${res.statusMessage ?? ''} from ${url}`.trim(), url));
        } else {
          resolve(res);
        }
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => reject(this.connectError(url, e)));
    });
  }

  private connectError(url: string, e: NodeJS.ErrnoException): Error {
    if (e.name === 'AbortError') return e;
    const host = new URL(url).host;
    if (e.code && OFFLINE_CODES.has(e.code)) {
      return new DownloadError('offline', `could not reach ${host} (${e.code}): offline? ` +
        'Point the backbone setting to a local model folder (model.json and its weight files) instead.', url);
    }
    return new DownloadError('interrupted', `connection to ${host} failed: ${e.message}`, url);
  }

  private async fetchBuffer(url: string): Promise<Buffer> {
    const res = await this.request(url, {});
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of res) chunks.push(chunk as Buffer);
    } catch (e) {
      throw this.interrupted(url, e);
    }
    const body = Buffer.concat(chunks);
    this.checkLength(url, res, body.length, 0);
    return body;
  }

  private async fetchToFile(url: string, file: string, rel: string): Promise<void> {
    const part = `${file}.part`;
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const have = await fsp.stat(part).then((s) => s.size, () => 0);
    const res = await this.request(url, have > 0 ? { Range: `bytes=${have}-` } : {}).catch(async (e) => {
      // 416: the .part is already whole or longer than the file; either way only a fresh start is safe.
      if (e instanceof DownloadError && e.kind === 'http' && /HTTP 416/.test(e.message)) {
        await fsp.rm(part, { force: true });
        throw new DownloadError('interrupted', e.message, url);
      }
      throw e;
    });
    const resumed = res.statusCode === 206;
    const start = resumed ? have : 0;
    const length = Number(res.headers['content-length']);
    if (this.sizeFromResponse && Number.isFinite(length)) this.total = start + length;
    this.done += start;
    let received = 0;
    const counter = async function* (this: Downloader, source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        received += chunk.length;
        this.done += chunk.length;
        this.emit(rel);
        yield chunk;
      }
    }.bind(this);
    try {
      await pipeline(res, counter, createWriteStream(part, { flags: resumed ? 'a' : 'w' }));
    } catch (e) {
      this.done -= start + received;
      throw this.interrupted(url, e);
    }
    try {
      this.checkLength(url, res, received, start);
    } catch (e) {
      this.done -= start + received;
      throw e;
    }
  }

  private checkLength(url: string, res: http.IncomingMessage, received: number, start: number): void {
    const expected = Number(res.headers['content-length']);
    if (Number.isFinite(expected) && received !== expected) {
      throw new DownloadError('interrupted', `${url}: got ${start + received} bytes of ${start + expected}`, url);
    }
  }

  private interrupted(url: string, e: unknown): Error {
    if ((e as Error).name === 'AbortError') return e as Error;
    return new DownloadError('interrupted', `download of ${url} was interrupted (${(e as Error).message}); ` +
      'run again to resume from where it stopped', url);
  }
}

async function exists(p: string): Promise<boolean> {
  return fsp.access(p).then(() => true, () => false);
}

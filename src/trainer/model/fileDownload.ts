// Fetches one file (a Keras HDF5 weights file) into the model cache, through the same transfer as model folders
// (modelDownload.ts: resume with Range, retries, progress, offline errors), checked against the md5 or sha256 its
// publisher gives.
//
// The file is streamed to `<name>.part` and renamed only once whole and checked, so a file under its own name is
// complete. DOWNLOAD_RECORD, written after it, holds its sha256 and md5; every reuse checks them (and the digest
// the caller expects): a copy that changed is removed and downloaded again, and offline the error names the folder.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../runtime/atomicFile';
import {
  cacheIdForUrl, defaultModelCacheDir, DOWNLOAD_RECORD, DownloadError, Downloader, parseRecord,
  type DownloadRecord, type FetchModelOptions,
} from './modelDownload';

export interface FetchFileOptions extends Omit<FetchModelOptions, 'sha256'> {
  /** md5 (hex) of the file: what Keras' get_file checks its weights against. */
  md5?: string;
  /** sha256 (hex) of the file. */
  sha256?: string;
}

interface Digests { md5: string; sha256: string }

async function digestsOf(file: string): Promise<Digests> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  for await (const chunk of createReadStream(file)) {
    md5.update(chunk as Buffer);
    sha256.update(chunk as Buffer);
  }
  return { md5: md5.digest('hex'), sha256: sha256.digest('hex') };
}

/** What the digests miss of the expected ones, as a phrase ("md5 … expected, got …"), or undefined. */
function mismatch(got: Digests, o: FetchFileOptions): string | undefined {
  if (o.md5 && got.md5 !== o.md5.toLowerCase()) return `expected md5 ${o.md5}, got ${got.md5}`;
  if (o.sha256 && got.sha256 !== o.sha256.toLowerCase()) return `expected sha256 ${o.sha256}, got ${got.sha256}`;
  return undefined;
}

/** The file name a URL's last path segment gives, or 'download' for a URL ending in '/'. */
function fileNameOf(url: string): string {
  return path.posix.basename(new URL(url).pathname).replace(/[^A-Za-z0-9._-]+/g, '_') || 'download';
}

/**
 * The path of `url`'s file in the model cache (`<cacheDir>/<id>/<its name>`), downloaded unless a copy that still
 * matches its record (and `md5`/`sha256`) is there.
 */
export async function fetchFile(url: string, o: FetchFileOptions = {}): Promise<string> {
  const dir = path.join(o.cacheDir ?? defaultModelCacheDir(), o.id ?? cacheIdForUrl(url));
  const name = fileNameOf(url);
  const file = path.join(dir, name);
  let damaged: string | undefined;
  if (await fsp.access(file).then(() => true, () => false)) {
    damaged = await checkCachedFile(dir, name, url, o);
    if (damaged === undefined) return file;
    await fsp.rm(path.join(dir, DOWNLOAD_RECORD), { force: true });
    await fsp.rm(file, { force: true });
  }
  await fsp.mkdir(dir, { recursive: true });
  try {
    await download(url, dir, name, o);
  } catch (e) {
    if (damaged === undefined || !(e instanceof DownloadError)) throw e;
    throw new DownloadError(e.kind, `The copy of ${url} in the model cache (${dir}) was damaged (${damaged}), so ` +
      `it was removed; downloading it again failed: ${e.message}`, url);
  }
  return file;
}

async function download(url: string, dir: string, name: string, o: FetchFileOptions): Promise<void> {
  const file = path.join(dir, name);
  const part = `${file}.part`;
  await new Downloader(url, dir, { ...o, sha256: undefined }).fetchOne(file, name);
  const got = await digestsOf(part);
  const wrong = mismatch(got, o);
  if (wrong) {
    // The bytes are wrong, not half-done: remove them so the next attempt starts clean.
    await fsp.rm(part, { force: true });
    throw new DownloadError('checksum', `checksum mismatch for ${url}: ${wrong}. The file was deleted; the server ` +
      'may be serving a different version of it.', url);
  }
  await fsp.rename(part, file);
  // Last: what every later reuse checks the file against.
  const record: DownloadRecord = { v: 1, url, sha256: got.sha256, files: { [name]: got.sha256 }, md5: got.md5 };
  await writeFileAtomic(path.join(dir, DOWNLOAD_RECORD), JSON.stringify(record) + '\n');
}

/**
 * Why the cached `name` in `dir` cannot be reused, or undefined when it can. A copy without a record (killed between
 * the rename and the record) is recorded now if it has the expected digests.
 */
async function checkCachedFile(
  dir: string, name: string, url: string, o: FetchFileOptions,
): Promise<string | undefined> {
  let now: Digests;
  try {
    now = await digestsOf(path.join(dir, name));
  } catch {
    return `${name} is unreadable`;
  }
  const wrong = mismatch(now, o);
  if (wrong) return `${name} does not have the expected digest: ${wrong}`;
  const recordFile = path.join(dir, DOWNLOAD_RECORD);
  const text = await fsp.readFile(recordFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (text === undefined) {
    const record: DownloadRecord = { v: 1, url, sha256: now.sha256, files: { [name]: now.sha256 }, md5: now.md5 };
    await writeFileAtomic(recordFile, JSON.stringify(record) + '\n');
    return undefined;
  }
  const record = parseRecord(text);
  if (!record) return `its ${DOWNLOAD_RECORD} is damaged`;
  if (record.files[name] !== now.sha256 || (record.md5 !== undefined && record.md5 !== now.md5)) {
    return `${name} changed since it was downloaded`;
  }
  return undefined;
}

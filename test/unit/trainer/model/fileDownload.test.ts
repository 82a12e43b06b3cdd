// One-file downloads (Keras weights files) against a real HTTP server on 127.0.0.1 that can drop the connection
// half-way: md5 and sha256 checks, resume with Range, progress from Content-Length, the cache record and reuse.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fetchFile } from '../../../../src/trainer/model/fileDownload';
import { DOWNLOAD_RECORD, DownloadError, type DownloadProgress } from '../../../../src/trainer/model/modelDownload';

const BODY = randomBytes(700_000);
const MD5 = createHash('md5').update(BODY).digest('hex');
const SHA256 = createHash('sha256').update(BODY).digest('hex');
const requests: { range?: string; status: number }[] = [];
let dropOnce = false;

const server = http.createServer((req, res) => {
  if (!req.url?.endsWith('/weights_notop.h5')) return res.writeHead(404).end();
  const range = req.headers.range?.match(/^bytes=(\d+)-$/);
  const start = range ? Number(range[1]) : 0;
  requests.push({ range: req.headers.range, status: range ? 206 : 200 });
  res.writeHead(range ? 206 : 200, { 'content-length': BODY.length - start });
  if (dropOnce) {
    dropOnce = false;
    res.write(BODY.subarray(start, start + 300_000), () => setTimeout(() => res.destroy(), 20));
    return;
  }
  res.end(BODY.subarray(start));
});

let url = '';
let tmp = '';

describe('one-file download', () => {
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keras/weights_notop.h5`;
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'tl-file-download-'));
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('checks md5 and sha256, reports progress up to the Content-Length, records both digests last', async () => {
    const progress: DownloadProgress[] = [];
    const file = await fetchFile(url, { cacheDir: tmp, id: 'both', md5: MD5.toUpperCase(), sha256: SHA256,
      onProgress: (p) => progress.push(p) });
    assert.equal(file, path.join(tmp, 'both', 'weights_notop.h5'));
    assert.ok((await fsp.readFile(file)).equals(BODY));
    assert.ok(progress.every((p) => p.bytesTotal === BODY.length && p.file === 'weights_notop.h5'));
    assert.deepEqual(progress.map((p) => p.bytesDone), [...progress.map((p) => p.bytesDone)].sort((a, b) => a - b));
    assert.equal(progress.at(-1)!.bytesDone, BODY.length);
    const record = JSON.parse(await fsp.readFile(path.join(tmp, 'both', DOWNLOAD_RECORD), 'utf8'));
    assert.deepEqual(record, { v: 1, url, sha256: SHA256, files: { 'weights_notop.h5': SHA256 }, md5: MD5 });
  });

  it('resumes a dropped transfer with a Range request, and the whole still has its md5', async () => {
    dropOnce = true;
    const from = requests.length;
    const file = await fetchFile(url, { cacheDir: tmp, id: 'resumed', md5: MD5 });
    assert.ok((await fsp.readFile(file)).equals(BODY));
    assert.deepEqual(requests.slice(from), [
      { range: undefined, status: 200 },
      { range: 'bytes=300000-', status: 206 },
    ]);
  });

  it('refuses a wrong digest and keeps nothing; a good copy is reused without a request', async () => {
    for (const wrong of [{ md5: 'f'.repeat(32) }, { sha256: 'f'.repeat(64) }]) {
      await assert.rejects(fetchFile(url, { cacheDir: tmp, id: 'wrong', ...wrong }),
        (e: unknown) => e instanceof DownloadError && e.kind === 'checksum' && /The file was deleted/.test(e.message));
      assert.deepEqual(await fsp.readdir(path.join(tmp, 'wrong')), []);
    }
    const from = requests.length;
    await fetchFile(url, { cacheDir: tmp, id: 'both', md5: MD5 });
    assert.equal(requests.length, from);
  });

  it('adopts a whole copy with no record (stopped before it was written) when its digest matches', async () => {
    const dir = path.join(tmp, 'adopted');
    await fsp.mkdir(dir);
    await fsp.writeFile(path.join(dir, 'weights_notop.h5'), BODY);
    const from = requests.length;
    await fetchFile(url, { cacheDir: tmp, id: 'adopted', md5: MD5 });
    assert.equal(requests.length, from);
    assert.equal(JSON.parse(await fsp.readFile(path.join(dir, DOWNLOAD_RECORD), 'utf8')).md5, MD5);
  });

  it('offline with a damaged copy: fails naming the folder and what changed', async () => {
    const file = await fetchFile(url, { cacheDir: tmp, id: 'offline', md5: MD5 });
    await fsp.writeFile(file, 'not the weights');
    const dead = url.replace(/:\d+\//, ':1/');
    await assert.rejects(fetchFile(dead, { cacheDir: tmp, id: 'offline', md5: MD5 }), (e: unknown) =>
      e instanceof DownloadError && e.kind === 'offline' && e.message.includes(path.join(tmp, 'offline')) &&
      /does not have the expected digest: expected md5/.test(e.message));
  });
});

// Model downloads against a real HTTP server on 127.0.0.1 that serves /work/shared/models read-only and can
// misbehave on purpose: drop the connection half-way, ignore Range, or 404.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  DOWNLOAD_RECORD, DownloadError, fetchModel, manifestBytes, type DownloadProgress,
} from '../../../../src/trainer/model/modelDownload';
import { SHARED } from '../../../fixtures/cliRun';

const MODELS = path.join(SHARED, 'models');
const V1 = 'mobilenet_v1_0.25_224_layers';
const SQUEEZE = 'squeezenet1.1_truncated_layers';

interface Behaviour { dropOnceAtHalf: Set<string>; rangeSupport: boolean }
const behaviour: Behaviour = { dropOnceAtHalf: new Set(), rangeSupport: true };
const requests: { url: string; range?: string; status: number }[] = [];

const server = http.createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const file = path.join(MODELS, rel);
  const log = (status: number) => requests.push({ url: rel, range: req.headers.range, status });
  if (!file.startsWith(MODELS + path.sep)) return log(403), res.writeHead(403).end();
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch {
    log(404);
    return res.writeHead(404).end('not found');
  }
  const range = behaviour.rangeSupport ? req.headers.range?.match(/^bytes=(\d+)-$/) : null;
  const start = range ? Number(range[1]) : 0;
  const status = range ? 206 : 200;
  log(status);
  res.writeHead(status, {
    'content-length': body.length - start,
    ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
  });
  if (behaviour.dropOnceAtHalf.delete(rel)) {
    res.write(body.subarray(start, start + Math.floor(body.length / 2)), () => setTimeout(() => res.destroy(), 20));
    return;
  }
  res.end(body.subarray(start));
});

let base = '';
let tmp = '';
const tmps: string[] = [];

async function sha256OfModel(dir: string): Promise<string> {
  const json = await fsp.readFile(path.join(dir, 'model.json'));
  const manifest = JSON.parse(json.toString()).weightsManifest as { paths: string[] }[];
  const hash = createHash('sha256').update(json);
  for (const p of manifest.flatMap((g) => g.paths)) hash.update(await fsp.readFile(path.join(dir, p)));
  return hash.digest('hex');
}

async function assertSameFiles(got: string, want: string): Promise<void> {
  for (const f of await fsp.readdir(want)) {
    if (f.endsWith('.json') && f !== 'model.json') continue;
    assert.ok((await fsp.readFile(path.join(got, f))).equals(await fsp.readFile(path.join(want, f))), `${f} differs`);
  }
}

describe('model download', () => {
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all(tmps.map((d) => fsp.rm(d, { recursive: true, force: true })));
  });
  beforeEach(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'tl-download-'));
    tmps.push(tmp);
    behaviour.dropOnceAtHalf.clear();
    behaviour.rangeSupport = true;
    requests.length = 0;
  });

  it('downloads every shard, reports monotonic progress up to the exact total, and matches the source byte for byte', async () => {
    const events: DownloadProgress[] = [];
    const json = await fetchModel(`${base}/${V1}/model.json`, { cacheDir: tmp, id: 'v1', onProgress: (p) => events.push(p) });
    assert.equal(json, path.join(tmp, 'v1', 'model.json'));
    await assertSameFiles(path.dirname(json), path.join(MODELS, V1));
    const expectedTotal = (await fsp.readdir(path.join(MODELS, V1)))
      .reduce((sum, f) => sum + readFileSync(path.join(MODELS, V1, f)).length, 0);
    assert.ok(events.length >= 3, `${events.length} events`);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].bytesDone >= events[i - 1].bytesDone, 'monotonic');
    assert.equal(events.at(-1)!.bytesDone, expectedTotal);
    assert.equal(events.at(-1)!.bytesTotal, expectedTotal);
    // The total is known from the manifest before the shards arrive, not discovered as they do.
    assert.equal(events[0].bytesTotal, expectedTotal);
    assert.deepEqual((await fsp.readdir(path.dirname(json))).filter((f) => /\.(part|tmp)$/.test(f)), []);

    requests.length = 0;
    await fetchModel(`${base}/${V1}/model.json`, { cacheDir: tmp, id: 'v1' });
    assert.equal(requests.length, 0, 'a complete cached model is not fetched again');
  });

  it('resumes an interrupted shard with a Range request on the next attempt', async () => {
    behaviour.dropOnceAtHalf.add(`/${SQUEEZE}/group1-shard1of1`);
    const url = `${base}/${SQUEEZE}/model.json`;
    const first = await fetchModel(url, { cacheDir: tmp, id: 'sq', retries: 0 }).then(() => undefined, (e: unknown) => e);
    assert.ok(first instanceof DownloadError && first.kind === 'interrupted', String(first));
    assert.match((first as Error).message, /interrupted.*resume/);
    const dir = path.join(tmp, 'sq');
    const partSize = (await fsp.stat(path.join(dir, 'group1-shard1of1.part'))).size;
    const fullSize = (await fsp.stat(path.join(MODELS, SQUEEZE, 'group1-shard1of1'))).size;
    assert.ok(partSize > 0 && partSize < fullSize, `part ${partSize} of ${fullSize}`);
    await assert.rejects(fsp.access(path.join(dir, 'model.json')), 'model.json must not appear before the weights are whole');

    await fetchModel(url, { cacheDir: tmp, id: 'sq', retries: 0 });
    const shardRequests = requests.filter((r) => r.url.endsWith('group1-shard1of1'));
    assert.deepEqual(shardRequests.map((r) => [r.range, r.status]), [[undefined, 200], [`bytes=${partSize}-`, 206]]);
    await assertSameFiles(dir, path.join(MODELS, SQUEEZE));
  });

  it('resumes within one call when retries are allowed, and restarts cleanly when the server ignores Range', async () => {
    behaviour.dropOnceAtHalf.add(`/${SQUEEZE}/group1-shard1of1`);
    await fetchModel(`${base}/${SQUEEZE}/model.json`, { cacheDir: tmp, id: 'a' });
    await assertSameFiles(path.join(tmp, 'a'), path.join(MODELS, SQUEEZE));

    behaviour.dropOnceAtHalf.add(`/${SQUEEZE}/group1-shard1of1`);
    behaviour.rangeSupport = false;
    requests.length = 0;
    await fetchModel(`${base}/${SQUEEZE}/model.json`, { cacheDir: tmp, id: 'b' });
    assert.deepEqual(requests.filter((r) => r.url.endsWith('shard1of1')).map((r) => r.status), [200, 200]);
    await assertSameFiles(path.join(tmp, 'b'), path.join(MODELS, SQUEEZE));
  });

  it('verifies a sha256 and refuses a mismatch, leaving no usable model behind', async () => {
    const url = `${base}/${SQUEEZE}/model.json`;
    const good = await sha256OfModel(path.join(MODELS, SQUEEZE));
    const bad = good.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    await assert.rejects(fetchModel(url, { cacheDir: tmp, id: 'x', sha256: bad }),
      (e: unknown) => e instanceof DownloadError && e.kind === 'checksum' && e.message.includes(`expected sha256 ${bad}, got ${good}`));
    await assert.rejects(fsp.access(path.join(tmp, 'x', 'model.json')));
    await assert.rejects(fsp.access(path.join(tmp, 'x', 'group1-shard1of1')));
    await fetchModel(url, { cacheDir: tmp, id: 'x', sha256: good });
  });

  it('records each file\'s sha256 last; a cached copy that changed since is removed and downloaded again', async () => {
    const url = `${base}/${SQUEEZE}/model.json`;
    const json = await fetchModel(url, { cacheDir: tmp, id: 'sq' });
    const dir = path.dirname(json);
    const record = JSON.parse(await fsp.readFile(path.join(dir, DOWNLOAD_RECORD), 'utf8')) as
      { sha256: string; files: Record<string, string> };
    assert.equal(record.sha256, await sha256OfModel(path.join(MODELS, SQUEEZE)));
    assert.deepEqual(Object.keys(record.files).sort(), ['group1-shard1of1', 'model.json']);
    const shard = path.join(dir, 'group1-shard1of1');
    const bytes = await fsp.readFile(shard);
    bytes[100] ^= 0xff; // same size: only the checksum tells
    await fsp.writeFile(shard, bytes);
    requests.length = 0;
    assert.equal(await fetchModel(url, { cacheDir: tmp, id: 'sq' }), json);
    assert.deepEqual(requests.map((r) => r.url), [`/${SQUEEZE}/model.json`, `/${SQUEEZE}/group1-shard1of1`]);
    await assertSameFiles(dir, path.join(MODELS, SQUEEZE));
    requests.length = 0;
    await fetchModel(url, { cacheDir: tmp, id: 'sq' });
    assert.equal(requests.length, 0, 'the downloaded-again copy is reused');
  });

  it('a damaged cached copy offline: fails naming the folder, and leaves nothing that looks complete', async () => {
    const json = await fetchModel(`${base}/${SQUEEZE}/model.json`, { cacheDir: tmp, id: 'sq' });
    const dir = path.dirname(json);
    await fsp.appendFile(path.join(dir, 'group1-shard1of1'), 'x');
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(fetchModel(`http://127.0.0.1:${port}/${SQUEEZE}/model.json`, { cacheDir: tmp, id: 'sq' }),
      (e: unknown) => e instanceof DownloadError && e.kind === 'offline' && e.message.includes(dir) &&
        /group1-shard1of1 changed since it was downloaded/.test(e.message) && /offline\?/.test(e.message));
    await assert.rejects(fsp.access(json), 'the damaged copy is not left to be used');
  });

  it('adopts a cached copy downloaded before records: no download, the record written now', async () => {
    const url = `${base}/${SQUEEZE}/model.json`;
    const json = await fetchModel(url, { cacheDir: tmp, id: 'sq' });
    await fsp.rm(path.join(path.dirname(json), DOWNLOAD_RECORD));
    requests.length = 0;
    await fetchModel(url, { cacheDir: tmp, id: 'sq' });
    assert.equal(requests.length, 0);
    await fsp.access(path.join(path.dirname(json), DOWNLOAD_RECORD));
  });

  it('names the URL on a 404', async () => {
    const url = `${base}/no_such_model/model.json`;
    await assert.rejects(fetchModel(url, { cacheDir: tmp }),
      (e: unknown) => e instanceof DownloadError && e.kind === 'not-found' && e.message.includes(`HTTP 404: ${url}`));
  });

  it('says the host is unreachable, and suggests a local folder, when nothing listens', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(fetchModel(`http://127.0.0.1:${port}/m/model.json`, { cacheDir: tmp }),
      (e: unknown) => e instanceof DownloadError && e.kind === 'offline'
        && e.message.startsWith(`could not reach 127.0.0.1:${port} (ECONNREFUSED): offline?`) && /local model folder/.test(e.message));
  });

  it('uses local folders, model.json paths and file: URLs in place', async () => {
    const dir = path.join(MODELS, V1);
    const want = path.join(dir, 'model.json');
    assert.equal(await fetchModel(dir), want);
    assert.equal(await fetchModel(want), want);
    assert.equal(await fetchModel(pathToFileURL(dir).toString()), want);
    await assert.rejects(fetchModel(path.join(tmp, 'nothing')), /model\.json is missing/);
  });

  it('computes the weight bytes a manifest implies', async () => {
    const json = JSON.parse(await fsp.readFile(path.join(MODELS, SQUEEZE, 'model.json'), 'utf8'));
    assert.equal(manifestBytes(json), (await fsp.stat(path.join(MODELS, SQUEEZE, 'group1-shard1of1'))).size);
  });
});

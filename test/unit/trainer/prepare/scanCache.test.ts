// The prepare scan cache is a file beside the output that anyone can edit or damage: an entry is trusted only if it
// is what a scan writes, and one that is not is dropped (its file is scanned again), never carried into dataset.json.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { SCAN_CACHE_FILE } from '../../../../src/core/prepareJournal';
import { validScanCacheEntry, type ScanCacheEntry } from '../../../../src/trainer/prepare/imageScan';
import { readScanCache } from '../../../../src/trainer/jobs/prepare';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-scancache-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const good: ScanCacheEntry = {
  size: 7904, mtimeMs: 1796321827447.8962, ino: 5308423,
  scan: {
    bytes: 7904, sha256: '0632cdf81e584b1ca210948c9ac0879d252f3987bb6d5c6b75d4bf8d9dba7742', format: 'jpeg', width: 200,
    height: 200, channels: 3, space: 'srgb', hasAlpha: false, bitsPerSample: 8, dhash: 'cc5878f20ea7cdcb',
  },
};

const withScan = (scan: Record<string, unknown>) => ({ ...good, scan: { ...good.scan, ...scan } });

describe('scan cache entries', () => {
  it('keeps an entry as a scan writes it', () => {
    assert.deepEqual(validScanCacheEntry(structuredClone(good)), good);
    assert.deepEqual(validScanCacheEntry(withScan({ orientation: 6, pages: 1 }))?.scan.orientation, 6);
  });

  it('drops entries whose hash is not a sha256 or whose numbers are not sane', () => {
    const bad: [string, unknown][] = [
      ['short sha256', withScan({ sha256: 'abc' })],
      ['upper-case sha256', withScan({ sha256: good.scan.sha256!.toUpperCase() })],
      ['sha256 not a string', withScan({ sha256: 12 })],
      ['no sha256', withScan({ sha256: undefined })],
      ['negative size', { ...good, size: -1, scan: { ...good.scan, bytes: -1 } }],
      ['fractional size', { ...good, size: 1.5, scan: { ...good.scan, bytes: 1.5 } }],
      ['bytes not the size', withScan({ bytes: 1 })],
      ['mtime not a number', { ...good, mtimeMs: 'yesterday' }],
      ['inode missing', { ...good, ino: undefined }],
      ['zero width', withScan({ width: 0 })],
      ['NaN height', withScan({ height: Number.NaN })],
      ['orientation 9', withScan({ orientation: 9 })],
      ['dhash not hex', withScan({ dhash: 'zz5878f20ea7cdcb' })],
      ['a problem recorded', withScan({ problem: { code: 'truncated', detail: 'x' } })],
      ['no scan', { ...good, scan: undefined }],
      ['not an object', 'entry'],
      ['null', null],
    ];
    for (const [why, entry] of bad) assert.equal(validScanCacheEntry(entry), undefined, why);
  });

  it('keeps only the known fields of a scan', () => {
    const kept = validScanCacheEntry(withScan({ extra: 'leaks into the manifest' }));
    assert.ok(kept && !('extra' in kept.scan));
  });

  it('readScanCache drops the entries that fail and keeps the rest', async () => {
    const out = path.join(tmp, 'out');
    fs.mkdirSync(out);
    const entries = { '/src/a.jpg': good, '/src/b.jpg': withScan({ sha256: 'not-a-hash' }), '/src/c.jpg': 'x' };
    fs.writeFileSync(path.join(out, SCAN_CACHE_FILE), JSON.stringify({ v: 1, entries }));
    const cache = await readScanCache(out);
    assert.deepEqual([...cache.keys()], ['/src/a.jpg']);
    fs.writeFileSync(path.join(out, SCAN_CACHE_FILE), JSON.stringify({ v: 1, entries: [good] }));
    assert.equal((await readScanCache(out)).size, 0);
  });
});

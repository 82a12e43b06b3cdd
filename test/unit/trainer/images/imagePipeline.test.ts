// Decoding against images made here with sharp (orientation, alpha, grayscale, CMYK, 16-bit, broken files)
// and a few real photos from /work/shared/data (read-only).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import {
  decodeBatches, decodeFailureReason, decodeImage, ImageDecodeError, toBatchTensor,
} from '../../../../src/trainer/images/imagePipeline';
import { SHARED } from '../../../fixtures/cliRun';

const CATS = path.join(SHARED, 'data/dogs-vs-cats/train');
let dir = '';

type Rgb = [number, number, number];
const RED: Rgb = [255, 0, 0], GREEN: Rgb = [0, 255, 0], BLUE: Rgb = [0, 0, 255];

/** w × h RGB raw image whose column x gets colour(x). */
function columns(w: number, h: number, colour: (x: number) => Rgb): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) b.set(colour(x), (y * w + x) * 3);
  return b;
}
const raw = (buf: Buffer, width: number, height: number, channels: 1 | 3 | 4 = 3) => sharp(buf, { raw: { width, height, channels } });
const px = (img: Uint8Array, size: number, x: number, y: number) => Array.from(img.subarray((y * size + x) * 3, (y * size + x) * 3 + 3));
const near = (got: number[], want: number[], tol = 12) => got.every((v, i) => Math.abs(v - want[i]) <= tol);

describe('image pipeline', () => {
  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tl-images-'));
  });
  after(() => fsp.rm(dir, { recursive: true, force: true }));

  it('applies EXIF orientation before resizing', async () => {
    // Stored 40×20, left half red, right half blue; orientation 6 means "rotate 90° clockwise to display".
    const file = path.join(dir, 'sideways.jpg');
    await raw(columns(40, 20, (x) => (x < 20 ? RED : BLUE)), 40, 20).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(file);
    const img = await decodeImage(file, { size: 20, resize: 'fill' });
    assert.ok(near(px(img, 20, 10, 2), RED), `top ${px(img, 20, 10, 2)}`);
    assert.ok(near(px(img, 20, 10, 17), BLUE), `bottom ${px(img, 20, 10, 17)}`);
  });

  it('flattens transparency onto white', async () => {
    const rgba = Buffer.alloc(8 * 8 * 4);
    for (let i = 0; i < 64; i++) rgba.set([0, 0, 0, i < 32 ? 0 : 128], i * 4);
    const file = path.join(dir, 'alpha.png');
    await raw(rgba, 8, 8, 4).png().toFile(file);
    const img = await decodeImage(file, { size: 8, resize: 'fill' });
    assert.deepEqual(px(img, 8, 4, 1), [255, 255, 255], 'fully transparent black is white');
    assert.ok(near(px(img, 8, 4, 6), [127, 127, 127], 3), `half-transparent black is grey, got ${px(img, 8, 4, 6)}`);
  });

  it('turns grayscale, CMYK and 16-bit images into 8-bit sRGB', async () => {
    const gray = path.join(dir, 'gray.png');
    await raw(Buffer.alloc(16, 100), 4, 4, 1).toColourspace('b-w').png().toFile(gray);
    assert.equal((await sharp(gray).metadata()).channels, 1);
    assert.deepEqual(px(await decodeImage(gray, { size: 4 }), 4, 1, 1), [100, 100, 100]);

    const cmyk = path.join(dir, 'cmyk.jpg');
    await raw(columns(8, 8, () => RED), 8, 8).toColourspace('cmyk').jpeg({ quality: 95 }).toFile(cmyk);
    assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
    const fromCmyk = px(await decodeImage(cmyk, { size: 8 }), 8, 4, 4);
    assert.ok(fromCmyk[0] > 200 && fromCmyk[1] < 70 && fromCmyk[2] < 70, `CMYK red decoded as ${fromCmyk}`);

    const deep = path.join(dir, 'deep.png');
    await raw(columns(8, 8, () => [200, 100, 50]), 8, 8).toColourspace('rgb16').png().toFile(deep);
    assert.equal((await sharp(deep).metadata()).depth, 'ushort');
    const img = await decodeImage(deep, { size: 8 });
    assert.equal(img.length, 8 * 8 * 3);
    assert.ok(near(px(img, 8, 3, 3), [200, 100, 50], 2), `16-bit decoded as ${px(img, 8, 3, 3)}`);
  });

  it('resizes by cover (centre crop), fill (stretch) and contain (black letterbox)', async () => {
    // 60×20: green | red | blue thirds. The centre square of it is all red.
    const file = path.join(dir, 'wide.png');
    await raw(columns(60, 20, (x) => (x < 20 ? GREEN : x < 40 ? RED : BLUE)), 60, 20).png().toFile(file);
    const cover = await decodeImage(file, { size: 12 });
    for (const x of [1, 6, 10]) assert.ok(near(px(cover, 12, x, 6), RED, 30), `cover x=${x}: ${px(cover, 12, x, 6)}`);
    const fill = await decodeImage(file, { size: 12, resize: 'fill' });
    assert.ok(near(px(fill, 12, 0, 0), GREEN, 30) && near(px(fill, 12, 11, 11), BLUE, 30), 'fill keeps every column, top to bottom');
    const contain = await decodeImage(file, { size: 12, resize: 'contain' });
    assert.deepEqual(px(contain, 12, 6, 0), [0, 0, 0], 'letterbox bar at the top');
    assert.deepEqual(px(contain, 12, 6, 11), [0, 0, 0], 'and at the bottom');
    assert.ok(near(px(contain, 12, 0, 6), GREEN, 30) && near(px(contain, 12, 11, 6), BLUE, 30), 'contain keeps the sides');
  });

  it('names the file and the reason when it cannot decode', async () => {
    const truncated = path.join(dir, 'truncated.jpg');
    const full = await raw(columns(64, 64, (x) => [x * 4, 0, 0]), 64, 64).jpeg().toBuffer();
    await fsp.writeFile(truncated, full.subarray(0, full.length >> 1));
    await assert.rejects(decodeImage(truncated, { size: 8 }), (e: unknown) =>
      e instanceof ImageDecodeError && e.file === truncated && e.message === `Cannot decode ${truncated}: truncated file (skipped)`);
    const text = path.join(dir, 'notes.jpg');
    await fsp.writeFile(text, 'not an image');
    await assert.rejects(decodeImage(text, { size: 8 }), /Cannot decode .*notes\.jpg: not an image format sharp can read \(skipped\)/);
  });

  it('scales to [-1, 1], [0, 1], or caffe BGR minus the ImageNet means', () => {
    const img = new Uint8Array([10, 20, 30, 255, 0, 127]);
    const cases = [
      ['minus1to1', [10 / 127.5 - 1, 20 / 127.5 - 1, 30 / 127.5 - 1, 1, -1, 127 / 127.5 - 1]],
      ['zero1', [10 / 255, 20 / 255, 30 / 255, 1, 0, 127 / 255]],
      ['caffe', [30 - 103.939, 20 - 116.779, 10 - 123.68, 127 - 103.939, 0 - 116.779, 255 - 123.68]],
    ] as const;
    for (const [mode, want] of cases) {
      const t = toBatchTensor(tf, [img.subarray(0, 3), img.subarray(3)], 1, mode);
      assert.deepEqual(t.shape, [2, 1, 1, 3]);
      const got = Array.from(t.dataSync());
      t.dispose();
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `${mode}[${i}]: ${v} vs ${want[i]}`));
    }
    assert.throws(() => toBatchTensor(tf, [new Uint8Array(5)], 1, 'zero1'), /expected 1×1×3/);
  });

  it('streams batches in order, skips broken files, and bounds what is decoded ahead', async () => {
    const real = (await fsp.readdir(CATS)).filter((f) => /^cat\.\d+\.jpg$/.test(f)).slice(0, 9).map((f) => path.join(CATS, f));
    const broken = path.join(dir, 'notes.jpg');
    const files = [...real.slice(0, 3), broken, ...real.slice(3), path.join(dir, 'missing.jpg')];
    let inFlight = 0, maxInFlight = 0, decoded = 0, consumed = 0, maxAhead = 0;
    const seen: string[] = [];
    const skipped: string[] = [];
    for await (const batch of decodeBatches(files, {
      size: 32, batchSize: 3, concurrency: 2, prefetchBatches: 1,
      transform: async (rgb) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        decoded++;
        maxAhead = Math.max(maxAhead, decoded - consumed);
        return rgb;
      },
    })) {
      assert.equal(batch.images.length, batch.files.length);
      for (const img of batch.images) assert.equal(img.length, 32 * 32 * 3);
      seen.push(...batch.files);
      skipped.push(...batch.skipped.map((e) => e.message));
      consumed += batch.images.length;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(seen, real);
    assert.equal(skipped.length, 2);
    assert.match(skipped[0], /notes\.jpg: not an image format/);
    assert.match(skipped[1], /missing\.jpg: file not found/);
    assert.equal(maxInFlight, 2, 'decodes overlap, up to the concurrency');
    assert.ok(maxAhead <= 2 * 3, `at most (prefetch + 1) × batch decoded ahead, saw ${maxAhead}`);
  });

  it('decodes real photos to the same bytes as before', async () => {
    // sha256 (first 16 hex) of decodeImage's output at 224, recorded with sharp 0.34.5 / libvips 8.17.3: a
    // landscape and a portrait photo, one large enough for JPEG shrink-on-load (cat.10, 489×499), one smaller
    // than 224 (cat.146, 80×119). The embedding cache keys vectors by file content, not by these bytes, so if
    // this fails after a sharp upgrade the cached vectors no longer match the pixels: bump CACHE_VERSION.
    const want: Record<string, [string, string, string]> = {
      'cat.0.jpg': ['052a9bdf2550800c', '95534de74dcfa296', '2f7fff522f6ba20c'],
      'dog.1.jpg': ['d8d28ada2dd26895', '1b809f4dbbbcc75c', 'ba4a43387a88827c'],
      'cat.10.jpg': ['2399a211ef8bd9d5', '7a9c0598d8f863c5', 'e24eee1a11f18d58'],
      'cat.146.jpg': ['e4bbb88867203397', '476879ff45f58f14', 'bdb0f7a55471d112'],
    };
    for (const [name, hashes] of Object.entries(want)) {
      for (const [k, resize] of (['cover', 'fill', 'contain'] as const).entries()) {
        const img = await decodeImage(path.join(CATS, name), { size: 224, resize });
        assert.equal(createHash('sha256').update(img).digest('hex').slice(0, 16), hashes[k], `${name} ${resize}`);
      }
    }
  });

  it('streams the same bytes decodeImage gives, whatever is in flight', async () => {
    const files = (await fsp.readdir(CATS)).sort().slice(0, 40).map((f) => path.join(CATS, f));
    const one = await Promise.all(files.map((f) => decodeImage(f, { size: 64 })));
    for (const concurrency of [undefined, 1, 4]) {
      const got: Uint8Array[] = [];
      for await (const b of decodeBatches(files, { size: 64, batchSize: 8, concurrency })) got.push(...b.images);
      assert.equal(got.length, files.length);
      got.forEach((img, i) => assert.ok(Buffer.from(img).equals(Buffer.from(one[i])), `${files[i]}, concurrency ${concurrency}`));
    }
  });

  it('hands sharp the whole window at once, and libuv keeps decoding it while this thread is blocked', async () => {
    // ONNX Runtime's session.run computes on this thread: decodes not yet handed to sharp wait until it returns.
    const files = (await fsp.readdir(CATS)).sort().slice(0, 30).map((f) => path.join(CATS, f));
    // One counters() call: reading queue and process in two calls can see a decode move between them and count it twice.
    const handedOver = () => {
      const c = sharp.counters();
      return c.queue + c.process;
    };
    assert.equal(handedOver(), 0);
    const stream = decodeBatches(files, { size: 32, batchSize: 8, prefetchBatches: 2 });
    const first = stream.next();
    assert.equal(handedOver(), 24, 'the batch and the two prefetched ones, before the first await');
    // Blocked here, libuv's pool (4 threads) can only start the 20 queued decodes by finishing the others.
    const deadline = Date.now() + 60_000;
    while (sharp.counters().queue > 0 && Date.now() < deadline) { /* a forward pass holding this thread */ }
    assert.equal(sharp.counters().queue, 0, 'every decode started while this thread was blocked');
    assert.equal((await first).value?.images.length, 8);
    for await (const b of stream) void b;

    const paced = decodeBatches(files, { size: 32, batchSize: 8, prefetchBatches: 2, concurrency: 4 });
    const next = paced.next();
    assert.equal(handedOver(), 4, 'an explicit concurrency still paces them');
    await next;
    for await (const b of paced) void b;
  });

  it('stops handing sharp files once cancelled', async () => {
    const files = (await fsp.readdir(CATS)).sort().slice(0, 40).map((f) => path.join(CATS, f));
    const ac = new AbortController();
    let decoded = 0;
    const stream = decodeBatches(files, {
      size: 16, batchSize: 8, prefetchBatches: 1, signal: ac.signal, transform: (rgb) => (decoded++, rgb),
    });
    assert.equal((await stream.next()).value?.images.length, 8);
    ac.abort();
    assert.equal((await stream.next()).done, true);
    while (sharp.counters().queue + sharp.counters().process > 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setImmediate(r));
    assert.ok(decoded <= 16, `only the window that was handed over before the cancel decodes, saw ${decoded}`);
  });

  it('names a truncated JPEG or PNG even when sharp loses its error text ("Unknown error")', async () => {
    // Seen in CI with several decodes in flight: libvips' per-thread error buffer came back empty.
    const lost = new Error('Unknown error');
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } }).png().toBuffer();
    assert.equal(await decodeFailureReason(lost, jpeg.subarray(0, jpeg.length - 40)), 'truncated file');
    assert.equal(await decodeFailureReason(lost, png.subarray(0, png.length - 20)), 'truncated file');
    assert.equal(await decodeFailureReason(lost, jpeg), 'Unknown error', 'a whole file keeps the message it had');
  });
});

// The loader the feature stage asks for (image, variant) pixels: the variants of an image asked for together share
// one decode, and give the bytes decoding and augmenting each on its own gives.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { deriveSeed } from '../../../../src/core/seededRandom';
import type { TrainerEvent } from '../../../../src/core/protocol';
import { augmentImage } from '../../../../src/trainer/images/augment';
import { imageLoader } from '../../../../src/trainer/images/imageLoader';
import { decodeImage } from '../../../../src/trainer/images/imagePipeline';
import { SHARED } from '../../../fixtures/cliRun';

const CATS = path.join(SHARED, 'data/dogs-vs-cats/train');
const SIZE = 48;
// One counters() call: two would let a decode move from queue to process between the reads and count twice.
const handedToSharp = () => {
  const c = sharp.counters();
  return c.queue + c.process;
};
const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.from(a).equals(Buffer.from(b));

describe('image loader', () => {
  let dir = '';
  const events: TrainerEvent[] = [];
  const ctx = { emit: (e: TrainerEvent) => void events.push(e), signal: new AbortController().signal };
  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tl-loader-'));
  });
  after(() => fsp.rm(dir, { recursive: true, force: true }));

  it('decodes an image once for the variants asked for together, with the same bytes as one at a time', async () => {
    const item = { file: path.join(CATS, 'cat.0.jpg'), sha256: 'ab'.repeat(32) };
    const load = imageLoader({ resize: 'cover', seed: 42 }, SIZE, ctx);
    const asked = [0, 1, 2].map((v) => load(item, v));
    // sharp's counters show work in flight, which libuv may already have finished: never more than one decode.
    assert.ok(handedToSharp() <= 1, 'one decode for three variants');
    const [v0, v1, v2] = await Promise.all(asked);
    const rgb = await decodeImage(item.file, { size: SIZE, resize: 'cover' });
    const seed = deriveSeed(42, item.sha256);
    assert.ok(same(v0, rgb), 'variant 0 is the decoded image');
    assert.ok(same(v1, augmentImage(rgb, SIZE, { seed, variant: 1 })), 'variant 1');
    assert.ok(same(v2, augmentImage(rgb, SIZE, { seed, variant: 2 })), 'variant 2');
  });

  it('keeps only the last few decodes', async () => {
    const files = (await fsp.readdir(CATS)).sort().slice(0, 40).map((f) => ({ file: path.join(CATS, f), sha256: f }));
    const load = imageLoader({ resize: 'cover', seed: 42 }, SIZE, ctx);
    await Promise.all(files.map((item) => load(item, 0)));
    const recent = load(files[39], 1);
    assert.equal(handedToSharp(), 0, 'a recent image is not decoded again');
    // Its augmentation may use sharp too: let it finish, so only the next decode is in flight below.
    await recent;
    const again = load(files[0], 1);
    // Evicted: it is decoded again and still gives its bytes (sharp's in-flight counters are too racy to count here).
    const rgb = await decodeImage(files[0].file, { size: SIZE, resize: 'cover' });
    assert.ok(same(await again, augmentImage(rgb, SIZE, { seed: deriveSeed(42, files[0].sha256), variant: 1 })));
  });

  it('names an image that cannot be decoded once, however many variants fail', async () => {
    const broken = path.join(dir, 'notes.jpg');
    await fsp.writeFile(broken, 'not an image');
    const load = imageLoader({ resize: 'cover', seed: 42 }, SIZE, ctx);
    events.length = 0;
    const got = await Promise.all([0, 1, 2].map((v) => load({ file: broken, sha256: 'cd'.repeat(32) }, v)));
    assert.deepEqual(got, [undefined, undefined, undefined]);
    assert.match(load.failures.get(broken) ?? '', /^cannot decode: not an image format sharp can read$/);
    const warned = events.filter((e) => e.type === 'log' && e.message.startsWith(`skipped ${broken}`));
    assert.equal(warned.length, 1);
  });
});

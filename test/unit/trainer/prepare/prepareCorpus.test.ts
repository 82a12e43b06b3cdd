// A corpus of bad inputs, generated here: every kind gets the finding it should, and the run still prepares the good files.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { parseManifest, type DatasetManifest } from '../../../../src/core/datasetManifest';
import type { PrepareResult, UndoResult } from '../../../../src/core/jobs/prepare';
import { parseTrainerMessage, withVersion, type TrainerEvent } from '../../../../src/core/protocol';
import { runJob } from '../../../../src/trainer/jobs/runJob';
import { patternImage, patternJpeg, tinyBmp } from '../../../fixtures/syntheticImages';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-corpus-'));
const src = path.join(tmp, 'photos');
const out = path.join(tmp, 'photos-prepared');

async function write(rel: string, data: Buffer | string | Promise<Buffer>): Promise<void> {
  const file = path.join(src, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, await data);
}

async function buildCorpus(): Promise<void> {
  for (let i = 0; i < 8; i++) await write(`cat/good-${i}.jpg`, patternJpeg(i + 1, 96, 72));
  for (let i = 0; i < 4; i++) await write(`dog/good-${i}.jpg`, patternJpeg(i + 101, 96, 72));
  await write('cat/with space.jpg', patternJpeg(20));
  await write('cat/café naïve 写真.jpg', patternJpeg(21));
  await write('cat/rotated.jpg', patternImage(22, 80, 60).jpeg().withMetadata({ orientation: 6 }).toBuffer());
  await write('cat/grey.png', patternImage(23).toColourspace('b-w').png().toBuffer());
  await write('cat/cmyk.jpg', patternImage(24).toColourspace('cmyk').jpeg().toBuffer());
  await write('cat/alpha.png', patternImage(25).ensureAlpha(0.5).png().toBuffer());
  await write('cat/deep16.png', patternImage(26).toColourspace('rgb16').png().toBuffer());
  await write('cat/tiny.png', sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } }).png().toBuffer());
  await write('cat/wide.jpg', patternJpeg(27, 400, 40));
  const frames = await Promise.all([28, 29].map((s) => patternImage(s).png().toBuffer()));
  await write('cat/animated.gif', sharp(frames, { join: { animated: true } }).gif().toBuffer());
  await write('cat/pic.webp', patternImage(30).webp().toBuffer());
  const jpeg = await patternJpeg(31, 200, 150);
  await write('cat/truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
  const png = await patternImage(32, 200, 150).png().toBuffer();
  await write('cat/truncated.png', png.subarray(0, Math.floor(png.length * 0.6)));
  await write('cat/empty.jpg', Buffer.alloc(0));
  await write('cat/notes.jpg', '<!DOCTYPE html><html><body>404 Not Found</body></html>\n');
  await write('cat/old.bmp', tinyBmp());
  await write('cat/zz-copy.jpg', fs.readFileSync(path.join(src, 'cat/good-0.jpg')));
  await write('cat/near-copy.jpg', patternJpeg(1, 192, 144));
  await write('dog/same-as-cat.jpg', fs.readFileSync(path.join(src, 'cat/good-1.jpg')));
  await write('cat/.DS_Store', 'Bud1');
  await write('cat/Thumbs.db', 'thumbs');
  await write('README.txt', 'my photos');
  // Tests run as root, so chmod 000 would not stop a read: unreadable is a folder named like an image, and a dangling link.
  fs.mkdirSync(path.join(src, 'cat/folder.jpg'));
  fs.symlinkSync(path.join(src, 'cat/nowhere.jpg'), path.join(src, 'cat/broken.jpg'));
  fs.symlinkSync('..', path.join(src, 'cat/loop'));
  fs.mkdirSync(path.join(src, 'empty'));
}

/** sha256 of every regular file under a folder (links not followed), to prove the originals were never touched. */
function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out[path.relative(dir, p)] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

async function prepare(config: Record<string, unknown>) {
  const events: TrainerEvent[] = [];
  const terminal = await runJob('prepare', config, { emit: (e) => events.push(e), signal: new AbortController().signal });
  return { terminal, events };
}

describe('prepare on a generated corpus of bad inputs', () => {
  let before_: Record<string, string>;
  let result: PrepareResult;
  let manifest: DatasetManifest;
  let events: TrainerEvent[];

  before(async () => {
    await buildCorpus();
    before_ = hashTree(src);
    const r = await prepare({ source: src, out });
    assert.equal(r.terminal.type, 'done', JSON.stringify(r.terminal));
    result = (r.terminal as { result: PrepareResult }).result;
    events = r.events;
    const parsed = parseManifest(JSON.parse(fs.readFileSync(path.join(out, 'dataset.json'), 'utf8')));
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    manifest = parsed.value;
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  // kind, the file, the finding it must get (null: none), and whether the file must end up placed.
  const table: [string, string, string | null, 'excluded' | 'kept' | 'none'][] = [
    ['truncated JPEG', 'cat/truncated.jpg', 'truncated', 'excluded'],
    ['truncated PNG', 'cat/truncated.png', 'truncated', 'excluded'],
    ['zero-byte file', 'cat/empty.jpg', 'empty-file', 'excluded'],
    ['text saved as .jpg', 'cat/notes.jpg', 'not-an-image', 'excluded'],
    ['unsupported format (BMP)', 'cat/old.bmp', 'unsupported-format', 'excluded'],
    ['unreadable: a folder named x.jpg', 'cat/folder.jpg', 'unreadable', 'excluded'],
    ['unreadable: a dangling symlink', 'cat/broken.jpg', 'unreadable', 'excluded'],
    ['exact duplicate within a class', 'cat/zz-copy.jpg', 'duplicate', 'excluded'],
    ['label conflict (same image in two classes)', 'dog/same-as-cat.jpg', 'label-conflict', 'excluded'],
    ['label conflict, the other copy', 'cat/good-1.jpg', 'label-conflict', 'excluded'],
    ['PNG with alpha', 'cat/alpha.png', 'alpha', 'kept'],
    ['16-bit PNG', 'cat/deep16.png', 'high-bit-depth', 'kept'],
    ['grayscale', 'cat/grey.png', 'grayscale', 'kept'],
    ['CMYK JPEG', 'cat/cmyk.jpg', 'cmyk', 'kept'],
    ['EXIF-rotated', 'cat/rotated.jpg', 'exif-orientation', 'kept'],
    ['1×1 image', 'cat/tiny.png', 'tiny', 'kept'],
    ['extreme aspect ratio', 'cat/wide.jpg', 'extreme-aspect', 'kept'],
    ['animated GIF (first frame)', 'cat/animated.gif', 'animated', 'kept'],
    ['near-duplicate (resized copy)', 'cat/near-copy.jpg', 'near-duplicate', 'kept'],
    ['WebP', 'cat/pic.webp', null, 'kept'],
    ['name with spaces', 'cat/with space.jpg', null, 'kept'],
    ['non-ASCII name', 'cat/café naïve 写真.jpg', null, 'kept'],
    ['symlink loop', 'cat/loop', 'symlink-loop', 'none'],
    ['empty class folder', 'empty', 'empty-class', 'none'],
    ['non-image file', 'README.txt', 'ignored-files', 'none'],
  ];

  for (const [kind, rel, code, outcome] of table) {
    it(`${kind}: ${rel} → ${code ?? 'no finding'}, ${outcome}`, () => {
      const abs = path.join(src, rel);
      const mine = result.findings.filter((f) => f.files.includes(rel));
      if (code) {
        const f = mine.find((x) => x.code === code);
        assert.ok(f, `no "${code}" finding for ${rel}; got ${JSON.stringify(mine.map((x) => x.code))}`);
        assert.ok(f.message.includes(rel), `the message names the file: ${f.message}`);
        if (f.severity !== 'info') assert.ok(f.hint, `a ${f.severity} says what to do`);
      } else {
        assert.deepEqual(mine.filter((f) => f.code !== 'near-duplicate'), [], 'no finding');
      }
      const placed = manifest.files.find((f) => f.source === abs);
      const excluded = manifest.excluded.find((e) => e.file === abs);
      if (outcome === 'kept') {
        assert.ok(placed, `${rel} is placed`);
        assert.equal(excluded, undefined);
        const dest = path.join(out, placed.path);
        assert.equal(createHash('sha256').update(fs.readFileSync(dest)).digest('hex'), placed.sha256);
        assert.equal(path.basename(placed.path).replace(/~[0-9a-f]{8}/, ''), path.basename(rel), 'the name is kept');
      } else if (outcome === 'excluded') {
        assert.equal(placed, undefined, `${rel} is not placed`);
        assert.ok(excluded, `${rel} is listed as excluded`);
        assert.equal(excluded.code, code);
        assert.ok(excluded.reason.includes(rel));
      } else {
        // Not an image to place (a loop, an empty folder, a text file): a finding only, in neither list.
        assert.equal(outcome, 'none');
        assert.equal(placed, undefined, `${rel} is placed`);
        assert.equal(excluded, undefined, `${rel} is listed as excluded`);
      }
    });
  }

  it('ignores .DS_Store and Thumbs.db silently', () => {
    const text = JSON.stringify(manifest) + JSON.stringify(result);
    assert.ok(!text.includes('.DS_Store') && !text.includes('Thumbs.db'));
  });

  it('reports sizes upright and the class imbalance the exclusions cause', () => {
    const rotated = manifest.files.find((f) => f.source.endsWith('rotated.jpg'))!;
    assert.deepEqual([rotated.width, rotated.height], [60, 80]);
    assert.ok(result.findings.some((f) => f.code === 'class-imbalance' && /"cat" has 19 images, "dog" has 4/.test(f.message)), JSON.stringify(result.findings.map((f) => f.message)));
    assert.ok(result.findings.some((f) => f.code === 'small-class'));
  });

  it('succeeds on the good files: 19 cat and 4 dog images placed, a dataset event and scan progress sent', () => {
    const perClass = (c: string) => manifest.files.filter((f) => f.class === c).length;
    assert.deepEqual([perClass('cat'), perClass('dog')], [19, 4]);
    assert.deepEqual(manifest.classes, ['cat', 'dog']);
    assert.equal(manifest.excluded.length, 10);
    const dataset = events.find((e) => e.type === 'dataset');
    assert.ok(dataset && dataset.type === 'dataset' && dataset.samples.length > 0);
    const onTheWire = parseTrainerMessage(JSON.parse(JSON.stringify(withVersion(dataset))));
    assert.ok(onTheWire.ok, onTheWire.ok ? '' : onTheWire.error);
    assert.deepEqual(dataset.findings, result.findings);
    assert.ok(events.some((e) => e.type === 'progress' && e.phase === 'scan' && e.done === e.total));
    assert.ok(events.some((e) => e.type === 'progress' && e.phase === 'place'));
  });

  it('undo removes only what was created, and the corpus is byte-for-byte unchanged', async () => {
    const r = await prepare({ source: src, out, undo: true });
    assert.equal(r.terminal.type, 'done', JSON.stringify(r.terminal));
    assert.equal((r.terminal as { result: UndoResult }).result.removedFiles, manifest.files.length);
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(hashTree(src), before_);
    assert.ok(fs.lstatSync(path.join(src, 'cat/broken.jpg')).isSymbolicLink());
  });

  it('a single class is an unusable layout, with an explanation', async () => {
    const one = path.join(tmp, 'one');
    fs.mkdirSync(path.join(one, 'cats'), { recursive: true });
    fs.writeFileSync(path.join(one, 'cats/a.jpg'), await patternJpeg(5));
    const r = await prepare({ source: one });
    assert.equal(r.terminal.type, 'error');
    const e = r.terminal as { code: string; message: string; hint?: string };
    assert.equal(e.code, 'bad-layout');
    assert.match(e.message, /only one class, "cats"/);
    assert.match(e.hint ?? '', /its own folder/);
    assert.equal(fs.existsSync(`${one}-prepared`), false, 'nothing written');
  });
});

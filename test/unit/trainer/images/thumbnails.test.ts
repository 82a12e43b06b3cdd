import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { thumbnailDirOf, thumbnailOf, thumbnailsOf } from '../../../../src/trainer/images/thumbnails';
import { SHARED } from '../../../fixtures/cliRun';

const CAT = path.join(SHARED, 'data/dogs-vs-cats/train/cat.1.jpg');

describe('thumbnails for the dashboard', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-thumbs-'));

  it('makes a small JPEG of a real photo once, and reuses it while the photo is unchanged', async () => {
    const before = fs.statSync(CAT).mtimeMs;
    const t = await thumbnailOf(CAT, dir);
    assert.ok(t && t.startsWith(dir));
    const meta = await sharp(t).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.ok(Math.max(meta.width!, meta.height!) === 160, `${meta.width}×${meta.height}`);
    assert.ok(fs.statSync(t).size < fs.statSync(CAT).size);
    const made = fs.statSync(t).mtimeMs;
    assert.equal(await thumbnailOf(CAT, dir), t);
    assert.equal(fs.statSync(t).mtimeMs, made, 'the cached thumbnail was rewritten');
    assert.equal(fs.statSync(CAT).mtimeMs, before, 'the original was touched');
  });

  it('gives a new thumbnail when the image changes, and none for a broken or missing file', async () => {
    const copy = path.join(dir, 'photo.jpg');
    fs.copyFileSync(CAT, copy);
    const a = await thumbnailOf(copy, dir);
    fs.writeFileSync(copy, await sharp(CAT).flop().jpeg().toBuffer());
    fs.utimesSync(copy, new Date(), new Date(Date.now() + 5000));
    const b = await thumbnailOf(copy, dir);
    assert.ok(a && b && a !== b);
    fs.writeFileSync(path.join(dir, 'broken.jpg'), fs.readFileSync(CAT).subarray(0, 500));
    const [ok, broken, missing] = await thumbnailsOf([CAT, path.join(dir, 'broken.jpg'), path.join(dir, 'nope.jpg')], dir);
    assert.ok(ok);
    assert.equal(broken, undefined);
    assert.equal(missing, undefined);
  });

  it('is made only where a caller asked for it or a run owns it', () => {
    assert.equal(thumbnailDirOf({}), undefined);
    assert.equal(thumbnailDirOf({}, '/runs/r1'), path.join('/runs/r1', 'thumbnails'));
    assert.equal(thumbnailDirOf({ thumbnailDir: '/cache/t' }, '/runs/r1'), path.resolve('/cache/t'));
  });
});

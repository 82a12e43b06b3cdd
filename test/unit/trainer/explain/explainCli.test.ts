// Grad-CAM, the explain command and test-time augmentation end to end, through the CLI as a user runs them, on the
// shared dogs-vs-cats photos and a quick MobileNet v1 0.25 run (needs `npm run build`). About 40 s on 2 cores.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { CLI, cliJson, SHARED, V1 } from '../../../fixtures/cliRun';

const TRAIN = path.join(SHARED, 'data/dogs-vs-cats/train');
const TEST_IMAGES = path.join(SHARED, 'data/dogs-vs-cats/test');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-explain-'));

interface Explained {
  runDir: string; classes: string[]; layer: string; seconds: number;
  items: { file: string; probabilities: number[]; predicted: string; probability: number; overlay: string; peak: { x: number; y: number } }[];
  skipped: { file: string; reason: string }[];
}

/** A grey 448² canvas with `photo`, shrunk to 176², pasted 8 px from the given corner. */
async function pasted(photo: string, corner: 'tl' | 'tr' | 'bl' | 'br', out: string): Promise<void> {
  const side = 448, n = 176, m = 8;
  const left = corner.endsWith('l') ? m : side - m - n, top = corner.startsWith('t') ? m : side - m - n;
  const subject = await sharp(photo).resize(n, n, { fit: 'cover' }).toBuffer();
  await sharp({ create: { width: side, height: side, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .composite([{ input: subject, left, top }]).png().toFile(out);
}

describe('explain and test-time augmentation (CLI, real data, a real backbone)', () => {
  let run: { dir: string; counts: { val: number[] } };
  let trainLog = '';
  /** The val grid as train wrote it (later evaluates rewrite the file). */
  let trainGrid: { file: string; heatmap?: string; label: string }[] = [];

  before(() => {
    const prepared = path.join(work, 'prepared');
    cliJson(['prepare', path.join(SHARED, 'data/dogs-vs-cats'), '--out', prepared, '--copy', '--json']);
    const trained = cliJson(['train', prepared, '--backbone', V1, '--resize', 'fill', '--max-per-class', '100',
      '--epochs', '10', '--runs', path.join(work, 'runs'), '--cache', path.join(work, 'cache'), '--json']);
    run = trained.json;
    trainLog = trained.stderr;
    trainGrid = JSON.parse(fs.readFileSync(path.join(run.dir, 'dashboard/predictions-val.json'), 'utf8')).items;
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('the heatmap of a subject pasted into a corner of a grey canvas peaks in that corner', async () => {
    const dir = path.join(work, 'pasted');
    fs.mkdirSync(dir);
    const corners = ['tl', 'tr', 'bl', 'br'] as const;
    for (const photo of ['cat.1.jpg', 'dog.1.jpg']) {
      for (const c of corners) await pasted(path.join(TRAIN, photo), c, path.join(dir, `${photo.split('.')[0]}-${c}.png`));
    }
    const r = cliJson(['explain', run.dir, dir, '--out', path.join(work, 'pasted-out'), '--json']).json as Explained;
    assert.equal(r.layer, 'conv_pw_13_relu', 'the feature extractor is differentiated at its cut');
    assert.equal(r.items.length, 8);
    for (const i of r.items) {
      const name = path.basename(i.file, '.png');
      const [animal, corner] = name.split('-');
      assert.equal(i.predicted, animal, `${name} is classified as ${i.predicted}`);
      const inX = corner.endsWith('l') ? i.peak.x < 0.5 : i.peak.x > 0.5;
      const inY = corner.startsWith('t') ? i.peak.y < 0.5 : i.peak.y > 0.5;
      assert.ok(inX && inY, `${name}: the heatmap peaks at ${JSON.stringify(i.peak)}, outside its corner`);
    }
  });

  it('a fine-tuned run is explained at the last conv layer of its trained top, and still points at the subject', async () => {
    const tuned = cliJson(['train', '--from', run.dir, '--epochs', '2', '--runs', path.join(work, 'runs'),
      '--cache', path.join(work, 'cache'), '--json']).json as { dir: string; unfreezeFrom: string };
    const dir = path.join(work, 'pasted-tuned');
    fs.mkdirSync(dir);
    for (const c of ['tl', 'br'] as const) await pasted(path.join(TRAIN, 'cat.1.jpg'), c, path.join(dir, `cat-${c}.png`));
    const r = cliJson(['explain', tuned.dir, dir, '--out', path.join(work, 'tuned-out'), '--json']).json as Explained;
    assert.equal(tuned.unfreezeFrom, 'block_13');
    assert.equal(r.layer, 'conv_pw_13_relu');
    const [bottomRight, topLeft] = r.items;
    assert.ok(topLeft.peak.x < 0.5 && topLeft.peak.y < 0.5, JSON.stringify(topLeft.peak));
    assert.ok(bottomRight.peak.x > 0.5 && bottomRight.peak.y > 0.5, JSON.stringify(bottomRight.peak));
  });

  it('writes one overlay per image, gives the probabilities predict gives, and skips what it cannot read', async () => {
    const mixed = path.join(work, 'mixed');
    fs.mkdirSync(mixed);
    fs.writeFileSync(path.join(mixed, 'notes.txt'), 'not a picture\n');
    const jpeg = fs.readFileSync(path.join(TEST_IMAGES, '5.jpg'));
    fs.writeFileSync(path.join(mixed, 'broken.jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
    const given = ['1.jpg', '2.jpg', '3.jpg'].map((f) => path.join(TEST_IMAGES, f));
    const before = given.map((f) => fs.statSync(f).mtimeMs);
    const out = path.join(work, 'explained');
    const r = cliJson(['explain', run.dir, ...given, mixed, '--out', out, '--size', '200', '--opacity', '0.6', '--json'])
      .json as Explained;
    assert.deepEqual(r.classes, ['cat', 'dog']);
    assert.deepEqual(r.items.map((i) => i.file), given);
    assert.deepEqual(r.skipped.map((s) => path.basename(s.file)).sort(), ['broken.jpg', 'notes.txt']);
    assert.match(r.skipped.find((s) => s.file.endsWith('broken.jpg'))!.reason, /truncated/);
    for (const i of r.items) {
      assert.match(path.basename(i.overlay), /^\d+\.[0-9a-f]{8}\.gradcam\.jpg$/);
      assert.equal(path.dirname(i.overlay), out);
      const meta = await sharp(i.overlay).metadata();
      assert.equal(meta.format, 'jpeg');
      assert.equal(Math.max(meta.width!, meta.height!), 200, `${i.overlay} is ${meta.width}×${meta.height}`);
      assert.ok(Math.abs(i.probabilities[0] + i.probabilities[1] - 1) < 1e-5);
      assert.equal(i.probability, Math.max(...i.probabilities));
      assert.equal(i.predicted, r.classes[i.probabilities.indexOf(i.probability)]);
    }
    assert.deepEqual(fs.readdirSync(out).sort(), r.items.map((i) => path.basename(i.overlay)).sort(), 'no temp files left');
    assert.deepEqual(given.map((f) => fs.statSync(f).mtimeMs), before, 'the originals are only read');
    // The same probabilities as the saved model gives through predict (its CSV holds P(dog) to 6 decimals).
    const csv = path.join(work, 'three.csv');
    const only = path.join(work, 'three');
    fs.mkdirSync(only);
    for (const f of given) fs.copyFileSync(f, path.join(only, path.basename(f)));
    cliJson(['predict', run.dir, only, '--out', csv, '--json']);
    const pDog = fs.readFileSync(csv, 'utf8').trimEnd().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    r.items.forEach((i, k) => assert.ok(Math.abs(i.probabilities[1] - pDog[k]) < 1e-4, `${i.file}: ${i.probabilities[1]} vs ${pDog[k]}`));
  });

  it("--tta flip gives an image and its mirror image the same probabilities; without it they differ", async () => {
    const dir = path.join(work, 'mirror');
    fs.mkdirSync(dir);
    // 224² PNGs, the run's own input size: no resampling, so b is exactly a's mirror as the model sees it.
    const original = sharp(path.join(TRAIN, 'cat.3.jpg')).resize(224, 224, { fit: 'fill' });
    await original.clone().png().toFile(path.join(dir, 'a.png'));
    await original.clone().flop().png().toFile(path.join(dir, 'b.png'));
    const pDog = (tta: string) => {
      const csv = path.join(work, `mirror-${tta}.csv`);
      const r = cliJson(['predict', run.dir, dir, '--out', csv, '--tta', tta, '--json']).json as { tta?: string };
      assert.equal(r.tta, tta === 'none' ? undefined : tta);
      return fs.readFileSync(csv, 'utf8').trimEnd().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    };
    const [a, b] = pDog('none');
    assert.ok(Math.abs(a - b) > 1e-4, `the model already gives the mirror the same P(dog) (${a}, ${b}): the test proves nothing`);
    const [ta, tb] = pDog('flip');
    assert.ok(Math.abs(ta - tb) <= 1e-6, `with --tta flip: ${ta} vs ${tb}`);
    assert.ok(Math.abs(ta - (a + b) / 2) <= 2e-6, `the mean of the two views: ${ta} vs ${(a + b) / 2}`);
  });

  it('evaluate --tta flip+crops measures the same val split and says so', () => {
    const plain = cliJson(['evaluate', run.dir, '--json']).json as { count: number; accuracy: number; logLoss: number; tta?: string };
    const r = cliJson(['evaluate', run.dir, '--tta', 'flip+crops', '--json']).json as typeof plain;
    assert.equal(r.tta, 'flip+crops');
    assert.equal(plain.tta, undefined);
    assert.equal(r.count, plain.count);
    assert.ok(r.accuracy > 0.7 && Number.isFinite(r.logLoss), JSON.stringify(r));
    assert.notEqual(r.logLoss, plain.logLoss, 'averaging seven views changed nothing');
    const text = spawnSync(process.execPath, [CLI, 'evaluate', run.dir, '--tta', 'flip', '--top-losses', '0'], { encoding: 'utf8' });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /test-time augmentation: flip/);
  });

  it("every grid tile carries its class probabilities and a Grad-CAM thumbnail of the class it shows", async () => {
    interface Tile { file: string; heatmap?: string; thumbnail?: string; probabilities?: number[]; label?: string; predicted?: string }
    const read = (name: string) => JSON.parse(fs.readFileSync(path.join(run.dir, 'dashboard', `${name}.json`), 'utf8'));
    cliJson(['evaluate', run.dir, '--json']);
    cliJson(['predict', run.dir, TEST_IMAGES, '--out', path.join(work, 'grid.csv'), '--json']);
    const lists: [string, Tile[]][] = [
      ['train val grid', trainGrid], ['evaluate val grid', read('predictions-val').items],
      ['top losses', read('evaluation').topLosses], ['test grid', read('predictions-test').items],
    ];
    for (const [what, tiles] of lists) {
      assert.ok(tiles.length > 0, what);
      for (const t of tiles) {
        const shown = t.label ?? t.predicted;
        assert.ok(t.probabilities && Math.abs(t.probabilities[0] + t.probabilities[1] - 1) < 1e-5, `${what} ${t.file}`);
        assert.equal(shown, ['cat', 'dog'][t.probabilities.indexOf(Math.max(...t.probabilities))], `${what} ${t.file}`);
        assert.ok(t.heatmap && t.heatmap !== t.thumbnail && fs.existsSync(t.heatmap), `${what}: ${t.file} has no heatmap`);
        assert.match(t.heatmap, /\.gradcam\.jpg$/);
        assert.equal(path.dirname(path.dirname(t.heatmap)), path.join(run.dir, 'thumbnails'), 'cached beside the thumbnails');
      }
    }
    const meta = await sharp(lists[3][1][0].heatmap!).metadata();
    assert.equal(Math.max(meta.width!, meta.height!), 160);
    // The val grid's heatmaps were made once, by train: evaluate found them cached under the same names.
    const byTrain = new Map(trainGrid.map((t) => [`${t.file} ${t.label}`, t.heatmap]));
    const shared = (lists[1][1]).filter((t) => byTrain.has(`${t.file} ${t.label}`));
    assert.ok(shared.length > 30, `${shared.length} tiles in common`);
    for (const t of shared) assert.equal(t.heatmap, byTrain.get(`${t.file} ${t.label}`));
    const made = /grid heatmaps: (\d+) made in ([\d.]+) s/.exec(trainLog);
    assert.ok(made, 'train says how long its grid heatmaps took');
    process.stdout.write(`# train: ${made[1]} grid heatmaps in ${made[2]} s\n`);
  });

  it('refuses a bad --tta, --opacity or a missing image with a usage error', () => {
    const cases: [string[], RegExp][] = [
      [['evaluate', run.dir, '--tta', 'rotate'], /--tta must be one of none, flip, flip\+crops/],
      [['explain', run.dir, TEST_IMAGES, '--opacity', '1.5'], /--opacity must be a number from 0 to 1/],
      [['explain', run.dir], /at least one image or folder/],
    ];
    for (const [args, message] of cases) {
      const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});

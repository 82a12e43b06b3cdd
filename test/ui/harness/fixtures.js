// Realistic dashboard messages for the static harness, made from real outputs of the CLI in this repo: a dry-run
// prepare of the flowers set (its known duplicates and label conflicts give real health findings), and a small
// flowers run (train, evaluate, predict) for epochs, layers, grids and the evaluation. Guidance events are
// hand-written in the protocol's shapes until the learning-curve and LR-finder jobs emit real ones.
// Thumbnails are made with sharp the way the trainer makes them (160 px JPEG); `thumbnailUrl` turns a path into
// the URL the harness serves it under, as the extension's asWebviewUri does.
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const REPO = path.resolve(__dirname, '../../..');
const SHARED = path.resolve(REPO, '../shared');
const CLI = path.join(REPO, 'dist/cli.js');
const CLASSES = ['daisy', 'dandelion', 'rose', 'sunflower', 'tulip'];

function cli(args) {
  return JSON.parse(execFileSync(process.execPath, [CLI, ...args, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 }));
}

async function thumbnails(files, dir) {
  const sharp = require(path.join(REPO, 'node_modules/sharp'));
  fs.mkdirSync(dir, { recursive: true });
  const out = new Map();
  for (const f of files) {
    const t = path.join(dir, `${crypto.createHash('sha1').update(f).digest('hex')}.jpg`);
    if (!fs.existsSync(t)) await sharp(f).rotate().resize(160, 160, { fit: 'inside' }).jpeg({ quality: 80 }).toFile(t);
    out.set(f, t);
  }
  return out;
}

/** Runs the CLI once into `work` (about a minute), then reuses what it wrote. */
async function buildFixtures(work, thumbnailUrl) {
  const cached = path.join(work, 'raw.json');
  let raw;
  if (fs.existsSync(cached)) raw = JSON.parse(fs.readFileSync(cached, 'utf8'));
  else {
    fs.mkdirSync(path.join(work, 'test'), { recursive: true });
    // A small unlabeled "test folder": the last few images of each class, copied (predict skips symlinks).
    for (const c of CLASSES) {
      for (const f of fs.readdirSync(path.join(SHARED, 'data/flowers', c)).sort().slice(-5)) fs.copyFileSync(path.join(SHARED, 'data/flowers', c, f), path.join(work, 'test', f));
    }
    const dataset = cli(['prepare', path.join(SHARED, 'data/flowers'), '--out', path.join(work, 'full'), '--dry-run']);
    cli(['prepare', path.join(SHARED, 'data/flowers'), '--out', path.join(work, 'prepared'), '--max-per-class', '60']);
    const run = cli(['train', path.join(work, 'prepared'), '--backbone', path.join(SHARED, 'models/mobilenet_v1_0.25_224_layers'), '--epochs', '15',
      '--runs', path.join(work, 'runs'), '--cache', path.join(work, 'cache')]);
    const evaluation = cli(['evaluate', run.dir]);
    const predict = cli(['predict', run.dir, path.join(work, 'test')]);
    raw = { dataset, run, evaluation, predict };
    fs.writeFileSync(cached, JSON.stringify(raw));
  }
  const { dataset, run, evaluation } = raw;
  const runJson = JSON.parse(fs.readFileSync(path.join(run.dir, 'run.json'), 'utf8'));
  const layers = JSON.parse(fs.readFileSync(path.join(run.dir, 'layers.json'), 'utf8'));
  const valPredictions = JSON.parse(fs.readFileSync(path.join(run.dir, 'val-predictions.json'), 'utf8'));
  const csv = fs.readFileSync(raw.predict.out, 'utf8').trim().split('\n').map((l) => l.split(','));
  const testFiles = new Map(fs.readdirSync(path.join(work, 'test')).map((f) => [path.parse(f).name, path.join(work, 'test', f)]));

  const files = [...dataset.samples.map((s) => s.file), ...valPredictions.map((p) => p.file), ...testFiles.values(), ...evaluation.topLosses.map((t) => t.file)];
  const thumbs = await thumbnails([...new Set(files)], path.join(work, 'thumbnails'));
  const thumb = (f) => (thumbs.has(f) ? thumbnailUrl(thumbs.get(f)) : undefined);
  const argmax = (ps) => ps.indexOf(Math.max(...ps));

  const event = (e) => ({ type: 'event', event: e });
  const datasetEvent = event({
    type: 'dataset', layout: dataset.layout, layoutReason: dataset.layoutReason, source: dataset.source, output: dataset.output,
    classes: dataset.classes, counts: dataset.counts, findings: dataset.findings, dryRun: true,
    // The event carries sample paths relative to the source, as the protocol says.
    samples: dataset.samples.map((s) => ({ ...s, file: path.relative(dataset.source, s.file), thumbnail: thumb(s.file) })),
  });
  const epochs = runJson.history.map((h) => event({ type: 'epoch', stage: runJson.mode, ...h }));
  const total = runJson.history.length;
  const progress = (done) => event({ type: 'progress', phase: 'training', done, total, etaSeconds: (total - done) * 0.2 });
  const layersEvent = event({ type: 'layers', layers, runDir: run.dir });
  const valEvent = event({
    type: 'predictions', kind: 'val', runDir: run.dir, classes: runJson.classes,
    items: valPredictions.map((p) => {
      const k = argmax(p.probabilities);
      return { file: p.file, thumbnail: thumb(p.file), label: runJson.classes[k], probability: p.probabilities[k], truth: p.truth };
    }),
  });
  const [header, ...rows] = csv;
  const testEvent = event({
    type: 'predictions', kind: 'test', runDir: run.dir, classes: runJson.classes,
    items: rows.map((r) => {
      const ps = r.slice(1).map(Number);
      const k = argmax(ps);
      const file = testFiles.get(r[0]);
      return { file, thumbnail: thumb(file), label: header[k + 1], probability: ps[k] };
    }),
  });
  const evaluationEvent = event({
    type: 'evaluation', runDir: run.dir, classes: evaluation.classes, count: evaluation.count, accuracy: evaluation.accuracy,
    logLoss: evaluation.logLoss, ...(evaluation.auc !== undefined ? { auc: evaluation.auc } : {}),
    confusion: evaluation.confusion, perClass: evaluation.perClass,
    topLosses: evaluation.topLosses.slice(0, 8).map((t) => ({ ...t, thumbnail: thumb(t.file) })),
  });
  return {
    reset: (title) => ({ type: 'reset', title }),
    engine: event({ type: 'engine', engine: runJson.engine, version: '4.22.0', slowPath: runJson.engine !== 'tfjs-node' && runJson.engine !== 'tfjs-node-gpu' }),
    dataset: datasetEvent, epochs, progress, layers: layersEvent, val: valEvent, test: testEvent, evaluation: evaluationEvent,
    guidance: guidanceEvents(run.dir).map(event),
    done: event({ type: 'done', job: 'train', runId: run.id, result: {} }),
  };
}

function guidanceEvents(runDir) {
  const sizes = [24, 48, 96, 192, 300];
  const points = sizes.map((size, i) => ({
    type: 'curvePoint', size, total: 300, desiredError: 0.1,
    train: { mean: [0.02, 0.08, 0.14, 0.19, 0.22][i], std: [0.02, 0.03, 0.02, 0.015, 0.01][i] },
    dev: { mean: [0.71, 0.6, 0.52, 0.47, 0.45][i], std: [0.06, 0.05, 0.04, 0.03, 0.02][i] },
    trainDev: { mean: [0.5, 0.42, 0.36, 0.32, 0.3][i], std: [0.05, 0.04, 0.03, 0.02, 0.02][i] },
  }));
  const lrs = Array.from({ length: 60 }, (_, i) => 1e-6 * 10 ** (i / 10));
  const losses = lrs.map((lr) => {
    const x = Math.log10(lr);
    return 1.62 - 0.9 / (1 + Math.exp(-(x + 3.6) * 2.2)) + (x > -1.6 ? (x + 1.6) ** 2 * 1.8 : 0) + 0.02 * Math.sin(x * 7);
  });
  return [
    {
      type: 'guidance', kind: 'strategy', label: 'Small dataset, similar to ImageNet', summary:
        'With 60 images per class of everyday photos, a frozen backbone with a small head is the safe start; fine-tune the top block only once the head has converged.',
      evidence: [{ name: 'images per class', value: 60 }, { name: 'classes', value: 5 }, { name: 'similarity to ImageNet', value: 0.82, note: 'mean top-5 confidence of the backbone' }],
      recommendations: [
        { id: 'feature-extractor', title: 'Train a feature extractor', why: 'Uses the backbone as it is; only the head learns.', command: 'transferLab.trainFeatureExtractor' },
        { id: 'augment', title: 'Keep augmentation on', why: 'Flips and crops are cheap extra data for a small set.' },
      ],
    },
    ...points,
    {
      type: 'guidance', kind: 'diagnosis', label: 'High variance (overfitting)', summary:
        'Train error is far below dev error and the gap is still closing as the training set grows: the model memorises what it sees. More data, more augmentation or a stronger regulariser should help more than a bigger model.',
      evidence: [{ name: 'train error', value: 0.22 }, { name: 'dev error', value: 0.45 }, { name: 'train-dev error', value: 0.3, note: 'same distribution as train, not trained on' },
        { name: 'desired error', value: 0.1 }, { name: 'dev slope per doubling', value: -0.05 }],
      moreDataLikelyHelps: true,
      recommendations: [
        { id: 'more-data', title: 'Add more labelled images', why: 'Dev error still falls about 5 points per doubling of the training set.' },
        { id: 'augment-more', title: 'Retrain with stronger augmentation', why: 'More varied views of the same images narrow the train/dev gap.', command: 'transferLab.trainFeatureExtractor', args: { augment: 4 } },
        { id: 'fine-tune', title: 'Fine-tune the top block', why: 'Once variance is under control, adapting the top features lowers bias.', command: 'transferLab.fineTune', args: { runDir, unfreezeFrom: 'block_13' } },
      ],
    },
    { type: 'lrFind', lrs, losses, suggestion: 3.2e-4 },
  ];
}

module.exports = { buildFixtures };

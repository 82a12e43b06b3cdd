// The UI test's workspace, made with this repo's CLI before code-server starts: a small raw Kaggle-style folder
// for Prepare Dataset's preview, and a prepared slice of dogs-vs-cats with a trained, evaluated and predicted run
// under .transfer-lab/runs, where the Saved Models view and "Open in Dashboard" find it.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REPO = path.resolve(__dirname, '../..');
// CI keeps the shared data and models beside the repository.
const SHARED = process.env.TL_SHARED || path.resolve(__dirname, '../../../shared');

function cli(cwd, args) {
  const out = execFileSync(process.execPath, [path.join(REPO, 'dist/cli.js'), ...args, '--json'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out);
}

function makeWorkspace() {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-ui-ws-'));
  const dogsVsCats = path.join(SHARED, 'data/dogs-vs-cats');
  // 24 photos per class in train/ and a few unlabeled ones in test/: what a person downloads from Kaggle.
  fs.mkdirSync(path.join(ws, 'pets/train'), { recursive: true });
  fs.mkdirSync(path.join(ws, 'pets/test'), { recursive: true });
  for (const c of ['cat', 'dog']) for (let i = 0; i < 24; i++) fs.copyFileSync(path.join(dogsVsCats, `train/${c}.${i}.jpg`), path.join(ws, `pets/train/${c}.${i}.jpg`));
  for (let i = 1; i <= 6; i++) fs.copyFileSync(path.join(dogsVsCats, `test/${i}.jpg`), path.join(ws, `pets/test/${i}.jpg`));

  const prepared = path.join(ws, 'dogs-vs-cats-prepared');
  const lab = path.join(ws, '.transfer-lab');
  cli(ws, ['prepare', dogsVsCats, '--out', prepared, '--max-per-class', '20']);
  const run = cli(ws, ['train', prepared, '--backbone', path.join(SHARED, 'models/mobilenet_v1_0.25_224_layers'), '--epochs', '3',
    '--runs', path.join(lab, 'runs'), '--cache', path.join(lab, 'cache')]);
  const evaluation = cli(ws, ['evaluate', run.dir]);
  cli(ws, ['predict', run.dir, path.join(prepared, 'test')]);
  const layers = JSON.parse(fs.readFileSync(path.join(run.dir, 'layers.json'), 'utf8'));
  const testGrid = JSON.parse(fs.readFileSync(path.join(run.dir, 'dashboard/predictions-test.json'), 'utf8')).items.length;
  return { ws, run, evaluation, layers, testGrid };
}

module.exports = { makeWorkspace, SHARED };

// Static harness for the Compare Runs webview: loads media/dist/compare.js and its CSS in headless Chromium with an
// acquireVsCodeApi stub and each theme a real code-server webview gets, posts the comparison of real runs (two
// feature extractors that differ in learning rate and augmentation, one evaluated, and a fine-tune of it), checks
// what a person can do, and screenshots it to test-results/harness/compare-<theme>.png.
// `npm run build && node test/ui/harness/compareHarness.js` (the runs are trained once, about a minute, then reused).
//   TL_HARNESS_DIR   where the runs are kept between runs (default: $TMPDIR/tl-compare-harness)
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { REPO, ORIGIN, OUT, page, eachTheme } = require('./harnessPage');

const SHARED = process.env.TL_SHARED || path.resolve(REPO, '../shared');

const cli = (args) => JSON.parse(execFileSync(process.execPath, [path.join(REPO, 'dist/cli.js'), ...args, '--json'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').at(-1));

function runs(work) {
  const saved = path.join(work, 'runs.json');
  if (fs.existsSync(saved)) return JSON.parse(fs.readFileSync(saved, 'utf8'));
  const v1 = path.join(SHARED, 'models/mobilenet_v1_0.25_224_layers');
  const prepared = path.join(work, 'prepared');
  cli(['prepare', path.join(SHARED, 'data/dogs-vs-cats'), '--out', prepared, '--max-per-class', '60']);
  const common = ['--runs', path.join(work, 'runs'), '--cache', path.join(work, 'cache')];
  const a = cli(['train', prepared, '--backbone', v1, '--epochs', '12', '--lr', '0.001', '--augment', '0', ...common]).dir;
  const b = cli(['train', prepared, '--backbone', v1, '--epochs', '12', '--lr', '0.003', '--augment', '1', ...common]).dir;
  cli(['evaluate', a]);
  const c = cli(['train', '--from', a, '--epochs', '4', ...common]).dir;
  fs.writeFileSync(saved, JSON.stringify([a, b, c]));
  return [a, b, c];
}

async function run() {
  const work = process.env.TL_HARNESS_DIR || path.join(os.tmpdir(), 'tl-compare-harness');
  fs.mkdirSync(work, { recursive: true });
  fs.mkdirSync(OUT, { recursive: true });
  const dirs = runs(work);
  const message = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'compareMessage.ts'), ...dirs],
    { encoding: 'utf8', cwd: REPO }));
  assert.equal(message.comparison.runs.length, 3);
  await eachTheme(async (browser, theme, first) => {
    const p = browser.page;
    await p.route(`${ORIGIN}/**`, (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/') return route.fulfill({ contentType: 'text/html', body: page(theme, { bundle: 'compare' }) });
      if (url.pathname.startsWith('/media/')) return route.fulfill({ path: path.join(REPO, 'media/dist', url.pathname.slice(7)) });
      return route.fulfill({ status: 404 });
    });
    const errors = [];
    p.on('pageerror', (e) => errors.push(e.stack || e.message));
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await p.goto(`${ORIGIN}/`);
    assert.deepEqual(await p.evaluate(() => window.posted.splice(0)), [{ type: 'ready' }]);
    await p.evaluate((m) => window.postMessage(m, '*'), message);
    await p.locator('#app[aria-busy="false"]').waitFor({ timeout: 10000 });
    await p.screenshot({ path: path.join(OUT, `compare-${theme}.png`), fullPage: true });
    if (first) await checks(p, message, dirs);
    assert.deepEqual(errors, [], `page errors in ${theme}`);
  });
}

async function checks(p, message, dirs) {
  const c = message.comparison;
  // One chart line per run and split (validation, training); the legend names each run once.
  for (const canvas of await p.locator('canvas').all()) assert.equal(await canvas.getAttribute('data-runs'), '3');
  const heads = await p.locator('.compare-table thead th button').allInnerTexts();
  assert.deepEqual(heads, c.runs.map((r, i) => `${i + 1}. ${r.id}`));
  // The differing rows are marked, and in them exactly the cells that differ from run 1 are highlighted.
  const differing = await p.locator('.compare-table tr.differs').evaluateAll((rows) => rows.map((r) => r.dataset.key));
  assert.deepEqual(differing, c.rows.filter((r) => r.differs).map((r) => r.key));
  for (const key of ['lr', 'augment', 'mode', 'unfreezeFrom']) assert.ok(differing.includes(key), key);
  const lr = await p.locator('.compare-table tr[data-key="lr"] td').evaluateAll((tds) => tds.map((t) => [t.textContent, t.classList.contains('changed')]));
  assert.deepEqual(lr, [['0.001', false], ['0.003', true], ['0.0001', true]]);
  // Only run 1 was evaluated: the others' log loss is "—".
  const logLoss = await p.locator('.compare-table tr[data-key="logLoss"] td').allInnerTexts();
  assert.match(logLoss[0], /^\d\.\d{4}$/);
  assert.deepEqual(logLoss.slice(1), ['—', '—']);
  // Differences only hides the rows where every run agrees, and remembers it.
  const all = await p.locator('.compare-table tbody tr:visible').count();
  await p.locator('vscode-checkbox').click();
  const only = await p.locator('.compare-table tbody tr:visible').count();
  assert.equal(only, differing.length + 2, 'differing rows and the two group rows');
  assert.ok(only < all);
  await p.screenshot({ path: path.join(OUT, 'compare-differences-dark.png'), fullPage: true });
  await p.locator('vscode-checkbox').click();
  // A run's name opens it in the dashboard, by keyboard too.
  await p.locator('.compare-table thead th button').nth(1).focus();
  await p.keyboard.press('Enter');
  const posted = await p.evaluate(() => window.posted.splice(0));
  assert.deepEqual(posted, [{ type: 'openRun', runDir: dirs[1] }]);
  console.log('  ✔ interactions: differing rows and cells, missing values, differences only, open a run by keyboard');
}

run().catch((e) => {
  console.error(e);
  process.exit(1);
});

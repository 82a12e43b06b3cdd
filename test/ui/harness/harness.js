// Static harness for the dashboard webview: loads media/dist/dashboard.js and its CSS in headless Chromium with an
// acquireVsCodeApi stub and the theme a real code-server webview gets (test/ui/themes/*.json, from dumpThemes.js),
// posts realistic events (fixtures.js), checks what the views do, and screenshots every tab in every theme to
// test-results/harness/. Quick to rerun while building views: `npm run build && node test/ui/harness/harness.js`.
//   TL_HARNESS_DIR   where the CLI's outputs and thumbnails are kept between runs (default: $TMPDIR/tl-harness)
//   TL_HARNESS_THEMES  comma-separated subset of dark,light,hc-dark,hc-light
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { buildFixtures } = require('./fixtures');
const { REPO, ORIGIN, OUT, page, eachTheme } = require('./harnessPage');

const TABS = ['Dataset', 'Training', 'Layers', 'Predictions', 'Evaluation', 'Guidance'];

async function open(browser, theme) {
  const p = browser.page;
  await p.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/') return route.fulfill({ contentType: 'text/html', body: page(theme, { bundle: 'dashboard', images: true }) });
    if (url.pathname.startsWith('/media/')) return route.fulfill({ path: path.join(REPO, 'media/dist', url.pathname.slice(7)) });
    if (url.pathname.startsWith('/fs/')) return route.fulfill({ path: decodeURIComponent(url.pathname.slice(3)) });
    return route.fulfill({ status: 404 });
  });
  const errors = [];
  p.on('pageerror', (e) => errors.push(e.stack || e.message));
  p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await p.goto(`${ORIGIN}/`);
  await p.locator('#app[aria-busy="false"]').waitFor({ timeout: 10000 }).catch((e) => {
    throw new Error(`the dashboard did not start: ${errors.join('; ') || e.message}`);
  });
  return { p, errors };
}

const send = (p, messages) => p.evaluate((ms) => { for (const m of ms) window.postMessage(m, '*'); }, messages);
const tab = async (p, name) => {
  await p.locator('vscode-tab-header', { hasText: name }).click();
  await p.waitForTimeout(250);
};
/** Grids load thumbnails lazily as they scroll into view; a full-page screenshot does not scroll, so load them all. */
const loadImages = (p) => p.evaluate(async () => {
  const images = [...document.images];
  for (const i of images) i.loading = 'eager';
  await Promise.all(images.map((i) => (i.complete ? 0 : new Promise((r) => { i.onload = i.onerror = r; }))));
});

async function run() {
  const work = process.env.TL_HARNESS_DIR || path.join(os.tmpdir(), 'tl-harness');
  fs.mkdirSync(OUT, { recursive: true });
  const fx = await buildFixtures(work, (file) => `${ORIGIN}/fs${file}`);
  const live = [fx.reset('Train feature extractor on prepared'), fx.engine, ...fx.epochs.slice(0, 9), fx.progress(9)];
  await eachTheme(async (browser, theme, first) => {
    const { p, errors } = await open(browser, theme);
    await send(p, [fx.dataset, ...live, fx.layers, fx.val, fx.test, fx.evaluation, ...fx.guidance]);
    for (const name of TABS) {
      await tab(p, name);
      await loadImages(p);
      await p.screenshot({ path: path.join(OUT, `${name.toLowerCase()}-${theme}.png`), fullPage: true });
    }
    if (first) await checks(p, fx);
    assert.deepEqual(errors, [], `page errors in ${theme}`);
  });
}

/** What a person can do in each view, and what it posts to the extension. */
async function checks(p, fx) {
  const posted = () => p.evaluate(() => window.posted.splice(0));
  await posted();
  await tab(p, 'Training');
  assert.equal(await p.locator('.training canvas').first().getAttribute('data-points'), '9');

  await tab(p, 'Dataset');
  await p.locator('.findings details[open] a').first().click();
  const [openFinding] = await posted();
  assert.equal(openFinding.type, 'openFile');
  assert.ok(openFinding.path.startsWith(fx.dataset.event.source + '/'), openFinding.path);
  await p.locator('.sample-class .tile').first().press('Enter');
  assert.match((await posted())[0].path, /^\/.*\.jpg$/);
  assert.match(await p.locator('.sample-class .tile-caption').first().innerText(), /^\w+ \(\d+, \d+\)$/);

  await tab(p, 'Layers');
  const layers = fx.layers.event.layers;
  assert.equal(await p.locator('.freeze-table tr.layer-row').count(), layers.length);
  const blocks = new Set(layers.map((l) => l.block)).size;
  assert.equal(await p.locator('.freeze-table tr.block-row').count(), blocks);
  const block = await p.locator('tr.block-row').nth(blocks - 3);
  await block.focus();
  await p.keyboard.press('Enter');
  const name = await block.getAttribute('data-block');
  assert.match(await p.locator('.param-summary').innerText(), new RegExp(`Unfreeze from ${name} \\(the whole block\\)[\\s\\S]*Trainable params: [\\d,]+\\nNon-trainable params: [\\d,]+\\nTotal params: [\\d,]+`));
  // Keras-style counts for that choice: from the block's first layer on, every layer with weights trains except
  // BatchNorm (frozen in fine-tuning); everything else counts as non-trainable.
  const start = layers.find((l) => l.block === name).index;
  const trainable = layers.filter((l) => l.index >= start && !['BatchNormalization', 'InputLayer'].includes(l.type)).reduce((s, l) => s + l.params, 0);
  const total = layers.reduce((s, l) => s + l.params, 0);
  const fmt = (n) => n.toLocaleString('en-US');
  assert.match(await p.locator('.param-summary pre').innerText(),
    new RegExp(`Trainable params: ${fmt(trainable)}\nNon-trainable params: ${fmt(total - trainable)}\nTotal params: ${fmt(total)}`));
  await p.keyboard.press('ArrowDown');
  await p.keyboard.press(' ');
  const layerName = await p.locator('tr.layer-row.start').getAttribute('data-layer');
  await p.locator('.layers vscode-button').click();
  assert.deepEqual(await posted(), [{ type: 'startFineTune', runDir: fx.layers.event.runDir, unfreezeFrom: layerName }]);
  await tab(p, 'Predictions');
  const titles = await p.locator('.predictions-test .tile').evaluateAll((ts) => ts.map((t) => t.title));
  assert.equal(titles.length, fx.test.event.items.length);
  for (const t of titles) assert.match(t, /^\w+ [01]\.\d\d — /);
  const all = await p.locator('.predictions-val .tile').count();
  await p.locator('.predictions-val vscode-checkbox[label="Wrong only"]').click();
  const wrong = fx.val.event.items.filter((i) => i.label !== i.truth).length;
  assert.equal(await p.locator('.predictions-val .tile').count(), wrong);
  assert.ok(wrong < all);
  await p.locator('.predictions-val .tile').first().click();
  assert.equal((await posted())[0].type, 'openFile');
  await p.locator('.predictions-val vscode-checkbox[label="Wrong only"]').click();

  await tab(p, 'Guidance');
  assert.equal(await p.locator('.guidance canvas').first().getAttribute('data-points'), '5');
  await p.locator('.advice.diagnosis vscode-button').first().click();
  assert.equal((await posted())[0].type, 'runCommand');
  // A reset keeps the advice but the next learning curve starts afresh.
  await send(p, [fx.reset('Learning curve'), fx.guidance.find((g) => g.event.type === 'curvePoint')]);
  await p.locator('.guidance canvas[data-points="1"]').waitFor({ timeout: 5000 });
  assert.equal(await p.locator('.training canvas').first().getAttribute('data-points'), '0');
  await send(p, [{ type: 'showTab', tab: 'evaluation' }]);
  await p.locator('vscode-tab-header[active]', { hasText: 'Evaluation' }).waitFor({ timeout: 5000 });
  console.log('  ✔ interactions: open files, choose the unfreeze point by click and keyboard, fine-tune, wrong-only filter, advice actions, reset, showTab');
}

run().catch((e) => {
  console.error(e);
  process.exit(1);
});

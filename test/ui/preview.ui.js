// UI test of the prediction preview: install the packaged .vsix into code-server, open a shared photo
// (dogs-vs-cats' dog.1.jpg, copied into the workspace) with "Reopen Editor With… → Transfer Lab Prediction", wait
// for the bars and the Grad-CAM overlay, use the toolbar from the keyboard, and screenshot it in the dark and light
// themes (preview.png, preview-light.png); classify a folder from the Explorer's context menu (preview-grid.png);
// and turn on the dashboard's Heatmap toggle on the Predictions tab (predictions-heatmap.png), which the top losses
// follow (evaluation-heatmap.png).
// Run alone: `npm run package` then `node test/ui/preview.ui.js <the .vsix>`.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { explainer, extensionLogTail, runUiChecks, shootWebview } = require('./uiRun');
const { answerQuickInput, dashboardFrame, runCommand, switchTheme } = require('../vscode/workbench');
const { makeWorkspace } = require('./uiWorkspace');

const vsix = process.argv[2];

const checks = [];
const check = (name, fn) => checks.push({ name, fn });
let page, ctx;
/** The one webview on screen (each step closes the editors of the one before). */
const frame = () => dashboardFrame(page);

const shoot = (file) => shootWebview(page, frame(), file);

/** Whether an image in the webview has loaded (its pixels decoded), not merely been put in the page. */
const loaded = (locator) => locator.evaluate((i) => i.decode().then(() => i.naturalWidth > 0, () => false));

/** The preview's status line and the extension's log, for a wait that failed. */
async function diagnosis() {
  const status = await frame().locator('.status').innerText({ timeout: 2000 }).catch(() => '(no status line)');
  const logs = extensionLogTail(ctx.data);
  return `status: ${status}\n${logs}`;
}
const explained = explainer(diagnosis);

/** Waits for the single preview's result: bars for every class and the overlay loaded on the picture. */
async function classified() {
  await explained(frame().locator('.status-done').waitFor({ timeout: 120000 }), 'the preview did not classify the photo');
  assert.equal(await frame().locator('.single .prob-row').count(), 2, 'not one bar per class (cat, dog)');
  assert.ok(await loaded(frame().locator('.single img.original')), 'the photo does not load in the preview');
  assert.ok(await loaded(frame().locator('.single img.overlay')), 'the Grad-CAM overlay does not load');
}

check('the packaged .vsix installs into code-server', async () => {
  assert.match(ctx.installLog, /successfully installed/i);
});

check('Reopen Editor With… → Transfer Lab Prediction shows the photo, its class probabilities as bars and the Grad-CAM overlay', async () => {
  await runCommand(page, 'Go to File');
  await page.keyboard.type('pets/train/dog.1.jpg', { delay: 10 });
  // Clicked, not Enter: on a loaded machine Enter can take the first row before the list is filtered.
  await page.locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: /^dog\.1\.jpg$/ }) }).first().click({ timeout: 20000 });
  await page.locator('.tab.active', { hasText: 'dog.1.jpg' }).waitFor({ timeout: 20000 });
  // Typed in full and clicked: Enter would take the first fuzzy match, "Reopen Editor with Text Editor".
  // The image preview is a webview and keeps the keyboard: focus the tab first, and retry the palette until its
  // row shows (a busy machine can drop the first F1).
  const reopen = page.locator('.quick-input-list .monaco-list-row[aria-label^="View: Reopen Editor With..."]').first();
  for (let attempt = 1; ; attempt++) {
    await page.locator('.tab.active', { hasText: 'dog.1.jpg' }).click();
    await page.keyboard.press('F1');
    try {
      await page.waitForSelector('.quick-input-widget', { state: 'visible', timeout: 10000 });
      await page.keyboard.type('View: Reopen Editor With...', { delay: 10 });
      await reopen.waitFor({ timeout: 10000 });
      break;
    } catch (e) {
      if (attempt >= 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
  await reopen.click();
  const option = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Transfer Lab Prediction' });
  await option.waitFor({ timeout: 20000 });
  await option.click();
  await page.waitForSelector('iframe.webview.ready', { timeout: 60000 });
  await classified();
  const bars = await frame().locator('.single .prob-row').allInnerTexts();
  for (const b of bars) assert.match(b.replace(/\s+/g, ' ').trim(), /^(cat|dog) \d+\.\d%$/);
  assert.match(await frame().locator('.verdict').innerText(), /^(cat|dog) \d+\.\d%$/);
  // The run picker starts on the best completed run: the only one here.
  assert.equal(await frame().locator('vscode-single-select').evaluate((s) => s.value), ctx.run.dir);
  await runCommand(page, 'View: Close Primary Side Bar');
  await runCommand(page, 'Notifications: Toggle Do Not Disturb Mode').catch(() => page.keyboard.press('Escape'));
});

check('the toolbar is reached with Tab: run picker, heatmap toggle, opacity slider; the toggle and slider act on the overlay', async () => {
  await frame().locator('.preview-title').click();
  const reached = [];
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    reached.push(await frame().locator('body').evaluate(() => {
      const a = document.activeElement;
      return a ? `${a.tagName.toLowerCase()}${a.getAttribute('type') ? `[${a.getAttribute('type')}]` : ''}` : '';
    }));
  }
  for (const want of ['vscode-single-select', 'vscode-checkbox', 'input[range]']) assert.ok(reached.includes(want), `${want} not reached by Tab: ${reached}`);
  const overlay = frame().locator('.single img.overlay');
  await frame().locator('vscode-checkbox.heatmap-toggle').focus();
  await page.keyboard.press('Space');
  assert.equal(await overlay.isVisible(), false, 'the overlay still shows with the heatmap off');
  await page.keyboard.press('Space');
  assert.equal(await overlay.isVisible(), true);
  const slider = frame().locator('input.opacity');
  await slider.focus();
  await page.keyboard.press('Home');
  assert.equal(await overlay.evaluate((i) => getComputedStyle(i).opacity), '0');
  for (let i = 0; i < 14; i++) await page.keyboard.press('ArrowRight');
  assert.equal(Number(await overlay.evaluate((i) => getComputedStyle(i).opacity)).toFixed(2), '0.70');
});

check('screenshots of the preview in the dark and the light theme', async () => {
  await frame().locator('body').evaluate(() => document.activeElement?.blur());
  if (!(await switchTheme(page, ctx.settingsFile, 'Default Dark Modern'))) await page.waitForSelector('iframe.webview.ready', { timeout: 60000 });
  await page.waitForTimeout(800);
  await classified();
  assert.equal(await frame().locator('body').evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(31, 31, 31)', 'not the dark theme');
  await shoot('preview.png');
  if (!(await switchTheme(page, ctx.settingsFile, 'Default Light Modern'))) {
    // The fallback reloaded the window: the custom editor comes back and classifies again.
    await page.waitForSelector('iframe.webview.ready', { timeout: 60000 });
  }
  await page.waitForTimeout(800);
  await classified();
  const background = await frame().locator('body').evaluate((b) => getComputedStyle(b).backgroundColor);
  assert.equal(background, 'rgb(255, 255, 255)', 'the preview did not take the light theme');
  await shoot('preview-light.png');
  await switchTheme(page, ctx.settingsFile, 'Default Dark Modern');
});

check('a changed photo on disk is classified again', async () => {
  const before = await frame().locator('.single img.original').getAttribute('src');
  fs.copyFileSync(path.join(ctx.ws, 'pets/train/cat.1.jpg'), path.join(ctx.ws, 'pets/train/dog.1.jpg'));
  await explained(frame().locator(`.single img.original:not([src="${before}"])`).waitFor({ timeout: 60000 }),
    'the preview did not reload the changed file');
  await classified();
  await runCommand(page, 'View: Close All Editors');
});

check('Classify with Transfer Lab on a folder in the Explorer opens a grid: one tile per image, top class, bars on focus', async () => {
  await runCommand(page, 'View: Show Explorer');
  // The Explorer revealed the photo opened before: start from a collapsed tree, so pets/test is the only "test".
  await runCommand(page, 'Collapse Folders in Explorer');
  const row = (name) => page.locator('.explorer-folders-view .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${name}$`) }) });
  await row('pets').click();
  await row('test').click({ button: 'right' });
  // A menu item clicked the instant the menu opens can be taken for the right-click's release: hover first.
  const item = page.locator('.context-view .action-label', { hasText: 'Classify with Transfer Lab' });
  await item.hover();
  await page.waitForTimeout(300);
  await item.click();
  await page.waitForSelector('iframe.webview.ready', { timeout: 60000 });
  await explained(frame().locator('.status-done').waitFor({ timeout: 180000 }), 'the grid was not classified');
  const tiles = frame().locator('.ptile');
  assert.equal(await tiles.count(), 6);
  for (const t of await frame().locator('.ptile-class').allInnerTexts()) assert.match(t, /^(cat|dog) [01]\.\d\d$/);
  assert.ok(await loaded(frame().locator('.ptile img.overlay').first()), 'grid overlays do not load');
  const title = await tiles.first().getAttribute('title');
  assert.match(title, /\n(cat|dog) [01]\.\d\d\n(cat|dog) [01]\.\d\d$/, `the tooltip lists no probabilities: ${title}`);
  await runCommand(page, 'View: Close Primary Side Bar');
  await tiles.first().focus();
  await page.keyboard.press('Tab'); // to the second tile, as a keyboard user gets there
  assert.ok(await frame().locator('.ptile:focus-visible .ptile-bars, .ptile:focus .ptile-bars').first().isVisible(), 'no bars on the focused tile');
  await shoot('preview-grid.png');
  await runCommand(page, 'View: Close All Editors');
});

check('the Predictions tab\'s Heatmap toggle shows the Grad-CAM overlays; tooltips give every class\'s probability', async () => {
  await runCommand(page, 'Transfer Lab: Open in Dashboard');
  await answerQuickInput(page, 'open which run', ctx.run.id);
  await frame().locator(`.layers .heading-detail:has-text("${ctx.run.id}")`).waitFor({ state: 'attached', timeout: 30000 });
  await frame().locator('vscode-tab-header', { hasText: 'Predictions' }).click();
  const toggle = frame().locator('.predictions-test vscode-checkbox.heatmap-toggle');
  await explained(toggle.waitFor({ state: 'visible', timeout: 10000 }), 'no Heatmap toggle on the test grid (did predict send heatmaps?)');
  const title = await frame().locator('.predictions-test .tile').first().getAttribute('title');
  assert.match(title, /^(cat|dog) [01]\.\d\d — .*\n(cat|dog) [01]\.\d\d\n(cat|dog) [01]\.\d\d$/);
  const heat = frame().locator('.predictions-test .tile-heatmap').first();
  assert.equal(await heat.isVisible(), false);
  await toggle.click();
  assert.equal(await heat.isVisible(), true, 'the heatmap does not show after the toggle');
  assert.equal(await frame().locator('.predictions-test .tile-thumb').first().isVisible(), false);
  assert.ok(await loaded(heat), 'the heatmap image does not load in the webview');
  await shoot('predictions-heatmap.png');
  // One choice for the whole dashboard: the top losses show their heatmaps too, and their toggle reads on.
  await frame().locator('vscode-tab-header', { hasText: 'Evaluation' }).click();
  const lossToggle = frame().locator('.evaluation vscode-checkbox.heatmap-toggle');
  await lossToggle.waitFor({ state: 'visible', timeout: 10000 });
  assert.equal(await lossToggle.evaluate((c) => c.checked), true);
  const lossHeat = frame().locator('.evaluation .tile-heatmap').first();
  assert.equal(await lossHeat.isVisible(), true, 'the top losses do not show their heatmaps');
  assert.ok(await loaded(lossHeat));
  await shoot('evaluation-heatmap.png');
});

runUiChecks({
  vsix, checks, makeWorkspace: makeWorkspace, name: 'preview',
  onStart: (p, c) => { page = p; ctx = c; },
});

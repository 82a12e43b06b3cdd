// UI test: install the packaged .vsix into code-server, drive the dashboard from the command palette and the
// webview in headless Chromium, check what a person would see, and save screenshots under test-results/ in the
// dark and light themes: dataset, training-live (taken while a fine-tune streams its epochs), layers, predictions,
// evaluation (each also as *-light.png), dashboard.png / workbench.png, and compare.png (Compare Runs).
const assert = require('node:assert/strict');
const path = require('node:path');
const { RESULTS, explainer, extensionLogTail, runUiChecks, shootWebview } = require('./uiRun');
const { answerQuickInput, dashboardFrame, runCommand, switchTheme, waitForWorkbench } = require('../vscode/workbench');
const { makeWorkspace } = require('./uiWorkspace');

const vsix = process.argv[2];
const THEMES = [['Default Dark Modern', ''], ['Default Light Modern', '-light']];
// Enough fine-tune epochs (about 0.2 s each here) to catch the curves mid-stream; no early stop before them.
const SETTINGS = { 'transferLab.epochs': 40, 'transferLab.patience': 40 };

const checks = [];
const check = (name, fn) => checks.push({ name, fn });
let page, ctx;
const frame = () => dashboardFrame(page);
const tab = async (name) => {
  await frame().locator('vscode-tab-header', { hasText: name }).click();
  await page.waitForTimeout(300);
};
const shoot = (file) => shootWebview(page, frame(), file);
/** What a failed wait saw: the dashboard's phase line, the notifications and the end of the extension's log. */
async function diagnosis() {
  const phase = await frame().locator('.training .phase').innerText({ timeout: 2000 }).catch(() => '(no phase line)');
  const toasts = await page.locator('.notification-list-item-message').allInnerTexts().catch(() => []);
  const logs = extensionLogTail(ctx.data);
  return `phase: ${phase}\nnotifications: ${JSON.stringify(toasts)}\n${logs}`;
}
async function until(condition, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const explained = explainer(diagnosis);
/** Opens the feature extractor run in the dashboard through the palette and the run QuickPick. */
async function openRun() {
  await runCommand(page, 'Transfer Lab: Open in Dashboard');
  await answerQuickInput(page, 'open which run', ctx.run.id);
  await frame().locator(`.layers .heading-detail:has-text("${ctx.run.id}")`).waitFor({ state: 'attached', timeout: 30000 });
}

check('the packaged .vsix installs into code-server', async () => {
  assert.match(ctx.installLog, /successfully installed/i);
});
check('Show Dashboard from the palette opens the webview with its tabs', async () => {
  await runCommand(page, 'Transfer Lab: Show Dashboard');
  await page.waitForSelector('iframe.webview.ready', { timeout: 30000 });
  await frame().locator('#app[aria-busy="false"]').waitFor({ timeout: 30000 });
  const tabs = await frame().locator('vscode-tab-header').allTextContents();
  assert.deepEqual(tabs.map((t) => t.trim()), ['Dataset', 'Training', 'Layers', 'Predictions', 'Evaluation', 'Guidance']);
  // More room for the dashboard: the screenshots are of the webview.
  await runCommand(page, 'View: Close Primary Side Bar');
  await runCommand(page, 'View: Close Secondary Side Bar').catch(() => page.keyboard.press('Escape'));
  // Progress and "finished" toasts would sit on top of the webview in the screenshots.
  await runCommand(page, 'Notifications: Toggle Do Not Disturb Mode').catch(() => page.keyboard.press('Escape'));
});
check('the dashboard uses the theme: codicons load and text takes the theme colour', async () => {
  await tab('Training');
  await frame().locator('.training canvas').first().waitFor();
  const colours = await frame().locator('body').evaluate((b) => ({
    fg: getComputedStyle(b).color, themeFg: getComputedStyle(b).getPropertyValue('--vscode-foreground').trim(),
  }));
  assert.ok(colours.themeFg, 'no --vscode-foreground in the webview');
  const iconFont = await frame().locator('.empty-state .codicon').first().evaluate((i) => getComputedStyle(i, '::before').fontFamily);
  assert.match(iconFont, /codicon/);
});
check('Prepare Dataset from the palette previews the split in the Dataset tab: counts, captioned samples, health', async () => {
  await runCommand(page, 'Transfer Lab: Prepare Dataset');
  await answerQuickInput(page, 'which dataset should be prepared'); // the workspace's image folder: pets/
  for (const prompt of ['Validation fraction', 'Images per class', 'Seed']) await answerQuickInput(page, prompt); // the defaults
  // The preview is on screen; the confirmation is declined, so nothing is written.
  await page.locator('.monaco-dialog-box').waitFor({ timeout: 60000 });
  await page.keyboard.press('Escape');
  await tab('Dataset');
  await frame().locator('.dataset .counts').waitFor({ timeout: 30000 });
  assert.match(await frame().locator('.dataset .facts').innerText(), /kaggle-flat/);
  const counts = await frame().locator('.dataset .counts tbody tr').allInnerTexts();
  assert.deepEqual(counts.map((r) => r.split(/\s+/)[0]), ['cat', 'dog', '(unlabeled)']);
  const captions = await frame().locator('.sample-class .tile-caption').allInnerTexts();
  assert.ok(captions.length >= 2, 'no sample images');
  for (const c of captions) assert.match(c.trim(), /^(cat|dog) \(\d+, \d+\)$/);
});
check('the Dataset tab shows the sample images (thumbnails the trainer made)', async () => {
  const shown = await frame().locator('.sample-class img').count();
  assert.ok(shown > 0, `the dataset event carried no sample thumbnails (${await frame().locator('.sample-class .tile').count()} tiles show file names)`);
  assert.ok(await frame().locator('.sample-class img').first().evaluate((i) => i.decode().then(() => i.naturalWidth)) > 0);
});
check('Open in Dashboard replays the run: epochs, the freeze table with every layer, grids with probabilities, the evaluation', async () => {
  await openRun();
  await tab('Training');
  assert.equal(await frame().locator('.training canvas').first().getAttribute('data-points'), '3');
  await tab('Layers');
  assert.equal(await frame().locator('.freeze-table tr.layer-row').count(), ctx.layers.length);
  assert.equal(await frame().locator('.freeze-table tr.block-row').count(), new Set(ctx.layers.map((l) => l.block)).size);
  assert.match(await frame().locator('.param-summary').innerText(), /Trainable params: [\d,]+\nNon-trainable params: [\d,]+\nTotal params: [\d,]+/);
  await tab('Predictions');
  const titles = await frame().locator('.predictions-test .tile').evaluateAll((ts) => ts.map((t) => t.title));
  assert.equal(titles.length, ctx.testGrid);
  for (const t of titles) assert.match(t, /^(cat|dog) [01]\.\d\d — /);
  const loaded = await frame().locator('.predictions-test img').first().evaluate((i) => i.decode().then(() => i.naturalWidth));
  assert.ok(loaded > 0, 'thumbnails do not load in the webview');
  assert.ok(await frame().locator('.predictions-val .tile').count() > 0, 'no validation grid');
  await tab('Evaluation');
  const metrics = await frame().locator('.evaluation .metrics').innerText();
  assert.match(metrics, /Accuracy/);
  assert.match(metrics, /Log loss/);
  assert.match(metrics, /AUC/);
  assert.equal(await frame().locator('.confusion .cell').count(), 4);
});
for (const [theme, suffix] of THEMES) {
  check(`screenshots${suffix ? ' (light)' : ' (dark)'}: dataset, layers, predictions, evaluation, and training-live while a fine-tune streams`, async () => {
    if (!(await switchTheme(page, ctx.settingsFile, theme))) throw new Error(`"${theme}" needed a reload, which loses the dashboard's content`);
    await page.waitForTimeout(800);
    if (suffix) await openRun(); // back to the feature extractor run, which the dark pass fine-tuned
    for (const name of ['Dataset', 'Layers', 'Predictions', 'Evaluation']) {
      await tab(name);
      await shoot(`${name.toLowerCase()}${suffix}.png`);
    }
    await tab('Training');
    await shoot(`dashboard${suffix}.png`);
    if (!suffix) await page.screenshot({ path: path.join(RESULTS, 'workbench.png') });

    // "Fine-tune from here" on the Layers tab (the top block, the default) starts a fine-tune; its epochs stream in.
    await tab('Layers');
    const button = frame().locator('.layers vscode-button', { hasText: 'Fine-tune from here' });
    assert.equal(await button.getAttribute('disabled'), null, 'Fine-tune from here is disabled');
    await button.click();
    await tab('Training');
    const curve = frame().locator('.training canvas').first();
    await explained(frame().locator('.training vscode-button[aria-label="Cancel the running job"]:not([disabled])').waitFor({ timeout: 60000 }),
      'no fine-tune started after the click');
    // Polled every 100 ms: epochs can come faster than a locator's back-off, which would step over any fixed count.
    await explained(until(async () => Number(await curve.getAttribute('data-points')) >= 2, 180000), 'the fine-tune streamed fewer than 2 epochs');
    await shoot(`training-live${suffix}.png`);
    const running = await frame().locator('.training vscode-button[aria-label="Cancel the running job"]').evaluate((b) => !b.hasAttribute('disabled'));
    assert.ok(running, 'the screenshot was not taken while training ran');
    assert.ok(Number(await curve.getAttribute('data-points')) < SETTINGS['transferLab.epochs']);
    await frame().locator('.training .phase', { hasText: 'Finished' }).waitFor({ timeout: 180000 });
  });
}

check('a window reload brings the dashboard back with the run it last showed', async () => {
  const shown = (await frame().locator('.layers .heading-detail').innerText()).replace(/^\s*—\s*/, '').trim();
  assert.ok(shown, 'the dashboard showed no run before the reload');
  await page.reload();
  await waitForWorkbench(page);
  await page.waitForSelector('iframe.webview.ready', { timeout: 60000 });
  await explained(frame().locator(`.layers .heading-detail:has-text("${shown}")`).waitFor({ state: 'attached', timeout: 60000 }),
    `the reloaded dashboard did not show ${shown}`);
  await tab('Training');
  assert.ok(Number(await frame().locator('.training canvas').first().getAttribute('data-points')) >= 2, 'no epochs after the reload');
});

/** The Compare Runs panel's own document (the visible webview: the dashboard's sits hidden behind it). */
const compareFrame = () => page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('iframe#active-frame');
check('Compare Runs: two runs selected in Saved Models overlay their curves and table their settings, dark and light', async () => {
  // The Saved Models view, closed earlier for room: select the feature extractor and the latest fine-tune of it.
  await page.locator('.activitybar .action-label[aria-label^="Transfer Lab"]').click();
  const runs = page.locator('.part.sidebar .monaco-list-row[aria-level="2"]');
  await runs.first().waitFor({ timeout: 30000 });
  const ids = await runs.evaluateAll((rows) => rows.map((r) => r.querySelector('.label-name')?.textContent?.trim()));
  const fe = ids.indexOf(ctx.run.id);
  assert.ok(fe >= 0 && ids.length >= 2, `Saved Models lists ${JSON.stringify(ids)}`);
  // The run listed next to it: a shift-click selects the two as a range.
  const other = fe === 0 ? 1 : fe - 1;
  await runs.nth(other).click();
  await runs.nth(fe).click({ modifiers: ['Shift'] });
  const selected = page.locator('.part.sidebar .monaco-list-row[aria-level="2"][aria-selected="true"]');
  await until(async () => (await selected.count()) === 2, 5000).catch(async () => {
    throw new Error(`Saved Models selected ${await selected.count()} runs, not 2`);
  });
  await runs.nth(fe).click({ button: 'right' });
  // The menu ignores a click that comes right after it opens (seen: the item stayed highlighted, the menu open):
  // point at the item, let the menu settle, then choose it with Enter.
  await page.locator('.context-view .action-label', { hasText: 'Compare Runs' }).hover();
  await page.waitForTimeout(400);
  await page.keyboard.press('Enter');
  const asked = await page.locator('.quick-input-widget .quick-input-title', { hasText: 'compare which runs' })
    .waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false);
  assert.ok(!asked, 'Compare Runs asked which runs: the two selected in Saved Models did not reach the command');
  await explained(compareFrame().locator('.compare-table').waitFor({ timeout: 30000 }), 'no Compare Runs panel');
  await runCommand(page, 'View: Close Primary Side Bar');
  const heads = await compareFrame().locator('.compare-table thead th button').allInnerTexts();
  assert.deepEqual(heads.map((h) => h.replace(/^\d+\. /, '').trim()).sort(), [ids[other], ctx.run.id].sort());
  assert.equal(await compareFrame().locator('canvas').first().getAttribute('data-runs'), '2');
  for (const key of ['mode', 'unfreezeFrom', 'lr']) {
    assert.equal(await compareFrame().locator(`.compare-table tr.differs[data-key="${key}"]`).count(), 1, `${key} not marked as differing`);
  }
  // Only the feature extractor was evaluated: the fine-tune's AUC is missing, shown as —.
  const auc = await compareFrame().locator('.compare-table tr[data-key="auc"] td').allInnerTexts();
  assert.deepEqual(auc.map((t) => t.trim() === '—').sort(), [false, true]);
  // The whole comparison in the picture: a taller window while the screenshots are taken.
  await page.setViewportSize({ width: 1400, height: 1250 });
  try {
    for (const [theme, suffix] of [...THEMES].reverse()) {
      if (!(await switchTheme(page, ctx.settingsFile, theme))) {
        await explained(compareFrame().locator('.compare-table').waitFor({ timeout: 30000 }), 'Compare Runs did not come back after the reload');
      }
      await page.waitForTimeout(800);
      await page.locator('iframe.webview.ready >> visible=true').screenshot({ path: path.join(RESULTS, `compare${suffix}.png`) });
    }
  } finally {
    await page.setViewportSize({ width: 1400, height: 900 });
  }
});

runUiChecks({
  vsix, checks, makeWorkspace: makeWorkspace, name: 'dashboard', settings: SETTINGS,
  onStart: (p, c) => { page = p; ctx = c; },
});

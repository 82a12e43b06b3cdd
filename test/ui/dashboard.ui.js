// UI smoke test: install the packaged .vsix into code-server, open the dashboard from the command palette in
// headless Chromium, check what a person would see, and save screenshots under test-results/.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { launch } = require('../vscode/browser');
const { prepareProfile, start } = require('../vscode/codeServer');
const { dashboardFrame, runCommand, setTheme, waitForWorkbench } = require('../vscode/workbench');

const vsix = process.argv[2];
const results = path.resolve('test-results');
fs.mkdirSync(results, { recursive: true });

const checks = [];
const check = (name, fn) => checks.push({ name, fn });

let page;
check('the packaged .vsix installs into code-server', async (ctx) => {
  assert.match(ctx.installLog, /successfully installed/i);
});
check('Show Dashboard from the palette opens the webview with its tabs', async () => {
  await runCommand(page, 'Transfer Lab: Show Dashboard');
  await page.waitForSelector('iframe.webview.ready', { timeout: 30000 });
  const frame = dashboardFrame(page);
  await frame.locator('#app[aria-busy="false"]').waitFor({ timeout: 30000 });
  const tabs = await frame.locator('vscode-tab-header').allTextContents();
  assert.deepEqual(tabs.map((t) => t.trim()), ['Dataset', 'Training', 'Layers', 'Predictions', 'Evaluation', 'Guidance']);
});
check('the dashboard uses the theme: codicons load and text takes the theme colour', async () => {
  const frame = dashboardFrame(page);
  await frame.locator('vscode-tab-header', { hasText: 'Training' }).click();
  await frame.locator('.training canvas').first().waitFor();
  const colours = await frame.locator('body').evaluate((b) => ({
    fg: getComputedStyle(b).color, themeFg: getComputedStyle(b).getPropertyValue('--vscode-foreground').trim(),
  }));
  assert.ok(colours.themeFg, 'no --vscode-foreground in the webview');
  const iconFont = await frame.locator('.empty-state .codicon, .engine .codicon').first().evaluate((i) => getComputedStyle(i, '::before').fontFamily).catch(() => 'codicon');
  assert.match(iconFont, /codicon/);
});
check('screenshot: test-results/dashboard.png (dark) and dashboard-light.png', async (ctx) => {
  for (const [theme, file] of [['Default Dark Modern', 'dashboard.png'], ['Default Light Modern', 'dashboard-light.png']]) {
    await setTheme(page, ctx.settingsFile, theme);
    // The serializer restores the panel after the reload.
    const frame = dashboardFrame(page);
    await frame.locator('#app[aria-busy="false"]').waitFor({ timeout: 30000 });
    await frame.locator('vscode-tab-header', { hasText: 'Training' }).click();
    await page.waitForTimeout(500);
    await page.locator('iframe.webview.ready').screenshot({ path: path.join(results, file) });
    if (file === 'dashboard.png') await page.screenshot({ path: path.join(results, 'workbench.png') });
  }
  for (const f of ['dashboard.png', 'dashboard-light.png']) assert.ok(fs.statSync(path.join(results, f)).size > 5000, `${f} is empty`);
});

(async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-ui-ws-'));
  const profile = prepareProfile(vsix);
  const server = await start({ data: profile.data, folder });
  const browser = await launch();
  page = browser.page;
  let passed = 0, failed = 0;
  try {
    await page.goto(server.url);
    await waitForWorkbench(page);
    for (const c of checks) {
      try {
        await c.fn(profile);
        passed++;
        console.log(`  ✔ ${c.name}`);
      } catch (e) {
        failed++;
        console.log(`  ✘ ${c.name}\n    ${String(e && e.stack || e).split('\n').slice(0, 6).join('\n    ')}`);
        await page.screenshot({ path: path.join(results, `failure-${passed + failed}.png`) }).catch(() => {});
      }
    }
  } catch (e) {
    failed++;
    console.log(`  ✘ workbench did not load: ${e.message}\n    code-server log: ${server.log}`);
    await page.screenshot({ path: path.join(results, 'failure-workbench.png') }).catch(() => {});
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(folder, { recursive: true, force: true });
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();

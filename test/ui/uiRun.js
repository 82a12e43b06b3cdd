// What every UI test does around its checks: make its workspace, start code-server with the packaged .vsix in a
// fresh profile, open the workbench in headless Chromium, run the checks in order (a failed check is printed with
// where it failed and a screenshot, and the next one still runs), then close everything and exit 1 if any failed.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { launch } = require('../vscode/browser');
const { prepareProfile, start } = require('../vscode/codeServer');
const { waitForWorkbench } = require('../vscode/workbench');

/** Where every UI test saves its screenshots. */
const RESULTS = path.resolve('test-results');
fs.mkdirSync(RESULTS, { recursive: true });

/** Waits until every image the webview in `frame` shows on screen has loaded (or failed to). */
async function visibleImagesLoaded(frame) {
  await frame.locator('body').evaluate(async () => {
    const shown = [...document.images].filter((i) => i.getBoundingClientRect().bottom < innerHeight && i.offsetParent);
    await Promise.all(shown.map((i) => (i.complete ? 0 : new Promise((r) => { i.onload = i.onerror = r; }))));
  });
}

/** The webview as the person sees it, after its images have loaded, as test-results/<file>. */
async function shootWebview(page, frame, file) {
  await visibleImagesLoaded(frame);
  await page.locator('iframe.webview.ready').screenshot({ path: path.join(RESULTS, file) });
  assert.ok(fs.statSync(path.join(RESULTS, file)).size > 5000, `${file} is empty`);
}

/**
 * @param {object} o
 * @param {string} o.vsix the packaged extension
 * @param {{ name: string, fn: () => Promise<void> }[]} o.checks
 * @param {() => { ws: string }} o.makeWorkspace the folder code-server opens (removed at the end), and what the checks read
 * @param {Record<string, unknown>} [o.settings] the profile's user settings
 * @param {string} o.name failure screenshots are test-results/<name>-failure-<n>.png
 * @param {{ width: number, height: number }} [o.viewport]
 * @param {(page: import('playwright-core').Page, ctx: object) => void} o.onStart receives the page and the context
 */
async function runUiChecks(o) {
  const started = Date.now();
  const workspace = o.makeWorkspace();
  console.log(`workspace ready in ${Math.round((Date.now() - started) / 1000)} s`);
  const profile = prepareProfile(o.vsix, o.settings ?? {});
  const server = await start({ data: profile.data, folder: workspace.ws });
  const browser = await launch(o.viewport);
  const { page } = browser;
  o.onStart(page, { ...profile, ...workspace });
  const shot = (suffix) => page.screenshot({ path: path.join(RESULTS, `${o.name}-failure-${suffix}.png`) }).catch(() => {});
  let passed = 0, failed = 0;
  try {
    await page.goto(server.url);
    await waitForWorkbench(page);
    for (const c of o.checks) {
      try {
        await c.fn();
        passed++;
        console.log(`  ✔ ${c.name}`);
      } catch (e) {
        failed++;
        const where = String(e && e.stack || '').split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 2);
        console.log(`  ✘ ${c.name}\n    ${[...String(e && e.message || e).split('\n').slice(0, 60), ...where].join('\n    ')}`);
        await shot(passed + failed);
      }
    }
  } catch (e) {
    failed++;
    console.log(`  ✘ workbench did not load: ${e.message}\n    code-server log: ${server.log}`);
    await shot('workbench');
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(workspace.ws, { recursive: true, force: true });
  }
  console.log(`${passed} passed, ${failed} failed (${Math.round((Date.now() - started) / 1000)} s)`);
  process.exit(failed ? 1 : 0);
}

/** The last lines of the extension's log in the profile at `dataDir`, for a failure message. */
function extensionLogTail(dataDir, lines = 25) {
  const logs = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'Transfer Lab.log') logs.push(`${p}:\n${fs.readFileSync(p, 'utf8').split('\n').slice(-lines).join('\n')}`);
    }
  };
  try { walk(path.join(dataDir, 'user/logs')); } catch { /* no logs yet */ }
  return logs.join('\n');
}

/** `explained(wait, what)`: the wait, or an error saying what did not happen and what `diagnosis()` saw then. */
function explainer(diagnosis) {
  return async (wait, what) => {
    try {
      await wait;
    } catch (e) {
      throw new Error(`${what}: ${e.message.split('\n')[0]}\n${await diagnosis()}`);
    }
  };
}

module.exports = { RESULTS, runUiChecks, extensionLogTail, explainer, shootWebview, visibleImagesLoaded };

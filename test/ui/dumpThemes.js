// Dumps the --vscode-* variables and body classes that code-server gives a real webview, one JSON fixture per
// theme, for the static harness (test/ui/harness.js). Rerun when code-server is upgraded:
//   node test/ui/dumpThemes.js <path/to/transfer-lab.vsix>
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { launch } = require('../vscode/browser');
const { prepareProfile, start } = require('../vscode/codeServer');
const { dashboardFrame, runCommand, switchTheme, waitForWorkbench } = require('../vscode/workbench');

const THEMES = { dark: 'Default Dark Modern', light: 'Default Light Modern', 'hc-dark': 'Default High Contrast', 'hc-light': 'Default High Contrast Light' };

(async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-theme-ws-'));
  const profile = prepareProfile(process.argv[2]);
  const server = await start({ data: profile.data, folder });
  const browser = await launch();
  const page = browser.page;
  try {
    await page.goto(server.url);
    await waitForWorkbench(page);
    await runCommand(page, 'Transfer Lab: Show Dashboard');
    await dashboardFrame(page).locator('#app[aria-busy="false"]').waitFor({ timeout: 30000 });
    for (const [name, theme] of Object.entries(THEMES)) {
      if (!(await switchTheme(page, profile.settingsFile, theme))) await runCommand(page, 'Transfer Lab: Show Dashboard');
      const frame = dashboardFrame(page);
      await frame.locator('#app[aria-busy="false"]').waitFor({ timeout: 30000 });
      // The webview's variables follow the workbench's a moment later.
      await page.waitForTimeout(1000);
      // The theme reaches a webview as the <html> style attribute (the variables), the body's class and data
      // attributes, and VS Code's default stylesheet.
      const dump = await frame.locator('html').evaluate((html) => ({
        themeName: document.body.dataset.vscodeThemeName, themeKind: document.body.dataset.vscodeThemeKind,
        bodyClass: document.body.className, htmlStyle: html.getAttribute('style'),
        defaultStyles: document.getElementById('_defaultStyles')?.textContent ?? '',
      }));
      fs.writeFileSync(path.join(__dirname, 'themes', `${name}.json`), JSON.stringify(dump, null, 1) + '\n');
      console.log(`${name}: ${dump.themeName}, body class "${dump.bodyClass}"`);
    }
  } catch (e) {
    await page.screenshot({ path: '/tmp/dumpThemes-failure.png' });
    throw e;
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(folder, { recursive: true, force: true });
  }
})().catch((e) => { console.error(e); process.exit(1); });

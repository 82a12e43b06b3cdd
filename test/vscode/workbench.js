// Drives code-server's workbench the way a person does: the command palette, the activity bar, the webview.
async function waitForWorkbench(page) {
  await page.waitForSelector('.monaco-workbench', { timeout: 120000 });
  await page.waitForSelector('.statusbar', { timeout: 120000 });
  // The view container icon appears once the extension's contributions are registered; before that the
  // palette does not list its commands.
  await page.waitForSelector('.activitybar .action-label[aria-label^="Transfer Lab"]', { timeout: 60000 });
}

async function runCommand(page, title) {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget', { state: 'visible' });
    await page.keyboard.type(title, { delay: 10 });
    try {
      await page.waitForSelector(`.quick-input-list .monaco-list-row:has-text("${title}")`, { timeout: 10000 });
      break;
    } catch (e) {
      if (attempt >= 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
  await page.keyboard.press('Enter');
}

/** The webview's own document: outer iframe (VS Code's host page), then the inner active frame. */
function dashboardFrame(page) {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/**
 * Switches the colour theme through the user settings, then reloads the workbench so it is applied for sure.
 * (The theme picker also searches the marketplace, which an offline machine cannot reach.) Open webview
 * panels come back through their serializer.
 */
async function setTheme(page, settingsFile, theme) {
  const fs = require('node:fs');
  const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
  fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, 'workbench.colorTheme': theme }, null, 2));
  await page.reload();
  await waitForWorkbench(page);
  const wantDark = /dark|high contrast(?! light)/i.test(theme);
  await page.waitForFunction((dark) => {
    const cls = document.querySelector('.monaco-workbench')?.className ?? '';
    return /\b(vs-dark|hc-black)\b/.test(cls) === dark && /vscode-theme-/.test(cls);
  }, wantDark, { timeout: 20000 }).catch(async () => {
    const cls = await page.evaluate(() => document.querySelector('.monaco-workbench')?.className);
    throw new Error(`theme "${theme}" was not applied (workbench classes: ${cls}; settings: ${fs.readFileSync(settingsFile, 'utf8')})`);
  });
}

module.exports = { waitForWorkbench, runCommand, dashboardFrame, setTheme };

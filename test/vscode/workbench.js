// Drives code-server's workbench the way a person does: the command palette, the activity bar, the webview.
async function waitForWorkbench(page) {
  await page.waitForSelector('.monaco-workbench', { timeout: 120000 });
  await page.waitForSelector('.statusbar', { timeout: 120000 });
  // The view container icon appears once the extension's contributions are registered; before that the
  // palette does not list its commands.
  await page.waitForSelector('.activitybar .action-label[aria-label^="Transfer Lab"]', { timeout: 60000 });
}

async function runCommand(page, title) {
  // From inside a webview the palette opens, but a QuickPick the command shows next loses focus back to the
  // webview and closes: start from the workbench.
  await page.evaluate(() => document.activeElement?.blur());
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

/**
 * Answers the QuickPick or InputBox whose title contains `title` (waiting for it, so the closing command palette
 * is never answered by mistake): types `text` (to filter, or as the value) if given, then Enter, and waits for
 * that prompt to go away or to be replaced by the next one.
 */
async function answerQuickInput(page, title, text) {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: 60000 });
  if (text !== undefined) {
    await page.keyboard.type(text, { delay: 10 });
    await page.waitForTimeout(300);
  }
  await page.keyboard.press('Enter');
  await page.waitForFunction((t) => {
    const w = document.querySelector('.quick-input-widget');
    const shown = w && getComputedStyle(w).display !== 'none';
    return !shown || !(w.querySelector('.quick-input-title')?.textContent ?? '').includes(t);
  }, title, { timeout: 10000 });
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

/** Whether the workbench shows a theme of this kind (dark or light, high contrast or not). */
function themeApplied(page, theme) {
  const dark = /dark|high contrast(?! light)/i.test(theme);
  const hc = /high contrast/i.test(theme);
  return page.evaluate(([d, h]) => {
    const cls = document.querySelector('.monaco-workbench')?.className ?? '';
    return /\b(vs-dark|hc-black)\b/.test(cls) === d && /\bhc-(black|light)\b/.test(cls) === h;
  }, [dark, hc]);
}

/**
 * Switches the colour theme live through the theme picker (Ctrl+K Ctrl+T), which re-themes open webviews in place
 * and so keeps the dashboard's content, unlike setTheme's reload. The picker lists "Default Dark Modern" as
 * "Dark Modern". Returns false when the picker did not apply it, after falling back to setTheme.
 */
async function switchTheme(page, settingsFile, theme) {
  if (await themeApplied(page, theme)) return true;
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+T');
  await page.locator('.quick-input-widget').waitFor({ state: 'visible', timeout: 10000 });
  const label = theme.replace(/^Default /, '');
  await page.keyboard.type(label, { delay: 10 });
  await page.locator(`.quick-input-list .monaco-list-row[aria-label^="${label}"]`).first().waitFor({ timeout: 10000 }).catch(() => {});
  await page.keyboard.press('Enter');
  for (let i = 0; i < 50; i++) {
    if (await themeApplied(page, theme)) return true;
    await page.waitForTimeout(200);
  }
  await page.keyboard.press('Escape');
  await setTheme(page, settingsFile, theme);
  return false;
}

module.exports = { waitForWorkbench, runCommand, answerQuickInput, dashboardFrame, setTheme, switchTheme };

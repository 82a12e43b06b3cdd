// What the static webview harnesses (harness.js, compareHarness.js) share: the page a real code-server webview
// gets in each theme (test/ui/themes/*.json, from dumpThemes.js, with the CSP of src/extension/webviewHtml.ts and
// the harness origin standing in for webview.cspSource), and the loop that opens it once per theme.
//   TL_HARNESS_THEMES  comma-separated subset of dark,light,hc-dark,hc-light
const fs = require('node:fs');
const path = require('node:path');
const { launch } = require('../../vscode/browser');

const REPO = path.resolve(__dirname, '../../..');
const ORIGIN = 'https://harness.test';
const OUT = path.join(REPO, 'test-results/harness');
const THEMES = (process.env.TL_HARNESS_THEMES || 'dark,light,hc-dark,hc-light').split(',');

/** The webview page for `bundle` (media/dist/<bundle>.js and .css) in `theme`; `images`: the CSP allows img-src. */
function page(theme, { bundle, images }) {
  const t = JSON.parse(fs.readFileSync(path.join(__dirname, '../themes', `${theme}.json`), 'utf8'));
  const attr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  const img = images ? ` img-src ${ORIGIN} data:;` : '';
  const csp = `default-src 'none';${img} font-src ${ORIGIN}; style-src ${ORIGIN} 'unsafe-inline'; script-src 'nonce-harness'`;
  return `<!DOCTYPE html><html lang="en" style="${attr(t.htmlStyle)}"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<style id="_defaultStyles">${t.defaultStyles}</style>
<link rel="stylesheet" href="/media/codicon.css" id="vscode-codicon-stylesheet"><link rel="stylesheet" href="/media/${bundle}.css">
<script nonce="harness">
  window.posted = []; let state;
  window.acquireVsCodeApi = () => ({ postMessage: (m) => window.posted.push(m), getState: () => state, setState: (s) => { state = s; } });
</script></head>
<body class="${t.bodyClass}" data-vscode-theme-kind="${t.themeKind}" data-vscode-theme-name="${attr(t.themeName)}">
<main id="app" aria-busy="true"></main><script nonce="harness" src="/media/${bundle}.js"></script></body></html>`;
}

/**
 * Runs `body(browser, theme, first)` in a fresh 1100×760 browser per theme (`first`: the first theme, where the
 * harness also runs its checks), prints ✔ or ✘ with the error per theme, and exits 1 if any failed.
 */
async function eachTheme(body) {
  let failed = 0;
  for (const theme of THEMES) {
    const browser = await launch({ width: 1100, height: 760 });
    try {
      await body(browser, theme, theme === THEMES[0]);
      console.log(`  ✔ ${theme}`);
    } catch (e) {
      failed++;
      console.log(`  ✘ ${theme}: ${e.stack}`);
    } finally {
      await browser.close();
    }
  }
  console.log(`screenshots in ${path.relative(REPO, OUT)}/`);
  process.exit(failed ? 1 : 0);
}

module.exports = { REPO, ORIGIN, OUT, page, eachTheme };

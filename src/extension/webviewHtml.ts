// The HTML shell every Transfer Lab webview loads: a strict Content Security Policy (one nonce for the one script,
// styles, fonts and images only from what the webview may load), the codicons, and one bundle from media/dist.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export interface WebviewPage {
  /** `media/dist/<bundle>.js` and `<bundle>.css`. */
  bundle: 'dashboard' | 'compare' | 'preview';
  title: string;
  /** Thumbnails, overlays and photos: img-src from the webview's roots (and data: URIs). */
  images: boolean;
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: WebviewPage): string {
  const nonce = randomBytes(16).toString('base64');
  const media = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'dist', file));
  const csp = [
    `default-src 'none'`,
    ...(page.images ? [`img-src ${webview.cspSource} data:`] : []),
    `font-src ${webview.cspSource}`,
    // vscode-elements styles itself through constructable stylesheets; Chart.js, the bars and the peak marker set
    // sizes inline.
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${media('codicon.css')}" id="vscode-codicon-stylesheet">
  <link rel="stylesheet" href="${media(`${page.bundle}.css`)}">
  <title>${escapeHtml(page.title)}</title>
</head>
<body>
  <main id="app" aria-busy="true"></main>
  <script nonce="${nonce}" src="${media(`${page.bundle}.js`)}"></script>
</body>
</html>`;
}

/** A title may be a file name, which is the person's and may hold any character. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

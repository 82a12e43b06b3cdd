// The prediction preview's HTML shell: the dashboard's Content Security Policy (a nonce for the one script, images
// and fonts only from what the webview may load) around the preview bundle.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function previewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const media = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'dist', file));
  const csp = [
    `default-src 'none'`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
    // vscode-elements styles itself through constructable stylesheets; bars and the peak marker set inline sizes.
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
  <link rel="stylesheet" href="${media('preview.css')}">
  <title>${escapeHtml(title)}</title>
</head>
<body>
  <main id="app" aria-busy="true"></main>
  <script nonce="${nonce}" src="${media('preview.js')}"></script>
</body>
</html>`;
}

/** A file name in the page title: it is the person's, and may hold any character. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// The Compare Runs panel's HTML shell: the dashboard's strict Content Security Policy (a nonce, webview URIs only).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function compareHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const media = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'dist', file));
  const csp = [
    `default-src 'none'`,
    `font-src ${webview.cspSource}`,
    // vscode-elements styles itself through constructable stylesheets; Chart.js sets canvas sizes inline.
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
  <link rel="stylesheet" href="${media('compare.css')}">
  <title>Compare Runs</title>
</head>
<body>
  <main id="app" aria-busy="true"></main>
  <script nonce="${nonce}" src="${media('compare.js')}"></script>
</body>
</html>`;
}

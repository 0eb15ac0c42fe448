// The HTML shell of the extension's webview panels: a strict Content Security Policy (scripts only
// from the extension's dist/ with a nonce, styles inline for the injected sheet), <body data-view>
// choosing the page, and dist/webview.js. Owns no page logic (webview/ does).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')], retainContextWhenHidden: false };
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, view: 'topology' | 'matrix', title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${esc(title)}</title>
</head>
<body data-view="${view}">
<main id="root" aria-label="${esc(title)}"></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

/** The simulation mode setting as core/sim's SimMode. */
export function simModeSetting(): { text: string; mode: import('../../core/kernel/config').SimMode } {
  const text = vscode.workspace.getConfiguration('netnsDebugger').get<string>('simulation.mode', 'separate');
  const at = text.startsWith('shortcut=') ? text.slice('shortcut='.length) : '';
  if (at === 'route' || at === 'postrouting' || at === 'socket') return { text, mode: { kind: 'shortcut', at } };
  return { text: 'separate', mode: { kind: 'separate' } };
}

// The reachability matrix view (extension side): runs core/sim's matrix in the extension host one
// source namespace at a time under a cancellable progress notification (yielding between rows so
// Cancel works), streams the rows into a webview table, and opens a cell's probe trace in an
// editor. Does not draw the table (webview/matrix.ts) or simulate (core/sim).
import * as vscode from 'vscode';
import type { SimMode } from '../../core/kernel/config';
import { buildModel, Model } from '../../core/model/index';
import { formatTrace, kernelFor, MatrixTarget, matrixTargets, simulate } from '../../core/sim/index';
import type { FromWebview, MatrixData } from '../../webview/protocol';
import { cellProbe, computeMatrix, originLine, targetLabel } from './data';
import { simModeSetting, webviewHtml, webviewOptions } from './html';

function basename(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1) || uri.toString();
}

export async function showMatrixView(context: vscode.ExtensionContext, doc: vscode.TextDocument): Promise<void> {
  const { text: modeText, mode } = simModeSetting();
  const model = buildModel(doc.getText());
  const kernel = kernelFor(model.topology);
  const sources = [...kernel.nets.keys()];
  const targets = matrixTargets(kernel);
  const data: MatrixData = {
    file: basename(doc.uri), mode: modeText, sources, targets: targets.map(targetLabel), rows: sources.map(() => null), done: false, cancelled: false,
  };
  const panel = vscode.window.createWebviewPanel(
    'netnsDebugger.matrix', `Reachability: ${data.file}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, webviewOptions(context.extensionUri),
  );
  panel.webview.html = webviewHtml(panel.webview, context.extensionUri, 'matrix', `Reachability matrix of ${data.file}`);
  let ready = false;
  let disposed = false;
  const send = (): void => {
    if (ready && !disposed) void panel.webview.postMessage({ type: 'matrix', data });
  };
  const sub = panel.webview.onDidReceiveMessage((m: FromWebview) => {
    if (m.type === 'ready') {
      ready = true;
      send();
    } else if (m.type === 'trace') {
      void openCellTrace(model, mode, sources[m.source], targets[m.target], data.file);
    }
  });
  panel.onDidDispose(() => {
    disposed = true;
    sub.dispose();
  });
  if (!targets.length) {
    data.done = true;
    send();
    return;
  }
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Reachability matrix of ${data.file}`, cancellable: true },
    async (progress, token) => {
      let last = 0;
      const r = await computeMatrix(model, mode, (i, row) => {
        data.rows[i] = row;
        progress.report({ increment: 100 / sources.length, message: `${i + 1} of ${sources.length} sources (${targets.length} listeners)` });
        const now = Date.now();
        if (now - last > 150 || i === sources.length - 1) {
          last = now;
          send();
        }
      }, () => token.isCancellationRequested || disposed);
      data.done = r.complete;
      data.cancelled = !r.complete;
      send();
    },
  );
}

/** Read-only documents for cell traces (`netns-trace:` URIs), registered on first use. */
const traces = new Map<string, string>();
let provider: vscode.Disposable | undefined;
const TRACE_SCHEME = 'netns-trace';

const changed = new vscode.EventEmitter<vscode.Uri>();

function traceUri(title: string, content: string): vscode.Uri {
  provider ??= vscode.workspace.registerTextDocumentContentProvider(TRACE_SCHEME, {
    onDidChange: changed.event,
    provideTextDocumentContent: (uri) => traces.get(uri.toString()) ?? '',
  });
  const uri = vscode.Uri.from({ scheme: TRACE_SCHEME, path: `/${title.replace(/[/\\]/g, '_')}.trace` });
  const key = uri.toString();
  const had = traces.has(key);
  traces.set(key, content);
  // The same cell traced again (the file changed since): refresh an open editor of it.
  if (had) changed.fire(uri);
  return uri;
}

/** Runs the cell's probe with full detail and shows the trace text in a read-only editor. */
async function openCellTrace(model: Model, mode: SimMode, source: string | undefined, target: MatrixTarget | undefined, file: string): Promise<void> {
  if (source === undefined || !target) return;
  const probe = cellProbe(source, target);
  const toLine = (o: number): number | undefined => {
    const l = originLine(model, o);
    return l === null ? undefined : l + 1;
  };
  const result = simulate(model.topology, probe, mode, { originToLine: toLine });
  const label = targetLabel(target);
  const content = `# ${file}: from ${source} to ${label}\n${formatTrace(result)}`;
  const doc = await vscode.workspace.openTextDocument(traceUri(`${file} ${source} to ${label}`, content));
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Active, preview: true });
}

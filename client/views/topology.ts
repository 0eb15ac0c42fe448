// The topology view (extension side): one webview panel per .netns document, fed with the
// model's topology as JSON (data.ts) on open and on every change of the document (debounced), and
// with the packet positions of the debug adapter's custom event `netns/packet` during a debug
// session of that file (kept per session so a reopened or reloaded panel shows the path so far).
// Enter/click in the view opens the source line. Does not draw (webview/) or parse (core/).
import * as vscode from 'vscode';
import { buildModel } from '../../core/model/index';
import type { FromWebview, PacketPosition, ToWebview } from '../../webview/protocol';
import { readPacket, topologyData } from './data';
import { webviewHtml, webviewOptions } from './html';

const panels = new Map<string, TopologyPanel>();
/** Packet positions of the running netns debug sessions, in order, by session id. */
const sessions = new Map<string, { topology: string | undefined; packets: PacketPosition[] }>();
let listening = false;

function basename(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1) || uri.toString();
}

class TopologyPanel {
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ready = false;
  readonly key: string;

  constructor(readonly panel: vscode.WebviewPanel, private doc: vscode.TextDocument, extensionUri: vscode.Uri) {
    this.key = doc.uri.toString();
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'topology', `Topology of ${basename(doc.uri)}`);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: FromWebview) => this.onMessage(m)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.toString() !== this.key) return;
        // A document closed and reopened is a new object: follow it (the panel outlives editors).
        this.doc = e.document;
        this.scheduleRefresh();
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  matches(topology: string | undefined): boolean {
    return topology !== undefined && (this.doc.uri.fsPath === topology || this.doc.uri.toString() === topology);
  }

  post(m: ToWebview): void {
    if (this.ready) void this.panel.webview.postMessage(m);
  }

  private onMessage(m: FromWebview): void {
    if (m.type === 'ready') {
      this.ready = true;
      this.refresh();
      // Replay the debug sessions of this file (the webview may have been reloaded).
      for (const s of sessions.values()) if (this.matches(s.topology)) for (const p of s.packets) this.post({ type: 'packet', packet: p });
    } else if (m.type === 'open' && Number.isInteger(m.line)) {
      void this.openLine(m.line);
    }
  }

  private async openLine(line: number): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(this.doc.uri);
    const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === this.key);
    const pos = new vscode.Position(Math.min(line, Math.max(0, doc.lineCount - 1)), 0);
    await vscode.window.showTextDocument(doc, {
      viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One,
      selection: new vscode.Range(pos, pos),
      preserveFocus: false,
    });
  }

  private scheduleRefresh(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), 250);
  }

  refresh(): void {
    this.timer = undefined;
    if (!this.ready) return;
    const model = buildModel(this.doc.getText());
    this.post({ type: 'topology', data: topologyData(model, basename(this.doc.uri)) });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    panels.delete(this.key);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** Debug session listeners, registered once on first use of the view. */
function listen(context: vscode.ExtensionContext): void {
  if (listening) return;
  listening = true;
  const topologyOf = (s: vscode.DebugSession): string | undefined => (typeof s.configuration.topology === 'string' ? s.configuration.topology : undefined);
  const targets = (topology: string | undefined): TopologyPanel[] => {
    const all = [...panels.values()];
    const mine = all.filter((p) => p.matches(topology));
    // A session whose file has no panel shows in the only open panel (e.g. an inline packet of an untitled file).
    return mine.length ? mine : all.length === 1 ? all : [];
  };
  context.subscriptions.push(
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type !== 'netns') return;
      sessions.set(s.id, { topology: topologyOf(s), packets: [] });
      for (const p of targets(topologyOf(s))) p.post({ type: 'clearPackets' });
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== 'netns' || e.event !== 'netns/packet') return;
      const packet = readPacket(e.body);
      if (!packet) return;
      let s = sessions.get(e.session.id);
      if (!s) sessions.set(e.session.id, (s = { topology: topologyOf(e.session), packets: [] }));
      s.packets.push(packet);
      if (s.packets.length > 10000) s.packets.splice(0, s.packets.length - 10000);
      for (const p of targets(s.topology)) p.post({ type: 'packet', packet });
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      const known = sessions.get(s.id);
      if (!known) return;
      sessions.delete(s.id);
      for (const p of targets(known.topology)) p.post({ type: 'clearPackets' });
    }),
  );
}

/** Opens (or reveals) the topology view of `doc` beside it. */
export function showTopologyView(context: vscode.ExtensionContext, doc: vscode.TextDocument): void {
  listen(context);
  const existing = panels.get(doc.uri.toString());
  if (existing) {
    existing.panel.reveal(undefined, true);
    existing.refresh();
    return;
  }
  const panel = vscode.window.createWebviewPanel(
    'netnsDebugger.topology',
    `Topology: ${basename(doc.uri)}`,
    { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
    webviewOptions(context.extensionUri),
  );
  const p = new TopologyPanel(panel, doc, context.extensionUri);
  panels.set(p.key, p);
}

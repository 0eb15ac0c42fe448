// A test LSP client: spawns the compiled server (out/server/main.js --stdio) and talks JSON-RPC
// to it with vscode-languageserver-protocol. Collects published diagnostics per URI, and offers
// `$0` cursor fixtures. Test support only.

import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import {
  createProtocolConnection, InitializeParams, ProtocolConnection, PublishDiagnosticsParams, StreamMessageReader,
  StreamMessageWriter, TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';

/** The compiled server; NETNS_LSP_SERVER=dist/server.js runs the same tests against the bundle. */
export const SERVER_JS = process.env.NETNS_LSP_SERVER ? path.resolve(process.env.NETNS_LSP_SERVER) : path.resolve(__dirname, '..', '..', 'server', 'main.js');

export class TestClient {
  readonly published = new Map<string, PublishDiagnosticsParams[]>();
  private waiters: Array<() => void> = [];
  private versions = new Map<string, number>();
  stderr = '';
  /** The server's answer to `initialize`. */
  initResult: unknown;

  private constructor(readonly proc: ChildProcess, readonly conn: ProtocolConnection) {}

  static async start(init: Partial<InitializeParams> = {}): Promise<TestClient> {
    const proc = spawn(process.execPath, [SERVER_JS, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const c = new TestClient(proc, conn);
    proc.stderr!.on('data', (d) => (c.stderr += String(d)));
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      let list = c.published.get(p.uri);
      if (!list) c.published.set(p.uri, (list = []));
      list.push(p);
      const w = c.waiters;
      c.waiters = [];
      w.forEach((f) => f());
    });
    conn.onRequest('workspace/configuration', () => [init.initializationOptions?.netnsDebugger ?? {}]);
    conn.onNotification('window/logMessage', (m: { message: string }) => {
      c.stderr += m.message + '\n';
    });
    conn.listen();
    c.initResult = await conn.sendRequest('initialize', {
      processId: process.pid, rootUri: null, workspaceFolders: null,
      capabilities: {
        workspace: { configuration: true },
        textDocument: { completion: { completionItem: { snippetSupport: true } }, publishDiagnostics: { versionSupport: true } },
      },
      ...init,
    } as InitializeParams);
    await conn.sendNotification('initialized', {});
    return c;
  }

  open(uri: string, text: string, version = 1): void {
    this.versions.set(uri, version);
    void this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'netns', version, text } });
  }

  change(uri: string, changes: TextDocumentContentChangeEvent[]): number {
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    void this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  close(uri: string): void {
    void this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  version(uri: string): number {
    return this.versions.get(uri) ?? 0;
  }

  /** Waits until diagnostics for `uri` at `version` (or later) are published. */
  async diagnostics(uri: string, version = this.version(uri), timeoutMs = 10000): Promise<PublishDiagnosticsParams> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const list = this.published.get(uri) ?? [];
      const hit = [...list].reverse().find((p) => (p.version ?? 0) >= version);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no diagnostics for ${uri} v${version}; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest(method, params) as Promise<R>;
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      void this.conn.sendNotification('exit');
    } catch {
      // already gone
    }
    await new Promise<void>((resolve) => {
      if (this.proc.exitCode !== null) return resolve();
      const t = setTimeout(() => {
        this.proc.kill();
        resolve();
      }, 2000);
      this.proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
    this.conn.dispose();
  }
}

/** Splits a fixture with a `$0` cursor into its text and the cursor's offset and position. */
export function cursor(withCursor: string): { text: string; offset: number; position: { line: number; character: number } } {
  const offset = withCursor.indexOf('$0');
  if (offset < 0) throw new Error('fixture has no $0');
  const text = withCursor.slice(0, offset) + withCursor.slice(offset + 2);
  const before = text.slice(0, offset).split('\n');
  return { text, offset, position: { line: before.length - 1, character: before[before.length - 1].length } };
}

/** Offset -> LSP position (UTF-16) for assertions. */
export function positionOf(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

export function offsetOf(text: string, pos: { line: number; character: number }): number {
  const lines = text.split('\n');
  let o = 0;
  for (let i = 0; i < pos.line && i < lines.length; i++) o += lines[i].length + 1;
  return o + pos.character;
}

/** Applies LSP text edits (non-overlapping) to a text. */
export function applyTextEdits(text: string, edits: Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }>): string {
  const abs = edits.map((e) => ({ s: offsetOf(text, e.range.start), e: offsetOf(text, e.range.end), t: e.newText })).sort((a, b) => b.s - a.s);
  let out = text;
  for (const e of abs) out = out.slice(0, e.s) + e.t + out.slice(e.e);
  return out;
}

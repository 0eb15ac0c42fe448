// Entry point of the VS Code extension (bundled to dist/extension.js): activate() starts the
// language client for .netns files (dist/server.js over stdio), registers the debug configuration
// provider and adapter factory (debug.ts) and the commands (commands.ts). It holds no language or
// debugger logic: those live in server/, debugger/ and core/.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { outputChannel, registerCommands } from './commands';
import { registerDebugging } from './debug';

let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  registerCommands(context);
  registerDebugging(context);
  // Activation does not wait for the server: the client module loads and the server starts in
  // the background, so activation stays short (npm run bench measures it).
  void startLanguageClient(context);
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  await c?.stop();
}

async function startLanguageClient(context: vscode.ExtensionContext): Promise<void> {
  const server = join(context.extensionPath, 'dist', 'server.js');
  if (!existsSync(server)) {
    outputChannel().appendLine('The language server is not built (dist/server.js is missing): no diagnostics or completion.');
    return;
  }
  const { LanguageClient, TransportKind } = await import('vscode-languageclient/node');
  // The same `--stdio` transport other editors use (vscode-languageclient appends the flag).
  const serverOptions: ServerOptions = {
    run: { module: server, transport: TransportKind.stdio },
    debug: { module: server, transport: TransportKind.stdio, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'netns' },
      { scheme: 'untitled', language: 'netns' },
    ],
    synchronize: { configurationSection: 'netnsDebugger' },
    initializationOptions: {
      simulationMode: vscode.workspace.getConfiguration('netnsDebugger').get<string>('simulation.mode', 'separate'),
    },
  };
  // The id `netnsDebugger` makes the client honour the `netnsDebugger.trace.server` setting.
  client = new LanguageClient('netnsDebugger', 'Netns Language Server', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (e) {
    outputChannel().appendLine(`The language server did not start: ${e instanceof Error ? e.message : String(e)}`);
  }
}

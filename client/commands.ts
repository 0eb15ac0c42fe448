// The extension's commands (ids `netnsDebugger.*`, declared in package.json "contributes.commands"):
// trace a probe, debug a probe, export a script, import live namespaces, topology, matrix, pcap.
// Owns the user interaction (pick lists, confirmations, progress, messages); the work is done by the
// CLI (cli.ts) or the debugger. A command never throws: failures become messages. Anything that would
// run on the machine beyond the offline CLI is shown first, asked for, refused in an untrusted
// workspace, and never acts on the host's own namespace.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CliCommand, cliSupports, documentOperand, locateCli, notImplementedMessage, runCli } from './cli';
import { findProbes, probeAt, readCommandArgs, shellQuote } from './probes';

export const COMMANDS = {
  traceProbe: 'netnsDebugger.traceProbe',
  debugProbe: 'netnsDebugger.debugProbe',
  exportScript: 'netnsDebugger.exportScript',
  importNamespaces: 'netnsDebugger.importNamespaces',
  showTopology: 'netnsDebugger.showTopology',
  showMatrix: 'netnsDebugger.showMatrix',
  exportPcap: 'netnsDebugger.exportPcap',
} as const;

let output: vscode.OutputChannel | undefined;
/** The "Netns Debugger" output channel, created on first use (keeps activation cheap). */
export function outputChannel(): vscode.OutputChannel {
  output ??= vscode.window.createOutputChannel('Netns Debugger');
  return output;
}

export function simulationMode(): string {
  return vscode.workspace.getConfiguration('netnsDebugger').get<string>('simulation.mode', 'separate');
}

/** The .netns document a command applies to: the URI it was given, else the active editor's. */
async function targetDocument(uri: string | undefined): Promise<vscode.TextDocument | undefined> {
  if (uri) return vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
  const doc = vscode.window.activeTextEditor?.document;
  if (doc?.languageId === 'netns') return doc;
  void vscode.window.showInformationMessage('Open a .netns topology file first.');
  return undefined;
}

/**
 * The probe to use: the one named, else the one under the cursor, else the only one, else the
 * user's pick. Undefined when the file has no probe (after saying so) or the pick was dismissed.
 */
export async function chooseProbe(doc: vscode.TextDocument, named?: string, cursorLine?: number): Promise<string | undefined> {
  if (named) return named;
  const probes = findProbes(doc.getText());
  if (probes.length === 0) {
    void vscode.window.showInformationMessage(
      'This file has no probe to run. Add one, for example: probe web from client tcp 10.0.2.2:80 expect delivered',
    );
    return undefined;
  }
  if (cursorLine !== undefined) {
    const here = probeAt(probes, cursorLine);
    if (here) return here.name;
  }
  if (probes.length === 1) return probes[0].name;
  const picked = await vscode.window.showQuickPick(
    probes.map((p) => ({ label: p.name, description: p.detail, detail: `line ${p.line + 1}` })),
    { title: 'Which probe?', placeHolder: 'Pick a probe of this file', matchOnDescription: true },
  );
  return picked?.label;
}

function cursorLineFor(doc: vscode.TextDocument): number | undefined {
  const editor = vscode.window.activeTextEditor;
  return editor && editor.document.uri.toString() === doc.uri.toString() ? editor.selection.active.line : undefined;
}

function requireCli(context: vscode.ExtensionContext): CliCommand | undefined {
  const cli = locateCli(context.extensionPath);
  if (!cli) {
    void vscode.window.showInformationMessage(
      'The netns-dbg command line is not available (dist/cli.js is not built, or netnsDebugger.cliPath points nowhere).',
    );
  }
  return cli;
}

/** Shows what a CLI run printed in the output channel; says "not yet implemented" as information. */
function report(title: string, r: { status: number; stdout: string; stderr: string }): boolean {
  const out = outputChannel();
  const notYet = notImplementedMessage(r);
  if (notYet) {
    void vscode.window.showInformationMessage(`${title}: ${notYet}`);
    return false;
  }
  if (r.stderr === 'cancelled') return false;
  out.appendLine(`--- ${title} (exit ${r.status})`);
  if (r.stdout) out.append(r.stdout.endsWith('\n') ? r.stdout : r.stdout + '\n');
  if (r.stderr) out.append(r.stderr.endsWith('\n') ? r.stderr : r.stderr + '\n');
  out.show(true);
  if (r.status !== 0 && r.status !== 1) {
    void vscode.window.showErrorMessage(`${title} failed: ${r.stderr.trim().split('\n')[0] || `exit status ${r.status}`}`);
    return false;
  }
  return true;
}

async function traceProbe(context: vscode.ExtensionContext, args: unknown[]): Promise<void> {
  const target = readCommandArgs(args);
  const doc = await targetDocument(target.uri);
  if (!doc) return;
  const probe = await chooseProbe(doc, target.probe, cursorLineFor(doc));
  if (!probe) return;
  const cli = requireCli(context);
  if (!cli) return;
  const { operand, stdin } = documentOperand(doc);
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Tracing probe ${probe}`, cancellable: true },
    (_p, token) => runCli(cli, ['trace', '--probe', probe, '--mode', simulationMode(), operand], { stdin, token }),
  );
  report(`trace ${probe}`, r);
}

async function debugProbe(args: unknown[]): Promise<void> {
  const target = readCommandArgs(args);
  const doc = await targetDocument(target.uri);
  if (!doc) return;
  const probe = await chooseProbe(doc, target.probe, cursorLineFor(doc));
  if (!probe) return;
  if (doc.isUntitled) {
    void vscode.window.showInformationMessage('Save the topology file before debugging it.');
    return;
  }
  if (doc.isDirty) await doc.save();
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  await vscode.debug.startDebugging(folder, {
    type: 'netns',
    request: 'launch',
    name: `Debug probe ${probe}`,
    topology: doc.uri.fsPath,
    probe,
    mode: simulationMode(),
    stopOnEntry: true,
  });
}

async function exportScript(context: vscode.ExtensionContext, args: unknown[]): Promise<void> {
  const doc = await targetDocument(readCommandArgs(args).uri);
  if (!doc) return;
  const cli = requireCli(context);
  if (!cli) return;
  const { operand, stdin } = documentOperand(doc);
  // Export only prints a script: nothing runs on the machine here, the user decides what to do with it.
  let r = await runCli(cli, ['export', operand], { stdin });
  if (r.status === 1 && !r.stdout) {
    const choice = await vscode.window.showWarningMessage(
      r.stderr.trim() || 'The file has errors: the real tools would reject some lines.',
      'Export anyway',
    );
    if (choice !== 'Export anyway') return;
    r = await runCli(cli, ['export', '--force', operand], { stdin });
  }
  if (r.status !== 0 || !r.stdout) {
    if (!report('export', r)) return;
    if (!r.stdout) return;
  }
  const script = await vscode.workspace.openTextDocument({ language: 'shellscript', content: r.stdout });
  await vscode.window.showTextDocument(script, { preview: false });
}

/** Asks before running `command` on this machine; false in an untrusted workspace or when declined. */
export async function confirmRun(what: string, command: CliCommand, args: string[]): Promise<boolean> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(`${what} runs commands on this machine, which is not allowed in an untrusted workspace.`);
    return false;
  }
  const line = [command.program, ...command.args, ...args].map(shellQuote).join(' ');
  const answer = await vscode.window.showWarningMessage(
    `${what} will run on this machine:`,
    { modal: true, detail: `${line}\n\nIt only reads the named namespaces (ip netns list); it changes nothing and never reads the host's own namespace.` },
    'Run',
  );
  return answer === 'Run';
}

async function importNamespaces(context: vscode.ExtensionContext): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Import from live namespaces runs commands on this machine, which is not allowed in an untrusted workspace.');
    return;
  }
  const cli = requireCli(context);
  if (!cli) return;
  if (!(await cliSupports(cli, 'import'))) {
    void vscode.window.showInformationMessage('Import from live namespaces is not available yet: this build of netns-dbg has no import command.');
    return;
  }
  const args = ['import'];
  if (!(await confirmRun('Import from live namespaces', cli, args))) return;
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Importing live namespaces', cancellable: true },
    (_p, token) => runCli(cli, args, { token, timeoutMs: 120000 }),
  );
  if (r.status !== 0 || !r.stdout) {
    report('import', r);
    return;
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'netns', content: r.stdout });
  await vscode.window.showTextDocument(doc, { preview: false });
}

async function showMatrix(context: vscode.ExtensionContext, args: unknown[]): Promise<void> {
  const doc = await targetDocument(readCommandArgs(args).uri);
  if (!doc) return;
  const { showMatrixView } = loadViews();
  await showMatrixView(context, doc);
}

async function showTopology(context: vscode.ExtensionContext, args: unknown[]): Promise<void> {
  const doc = await targetDocument(readCommandArgs(args).uri);
  if (!doc) return;
  const { showTopologyView } = loadViews();
  showTopologyView(context, doc);
}

async function exportPcap(args: unknown[]): Promise<void> {
  const target = readCommandArgs(args);
  const doc = await targetDocument(target.uri);
  if (!doc) return;
  const { exportPcapCommand } = loadViews();
  await exportPcapCommand(doc, target.probe);
}

type Views = typeof import('./views/index');

/**
 * The views load core/ (model, simulator), so they are loaded on first use, from their own bundle
 * (dist/views.js beside dist/extension.js) or, compiled by tsc for the tests, from views/index.js.
 * The path is computed so that esbuild leaves the require alone and activation parses none of it.
 */
function loadViews(): Views {
  const file = [join(__dirname, 'views.js'), join(__dirname, 'views', 'index.js')].find((f) => existsSync(f));
  if (!file) throw new Error('the views are not built (dist/views.js is missing): run npm run build');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as Views;
}

/** Wraps a handler so that an unexpected failure is a message, never an unhandled rejection. */
function safely(name: string, fn: (...args: unknown[]) => unknown): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    try {
      await fn(...args);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      outputChannel().appendLine(`${name} failed: ${e instanceof Error && e.stack ? e.stack : message}`);
      void vscode.window.showErrorMessage(`${name} failed: ${message}`);
    }
  };
}

export function registerCommands(context: vscode.ExtensionContext): void {
  const register = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, safely(id, fn)));
  register(COMMANDS.traceProbe, (...args) => traceProbe(context, args));
  register(COMMANDS.debugProbe, (...args) => debugProbe(args));
  register(COMMANDS.exportScript, (...args) => exportScript(context, args));
  register(COMMANDS.importNamespaces, () => importNamespaces(context));
  register(COMMANDS.showMatrix, (...args) => showMatrix(context, args));
  register(COMMANDS.showTopology, (...args) => showTopology(context, args));
  register(COMMANDS.exportPcap, (...args) => exportPcap(args));
}

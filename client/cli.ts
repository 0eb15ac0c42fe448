// Runs the project's own CLI (dist/cli.js, or the `netnsDebugger.cliPath` setting) for the
// extension's commands: trace, matrix, export, import. Owns locating the CLI, feeding it the
// document (its file, or the unsaved text on stdin as `-`), cancellation and a timeout. It does not
// decide what a command means (commands.ts does) and never runs anything but that CLI.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface CliCommand {
  /** Program and arguments, exactly as run (shown to the user before anything runs on the machine). */
  program: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * The CLI to run: the `netnsDebugger.cliPath` setting (machine-scoped; VS Code ignores workspace
 * values of it in untrusted workspaces) or the bundled dist/cli.js, started with the extension
 * host's own Node (ELECTRON_RUN_AS_NODE makes the desktop app's binary behave as node).
 * Undefined when neither exists.
 */
export function locateCli(extensionPath: string): CliCommand | undefined {
  const configured = vscode.workspace.getConfiguration('netnsDebugger').get<string>('cliPath', '').trim();
  const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
  if (configured) {
    if (!existsSync(configured)) return undefined;
    if (configured.endsWith('.js')) return { program: process.execPath, args: [configured], env };
    return { program: configured, args: [], env: process.env };
  }
  const bundled = join(extensionPath, 'dist', 'cli.js');
  if (!existsSync(bundled)) return undefined;
  return { program: process.execPath, args: [bundled], env };
}

/** The file operand for `doc`: its path when saved on disk, else `-` with the text on stdin. */
export function documentOperand(doc: vscode.TextDocument): { operand: string; stdin?: string } {
  if (doc.uri.scheme === 'file' && !doc.isDirty) return { operand: doc.uri.fsPath };
  return { operand: '-', stdin: doc.getText() };
}

/** Runs the CLI with `args`; resolves with its status and output (never rejects). */
export function runCli(
  cli: CliCommand,
  args: string[],
  options: { stdin?: string; token?: vscode.CancellationToken; timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const child = spawn(cli.program, [...cli.args, ...args], { env: cli.env, cwd: options.cwd, stdio: 'pipe' });
    const finish = (r: CliResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sub?.dispose();
      resolve(r);
    };
    const timer = setTimeout(() => {
      child.kill();
      finish({ status: -1, stdout, stderr: stderr + `\nnetns-dbg did not finish in ${options.timeoutMs ?? 60000} ms and was stopped.` });
    }, options.timeoutMs ?? 60000);
    const sub = options.token?.onCancellationRequested(() => {
      child.kill();
      finish({ status: -1, stdout, stderr: 'cancelled' });
    });
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => finish({ status: -1, stdout, stderr: stderr + String(e.message) }));
    child.on('close', (code) => finish({ status: code ?? -1, stdout, stderr }));
    child.stdin.on('error', () => undefined); // the CLI may exit before reading stdin
    child.stdin.end(options.stdin ?? '');
  });
}

/** True when the CLI's usage lists `command` (so a command whose engine is missing can say so). */
export function cliSupports(cli: CliCommand, command: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(cli.program, [...cli.args, '--help'], { env: cli.env, timeout: 10000 }, (_err, stdout, stderr) => {
      const usage = `${stdout}\n${stderr}`;
      resolve(new RegExp(`^\\s+${command}\\b`, 'm').test(usage));
    });
  });
}

/** The CLI's own words when a command exists but its engine is not part of this build yet. */
export function notImplementedMessage(r: CliResult): string | undefined {
  const m = /not yet implemented[^\n]*/.exec(r.stderr);
  return m ? m[0] : undefined;
}

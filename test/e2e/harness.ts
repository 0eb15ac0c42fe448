// Real-editor harness for the e2e tier: starts code-server 4.100.3 (installed by
// scripts/setup-code-server.sh into .vscode-test/) on 127.0.0.1 with HOME/XDG in a scratch folder,
// loads the built extension from the repository through extensionDevelopmentPath, and drives Debian's
// chromium with playwright-core. Stopping kills code-server's whole process group. It holds no
// assertions about the extension (the *.e2e.ts suites do). Recipe: shared/reference/real-editors.md.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';

export const ROOT = join(__dirname, '..', '..', '..');
export const E2E_DIR = process.env.NETNS_E2E_DIR ?? join(ROOT, '.vscode-test');
const CODE_SERVER = join(E2E_DIR, 'code-server', 'node_modules', '.bin', 'code-server');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Why the e2e tier cannot run here, or undefined when it can. */
export function missingPrerequisite(): string | undefined {
  if (!existsSync(CODE_SERVER)) return `code-server is not installed: run scripts/setup-code-server.sh (looked for ${CODE_SERVER})`;
  if (!existsSync(CHROMIUM)) return `chromium is not installed at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM)`;
  if (!existsSync(join(ROOT, 'dist', 'extension.js'))) return 'the extension is not built: npm run build';
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${log()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`code-server did not answer ${url} within ${timeoutMs} ms:\n${log()}`);
}

export interface Editor {
  page: Page;
  /** The workspace folder code-server opened (a fresh scratch folder). */
  workspace: string;
  /** Opens the file `name` of the workspace from the Explorer. */
  openFromExplorer(name: string): Promise<void>;
  /** Runs a command by its palette title (`Netns: Show Topology`). */
  runCommand(title: string): Promise<void>;
  /** Waits for a notification toast containing `text`; returns its text. */
  notification(text: string | RegExp): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts code-server on a fresh workspace holding `files` (name -> text), with the extension loaded
 * from the repository, and a headless chromium on it. Always call stop().
 */
export async function startEditor(files: Record<string, string>, settings: Record<string, unknown> = {}): Promise<Editor> {
  mkdirSync(E2E_DIR, { recursive: true });
  const scratch = mkdtempSync(join(E2E_DIR, 'run-'));
  const workspace = join(scratch, 'ws');
  const userData = join(scratch, 'data');
  for (const d of [workspace, join(userData, 'User'), join(scratch, 'ext'), join(scratch, 'home'), join(scratch, 'browser')]) {
    mkdirSync(d, { recursive: true });
  }
  for (const [name, text] of Object.entries(files)) writeFileSync(join(workspace, name), text);
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'update.mode': 'none',
      'telemetry.telemetryLevel': 'off',
      'workbench.tips.enabled': false,
      'security.workspace.trust.enabled': false,
      // The scratch workspace lies inside the project's git repository: keep git quiet about it.
      'git.enabled': false,
      'git.openRepositoryInParentFolders': 'never',
      ...settings,
    }),
  );

  const port = await freePort();
  const env = {
    ...process.env,
    HOME: join(scratch, 'home'),
    XDG_CONFIG_HOME: join(scratch, 'xdg', 'config'),
    XDG_DATA_HOME: join(scratch, 'xdg', 'data'),
    XDG_CACHE_HOME: join(scratch, 'xdg', 'cache'),
  };
  let log = '';
  // detached: code-server leads its own process group, so stop() can kill it with every child.
  const server = spawn(
    CODE_SERVER,
    [
      '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--disable-getting-started-override',
      '--user-data-dir', userData, '--extensions-dir', join(scratch, 'ext'), workspace,
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (log += d.toString()));

  let context: BrowserContext | undefined;
  const stop = async () => {
    await context?.close().catch(() => undefined);
    if (server.pid && server.exitCode === null) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise((r) => setTimeout(r, 300));
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (!process.env.NETNS_E2E_KEEP) rmSync(scratch, { recursive: true, force: true });
  };

  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForHealth(`${base}/healthz`, server, () => log, 30000);
    context = await chromium.launchPersistentContext(join(scratch, 'browser'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${ROOT}`]]);
    await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 30000 });
    return {
      page,
      workspace,
      async openFromExplorer(name: string) {
        await page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first().click({ timeout: 20000 });
        await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 20000 });
      },
      async runCommand(title: string) {
        await page.keyboard.press('F1');
        const input = page.locator('.quick-input-widget input');
        await input.waitFor({ timeout: 10000 });
        await input.fill(`>${title}`);
        await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10000 });
        await page.keyboard.press('Enter');
      },
      async notification(text: string | RegExp) {
        const toast = page.locator('.notification-toast', { hasText: text }).first();
        await toast.waitFor({ timeout: 20000 });
        return (await toast.textContent()) ?? '';
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

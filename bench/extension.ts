// Bench rows for what a VS Code user installs: the extension's activation time (a fresh node
// process loads dist/extension.js against a stand-in `vscode` module and calls activate(); VS Code's
// own extension host adds its overhead on top) and the size of the VSIX that `npm run package`
// builds (minified bundles, no node_modules).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchRow, median, ms } from './harness';

const repoRoot = path.resolve(__dirname, '..', '..');

/** Run in a child process: prints the milliseconds of require + activate. */
const ACTIVATE_JS = `
const Module = require('module');
const load = Module._load;
const stub = new Proxy(function () {}, { get: (_t, k) => (k === 'then' ? undefined : stub), apply: () => stub, construct: () => stub });
const api = {};
for (const k of ['commands', 'window', 'workspace', 'debug', 'languages', 'env', 'extensions', 'tasks', 'Uri', 'EventEmitter',
  'ProgressLocation', 'DebugConfigurationProviderTriggerKind', 'DebugAdapterInlineImplementation', 'DebugAdapterExecutable',
  'Disposable', 'StatusBarAlignment', 'ViewColumn', 'Range', 'Position', 'Selection', 'ThemeColor']) api[k] = stub;
Module._load = function (req, ...rest) { return req === 'vscode' ? api : load.call(this, req, ...rest); };
process.on('unhandledRejection', () => {});
const t0 = process.hrtime.bigint();
const ext = require(process.argv[2]);
ext.activate({ subscriptions: [], extensionPath: process.argv[3], extensionUri: stub, globalState: stub, workspaceState: stub });
const t1 = process.hrtime.bigint();
process.stdout.write(String(Number(t1 - t0) / 1e6));
process.exit(0);
`;

export function extensionRows(): BenchRow[] {
  const rows: BenchRow[] = [];
  const ext = path.join(repoRoot, 'dist', 'extension.js');
  const pkg = spawnSync('npm', ['run', '-s', 'package'], { cwd: repoRoot, encoding: 'utf8' });
  const vsix = path.join(repoRoot, 'netns-debugger.vsix');
  if (pkg.status === 0 && fs.existsSync(vsix)) {
    const kb = fs.statSync(vsix).size / 1024;
    rows.push({ name: 'VSIX size (npm run package)', figure: `${kb.toFixed(0)} KB`, goal: '< 1024 KB', status: kb < 1024 ? 'ok' : 'slow' });
  } else {
    rows.push({ name: 'VSIX size (npm run package)', figure: '-', goal: '< 1024 KB', status: 'failed', notes: [`npm run package: ${(pkg.stderr || pkg.stdout).trim().split('\n').slice(-3).join(' | ')}`] });
  }
  if (!fs.existsSync(ext)) {
    rows.push({ name: 'extension activation', figure: '-', goal: '< 50 ms', status: 'unavailable', notes: ['dist/extension.js missing: npm run build'] });
    return rows;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netns-dbg-act-'));
  const script = path.join(dir, 'activate.js');
  fs.writeFileSync(script, ACTIVATE_JS);
  const runs: number[] = [];
  try {
    for (let i = 0; i < 7; i++) {
      const r = spawnSync(process.execPath, [script, ext, repoRoot], { encoding: 'utf8' });
      const v = Number(r.stdout);
      if (r.status === 0 && Number.isFinite(v)) runs.push(v);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (!runs.length) {
    rows.push({ name: 'extension activation', figure: '-', goal: '< 50 ms', status: 'failed', notes: ['the activation probe did not run'] });
    return rows;
  }
  const m = median(runs);
  rows.push({
    name: 'extension activation (require + activate)',
    figure: ms(m),
    goal: '< 50 ms',
    status: m < 50 ? 'ok' : 'slow',
    notes: [`median of ${runs.length} fresh node processes loading the minified dist/extension.js with a stand-in vscode API; VS Code's extension host adds its own overhead`],
  });
  return rows;
}

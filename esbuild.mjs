// Build script: bundles the four entry points into dist/ (cjs, node 20, external 'vscode',
// source maps). Owns only the bundling; type checking is `tsc -p .` (npm test runs both).
// An entry whose source file does not exist yet is skipped with a note, so the build never fails
// for a part that is still being written. Usage: node esbuild.mjs [--watch] [--minify]
import * as esbuild from 'esbuild';
import { chmodSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');

/** Output name -> source entry. Other editors and tools start these files directly: keep the names. */
const entries = [
  { out: 'extension.js', src: 'client/extension.ts' },
  { out: 'server.js', src: 'server/main.ts' },
  { out: 'debugAdapter.js', src: 'debugger/main.ts' },
  { out: 'cli.js', src: 'cli/main.ts', banner: '#!/usr/bin/env node', executable: true },
  // The extension's views (topology, matrix, pcap): loaded by extension.js on first use, so that
  // activation does not parse the model and the simulator.
  { out: 'views.js', src: 'client/views/index.ts' },
  // The webview pages (topology, matrix): browser code loaded by the extension's webview panels.
  { out: 'webview.js', src: 'webview/main.ts', options: { platform: 'browser', format: 'iife', target: 'es2022', external: [] } },
];

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['vscode'],
  sourcemap: true,
  minify,
  logLevel: 'warning',
  absWorkingDir: root,
};

const present = entries.filter((e) => existsSync(join(root, e.src)));
for (const e of entries) if (!present.includes(e)) console.log(`esbuild: skipped dist/${e.out} (no ${e.src} yet)`);

const started = Date.now();
const contexts = await Promise.all(
  present.map((e) =>
    esbuild.context({
      ...common,
      entryPoints: [join(root, e.src)],
      outfile: join(root, 'dist', e.out),
      banner: e.banner ? { js: e.banner } : undefined,
      plugins: e.executable ? [makeExecutable(join(root, 'dist', e.out))] : [],
      ...e.options,
    }),
  ),
);

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log(`esbuild: watching ${present.map((e) => e.src).join(', ')}`);
} else {
  let failed = false;
  await Promise.all(
    contexts.map(async (c, i) => {
      try {
        await c.rebuild();
      } catch {
        failed = true; // esbuild has printed the errors
        console.error(`esbuild: failed to build dist/${present[i].out}`);
      } finally {
        await c.dispose();
      }
    }),
  );
  if (failed) process.exit(1);
  console.log(`esbuild: built ${present.map((e) => `dist/${e.out}`).join(', ')} in ${Date.now() - started} ms`);
}

/** Marks the bundle executable after each build (the CLI is started directly through package.json `bin`). */
function makeExecutable(file) {
  return {
    name: 'make-executable',
    setup(build) {
      build.onEnd((result) => {
        if (!result.errors.length && existsSync(file)) chmodSync(file, 0o755);
      });
    },
  };
}

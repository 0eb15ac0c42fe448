// The list of benchmark entries `npm run bench` runs, in order. Append yours (simulator, language
// server, debugger rows): an entry is { id, run(ctx) => rows } (bench/harness.ts); keep each in its
// own file under bench/ and share the generated topology through ctx.topology().
import type { BenchEntry } from './harness';
import { lspBenchRows } from '../test/server/bench-lsp';
import { debuggerRows } from './debugger';
import { extensionRows } from './extension';
import { parseCheckRows } from './parse-check';
import { simRows } from './sim';
import { cliCheckRows, formatRows } from './tools';

export const entries: BenchEntry[] = [
  { id: 'parse-check', run: parseCheckRows },
  { id: 'fmt', run: formatRows },
  { id: 'cli-check', run: cliCheckRows },
  { id: 'sim', run: simRows },
  { id: 'lsp', run: lspBenchRows },
  { id: 'debugger', run: debuggerRows },
  { id: 'extension', run: extensionRows },
];

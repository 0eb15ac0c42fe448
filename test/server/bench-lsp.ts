// Language server benchmark rows for `npm run bench` (bench/ is owned by another engineer: the
// entry to add there is `{ id: 'lsp', run: lspBenchRows }` from this file). Measures, over stdio
// against the compiled server, edit-to-diagnostics latency (didChange sent -> publishDiagnostics
// of that version received; debounce set to 0 so the figure is the work, not the wait) for a
// 10,000-line and a 100,000-line file, p50/p95, and the server's resident memory after loading
// the 100,000-line file. Not a test: no assertions.
import * as fs from 'node:fs';
import type { BenchContext, BenchRow } from '../../bench/harness';
import { generateTopology } from '../../bench/generate';
import { TestClient } from './client';

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function rssOf(pid: number | undefined): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function latency(text: string, edits: number): Promise<{ p50: number; p95: number; open: number; rss?: number }> {
  const c = await TestClient.start({ initializationOptions: { netnsDebugger: { diagnostics: { debounceMs: 0 } } } });
  try {
    const uri = 'file:///bench.netns';
    let t0 = performance.now();
    c.open(uri, text);
    await c.diagnostics(uri, 1, 600000);
    const open = performance.now() - t0;
    const rss = rssOf(c.proc.pid);
    // Each edit types one character at the end of a line in the middle of the file, then the next
    // one deletes it: the text stays comparable and every edit changes the model's input.
    const line = text.slice(0, text.length >> 1).split('\n').length;
    const col = text.split('\n')[line].length;
    const times: number[] = [];
    for (let i = 0; i < edits; i++) {
      const at = { line, character: col };
      const change = i % 2 === 0 ? { range: { start: at, end: at }, text: ' ' } : { range: { start: at, end: { line, character: col + 1 } }, text: '' };
      t0 = performance.now();
      const v = c.change(uri, [change]);
      await c.diagnostics(uri, v, 600000);
      times.push(performance.now() - t0);
    }
    return { p50: percentile(times, 50), p95: percentile(times, 95), open, rss };
  } finally {
    await c.stop();
  }
}

export async function lspBenchRows(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const small = generateTopology({ namespaces: 100 });
  const s = await latency(small.text, 40);
  rows.push({
    name: `lsp edit->diagnostics p50/p95 (${small.lines} lines)`, figure: `${s.p50.toFixed(1)} / ${s.p95.toFixed(1)} ms`, goal: 'p95 < 30 ms',
    status: s.p95 < 30 ? 'ok' : 'slow', notes: ['lsp: didChange -> publishDiagnostics of that version over stdio, debounce 0 (the default 50 ms debounce comes on top)'],
  });
  const big = ctx.topology();
  const b = await latency(big.text, 10);
  rows.push({ name: `lsp edit->diagnostics p50/p95 (${big.lines} lines)`, figure: `${b.p50.toFixed(0)} / ${b.p95.toFixed(0)} ms`, goal: '', status: 'ok' });
  rows.push({ name: `lsp open->first diagnostics (${big.lines} lines)`, figure: `${b.open.toFixed(0)} ms`, goal: '', status: 'ok' });
  rows.push({
    name: `lsp server memory after loading ${big.lines} lines`, figure: b.rss !== undefined ? `${(b.rss / 1048576).toFixed(0)} MB RSS` : 'n/a', goal: '',
    status: b.rss !== undefined ? 'ok' : 'unavailable',
  });
  return rows;
}


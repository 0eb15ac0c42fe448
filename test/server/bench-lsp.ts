// Language server benchmark rows for `npm run bench` (bench/ is owned by another engineer: the
// entry to add there is `{ id: 'lsp', run: lspBenchRows }` from this file). Measures, over stdio
// against the compiled server, edit-to-diagnostics latency (didChange sent -> publishDiagnostics
// of that version received; debounce set to 0 so the figure is the work, not the wait) for a
// 10,000-line and a 100,000-line file, p50/p95, for four kinds of edit (a space, a rule's port, a
// device name turned wrong and back, a new statement line), and the server's resident memory after
// loading the 100,000-line file. Not a test: no assertions.
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

/** Edits made before the measured ones (an even number: each edit is undone by the next). */
const WARMUP = 10;

/** The kinds of edit measured, each typed in the middle of the file and undone by the next edit. */
type EditKind = 'space' | 'port' | 'device' | 'line';

/** Where an edit goes and what it types: position and the two texts it alternates between. */
function editSite(text: string, kind: EditKind): { offset: number; a: string; b: string } {
  const mid = text.indexOf('namespace ', text.length >> 1);
  switch (kind) {
    case 'space': {
      // A space at the end of a rule line: changes no word.
      const at = text.indexOf('\n', text.indexOf('iptables ', mid));
      return { offset: at, a: ' ', b: '' };
    }
    case 'port': {
      // A firewall rule's port: 22 -> 221 -> 22 (the rule changes; its namespace is rechecked).
      const at = text.indexOf('--dport ', mid) + '--dport '.length;
      return { offset: at, a: '9', b: '' };
    }
    case 'device': {
      // A device name in `ip addr add ... dev vN`: typing a letter makes it unknown (an error with
      // the nearest name and where such a device exists), deleting it fixes it.
      const at = text.indexOf(' dev v', mid) + ' dev v'.length;
      return { offset: at, a: 'x', b: '' };
    }
    case 'line': {
      // A new statement line and its removal: the number of statements changes.
      const at = text.indexOf('\n', text.indexOf('iptables ', mid)) + 1;
      return { offset: at, a: '    ip link set lo up\n', b: '' };
    }
  }
}

async function latency(text: string, edits: number, kind: EditKind): Promise<{ p50: number; p95: number; open: number; rss?: number }> {
  const c = await TestClient.start({ initializationOptions: { netnsDebugger: { diagnostics: { debounceMs: 0 } } } });
  try {
    const uri = 'file:///bench.netns';
    let t0 = performance.now();
    c.open(uri, text);
    await c.diagnostics(uri, 1, 600000);
    const open = performance.now() - t0;
    const rss = rssOf(c.proc.pid);
    const site = editSite(text, kind);
    const before = text.slice(0, site.offset).split('\n');
    const at = { line: before.length - 1, character: before[before.length - 1].length };
    const times: number[] = [];
    // The first WARMUP edits are not counted (the engine compiles the update path on them).
    for (let i = 0; i < edits + WARMUP; i++) {
      const insert = i % 2 === 0;
      const typed = site.a;
      let end = at;
      if (!insert) {
        const lines = typed.split('\n');
        end = lines.length === 1 ? { line: at.line, character: at.character + typed.length } : { line: at.line + lines.length - 1, character: lines[lines.length - 1].length };
      }
      const change = insert ? { range: { start: at, end: at }, text: typed } : { range: { start: at, end }, text: site.b };
      t0 = performance.now();
      const v = c.change(uri, [change]);
      await c.diagnostics(uri, v, 600000);
      if (i >= WARMUP) times.push(performance.now() - t0);
    }
    return { p50: percentile(times, 50), p95: percentile(times, 95), open, rss };
  } finally {
    await c.stop();
  }
}

const KIND_NAMES: Record<EditKind, string> = {
  space: 'a space at a line end',
  port: "a rule's port",
  device: 'a device name (error and back)',
  line: 'a new statement line',
};

export async function lspBenchRows(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const small = generateTopology({ namespaces: 100 });
  for (const kind of ['space', 'port', 'device', 'line'] as EditKind[]) {
    const s = await latency(small.text, 100, kind);
    rows.push({
      name: `lsp edit->diagnostics p50/p95 (${small.lines} lines, ${KIND_NAMES[kind]})`, figure: `${s.p50.toFixed(1)} / ${s.p95.toFixed(1)} ms`, goal: 'p95 < 30 ms',
      status: s.p95 < 30 ? 'ok' : 'slow',
      notes: kind === 'space' ? [`lsp: didChange -> publishDiagnostics of that version over stdio, debounce 0 (the default 50 ms debounce comes on top); each edit is undone by the next; ${WARMUP} edits first, not counted; edits back to back (no idle time between them, so the probe expectations, which wait for 200 ms without a change, never run between two)`] : undefined,
    });
  }
  const big = ctx.topology();
  let first = true;
  for (const kind of ['port', 'line'] as EditKind[]) {
    const b = await latency(big.text, kind === 'line' ? 4 : 10, kind);
    rows.push({ name: `lsp edit->diagnostics p50/p95 (${big.lines} lines, ${KIND_NAMES[kind]})`, figure: `${b.p50.toFixed(0)} / ${b.p95.toFixed(0)} ms`, goal: '', status: 'ok' });
    if (first) {
      rows.push({ name: `lsp open->first diagnostics (${big.lines} lines)`, figure: `${b.open.toFixed(0)} ms`, goal: '', status: 'ok' });
      rows.push({
        name: `lsp server memory after loading ${big.lines} lines`, figure: b.rss !== undefined ? `${(b.rss / 1048576).toFixed(0)} MB RSS` : 'n/a', goal: '',
        status: b.rss !== undefined ? 'ok' : 'unavailable',
      });
    }
    first = false;
  }
  return rows;
}

// Renderings of a probe's trace: the human text (one line per step, namespace and kernel function
// first, the rule text for netfilter decisions, close to `nft monitor trace` / pwru), the
// machine-readable JSON of debugger.md, and the mode comparison table. Pure functions of a
// ProbeResult. Does not own running or stepping.

import type { ProbeResult } from './simulate';
import type { SimEvent } from './record';
import type { PathStats } from '../netstack';

/** One line for one event (without indentation). */
export function formatEvent(e: SimEvent): string {
  const a = e.attrs;
  const parts: string[] = [`[${e.netns}]`, e.fn];
  if (e.fn === 'nf_hook' && a.hook) parts.push(a.hook);
  else if (e.fn === 'ipt_do_table') parts.push(`${a.hook} table ${a.table}`);
  else if (e.fn === 'chain') parts.push(`${a.table} ${a.chain}`);
  else if (e.fn === 'rule') {
    parts.push(`${a.table} ${a.chain} #${a.rule}`);
    if (a.text) parts.push(a.text);
    parts.push(a.matched ? `(verdict ${a.verdict})` : `(no match: ${a.why})`);
    return parts.join(' ');
  } else if (e.fn === 'policy') {
    parts.push(`${a.table} ${a.chain}`);
    parts.push(`(policy ${a.verdict})`);
    return parts.join(' ');
  }
  if (a.dev && e.fn !== 'nf_hook') parts.push(`dev ${a.dev}`);
  if (a.text) parts.push(a.text);
  if (a.verdict && e.fn !== 'kfree_skb') parts.push(`(${a.verdict})`);
  if (a.errno) parts.push(`errno ${a.errno}`);
  if (a.reason) parts.push(`reason ${a.reason}`);
  return parts.join(' ');
}

/** The whole trace as text: a header per probe, a line per packet start, indented steps. */
export function formatTrace(r: ProbeResult, opts: { indent?: boolean } = {}): string {
  const lines: string[] = [];
  const o = r.outcome;
  lines.push(`probe ${r.probe.name} (${r.mode.kind === 'separate' ? 'separate' : `shortcut@${r.mode.at}`})`);
  let current = -1;
  const info = new Map(r.packets.map((p) => [p.id, p]));
  for (const e of r.events) {
    if (e.packet !== current) {
      current = e.packet;
      const p = info.get(e.packet);
      lines.push(`packet ${e.packet}${p?.parent ? ` (from ${p.parent})` : ''}: ${p?.summary ?? ''}`);
    }
    const ind = opts.indent === false ? '  ' : '  ' + '  '.repeat(e.depth);
    lines.push(ind + formatEvent(e));
  }
  const at = o.line !== null ? ` line ${o.line}` : '';
  lines.push(`outcome: ${o.kind}${o.netns ? ` in ${o.netns}` : ''}${o.errno ? ` (${o.errno})` : ''}${at}: ${o.reason}`);
  if (r.probe.expect) lines.push(`expected: ${r.probe.expect.kind}${r.probe.expect.netns ? ` in ${r.probe.expect.netns}` : ''} -> ${r.pass ? 'PASS' : 'FAIL'}`);
  return lines.join('\n') + '\n';
}

export interface JsonEvent {
  netns: string;
  fn: string;
  hook?: string;
  table?: string;
  chain?: string;
  rule?: number | null;
  verdict?: string;
  policy?: boolean;
  matched?: boolean;
  why?: string;
  dev?: string;
  line: number | null;
  reason?: string;
  errno?: string;
  text?: string;
}

export interface JsonProbe {
  name: string;
  outcome: { kind: string; netns: string | null; errno: string | null; at: { line: number | null }; reason: string };
  expected: { kind: string; netns?: string } | null;
  pass: boolean | null;
  stats: PathStats;
  packets: { id: number; parent: number | null; summary: string; events: JsonEvent[] }[];
}

/** The machine-readable form of debugger.md ("Machine-readable trace"), one probe. */
export function traceToJson(r: ProbeResult, originToLine?: (origin: number) => number | undefined): JsonProbe {
  const line = (o: number | undefined): number | null => (o === undefined || o < 0 || !originToLine ? null : originToLine(o) ?? null);
  const ev = (e: SimEvent): JsonEvent => {
    const a = e.attrs;
    const j: JsonEvent = { netns: e.netns, fn: e.fn === 'rule' || e.fn === 'policy' || e.fn === 'chain' || e.fn === 'ipt_do_table' ? 'nf_hook' : e.fn, line: line(a.origin) };
    if (a.hook) j.hook = a.hook;
    if (a.table) j.table = a.table;
    if (a.chain) j.chain = a.chain;
    if (e.fn === 'rule' || e.fn === 'policy') j.rule = a.rule ?? null;
    if (a.verdict) j.verdict = a.verdict;
    if (a.policy) j.policy = true;
    if (a.matched !== undefined) j.matched = a.matched;
    if (a.why) j.why = a.why;
    if (a.dev) j.dev = a.dev;
    if (a.reason) j.reason = a.reason;
    if (a.errno) j.errno = a.errno;
    if (a.text) j.text = a.text;
    return j;
  };
  return {
    name: r.probe.name,
    outcome: { kind: r.outcome.kind, netns: r.outcome.netns, errno: r.outcome.errno, at: { line: r.outcome.line ?? line(r.outcome.origin ?? undefined) }, reason: r.outcome.reason },
    expected: r.probe.expect ? { ...r.probe.expect } : null,
    pass: r.pass,
    stats: r.stats,
    packets: r.packets.map((p) => ({ id: p.id, parent: p.parent, summary: p.summary, events: p.events.map(ev) })),
  };
}

/** A table comparing the cost of the same probe in several modes (kernel-path.md 8.5). */
export function formatModeComparison(results: ProbeResult[]): string {
  const head = ['mode', 'outcome', 'l2rx', 'iprx', 'hooks', 'routes', 'layers', 'xmits'];
  const rows = results.map((r) => [
    r.mode.kind === 'separate' ? 'separate' : `shortcut@${r.mode.at}`,
    `${r.outcome.kind}${r.outcome.netns ? ` in ${r.outcome.netns}` : ''}`,
    ...(['l2rx', 'iprx', 'hooks', 'routes', 'layers', 'xmits'] as const).map((k) => String(r.stats[k])),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt)].join('\n') + '\n';
}

// What exists at a given line, computed from the model's symbols and statements (the model keeps
// only the final state). Heuristic, documented here because completion and hover rely on it:
//  - devices: walk the device symbol occurrences of statements before the line in file order; a
//    definition (re)places the device (by key) in its namespace; a reference in a statement that
//    deletes links (`ip link del|delete`) removes it; a reference in `ip link set DEV netns NS`
//    moves it to NS; kernel devices (lo) exist in every namespace from the start. Statements that
//    failed change nothing (the model marks them failed, as the kernel would not apply them).
//  - chains: built-in chains of the table, plus user chains whose definition (`-N`) comes before
//    the line, minus those deleted by a later `-X` before the line.
//  - addresses: the final topology's addresses whose origin statement comes before the line.
// No IO; plain data out.

import { KERNEL_ORIGIN } from '../kernel/config';
import type { Analysis } from './analysis';
import { XT_BUILTIN_CHAINS_BY_TABLE } from './docs-iptables';

/** Device names of `netns` as of just before statement id `beforeStmt` (file order). */
export function devicesAt(a: Analysis, netns: string, beforeStmt: number): string[] {
  const live = new Map<string, { name: string; netns: string }>();
  const statements = a.model.statements;
  for (const s of a.symbols) {
    if (s.kind !== 'device' || s.statement >= beforeStmt) continue;
    const info = statements[s.statement];
    if (info?.failed) continue;
    const words = info?.cmd.words.map((w) => w.value) ?? [];
    if (s.isDefinition) {
      live.set(s.key, { name: s.name, netns: s.netns ?? info?.netns ?? 'root' });
      continue;
    }
    const linkIdx = words.indexOf('link');
    if (linkIdx >= 0 && (words[linkIdx + 1] === 'del' || words[linkIdx + 1] === 'delete')) {
      live.delete(s.key);
      continue;
    }
    if (linkIdx >= 0 && words[linkIdx + 1] === 'set') {
      const n = words.indexOf('netns', linkIdx + 2);
      if (n > 0 && words[n + 1]) {
        const cur = live.get(s.key);
        if (cur) live.set(s.key, { name: cur.name, netns: words[n + 1] });
        continue;
      }
    }
    if (!live.has(s.key)) live.set(s.key, { name: s.name, netns: s.netns ?? info?.netns ?? 'root' });
  }
  const names = new Set<string>();
  const ns = a.model.topology.namespaces.get(netns);
  if (ns) for (const d of ns.devices.values()) if (d.origin === KERNEL_ORIGIN) names.add(d.name);
  if (!ns && netns) names.add('lo');
  for (const d of live.values()) if (d.netns === netns) names.add(d.name);
  return [...names];
}

/** Chains of `table` in `netns` as of just before statement `beforeStmt`: built-in first. */
export function chainsAt(a: Analysis, netns: string, table: string, beforeStmt: number): string[] {
  const out = new Set<string>(XT_BUILTIN_CHAINS_BY_TABLE[table] ?? []);
  const prefix = `chain:${netns}/${table}/`;
  for (const s of a.symbols) {
    if (s.kind !== 'chain' || s.statement >= beforeStmt || !s.key.startsWith(prefix)) continue;
    const info = a.model.statements[s.statement];
    if (info?.failed) continue;
    const words = info?.cmd.words.map((w) => w.value) ?? [];
    if (words.includes('-X') || words.includes('--delete-chain')) out.delete(s.name);
    else if (s.isDefinition) out.add(s.name);
  }
  // The final topology knows user chains even when symbols are not recorded yet.
  const t = a.model.topology.namespaces.get(netns)?.xtables.get(table as never);
  if (t) for (const c of t.chains.values()) if (!c.builtin && c.origin < beforeStmt) out.add(c.name);
  return [...out];
}

/** User-defined chains only. */
export function userChainsAt(a: Analysis, netns: string, table: string, beforeStmt: number): string[] {
  const builtin = new Set(XT_BUILTIN_CHAINS_BY_TABLE[table] ?? []);
  return chainsAt(a, netns, table, beforeStmt).filter((c) => !builtin.has(c));
}

export function namespaces(a: Analysis): string[] {
  return [...a.model.topology.namespaces.keys()];
}

/** Every probe name defined in the file. */
export function probeNames(a: Analysis): string[] {
  return a.model.probes.map((p) => p.name);
}

// Kernel agreement suite: runs the simulator (core/sim) on a case and normalises its answer to the
// shape the harness gives the kernel's (harness.ts ProbeObservation), and compares the two. It owns
// the comparison rules; it does not run anything on the kernel.
//
// What is compared, per probe (the kernel is the judge):
//   1. the outcome kind and its namespace;
//   2. the peer address the listener saw (NAT), address only (the kernel's source port is ephemeral);
//   3. the netfilter path of the probe packet (its first packet): the sequence of
//      (namespace, table, chain) for the chains that exist in the kernel (iptables-nft creates
//      only the chains a command touched), and at each step the rule position and verdict;
//   4. the deciding step: the last step of that path.
// Verdict words are normalised to nftrace's: REJECT is `drop`, NAT targets are `accept`,
// non-terminal targets (MARK, CONNMARK, LOG, NOTRACK) are `continue`.

import { ipv4ToString } from '../../core/kernel/config';
import type { Model } from '../../core/model/index';
import { simulate } from '../../core/sim/index';
import { offsetToPosition } from '../../core/syntax/tree';
import type { CaseProbe, NfStep, ProbeObservation } from './harness';

export interface SimObservation {
  outcome: { kind: string; netns?: string };
  peer?: string;
  path: NfStep[];
  reason: string;
}

const VERDICT_AS_NFTRACE: Record<string, string> = {
  reject: 'drop',
  snat: 'accept',
  dnat: 'accept',
  masquerade: 'accept',
  redirect: 'accept',
  netmap: 'accept',
  mark: 'continue',
  connmark: 'continue',
  log: 'continue',
  notrack: 'continue',
  ct: 'continue',
  trace: 'continue',
  none: 'continue',
};

function normVerdict(v: string | undefined, policy: boolean): string {
  const words = (v ?? '').split(' ');
  const first = words[0].toLowerCase();
  if (policy) return `policy:${first}`;
  if (first === 'jump' || first === 'goto') return [first, ...words.slice(1)].join(' ');
  return VERDICT_AS_NFTRACE[first] ?? first;
}

/** Runs the simulator on every probe of the case; keyed by probe name. */
export function simulateCase(model: Model): Map<string, SimObservation | { error: string }> {
  const out = new Map<string, SimObservation | { error: string }>();
  for (const spec of model.probes) {
    try {
      const r = simulate(model.topology, spec, { kind: 'separate' }, { detail: 1 });
      const first = r.packets[0]?.id;
      const path: NfStep[] = [];
      let peer: string | undefined;
      for (const e of r.events) {
        const a = e.attrs;
        if (e.packet === first && a.table && a.chain && (e.fn === 'rule' || e.fn === 'policy' || e.fn === 'return')) {
          if (e.fn === 'rule' && a.matched === false) continue;
          const step: NfStep = { netns: e.netns, table: a.table, chain: a.chain, verdict: e.fn === 'return' ? 'return' : normVerdict(a.verdict, !!a.policy) };
          if (e.fn === 'rule' && a.rule !== undefined) step.rule = a.rule;
          path.push(step);
        }
        if (!peer && (e.fn === 'inet_lookup_listener' || e.fn === '__udp4_lib_lookup') && (a.verdict === 'listener' || a.verdict === 'socket') && e.snap) {
          peer = ipv4ToString(e.snap.skb.ip.saddr);
        }
      }
      out.set(spec.name, { outcome: { kind: r.outcome.kind, netns: r.outcome.netns ?? undefined }, peer, path, reason: r.outcome.reason });
    } catch (e) {
      out.set(spec.name, { error: String((e as Error).stack ?? e) });
    }
  }
  return out;
}

export function stepText(s: NfStep | undefined): string {
  if (!s) return '(none)';
  return `${s.netns} ${s.table}/${s.chain}${s.rule !== undefined ? `#${s.rule}` : ''} ${s.verdict}`;
}

/**
 * The source line of a step's rule (or of the chain's `-P` line for a policy), through the model's
 * final iptables state: the n-th rule of a chain in iptables-save order is rules[n-1].
 */
export function stepLine(model: Model, s: NfStep): number | undefined {
  const chain = model.topology.namespaces.get(s.netns)?.xtables.get(s.table as never)?.chains.get(s.chain);
  if (!chain) return undefined;
  const origin = s.rule !== undefined ? chain.rules[s.rule - 1]?.origin : chain.origin;
  const st = origin !== undefined && origin >= 0 ? model.statements[origin] : undefined;
  return st ? offsetToPosition(model.file.lineStarts, st.cmd.start).line + 1 : undefined;
}

export interface Difference {
  /** The first differing step, for the summary table. */
  first: string;
  /** Both sides in full. */
  detail: string;
}

/** Compares kernel and simulator for one probe; undefined when they agree. */
export function compareProbe(probe: CaseProbe, k: ProbeObservation, s: SimObservation, kernelChains: Set<string>, model?: Model): Difference | undefined {
  const simPath = s.path.filter((p) => kernelChains.has(`${p.netns}/${p.table}/${p.chain}`));
  const withLine = (st: NfStep | undefined): string => {
    const l = st && model ? stepLine(model, st) : undefined;
    return stepText(st) + (l !== undefined ? ` (line ${l})` : '');
  };
  const side = (): string => {
    const rows: string[] = [];
    rows.push(`    kernel: ${k.outcome.kind} in ${k.outcome.netns ?? '?'}; peer ${k.peer ?? '-'}; namespaces ${k.namespaces.join(' > ') || '-'}`);
    rows.push(`    sim:    ${s.outcome.kind} in ${s.outcome.netns ?? '?'}; peer ${s.peer ?? '-'}; ${s.reason}`);
    const n = Math.max(k.path.length, simPath.length);
    rows.push(`    ${'kernel netfilter path'.padEnd(48)}| simulator netfilter path`);
    for (let i = 0; i < n; i++) {
      const same = stepText(k.path[i]) === stepText(simPath[i]);
      rows.push(`    ${withLine(k.path[i]).padEnd(48)}| ${withLine(simPath[i])}${same ? '' : '   <--'}`);
    }
    rows.push(`    kernel evidence: ${k.detail}`);
    return rows.join('\n');
  };
  if (k.outcome.kind !== s.outcome.kind || (k.outcome.netns ?? '') !== (s.outcome.netns ?? '')) {
    return { first: `outcome: kernel ${k.outcome.kind} in ${k.outcome.netns}, sim ${s.outcome.kind} in ${s.outcome.netns}`, detail: side() };
  }
  const kPeer = k.peer?.split(':')[0];
  if (k.outcome.kind === 'delivered' && probe.proto !== 'icmp' && kPeer !== s.peer) {
    return { first: `peer: kernel ${kPeer ?? '-'}, sim ${s.peer ?? '-'}`, detail: side() };
  }
  const n = Math.max(k.path.length, simPath.length);
  for (let i = 0; i < n; i++) {
    const a = stepText(k.path[i]);
    const b = stepText(simPath[i]);
    if (a !== b) return { first: `netfilter step ${i + 1}: kernel ${a}, sim ${b}`, detail: side() };
  }
  return undefined;
}

// Netfilter for IPv4 as iptables configures it: compiling the config's tables into per-hook lists
// ordered by priority (only the tables that exist in the namespace, plus conntrack when a rule
// needs it), precompiled rule matches (closures built once; evaluation allocates nothing per
// rule), and the table traversal of ipt_do_table: jumps, gotos, RETURN, policies, counters,
// non-terminal targets. Behaviour that leaves this module (REJECT sending packets, NAT bindings,
// re-routing, conntrack) goes through the NfHost the packet path implements (ip.ts).

import {
  NetnsConfig, PortRange, XtChain, XtHook, XtMatch, XtRule, XtTableName, XtTarget, ipv4ToString, prefixMask, prefixToString,
} from '../kernel/config';
import type { CtEntry } from './conntrack';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, Skb, ipTotLen } from './skb';
import type { Net, RunState } from './net';
import type { Tracer } from './trace';

// Hook priorities (include/uapi/linux/netfilter_ipv4.h).
export const NF_IP_PRI_RAW = -300;
export const NF_IP_PRI_CONNTRACK = -200;
export const NF_IP_PRI_MANGLE = -150;
export const NF_IP_PRI_NAT_DST = -100;
export const NF_IP_PRI_FILTER = 0;
export const NF_IP_PRI_SECURITY = 50;
export const NF_IP_PRI_NAT_SRC = 100;
export const NF_IP_PRI_CONNTRACK_CONFIRM = 2147483647;

/** What a compiled match sees. One object per hook traversal, reused for every rule. */
export interface NfCtx {
  skb: Skb;
  net: Net;
  run: RunState;
  hook: XtHook;
  /** in / out device names ("" when none, as for -i in OUTPUT). */
  inDev: string;
  outDev: string;
  ct: CtEntry | null;
  /** Type lookups for -m addrtype (fib.ts inetAddrType), injected to keep this module free of fib. */
  addrType: (a: number, dev?: string) => string;
}

export type MatchFn = (c: NfCtx) => boolean;

export interface CRule {
  /** Counter slot. */
  id: number;
  /** 1-based position in its chain. */
  pos: number;
  cfg: XtRule;
  /**
   * The ipt_ip part, checked inline first as ip_packet_match does (source, destination, in and
   * out interface, protocol); each *I is the clause's index in cfg.matches, -1 when absent.
   */
  ipSrcI: number; ipSrcMask: number; ipSrcAddr: number; ipSrcInv: boolean;
  ipDstI: number; ipDstMask: number; ipDstAddr: number; ipDstInv: boolean;
  iifI: number; iif: (d: string) => boolean; iifInv: boolean;
  oifI: number; oif: (d: string) => boolean; oifInv: boolean;
  protoI: number; proto: number; protoInv: boolean;
  /** The other matches, in order, and their clause indexes. */
  matches: MatchFn[];
  matchI: number[];
  target: XtTarget;
  /** Resolved jump/goto target. */
  jumpTo?: CChain;
  /** Memo of matchToString per failing clause (derived). */
  why?: string[];
}

export interface CChain {
  /** Counter slot of the policy (built-in chains). */
  id: number;
  name: string;
  builtin: boolean;
  policy?: 'ACCEPT' | 'DROP';
  rules: CRule[];
  cfg: XtChain;
  table: XtTableName;
  /**
   * The rules' source clauses packed side by side (int32 mask and address; flag 0 = no source
   * clause, 1 = `-s`, 2 = `! -s`): the traversal walks these contiguous arrays and touches a rule
   * object only when its source clause passes. Derived from `rules` by compileNetfilter.
   */
  src?: { mask: Int32Array; addr: Int32Array; flag: Uint8Array };
}

export interface CTable {
  name: XtTableName;
  chains: Map<string, CChain>;
}

export type HookEntry =
  | { kind: 'table'; prio: number; table: CTable; chain: CChain }
  | { kind: 'nat'; prio: number; table: CTable; chain: CChain; manip: 'SRC' | 'DST' }
  | { kind: 'conntrack'; prio: number }
  | { kind: 'confirm'; prio: number };

export interface CompiledHooks {
  /** Conntrack is loaded in this namespace (a rule needs it: ctstate, nat, CONNMARK/connmark, NOTRACK). */
  conntrack: boolean;
  tables: Map<XtTableName, CTable>;
  hooks: Record<XtHook, HookEntry[]>;
  /** Every compiled rule by counter slot (for counters and breakpoints). */
  rules: CRule[];
  chains: CChain[];
}

// ---------------------------------------------------------------- compiling

function ifaceMatcher(name: string): (dev: string) => boolean {
  if (name.endsWith('+')) {
    const p = name.slice(0, -1);
    return (d) => d !== '' && d.startsWith(p);
  }
  return (d) => d === name;
}

function portOf(s: Skb, which: 'sport' | 'dport'): number {
  const h = s.tcp ?? s.udp;
  return h ? h[which] : -1;
}

function inRanges(p: number, ranges: PortRange[]): boolean {
  for (let i = 0; i < ranges.length; i++) if (p >= ranges[i][0] && p <= ranges[i][1]) return true;
  return false;
}

function ctStateOf(c: NfCtx): string {
  if (c.skb.ctinfo === 'UNTRACKED') return 'UNTRACKED';
  if (!c.ct || !c.skb.ctinfo) return 'INVALID';
  return c.skb.ctinfo;
}

export function compileMatch(m: XtMatch): MatchFn {
  switch (m.kind) {
    case 'proto': {
      const p = m.proto, inv = m.invert;
      return p === 0 ? () => !inv : (c) => (c.skb.ip.protocol === p) !== inv;
    }
    case 'src': case 'dst': {
      const mask = prefixMask(m.prefix.len), addr = m.prefix.addr >>> 0, inv = m.invert;
      return m.kind === 'src'
        ? (c) => (((c.skb.ip.saddr & mask) >>> 0) === addr) !== inv
        : (c) => (((c.skb.ip.daddr & mask) >>> 0) === addr) !== inv;
    }
    case 'iif': { const f = ifaceMatcher(m.name), inv = m.invert; return (c) => f(c.inDev) !== inv; }
    case 'oif': { const f = ifaceMatcher(m.name), inv = m.invert; return (c) => f(c.outDev) !== inv; }
    case 'sport': case 'dport': {
      const [lo, hi] = m.range, inv = m.invert, w = m.kind;
      // tcp/udp matches never match another protocol, whatever the inversion (xt_tcpudp).
      return (c) => { const p = portOf(c.skb, w); return p >= 0 && ((p >= lo && p <= hi) !== inv); };
    }
    case 'tcpflags': {
      const mask = m.mask, comp = m.comp, inv = m.invert;
      return (c) => !!c.skb.tcp && (((c.skb.tcp.flags & mask) === comp) !== inv);
    }
    case 'icmptype': {
      const t = m.type, code = m.code, inv = m.invert;
      return (c) => {
        const i = c.skb.icmp;
        if (!i) return false;
        const hit = t === 255 || (i.type === t && (code === undefined || i.code === code));
        return hit !== inv;
      };
    }
    case 'ctstate': {
      const states = new Set<string>(m.states), inv = m.invert;
      const snat = states.has('SNAT'), dnat = states.has('DNAT');
      return (c) => {
        let hit = states.has(ctStateOf(c));
        if (!hit && c.ct && ((snat && c.ct.srcNat) || (dnat && c.ct.dstNat))) hit = true;
        return hit !== inv;
      };
    }
    case 'multiport': {
      const ranges = m.ranges, inv = m.invert, which = m.which;
      return (c) => {
        const s = portOf(c.skb, 'sport');
        if (s < 0) return false;
        const d = portOf(c.skb, 'dport');
        const hit = which === 'sport' ? inRanges(s, ranges) : which === 'dport' ? inRanges(d, ranges) : inRanges(s, ranges) || inRanges(d, ranges);
        return hit !== inv;
      };
    }
    case 'mark': { const v = m.value >>> 0, mask = m.mask >>> 0, inv = m.invert; return (c) => (((c.skb.mark & mask) >>> 0) === v) !== inv; }
    case 'connmark': {
      const v = m.value >>> 0, mask = m.mask >>> 0, inv = m.invert;
      return (c) => !!c.ct && ((((c.ct.mark & mask) >>> 0) === v) !== inv);
    }
    case 'addrtype': {
      const src = m.src, dst = m.dst, li = m.limitIfaceIn, lo = m.limitIfaceOut;
      return (c) => {
        const dev = li ? c.inDev : lo ? c.outDev : undefined;
        if (src && (src.types.includes(c.addrType(c.skb.ip.saddr, dev) as never) === src.invert)) return false;
        if (dst && (dst.types.includes(c.addrType(c.skb.ip.daddr, dev) as never) === dst.invert)) return false;
        return true;
      };
    }
    case 'iprange': {
      const s = m.src, d = m.dst;
      return (c) => {
        if (s && ((c.skb.ip.saddr >= s.lo && c.skb.ip.saddr <= s.hi) === s.invert)) return false;
        if (d && ((c.skb.ip.daddr >= d.lo && c.skb.ip.daddr <= d.hi) === d.invert)) return false;
        return true;
      };
    }
    case 'comment':
      return () => true;
  }
}

/** The match as iptables-save prints it (for "why not" and hovers). */
export function matchToString(m: XtMatch): string {
  const n = (inv: boolean): string => (inv ? '! ' : '');
  const range = (r: PortRange): string => (r[0] === r[1] ? `${r[0]}` : `${r[0]}:${r[1]}`);
  switch (m.kind) {
    case 'proto': return `${n(m.invert)}-p ${m.proto === IPPROTO_TCP ? 'tcp' : m.proto === IPPROTO_UDP ? 'udp' : m.proto === IPPROTO_ICMP ? 'icmp' : m.proto}`;
    case 'src': return `${n(m.invert)}-s ${prefixToString(m.prefix)}`;
    case 'dst': return `${n(m.invert)}-d ${prefixToString(m.prefix)}`;
    case 'iif': return `${n(m.invert)}-i ${m.name}`;
    case 'oif': return `${n(m.invert)}-o ${m.name}`;
    case 'sport': return `${n(m.invert)}--sport ${range(m.range)}`;
    case 'dport': return `${n(m.invert)}--dport ${range(m.range)}`;
    case 'tcpflags': return `${n(m.invert)}--tcp-flags 0x${m.mask.toString(16)} 0x${m.comp.toString(16)}`;
    case 'icmptype': return `${n(m.invert)}--icmp-type ${m.type === 255 ? 'any' : m.code === undefined ? m.type : `${m.type}/${m.code}`}`;
    case 'ctstate': return `-m conntrack ${n(m.invert)}--ctstate ${m.states.join(',')}`;
    case 'multiport': return `-m multiport ${n(m.invert)}--${m.which === 'port' ? 'ports' : m.which + 's'} ${m.ranges.map(range).join(',')}`;
    case 'mark': return `-m mark ${n(m.invert)}--mark 0x${m.value.toString(16)}/0x${m.mask.toString(16)}`;
    case 'connmark': return `-m connmark ${n(m.invert)}--mark 0x${m.value.toString(16)}/0x${m.mask.toString(16)}`;
    case 'addrtype': {
      const p: string[] = ['-m addrtype'];
      if (m.src) p.push(`${n(m.src.invert)}--src-type ${m.src.types.join(',')}`);
      if (m.dst) p.push(`${n(m.dst.invert)}--dst-type ${m.dst.types.join(',')}`);
      if (m.limitIfaceIn) p.push('--limit-iface-in');
      if (m.limitIfaceOut) p.push('--limit-iface-out');
      return p.join(' ');
    }
    case 'iprange': {
      const p: string[] = ['-m iprange'];
      if (m.src) p.push(`${n(m.src.invert)}--src-range ${ipv4ToString(m.src.lo)}-${ipv4ToString(m.src.hi)}`);
      if (m.dst) p.push(`${n(m.dst.invert)}--dst-range ${ipv4ToString(m.dst.lo)}-${ipv4ToString(m.dst.hi)}`);
      return p.join(' ');
    }
    case 'comment': return `-m comment --comment "${m.text}"`;
  }
}

const ANY_IFACE = (): boolean => true;

/** Compiles a rule: the ipt_ip fields inline, the other matches as closures. */
export function compileRule(r: XtRule, id: number, pos: number): CRule {
  const cr: CRule = {
    id, pos, cfg: r, target: r.target,
    ipSrcI: -1, ipSrcMask: 0, ipSrcAddr: 0, ipSrcInv: false,
    ipDstI: -1, ipDstMask: 0, ipDstAddr: 0, ipDstInv: false,
    iifI: -1, iif: ANY_IFACE, iifInv: false,
    oifI: -1, oif: ANY_IFACE, oifInv: false,
    protoI: -1, proto: 0, protoInv: false,
    matches: [], matchI: [],
    // Present from the start (one object shape for every rule keeps the traversal monomorphic).
    jumpTo: undefined, why: undefined,
  };
  r.matches.forEach((m, k) => {
    if (m.kind === 'src' && cr.ipSrcI < 0) {
      cr.ipSrcI = k; cr.ipSrcMask = prefixMask(m.prefix.len); cr.ipSrcAddr = m.prefix.addr >>> 0; cr.ipSrcInv = m.invert;
    } else if (m.kind === 'dst' && cr.ipDstI < 0) {
      cr.ipDstI = k; cr.ipDstMask = prefixMask(m.prefix.len); cr.ipDstAddr = m.prefix.addr >>> 0; cr.ipDstInv = m.invert;
    } else if (m.kind === 'iif' && cr.iifI < 0) {
      cr.iifI = k; cr.iif = ifaceMatcher(m.name); cr.iifInv = m.invert;
    } else if (m.kind === 'oif' && cr.oifI < 0) {
      cr.oifI = k; cr.oif = ifaceMatcher(m.name); cr.oifInv = m.invert;
    } else if (m.kind === 'proto' && cr.protoI < 0 && m.proto !== 0) {
      cr.protoI = k; cr.proto = m.proto; cr.protoInv = m.invert;
    } else if (m.kind !== 'comment' && !(m.kind === 'proto' && m.proto === 0)) {
      cr.matches.push(compileMatch(m));
      cr.matchI.push(k);
    }
  });
  return cr;
}

/** ip_packet_match then the matches: the index (in cfg.matches) of the first clause that fails, or -1. */
export function ruleFails(r: CRule, c: NfCtx): number {
  const ip = c.skb.ip;
  if (r.ipSrcI >= 0 && ((((ip.saddr & r.ipSrcMask) >>> 0) === r.ipSrcAddr) === r.ipSrcInv)) return r.ipSrcI;
  if (r.ipDstI >= 0 && ((((ip.daddr & r.ipDstMask) >>> 0) === r.ipDstAddr) === r.ipDstInv)) return r.ipDstI;
  if (r.iifI >= 0 && r.iif(c.inDev) === r.iifInv) return r.iifI;
  if (r.oifI >= 0 && r.oif(c.outDev) === r.oifInv) return r.oifI;
  if (r.protoI >= 0 && ((ip.protocol === r.proto) === r.protoInv)) return r.protoI;
  const ms = r.matches;
  for (let k = 0; k < ms.length; k++) if (!ms[k](c)) return r.matchI[k];
  return -1;
}

/** Rules that need conntrack loaded in the namespace. */
function needsConntrack(r: XtRule): boolean {
  if (r.matches.some((m) => m.kind === 'ctstate' || m.kind === 'connmark')) return true;
  const t = r.target.kind;
  return t === 'CONNMARK' || t === 'NOTRACK' || t === 'SNAT' || t === 'DNAT' || t === 'MASQUERADE' || t === 'REDIRECT';
}

const TABLE_PRIO: Record<XtTableName, number> = {
  raw: NF_IP_PRI_RAW, mangle: NF_IP_PRI_MANGLE, nat: 0, filter: NF_IP_PRI_FILTER, security: NF_IP_PRI_SECURITY,
};

/** How many ids compileNetfilter takes for `cfg`: one per chain and one per rule. */
export function netfilterIds(cfg: NetnsConfig): number {
  let n = 0;
  for (const t of cfg.xtables.values()) for (const ch of t.chains.values()) n += 1 + ch.rules.length;
  return n;
}

export function compileNetfilter(cfg: NetnsConfig, ids: { next: number }): CompiledHooks {
  const out: CompiledHooks = {
    conntrack: false, tables: new Map(), rules: [], chains: [],
    hooks: { PREROUTING: [], INPUT: [], FORWARD: [], OUTPUT: [], POSTROUTING: [] },
  };
  for (const [name, t] of cfg.xtables) {
    const ct: CTable = { name, chains: new Map() };
    for (const ch of t.chains.values()) {
      const cc: CChain = { id: ids.next++, name: ch.name, builtin: ch.builtin, policy: ch.policy, rules: [], cfg: ch, table: name };
      ct.chains.set(ch.name, cc);
      out.chains.push(cc);
    }
    for (const ch of t.chains.values()) {
      const cc = ct.chains.get(ch.name)!;
      ch.rules.forEach((r, i) => {
        const cr = compileRule(r, ids.next++, i + 1);
        if (r.target.kind === 'jump' || r.target.kind === 'goto') cr.jumpTo = ct.chains.get(r.target.chain);
        cc.rules.push(cr);
        out.rules[cr.id] = cr;
        if (needsConntrack(r)) out.conntrack = true;
      });
      const n = cc.rules.length;
      const src = { mask: new Int32Array(n), addr: new Int32Array(n), flag: new Uint8Array(n) };
      for (let k = 0; k < n; k++) {
        const cr = cc.rules[k];
        if (cr.ipSrcI < 0) continue;
        src.mask[k] = cr.ipSrcMask | 0;
        src.addr[k] = cr.ipSrcAddr | 0;
        src.flag[k] = cr.ipSrcInv ? 2 : 1;
      }
      cc.src = src;
    }
    out.tables.set(name, ct);
    if (name === 'nat') out.conntrack = true;
    for (const hook of ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'] as XtHook[]) {
      const chain = ct.chains.get(hook);
      if (!chain || !chain.builtin) continue;
      if (name === 'nat') {
        const dst = hook === 'PREROUTING' || hook === 'OUTPUT';
        out.hooks[hook].push({ kind: 'nat', prio: dst ? NF_IP_PRI_NAT_DST : NF_IP_PRI_NAT_SRC, table: ct, chain, manip: dst ? 'DST' : 'SRC' });
      } else {
        out.hooks[hook].push({ kind: 'table', prio: TABLE_PRIO[name], table: ct, chain });
      }
    }
  }
  if (out.conntrack) {
    out.hooks.PREROUTING.push({ kind: 'conntrack', prio: NF_IP_PRI_CONNTRACK });
    out.hooks.OUTPUT.push({ kind: 'conntrack', prio: NF_IP_PRI_CONNTRACK });
    out.hooks.INPUT.push({ kind: 'confirm', prio: NF_IP_PRI_CONNTRACK_CONFIRM });
    out.hooks.POSTROUTING.push({ kind: 'confirm', prio: NF_IP_PRI_CONNTRACK_CONFIRM });
  }
  for (const h of Object.values(out.hooks)) h.sort((a, b) => a.prio - b.prio);
  return out;
}

// ---------------------------------------------------------------- traversal

/** What the packet path provides to targets that act outside the table. */
export interface NfHost {
  tr: Tracer;
  /** REJECT: send the ICMP error or RST (the original is then dropped). */
  reject(c: NfCtx, rule: CRule, how: Extract<XtTarget, { kind: 'REJECT' }>['with']): void;
  /** SNAT/DNAT/MASQUERADE/REDIRECT: set up the binding; false = NF_DROP (e.g. no address to masquerade to). */
  natTarget(c: NfCtx, rule: CRule): boolean;
}

export type TableVerdict = 'ACCEPT' | 'DROP';

export interface TableResult {
  verdict: TableVerdict;
  /** The rule that decided, or undefined for a policy. */
  rule?: CRule;
  chain: CChain;
  policy: boolean;
  rejected: boolean;
}

function verdictWord(t: XtTarget): string {
  switch (t.kind) {
    case 'none': return 'continue';
    case 'jump': return `jump ${t.chain}`;
    case 'goto': return `goto ${t.chain}`;
    default: return t.kind.toLowerCase();
  }
}

/**
 * ipt_do_table for one table at one hook, starting at its built-in chain. Returns the table's
 * verdict; ACCEPT lets later tables and hooks run, DROP ends the packet.
 */
export function ipt_do_table(host: NfHost, c: NfCtx, table: CTable, start: CChain): TableResult {
  const tr = host.tr;
  const trace = tr.level > 0;
  const detailed = tr.level > 1;
  const ns = c.net.name;
  const stack: { chain: CChain; i: number }[] = [];
  let chain = start;
  let i = 0;
  // A built-in chain's origin is its `-P` line: that line belongs to the policy decision, not the entry.
  if (trace) tr.enter('chain', ns, c.skb, { hook: c.hook, table: table.name, chain: chain.name });
  const len = ipTotLen(c.skb);
  const policy = (): TableResult => {
    const v = start.policy ?? 'ACCEPT';
    const cnt = c.run.counter(start.id);
    cnt.pkts++;
    cnt.bytes += len;
    if (trace) {
      tr.point('policy', ns, c.skb, { hook: c.hook, table: table.name, chain: start.name, verdict: v.toLowerCase(), policy: true, origin: start.cfg.origin, text: `-P ${start.name} ${v}` });
      tr.leave();
    }
    return { verdict: v, chain: start, policy: true, rejected: false };
  };
  for (;;) {
    if (i >= chain.rules.length) {
      if (stack.length === 0) return policy();
      if (trace) {
        tr.point('return', ns, c.skb, { hook: c.hook, table: table.name, chain: chain.name, verdict: 'return', text: `end of chain ${chain.name}` });
        tr.leave();
      }
      const f = stack.pop()!;
      chain = f.chain;
      i = f.i;
      continue;
    }
    // The source clause first, from the packed arrays (ruleFails' first test, the one most rules
    // fail on; int32 compare of the same bits): a failing rule's object is read only when traced.
    const src = chain.src;
    if (src !== undefined) {
      const flag = src.flag[i];
      if (flag !== 0 && ((c.skb.ip.saddr & src.mask[i]) === src.addr[i]) === (flag === 2)) {
        i++;
        if (detailed) {
          const r = chain.rules[i - 1];
          if (tr.counting) tr.point('rule', ns, c.skb);
          else {
            const why = (r.why ??= [])[r.ipSrcI] ??= matchToString(r.cfg.matches[r.ipSrcI]);
            tr.point('rule', ns, c.skb, { hook: c.hook, table: table.name, chain: chain.name, rule: r.pos, matched: false, why, origin: r.cfg.origin, text: r.cfg.text });
          }
        }
        continue;
      }
    }
    const r = chain.rules[i++];
    const fail = ruleFails(r, c);
    if (fail >= 0) {
      if (tr.level > 1) {
        if (tr.counting) tr.point('rule', ns, c.skb);
        else {
          const why = (r.why ??= [])[fail] ??= matchToString(r.cfg.matches[fail]);
          tr.point('rule', ns, c.skb, { hook: c.hook, table: table.name, chain: chain.name, rule: r.pos, matched: false, why, origin: r.cfg.origin, text: r.cfg.text });
        }
      }
      continue;
    }
    const cnt = c.run.counter(r.id);
    cnt.pkts++;
    cnt.bytes += len;
    const t = r.target;
    if (trace) {
      tr.point('rule', ns, c.skb, {
        hook: c.hook, table: table.name, chain: chain.name, rule: r.pos, matched: true, verdict: verdictWord(t),
        origin: r.cfg.origin, text: r.cfg.text,
      });
    }
    switch (t.kind) {
      case 'none':
        break;
      case 'ACCEPT': case 'DROP':
        if (trace) for (let k = 0; k <= stack.length; k++) tr.leave();
        return { verdict: t.kind, rule: r, chain, policy: false, rejected: false };
      case 'RETURN':
        if (stack.length === 0) {
          if (trace) for (let k = 0; k < stack.length; k++) tr.leave();
          // RETURN in a built-in chain (or a chain reached by -g from it) applies the policy.
          if (trace && chain !== start) { tr.leave(); tr.enter('chain', ns, c.skb, { hook: c.hook, table: table.name, chain: start.name }); }
          return policy();
        }
        if (trace) tr.leave();
        {
          const f = stack.pop()!;
          chain = f.chain;
          i = f.i;
        }
        break;
      case 'jump': case 'goto':
        if (!r.jumpTo) break; // the model rejects unknown chains; tolerate
        if (t.kind === 'jump') {
          stack.push({ chain, i });
        } else if (trace) {
          tr.leave();
        }
        if (stack.length > 64) {
          // ip_tables.c refuses loops at load (-ELOOP); this bounds a config that slipped through.
          if (trace) for (let k = 0; k <= stack.length; k++) tr.leave();
          return { verdict: 'DROP', rule: r, chain, policy: false, rejected: false };
        }
        chain = r.jumpTo;
        i = 0;
        if (trace) tr.enter('chain', ns, c.skb, { hook: c.hook, table: table.name, chain: chain.name, origin: chain.cfg.origin });
        break;
      case 'REJECT':
        host.reject(c, r, t.with);
        if (trace) for (let k = 0; k <= stack.length; k++) tr.leave();
        return { verdict: 'DROP', rule: r, chain, policy: false, rejected: true };
      case 'LOG':
        if (trace) tr.point('nf_log_packet', ns, c.skb, { hook: c.hook, table: table.name, chain: chain.name, rule: r.pos, text: `LOG${t.prefix ? ` prefix "${t.prefix}"` : ''}`, origin: r.cfg.origin });
        break;
      case 'TRACE':
        c.skb.nfTrace = true;
        break;
      case 'MARK': {
        c.skb.mark = (((c.skb.mark & ~t.mask) ^ t.value) >>> 0);
        break;
      }
      case 'CONNMARK': {
        const ct = c.ct;
        if (!ct) break;
        if (t.op === 'set') ct.mark = (((ct.mark & ~t.mask) ^ t.value) >>> 0);
        else if (t.op === 'save') ct.mark = (((ct.mark & ~t.ctmask) ^ (c.skb.mark & t.nfmask)) >>> 0);
        else c.skb.mark = (((c.skb.mark & ~t.nfmask) ^ (ct.mark & t.ctmask)) >>> 0);
        break;
      }
      case 'NOTRACK':
        c.skb.ct = null;
        c.skb.ctinfo = 'UNTRACKED';
        c.ct = null;
        break;
      case 'SNAT': case 'DNAT': case 'MASQUERADE': case 'REDIRECT': {
        const ok = host.natTarget(c, r);
        if (trace) for (let k = 0; k <= stack.length; k++) tr.leave();
        return { verdict: ok ? 'ACCEPT' : 'DROP', rule: r, chain, policy: false, rejected: false };
      }
    }
  }
}

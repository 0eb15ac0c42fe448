// Turning a parsed iptables rule into kernel configuration (XtMatch[] and XtTarget of
// core/kernel/config.ts) and into its canonical text, the line `iptables-save` (1.8.9, nf_tables)
// prints for it: `-s -d -i -o -p`, then each match in load order with its options in the
// extension's own order, then the target. One rule per (source, destination) pair of
// comma lists, as iptables expands them. No validation here: core/model/iptables-parse.ts did it.

import { ipv4ToString, Origin, PortRange, Prefix, prefixToString, RejectWith, XtMatch, XtRule, XtTarget } from '../kernel/config';
import type { MatchInst, RuleSpec, TargetInst } from './iptables-parse';
import { hex, icmpTypeText, natRangeText, portRangeText, protoText, saveQuote, tcpFlagsText } from './iptables-values';

/** ` -X ` / ` ! -X ` for a flag, by inversion (constants: no string building per rule). */
function flagText(flag: string): [string, string] {
  return [` ${flag} `, ` ! ${flag} `];
}
const SRC = flagText('-s');
const DST = flagText('-d');
const IIF = flagText('-i');
const OIF = flagText('-o');
const PROTO = flagText('-p');
const SPORT = flagText('--sport');
const DPORT = flagText('--dport');
const TCPFLAGS = flagText('--tcp-flags');
const ICMPTYPE = flagText('--icmp-type');
const CTSTATE = flagText('--ctstate');
const STATE = flagText('--state');
const MARK = flagText('--mark');
const SRCTYPE = flagText('--src-type');
const DSTTYPE = flagText('--dst-type');
const SRCRANGE = flagText('--src-range');
const DSTRANGE = flagText('--dst-range');
const MULTI: Record<'sport' | 'dport' | 'port', [string, string]> = {
  sport: flagText('--sports'), dport: flagText('--dports'), port: flagText('--ports'),
};
const inv = (pair: [string, string], invert: boolean): string => pair[invert ? 1 : 0];

/** The rules one command line stands for (several when -s or -d lists addresses), each with its
 *  iptables-save text (`-A CHAIN ...`). Rules of one line share their target and their other
 *  match objects; each has its own matches array (sized exactly: they are kept). */
export function buildRules(spec: RuleSpec, chainName: string, origin: Origin): XtRule[] {
  const head = '-A ' + chainName;
  const target = buildTarget(spec);
  // `-i +` matches every device: iptables drops it from the rule.
  const iif = spec.iif && !(spec.iif.v === '+' && !spec.iif.invert) ? spec.iif : undefined;
  const oif = spec.oif && !(spec.oif.v === '+' && !spec.oif.invert) ? spec.oif : undefined;
  const proto = spec.proto && (spec.proto.v !== 0 || spec.proto.invert) ? spec.proto : undefined;
  let nTail = (iif ? 1 : 0) + (oif ? 1 : 0) + (proto ? 1 : 0);
  for (let k = 0; k < spec.matches.length; k++) nTail += matchCount(spec.matches[k]);
  const src = spec.src;
  const dst = spec.dst;
  const nSrc = src ? src.v.length : 1;
  const nDst = dst ? dst.v.length : 1;
  const lead = (src ? 1 : 0) + (dst ? 1 : 0);
  // With one rule, the tail goes straight into its matches array; else into a shared list.
  const single = nSrc === 1 && nDst === 1;
  const tail: XtMatch[] = new Array(single ? lead + nTail : nTail);
  let at = single ? lead : 0;
  let tailText = '';
  if (iif) {
    tail[at++] = { kind: 'iif', name: iif.v, invert: iif.invert };
    tailText += inv(IIF, iif.invert) + iif.v;
  }
  if (oif) {
    tail[at++] = { kind: 'oif', name: oif.v, invert: oif.invert };
    tailText += inv(OIF, oif.invert) + oif.v;
  }
  if (proto) {
    tail[at++] = protoMatch(proto.v, proto.invert);
    tailText += inv(PROTO, proto.invert) + protoText(proto.v);
  }
  for (let k = 0; k < spec.matches.length; k++) {
    const m = spec.matches[k];
    at = matchConfig(m, tail, at);
    tailText += renderMatch(m);
  }
  const targetText = renderTarget(spec);
  // Texts are joined, not concatenated: join makes one flat string, where `+` would keep a tree
  // of pieces alive as long as the rule.
  if (single) {
    let sText = '';
    let dText = '';
    let i = 0;
    if (src) {
      const s = src.v[0];
      tail[i++] = { kind: 'src', prefix: s, invert: src.invert };
      sText = inv(SRC, src.invert) + prefixText(s);
    }
    if (dst) {
      const d = dst.v[0];
      tail[i++] = { kind: 'dst', prefix: d, invert: dst.invert };
      dText = inv(DST, dst.invert) + prefixText(d);
    }
    return [{ matches: tail, target, text: [head, sText, dText, tailText, targetText].join(''), origin }];
  }
  const out: XtRule[] = new Array(nSrc * nDst);
  let n = 0;
  for (let i = 0; i < nSrc; i++) {
    const s = src ? src.v[i] : undefined;
    const sm: XtMatch | undefined = s ? { kind: 'src', prefix: s, invert: src!.invert } : undefined;
    const sText = s ? inv(SRC, src!.invert) + prefixText(s) : '';
    for (let j = 0; j < nDst; j++) {
      const d = dst ? dst.v[j] : undefined;
      const matches: XtMatch[] = new Array(lead + nTail);
      let k = 0;
      let dText = '';
      if (sm) matches[k++] = sm;
      if (d) {
        matches[k++] = { kind: 'dst', prefix: d, invert: dst!.invert };
        dText = inv(DST, dst!.invert) + prefixText(d);
      }
      for (let t = 0; t < nTail; t++) matches[k++] = tail[t];
      out[n++] = { matches, target, text: [head, sText, dText, tailText, targetText].join(''), origin };
    }
  }
  return out;
}

/** `A.B.C.D/LEN` of a prefix (as prefixToString), from a bounded cache: the same networks recur
 *  in rule after rule. The cache holds only values of this pure function. */
const PREFIX_TEXT: Array<Map<number, string>> = [];
for (let len = 0; len <= 32; len++) PREFIX_TEXT.push(new Map());
let prefixTextCount = 0;
function prefixText(p: Prefix): string {
  const byAddr = PREFIX_TEXT[p.len];
  if (byAddr === undefined) return prefixToString(p);
  const key = p.addr | 0;
  let s = byAddr.get(key);
  if (s === undefined) {
    s = prefixToString(p);
    if (prefixTextCount >= 4096) {
      for (const m of PREFIX_TEXT) m.clear();
      prefixTextCount = 0;
    }
    byAddr.set(key, s);
    prefixTextCount++;
  }
  return s;
}

/** `-p tcp`, `-p udp`, `-p icmp` (not inverted): one frozen match object each, shared by the rules
 *  (nothing changes a rule's matches after the fact). */
const PROTO_MATCHES = new Map<number, XtMatch>([1, 6, 17].map((p) => [p, Object.freeze({ kind: 'proto', proto: p, invert: false })]));
function protoMatch(proto: number, invert: boolean): XtMatch {
  return (!invert && PROTO_MATCHES.get(proto)) || { kind: 'proto', proto, invert };
}

/** --sport/--dport matches that are not inverted, shared by the rules that have the same range: a
 *  bounded cache (emptied when full) of frozen objects, as the same ports recur rule after rule. */
const PORT_MATCHES = { sport: new Map<number, XtMatch>(), dport: new Map<number, XtMatch>() };
function portMatch(kind: 'sport' | 'dport', range: PortRange, invert: boolean): XtMatch {
  if (invert) return { kind, range, invert };
  const cache = PORT_MATCHES[kind];
  const key = ((range[0] << 16) | range[1]) | 0;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const m: XtMatch = Object.freeze({ kind, range: Object.freeze(range) as PortRange, invert: false });
  if (cache.size >= 4096) cache.clear();
  cache.set(key, m);
  return m;
}

/** How many XtMatch entries matchConfig writes for `m`. */
function matchCount(m: MatchInst): number {
  return (m.sport ? 1 : 0) + (m.dport ? 1 : 0) + (m.flags ? 1 : 0) + (m.icmp ? 1 : 0) + (m.states ? 1 : 0) +
    (m.multi ? 1 : 0) + (m.mark ? 1 : 0) + (m.name === 'addrtype' ? 1 : 0) + (m.name === 'iprange' ? 1 : 0) +
    (m.comment !== undefined ? 1 : 0);
}

/** Writes the kernel configuration of match `m` into `out` from index `at`; returns the next index. */
function matchConfig(m: MatchInst, out: XtMatch[], at: number): number {
  if (m.sport) out[at++] = portMatch('sport', m.sport.v, m.sport.invert);
  if (m.dport) out[at++] = portMatch('dport', m.dport.v, m.dport.invert);
  if (m.flags) out[at++] = { kind: 'tcpflags', mask: m.flags.v.mask, comp: m.flags.v.comp, invert: m.flags.invert };
  if (m.icmp) out[at++] = { kind: 'icmptype', type: m.icmp.v.type, code: m.icmp.v.code, invert: m.icmp.invert };
  if (m.states) out[at++] = { kind: 'ctstate', states: m.states.v, invert: m.states.invert };
  if (m.multi) out[at++] = { kind: 'multiport', which: m.multi.v.which, ranges: m.multi.v.ranges, invert: m.multi.invert };
  if (m.mark) out[at++] = { kind: m.name === 'connmark' ? 'connmark' : 'mark', value: m.mark.v.value, mask: m.mark.v.mask, invert: m.mark.invert };
  if (m.name === 'addrtype') {
    out[at++] = {
      kind: 'addrtype',
      src: m.srcType ? { types: m.srcType.v, invert: m.srcType.invert } : undefined,
      dst: m.dstType ? { types: m.dstType.v, invert: m.dstType.invert } : undefined,
      limitIfaceIn: !!m.limitIn, limitIfaceOut: !!m.limitOut,
    };
  }
  if (m.name === 'iprange') {
    out[at++] = {
      kind: 'iprange',
      src: m.srcRange ? { lo: m.srcRange.v.lo, hi: m.srcRange.v.hi, invert: m.srcRange.invert } : undefined,
      dst: m.dstRange ? { lo: m.dstRange.v.lo, hi: m.dstRange.v.hi, invert: m.dstRange.invert } : undefined,
    };
  }
  if (m.comment !== undefined) out[at++] = { kind: 'comment', text: m.comment };
  return at;
}

const MATCH_HEAD: Record<MatchInst['name'], string> = {
  tcp: ' -m tcp', udp: ' -m udp', icmp: ' -m icmp', conntrack: ' -m conntrack', state: ' -m state',
  multiport: ' -m multiport', mark: ' -m mark', connmark: ' -m connmark', addrtype: ' -m addrtype',
  iprange: ' -m iprange', comment: ' -m comment',
};

function renderMatch(m: MatchInst): string {
  let s = MATCH_HEAD[m.name];
  switch (m.name) {
    case 'tcp':
    case 'udp':
      if (m.sport) s += inv(SPORT, m.sport.invert) + portRangeText(m.sport.v);
      if (m.dport) s += inv(DPORT, m.dport.invert) + portRangeText(m.dport.v);
      if (m.flags) s += inv(TCPFLAGS, m.flags.invert) + tcpFlagsText(m.flags.v.mask) + ' ' + tcpFlagsText(m.flags.v.comp);
      break;
    case 'icmp':
      if (m.icmp) s += inv(ICMPTYPE, m.icmp.invert) + icmpTypeText(m.icmp.v.type, m.icmp.v.code);
      break;
    case 'conntrack':
      s += inv(CTSTATE, m.states!.invert) + m.states!.v.join(',');
      break;
    case 'state':
      s += inv(STATE, m.states!.invert) + m.states!.v.join(',');
      break;
    case 'multiport': {
      const mp = m.multi!;
      s += inv(MULTI[mp.v.which], mp.invert) + mp.v.ranges.map(portRangeText).join(',');
      break;
    }
    case 'mark':
    case 'connmark': {
      const mk = m.mark!;
      s += inv(MARK, mk.invert) + hex(mk.v.value) + (mk.v.mask === 0xffffffff ? '' : '/' + hex(mk.v.mask));
      break;
    }
    case 'addrtype':
      if (m.srcType) s += inv(SRCTYPE, m.srcType.invert) + m.srcType.v.join(',');
      if (m.dstType) s += inv(DSTTYPE, m.dstType.invert) + m.dstType.v.join(',');
      if (m.limitIn) s += ' --limit-iface-in';
      if (m.limitOut) s += ' --limit-iface-out';
      break;
    case 'iprange':
      if (m.srcRange) s += inv(SRCRANGE, m.srcRange.invert) + ipv4ToString(m.srcRange.v.lo) + '-' + ipv4ToString(m.srcRange.v.hi);
      if (m.dstRange) s += inv(DSTRANGE, m.dstRange.invert) + ipv4ToString(m.dstRange.v.lo) + '-' + ipv4ToString(m.dstRange.v.hi);
      break;
    case 'comment':
      s += ' --comment ' + saveQuote(m.comment ?? '');
      break;
  }
  return s;
}

/** Targets without parameters, one frozen object each, shared by every rule that has them (only
 *  jump/goto targets are ever changed after the fact: `-E` renames their chain). */
const NONE: XtTarget = Object.freeze({ kind: 'none' });
const ACCEPT: XtTarget = Object.freeze({ kind: 'ACCEPT' });
const DROP: XtTarget = Object.freeze({ kind: 'DROP' });
const RETURN: XtTarget = Object.freeze({ kind: 'RETURN' });
const TRACE: XtTarget = Object.freeze({ kind: 'TRACE' });
const NOTRACK: XtTarget = Object.freeze({ kind: 'NOTRACK' });

function buildTarget(spec: RuleSpec): XtTarget {
  const t = spec.target;
  if (!t) return NONE;
  if (t.chain !== undefined) return t.goto ? { kind: 'goto', chain: t.chain } : { kind: 'jump', chain: t.chain };
  switch (t.ext!) {
    case 'ACCEPT': return ACCEPT;
    case 'DROP': return DROP;
    case 'RETURN': return RETURN;
    case 'REJECT': return { kind: 'REJECT', with: (t.rejectWith ?? 'icmp-port-unreachable') as RejectWith };
    case 'LOG': return { kind: 'LOG', prefix: t.logPrefix, level: t.logLevel === undefined ? undefined : String(t.logLevel) };
    case 'TRACE': return TRACE;
    case 'NOTRACK': case 'CT': return NOTRACK;
    case 'MARK': return { kind: 'MARK', value: t.xmark!.value, mask: t.xmark!.mask };
    case 'CONNMARK':
      if (t.connmarkOp === 'set') return { kind: 'CONNMARK', op: 'set', value: t.xmark!.value, mask: t.xmark!.mask };
      return { kind: 'CONNMARK', op: t.connmarkOp!, nfmask: t.nfmask ?? 0xffffffff, ctmask: t.ctmask ?? 0xffffffff };
    case 'SNAT': return { kind: 'SNAT', to: { ...t.nat! } };
    case 'DNAT': return { kind: 'DNAT', to: { ...t.nat! } };
    case 'MASQUERADE': return t.ports ? { kind: 'MASQUERADE', ports: t.ports } : { kind: 'MASQUERADE' };
    case 'REDIRECT': return t.ports ? { kind: 'REDIRECT', ports: t.ports } : { kind: 'REDIRECT' };
  }
}

const TARGET_HEAD: Record<NonNullable<TargetInst['ext']>, string> = {
  ACCEPT: ' -j ACCEPT', DROP: ' -j DROP', RETURN: ' -j RETURN', REJECT: ' -j REJECT', LOG: ' -j LOG', MARK: ' -j MARK',
  CONNMARK: ' -j CONNMARK', SNAT: ' -j SNAT', DNAT: ' -j DNAT', MASQUERADE: ' -j MASQUERADE', REDIRECT: ' -j REDIRECT',
  TRACE: ' -j TRACE', NOTRACK: ' -j NOTRACK', CT: ' -j CT',
};

/** Flag options of each target in the order iptables-save prints them. */
const LOG_FLAGS = ['log-tcp-sequence', 'log-tcp-options', 'log-ip-options', 'log-uid', 'log-macdecode'];
const SNAT_FLAGS = ['random', 'random-fully', 'persistent'];
const DNAT_FLAGS = ['random', 'persistent'];
const MASQUERADE_FLAGS = ['random', 'random-fully'];
const REDIRECT_FLAGS = ['random'];

function renderTarget(spec: RuleSpec): string {
  const t = spec.target;
  if (!t) return '';
  if (t.chain !== undefined) return (t.goto ? ' -g ' : ' -j ') + t.chain;
  let s = TARGET_HEAD[t.ext!];
  switch (t.ext!) {
    case 'REJECT': s += ` --reject-with ${t.rejectWith ?? 'icmp-port-unreachable'}`; break;
    case 'LOG':
      if (t.logPrefix) s += ` --log-prefix ${saveQuote(t.logPrefix)}`;
      if (t.logLevel !== undefined && t.logLevel !== 4) s += ` --log-level ${t.logLevel}`;
      s += flagsText(t.flags, LOG_FLAGS);
      break;
    case 'MARK': s += ` --set-xmark ${hex(t.xmark!.value)}/${hex(t.xmark!.mask)}`; break;
    case 'CONNMARK':
      if (t.connmarkOp === 'set') s += ` --set-xmark ${hex(t.xmark!.value)}/${hex(t.xmark!.mask)}`;
      else s += ` --${t.connmarkOp}-mark --nfmask ${hex(t.nfmask ?? 0xffffffff)} --ctmask ${hex(t.ctmask ?? 0xffffffff)}`;
      break;
    case 'SNAT': s += ` --to-source ${natRangeText(t.nat!)}` + flagsText(t.flags, SNAT_FLAGS); break;
    case 'DNAT': s += ` --to-destination ${natRangeText(t.nat!)}` + flagsText(t.flags, DNAT_FLAGS); break;
    case 'MASQUERADE': if (t.ports) s += ' --to-ports ' + natPortsText(t.ports); s += flagsText(t.flags, MASQUERADE_FLAGS); break;
    case 'REDIRECT': if (t.ports) s += ' --to-ports ' + natPortsText(t.ports); s += flagsText(t.flags, REDIRECT_FLAGS); break;
    case 'CT': s += ' --notrack'; break;
    default: break;
  }
  return s;
}

/** ` --FLAG` for each flag of `order` that is set, in that order. */
function flagsText(set: string[], order: string[]): string {
  if (set.length === 0) return '';
  let s = '';
  for (const f of order) if (set.includes(f)) s += ' --' + f;
  return s;
}

function natPortsText(r: [number, number]): string {
  return r[0] === r[1] ? String(r[0]) : `${r[0]}-${r[1]}`;
}

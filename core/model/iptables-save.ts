// Turning a parsed iptables rule into kernel configuration (XtMatch[] and XtTarget of
// core/kernel/config.ts) and into its canonical text, the line `iptables-save` (1.8.9, nf_tables)
// prints for it: `-s -d -i -o -p`, then each match in load order with its options in the
// extension's own order, then the target. One rule per (source, destination) pair of
// comma lists, as iptables expands them. No validation here: core/model/iptables-parse.ts did it.

import { ipv4ToString, Origin, PortRange, Prefix, prefixToString, RejectWith, XtMatch, XtRule, XtTarget } from '../kernel/config';
import { keepLayout } from '../util/keep-layout';
import type { MatchInst, RuleSpec, TargetInst } from './iptables-parse';
import { hex, icmpTypeText, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, natRangeText, portRangeText, protoText, saveQuote, tcpFlagsText } from './iptables-values';

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

/** The text pieces of the rule being built after its addresses, joined once per rule (reused:
 *  builds do not nest; a count instead of the array's length, which would give the array a new
 *  store each time it is cut to 0 and grown again). */
const TAIL_PIECES: string[] = new Array<string>(32).fill('');
let nPieces = 0;
function piece(s: string): void {
  TAIL_PIECES[nPieces++] = s; // at the length: appends
}
/** Arrays to join, one per length (never resized). */
const JOIN: string[][] = [];
/** The rule of the last one-rule build (reused: the caller takes it out before the next build). */
const ONE: XtRule[] = [undefined as unknown as XtRule];

/** The rules one command line stands for (several when -s or -d lists addresses), each with its
 *  iptables-save text (`-A CHAIN ...`). Rules of one line share their target and their other
 *  match objects; each has its own matches array (sized exactly: they are kept). A one-rule
 *  result is an array rewritten by the next call. */
export function buildRules(spec: RuleSpec, chainName: string, origin: Origin): XtRule[] {
  // Most lines need no text now: their rules render it from their configuration when it is read.
  const lazy = !eagerText && textFromConfig(spec);
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
  const tail = newMatchArray(single ? lead + nTail : nTail);
  let at = single ? lead : 0;
  nPieces = 0;
  if (iif) {
    const e = ifaceEntry(IIF_CACHE, 'iif', IIF, iif.v, iif.invert);
    tail[at++] = e.match;
    if (!lazy) piece(e.text);
  }
  if (oif) {
    const e = ifaceEntry(OIF_CACHE, 'oif', OIF, oif.v, oif.invert);
    tail[at++] = e.match;
    if (!lazy) piece(e.text);
  }
  if (proto) {
    tail[at++] = protoMatch(proto.v, proto.invert);
    if (!lazy) {
      piece(inv(PROTO, proto.invert));
      piece(protoText(proto.v));
    }
  }
  for (let k = 0; k < spec.matches.length; k++) {
    const m = spec.matches[k];
    const from = at;
    at = matchConfig(m, tail, at);
    if (!lazy) renderMatch(m, tail, from, at);
  }
  if (!lazy) renderTarget(spec, target);
  const head = lazy ? '' : headText(chainName);
  if (single) {
    let sText = '';
    let dText = '';
    let i = 0;
    if (src) {
      const e = src.entries ? src.entries[0] : prefixEntry(src.v[0]);
      tail[i++] = src.invert ? { kind: 'src', prefix: e.prefix, invert: true } : e.src;
      sText = src.invert ? e.notSText : e.sText;
    }
    if (dst) {
      const e = dst.entries ? dst.entries[0] : prefixEntry(dst.v[0]);
      tail[i++] = dst.invert ? { kind: 'dst', prefix: e.prefix, invert: true } : e.dst;
      dText = dst.invert ? e.notDText : e.dText;
    }
    ONE[0] = new ModelRule(tail, target, origin, chainName, lazy ? undefined : ruleText(head, sText, dText));
    return ONE;
  }
  const out: XtRule[] = [];
  for (let i = 0; i < nSrc; i++) {
    const se = src ? (src.entries ? src.entries[i] : prefixEntry(src.v[i])) : undefined;
    const sm: XtMatch | undefined = se ? (src!.invert ? { kind: 'src', prefix: se.prefix, invert: true } : se.src) : undefined;
    const sText = se ? (src!.invert ? se.notSText : se.sText) : '';
    for (let j = 0; j < nDst; j++) {
      const de = dst ? (dst.entries ? dst.entries[j] : prefixEntry(dst.v[j])) : undefined;
      const matches = newMatchArray(lead + nTail);
      let k = 0;
      let dText = '';
      if (sm) matches[k++] = sm;
      if (de) {
        matches[k++] = dst!.invert ? { kind: 'dst', prefix: de.prefix, invert: true } : de.dst;
        dText = dst!.invert ? de.notDText : de.dText;
      }
      for (let t = 0; t < nTail; t++) matches[k++] = tail[t];
      out.push(new ModelRule(matches, target, origin, chainName, lazy ? undefined : ruleText(head, sText, dText)));
    }
  }
  return out;
}

/**
 * A rule the model built. Its iptables-save text is made when first read, from its matches and
 * target, the way iptables-save prints the kernel's rule (renderRuleText), unless the line had
 * something the configuration does not carry (a `-m state`, target flags, ...; see
 * textFromConfig): then buildRules made the text at once. Writing `text` replaces it (`-E`).
 * JSON shows the plain XtRule.
 */
export class ModelRule implements XtRule {
  constructor(
    public matches: XtMatch[],
    public target: XtTarget,
    public origin: Origin,
    /** The chain the rule was added to (the text's `-A CHAIN`). */
    private readonly chain: string,
    private saved: string | undefined,
  ) {}

  get text(): string {
    return (this.saved ??= renderRuleText(this.chain, this.matches, this.target));
  }

  set text(text: string) {
    this.saved = text;
  }

  /** Whether the text is made (read once, or made at build time). */
  get hasText(): boolean {
    return this.saved !== undefined;
  }

  /** A copy whose matches and target are `copy` of these (incremental.ts snapshots). */
  copyWith(copy: <T>(v: T) => T): ModelRule {
    return new ModelRule(copy(this.matches), copy(this.target), this.origin, this.chain, this.saved);
  }

  toJSON(): XtRule {
    return { matches: this.matches, target: this.target, text: this.text, origin: this.origin };
  }
}

// Rules live as long as their model: one kept keeps their layout when no model is left (util/keep-layout.ts).
keepLayout(new ModelRule([], { kind: 'ACCEPT' }, 0, '', undefined));

/** Tests: make every text at build time, as before rules rendered theirs (to compare both ways). */
let eagerText = false;
export function setEagerRuleText(on: boolean): void {
  eagerText = on;
}

/**
 * Whether renderRuleText, reading only the rule's matches and target, prints what renderMatch and
 * renderTarget would print for `spec`: every loaded match shows in the configuration (a `-m tcp`
 * without options would not), no two neighbouring matches share a module (their options would
 * read as one), the module follows from the entry (not so for `-m state`: it gives a ctstate
 * entry, as `-m conntrack` does), and the target has no flags and
 * is not `CT --notrack` (the configuration says NOTRACK).
 */
function textFromConfig(spec: RuleSpec): boolean {
  const ms = spec.matches;
  const p = spec.proto && !spec.proto.invert ? spec.proto.v : -1;
  for (let k = 0; k < ms.length; k++) {
    const m = ms[k];
    if (k > 0 && ms[k - 1].name === m.name) return false;
    switch (m.name) {
      case 'tcp':
        if (p !== IPPROTO_TCP || !(m.sport || m.dport || m.flags)) return false;
        break;
      case 'udp':
        if (p !== IPPROTO_UDP || !(m.sport || m.dport) || m.flags) return false;
        break;
      case 'icmp':
        if (p !== IPPROTO_ICMP || !m.icmp) return false;
        break;
      case 'conntrack':
        if (!m.states) return false;
        break;
      case 'multiport':
        if (!m.multi) return false;
        break;
      case 'mark':
      case 'connmark':
        if (!m.mark) return false;
        break;
      case 'comment':
        if (m.comment === undefined) return false;
        break;
      case 'addrtype':
        if (!m.srcType && !m.dstType) return false;
        break;
      case 'iprange':
        if (!m.srcRange && !m.dstRange) return false;
        break;
      default:
        return false;
    }
  }
  const t = spec.target;
  return !t || t.chain !== undefined || (t.flags.length === 0 && t.ext !== 'CT');
}

/** The module (`-m NAME`) an entry of a rule's matches comes from, given the rule's protocol. */
function moduleOf(m: XtMatch, proto: number): string {
  switch (m.kind) {
    case 'sport': case 'dport': case 'tcpflags':
      return proto === IPPROTO_UDP ? ' -m udp' : ' -m tcp';
    case 'icmptype': return ' -m icmp';
    case 'ctstate': return ' -m conntrack';
    case 'multiport': return ' -m multiport';
    case 'mark': return ' -m mark';
    case 'connmark': return ' -m connmark';
    case 'comment': return ' -m comment';
    case 'addrtype': return ' -m addrtype';
    case 'iprange': return ' -m iprange';
    default: return '';
  }
}

/**
 * The iptables-save line of a rule in `chain`, from its matches and target: `-s -d -i -o -p`, then
 * each match entry under its module's `-m NAME` (one per run of entries of the same module), then
 * the target. Exact for the rules textFromConfig admits.
 */
function renderRuleText(chain: string, matches: readonly XtMatch[], target: XtTarget): string {
  let s = headText(chain);
  let mod = '';
  let proto = 0;
  for (let k = 0; k < matches.length; k++) {
    const m = matches[k];
    switch (m.kind) {
      case 'src': s += (m.invert ? SRC[1] : SRC[0]) + prefixToString(m.prefix); continue;
      case 'dst': s += (m.invert ? DST[1] : DST[0]) + prefixToString(m.prefix); continue;
      case 'iif': s += inv(IIF, m.invert) + m.name; continue;
      case 'oif': s += inv(OIF, m.invert) + m.name; continue;
      case 'proto':
        s += inv(PROTO, m.invert) + protoText(m.proto);
        if (!m.invert) proto = m.proto;
        continue;
    }
    const mm = moduleOf(m, proto);
    if (mm !== mod) {
      s += mm;
      mod = mm;
    }
    s += entryText(m);
  }
  return s + targetText(target);
}

/** The options of one match entry as iptables-save prints them (` --dport 22`, ` ! --mark 0x1`);
 *  a ctstate entry of `-m state` takes `--state` (`state`). */
function entryText(m: XtMatch, state = false): string {
  switch (m.kind) {
    case 'sport': return inv(SPORT, m.invert) + portRangeText(m.range);
    case 'dport': return inv(DPORT, m.invert) + portRangeText(m.range);
    case 'tcpflags': return inv(TCPFLAGS, m.invert) + tcpFlagsText(m.mask) + ' ' + tcpFlagsText(m.comp);
    case 'icmptype': return inv(ICMPTYPE, m.invert) + icmpTypeText(m.type, m.code);
    case 'ctstate': return inv(state ? STATE : CTSTATE, m.invert) + m.states.join(',');
    case 'multiport': return inv(MULTI[m.which], m.invert) + m.ranges.map(portRangeText).join(',');
    case 'mark': case 'connmark': return inv(MARK, m.invert) + hex(m.value) + (m.mask === 0xffffffff ? '' : '/' + hex(m.mask));
    case 'comment': return ' --comment ' + saveQuote(m.text);
    case 'addrtype': {
      let s = '';
      if (m.src) s += inv(SRCTYPE, m.src.invert) + m.src.types.join(',');
      if (m.dst) s += inv(DSTTYPE, m.dst.invert) + m.dst.types.join(',');
      if (m.limitIfaceIn) s += ' --limit-iface-in';
      if (m.limitIfaceOut) s += ' --limit-iface-out';
      return s;
    }
    case 'iprange': {
      let s = '';
      if (m.src) s += inv(SRCRANGE, m.src.invert) + ipv4ToString(m.src.lo) + '-' + ipv4ToString(m.src.hi);
      if (m.dst) s += inv(DSTRANGE, m.dst.invert) + ipv4ToString(m.dst.lo) + '-' + ipv4ToString(m.dst.hi);
      return s;
    }
    default: return '';
  }
}

/** The target part of a rule's iptables-save line, from its configuration (no flags). */
function targetText(t: XtTarget): string {
  switch (t.kind) {
    case 'none': return '';
    case 'jump': return ' -j ' + t.chain;
    case 'goto': return ' -g ' + t.chain;
    case 'ACCEPT': case 'DROP': case 'RETURN': case 'TRACE': case 'NOTRACK': return ' -j ' + t.kind;
    case 'REJECT': return ' -j REJECT --reject-with ' + t.with;
    case 'LOG': {
      let s = ' -j LOG';
      if (t.prefix) s += ` --log-prefix ${saveQuote(t.prefix)}`;
      if (t.level !== undefined && t.level !== '4') s += ` --log-level ${t.level}`;
      return s;
    }
    case 'MARK': return ` -j MARK --set-xmark ${hex(t.value)}/${hex(t.mask)}`;
    case 'CONNMARK':
      return t.op === 'set'
        ? ` -j CONNMARK --set-xmark ${hex(t.value)}/${hex(t.mask)}`
        : ` -j CONNMARK --${t.op}-mark --nfmask ${hex(t.nfmask)} --ctmask ${hex(t.ctmask)}`;
    case 'SNAT': return ' -j SNAT --to-source ' + natRangeText(t.to);
    case 'DNAT': return ' -j DNAT --to-destination ' + natRangeText(t.to);
    case 'MASQUERADE': return ' -j MASQUERADE' + (t.ports ? ' --to-ports ' + natPortsText(t.ports) : '');
    case 'REDIRECT': return ' -j REDIRECT' + (t.ports ? ' --to-ports ' + natPortsText(t.ports) : '');
  }
}

/** Arrays of each small length to copy (a copy of a packed array is a quicker allocation than
 *  `new Array(n)`, and packed: no holes for the readers to check). Only copied, never written. */
const MATCH_ARRAYS: XtMatch[][] = [];
function newMatchArray(n: number): XtMatch[] {
  if (n > 32) return new Array<XtMatch>(n);
  let t = MATCH_ARRAYS[n];
  if (t === undefined) MATCH_ARRAYS[n] = t = Array.from({ length: n }, () => undefined as unknown as XtMatch);
  return t.slice();
}

/** One rule's text: head, addresses, then the pieces of TAIL_PIECES, joined into one flat string
 *  (`+` would keep a tree of pieces alive as long as the rule). */
function ruleText(head: string, sText: string, dText: string): string {
  const n = 3 + nPieces;
  let ps = JOIN[n];
  if (ps === undefined) JOIN[n] = ps = new Array<string>(n).fill('');
  ps[0] = head;
  ps[1] = sText;
  ps[2] = dText;
  const tp = TAIL_PIECES;
  for (let k = 0; k < nPieces; k++) ps[3 + k] = tp[k];
  return ps.join('');
}

/** Bounded caches (emptied when full) of pure functions of a value: texts and frozen match objects
 *  for values that recur rule after rule. */
const LIMIT = 4096;
function put<K, V>(m: Map<K, V>, k: K, v: V): V {
  if (m.size >= LIMIT) m.clear();
  m.set(k, v);
  return v;
}

/** `-A CHAIN` per chain name. */
const HEADS = new Map<string, string>();
function headText(chain: string): string {
  return HEADS.get(chain) ?? put(HEADS, chain, '-A ' + chain);
}

interface IfaceEntry { match: XtMatch; text: string }
const IIF_CACHE: [Map<string, IfaceEntry>, Map<string, IfaceEntry>] = [new Map(), new Map()];
const OIF_CACHE: [Map<string, IfaceEntry>, Map<string, IfaceEntry>] = [new Map(), new Map()];
/** The -i/-o match (frozen, shared) and its text per device name and inversion. */
function ifaceEntry(cache: [Map<string, IfaceEntry>, Map<string, IfaceEntry>], kind: 'iif' | 'oif', flag: [string, string], name: string, invert: boolean): IfaceEntry {
  const c = cache[invert ? 1 : 0];
  return c.get(name) ?? put(c, name, { match: Object.freeze({ kind, name, invert }), text: inv(flag, invert) + name });
}

/** A prefix (frozen) with its -s/-d matches (not inverted, frozen) and texts. */
export interface PrefixEntry { prefix: Prefix; src: XtMatch; dst: XtMatch; sText: string; dText: string; notSText: string; notDText: string }
/** Per prefix length, per address: the prefix (frozen), its -s/-d matches (not inverted, frozen) and texts. */
const PREFIXES: Array<Map<number, PrefixEntry>> = [];
for (let len = 0; len <= 32; len++) PREFIXES.push(new Map());
let prefixCount = 0;
export function prefixEntry(p: Prefix): PrefixEntry {
  const byAddr = PREFIXES[p.len];
  const key = p.addr | 0;
  let e = byAddr?.get(key);
  if (e !== undefined) return e;
  const prefix = Object.isFrozen(p) ? p : Object.freeze({ addr: p.addr, len: p.len });
  const text = prefixToString(prefix);
  e = {
    prefix, src: Object.freeze({ kind: 'src', prefix, invert: false }), dst: Object.freeze({ kind: 'dst', prefix, invert: false }),
    sText: SRC[0] + text, dText: DST[0] + text, notSText: SRC[1] + text, notDText: DST[1] + text,
  };
  if (byAddr === undefined) return e;
  if (prefixCount >= LIMIT) {
    for (const m of PREFIXES) m.clear();
    prefixCount = 0;
  }
  byAddr.set(key, e);
  prefixCount++;
  return e;
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


/** Appends the text pieces of loaded match `m`: its `-m NAME` (shown even with no option), then
 *  the entries matchConfig wrote for it, out[from, to). */
function renderMatch(m: MatchInst, out: XtMatch[], from: number, to: number): void {
  piece(MATCH_HEAD[m.name]);
  for (let k = from; k < to; k++) piece(entryText(out[k], m.name === 'state'));
}

/** Targets without parameters, one frozen object each, shared by every rule that has them (only
 *  jump/goto targets are ever changed after the fact: `-E` renames their chain). */
const NONE: XtTarget = Object.freeze({ kind: 'none' });
const ACCEPT: XtTarget = Object.freeze({ kind: 'ACCEPT' });
const DROP: XtTarget = Object.freeze({ kind: 'DROP' });
const RETURN: XtTarget = Object.freeze({ kind: 'RETURN' });
const TRACE: XtTarget = Object.freeze({ kind: 'TRACE' });
const NOTRACK: XtTarget = Object.freeze({ kind: 'NOTRACK' });

/** REJECT targets per --reject-with, MARK targets per mark (mask all ones): frozen, shared. */
const REJECTS = new Map<string, XtTarget>();
const MARKS = new Map<number, XtTarget>();

function buildTarget(spec: RuleSpec): XtTarget {
  const t = spec.target;
  if (!t) return NONE;
  if (t.chain !== undefined) return t.goto ? { kind: 'goto', chain: t.chain } : { kind: 'jump', chain: t.chain };
  switch (t.ext!) {
    case 'ACCEPT': return ACCEPT;
    case 'DROP': return DROP;
    case 'RETURN': return RETURN;
    case 'REJECT': {
      const w = t.rejectWith ?? 'icmp-port-unreachable';
      return REJECTS.get(w) ?? put(REJECTS, w, Object.freeze({ kind: 'REJECT', with: w as RejectWith }));
    }
    case 'LOG': return { kind: 'LOG', prefix: t.logPrefix, level: t.logLevel === undefined ? undefined : String(t.logLevel) };
    case 'TRACE': return TRACE;
    case 'NOTRACK': case 'CT': return NOTRACK;
    case 'MARK': {
      const { value, mask } = t.xmark!;
      if (mask !== 0xffffffff) return { kind: 'MARK', value, mask };
      return MARKS.get(value) ?? put(MARKS, value, Object.freeze({ kind: 'MARK', value, mask }));
    }
    case 'CONNMARK':
      if (t.connmarkOp === 'set') return { kind: 'CONNMARK', op: 'set', value: t.xmark!.value, mask: t.xmark!.mask };
      return { kind: 'CONNMARK', op: t.connmarkOp!, nfmask: t.nfmask ?? 0xffffffff, ctmask: t.ctmask ?? 0xffffffff };
    // The parser makes a NAT range per line that only the rule keeps: no copy.
    case 'SNAT': return { kind: 'SNAT', to: t.nat! };
    case 'DNAT': return { kind: 'DNAT', to: t.nat! };
    case 'MASQUERADE': return t.ports ? { kind: 'MASQUERADE', ports: t.ports } : { kind: 'MASQUERADE' };
    case 'REDIRECT': return t.ports ? { kind: 'REDIRECT', ports: t.ports } : { kind: 'REDIRECT' };
  }
}

/** Flag options of each target in the order iptables-save prints them. */
const TARGET_FLAGS: Partial<Record<NonNullable<TargetInst['ext']>, string[]>> = {
  LOG: ['log-tcp-sequence', 'log-tcp-options', 'log-ip-options', 'log-uid', 'log-macdecode'],
  SNAT: ['random', 'random-fully', 'persistent'],
  DNAT: ['random', 'persistent'],
  MASQUERADE: ['random', 'random-fully'],
  REDIRECT: ['random'],
};

/** Appends the text of the rule's target: the configuration's (targetText), then what it does not
 *  carry: the target's flags, and `CT --notrack` (the configuration says NOTRACK). */
function renderTarget(spec: RuleSpec, target: XtTarget): void {
  const t = spec.target;
  if (t?.ext === 'CT') return piece(' -j CT --notrack');
  piece(targetText(target));
  const order = t?.ext ? TARGET_FLAGS[t.ext] : undefined;
  if (order) piece(flagsText(t!.flags, order));
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

// Command-line parsing of one `iptables` line, the way iptables 1.8.9 (nf_tables) reads it:
// getopt_long over the base options plus the options of each loaded match (`-m NAME`, or the
// protocol's match loaded implicitly by `-p tcp --dport 80`) and of the target (`-j NAME`), with
// unique-prefix abbreviations, `!` before invertible options, and each extension's final checks.
// It gives words their roles and reports parse-time errors (exit status 2 of the real tool). It
// does not look at the kernel state except to tell a user-chain jump from a target; chain
// existence, hooks and loops are core/model/iptables.ts's job.

import type { DiagnosticKey } from '../diagnostics/catalogue';
import type { AddrType, CtState, Ipv4, PortRange, Prefix, XtTableName } from '../kernel/config';
import type { ExecContext, WordRole } from './context';
import { IFNAMSIZ_MAX, nearestName } from './names';
import { PrefixEntry, prefixEntry } from './iptables-save';
import {
  IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, LOG_LEVELS, parseAddrMask, parseAddrTypes, parseCtStates, parseIcmpType,
  parseIpRange, parseMarkMask, parseNatPorts, parseNatRange, parsePortList, parsePortRange, parseProto,
  parseRejectWith, parseTcpFlags, parseUint, Parsed, protoText, TCP_SYN_COMP, TCP_SYN_MASK,
} from './iptables-values';

export const XT_TABLES: XtTableName[] = ['filter', 'nat', 'mangle', 'raw', 'security'];

export type CmdOp = 'A' | 'D' | 'I' | 'R' | 'L' | 'S' | 'F' | 'Z' | 'N' | 'X' | 'P' | 'E';

export type MatchName = 'tcp' | 'udp' | 'icmp' | 'conntrack' | 'state' | 'multiport' | 'mark' | 'connmark' | 'addrtype' | 'iprange' | 'comment';

interface Inv<T> { v: T; invert: boolean }
/** Port and state values as the parser's caches give them: with the text iptables-save prints. */
export type PortInv = Inv<PortRange>;
export type StatesInv = Inv<CtState[]>;

export interface MatchInst {
  name: MatchName;
  /** argv index of `-m NAME`, or of the option that loaded it implicitly. */
  idx: number;
  sport?: PortInv;
  dport?: PortInv;
  flags?: Inv<{ mask: number; comp: number }>;
  icmp?: Inv<{ type: number; code?: number }>;
  states?: StatesInv;
  multi?: Inv<{ which: 'sport' | 'dport' | 'port'; ranges: PortRange[] }>;
  mark?: Inv<{ value: number; mask: number }>;
  srcType?: Inv<AddrType[]>;
  dstType?: Inv<AddrType[]>;
  limitIn?: boolean;
  limitOut?: boolean;
  srcRange?: Inv<{ lo: Ipv4; hi: Ipv4 }>;
  dstRange?: Inv<{ lo: Ipv4; hi: Ipv4 }>;
  comment?: string;
}

export type TargetName =
  | 'ACCEPT' | 'DROP' | 'RETURN' | 'REJECT' | 'LOG' | 'MARK' | 'CONNMARK' | 'SNAT' | 'DNAT' | 'MASQUERADE'
  | 'REDIRECT' | 'TRACE' | 'NOTRACK' | 'CT';

export interface TargetInst {
  /** A target name, or a user chain (chain set). */
  name: string;
  idx: number;
  goto: boolean;
  /** Set when the name is a user chain. */
  chain?: string;
  ext?: TargetName;
  rejectWith?: string;
  logPrefix?: string;
  logLevel?: number;
  /** MARK / CONNMARK --set-xmark form. */
  xmark?: { value: number; mask: number };
  markOpCount?: number;
  connmarkOp?: 'set' | 'save' | 'restore';
  nfmask?: number;
  ctmask?: number;
  nat?: { addrLo?: Ipv4; addrHi?: Ipv4; portLo?: number; portHi?: number };
  natIdx?: number;
  ports?: PortRange;
  portsIdx?: number;
  flags: string[];
  notrack?: boolean;
}

/** -s/-d: the prefixes and each one's frozen matches and texts. */
export type AddrPos = Inv<Prefix[]> & { idx: number; entries: readonly PrefixEntry[] | undefined };

export interface RuleSpec {
  proto?: Inv<number> & { idx: number };
  src?: AddrPos;
  dst?: AddrPos;
  iif?: Inv<string> & { idx: number };
  oif?: Inv<string> & { idx: number };
  matches: MatchInst[];
  target?: TargetInst;
}

export interface ParsedCmd {
  op: CmdOp;
  opIdx: number;
  table: XtTableName;
  chain?: string;
  chainIdx: number;
  num?: number;
  numIdx: number;
  /** -P: the policy; -E: the new chain name. */
  policy?: string;
  policyIdx: number;
  rule: RuleSpec;
  /** True when some rule option (match, target, address...) was given. */
  hasRuleOptions: boolean;
}

interface Fail { key: DiagnosticKey; args: string[]; at?: number; data?: Record<string, unknown> }
const fail = (key: DiagnosticKey, ...args: string[]): Fail => ({ key, args });

/** An option of a match or target: its long names, whether it takes an argument and may be inverted. */
interface ExtOpt<T> {
  names: string[];
  arg: boolean;
  invert: boolean;
  role?: WordRole;
  apply: (x: T, value: string, invert: boolean, idx: number, spec: RuleSpec) => Fail | undefined;
}

// ---------------------------------------------------------------- value caches
// Bounded caches (emptied when full) of pure value parses keyed by the option's word: the same
// ports, states and addresses recur line after line. They return frozen objects only, so what a
// rule keeps may be shared; nothing about a line or a statement is cached.

const CACHE_LIMIT = 4096;

function cachePut<V>(cache: Map<string, V>, key: string, v: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, v);
  return v;
}

/** A Parsed value through a word cache (errors are not cached). */
function cachedParse<T>(cache: Map<string, Parsed<T>>, word: string, parse: (w: string) => Parsed<T>): Parsed<T> {
  const hit = cache.get(word);
  if (hit !== undefined) return hit;
  const r = parse(word);
  if (!r.ok) return r;
  deepFreeze(r);
  return cachePut(cache, word, r);
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v as object)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

const ICMP_CACHE = new Map<string, Parsed<{ type: number; code?: number }>>();
const NAT_PORTS_CACHE = new Map<string, Parsed<PortRange>>();

/** --sport/--dport values, frozen, per word and inversion. */
const PORT_INV: [Map<string, PortInv>, Map<string, PortInv>] = [new Map(), new Map()];
function portInv(word: string, invert: boolean): PortInv | string {
  const cache = PORT_INV[invert ? 1 : 0];
  const hit = cache.get(word);
  if (hit !== undefined) return hit;
  const r = parsePortRange(word);
  if (typeof r === 'string') return r;
  return cachePut(cache, word, Object.freeze({ v: Object.freeze(r) as PortRange, invert }));
}

/** --ctstate/--state values, frozen, per word, match and inversion. */
const STATES_INV: Array<Map<string, Parsed<StatesInv>>> = [new Map(), new Map(), new Map(), new Map()];
function statesInv(word: string, stateMatch: boolean, invert: boolean): Parsed<StatesInv> {
  const cache = STATES_INV[(stateMatch ? 2 : 0) + (invert ? 1 : 0)];
  const hit = cache.get(word);
  if (hit !== undefined) return hit;
  const r = parseCtStates(word, stateMatch);
  if (!r.ok) return r;
  return cachePut(cache, word, Object.freeze({ ok: true as const, value: Object.freeze({ v: Object.freeze(r.value) as CtState[], invert }) }));
}


/** -p values per word. */
const PROTO_CACHE = new Map<string, number>();

/** Long option names per word (`--dport` -> `dport`). */
const LONG_NAMES = new Map<string, string>();
function longName(w: string): string {
  let n = LONG_NAMES.get(w);
  if (n === undefined) n = cachePut(LONG_NAMES, w, w.slice(2));
  return n;
}

function once<T>(x: T | undefined, opt: string): Fail | undefined {
  return x === undefined ? undefined : fail('xtDuplicateOption', `option "${opt}" can only be used once`);
}

function portOpts(which: 'sport' | 'dport', names: string[], label: string): ExtOpt<MatchInst> {
  return {
    names, arg: true, invert: true, role: 'port',
    apply: (m, v, invert) => {
      if (m[which]) return fail('xtDuplicateOption', `Only one \`${label}' allowed`);
      const r = portInv(v, invert);
      if (typeof r === 'string') return fail('xtBadPort', r);
      m[which] = r;
      return undefined;
    },
  };
}

const TCP_OPTS: ExtOpt<MatchInst>[] = [
  portOpts('sport', ['source-port', 'sport'], '--source-port'),
  portOpts('dport', ['destination-port', 'dport'], '--destination-port'),
  {
    names: ['syn'], arg: false, invert: true,
    apply: (m, _v, invert) => {
      if (m.flags) return fail('xtDuplicateOption', 'Only one of `--syn\' or `--tcp-flags\' allowed');
      m.flags = { v: { mask: TCP_SYN_MASK, comp: TCP_SYN_COMP }, invert };
      return undefined;
    },
  },
  {
    names: ['tcp-flags'], arg: true, invert: true, role: 'value',
    apply: () => undefined, // handled specially: takes two arguments
  },
];

const UDP_OPTS: ExtOpt<MatchInst>[] = [
  portOpts('sport', ['source-port', 'sport'], '--source-port'),
  portOpts('dport', ['destination-port', 'dport'], '--destination-port'),
];

const ICMP_OPTS: ExtOpt<MatchInst>[] = [{
  names: ['icmp-type'], arg: true, invert: true, role: 'value',
  apply: (m, v, invert) => {
    const d = once(m.icmp, '--icmp-type');
    if (d) return d;
    const r = cachedParse(ICMP_CACHE, v, parseIcmpType);
    if (!r.ok) return fail('xtBadValue', r.error, "use a number TYPE[/CODE] or a name such as echo-request, port-unreachable, any");
    m.icmp = { v: r.value, invert };
    return undefined;
  },
}];

function stateOpt(name: 'ctstate' | 'state'): ExtOpt<MatchInst> {
  return {
    names: [name], arg: true, invert: true, role: 'value',
    apply: (m, v, invert) => {
      if (m.states) return fail('xtDuplicateOption', `${m.name}: option "--${name}" can only be used once.`);
      const r = statesInv(v, name === 'state', invert);
      if (!r.ok) return fail('xtBadValue', r.error, `states are ${name === 'state' ? 'INVALID, NEW, RELATED, ESTABLISHED, UNTRACKED' : 'INVALID, NEW, RELATED, ESTABLISHED, UNTRACKED, SNAT, DNAT'}, comma-separated`);
      m.states = r.value;
      return undefined;
    },
  };
}

function multiOpt(names: string[], which: 'sport' | 'dport' | 'port', label: string): ExtOpt<MatchInst> {
  return {
    names, arg: true, invert: true, role: 'port',
    apply: (m, v, invert, _idx, spec) => {
      // Checked when the option is parsed: `-p` must come before it (verified).
      if (!hasProto(spec, IPPROTO_TCP, IPPROTO_UDP, 132, 33, 136)) {
        return fail('xtMatchNeedsProtocol', "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'");
      }
      if (m.multi) {
        return m.multi.v.which === which
          ? fail('xtDuplicateOption', `multiport: option "${label}" can only be used once.`)
          : fail('xtDuplicateOption', `multiport: only one of --sports, --dports, --ports per match`);
      }
      const r = parsePortList(v);
      if (!r.ok) return fail('xtBadPort', r.error);
      m.multi = { v: { which, ranges: r.value }, invert };
      return undefined;
    },
  };
}

function markOpt(matchName: string): ExtOpt<MatchInst> {
  return {
    names: ['mark'], arg: true, invert: true, role: 'value',
    apply: (m, v, invert) => {
      const d = once(m.mark, '--mark');
      if (d) return d;
      const r = parseMarkMask(v);
      if (!r) return fail('xtBadValue', `${matchName}: bad integer value for option "--mark", or out of range.`, 'write VALUE[/MASK], e.g. 0x1/0xff');
      m.mark = { v: { value: r.value, mask: r.mask }, invert };
      return undefined;
    },
  };
}

function addrTypeOpt(name: 'src-type' | 'dst-type', key: 'srcType' | 'dstType'): ExtOpt<MatchInst> {
  return {
    names: [name], arg: true, invert: true, role: 'value',
    apply: (m, v, invert) => {
      const d = once(m[key], `--${name}`);
      if (d) return d;
      const r = parseAddrTypes(v);
      if (!r.ok) return fail('xtBadValue', r.error, 'types are UNICAST, LOCAL, BROADCAST, ANYCAST, MULTICAST, BLACKHOLE, UNREACHABLE, PROHIBIT, THROW, NAT, XRESOLVE, UNSPEC');
      m[key] = { v: r.value, invert };
      return undefined;
    },
  };
}

function rangeOpt(name: 'src-range' | 'dst-range', key: 'srcRange' | 'dstRange'): ExtOpt<MatchInst> {
  return {
    names: [name], arg: true, invert: true, role: 'address',
    apply: (m, v, invert) => {
      const d = once(m[key], `--${name}`);
      if (d) return d;
      const r = parseIpRange(v);
      if (!r.ok) return fail('xtBadAddress', r.error);
      m[key] = { v: r.value, invert };
      return undefined;
    },
  };
}

const MATCH_OPTS: Record<MatchName, ExtOpt<MatchInst>[]> = {
  tcp: TCP_OPTS,
  udp: UDP_OPTS,
  icmp: ICMP_OPTS,
  conntrack: [stateOpt('ctstate')],
  state: [stateOpt('state')],
  multiport: [
    multiOpt(['source-ports', 'sports'], 'sport', '--source-ports'),
    multiOpt(['destination-ports', 'dports'], 'dport', '--destination-ports'),
    multiOpt(['ports'], 'port', '--ports'),
  ],
  mark: [markOpt('mark')],
  connmark: [markOpt('connmark')],
  addrtype: [
    addrTypeOpt('src-type', 'srcType'),
    addrTypeOpt('dst-type', 'dstType'),
    { names: ['limit-iface-in'], arg: false, invert: false, apply: (m) => { m.limitIn = true; return undefined; } },
    { names: ['limit-iface-out'], arg: false, invert: false, apply: (m) => { m.limitOut = true; return undefined; } },
  ],
  iprange: [rangeOpt('src-range', 'srcRange'), rangeOpt('dst-range', 'dstRange')],
  comment: [{
    names: ['comment'], arg: true, invert: false, role: 'string',
    apply: (m, v) => {
      const d = once(m.comment, '--comment');
      if (d) return d;
      if (v.length > 255) return fail('xtBadValue', 'comment: option "--comment" is too long (max 255 characters)', 'shorten it');
      m.comment = v;
      return undefined;
    },
  }],
};

/** Matches iptables has that the simulator does not model (a warning, the line is ignored). */
const UNSIMULATED_MATCHES = new Set([
  'limit', 'recent', 'hashlimit', 'owner', 'physdev', 'set', 'string', 'length', 'ttl', 'tos', 'dscp', 'pkttype',
  'mac', 'u32', 'time', 'statistic', 'connlimit', 'helper', 'policy', 'socket', 'rpfilter', 'cgroup', 'devgroup',
  'ecn', 'esp', 'ah', 'sctp', 'dccp', 'udplite', 'realm', 'quota', 'connbytes', 'cpu', 'nfacct', 'bpf', 'hl',
  'frag', 'ipvs', 'cluster', 'osf', 'tcpmss', 'connlabel', 'ipcomp', 'l2tp', 'geoip',
]);
const UNSIMULATED_TARGETS = new Set([
  'TCPMSS', 'NETMAP', 'TPROXY', 'CLASSIFY', 'DSCP', 'TOS', 'TTL', 'SET', 'NFLOG', 'NFQUEUE', 'QUEUE', 'ULOG',
  'AUDIT', 'CHECKSUM', 'SECMARK', 'CONNSECMARK', 'HMARK', 'IDLETIMER', 'LED', 'SYNPROXY', 'TEE', 'CLUSTERIP',
  'ECN', 'RATEEST', 'TCPOPTSTRIP',
]);
/** Options of modelled extensions that the simulator does not model (the real tool accepts them). */
const UNSIMULATED_OPTS: Record<string, string[]> = {
  tcp: ['tcp-option'],
  conntrack: ['ctproto', 'ctorigsrc', 'ctorigdst', 'ctreplsrc', 'ctrepldst', 'ctorigsrcport', 'ctorigdstport', 'ctreplsrcport', 'ctrepldstport', 'ctstatus', 'ctexpire', 'ctdir'],
  CT: ['zone', 'zone-orig', 'zone-reply', 'helper', 'ctevents', 'expevents', 'timeout'],
};

const KNOWN_MATCHES: MatchName[] = ['tcp', 'udp', 'icmp', 'conntrack', 'state', 'multiport', 'mark', 'connmark', 'addrtype', 'iprange', 'comment'];
export const KNOWN_TARGETS: TargetName[] = [
  'ACCEPT', 'DROP', 'RETURN', 'REJECT', 'LOG', 'MARK', 'CONNMARK', 'SNAT', 'DNAT', 'MASQUERADE', 'REDIRECT', 'TRACE', 'NOTRACK', 'CT',
];
const KNOWN_TARGET_SET = new Set<string>(KNOWN_TARGETS);

function markTargetOpts(target: 'MARK' | 'CONNMARK'): ExtOpt<TargetInst>[] {
  const setx = (t: TargetInst, value: number, mask: number): Fail | undefined => {
    t.markOpCount = (t.markOpCount ?? 0) + 1;
    if (t.markOpCount > 1 || t.connmarkOp) return fail('xtDuplicateOption', `${target}: only one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark${target === 'CONNMARK' ? ', --save-mark, --restore-mark' : ''} may be given`);
    t.xmark = { value: value >>> 0, mask: mask >>> 0 };
    if (target === 'CONNMARK') t.connmarkOp = 'set';
    return undefined;
  };
  const bad = (opt: string) => fail('xtBadValue', `${target}: bad integer value for option "--${opt}", or out of range.`, 'write VALUE[/MASK], e.g. 0x1/0xff');
  const opts: ExtOpt<TargetInst>[] = [
    { names: ['set-xmark'], arg: true, invert: false, role: 'value', apply: (t, v) => { const r = parseMarkMask(v); return r ? setx(t, r.value, r.mask) : bad('set-xmark'); } },
    { names: ['set-mark'], arg: true, invert: false, role: 'value', apply: (t, v) => { const r = parseMarkMask(v); return r ? setx(t, r.value, r.mask | r.value) : bad('set-mark'); } },
    { names: ['and-mark'], arg: true, invert: false, role: 'value', apply: (t, v) => { const r = parseUint(v); return r !== undefined ? setx(t, 0, ~r) : bad('and-mark'); } },
    { names: ['or-mark'], arg: true, invert: false, role: 'value', apply: (t, v) => { const r = parseUint(v); return r !== undefined ? setx(t, r, r) : bad('or-mark'); } },
    { names: ['xor-mark'], arg: true, invert: false, role: 'value', apply: (t, v) => { const r = parseUint(v); return r !== undefined ? setx(t, r, 0) : bad('xor-mark'); } },
  ];
  if (target === 'CONNMARK') {
    const op = (which: 'save' | 'restore') => (t: TargetInst): Fail | undefined => {
      if (t.connmarkOp) return fail('xtDuplicateOption', 'CONNMARK: only one of --set-xmark, --set-mark, --save-mark, --restore-mark may be given');
      t.connmarkOp = which;
      return undefined;
    };
    const mask = (which: 'nfmask' | 'ctmask' | 'mask') => (t: TargetInst, v: string): Fail | undefined => {
      const r = parseUint(v);
      if (r === undefined) return bad(which);
      if (which !== 'ctmask') t.nfmask = r;
      if (which !== 'nfmask') t.ctmask = r;
      return undefined;
    };
    opts.push(
      { names: ['save-mark'], arg: false, invert: false, apply: op('save') },
      { names: ['restore-mark'], arg: false, invert: false, apply: op('restore') },
      { names: ['nfmask'], arg: true, invert: false, role: 'value', apply: mask('nfmask') },
      { names: ['ctmask'], arg: true, invert: false, role: 'value', apply: mask('ctmask') },
      { names: ['mask'], arg: true, invert: false, role: 'value', apply: mask('mask') },
    );
  }
  return opts;
}

/** The flags of a target that has none (shared, never written: flagOpt copies). */
const NO_FLAGS: string[] = Object.freeze([]) as unknown as string[];

const flagOpt = (name: string): ExtOpt<TargetInst> => ({
  // Copy on write: targets start with the shared empty NO_FLAGS.
  names: [name], arg: false, invert: false, apply: (t) => { if (!t.flags.includes(name)) t.flags = [...t.flags, name]; return undefined; },
});

function natToOpt(name: 'to-source' | 'to-destination'): ExtOpt<TargetInst> {
  return {
    names: [name], arg: true, invert: false, role: 'address',
    apply: (t, v, _i, idx) => {
      if (t.nat) return fail('xtDuplicateOption', `${t.name}: option "--${name}" can only be used once.`);
      // Not cached: NAT addresses rarely repeat, and the rule keeps this fresh object.
      const r = parseNatRange(v);
      if (!r.ok) return r.error.startsWith('Port') ? fail('xtBadPort', r.error) : fail('xtBadAddress', r.error);
      t.nat = r.value;
      t.natIdx = idx;
      return undefined;
    },
  };
}

const toPortsOpt: ExtOpt<TargetInst> = {
  names: ['to-ports'], arg: true, invert: false, role: 'port',
  apply: (t, v, _i, idx) => {
    const r = cachedParse(NAT_PORTS_CACHE, v, parseNatPorts);
    if (!r.ok) return fail('xtBadPort', r.error);
    t.ports = r.value;
    t.portsIdx = idx;
    return undefined;
  },
};

const TARGET_OPTS: Record<TargetName, ExtOpt<TargetInst>[]> = {
  ACCEPT: [], DROP: [], RETURN: [], TRACE: [], NOTRACK: [],
  REJECT: [{
    names: ['reject-with'], arg: true, invert: false, role: 'value',
    apply: (t, v) => {
      const r = parseRejectWith(v);
      if (!r) return fail('xtBadValue', `unknown reject type "${v}"`, 'use icmp-port-unreachable, icmp-host-unreachable, icmp-net-unreachable, icmp-proto-unreachable, icmp-net-prohibited, icmp-host-prohibited, icmp-admin-prohibited or tcp-reset');
      t.rejectWith = r;
      return undefined;
    },
  }],
  LOG: [
    {
      names: ['log-prefix'], arg: true, invert: false, role: 'string',
      apply: (t, v) => {
        // The kernel keeps 29 characters (and a NUL) of the prefix; iptables truncates silently.
        t.logPrefix = v.slice(0, 29);
        return undefined;
      },
    },
    {
      names: ['log-level'], arg: true, invert: false, role: 'value',
      apply: (t, v) => {
        const n = /^[0-7]$/.test(v) ? Number(v) : LOG_LEVELS[v.toLowerCase()];
        if (n === undefined) return fail('xtBadValue', `log-level "${v}" unknown`, 'use 0-7 or emerg, alert, crit, error, warning, notice, info, debug');
        t.logLevel = n;
        return undefined;
      },
    },
    flagOpt('log-tcp-sequence'), flagOpt('log-tcp-options'), flagOpt('log-ip-options'), flagOpt('log-uid'), flagOpt('log-macdecode'),
  ],
  MARK: markTargetOpts('MARK'),
  CONNMARK: markTargetOpts('CONNMARK'),
  SNAT: [natToOpt('to-source'), flagOpt('random'), flagOpt('random-fully'), flagOpt('persistent')],
  DNAT: [natToOpt('to-destination'), flagOpt('random'), flagOpt('persistent')],
  MASQUERADE: [toPortsOpt, flagOpt('random'), flagOpt('random-fully')],
  REDIRECT: [toPortsOpt, flagOpt('random')],
  CT: [{ names: ['notrack'], arg: false, invert: false, apply: (t) => { t.notrack = true; return undefined; } }],
};

/** Which extension owns an option name, for "it belongs to ..." hints. */
const OPTION_OWNERS = new Map<string, string>();
for (const [m, opts] of Object.entries(MATCH_OPTS)) for (const o of opts) for (const n of o.names) if (!OPTION_OWNERS.has(n)) OPTION_OWNERS.set(n, `-m ${m}`);
for (const [t, opts] of Object.entries(TARGET_OPTS)) for (const o of opts) for (const n of o.names) if (!OPTION_OWNERS.has(n)) OPTION_OWNERS.set(n, `-j ${t}`);

// ---------------------------------------------------------------- base options

type BaseKey =
  | 'A' | 'D' | 'I' | 'R' | 'L' | 'S' | 'F' | 'Z' | 'N' | 'X' | 'P' | 'E'
  | 'p' | 's' | 'd' | 'i' | 'o' | 'j' | 'g' | 'm' | 't' | 'n' | 'v' | 'x' | 'w' | 'W' | 'f' | 'c' | '4' | '6' | 'h' | 'V'
  | 'line-numbers' | 'modprobe';

const BASE_LONG: Array<[string, BaseKey]> = [
  ['append', 'A'], ['delete', 'D'], ['insert', 'I'], ['replace', 'R'], ['list', 'L'], ['list-rules', 'S'],
  ['flush', 'F'], ['zero', 'Z'], ['new-chain', 'N'], ['delete-chain', 'X'], ['policy', 'P'], ['rename-chain', 'E'],
  ['protocol', 'p'], ['source', 's'], ['src', 's'], ['destination', 'd'], ['dst', 'd'], ['in-interface', 'i'],
  ['out-interface', 'o'], ['jump', 'j'], ['goto', 'g'], ['match', 'm'], ['table', 't'], ['numeric', 'n'],
  ['verbose', 'v'], ['exact', 'x'], ['wait', 'w'], ['wait-interval', 'W'], ['fragment', 'f'], ['set-counters', 'c'],
  ['ipv4', '4'], ['ipv6', '6'], ['help', 'h'], ['version', 'V'], ['line-numbers', 'line-numbers'], ['modprobe', 'modprobe'],
];
const BASE_MAP = new Map<string, BaseKey>(BASE_LONG);
const BASE_PREFIX = new Map<string, boolean>();
/** Is `name` an abbreviation of some base long option? (memoised: option words repeat a lot) */
function basePrefix(name: string): boolean {
  let v = BASE_PREFIX.get(name);
  if (v === undefined) {
    v = BASE_LONG.some(([n]) => n.startsWith(name));
    if (BASE_PREFIX.size < 4096) BASE_PREFIX.set(name, v);
  }
  return v;
}
const SHORT = new Set<string>('ADIRLSFZNXPEpsdiojgmtnvxwWfc46hV'.split(''));
const COMMANDS = new Set<string>('ADIRLSFZNXPE'.split(''));
const REQ_ARG = new Set<string>(['A', 'D', 'I', 'R', 'N', 'P', 'E', 'p', 's', 'd', 'i', 'o', 'j', 'g', 'm', 't', 'W', 'modprobe']);
const INVERTIBLE = new Set<string>(['p', 's', 'd', 'i', 'o', 'f']);
const SHORT_NAME: Record<string, string> = { p: '-p', s: '-s', d: '-d', i: '-i', o: '-o', j: '-j', g: '-g', m: '-m', f: '-f' };

/** What an option word resolved to. */
type Resolved =
  | BaseRes
  | { kind: 'match'; match: MatchInst | MatchName; opt: ExtOpt<MatchInst> }
  | { kind: 'target'; opt: ExtOpt<TargetInst> };

/** A loaded extension, in load order: a match, or null for the target's options. */
type ExtEntry = MatchInst | null;

/** The loaded extensions in getopt's table order are the matches in load order with the target
 *  (when it has options) at `targetPos`, the number of matches loaded before it (-1: none). */
function extCount(rule: RuleSpec, targetPos: number): number {
  return rule.matches.length + (targetPos >= 0 ? 1 : 0);
}

function extAt(rule: RuleSpec, targetPos: number, k: number): ExtEntry {
  if (targetPos < 0 || k < targetPos) return rule.matches[k];
  return k === targetPos ? null : rule.matches[k - 1];
}

/** A base option, with what the parse asks of it (a command, takes an argument, may be inverted). */
interface BaseRes { kind: 'base'; key: BaseKey; cmd: boolean; reqArg: boolean; invertible: boolean }
const baseRes = (k: BaseKey): BaseRes => ({ kind: 'base', key: k, cmd: COMMANDS.has(k), reqArg: REQ_ARG.has(k), invertible: INVERTIBLE.has(k) });

/** The base-option resolutions, one constant per key (they are only read). */
const BASE_RES = new Map<BaseKey, Resolved>();
for (const [, k] of BASE_LONG) if (!BASE_RES.has(k)) BASE_RES.set(k, baseRes(k));
for (const c of SHORT) if (!BASE_RES.has(c as BaseKey)) BASE_RES.set(c as BaseKey, baseRes(c as BaseKey));
/** The short options by the character code of their letter (no string per word). */
const SHORT_BY_CODE: Array<BaseRes | undefined> = new Array<BaseRes | undefined>(128).fill(undefined);
for (const c of SHORT) SHORT_BY_CODE[c.charCodeAt(0)] = BASE_RES.get(c as BaseKey) as BaseRes;

// ---------------------------------------------------------------- scratch
// What a parse returns lives until the next parse: one ParsedCmd, RuleSpec, TargetInst and a pool
// of MatchInst, rewritten per line (the executor copies what a rule keeps; parses do not nest).

type Pos<T> = Inv<T> & { idx: number };
const SCRATCH_RULE: RuleSpec = { proto: undefined, src: undefined, dst: undefined, iif: undefined, oif: undefined, matches: [], target: undefined };
const S_PROTO: Pos<number> = { v: 0, invert: false, idx: 0 };
const S_SRC: AddrPos = { v: [], invert: false, idx: 0, entries: [] };
const S_DST: AddrPos = { v: [], invert: false, idx: 0, entries: [] };
const S_IIF: Pos<string> = { v: '', invert: false, idx: 0 };
const S_OIF: Pos<string> = { v: '', invert: false, idx: 0 };
function pos<T>(o: Pos<T>, v: T, invert: boolean, idx: number): Pos<T> {
  o.v = v;
  o.invert = invert;
  o.idx = idx;
  return o;
}
const SCRATCH_TARGET: TargetInst = {
  name: '', idx: 0, goto: false, chain: undefined, ext: undefined, rejectWith: undefined, logPrefix: undefined, logLevel: undefined,
  xmark: undefined, markOpCount: undefined, connmarkOp: undefined, nfmask: undefined, ctmask: undefined, nat: undefined,
  natIdx: undefined, ports: undefined, portsIdx: undefined, flags: [], notrack: undefined,
};
const MATCH_POOL: MatchInst[] = [];
let matchesUsed = 0;
function newMatch(name: MatchName, idx: number): MatchInst {
  let m = MATCH_POOL[matchesUsed];
  if (m === undefined) {
    m = {
      name, idx, sport: undefined, dport: undefined, flags: undefined, icmp: undefined, states: undefined, multi: undefined,
      mark: undefined, srcType: undefined, dstType: undefined, limitIn: undefined, limitOut: undefined, srcRange: undefined,
      dstRange: undefined, comment: undefined,
    };
    MATCH_POOL.push(m);
  } else {
    m.name = name;
    m.idx = idx;
    m.sport = m.dport = m.flags = m.icmp = m.states = m.multi = m.mark = m.srcType = m.dstType = undefined;
    m.limitIn = m.limitOut = m.srcRange = m.dstRange = m.comment = undefined;
  }
  matchesUsed++;
  return m;
}
const SCRATCH_CMD: ParsedCmd = {
  op: 'A', opIdx: -1, table: 'filter', chain: undefined, chainIdx: -1, num: undefined, numIdx: -1, policy: undefined,
  policyIdx: -1, rule: SCRATCH_RULE, hasRuleOptions: false,
};

/** Appends a loaded match. */
function addMatch(rule: RuleSpec, m: MatchInst): void {
  rule.matches.push(m);
}

function reportFail(ctx: ExecContext, f: Fail, at: number): undefined {
  const argv = ctx.argv;
  const d = ctx.report(f.key, argv[f.at ?? at] ?? argv[0], ...f.args);
  if (f.data) d.data = f.data;
  return undefined;
}

function hasName(names: string[], name: string): boolean {
  for (let k = 0; k < names.length; k++) if (names[k] === name) return true;
  return false;
}

function hasPrefix(names: string[], name: string): boolean {
  for (let k = 0; k < names.length; k++) if (names[k].startsWith(name)) return true;
  return false;
}

type Cand = { names: string[]; res: Resolved };

function pick(list: Cand[], name: string): Resolved | Fail | undefined {
  for (const c of list) if (c.names.includes(name)) return c.res;
  const pref = list.filter((c) => c.names.some((n) => n.startsWith(name)));
  if (pref.length === 0) return undefined;
  const distinct = new Set(pref.map((c) => (c.res.kind === 'base' ? c.res.key : c.res.opt)));
  if (distinct.size > 1) return fail('xtUnknownOption', `--${name}`, `option '--${name}' is ambiguous; write it in full`);
  return pref[0].res;
}

/** The resolutions lookupLong returns on its usual paths: one object each, rewritten per call
 *  (a resolution is used before the next word is looked up). */
const MATCH_RES: { kind: 'match'; match: MatchInst | MatchName; opt: ExtOpt<MatchInst> } = { kind: 'match', match: 'tcp', opt: TCP_OPTS[0] };
const TARGET_RES: { kind: 'target'; opt: ExtOpt<TargetInst> } = { kind: 'target', opt: TARGET_OPTS.REJECT[0] };
function matchRes(match: MatchInst | MatchName, opt: ExtOpt<MatchInst>): Resolved {
  MATCH_RES.match = match;
  MATCH_RES.opt = opt;
  return MATCH_RES;
}
function targetRes(opt: ExtOpt<TargetInst>): Resolved {
  TARGET_RES.opt = opt;
  return TARGET_RES;
}

/** Resolves a long option name (without `--`) against the base options and the loaded extensions. */
function lookupLong(name: string, rule: RuleSpec, targetPos: number): Resolved | Fail | undefined {
  // Exact names first (the common case, no allocation), in getopt's table order.
  const base = BASE_MAP.get(name);
  if (base) return BASE_RES.get(base)!;
  const text = rule.target?.ext;
  // Latest extension first: a second `-m comment` takes the second `--comment` (verified).
  const n = extCount(rule, targetPos);
  for (let k = n - 1; k >= 0; k--) {
    const e = extAt(rule, targetPos, k);
    if (e !== null) {
      const opts = MATCH_OPTS[e.name];
      for (let j = 0; j < opts.length; j++) if (hasName(opts[j].names, name)) return matchRes(e, opts[j]);
    } else if (text) {
      const opts = TARGET_OPTS[text];
      for (let j = 0; j < opts.length; j++) if (hasName(opts[j].names, name)) return targetRes(opts[j]);
    }
  }
  // No abbreviation possible either: go straight to the protocol's implicit match.
  let anyPrefix = basePrefix(name);
  for (let k = 0; k < n && !anyPrefix; k++) {
    const e = extAt(rule, targetPos, k);
    const opts: Array<{ names: string[] }> = e !== null ? MATCH_OPTS[e.name] : text ? TARGET_OPTS[text] : [];
    for (let j = 0; j < opts.length; j++) if (hasPrefix(opts[j].names, name)) { anyPrefix = true; break; }
  }
  if (anyPrefix) {
    // getopt_long also takes an unambiguous abbreviation (`--so` for --source; verified).
    const cands: Cand[] = [];
    for (const [n, k] of BASE_LONG) cands.push({ names: [n], res: BASE_RES.get(k)! });
    for (let k = 0; k < n; k++) {
      const e = extAt(rule, targetPos, k);
      if (e !== null) for (const o of MATCH_OPTS[e.name]) cands.push({ names: o.names, res: { kind: 'match', match: e, opt: o } });
      else if (text) for (const o of TARGET_OPTS[text]) cands.push({ names: o.names, res: { kind: 'target', opt: o } });
    }
    const r = pick(cands, name);
    if (r) return r;
  }
  // The protocol's own match is loaded on demand (`-p tcp --dport 80`), unless -p is inverted.
  const p = rule.proto;
  if (!p || p.invert) return undefined;
  const pm: MatchName | undefined = p.v === IPPROTO_TCP ? 'tcp' : p.v === IPPROTO_UDP ? 'udp' : p.v === IPPROTO_ICMP ? 'icmp' : undefined;
  if (!pm) return undefined;
  for (let k = 0; k < rule.matches.length; k++) if (rule.matches[k].name === pm) return undefined;
  const opts = MATCH_OPTS[pm];
  for (let j = 0; j < opts.length; j++) if (hasName(opts[j].names, name)) return matchRes(pm, opts[j]);
  return pick(opts.map((o) => ({ names: o.names, res: { kind: 'match', match: pm, opt: o } as Resolved })), name);
}

/**
 * Parses argv (argv[0] = `iptables`). Reports the first error like iptables does and returns
 * undefined; also undefined (after a warning) for a line that uses something not simulated.
 */
export function parseIptables(ctx: ExecContext): ParsedCmd | undefined {
  const argv = ctx.argv;
  // The scratch rule, emptied (every field up front: one object shape).
  const rule = SCRATCH_RULE;
  rule.proto = rule.src = rule.dst = rule.iif = rule.oif = rule.target = undefined;
  // Emptied by pops: cutting the length to 0 would give the array a new store each line.
  while (rule.matches.length) rule.matches.pop();
  matchesUsed = 0;
  let op: CmdOp | undefined;
  let opIdx = -1;
  let table: XtTableName = 'filter';
  let tableSeen = false;
  let chain: string | undefined;
  let chainIdx = -1;
  let num: number | undefined;
  let numIdx = -1;
  let policy: string | undefined;
  let policyIdx = -1;
  let hasRuleOptions = false;
  let invertIdx = -1;

  /** Where the target's options sit among the loaded extensions (see extAt). */
  let targetPos = -1;

  let i = 1;
  while (i < argv.length) {
    const tok = argv[i];
    const w = tok.value;
    if (w === '!' && !tok.quoted) {
      ctx.role(i, 'keyword');
      if (invertIdx >= 0) return reportFail(ctx, fail('xtBadNegation', 'multiple consecutive ! not allowed'), i);
      invertIdx = i;
      i++;
      continue;
    }
    let resolved: Resolved | undefined;
    let inlineArg: string | undefined;
    let display: string;
    const c0 = w.charCodeAt(0);
    const c1 = w.charCodeAt(1);
    if (w.length > 2 && c0 === 0x2d && c1 === 0x2d) {
      const eq = w.indexOf('=');
      const name = eq < 0 ? longName(w) : w.slice(2, eq);
      if (eq >= 0) inlineArg = w.slice(eq + 1);
      display = eq < 0 ? w : `--${name}`;
      const r = lookupLong(name, rule, targetPos);
      if (r && 'key' in r && !('kind' in r)) return reportFail(ctx, r as Fail, i);
      if (!r) {
        // Options the real extension has but the simulator does not model: a warning, line ignored.
        const owners = [...rule.matches.map((m) => m.name as string), ...(rule.target?.ext ? [rule.target.ext as string] : [])];
        if (rule.proto && !rule.proto.invert) owners.push(protoText(rule.proto.v));
        const owner = owners.find((o) => UNSIMULATED_OPTS[o]?.includes(name));
        if (owner) {
          ctx.role(i, 'option');
          ctx.report('xtNotSimulated', argv[i], `option '--${name}' of ${owner === owner.toUpperCase() ? 'target' : 'match'} ${owner}`);
          return undefined;
        }
        return reportFail(ctx, unknownOptionFail(name, rule), i);
      }
      resolved = r as Resolved;
    } else if (w.length > 1 && c0 === 0x2d && c1 !== 0x2d) {
      const short = c1 < 128 ? SHORT_BY_CODE[c1] : undefined;
      if (short === undefined) return reportFail(ctx, fail('xtUnknownOption', w.slice(0, 2), ''), i);
      const c = short.key;
      // Flag clusters (`-nvL`): every letter but the last takes no argument.
      if (w.length > 2 && !REQ_ARG.has(c) && [...w.slice(1)].every((x) => SHORT.has(x) && !REQ_ARG.has(x))) {
        ctx.role(i, 'option');
        for (const x of w.slice(1)) {
          if (COMMANDS.has(x)) {
            if (op) return reportFail(ctx, fail('xtNoCommand', `Can't use -${x} with -${op}`), i);
            op = x as CmdOp;
            opIdx = i;
          }
        }
        i++;
        continue;
      }
      if (w.length > 2) inlineArg = w.slice(2);
      display = w.length === 2 ? w : w.slice(0, 2);
      resolved = short;
    } else {
      return reportFail(ctx, fail('xtBadArgument', w), i);
    }
    ctx.role(i, 'option');
    const invert = invertIdx >= 0;
    const invIdx = invertIdx;
    invertIdx = -1;

    if (resolved.kind === 'base') {
      const key = resolved.key;
      if (invert && !resolved.invertible) {
        const what = key === 'm' ? '--match' : SHORT_NAME[key] ?? display;
        return reportFail(ctx, fail('xtBadNegation', `unexpected ! flag before ${what}`), invIdx);
      }
      if (resolved.cmd) {
        if (op) return reportFail(ctx, fail('xtNoCommand', `Can't use -${key} with -${op}`), i);
        op = key as CmdOp;
        opIdx = i;
        const optIdx = i;
        if (resolved.reqArg) {
          const v = inlineArg ?? (i + 1 < argv.length ? argv[++i].value : undefined);
          if (v === undefined) return reportFail(ctx, fail('xtMissingArgument', display), optIdx);
          chain = v;
          chainIdx = inlineArg !== undefined ? optIdx : i;
          ctx.role(chainIdx, 'chain');
        } else if (i + 1 < argv.length && !argv[i + 1].value.startsWith('-') && argv[i + 1].value !== '!') {
          i++;
          chain = argv[i].value;
          chainIdx = i;
          ctx.role(i, 'chain');
        }
        if ((key === 'D' || key === 'I') && i + 1 < argv.length && /^-?\d+$/.test(argv[i + 1].value)) {
          i++;
          num = Number(argv[i].value);
          numIdx = i;
          ctx.role(i, 'number');
          if (num < 1) return reportFail(ctx, fail('xtBadRuleNumber', `Invalid rule number \`${argv[i].value}'`, 'rules are numbered from 1'), i);
        }
        if (key === 'R') {
          if (i + 1 >= argv.length || !/^-?\d+$/.test(argv[i + 1].value)) return reportFail(ctx, fail('xtMissingOption', '-R requires a rule number'), optIdx);
          i++;
          num = Number(argv[i].value);
          numIdx = i;
          ctx.role(i, 'number');
          if (num < 1) return reportFail(ctx, fail('xtBadRuleNumber', `Invalid rule number \`${argv[i].value}'`, 'rules are numbered from 1'), i);
        }
        if (key === 'P') {
          if (i + 1 >= argv.length) return reportFail(ctx, fail('xtMissingOption', '-P requires a chain and a policy'), optIdx);
          i++;
          policy = argv[i].value;
          policyIdx = i;
          ctx.role(i, 'target');
        }
        if (key === 'E') {
          if (i + 1 >= argv.length) return reportFail(ctx, fail('xtMissingOption', '-E requires old-chain-name and new-chain-name'), optIdx);
          i++;
          policy = argv[i].value; // the new name
          policyIdx = i;
          ctx.role(i, 'chain');
        }
        i++;
        continue;
      }
      switch (key) {
        case 't': {
          const optIdx = i;
          const v = inlineArg ?? (i + 1 < argv.length ? argv[++i].value : undefined);
          if (v === undefined) return reportFail(ctx, fail('xtMissingArgument', display), optIdx);
          if (tableSeen) return reportFail(ctx, fail('xtDuplicateOption', 'multiple -t flags not allowed'), optIdx);
          tableSeen = true;
          ctx.role(i, 'table');
          if (!(XT_TABLES as string[]).includes(v)) {
            const nearest = nearestName(v, XT_TABLES);
            const d = ctx.report('xtUnknownTable', argv[i], v, nearest);
            d.data = { table: v, nearest };
            return undefined;
          }
          table = v as XtTableName;
          break;
        }
        case 'p': {
          const optIdx = i;
          const v = inlineArg ?? (i + 1 < argv.length ? argv[++i].value : undefined);
          if (v === undefined) return reportFail(ctx, fail('xtMissingArgument', display), optIdx);
          if (rule.proto) return reportFail(ctx, fail('xtDuplicateOption', 'multiple -p flags not allowed'), optIdx);
          ctx.role(i, 'proto');
          let r: number | string | undefined = PROTO_CACHE.get(v);
          if (r === undefined) {
            r = parseProto(v);
            if (typeof r === 'number') cachePut(PROTO_CACHE, v, r);
          }
          if (typeof r === 'string') return reportFail(ctx, fail('xtBadValue', r, 'use tcp, udp, icmp, all or a protocol number 0-255'), i);
          rule.proto = pos(S_PROTO, r, invert, i);
          hasRuleOptions = true;
          break;
        }
        case 's':
        case 'd': {
          const optIdx = i;
          const v = inlineArg ?? (i + 1 < argv.length ? argv[++i].value : undefined);
          if (v === undefined) return reportFail(ctx, fail('xtMissingArgument', display), optIdx);
          if (v === '!') return reportFail(ctx, fail('xtBadNegation', `Bad argument \`${argv[i + 1]?.value ?? ''}'`), optIdx);
          if (rule[key === 's' ? 'src' : 'dst']) return reportFail(ctx, fail('xtDuplicateOption', `multiple -${key} flags not allowed`), optIdx);
          // Parsed each time (cheaper than a lookup by the word); each prefix's frozen matches and
          // texts come from iptables-save.ts's cache by number. Lists are the scratch ones.
          const a = key === 's' ? S_SRC : S_DST;
          const list = a.v;
          const entries = a.entries as PrefixEntry[];
          while (list.length) list.pop();
          while (entries.length) entries.pop();
          for (let from = 0; from <= v.length;) {
            // The comma-separated parts, without split() (one word is the usual case).
            let comma = v.indexOf(',', from);
            if (comma < 0) comma = v.length;
            const part = from === 0 && comma === v.length ? v : v.slice(from, comma);
            from = comma + 1;
            const r = parseAddrMask(part);
            if (typeof r === 'string') {
              if (r.startsWith('non-contiguous')) {
                ctx.report('xtNotSimulated', argv[i], `the non-contiguous mask in '${part}'`);
                return undefined;
              }
              return reportFail(ctx, fail('xtBadAddress', r), i);
            }
            const e = prefixEntry(r);
            entries.push(e);
            list.push(e.prefix);
          }
          ctx.role(i, v.includes('/') ? 'prefix' : 'address');
          a.invert = invert;
          a.idx = i;
          if (key === 's') rule.src = a;
          else rule.dst = a;
          hasRuleOptions = true;
          break;
        }
        case 'i':
        case 'o': {
          const optIdx = i;
          const v = inlineArg ?? (i + 1 < argv.length ? argv[++i].value : undefined);
          if (v === undefined) return reportFail(ctx, fail('xtMissingArgument', display), optIdx);
          if (rule[key === 'i' ? 'iif' : 'oif']) return reportFail(ctx, fail('xtDuplicateOption', `multiple -${key} flags not allowed`), optIdx);
          if (v.length > IFNAMSIZ_MAX) return reportFail(ctx, fail('xtBadValue', `interface name \`${v}' must be shorter than IFNAMSIZ (${IFNAMSIZ_MAX})`, 'device names have at most 15 characters'), i);
          ctx.role(i, 'device');
          if (key === 'i') rule.iif = pos(S_IIF, v, invert, i);
          else rule.oif = pos(S_OIF, v, invert, i);
          hasRuleOptions = true;
          break;
        }
        case 'j':
        case 'g': {
          const optIdx = i;
          const v = inlineArg ?? (i + 1 < argv.length ? argv[++i].value : undefined);
          if (v === undefined) return reportFail(ctx, fail('xtMissingArgument', display), optIdx);
          if (rule.target) return reportFail(ctx, fail('xtDuplicateOption', `multiple -j flags not allowed`), optIdx);
          hasRuleOptions = true;
          const t = SCRATCH_TARGET;
          t.name = v;
          t.idx = i;
          t.goto = key === 'g';
          t.chain = t.ext = t.rejectWith = t.logPrefix = t.logLevel = t.xmark = t.markOpCount = t.connmarkOp = undefined;
          t.nfmask = t.ctmask = t.nat = t.natIdx = t.ports = t.portsIdx = t.notrack = undefined;
          t.flags = NO_FLAGS;
          if (key === 'j' && KNOWN_TARGET_SET.has(v)) {
            t.ext = v as TargetName;
            ctx.role(i, 'target');
            targetPos = rule.matches.length;
          } else if (key === 'j' && UNSIMULATED_TARGETS.has(v)) {
            ctx.role(i, 'target');
            ctx.report('xtNotSimulated', argv[i], `target ${v}`);
            return undefined;
          } else {
            t.chain = v;
            ctx.role(i, 'chain');
          }
          rule.target = t;
          break;
        }
        case 'm': {
          const optIdx = i;
          const v = inlineArg ?? (i + 1 < argv.length ? argv[++i].value : undefined);
          if (v === undefined) return reportFail(ctx, fail('xtMissingArgument', display), optIdx);
          ctx.role(i, 'match');
          hasRuleOptions = true;
          if ((KNOWN_MATCHES as string[]).includes(v)) {
            const name = v as MatchName;
            const existing = (name === 'tcp' || name === 'udp' || name === 'icmp') ? rule.matches.find((m) => m.name === name) : undefined;
            if (!existing) {
              addMatch(rule, newMatch(name, i));
            }
          } else if (UNSIMULATED_MATCHES.has(v)) {
            ctx.report('xtNotSimulated', argv[i], `match '${v}'`);
            return undefined;
          } else {
            const nearest = nearestName(v, [...KNOWN_MATCHES, ...UNSIMULATED_MATCHES]);
            return reportFail(ctx, { ...fail('xtUnknownMatch', v, nearest), data: { match: v, nearest } }, i);
          }
          break;
        }
        case 'w':
          // `-w [SECONDS]`: waits for the xtables lock; no effect on the rules.
          if (inlineArg === undefined && i + 1 < argv.length && /^\d+$/.test(argv[i + 1].value)) {
            i++;
            ctx.role(i, 'number');
          }
          break;
        case 'W':
          if ((inlineArg ?? (i + 1 < argv.length ? argv[++i].value : undefined)) === undefined) return reportFail(ctx, fail('xtMissingArgument', display), i);
          ctx.role(i, 'number');
          break;
        case 'modprobe':
          if ((inlineArg ?? (i + 1 < argv.length ? argv[++i].value : undefined)) === undefined) return reportFail(ctx, fail('xtMissingArgument', display), i);
          ctx.role(i, 'value');
          break;
        case 'n': case 'v': case 'x': case '4': case 'line-numbers':
          break;
        case 'f':
          ctx.report('xtNotSimulated', argv[i], "'-f' (fragment match)");
          return undefined;
        case 'c':
          ctx.report('xtNotSimulated', argv[i], "'-c' (set counters)");
          return undefined;
        case '6':
          return reportFail(ctx, fail('xtBadValue', 'This is the IPv4 version of iptables', 'use ip6tables for IPv6'), i);
        case 'h': case 'V':
          ctx.report('xtNotSimulated', argv[i], `'${display}'`);
          return undefined;
      }
      i++;
      continue;
    }

    // A match or target option.
    const opt: { arg: boolean; invert: boolean; role?: WordRole } = resolved.opt;
    if (invert && !opt.invert) return reportFail(ctx, fail('xtBadNegation', `unexpected ! flag before ${display}`), invIdx);
    const optIdx = i;
    let value = '';
    if (opt.arg) {
      const v = inlineArg ?? (i + 1 < argv.length ? argv[++i].value : undefined);
      if (v === undefined) return reportFail(ctx, fail('xtMissingArgument', display), optIdx);
      value = v;
      if (opt.role && inlineArg === undefined) ctx.role(i, opt.role);
    }
    hasRuleOptions = true;
    if (resolved.kind === 'match') {
      let m: MatchInst;
      if (typeof resolved.match === 'string') {
        m = newMatch(resolved.match, optIdx);
        addMatch(rule, m);
      } else m = resolved.match;
      if (resolved.opt.names[0] === 'tcp-flags') {
        // --tcp-flags MASK COMP: two arguments.
        if (i + 1 >= argv.length) return reportFail(ctx, fail('xtMissingOption', '--tcp-flags requires two args.'), optIdx);
        i++;
        ctx.role(i, 'value');
        if (m.flags) return reportFail(ctx, fail('xtDuplicateOption', 'Only one of `--syn\' or `--tcp-flags\' allowed'), optIdx);
        const mask = parseTcpFlags(value);
        if (!mask.ok) return reportFail(ctx, fail('xtBadValue', mask.error, 'flags are FIN, SYN, RST, PSH, ACK, URG, ALL, NONE'), i - 1);
        const comp = parseTcpFlags(argv[i].value);
        if (!comp.ok) return reportFail(ctx, fail('xtBadValue', comp.error, 'flags are FIN, SYN, RST, PSH, ACK, URG, ALL, NONE'), i);
        m.flags = { v: { mask: mask.value, comp: comp.value }, invert };
      } else {
        const f = resolved.opt.apply(m, value, invert, i, rule);
        if (f) return reportFail(ctx, f, i);
      }
    } else {
      const f = resolved.opt.apply(rule.target!, value, invert, i, rule);
      if (f) return reportFail(ctx, f, i);
    }
    i++;
  }
  if (invertIdx >= 0) return reportFail(ctx, fail('xtBadNegation', "'!' is not followed by an option"), invertIdx);

  if (!op) {
    ctx.report('xtNoCommand', argv[0], 'no command specified');
    return undefined;
  }

  const ruleOp = op === 'A' || op === 'I' || op === 'R' || (op === 'D' && num === undefined);
  if (!ruleOp && hasRuleOptions) {
    const first = firstRuleOption(rule);
    ctx.report('xtBadValue', argv[first] ?? argv[opIdx], `Illegal option \`${argv[first]?.value ?? ''}' with this command`, `-${op} takes no rule options`);
    return undefined;
  }

  // Extension final checks, in load order, then the target's.
  const pf = finalChecks(rule);
  if (pf) return reportFail(ctx, pf, pf.at ?? opIdx);

  const out = SCRATCH_CMD;
  out.op = op;
  out.opIdx = opIdx;
  out.table = table;
  out.chain = chain;
  out.chainIdx = chainIdx;
  out.num = num;
  out.numIdx = numIdx;
  out.policy = policy;
  out.policyIdx = policyIdx;
  out.rule = rule;
  out.hasRuleOptions = hasRuleOptions;
  return out;
}

function firstRuleOption(rule: RuleSpec): number {
  const idx = [rule.proto?.idx, rule.src?.idx, rule.dst?.idx, rule.iif?.idx, rule.oif?.idx, rule.target?.idx, ...rule.matches.map((m) => m.idx)]
    .filter((x): x is number => x !== undefined);
  return idx.length ? Math.min(...idx) - 1 : -1;
}

function unknownOptionFail(name: string, rule: RuleSpec): Fail {
  const opt = `--${name}`;
  if (name === 'dport' || name === 'sport' || name === 'destination-port' || name === 'source-port') {
    const p = rule.proto;
    // Quick fix: insert `-p tcp` before the option (or change the protocol).
    return { ...fail('xtPortNeedsProtocol', opt, p && !p.invert && p.v !== 0 ? protoText(p.v) : p?.invert ? `! ${protoText(p.v)}` : ''), data: { option: opt, suggestProto: 'tcp' } };
  }
  if (name === 'syn' || name === 'tcp-flags') return fail('xtUnknownOption', opt, `${opt} belongs to the tcp match: put '-p tcp' before it`);
  if (name === 'icmp-type') return fail('xtUnknownOption', opt, "--icmp-type belongs to the icmp match: put '-p icmp' before it");
  const owner = OPTION_OWNERS.get(name);
  if (owner) {
    return fail('xtUnknownOption', opt, owner.startsWith('-m')
      ? `${opt} belongs to the '${owner.slice(3)}' match: put '${owner}' before it`
      : `${opt} is an option of target ${owner.slice(3)}, which this rule does not use`);
  }
  return fail('xtUnknownOption', opt, '');
}

/** Is -p (not inverted) one of the protocols given (up to five; -1 fills, no array per call)? */
function hasProto(rule: RuleSpec, a: number, b = -1, c = -1, d = -1, e = -1): boolean {
  const p = rule.proto;
  if (!p || p.invert) return false;
  const v = p.v;
  return v === a || v === b || v === c || v === d || v === e;
}

/** The failure, reported at argv index `at`. */
function withAt(f: Fail, at: number): Fail {
  return { ...f, at };
}

const NEED_PORTS = fail('xtMatchNeedsProtocol', 'Need TCP, UDP, SCTP or DCCP with port specification');

function finalChecks(rule: RuleSpec): Fail | undefined {
  for (const m of rule.matches) {
    switch (m.name) {
      case 'tcp':
        if (!hasProto(rule, IPPROTO_TCP)) return withAt(fail('xtMatchNeedsProtocol', "TCP match requires '-p tcp'"), m.idx);
        break;
      case 'udp':
        if (!hasProto(rule, IPPROTO_UDP)) return withAt(fail('xtMatchNeedsProtocol', "UDP match requires '-p udp'"), m.idx);
        break;
      case 'icmp':
        // Verified: iptables-nft passes this to the kernel, which refuses it (exit status 4).
        if (!hasProto(rule, IPPROTO_ICMP)) return withAt(fail('xtMatchNeedsProtocol', "RULE_APPEND failed (Invalid argument): the icmp match needs '-p icmp'"), m.idx);
        break;
      case 'multiport':
        if (!hasProto(rule, IPPROTO_TCP, IPPROTO_UDP, 132, 33, 136)) {
          return withAt(fail('xtMatchNeedsProtocol', "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'"), m.idx);
        }
        if (!m.multi) return withAt(fail('xtMissingOption', 'multiport expection an option (give --dports, --sports or --ports)'), m.idx);
        break;
      case 'conntrack':
        if (!m.states) return withAt(fail('xtMissingOption', 'conntrack: At least one option is required (this simulator models --ctstate)'), m.idx);
        break;
      case 'state':
        if (!m.states) return withAt(fail('xtMissingOption', 'state: option "--state" must be specified'), m.idx);
        break;
      case 'mark':
      case 'connmark':
        if (!m.mark) return withAt(fail('xtMissingOption', `${m.name}: option "--mark" must be specified`), m.idx);
        break;
      case 'addrtype':
        if (!m.srcType && !m.dstType) return withAt(fail('xtMissingOption', 'addrtype: you must specify --src-type or --dst-type'), m.idx);
        if (m.limitIn && m.limitOut) return withAt(fail('xtBadValue', "addrtype: you can't specify both --limit-iface-in and --limit-iface-out", 'keep one'), m.idx);
        break;
      case 'iprange':
        if (!m.srcRange && !m.dstRange) return withAt(fail('xtMissingOption', "iprange match: You must specify `--src-range' or `--dst-range'"), m.idx);
        break;
      case 'comment':
        if (m.comment === undefined) return withAt(fail('xtMissingOption', 'comment: option "--comment" must be specified'), m.idx);
        break;
    }
  }
  const t = rule.target;
  if (t?.ext) {
    const portProto = hasProto(rule, IPPROTO_TCP, IPPROTO_UDP, 132, 33);
    switch (t.ext) {
      case 'DNAT':
      case 'SNAT':
        if (!t.nat) return withAt(fail('xtMissingOption', `${t.ext}: option "--to-${t.ext === 'DNAT' ? 'destination' : 'source'}" must be specified`), t.idx);
        if (t.nat.portLo !== undefined && !portProto) return withAt(NEED_PORTS, t.natIdx ?? t.idx);
        break;
      case 'MASQUERADE':
      case 'REDIRECT':
        if (t.ports && !portProto) return withAt(NEED_PORTS, t.portsIdx ?? t.idx);
        break;
      case 'MARK':
        if (!t.xmark) return withAt(fail('xtMissingOption', 'MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required'), t.idx);
        break;
      case 'CONNMARK':
        if (!t.connmarkOp) return withAt(fail('xtMissingOption', 'CONNMARK target: No operation specified'), t.idx);
        break;
      case 'CT':
        if (!t.notrack) return withAt(fail('xtNotSimulated', 'target CT without --notrack'), t.idx);
        break;
    }
  }
  return undefined;
}

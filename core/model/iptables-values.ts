// Value syntax of iptables (v1.8.9) arguments: addresses and masks, ports and service names,
// protocols, ICMP types, TCP flags, conntrack states, marks, address types, NAT ranges; and their
// canonical spelling as iptables-save prints them. Pure functions returning a value or an error
// text in the tool's words. It knows nothing of commands, chains or diagnostics.

import { AddrType, CtState, Ipv4, ipv4ToString, parseIpv4At, PortRange, Prefix, prefixMask } from '../kernel/config';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const err = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** Unsigned integer the way strtoul(base 0) reads it: 0x.. hex, 0.. octal, else decimal. */
export function parseUint(text: string, max = 0xffffffff): number | undefined {
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) v = parseInt(text.slice(2), 16);
  else if (/^0[0-7]+$/.test(text)) v = parseInt(text.slice(1), 8);
  else if (/^[0-9]+$/.test(text)) v = Number(text);
  else return undefined;
  return v <= max ? v : undefined;
}

/** A dotted quad of 1..4 decimal parts; missing trailing parts are 0 (iptables reads `1.2.3` as 1.2.3.0). */
export function parseDotted(text: string): Ipv4 | undefined {
  return parseIpv4At(text, 0, text.length, true);
}

/** `ADDR[/PLEN|/MASK]` of -s/-d; host bits are cleared as iptables does (10.0.0.1/8 -> 10.0.0.0/8).
 *  The prefix, or the error text. */
export function parseAddrMask(text: string): Prefix | string {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? parseDotted(text) : parseIpv4At(text, 0, slash, true);
  if (addr === undefined) return `host/network \`${slash < 0 ? text : text.slice(0, slash)}' not found`;
  let len = 32;
  if (slash >= 0) {
    const n = decimalAt(text, slash + 1, text.length);
    if (n >= 0 && n <= 32) len = n;
    else {
      const m = text.slice(slash + 1);
      const mask = m.includes('.') ? parseDotted(m) : undefined;
      if (mask === undefined) return `invalid mask \`${m}' specified`;
      // Only contiguous masks are meaningful; iptables-nft accepts them only in that form.
      const inv = (~mask) >>> 0;
      if ((inv & (inv + 1)) !== 0) return `non-contiguous mask \`${m}'`;
      len = Math.clz32(inv);
    }
  }
  return { addr: (addr & prefixMask(len)) >>> 0, len };
}

/** The value of text[from, to) when it is all ASCII digits (at least one), else -1 (`/^\d+$/`,
 *  then Number()). */
function decimalAt(text: string, from: number, to: number): number {
  if (from >= to) return -1;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
  }
  return Number(from === 0 && to === text.length ? text : text.slice(from, to));
}

/** Well-known services of /etc/services that scripts use by name. */
const SERVICES: Record<string, number> = {
  ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, bootps: 67, bootpc: 68, tftp: 69, http: 80, www: 80,
  pop3: 110, ntp: 123, imap: 143, imap2: 143, snmp: 161, ldap: 389, https: 443, syslog: 514, submission: 587,
  ldaps: 636, imaps: 993, pop3s: 995, openvpn: 1194, mysql: 3306, postgresql: 5432, 'http-alt': 8080,
};

export function parsePort(text: string): number | undefined {
  const n = decimalAt(text, 0, text.length);
  if (n >= 0) return n <= 65535 ? n : undefined;
  return SERVICES[text];
}

/** `N`, `N:M`, `:M`, `N:` of --sport/--dport: the range, or the error text. */
export function parsePortRange(text: string): PortRange | string {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const p = parsePort(text);
    return p === undefined ? `invalid port/service \`${text}' specified` : [p, p];
  }
  const a = text.slice(0, colon);
  const b = text.slice(colon + 1);
  const lo = a === '' ? 0 : parsePort(a);
  if (lo === undefined) return `invalid port/service \`${a}' specified`;
  const hi = b === '' ? 65535 : parsePort(b);
  if (hi === undefined) return `invalid port/service \`${b}' specified`;
  if (lo > hi) return 'invalid portrange (min > max)';
  return [lo, hi];
}

/** multiport list: at most 15 ports, a range counting two. */
export function parsePortList(text: string): Parsed<PortRange[]> {
  const out: PortRange[] = [];
  let count = 0;
  for (const item of text.split(',')) {
    const colon = item.indexOf(':');
    if (colon < 0) {
      const p = parsePort(item);
      if (p === undefined) return err(`invalid port/service \`${item}' specified`);
      out.push([p, p]);
      count++;
    } else {
      const lo = parsePort(item.slice(0, colon));
      const hi = parsePort(item.slice(colon + 1));
      if (lo === undefined || hi === undefined) return err(`invalid port/service \`${item}' specified`);
      if (lo > hi) return err('invalid portrange (min > max)');
      out.push([lo, hi]);
      count += 2;
    }
  }
  if (count > 15) return err('too many ports specified');
  return ok(out);
}

export function portRangeText(r: PortRange): string {
  return r[0] === r[1] ? String(r[0]) : `${r[0]}:${r[1]}`;
}

/** Protocols by name (as /etc/protocols names them) and back. */
const PROTO_BY_NAME: Record<string, number> = {
  all: 0, icmp: 1, igmp: 2, ipencap: 4, tcp: 6, egp: 8, udp: 17, gre: 47, esp: 50, ah: 51, ospf: 89, vrrp: 112,
  sctp: 132, udplite: 136, dccp: 33,
};
const PROTO_NAME = new Map(Object.entries(PROTO_BY_NAME).map(([k, v]) => [v, k]));

/** The protocol number, or the error text. */
export function parseProto(text: string): number | string {
  const lower = text.toLowerCase();
  if (lower in PROTO_BY_NAME) return PROTO_BY_NAME[lower];
  const n = decimalAt(text, 0, text.length);
  if (n >= 0 && n <= 255) return n;
  return `unknown protocol "${text}" specified`;
}

export function protoText(p: number): string {
  return PROTO_NAME.get(p) ?? String(p);
}

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** ICMP type names of iptables' icmp match: [type, code or undefined for any code]. */
const ICMP_TYPES: Record<string, [number, number | undefined]> = {
  any: [255, undefined], 'echo-reply': [0, undefined], pong: [0, undefined],
  'destination-unreachable': [3, undefined], 'network-unreachable': [3, 0], 'host-unreachable': [3, 1],
  'protocol-unreachable': [3, 2], 'port-unreachable': [3, 3], 'fragmentation-needed': [3, 4],
  'source-route-failed': [3, 5], 'network-unknown': [3, 6], 'host-unknown': [3, 7],
  'network-prohibited': [3, 9], 'host-prohibited': [3, 10], 'TOS-network-unreachable': [3, 11],
  'TOS-host-unreachable': [3, 12], 'communication-prohibited': [3, 13], 'host-precedence-violation': [3, 14],
  'precedence-cutoff': [3, 15], 'source-quench': [4, undefined], redirect: [5, undefined],
  'network-redirect': [5, 0], 'host-redirect': [5, 1], 'TOS-network-redirect': [5, 2], 'TOS-host-redirect': [5, 3],
  'echo-request': [8, undefined], ping: [8, undefined], 'router-advertisement': [9, undefined],
  'router-solicitation': [10, undefined], 'time-exceeded': [11, undefined], 'ttl-exceeded': [11, undefined],
  'ttl-zero-during-transit': [11, 0], 'ttl-zero-during-reassembly': [11, 1], 'parameter-problem': [12, undefined],
  'ip-header-bad': [12, 0], 'required-option-missing': [12, 1], 'timestamp-request': [13, undefined],
  'timestamp-reply': [14, undefined], 'address-mask-request': [17, undefined], 'address-mask-reply': [18, undefined],
};

export function parseIcmpType(text: string): Parsed<{ type: number; code?: number }> {
  // Names are matched case-insensitively and by unique prefix (verified: `echo-req` is echo-request,
  // `e` is ambiguous).
  const lower = text.toLowerCase();
  const names = Object.keys(ICMP_TYPES);
  const exact = names.find((n) => n.toLowerCase() === lower);
  const hits = exact ? [exact] : lower === '' ? [] : names.filter((n) => n.toLowerCase().startsWith(lower));
  if (hits.length > 1) return err(`Ambiguous ICMP type \`${text}': \`${hits[0]}' or \`${hits[1]}'?`);
  const named = hits.length ? ICMP_TYPES[hits[0]] : undefined;
  if (named) return ok({ type: named[0], code: named[1] });
  const m = /^(\d{1,3})(?:\/(\d{1,3}))?$/.exec(text);
  if (m && Number(m[1]) <= 255 && (m[2] === undefined || Number(m[2]) <= 255)) {
    return ok({ type: Number(m[1]), code: m[2] === undefined ? undefined : Number(m[2]) });
  }
  return err(`Unknown ICMP type \`${text}'`);
}

export function icmpTypeText(type: number, code: number | undefined): string {
  if (type === 255) return 'any';
  return code === undefined ? String(type) : `${type}/${code}`;
}

const TCP_FLAGS: Array<[string, number]> = [['FIN', 1], ['SYN', 2], ['RST', 4], ['PSH', 8], ['ACK', 16], ['URG', 32]];
export const TCP_SYN_MASK = 1 | 2 | 4 | 16;
export const TCP_SYN_COMP = 2;

export function parseTcpFlags(text: string): Parsed<number> {
  let v = 0;
  for (const f of text.split(',')) {
    const u = f.toUpperCase();
    if (u === 'ALL') v |= 63;
    else if (u === 'NONE') continue;
    else {
      const hit = TCP_FLAGS.find(([n]) => n === u);
      if (!hit) return err(`Unknown TCP flag \`${f}'`);
      v |= hit[1];
    }
  }
  return ok(v);
}

export function tcpFlagsText(v: number): string {
  if (v === 0) return 'NONE';
  return TCP_FLAGS.filter(([, b]) => v & b).map(([n]) => n).join(',');
}

/** Conntrack states in the order iptables-save prints them. */
const CT_ORDER: CtState[] = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];

export function parseCtStates(text: string, stateMatch: boolean): Parsed<CtState[]> {
  const set = new Set<CtState>();
  for (const s of text.split(',')) {
    // A prefix names the first state it starts (verified: `EST` and `est` are ESTABLISHED).
    const up = s.toUpperCase();
    const u = (up === '' ? undefined : CT_ORDER.find((c) => c.startsWith(up))) as CtState;
    if (!u || (stateMatch && (u === 'SNAT' || u === 'DNAT'))) {
      return err(stateMatch ? `Bad state "${s}"` : `Bad ctstate "${s}"`);
    }
    set.add(u);
  }
  return ok(CT_ORDER.filter((s) => set.has(s)));
}

const ADDR_TYPES: AddrType[] = [
  'UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT',
  'THROW', 'NAT', 'XRESOLVE',
];

export function parseAddrTypes(text: string): Parsed<AddrType[]> {
  const set = new Set<AddrType>();
  for (const s of text.split(',')) {
    // A prefix names the first type it starts (verified: `LOC` is LOCAL, `U` is UNSPEC).
    const up = s.toUpperCase();
    const u = up === '' ? undefined : ADDR_TYPES.find((t) => t.startsWith(up));
    if (!u) return err(`addrtype: bad type "${s}"`);
    set.add(u);
  }
  return ok(ADDR_TYPES.filter((t) => set.has(t)));
}

/** `V[/M]` of --mark and the MARK/CONNMARK targets; mask defaults to all ones. */
export function parseMarkMask(text: string): { value: number; mask: number; hasMask: boolean } | undefined {
  const slash = text.indexOf('/');
  const v = parseUint(slash < 0 ? text : text.slice(0, slash));
  if (v === undefined) return undefined;
  if (slash < 0) return { value: v, mask: 0xffffffff, hasMask: false };
  const m = parseUint(text.slice(slash + 1));
  if (m === undefined) return undefined;
  return { value: v, mask: m, hasMask: true };
}

export function hex(v: number): string {
  return '0x' + (v >>> 0).toString(16);
}

/** `A[-B]` of -m iprange. */
export function parseIpRange(text: string): Parsed<{ lo: Ipv4; hi: Ipv4 }> {
  const dash = text.indexOf('-');
  const lo = parseDotted(dash < 0 ? text : text.slice(0, dash));
  const hi = dash < 0 ? lo : parseDotted(text.slice(dash + 1));
  if (lo === undefined || hi === undefined || text.split('-').some((p) => p.split('.').length !== 4)) {
    return err(`iprange: Bad IP address "${text}"`);
  }
  return ok({ lo, hi });
}

/** `ADDR[-ADDR][:PORT[-PORT]]` of --to-source/--to-destination. */
export function parseNatRange(text: string): Parsed<{ addrLo?: Ipv4; addrHi?: Ipv4; portLo?: number; portHi?: number }> {
  const colon = text.indexOf(':');
  const addrPart = colon < 0 ? text : text.slice(0, colon);
  const out: { addrLo?: Ipv4; addrHi?: Ipv4; portLo?: number; portHi?: number } = {};
  if (addrPart !== '') {
    const dash = addrPart.indexOf('-');
    const a = dash < 0 ? addrPart : addrPart.slice(0, dash);
    const b = dash < 0 ? addrPart : addrPart.slice(dash + 1);
    const lo = a.split('.').length === 4 ? parseDotted(a) : undefined;
    const hi = b.split('.').length === 4 ? parseDotted(b) : undefined;
    if (lo === undefined) return err(`Bad IP address "${a}"`);
    if (hi === undefined) return err(`Bad IP address "${b}"`);
    out.addrLo = lo;
    out.addrHi = hi;
  }
  if (colon >= 0) {
    const r = parseNatPorts(text.slice(colon + 1));
    if (!r.ok) return r;
    out.portLo = r.value[0];
    out.portHi = r.value[1];
  }
  return ok(out);
}

/** `P[-Q]` of --to-ports and of the port part of NAT ranges. */
export function parseNatPorts(text: string): Parsed<PortRange> {
  const dash = text.indexOf('-');
  const a = dash < 0 ? text : text.slice(0, dash);
  const b = dash < 0 ? text : text.slice(dash + 1);
  const lo = /^\d+$/.test(a) && Number(a) <= 65535 ? Number(a) : undefined;
  if (lo === undefined) return err(`Port \`${a}' not valid`);
  const hi = /^\d+$/.test(b) && Number(b) <= 65535 ? Number(b) : undefined;
  if (hi === undefined) return err(`Port \`${b}' not valid`);
  if (hi < lo) return err(`Port range \`${text}' not valid`);
  return ok([lo, hi]);
}

export function natRangeText(r: { addrLo?: Ipv4; addrHi?: Ipv4; portLo?: number; portHi?: number }): string {
  let s = '';
  if (r.addrLo !== undefined) {
    s = ipv4ToString(r.addrLo);
    if (r.addrHi !== undefined && r.addrHi !== r.addrLo) s += '-' + ipv4ToString(r.addrHi);
  }
  if (r.portLo !== undefined) s += ':' + (r.portLo === r.portHi ? String(r.portLo) : `${r.portLo}-${r.portHi}`);
  return s;
}

/** A word as iptables-save quotes it (comments, log prefixes). */
export function saveQuote(s: string): string {
  if (s !== '' && /^[^\s"'\\]+$/.test(s)) return s;
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

export const REJECT_WITH: Record<string, string> = {
  'icmp-net-unreachable': 'icmp-net-unreachable', 'net-unreach': 'icmp-net-unreachable',
  'icmp-host-unreachable': 'icmp-host-unreachable', 'host-unreach': 'icmp-host-unreachable',
  'icmp-port-unreachable': 'icmp-port-unreachable', 'port-unreach': 'icmp-port-unreachable',
  'icmp-proto-unreachable': 'icmp-proto-unreachable', 'proto-unreach': 'icmp-proto-unreachable',
  'icmp-net-prohibited': 'icmp-net-prohibited', 'net-prohib': 'icmp-net-prohibited',
  'icmp-host-prohibited': 'icmp-host-prohibited', 'host-prohib': 'icmp-host-prohibited',
  'icmp-admin-prohibited': 'icmp-admin-prohibited', 'admin-prohib': 'icmp-admin-prohibited',
  'tcp-reset': 'tcp-reset', 'tcp-rst': 'tcp-reset',
};

export const LOG_LEVELS: Record<string, number> = {
  emerg: 0, alert: 1, crit: 2, error: 3, err: 3, warning: 4, warn: 4, notice: 5, info: 6, debug: 7,
};

/** `--reject-with` value: exact name or alias, else the first name it is a prefix of (verified: `icmp` is icmp-net-unreachable). */
export function parseRejectWith(text: string): string | undefined {
  if (REJECT_WITH[text]) return REJECT_WITH[text];
  if (text === '') return undefined;
  const k = Object.keys(REJECT_WITH).find((n) => n.startsWith(text));
  return k ? REJECT_WITH[k] : undefined;
}

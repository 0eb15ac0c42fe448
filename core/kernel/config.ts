// Kernel configuration as plain data: what `ip`, `iptables`, `sysctl` and the language's own
// `listen`/`jail` statements leave behind in each network namespace. The model builds it by
// executing a topology file; the netstack runs packets through it. It knows no syntax, no file
// and no packet. `origin` on each object is an opaque tag (the model's statement id) that the
// simulator echoes back in trace events so the sim layer can map it to a source line.

/** An IPv4 address as an unsigned 32-bit integer (host order). */
export type Ipv4 = number;

/** Opaque statement id of the command that created the object; -1 for objects the kernel made. */
export type Origin = number;
export const KERNEL_ORIGIN: Origin = -1;

export interface Prefix {
  addr: Ipv4; // network address, host bits cleared
  len: number; // 0..32
}

export type DeviceKind = 'loopback' | 'veth' | 'bridge' | 'dummy';

export interface DeviceConfig {
  /** Unique over the whole topology; stable across `ip link set DEV netns NS`. */
  id: number;
  name: string;
  netns: string;
  /** Per-namespace interface index, as the kernel numbers them (lo = 1). */
  ifindex: number;
  kind: DeviceKind;
  /** Administrative state (`ip link set DEV up`). */
  up: boolean;
  mtu: number;
  mac: string; // "02:00:00:00:00:01"
  /** Bridge port: id of the bridge device (same namespace). */
  master?: number;
  /** veth: id of the peer device (any namespace). */
  peer?: number;
  origin: Origin;
}

export interface AddrConfig {
  devId: number;
  addr: Ipv4;
  plen: number;
  /** Subnet broadcast address the kernel derives (`brd +`), undefined for /31 and /32. */
  broadcast?: Ipv4;
  /** Secondary addresses (same subnet as an earlier one on the device) are not preferred as source. */
  secondary: boolean;
  origin: Origin;
}

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';
export type RouteScope = 'host' | 'link' | 'universe';

/** Routing table ids as the kernel numbers them. */
export const RT_TABLE_LOCAL = 255;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_DEFAULT = 253;

export interface RouteConfig {
  table: number;
  type: RouteType;
  dst: Prefix;
  gateway?: Ipv4;
  devId?: number;
  /** Preferred source (`src ADDR`). */
  prefsrc?: Ipv4;
  metric: number;
  scope: RouteScope;
  proto: 'kernel' | 'boot' | 'static';
  /** `onlink` flag. */
  onlink?: boolean;
  origin: Origin;
}

export type FibRuleAction =
  | { type: 'lookup'; table: number }
  | { type: 'blackhole' | 'unreachable' | 'prohibit' };

export interface FibRuleConfig {
  pref: number;
  from?: Prefix;
  to?: Prefix;
  fwmark?: { value: number; mask: number };
  iif?: string;
  oif?: string;
  invert?: boolean; // `not`
  action: FibRuleAction;
  origin: Origin;
}

export interface NeighConfig {
  devId: number;
  addr: Ipv4;
  lladdr: string;
  state: 'permanent';
  origin: Origin;
}

// ---------------------------------------------------------------- xtables (iptables)

export type XtTableName = 'raw' | 'mangle' | 'nat' | 'filter' | 'security';
export type XtHook = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';
export type CtState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED' | 'SNAT' | 'DNAT';
export type PortRange = [number, number];
/** Address types of `-m addrtype`, as the kernel names route types. */
export type AddrType =
  | 'UNSPEC' | 'UNICAST' | 'LOCAL' | 'BROADCAST' | 'ANYCAST' | 'MULTICAST'
  | 'BLACKHOLE' | 'UNREACHABLE' | 'PROHIBIT' | 'THROW' | 'NAT' | 'XRESOLVE';

export type XtMatch =
  | { kind: 'proto'; proto: number; invert: boolean } // IPPROTO number; 0 = all
  | { kind: 'src'; prefix: Prefix; invert: boolean }
  | { kind: 'dst'; prefix: Prefix; invert: boolean }
  /** Interface name; a trailing '+' is a wildcard prefix, as in iptables. */
  | { kind: 'iif'; name: string; invert: boolean }
  | { kind: 'oif'; name: string; invert: boolean }
  | { kind: 'sport'; range: PortRange; invert: boolean }
  | { kind: 'dport'; range: PortRange; invert: boolean }
  /** `--tcp-flags MASK COMP`; `--syn` is mask SYN|RST|ACK|FIN, comp SYN. Bits as in the TCP header. */
  | { kind: 'tcpflags'; mask: number; comp: number; invert: boolean }
  /** `--icmp-type`; code undefined = any code. type 255 = any. */
  | { kind: 'icmptype'; type: number; code?: number; invert: boolean }
  | { kind: 'ctstate'; states: CtState[]; invert: boolean }
  | { kind: 'multiport'; which: 'sport' | 'dport' | 'port'; ranges: PortRange[]; invert: boolean }
  | { kind: 'mark'; value: number; mask: number; invert: boolean }
  | { kind: 'connmark'; value: number; mask: number; invert: boolean }
  | {
      kind: 'addrtype';
      src?: { types: AddrType[]; invert: boolean };
      dst?: { types: AddrType[]; invert: boolean };
      limitIfaceIn: boolean;
      limitIfaceOut: boolean;
    }
  | { kind: 'iprange'; src?: { lo: Ipv4; hi: Ipv4; invert: boolean }; dst?: { lo: Ipv4; hi: Ipv4; invert: boolean } }
  | { kind: 'comment'; text: string };

export interface NatRange {
  addrLo?: Ipv4;
  addrHi?: Ipv4;
  portLo?: number;
  portHi?: number;
}

export type RejectWith =
  | 'icmp-net-unreachable' | 'icmp-host-unreachable' | 'icmp-port-unreachable' | 'icmp-proto-unreachable'
  | 'icmp-net-prohibited' | 'icmp-host-prohibited' | 'icmp-admin-prohibited' | 'tcp-reset';

export type XtTarget =
  | { kind: 'none' } // no -j: the rule only counts
  | { kind: 'ACCEPT' } | { kind: 'DROP' } | { kind: 'RETURN' }
  | { kind: 'jump'; chain: string }
  | { kind: 'goto'; chain: string }
  | { kind: 'REJECT'; with: RejectWith }
  | { kind: 'LOG'; prefix?: string; level?: string }
  | { kind: 'TRACE' }
  /** MARK: new = (old & ~mask) ^ value for --set-xmark; --set-mark V/M is xmark V/(M|V). and/or/xor likewise. */
  | { kind: 'MARK'; value: number; mask: number }
  /** CONNMARK --set-xmark V/M; --save-mark and --restore-mark with nfmask/ctmask. */
  | { kind: 'CONNMARK'; op: 'set'; value: number; mask: number }
  | { kind: 'CONNMARK'; op: 'save' | 'restore'; nfmask: number; ctmask: number }
  | { kind: 'SNAT'; to: NatRange }
  | { kind: 'DNAT'; to: NatRange }
  | { kind: 'MASQUERADE'; ports?: PortRange }
  | { kind: 'REDIRECT'; ports?: PortRange }
  | { kind: 'NOTRACK' }; // also `-j CT --notrack`

export interface XtRule {
  matches: XtMatch[];
  target: XtTarget;
  /** The rule as `iptables-save` would print it, for traces and hovers (`-A FORWARD -i c0 -j ACCEPT`). */
  text: string;
  origin: Origin;
}

export interface XtChain {
  name: string;
  builtin: boolean;
  /** Built-in chains only: ACCEPT or DROP. */
  policy?: 'ACCEPT' | 'DROP';
  rules: XtRule[];
  origin: Origin;
}

export interface XtTable {
  name: XtTableName;
  /** Built-in chains first in hook order, then user chains in creation order. */
  chains: Map<string, XtChain>;
}

/** Built-in chains of each table, in the order iptables lists them. */
export const XT_BUILTIN_CHAINS: Record<XtTableName, XtHook[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

// ---------------------------------------------------------------- sockets and jails

export interface SocketConfig {
  proto: 'tcp' | 'udp';
  addr: Ipv4; // 0 = INADDR_ANY
  port: number;
  /** bsdjail: the jail address of the process that holds the socket. */
  jail?: Ipv4;
  origin: Origin;
}

// ---------------------------------------------------------------- a namespace and the whole topology

export interface NetnsConfig {
  name: string;
  /** Devices of this namespace by name, in ifindex order. */
  devices: Map<string, DeviceConfig>;
  addresses: AddrConfig[];
  /** Every route of every table, including those the kernel installs for addresses and lo. */
  routes: RouteConfig[];
  /** Policy rules, sorted by pref; includes the kernel's 0/32766/32767. */
  rules: FibRuleConfig[];
  neighbours: NeighConfig[];
  /** Full sysctl names (`net.ipv4.conf.eth0.rp_filter`) to their current value as text. */
  sysctl: Map<string, string>;
  /** Only the tables some iptables command touched exist, as in the kernel. */
  xtables: Map<XtTableName, XtTable>;
  sockets: SocketConfig[];
  /** Next ifindex to hand out. */
  nextIfindex: number;
}

export interface TopologyConfig {
  /** In creation order; 'root' (the file's initial namespace) first. */
  namespaces: Map<string, NetnsConfig>;
  /** Every device of every namespace by id. */
  devices: Map<number, DeviceConfig>;
}

// ---------------------------------------------------------------- address helpers (pure)

export function ipv4ToString(a: Ipv4): string {
  return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** Parses a dotted quad strictly (four decimal octets 0..255); undefined if not one. */
export function parseIpv4(text: string): Ipv4 | undefined {
  return parseIpv4At(text, 0, text.length);
}

/** parseIpv4 of text[from, to), without slicing the text. */
export function parseIpv4At(text: string, from: number, to: number, short = false): Ipv4 | undefined {
  // Exactly four parts of 1-3 ASCII digits, each at most 255 (hand-rolled: every address word
  // of a file comes through here).
  let v = 0;
  let parts = 0;
  let n = 0;
  let digits = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || n > 255 || ++parts > 4) return undefined;
      v = v * 256 + n;
      n = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3) {
      n = n * 10 + (c - 0x30);
      digits++;
    } else return undefined;
  }
  // `short`: iptables' inet_aton-style 10.1 = 10.1.0.0 (missing parts are zero at the end).
  if (short) {
    for (; parts < 4; parts++) v *= 256;
    return v >>> 0;
  }
  return parts === 4 ? v >>> 0 : undefined;
}

export function prefixMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export function prefixContains(p: Prefix, a: Ipv4): boolean {
  return ((a & prefixMask(p.len)) >>> 0) === p.addr;
}

export function prefixToString(p: Prefix): string {
  return `${ipv4ToString(p.addr)}/${p.len}`;
}

// ---------------------------------------------------------------- probes

/** What a real process observes, in the words of the language (docs/language.md). */
export type OutcomeKind = 'delivered' | 'refused' | 'unreachable' | 'denied' | 'ttl-exceeded' | 'dropped';

export interface ProbeSpec {
  name: string;
  /** A packet sent by a process in `netns` (optionally confined by a bsdjail with address `jail`). */
  from?: { netns: string; jail?: Ipv4 };
  /** Or a frame arriving on device `dev` of `netns` from outside. */
  on?: { netns: string; devId: number };
  proto: 'tcp' | 'udp' | 'icmp';
  dst: Ipv4;
  dport?: number;
  sport?: number;
  src?: Ipv4;
  ttl?: number;
  mark?: number;
  expect?: { kind: OutcomeKind; netns?: string };
  origin: Origin;
}

/** The simulator's modes: the seed's complete separation (what Linux merged) or its short-cut scheme. */
export type SimMode = { kind: 'separate' } | { kind: 'shortcut'; at: 'route' | 'postrouting' | 'socket' };

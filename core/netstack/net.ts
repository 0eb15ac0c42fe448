// The kernel built from a TopologyConfig: one Net per namespace (devices, addresses, routing
// tables sorted for lookup, policy rules, neighbours, netfilter hooks compiled on first use, socket tables) and
// the per-run mutable state (sysctl writes, conntrack tables, rule counters, bridge FDBs, socket
// errors). The compiled part is immutable and shared by every run; a run's state is created
// lazily per namespace, so a replay costs what it touches. Does not own packet behaviour.

import {
  AddrConfig, DeviceConfig, FibRuleConfig, Ipv4, KERNEL_ORIGIN, NetnsConfig, Origin, RT_TABLE_DEFAULT,
  RT_TABLE_LOCAL, RT_TABLE_MAIN, RouteConfig, SocketConfig, TopologyConfig, prefixMask,
} from '../kernel/config';
import type { CtTable } from './conntrack';
import { CompiledHooks, compileNetfilter, netfilterIds } from './netfilter';
import { parseMac } from './skb';

export interface Dev {
  cfg: DeviceConfig;
  id: number;
  name: string;
  netns: string;
  ifindex: number;
  kind: DeviceConfig['kind'];
  up: boolean;
  mtu: number;
  mac: number;
  /** veth peer (any namespace). */
  peer?: Dev;
  /** Bridge this port is enslaved to. */
  master?: Dev;
  /** Bridge: its ports in ifindex order. */
  ports: Dev[];
  /** IPv4 addresses on this device, primaries first in configuration order. */
  addrs: Addr[];
  /** Memo of the configuration's conf values (derived, filled on first use; runs with writes bypass it). */
  confMemo?: Partial<Record<ConfKey, number>>;
}

export interface Addr {
  cfg: AddrConfig;
  dev: Dev;
  addr: Ipv4;
  plen: number;
  mask: number;
  secondary: boolean;
  /** RT_SCOPE_*: 127/8 addresses are host scope (the kernel does that for ip addr add 127.x), others universe. */
  scope: number;
}

// Route scopes as the kernel numbers them (include/uapi/linux/rtnetlink.h).
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;

export interface Route {
  cfg: RouteConfig;
  table: number;
  type: RouteConfig['type'];
  addr: Ipv4;
  len: number;
  mask: number;
  gateway: Ipv4;
  dev?: Dev;
  prefsrc: Ipv4;
  metric: number;
  scope: number;
  origin: Origin;
}

export interface FibRule {
  cfg: FibRuleConfig;
  pref: number;
  fromAddr: Ipv4; fromMask: number; hasFrom: boolean;
  toAddr: Ipv4; toMask: number; hasTo: boolean;
  fwmark?: { value: number; mask: number };
  iif?: string;
  oif?: string;
  invert: boolean;
  action: FibRuleConfig['action'];
  origin: Origin;
}

export interface Listener {
  cfg: SocketConfig;
  proto: 'tcp' | 'udp';
  addr: Ipv4;
  port: number;
  origin: Origin;
}

/** A socket the kernel did not install, and why (bsdjail, kernel-path.md section 7). */
export interface RefusedSocket {
  cfg: SocketConfig;
  netns: string;
  errno: 'EPERM' | 'EADDRNOTAVAIL';
  call: 'bind' | 'listen';
}

export class Net {
  readonly name: string;
  readonly index: number;
  readonly cfg: NetnsConfig;
  readonly devs: Dev[] = [];
  readonly devByName = new Map<string, Dev>();
  readonly lo: Dev | undefined;
  readonly addrs: Addr[] = [];
  /** Every address of the namespace (inet_lookup_ifaddr), whatever the device state. */
  readonly localAddrs = new Set<Ipv4>();
  /** Routing tables by id, each sorted for lookup: longest prefix first, then lowest metric. */
  readonly tables = new Map<number, Route[]>();
  readonly rules: FibRule[];
  /** fib4_has_custom_rules: a rule beyond the kernel's three. */
  readonly hasCustomRules: boolean;
  /** fib_has_custom_local_routes: a `local` route added by a user. */
  readonly hasCustomLocalRoutes: boolean;
  readonly neigh = new Map<string, number>(); // `${devId}/${addr}` -> MAC
  /** First netfilter rule/chain id of this namespace (ids are dense over namespaces, in order). */
  private readonly ruleIdBase: number;
  private compiled: CompiledHooks | undefined;
  readonly tcpListeners = new Map<number, Listener[]>(); // port -> sockets, specific first
  readonly udpSockets = new Map<number, Listener[]>();
  readonly refusedSockets: RefusedSocket[] = [];
  /** Memo of configuration sysctl values (derived from cfg; runs with writes bypass it). */
  readonly sysctlMemo = new Map<string, string>();
  confAllMemo?: Partial<Record<ConfKey, number>>;

  constructor(cfg: NetnsConfig, index: number, devById: Map<number, Dev>, ruleIdBase: { next: number }) {
    this.name = cfg.name;
    this.index = index;
    this.cfg = cfg;
    for (const dc of cfg.devices.values()) {
      const d = devById.get(dc.id);
      if (!d) continue;
      this.devs.push(d);
      this.devByName.set(d.name, d);
    }
    this.devs.sort((a, b) => a.ifindex - b.ifindex);
    this.lo = this.devs.find((d) => d.kind === 'loopback');
    for (const ac of cfg.addresses) {
      const dev = devById.get(ac.devId);
      if (!dev) continue;
      const a: Addr = {
        cfg: ac, dev, addr: ac.addr >>> 0, plen: ac.plen, mask: prefixMask(ac.plen), secondary: ac.secondary,
        scope: (ac.addr >>> 24) === 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE,
      };
      this.addrs.push(a);
      dev.addrs.push(a);
      this.localAddrs.add(a.addr);
    }
    for (const d of this.devs) d.addrs.sort((x, y) => Number(x.secondary) - Number(y.secondary));
    // Routes on a device that is down are not usable (the kernel removes them on NETDEV_DOWN,
    // fib_disable_ip); the model may or may not have removed them already.
    for (const rc of cfg.routes) {
      const dev = rc.devId !== undefined ? devById.get(rc.devId) : undefined;
      if (rc.devId !== undefined && (!dev || !dev.up)) continue;
      const r: Route = {
        cfg: rc, table: rc.table, type: rc.type, addr: rc.dst.addr >>> 0, len: rc.dst.len, mask: prefixMask(rc.dst.len),
        gateway: rc.gateway ?? 0, dev, prefsrc: rc.prefsrc ?? 0, metric: rc.metric,
        scope: rc.scope === 'host' ? RT_SCOPE_HOST : rc.scope === 'link' ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE,
        origin: rc.origin,
      };
      let t = this.tables.get(r.table);
      if (!t) this.tables.set(r.table, (t = []));
      t.push(r);
    }
    // A gateway route without a device gets the device of the route that reaches the gateway.
    for (const t of this.tables.values()) {
      t.sort((a, b) => b.len - a.len || a.metric - b.metric);
    }
    for (const t of this.tables.values()) {
      for (const r of t) {
        if (r.gateway && !r.dev) {
          const main = this.tables.get(RT_TABLE_MAIN) ?? [];
          const via = main.find((x) => x.dev && x.type === 'unicast' && !x.gateway && ((r.gateway & x.mask) >>> 0) === x.addr);
          if (via) r.dev = via.dev;
        }
      }
    }
    const rules = cfg.rules.length ? cfg.rules : defaultRules();
    this.rules = rules
      .map((rc) => ({
        cfg: rc, pref: rc.pref,
        fromAddr: rc.from?.addr ?? 0, fromMask: rc.from ? prefixMask(rc.from.len) : 0, hasFrom: !!rc.from && rc.from.len > 0,
        toAddr: rc.to?.addr ?? 0, toMask: rc.to ? prefixMask(rc.to.len) : 0, hasTo: !!rc.to && rc.to.len > 0,
        fwmark: rc.fwmark, iif: rc.iif, oif: rc.oif, invert: !!rc.invert, action: rc.action, origin: rc.origin,
      }))
      .sort((a, b) => a.pref - b.pref);
    this.hasCustomRules = !(
      this.rules.length === 3 &&
      this.rules.every((r, i) => !r.hasFrom && !r.hasTo && !r.fwmark && !r.iif && !r.oif && !r.invert &&
        r.action.type === 'lookup' && r.action.table === [RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT][i])
    );
    this.hasCustomLocalRoutes = cfg.routes.some((r) => r.type === 'local' && r.proto !== 'kernel');
    for (const n of cfg.neighbours) this.neigh.set(`${n.devId}/${n.addr >>> 0}`, parseMac(n.lladdr));
    // The netfilter tables compile on first use (a probe visits a few namespaces of a thousand);
    // their ids are fixed now, so they do not depend on the order namespaces are visited in.
    this.ruleIdBase = ruleIdBase.next;
    ruleIdBase.next += netfilterIds(cfg);
    for (const sc of cfg.sockets) this.installSocket(sc);
  }

  /** The compiled netfilter hooks, tables, chains and rules (compiled on first read). */
  get hooks(): CompiledHooks {
    return (this.compiled ??= compileNetfilter(this.cfg, { next: this.ruleIdBase }));
  }

  /**
   * bind() then listen() as a process would, with the bsdjail LSM's checks (kernel-path.md 7.2,
   * 7.4): bind to an address other than the jail's is EPERM; 0.0.0.0 or 127.0.0.1 binds but then
   * listen() is EPERM (TCP). A bound address that is not local is EADDRNOTAVAIL (1.9.5).
   */
  private installSocket(sc: SocketConfig): void {
    const bind = bsdjailBind(sc.jail, sc.addr);
    if (bind) {
      this.refusedSockets.push({ cfg: sc, netns: this.name, errno: bind, call: 'bind' });
      return;
    }
    if (sc.addr !== 0 && !this.localAddrs.has(sc.addr >>> 0) && sysctlDefault(this.cfg, 'net.ipv4.ip_nonlocal_bind') !== '1') {
      this.refusedSockets.push({ cfg: sc, netns: this.name, errno: 'EADDRNOTAVAIL', call: 'bind' });
      return;
    }
    if (sc.proto === 'tcp' && bsdjailListen(sc.jail, sc.addr)) {
      this.refusedSockets.push({ cfg: sc, netns: this.name, errno: 'EPERM', call: 'listen' });
      return;
    }
    const l: Listener = { cfg: sc, proto: sc.proto, addr: sc.addr >>> 0, port: sc.port, origin: sc.origin };
    const map = sc.proto === 'tcp' ? this.tcpListeners : this.udpSockets;
    let list = map.get(sc.port);
    if (!list) map.set(sc.port, (list = []));
    list.push(l);
    // A socket bound to a specific address beats a wildcard one (inet_lhash2 lookup scoring).
    list.sort((a, b) => Number(a.addr === 0) - Number(b.addr === 0));
  }

  /** Device by ifindex. */
  devByIndex(ifindex: number): Dev | undefined {
    return this.devs.find((d) => d.ifindex === ifindex);
  }
}

/** bsdjail socket_bind (kernel-path.md 7.2): EPERM for an address other than the jail's, 0.0.0.0 or 127.0.0.1. */
export function bsdjailBind(jail: Ipv4 | undefined, addr: Ipv4): 'EPERM' | undefined {
  if (jail === undefined) return undefined;
  if (addr === jail || addr === 0 || addr === 0x7f000001) return undefined;
  return 'EPERM';
}

/** bsdjail socket_listen (7.4): the socket's bound address must be the jail address. */
export function bsdjailListen(jail: Ipv4 | undefined, boundAddr: Ipv4): 'EPERM' | undefined {
  if (jail === undefined) return undefined;
  return boundAddr === jail ? undefined : 'EPERM';
}

function defaultRules(): FibRuleConfig[] {
  return [
    { pref: 0, action: { type: 'lookup', table: RT_TABLE_LOCAL }, origin: KERNEL_ORIGIN },
    { pref: 32766, action: { type: 'lookup', table: RT_TABLE_MAIN }, origin: KERNEL_ORIGIN },
    { pref: 32767, action: { type: 'lookup', table: RT_TABLE_DEFAULT }, origin: KERNEL_ORIGIN },
  ];
}

// ---------------------------------------------------------------- sysctl defaults

/**
 * Values of a fresh namespace in the simulated kernel (the export pins them, kernel-harness-notes):
 * compiled defaults of devinet (forwarding 0, rp_filter 0, accept_local 0, route_localnet 0),
 * icmp_echo_ignore_broadcasts 1, ip_default_ttl 64, and bridge-nf-call-iptables 1 because
 * br_netfilter is built into the kernels this project checks against.
 */
const SYSCTL_DEFAULTS: Record<string, string> = {
  'net.ipv4.ip_forward': '0',
  'net.ipv4.icmp_echo_ignore_all': '0',
  'net.ipv4.icmp_echo_ignore_broadcasts': '1',
  'net.ipv4.ip_default_ttl': '64',
  'net.ipv4.ip_nonlocal_bind': '0',
  'net.ipv4.icmp_errors_use_inbound_ifaddr': '0',
  'net.ipv4.fwmark_reflect': '0',
  'net.ipv4.tcp_fwmark_accept': '0',
  'net.bridge.bridge-nf-call-iptables': '1',
};

function sysctlDefault(cfg: NetnsConfig, key: string): string {
  return cfg.sysctl.get(key) ?? SYSCTL_DEFAULTS[key] ?? '0';
}

/** The per-device IPv4 conf keys the simulator reads. */
export type ConfKey = 'forwarding' | 'rp_filter' | 'accept_local' | 'route_localnet' | 'src_valid_mark';

const CONF_KEY_RE = /^net\.ipv4\.conf\.([^.]+)\.(.+)$/;

/**
 * A sysctl's value from the configuration and this run's writes. Absent keys: ip_forward and
 * conf.all.forwarding are one variable; a device key that was never materialised follows
 * ip_forward for forwarding (the write fans out to every device) and conf.default otherwise
 * (copied when the device appeared); else the fresh-namespace default.
 */
export function resolveSysctl(cfg: Map<string, string>, writes: Map<string, string> | undefined, key: string): string {
  const v = writes?.get(key) ?? cfg.get(key);
  if (v !== undefined) return v;
  if (key === 'net.ipv4.ip_forward') return resolveSysctl(cfg, writes, 'net.ipv4.conf.all.forwarding');
  if (key === 'net.ipv4.conf.all.forwarding') return writes?.get('net.ipv4.ip_forward') ?? cfg.get('net.ipv4.ip_forward') ?? '0';
  const m = CONF_KEY_RE.exec(key);
  if (m && m[1] !== 'all' && m[1] !== 'default') {
    if (m[2] === 'forwarding') return resolveSysctl(cfg, writes, 'net.ipv4.ip_forward');
    return resolveSysctl(cfg, writes, `net.ipv4.conf.default.${m[2]}`);
  }
  return SYSCTL_DEFAULTS[key] ?? '0';
}

// ---------------------------------------------------------------- the kernel

export class Kernel {
  readonly topology: TopologyConfig;
  readonly nets = new Map<string, Net>();
  readonly devById = new Map<number, Dev>();
  /** Number of netfilter rule/chain counter slots (ids are dense from 0). */
  readonly counterSlots: number;

  constructor(topology: TopologyConfig) {
    this.topology = topology;
    for (const dc of topology.devices.values()) {
      this.devById.set(dc.id, {
        cfg: dc, id: dc.id, name: dc.name, netns: dc.netns, ifindex: dc.ifindex, kind: dc.kind, up: dc.up,
        mtu: dc.mtu, mac: parseMac(dc.mac), ports: [], addrs: [],
      });
    }
    // Devices listed only inside a namespace (hand-built configs) are accepted too.
    for (const ns of topology.namespaces.values()) {
      for (const dc of ns.devices.values()) {
        if (!this.devById.has(dc.id)) {
          this.devById.set(dc.id, {
            cfg: dc, id: dc.id, name: dc.name, netns: dc.netns, ifindex: dc.ifindex, kind: dc.kind, up: dc.up,
            mtu: dc.mtu, mac: parseMac(dc.mac), ports: [], addrs: [],
          });
        }
      }
    }
    for (const d of this.devById.values()) {
      if (d.cfg.peer !== undefined) d.peer = this.devById.get(d.cfg.peer);
      if (d.cfg.master !== undefined) {
        const m = this.devById.get(d.cfg.master);
        if (m && m.kind === 'bridge') {
          d.master = m;
          m.ports.push(d);
        }
      }
    }
    for (const d of this.devById.values()) d.ports.sort((a, b) => a.ifindex - b.ifindex);
    const ids = { next: 0 };
    let i = 0;
    for (const ns of topology.namespaces.values()) this.nets.set(ns.name, new Net(ns, i++, this.devById, ids));
    this.counterSlots = ids.next;
  }

  net(name: string): Net {
    const n = this.nets.get(name);
    if (!n) throw new Error(`unknown namespace ${name}`);
    return n;
  }

  dev(net: Net, name: string | null): Dev | undefined {
    return name === null ? undefined : net.devByName.get(name);
  }
}

// ---------------------------------------------------------------- per-run state

export interface Counter {
  pkts: number;
  bytes: number;
}

/** A simulated process socket (the probe's client socket): what it has observed. */
export interface ClientSocket {
  netns: string;
  proto: 'tcp' | 'udp' | 'icmp';
  saddr: Ipv4;
  sport: number; // ICMP: echo id
  daddr: Ipv4;
  dport: number;
  /** Result the process sees, set once. */
  result?: ClientResult;
}

export interface ClientResult {
  kind: 'synack' | 'rst' | 'icmp-error' | 'echo-reply' | 'local-error';
  errno?: string;
  /** Packet id that brought the result, and where it was created. */
  packet?: number;
  icmpType?: number;
  icmpCode?: number;
  /** Namespace that generated the reply/error. */
  from?: string;
  origin?: Origin;
  reason?: string;
}

export class RunState {
  /** sysctl writes made during this run (setVariable), per namespace, over the configuration. */
  readonly sysctlWrites = new Map<string, Map<string, string>>();
  readonly conntrack = new Map<string, CtTable>();
  readonly counters = new Map<number, Counter>();
  /** Bridge FDB: bridge dev id -> MAC -> port dev id. */
  readonly fdb = new Map<number, Map<number, number>>();
  readonly clients: ClientSocket[] = [];
  nextPacketId = 1;
  nextCtId = 1;
  nextIpId = 1;

  constructor(readonly kernel: Kernel) {}

  /** Current value of a sysctl in `net`, as text. Absent per-device keys resolve as described in config.ts. */
  sysctl(net: Net, key: string): string {
    const w = this.sysctlWrites.get(net.name);
    if (!w) {
      // No write in this run: the configuration's value, memoised on the (immutable) Net.
      let v = net.sysctlMemo.get(key);
      if (v === undefined) net.sysctlMemo.set(key, (v = resolveSysctl(net.cfg.sysctl, undefined, key)));
      return v;
    }
    return resolveSysctl(net.cfg.sysctl, w, key);
  }

  sysctlInt(net: Net, key: string): number {
    const n = parseInt(this.sysctl(net, key), 10);
    return Number.isNaN(n) ? 0 : n;
  }

  /**
   * Writes a sysctl as `sysctl -w` would: ip_forward and conf.all.forwarding set all, default and
   * every device's forwarding (inet_forward_change); other keys only themselves.
   */
  writeSysctl(net: Net, key: string, value: string): void {
    let w = this.sysctlWrites.get(net.name);
    if (!w) this.sysctlWrites.set(net.name, (w = new Map()));
    if (key === 'net.ipv4.ip_forward' || key === 'net.ipv4.conf.all.forwarding') {
      w.set('net.ipv4.ip_forward', value);
      w.set('net.ipv4.conf.all.forwarding', value);
      w.set('net.ipv4.conf.default.forwarding', value);
      for (const d of net.devs) w.set(`net.ipv4.conf.${d.name}.forwarding`, value);
      return;
    }
    w.set(key, value);
  }

  /** An IPv4 conf value of a device (or of `all` when dev is undefined), as a number. */
  conf(net: Net, dev: Dev | undefined, key: ConfKey): number {
    const name = dev ? dev.name : 'all';
    if (!this.sysctlWrites.has(net.name)) {
      const memo = dev ? (dev.confMemo ??= {}) : (net.confAllMemo ??= {});
      let v = memo[key];
      if (v === undefined) memo[key] = v = this.sysctlInt(net, `net.ipv4.conf.${name}.${key}`);
      return v;
    }
    return this.sysctlInt(net, `net.ipv4.conf.${name}.${key}`);
  }

  /** IN_DEV_FORWARD: the device's own forwarding flag. */
  devForwarding(net: Net, dev: Dev): boolean {
    return this.conf(net, dev, 'forwarding') !== 0;
  }

  /** IN_DEV_MAXCONF: max(all, dev). */
  devConfMax(net: Net, dev: Dev, key: ConfKey): number {
    return Math.max(this.conf(net, undefined, key), this.conf(net, dev, key));
  }

  /** IN_DEV_ORCONF: all || dev. */
  devConfOr(net: Net, dev: Dev, key: ConfKey): boolean {
    return this.conf(net, undefined, key) !== 0 || this.conf(net, dev, key) !== 0;
  }

  counter(id: number): Counter {
    let c = this.counters.get(id);
    if (!c) this.counters.set(id, (c = { pkts: 0, bytes: 0 }));
    return c;
  }

  fdbOf(bridge: Dev): Map<number, number> {
    let f = this.fdb.get(bridge.id);
    if (!f) this.fdb.set(bridge.id, (f = new Map()));
    return f;
  }
}

/** True when `a` is in the subnet of `addr`. */
export function addrInSubnet(addr: Addr, a: Ipv4): boolean {
  return ((a & addr.mask) >>> 0) === ((addr.addr & addr.mask) >>> 0);
}

// Lints on the final state: what the real tools accept but a user almost never wants (forwarding
// off under FORWARD rules or a gateway role, routes through down devices, lo down under a
// loopback user, listeners on absent addresses, probes without a route, devices never brought
// up, veth pairs with one end down). Runs once after the whole file, on the kernel
// configuration only: no packets, no netstack. A small FIB lookup (policy rules + longest
// prefix) answers "is there a route at all". iptables-specific lints (shadowed rules and the
// like) belong to the iptables executor (iptables-lint.ts); runLints calls them.
//
// Kernel facts used (verified on Linux 6.18 in a throwaway namespace): with lo down a fresh
// namespace has no 127.0.0.1 and `connect(127.0.0.1)` fails with ENETUNREACH; a connect to the
// namespace's own eth0 address with lo down routes via lo ("local 10.0.0.1 dev lo") and times
// out (dropped). Forwarding is decided by the input device's conf.DEV.forwarding.

import { diagnose, DiagnosticKey } from '../diagnostics/catalogue';
import type { Diagnostic } from '../diagnostics/types';
import {
  DeviceConfig, Ipv4, ipv4ToString, KERNEL_ORIGIN, NetnsConfig, Origin, prefixContains, ProbeSpec, RouteConfig,
} from '../kernel/config';
import type { SourceFile } from '../syntax/tree';
import type { ModelState } from './context';
import { lintIptables } from './iptables-lint';
import { isLocalAddress } from './lang';
import { confKey } from './sysctl-defaults';
import { KeyCache } from '../util/key-cache';
import { keepLayout } from '../util/keep-layout';

/** Result of a route lookup on the configuration: a route, a rule action, local delivery, or nothing. */
export type FibResult =
  | { kind: 'route'; route: RouteConfig }
  | { kind: 'rule'; action: 'blackhole' | 'unreachable' | 'prohibit' }
  | { kind: 'local' }
  | { kind: 'none' };

function deviceById(state: ModelState, id: number | undefined): DeviceConfig | undefined {
  return id === undefined ? undefined : state.topology.devices.get(id);
}

/**
 * Output route lookup as ip_route_output_key does it for a socket that is not bound to a device:
 * policy rules by pref (iif matches `lo`, oif rules never match), then the longest prefix in the
 * table, lowest metric first; `throw` continues with the next rule. Unicast routes through a
 * device that is down are skipped (the kernel flushes them when the device goes down).
 */
export function fibLookup(
  state: ModelState, ns: NetnsConfig, dst: Ipv4, src: Ipv4 = 0, mark = 0,
): FibResult {
  for (const a of ns.addresses) if (a.addr === dst) return { kind: 'local' };
  const rules = [...ns.rules].sort((a, b) => a.pref - b.pref);
  for (const rule of rules) {
    let match = true;
    if (rule.from && rule.from.len > 0 && !prefixContains(rule.from, src)) match = false;
    if (rule.to && rule.to.len > 0 && !prefixContains(rule.to, dst)) match = false;
    if (rule.fwmark && ((mark & rule.fwmark.mask) >>> 0) !== rule.fwmark.value) match = false;
    if (rule.iif !== undefined && rule.iif !== 'lo') match = false;
    if (rule.oif !== undefined) match = false;
    if (rule.invert) match = !match;
    if (!match) continue;
    if (rule.action.type !== 'lookup') return { kind: 'rule', action: rule.action.type };
    const table = rule.action.table;
    let best: RouteConfig | undefined;
    for (const r of ns.routes) {
      if (r.table !== table || !prefixContains(r.dst, dst)) continue;
      if (r.type === 'unicast' && r.devId !== undefined && !deviceById(state, r.devId)?.up) continue;
      if (!best || r.dst.len > best.dst.len || (r.dst.len === best.dst.len && r.metric < best.metric)) best = r;
    }
    if (!best || best.type === 'throw') continue;
    if (best.type === 'local') return { kind: 'local' };
    return { kind: 'route', route: best };
  }
  return { kind: 'none' };
}

/**
 * Routes the kernel removed as a side effect (state.ts keeps them under this fact key when a
 * device goes down, is deleted or moved). Read by key so this file does not depend on the ip
 * executor's internals; the shape is the one state.ts records.
 */
const FACT_FLUSHED_ROUTES = 'ip.flushedRoutes';
const NONE: readonly FlushedRoute[] = [];
interface FlushedRoute {
  route: RouteConfig;
  netns: string;
  by: Origin;
  reason: 'down' | 'deleted' | 'moved';
}

const isLoopbackNet = (a: Ipv4): boolean => a >>> 24 === 127;

function hasAddress(ns: NetnsConfig, addr: Ipv4): boolean {
  for (const a of ns.addresses) if (a.addr === addr) return true;
  return false;
}

/** An address's owner, for the gateway lint; what it asks of the owner is kept once asked. */
interface GatewayOwner {
  ns: NetnsConfig;
  dev: DeviceConfig;
  origin: Origin;
  forwarding: boolean | undefined;
  otherWay: boolean | undefined;
}

/** `net.ipv4.conf.DEV.forwarding` per device name. */
const FORWARDING_KEYS = new KeyCache((dev) => confKey(dev, 'forwarding'));

/** Runs every lint of the final state and appends the diagnostics to state.diagnostics. */
export function runLints(state: ModelState, _file: SourceFile, iptables = true): void {
  const l = new Linter(state);
  l.forwarding();
  l.routes();
  l.sockets();
  l.probes();
  l.devices();
  // The iptables executor's own final-state lints (shadowed rules, interface matches on missing
  // devices; idempotent, so tests may call it too). The incremental model runs them per namespace.
  if (iptables) lintIptables(state);
}

class Linter {
  constructor(readonly state: ModelState) {}

  /** The range of the statement with that origin, or undefined for kernel-made objects. */
  at(origin: Origin): { start: number; end: number } | undefined {
    if (origin === KERNEL_ORIGIN) return undefined;
    const info = this.state.statements[origin];
    return info ? { start: info.cmd.start, end: info.cmd.end } : undefined;
  }

  report(key: DiagnosticKey, origin: Origin, ...args: string[]): Diagnostic | undefined {
    const r = this.at(origin);
    if (!r) return undefined;
    const d = diagnose(key, r.start, r.end, ...args);
    this.state.diagnostics.push(d);
    return d;
  }

  /** Attaches machine-readable facts for quick fixes (`netns`: where the fix goes, `device`). */
  data(d: Diagnostic | undefined, data: Record<string, unknown>): Diagnostic | undefined {
    if (d) d.data = { ...d.data, ...data };
    return d;
  }

  relate(d: Diagnostic | undefined, origin: Origin, message: string): void {
    const r = this.at(origin);
    if (d && r) (d.related ??= []).push({ start: r.start, end: r.end, message });
  }

  forwardingOn(ns: NetnsConfig, dev: string): boolean {
    return (ns.sysctl.get(FORWARDING_KEYS.get(dev)) ?? '0') !== '0';
  }

  /**
   * NS5001: FORWARD rules where no device forwards (unless a bridge hands bridged IPv4 to
   * iptables); NS5002: a gateway role without forwarding, for gateways that have another up
   * device to forward to.
   */
  forwarding(): void {
    for (const ns of this.state.topology.namespaces.values()) {
      const fwd = ns.xtables.get('filter')?.chains.get('FORWARD');
      if (!fwd || fwd.rules.length === 0) continue;
      let any = false;
      let bridge = false;
      let devices = 0;
      for (const dev of ns.devices.values()) {
        if (dev.kind !== 'loopback') devices++;
        if (dev.kind !== 'loopback' && this.forwardingOn(ns, dev.name)) any = true;
        if (dev.kind === 'bridge') bridge = true;
      }
      // Bridged IPv4 traverses FORWARD through br_netfilter whatever ip_forward says.
      if (bridge && (ns.sysctl.get('net.bridge.bridge-nf-call-iptables') ?? '1') !== '0') continue;
      // With lo alone nothing is forwarded whatever the sysctls say (a packet from lo is local).
      if (devices === 0) this.data(this.report('forwardRulesWithoutForwarding', fwd.rules[0].origin, ns.name, 'lo-only'), { netns: ns.name, why: 'lo-only' });
      else if (!any) this.data(this.report('forwardRulesWithoutForwarding', fwd.rules[0].origin, ns.name), { netns: ns.name });
    }
    // Who owns each address (for gateway roles): address -> [namespace, address origin, device].
    const owners = new Map<Ipv4, GatewayOwner[]>();
    for (const ns of this.state.topology.namespaces.values()) {
      for (const a of ns.addresses) {
        const dev = this.state.topology.devices.get(a.devId);
        if (!dev) continue;
        let list = owners.get(a.addr);
        if (!list) owners.set(a.addr, (list = []));
        list.push({ ns, dev, origin: a.origin, forwarding: undefined, otherWay: undefined });
      }
    }
    const reported = new Set<string>();
    for (const ns of this.state.topology.namespaces.values()) {
      const routes = ns.routes;
      for (let k = 0; k < routes.length; k++) {
        const r = routes[k];
        const gw = r.gateway;
        if (gw === undefined || r.origin === KERNEL_ORIGIN) continue;
        const list = owners.get(gw);
        if (list === undefined) continue;
        // The owners in other namespaces: one is the owner; among several, the one at the other
        // end of the route's veth (else none).
        let first: GatewayOwner | undefined;
        let count = 0;
        for (let j = 0; j < list.length; j++) {
          if (list[j].ns === ns) continue;
          if (count++ === 0) first = list[j];
        }
        if (count === 0) continue;
        let owner = count === 1 ? first : undefined;
        const out = deviceById(this.state, r.devId);
        const peer = deviceById(this.state, out?.peer);
        if (peer) {
          for (let j = 0; j < list.length; j++) {
            if (list[j].ns !== ns && list[j].ns.name === peer.netns) {
              owner = list[j];
              break;
            }
          }
        }
        if (!owner) continue;
        // The owner's forwarding switch and other ways out are read once per owner (the state is final).
        if (owner.forwarding === undefined) owner.forwarding = this.forwardingOn(owner.ns, owner.dev.name);
        if (owner.forwarding) continue;
        // A host route to another address of the gateway itself needs no forwarding.
        if (r.dst.len === 32 && owner.ns.addresses.some((x) => x.addr === r.dst.addr)) continue;
        // A namespace with no other way out than the device the packet came in on is an end
        // host (a server, a provider's service address on lo), not a router: nothing to forward.
        if (owner.otherWay === undefined) {
          let otherWay = false;
          for (const d of owner.ns.devices.values()) if (d.kind !== 'loopback' && d.up && d.id !== owner.dev.id && d.master === undefined) otherWay = true;
          owner.otherWay = otherWay;
        }
        if (!owner.otherWay) continue;
        const key = `${ns.name}>${owner.ns.name}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const d = this.data(this.report('gatewayWithoutForwarding', r.origin, ns.name, ipv4ToString(gw), owner.ns.name, owner.dev.name), { netns: owner.ns.name, device: owner.dev.name });
        this.relate(d, owner.origin, `${ipv4ToString(gw)} is added to ${owner.dev.name} in ${owner.ns.name} here`);
      }
    }
  }

  /**
   * NS5003: routes the user added through a device that later went down, was deleted or moved.
   * The kernel refuses a route through a down device ("Device for nexthop is not up") and
   * flushes the routes of a device that goes down, so this is how "a route through a device
   * that is down" shows up: state.ts records what it flushed. A route still present through a
   * down device (should the executor keep one) is reported the same way.
   */
  routes(): void {
    const byNs = this.state.facts.get(FACT_FLUSHED_ROUTES) as Map<string, FlushedRoute[]> | undefined;
    // In namespace creation order, each namespace's in time order (whatever order the map has).
    if (byNs) for (const name of this.state.nsOrder) for (const f of byNs.get(name) ?? NONE) this.flushedRoute(f);
    for (const ns of this.state.topology.namespaces.values()) {
      const routes = ns.routes;
      for (let k = 0; k < routes.length; k++) {
        const r = routes[k];
        if (r.origin === KERNEL_ORIGIN || r.devId === undefined) continue;
        const dev = deviceById(this.state, r.devId);
        if (!dev || dev.up) continue;
        const d = this.report('routeDeviceDown', r.origin, dev.name, 'is down at the end of the file', `add 'ip link set ${dev.name} up' before the route`);
        this.relate(d, dev.origin, `${dev.name} is created here`);
      }
    }
  }

  /** NS5003 for one route the kernel flushed. */
  flushedRoute(f: FlushedRoute): void {
    if (f.route.origin === KERNEL_ORIGIN) return;
    const dev = deviceById(this.state, f.route.devId);
    const name = dev?.name ?? 'its device';
    const [event, fix, rel] =
      f.reason === 'down' ? ['goes down later', `add the route after the last 'ip link set ${name} up'`, `${name} goes down here`]
        : f.reason === 'deleted' ? ['is deleted later', 'remove the route too, or keep the device', `${name} is deleted here`]
          : ['moves to another namespace later', 'add the route where the device ends up', `${name} moves here`];
    const d = this.report('routeDeviceDown', f.route.origin, name, event, fix);
    this.relate(d, f.by, rel);
  }

  loDown(ns: NetnsConfig): boolean {
    const lo = ns.devices.get('lo');
    return !!lo && !lo.up;
  }

  /**
   * What a connection to `addr` on a down lo does (verified on Linux 6.18): in a namespace whose
   * lo was never up there is no 127.0.0.1 and no route, so connect() fails with ENETUNREACH;
   * once lo was up and then down, 127.0.0.1/8 and its local routes stay, so the packet is routed
   * to lo, which drops it, and connect() times out.
   */
  loEffect(ns: NetnsConfig, addr: Ipv4): string {
    const a = ipv4ToString(addr);
    return isLocalAddress(ns, addr)
      ? `connections to ${a} time out: the address stays but lo drops every packet`
      : `connections to ${a} fail with ENETUNREACH`;
  }

  /** NS5004 for listeners on 127/8, NS5005 listeners on absent addresses, NS5006 jailed UDP on any. */
  sockets(): void {
    for (const ns of this.state.topology.namespaces.values()) {
      if (ns.sockets.length === 0) continue;
      for (const s of ns.sockets) {
        if (isLoopbackNet(s.addr)) {
          if (this.loDown(ns)) this.data(this.report('loopbackDown', s.origin, ns.name, this.loEffect(ns, s.addr), `a socket listens on ${ipv4ToString(s.addr)}`), { netns: ns.name, device: 'lo' });
        } else if (s.addr !== 0 && s.addr >>> 28 !== 0xe && s.addr !== 0xffffffff && !hasAddress(ns, s.addr)) {
          this.report('listenerAddressAbsent', s.origin, ipv4ToString(s.addr), ns.name);
        }
        if (s.jail !== undefined && s.proto === 'udp' && (s.addr === 0 || s.addr === 0x7f000001)) {
          this.report('jailedUdpAny', s.origin, ipv4ToString(s.addr), ipv4ToString(s.jail));
        }
      }
    }
  }

  /**
   * NS5011: a `src` the sender cannot bind; NS5004/NS5010: probes to loopback or to the
   * namespace's own address with lo down; NS5007: no route.
   */
  probes(): void {
    for (const p of this.state.probes) {
      if (!p.from) continue;
      const ns = this.state.topology.namespaces.get(p.from.netns);
      if (!ns) continue;
      if (p.src !== undefined && !isLocalAddress(ns, p.src) && Number(ns.sysctl.get('net.ipv4.ip_nonlocal_bind') ?? '0') === 0) {
        this.report('probeSourceNotLocal', p.origin, ipv4ToString(p.src), ns.name);
      }
      if (isLoopbackNet(p.dst)) {
        if (this.loDown(ns)) this.data(this.report('loopbackDown', p.origin, ns.name, this.loEffect(ns, p.dst), `probe '${p.name}' connects to ${ipv4ToString(p.dst)}`), { netns: ns.name, device: 'lo' });
        continue;
      }
      const res = fibLookup(this.state, ns, p.dst, p.src ?? p.from.jail ?? 0, p.mark ?? 0);
      if (res.kind === 'local') {
        if (this.loDown(ns)) this.data(this.report('probeOwnAddressLoopbackDown', p.origin, ns.name, ipv4ToString(p.dst)), { netns: ns.name, device: 'lo' });
        continue;
      }
      if (res.kind === 'none' && p.expect?.kind !== 'unreachable') this.report('probeNoRoute', p.origin, ns.name, ipv4ToString(p.dst));
    }
  }

  /** NS5008: devices with addresses that stay down; NS5009: an up veth whose peer is down. */
  devices(): void {
    const firstAddr = new Map<number, Origin>();
    for (const ns of this.state.topology.namespaces.values()) {
      for (const a of ns.addresses) if (a.origin !== KERNEL_ORIGIN && !firstAddr.has(a.devId)) firstAddr.set(a.devId, a.origin);
    }
    for (const dev of this.state.topology.devices.values()) {
      if (!dev.up) {
        const o = firstAddr.get(dev.id);
        if (o !== undefined) {
          const d = this.data(this.report('deviceNeverUp', o, dev.name, dev.netns), { netns: dev.netns, device: dev.name });
          if (dev.origin !== o) this.relate(d, dev.origin, `${dev.name} is created here`);
        }
        continue;
      }
      if (dev.kind !== 'veth') continue;
      const peer = deviceById(this.state, dev.peer);
      if (!peer || peer.up) continue;
      this.data(this.report('vethPeerDown', dev.origin, dev.name, peer.name, peer.netns), { netns: peer.netns, device: peer.name });
    }
  }
}

// One linter per run, gone after it: one kept keeps their layout (util/keep-layout.ts).
keepLayout(new Linter(undefined as unknown as ModelState));

/** Exposed for tests and tools: is there any route for this probe? */
export function probeHasRoute(state: ModelState, p: ProbeSpec): boolean {
  if (!p.from) return true;
  const ns = state.topology.namespaces.get(p.from.netns);
  return !!ns && fibLookup(state, ns, p.dst, p.src ?? 0, p.mark ?? 0).kind !== 'none';
}

// IPv4 routing decisions: policy rules and table lookup (fib_lookup), output route and source
// address selection (ip_route_output_key_hash_rcu, inet_select_addr), input route with martian
// checks and reverse-path validation (ip_route_input_slow, fib_validate_source), address types
// (inet_addr_type for -m addrtype). Pure functions of the kernel and the run's sysctls; events are
// the caller's (ip.ts). Kernel references: kernel-path.md sections 1.4-1.6 and 4.2.

import type { Ipv4 } from '../kernel/config';
import { RT_TABLE_LOCAL } from '../kernel/config';
import { Addr, Dev, FibRule, Net, Route, RunState, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, addrInSubnet } from './net';
import type { DropReason, Errno } from './trace';

export interface FibFlow {
  daddr: Ipv4;
  saddr: Ipv4;
  mark: number;
  /** flowi4_iif as a device name: the ingress device, or "lo" for locally generated traffic. */
  iif: string;
  /** flowi4_oif: a bound output device name, or undefined. */
  oif?: string;
}

export type FibResult =
  | { ok: true; route: Route; rule: FibRule }
  | { ok: false; err: Errno; route?: Route; rule?: FibRule };

/** fib_rule_match for IPv4 (net/core/fib_rules.c, net/ipv4/fib_rules.c). */
function ruleMatches(r: FibRule, f: FibFlow): boolean {
  let m = true;
  if (r.iif !== undefined && r.iif !== f.iif) m = false;
  else if (r.oif !== undefined && r.oif !== f.oif) m = false;
  else if (r.fwmark && ((f.mark ^ r.fwmark.value) & r.fwmark.mask) !== 0) m = false;
  else if (r.hasFrom && ((f.saddr & r.fromMask) >>> 0) !== r.fromAddr) m = false;
  else if (r.hasTo && ((f.daddr & r.toMask) >>> 0) !== r.toAddr) m = false;
  return r.invert ? !m : m;
}

/**
 * fib_table_lookup: the first route (tables are pre-sorted longest prefix first, then lowest
 * metric) containing daddr; with an oif, only routes through that device. -EAGAIN = continue.
 */
export function fibTableLookup(net: Net, table: number, f: FibFlow): Route | undefined {
  const t = net.tables.get(table);
  if (!t) return undefined;
  for (let i = 0; i < t.length; i++) {
    const r = t[i];
    if (((f.daddr & r.mask) >>> 0) !== r.addr) continue;
    if (f.oif !== undefined && r.dev && r.dev.name !== f.oif && r.type === 'unicast') continue;
    return r;
  }
  return undefined;
}

/** Route types as lookup results (kernel-path.md 1.5.3). */
function typeErr(r: Route): Errno | 'EAGAIN' | undefined {
  switch (r.type) {
    case 'blackhole': return 'EINVAL';
    case 'unreachable': return 'EHOSTUNREACH';
    case 'prohibit': return 'EACCES';
    case 'throw': return 'EAGAIN';
    default: return undefined;
  }
}

/**
 * fib_lookup through the policy rules in pref order: actions lookup (a miss or a throw route
 * continues with the next rule), blackhole -EINVAL, unreachable -ENETUNREACH, prohibit -EACCES;
 * nothing matched -ENETUNREACH.
 */
export function fibLookup(net: Net, f: FibFlow): FibResult {
  const rules = net.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    if (!ruleMatches(rule, f)) continue;
    const a = rule.action;
    if (a.type === 'blackhole') return { ok: false, err: 'EINVAL', rule };
    if (a.type === 'unreachable') return { ok: false, err: 'ENETUNREACH', rule };
    if (a.type === 'prohibit') return { ok: false, err: 'EACCES', rule };
    if (a.type !== 'lookup') continue;
    const route = fibTableLookup(net, a.table, f);
    if (!route) continue;
    const e = typeErr(route);
    if (e === 'EAGAIN') continue;
    if (e) return { ok: false, err: e, route, rule };
    return { ok: true, route, rule };
  }
  return { ok: false, err: 'ENETUNREACH' };
}

/**
 * inet_select_addr(dev, dst, scope): the first primary address of dev whose scope fits,
 * preferring one in dst's subnet; else the first fitting non-link-scope address of any device
 * of the namespace (in ifindex order, lo first). route_localnet lets host-scope addresses count as link.
 */
export function inetSelectAddr(run: RunState, net: Net, dev: Dev | undefined, dst: Ipv4, scope: number): Ipv4 {
  let addr = 0;
  if (dev) {
    const localnet = run.devConfOr(net, dev, 'route_localnet') ? RT_SCOPE_LINK : RT_SCOPE_HOST;
    for (const a of dev.addrs) {
      if (a.secondary) continue;
      if (Math.min(a.scope, localnet) > scope) continue;
      if (!dst || addrInSubnet(a, dst)) return a.addr;
      if (!addr) addr = a.addr;
    }
    if (addr) return addr;
  }
  for (const d of net.devs) {
    for (const a of d.addrs) {
      if (a.secondary) continue;
      if (a.scope !== RT_SCOPE_LINK && a.scope <= scope) return a.addr;
    }
  }
  return 0;
}

/** Address of the namespace owning `a`, if any. */
export function findLocalAddr(net: Net, a: Ipv4): Addr | undefined {
  return net.addrs.find((x) => x.addr === a);
}

export interface OutputRoute {
  ok: true;
  route: Route;
  rule: FibRule;
  /** Device the packet leaves by: lo for a local destination. */
  dev: Dev;
  nexthop: Ipv4;
  saddr: Ipv4;
  local: boolean;
}

export type OutputResult = OutputRoute | { ok: false; err: Errno; route?: Route; rule?: FibRule; why: string };

/**
 * ip_route_output_key_hash_rcu: a given saddr must be local (else EINVAL, unless `anySrc`, the
 * FLOWI_FLAG_ANYSRC of netfilter-built replies); fib_lookup with iif = lo; RTN_LOCAL -> out via lo,
 * saddr = prefsrc or daddr; otherwise saddr = prefsrc or inet_select_addr(nh dev, gateway, scope).
 */
export function ipRouteOutput(run: RunState, net: Net, daddr: Ipv4, saddr: Ipv4, mark: number, anySrc = false): OutputResult {
  if (saddr && !anySrc && !net.localAddrs.has(saddr)) {
    return { ok: false, err: 'EINVAL', why: 'source address is not local' };
  }
  const res = fibLookup(net, { daddr, saddr, mark, iif: 'lo' });
  if (!res.ok) return { ok: false, err: res.err, route: res.route, rule: res.rule, why: res.route ? `route type ${res.route.type}` : res.rule && res.rule.action.type !== 'lookup' ? `rule ${res.rule.action.type}` : 'no route' };
  const r = res.route;
  if (r.type === 'local') {
    if (!net.lo) return { ok: false, err: 'ENETUNREACH', why: 'no loopback device' };
    return { ok: true, route: r, rule: res.rule, dev: net.lo, nexthop: daddr, saddr: saddr || r.prefsrc || daddr, local: true };
  }
  if (!r.dev) return { ok: false, err: 'ENETUNREACH', route: r, rule: res.rule, why: 'route has no device' };
  const src = saddr || r.prefsrc || inetSelectAddr(run, net, r.dev, r.gateway, r.scope);
  return { ok: true, route: r, rule: res.rule, dev: r.dev, nexthop: r.gateway || daddr, saddr: src, local: false };
}

export type InputResult =
  | { kind: 'local'; route: Route; rule: FibRule; broadcast: boolean }
  | { kind: 'forward'; route: Route; rule: FibRule; dev: Dev; nexthop: Ipv4 }
  /** dst.input = ip_error with this error (no_route). */
  | { kind: 'error'; err: Errno; route?: Route; rule?: FibRule; why: string }
  /** Dropped in ip_route_input itself: martians and source validation. */
  | { kind: 'drop'; reason: DropReason; route?: Route; rule?: FibRule; why: string };

function isMulticast(a: Ipv4): boolean {
  return (a >>> 28) === 0xe;
}
function isZeronet(a: Ipv4): boolean {
  return (a >>> 24) === 0;
}
function isLoopback(a: Ipv4): boolean {
  return (a >>> 24) === 127;
}

/**
 * ip_route_input_slow (kernel-path.md 1.4): martians, fib_lookup with iif = dev, forwarding
 * flag of the ingress device, route type, fib_validate_source.
 */
export function ipRouteInput(run: RunState, net: Net, dev: Dev, daddr: Ipv4, saddr: Ipv4, mark: number): InputResult {
  if (isMulticast(saddr) || saddr === 0xffffffff) return { kind: 'drop', reason: 'IP_INVALID_SOURCE', why: 'martian source (multicast/broadcast)' };
  if (daddr === 0xffffffff || (saddr === 0 && daddr === 0)) {
    const r = net.tables.get(RT_TABLE_LOCAL)?.[0];
    return r ? { kind: 'local', route: r, rule: net.rules[0], broadcast: true } : { kind: 'drop', reason: 'NOT_SPECIFIED', why: 'limited broadcast' };
  }
  if (isZeronet(saddr)) return { kind: 'drop', reason: 'IP_INVALID_SOURCE', why: 'martian source 0.0.0.0/8' };
  if (isZeronet(daddr)) return { kind: 'drop', reason: 'MARTIAN_DESTINATION', why: 'martian destination 0.0.0.0/8' };
  const localnet = run.devConfOr(net, dev, 'route_localnet');
  if (isLoopback(daddr)) {
    if (!localnet) return { kind: 'drop', reason: 'MARTIAN_DESTINATION', why: 'martian destination 127.0.0.0/8 (route_localnet=0)' };
  } else if (isLoopback(saddr)) {
    if (!localnet) return { kind: 'drop', reason: 'IP_INVALID_SOURCE', why: 'martian source 127.0.0.0/8 (route_localnet=0)' };
  }
  if (dev.addrs.length === 0 && dev.kind !== 'loopback') {
    // No in_device config at all would fail here; a device with no address still has an
    // in_device in practice, so continue (the lookup decides).
  }
  const fwd = run.devForwarding(net, dev);
  const res = fibLookup(net, { daddr, saddr, mark, iif: dev.name });
  if (!res.ok) {
    const err: Errno = fwd ? res.err : 'EHOSTUNREACH';
    return { kind: 'error', err, route: res.route, rule: res.rule, why: res.route ? `route type ${res.route.type}` : 'no route' };
  }
  const r = res.route;
  if (r.type === 'broadcast') {
    return { kind: 'local', route: r, rule: res.rule, broadcast: true };
  }
  if (r.type === 'local') {
    const v = fibValidateSource(run, net, dev, saddr, daddr, 0, mark);
    if (v) return { kind: 'drop', reason: v.reason, route: r, rule: res.rule, why: v.why };
    return { kind: 'local', route: r, rule: res.rule, broadcast: false };
  }
  if (!fwd) return { kind: 'error', err: 'EHOSTUNREACH', route: r, rule: res.rule, why: `forwarding is off on ${dev.name}` };
  if (r.type !== 'unicast' || !r.dev) return { kind: 'drop', reason: 'MARTIAN_DESTINATION', route: r, rule: res.rule, why: 'not a unicast route' };
  const v = fibValidateSource(run, net, dev, saddr, daddr, r.dev.ifindex, mark);
  if (v) return { kind: 'drop', reason: v.reason, route: r, rule: res.rule, why: v.why };
  return { kind: 'forward', route: r, rule: res.rule, dev: r.dev, nexthop: r.gateway || daddr };
}

/**
 * fib_validate_source (kernel-path.md 1.6): rp_filter = max(all, dev). With rp_filter 0 and no
 * custom rules/local routes: accept_local accepts; a source that is an address of this namespace
 * is IP_LOCAL_SOURCE; else accept. Otherwise the reverse lookup: no route -> IP_RPFILTER when rpf
 * is on; not unicast -> IP_INVALID_SOURCE (IP_LOCAL_SOURCE for local without accept_local);
 * strict and the reverse route uses another device -> IP_RPFILTER; loose accepts.
 */
export function fibValidateSource(run: RunState, net: Net, dev: Dev, saddr: Ipv4, daddr: Ipv4, oif: number, mark: number): { reason: DropReason; why: string } | undefined {
  const rpf = run.devConfMax(net, dev, 'rp_filter');
  const acceptLocal = run.devConfOr(net, dev, 'accept_local');
  if (!rpf && dev.ifindex !== oif) {
    if (acceptLocal) return undefined;
    if (!net.hasCustomLocalRoutes && !net.hasCustomRules) {
      if (net.localAddrs.has(saddr)) return { reason: 'IP_LOCAL_SOURCE', why: 'source is an address of this namespace' };
      return undefined;
    }
  }
  const srcValidMark = run.devConfOr(net, dev, 'src_valid_mark');
  const oifDev = oif ? net.devByIndex(oif) : undefined;
  const flow: FibFlow = { daddr: saddr, saddr: daddr, mark: srcValidMark ? mark : 0, iif: oifDev ? oifDev.name : 'lo' };
  const res = fibLookup(net, flow);
  const noAddr = dev.addrs.length === 0;
  if (!res.ok) {
    if (rpf) return { reason: 'IP_RPFILTER', why: `rp_filter=${rpf}: no route back to the source` };
    return undefined;
  }
  const t = res.route.type;
  if (t !== 'unicast' && (t !== 'local' || !acceptLocal)) {
    return t === 'local'
      ? { reason: 'IP_LOCAL_SOURCE', why: 'source is a local address' }
      : { reason: 'IP_INVALID_SOURCE', why: `route back to the source is ${t}` };
  }
  const devMatch = res.route.dev === dev || (t === 'local' && dev.kind === 'loopback');
  if (devMatch) return undefined;
  if (noAddr) {
    if (rpf) return { reason: 'IP_RPFILTER', why: `rp_filter=${rpf}: ${dev.name} has no address` };
    return undefined;
  }
  if (rpf === 1) return { reason: 'IP_RPFILTER', why: `rp_filter=1 (strict): the route back to the source leaves by ${res.route.dev?.name ?? '?'}, not ${dev.name}` };
  return undefined;
}

/** inet_addr_type / inet_dev_addr_type (for -m addrtype): the local table's answer, else by address class. */
export function inetAddrType(net: Net, a: Ipv4, dev?: Dev): string {
  if (a === 0) return 'UNSPEC';
  if (isMulticast(a)) return 'MULTICAST';
  if (a === 0xffffffff) return 'BROADCAST';
  const t = net.tables.get(RT_TABLE_LOCAL);
  if (t) {
    for (const r of t) {
      if (((a & r.mask) >>> 0) !== r.addr) continue;
      if (dev && r.dev && r.dev !== dev) continue;
      if (r.type === 'local') return 'LOCAL';
      if (r.type === 'broadcast') return 'BROADCAST';
      return r.type.toUpperCase();
    }
  }
  return 'UNICAST';
}

export { RT_SCOPE_UNIVERSE };

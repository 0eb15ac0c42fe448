// `ip route add|replace|append|change|del [TYPE] PREFIX|default [via GW] [dev DEV] [src ADDR]
// [metric N] [table T] [proto P] [scope S] [onlink]` (iproute2 ip/iproute.c + the kernel's
// fib_create_info/fib_table_insert/fib_table_delete). Types: unicast, local, blackhole,
// unreachable, prohibit, throw. Validates like the kernel, then changes ns.routes; each route keeps
// its origin (the statement) for lints and traces.
//
// Verified on this project's kernel:
//   duplicate (table, prefix, metric) on add, whatever the nexthop or type -> RTNETLINK answers: File exists
//   append of an identical route                                          -> RTNETLINK answers: File exists
//   change of a missing route                                             -> RTNETLINK answers: No such file or directory
//   del of a missing route                                                -> RTNETLINK answers: No such process
//   10.9.0.1/16                                                           -> Error: Invalid prefix for given prefix length.
//   via a gateway no link/host-scope route covers (or a broadcast)        -> Error: Nexthop has invalid gateway.
//   dev DOWN without gateway                                              -> Error: Device for nexthop is not up.
//   via GW dev DOWN onlink                                                -> Error: Nexthop device is not up.
//   onlink without dev                                                    -> Error: Nexthop device required for onlink.
//   no dev and no gateway                                                 -> RTNETLINK answers: No such device
//   src that is not a local address                                       -> Error: Invalid prefsrc address.
//   blackhole ... dev D                                                   -> Error: Gateway, device and multipath can not be specified for this route type.
//   table foo                                                             -> Error: argument "foo" is wrong: "table" value is invalid
//   table 0 is main; `local` routes default to table local; a device going down removes its routes.

import {
  Ipv4, ipv4ToString, NetnsConfig, prefixContains, prefixMask, prefixToString, RouteConfig, RouteScope, RouteType,
  RT_TABLE_LOCAL, RT_TABLE_MAIN,
} from '../kernel/config';
import type { Token } from '../syntax/lexer';
import type { DeviceConfig } from '../kernel/config';
import type { ExecContext } from './context';
import {
  Args, lookupDevice, matches, parseAddress, parseTable, parseU32, PREFIX, readOnlyVerb, readPrefix, tableName,
  unknownVerb, whatOf,
} from './ip-args';
import { dropRouteIndex, mayHaveDst, pushRoute, scopedRoutes } from './ip-route-index';
import { addressType, noteTable, tableExists } from './state';

type RouteOp = 'add' | 'replace' | 'append' | 'change' | 'prepend' | 'del';

const ROUTE_TYPES: ReadonlySet<string> = new Set(['unicast', 'local', 'broadcast', 'multicast', 'anycast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat']);
const SIMULATED_TYPES: ReadonlySet<string> = new Set(['unicast', 'local', 'blackhole', 'unreachable', 'prohibit', 'throw']);
const SCOPES: Record<string, RouteScope> = { global: 'universe', universe: 'universe', link: 'link', host: 'host' };
const SCOPE_RANK: Record<RouteScope, number> = { universe: 0, link: 253, host: 254 };
const UNSIMULATED_ROUTE_KEYWORDS: ReadonlySet<string> = new Set([
  'as', 'from', 'tos', 'dsfield', 'expires', 'mtu', 'hoplimit', 'advmss', 'rtt', 'rttvar', 'reordering', 'window',
  'cwnd', 'ssthresh', 'realms', 'initcwnd', 'initrwnd', 'features', 'quickack', 'congctl', 'pref', 'nexthop', 'nhid',
  'encap', 'vrf', 'fastopen_no_cookie', 'ttl-propagate', 'rto_min',
]);

export function execRoute(ctx: ExecContext, i: number): void {
  const verb = ctx.argv[i];
  if (!verb) return readOnlyVerb(ctx, i);
  const v = verb.value;
  ctx.role(i, 'subcommand');
  let op: RouteOp | undefined;
  if (matches(v, 'add')) op = 'add';
  else if (matches(v, 'change') || v === 'chg') op = 'change';
  else if (matches(v, 'replace')) op = 'replace';
  else if (matches(v, 'prepend')) op = 'prepend';
  else if (matches(v, 'append')) op = 'append';
  else if (matches(v, 'test')) return void ctx.report('notSimulated', verb, "'ip route test'");
  else if (matches(v, 'delete')) op = 'del';
  else if (matches(v, 'list') || matches(v, 'show') || matches(v, 'lst') || matches(v, 'get')) return readOnlyVerb(ctx, i);
  else if (matches(v, 'flush') || matches(v, 'save') || matches(v, 'restore') || matches(v, 'showdump') || matches(v, 'help')) {
    return void ctx.report('notSimulated', verb, `'ip route ${v}'`);
  }
  if (!op) return unknownVerb(ctx, i, 'route');
  ctx.info.what = whatOf('ip route', op);
  if (i + 1 >= ctx.argv.length) {
    ctx.report('ipBadArgument', verb, 'Usage: ip route { list | flush } SELECTOR', `say which route: 'ip route ${op} PREFIX via GATEWAY' or 'dev DEV'`);
    return;
  }
  routeModify(ctx, i + 1, op);
  // Keep no command's words between commands.
  ROUTE_ARGS.clear();
  READER.reset(undefined as unknown as ExecContext, 0);
}

/** What parseRouteArgs collected; every field up front (one object shape, nothing nested). One
 *  instance is reused for every command (they run one at a time) and cleared after each. */
class RouteArgs {
  typeTok: Token | undefined = undefined;
  type: RouteType | undefined = undefined;
  dstTok: Token | undefined = undefined;
  dstAddr = 0;
  dstLen = 0;
  viaTok: Token | undefined = undefined;
  via: Ipv4 | undefined = undefined;
  devTok: Token | undefined = undefined;
  srcTok: Token | undefined = undefined;
  src: Ipv4 | undefined = undefined;
  metric: number | undefined = undefined;
  table: number | undefined = undefined;
  protoTok: Token | undefined = undefined;
  proto: RouteConfig['proto'] | undefined = undefined;
  scopeTok: Token | undefined = undefined;
  scope: RouteScope | undefined = undefined;
  onlink: Token | undefined = undefined;

  clear(): void {
    this.typeTok = undefined;
    this.type = undefined;
    this.dstTok = undefined;
    this.dstAddr = 0;
    this.dstLen = 0;
    this.viaTok = undefined;
    this.via = undefined;
    this.devTok = undefined;
    this.srcTok = undefined;
    this.src = undefined;
    this.metric = undefined;
    this.table = undefined;
    this.protoTok = undefined;
    this.proto = undefined;
    this.scopeTok = undefined;
    this.scope = undefined;
    this.onlink = undefined;
  }
}

const ROUTE_ARGS = new RouteArgs();
/** The word reader routeModify reuses (cleared with ROUTE_ARGS). */
const READER = new Args(undefined as unknown as ExecContext, 0);

function parseRouteArgs(ctx: ExecContext, a: Args, del: boolean): RouteArgs | undefined {
  const r = ROUTE_ARGS;
  r.clear();
  while (!a.done) {
    const t = a.peek()!;
    const w = t.value;
    if (w === 'src') {
      a.take('keyword');
      const s = a.value('address', t);
      if (!s) return undefined;
      const addr = parseAddress(s.value);
      if (addr === undefined) return inetExpected(ctx, s);
      r.srcTok = s;
      r.src = addr;
    } else if (w === 'via') {
      a.take('keyword');
      let g = a.value('address', t);
      if (!g) return undefined;
      if (g.value === 'inet') {
        g = a.value('address', g);
        if (!g) return undefined;
      } else if (g.value === 'inet6') {
        ctx.report('notSimulated', g, "IPv6 gateways ('via inet6')");
        return undefined;
      }
      const addr = parseAddress(g.value);
      if (addr === undefined) return inetExpected(ctx, g);
      r.viaTok = g;
      r.via = addr;
    } else if (matches(w, 'metric') || matches(w, 'priority') || w === 'preference') {
      a.take('keyword');
      const m = a.value('number', t);
      if (!m) return undefined;
      const n = parseU32(m.value);
      if (n === undefined) return invalidValue(ctx, m, 'metric');
      r.metric = n;
    } else if (w === 'scope') {
      a.take('keyword');
      const s = a.value('keyword', t);
      if (!s) return undefined;
      const scope = SCOPES[s.value];
      if (!scope) {
        if (s.value === 'site' || /^\d+$/.test(s.value)) return void ctx.report('notSimulated', s, `'scope ${s.value}'`);
        return invalidValue(ctx, s, 'scope');
      }
      r.scopeTok = s;
      r.scope = scope;
    } else if (matches(w, 'protocol') && w.length >= 2) {
      a.take('keyword');
      const p = a.value('proto', t);
      if (!p) return undefined;
      r.protoTok = p;
      if (p.value === 'kernel' || p.value === 'boot' || p.value === 'static') r.proto = p.value;
      else if (p.value === '2') r.proto = 'kernel';
      else if (p.value === '3') r.proto = 'boot';
      else if (p.value === '4') r.proto = 'static';
      else if (/^[A-Za-z0-9_.-]+$/.test(p.value)) {
        // ip accepts any rt_protos name or number; the simulator keeps only kernel/boot/static.
        ctx.report('notSimulated', p, `'proto ${p.value}' (kept as static; the proto does not change forwarding)`);
        r.proto = 'static';
      } else return invalidValue(ctx, p, 'protocol');
    } else if (matches(w, 'table') && w.length >= 2) {
      a.take('keyword');
      const tt = a.value('table', t);
      if (!tt) return undefined;
      const id = parseTable(tt.value);
      if (id === undefined) {
        const d = ctx.report('ipInvalidTable', tt, `Error: argument "${tt.value}" is wrong: "table" value is invalid`);
        d.data = { name: tt.value };
        return undefined;
      }
      r.table = id === 0 ? RT_TABLE_MAIN : id;
    } else if (w === 'dev' || w === 'oif') {
      a.take('keyword');
      const d = a.value('device', t);
      if (!d) return undefined;
      r.devTok = d;
    } else if (w === 'onlink') {
      a.take('keyword');
      r.onlink = t;
    } else if (UNSIMULATED_ROUTE_KEYWORDS.has(w)) {
      ctx.report('notSimulated', t, `'ip route ... ${w}'`);
      return undefined;
    } else {
      if (w === 'to') {
        a.take('keyword');
        if (a.done) return void a.value('prefix', t);
      }
      let tok = a.peek()!;
      const c0 = tok.value.charCodeAt(0);
      if (!(c0 >= 0x30 && c0 <= 0x39) && ROUTE_TYPES.has(tok.value)) {
        a.take('keyword');
        const typeTok = tok;
        if (!SIMULATED_TYPES.has(typeTok.value) && !(del && typeTok.value === 'broadcast')) {
          ctx.report('notSimulated', typeTok, `'ip route ... ${typeTok.value}' routes`);
          return undefined;
        }
        r.typeTok = typeTok;
        r.type = typeTok.value as RouteType;
        const next = a.value('prefix', typeTok);
        if (!next) return undefined;
        a.i--;
        tok = next;
      }
      a.take('prefix');
      if (r.dstTok) {
        ctx.report('ipBadArgument', tok, `Error: either "to" is duplicate, or "${tok.value}" is a garbage.`, 'remove the extra word');
        return undefined;
      }
      if (tok.value.includes(':')) return void ctx.report('notSimulated', tok, "IPv6 routes ('ip -6 route')");
      if (!readPrefix(tok.value, true, PREFIX)) {
        ctx.report('ipBadArgument', tok, `Error: any valid prefix is expected rather than "${tok.value}".`, 'write PREFIX/LEN like 10.0.0.0/24, or default');
        return undefined;
      }
      r.dstTok = tok;
      r.dstAddr = PREFIX.addr;
      r.dstLen = PREFIX.len;
    }
  }
  return r;
}

function inetExpected(ctx: ExecContext, t: Token): undefined {
  ctx.report('ipBadArgument', t, `Error: inet address is expected rather than "${t.value}".`, 'write a dotted IPv4 address');
  return undefined;
}

function invalidValue(ctx: ExecContext, t: Token, what: string): undefined {
  ctx.report('ipBadArgument', t, `Error: argument "${t.value}" is wrong: "${what}" value is invalid`, '');
  return undefined;
}

/** What `ip route show` would call the route, for messages. */
function describe(r: { dst: { addr: number; len: number }; table: number; metric: number; type: RouteType }): string {
  const dst = r.dst.len === 0 ? 'default' : r.dst.len === 32 ? ipv4ToString(r.dst.addr) : prefixToString(r.dst);
  return `route ${r.type === 'unicast' ? '' : r.type + ' '}${dst}${r.table === RT_TABLE_MAIN ? '' : ` table ${tableName(r.table)}`}${r.metric ? ` metric ${r.metric}` : ''}`;
}

/** fib_check_nh_v4_gw: the gateway must be covered by a link- or host-scope unicast/local route
 *  (through `dev` when given). Looks in `table` first, then local/main/default as fib_lookup does. */
function gatewayRoute(ns: NetnsConfig, gw: Ipv4, table: number, routeScope: RouteScope, dev: DeviceConfig | undefined): RouteConfig | undefined {
  const minScope = SCOPE_RANK[routeScope] + 1;
  // One pass over the routes keeps the best candidate of each table looked in (as four passes would).
  // minScope is at least 1, so universe routes never qualify: only the others are walked.
  let inTable: RouteConfig | undefined;
  let inLocal: RouteConfig | undefined;
  let inMain: RouteConfig | undefined;
  let inDefault: RouteConfig | undefined;
  const routes = scopedRoutes(ns);
  for (let k = 0; k < routes.length; k++) {
    const r = routes[k];
    const t = r.table;
    if (t !== table && t !== RT_TABLE_LOCAL && t !== RT_TABLE_MAIN && t !== 253) continue;
    if (SCOPE_RANK[r.scope] < minScope || !prefixContains(r.dst, gw)) continue;
    if (dev && r.devId !== undefined && r.devId !== dev.id) continue;
    if (t === table && table !== RT_TABLE_MAIN) inTable = better(inTable, r);
    if (t === RT_TABLE_LOCAL) inLocal = better(inLocal, r);
    else if (t === RT_TABLE_MAIN) inMain = better(inMain, r);
    else if (t === 253) inDefault = better(inDefault, r);
  }
  const res = inTable ?? inLocal ?? inMain ?? inDefault;
  return res && (res.type === 'unicast' || res.type === 'local') ? res : undefined;
}

/** The longer prefix, then the lower metric; the earlier route on a tie. */
function better(best: RouteConfig | undefined, r: RouteConfig): RouteConfig {
  return !best || r.dst.len > best.dst.len || (r.dst.len === best.dst.len && r.metric < best.metric) ? r : best;
}

function routeModify(ctx: ExecContext, i: number, op: RouteOp): void {
  const a = READER.reset(ctx, i);
  const r = parseRouteArgs(ctx, a, op === 'del');
  if (!r) return;
  const ns = ctx.netns;
  // No destination word: default (0.0.0.0/0).
  const dstAddr = r.dstAddr;
  const dstLen = r.dstLen;
  const dstTok = r.dstTok ?? ctx.argv[i - 1];
  let dev: DeviceConfig | undefined;
  if (r.devTok) {
    dev = lookupDevice(ctx, r.devTok, ns);
    if (!dev) return;
  }
  const type: RouteType = r.type ?? 'unicast';
  const table = r.table ?? (type === 'local' ? RT_TABLE_LOCAL : RT_TABLE_MAIN);
  if (((dstAddr & prefixMask(dstLen)) >>> 0) !== dstAddr) {
    const fixed = prefixToString({ addr: (dstAddr & (dstLen === 0 ? 0 : (0xffffffff << (32 - dstLen)) >>> 0)) >>> 0, len: dstLen });
    const d = ctx.report('ipInvalidPrefix', dstTok, `${ipv4ToString(dstAddr)}/${dstLen}`, fixed);
    d.data = { fixed };
    return;
  }

  if (op === 'del') return routeDelete(ctx, ns, r, table, dev, dstTok);

  const via = r.via;
  const viaTok = r.viaTok;
  // iproute2's default scope: host for local, link for a unicast route without gateway, else universe.
  const scope: RouteScope = r.scope ?? (type === 'local' ? 'host' : type === 'unicast' && !viaTok ? 'link' : 'universe');
  const errorType = type === 'blackhole' || type === 'unreachable' || type === 'prohibit' || type === 'throw';
  if (errorType && (viaTok || dev)) {
    ctx.report('ipBadArgument', (viaTok ?? r.devTok)!, 'Error: Gateway, device and multipath can not be specified for this route type.', `a ${type} route has no nexthop: remove 'via' and 'dev'`);
    return;
  }
  let devOut = dev;
  if (!errorType) {
    if (scope === 'host') {
      if (viaTok) return void ctx.report('ipBadArgument', viaTok, 'Error: Route with host scope can not have a gateway.', "remove 'via' or the host scope");
      if (!dev) return void ctx.report('ipNoSuchDevice', dstTok, `a ${type === 'local' ? 'local' : 'host-scope'} route needs its device`);
    } else if (viaTok && via !== undefined) {
      if (r.onlink) {
        if (!dev) return void ctx.report('ipBadArgument', r.onlink, 'Error: Nexthop device required for onlink.', "add 'dev DEV'");
        if (!dev.up) return void notUp(ctx, r.devTok!, 'Nexthop device is not up', dev);
        // inet_addr_type_dev_table: an onlink gateway must be a unicast address, not one of ours.
        const kind = addressType(ns, via);
        if (kind !== 'unicast') {
          const d = ctx.report('ipInvalidGateway', viaTok, ipv4ToString(via), `is a ${kind} address, not a neighbour`);
          d.data = { gateway: ipv4ToString(via), device: dev.name };
          return;
        }
      } else {
        const gw = gatewayRoute(ns, via, table, scope, dev);
        if (!gw) {
          const why = dev ? `is not in a subnet of ${dev.name} (no connected route to it${dev.up ? '' : `; ${dev.name} is down`})` : 'is not in any connected subnet of this namespace';
          const d = ctx.report('ipInvalidGateway', viaTok, ipv4ToString(via), why);
          d.data = { gateway: ipv4ToString(via), device: dev?.name };
          return;
        }
        devOut = dev ?? (gw.devId !== undefined ? ctx.topology.devices.get(gw.devId) : undefined);
        if (devOut && !devOut.up) return void notUp(ctx, r.devTok ?? viaTok, 'Nexthop device is not up', devOut);
      }
    } else {
      if (!dev) return void ctx.report('ipNoSuchDevice', dstTok, `${describe({ dst: { addr: dstAddr, len: dstLen }, table, metric: r.metric ?? 0, type })} has no nexthop`);
      if (r.onlink) return void ctx.report('ipBadArgument', r.onlink, 'Error: Invalid flags for nexthop - PERVASIVE and ONLINK can not be set.', "'onlink' needs 'via GATEWAY'");
      if (!dev.up) return void notUp(ctx, r.devTok!, 'Device for nexthop is not up', dev);
    }
  }
  const src = r.src;
  if (r.srcTok && src !== undefined && table !== RT_TABLE_LOCAL && type !== 'local' && !hasAddress(ns, src)) {
    const d = ctx.report('ipInvalidPrefsrc', r.srcTok, ipv4ToString(src), ns.name);
    d.data = { address: ipv4ToString(src) };
    return;
  }
  const metric = r.metric ?? 0;
  const proto = r.proto ?? 'boot';
  const gateway = via;
  const devId = devOut && !errorType ? devOut.id : undefined;
  // The usual fields in one literal (same key order as adding them one by one: the object is kept).
  let route: RouteConfig;
  if (gateway !== undefined && devId !== undefined) {
    route = { table, type, dst: { addr: dstAddr, len: dstLen }, metric, scope, proto, origin: ctx.origin, gateway, devId };
  } else if (gateway === undefined && devId !== undefined) {
    route = { table, type, dst: { addr: dstAddr, len: dstLen }, metric, scope, proto, origin: ctx.origin, devId };
  } else {
    route = { table, type, dst: { addr: dstAddr, len: dstLen }, metric, scope, proto, origin: ctx.origin };
    if (gateway !== undefined) route.gateway = gateway;
  }
  if (src !== undefined) route.prefsrc = src;
  if (r.onlink) route.onlink = true;

  // The kernel's identity of a route: (table, prefix, metric). The index says when no route has
  // that prefix at all (the usual case), which spares the scan.
  const routes = ns.routes;
  let idx = -1;
  if (mayHaveDst(ns, dstAddr, dstLen)) {
    for (let k = 0; k < routes.length; k++) {
      const x = routes[k];
      if (x.table === table && x.dst.addr === dstAddr && x.dst.len === dstLen && x.metric === metric) {
        idx = k;
        break;
      }
    }
  }
  if (op === 'add' && idx >= 0) return void exists(ctx, dstTok, routes[idx], 'use \'ip route replace\' to change it, or another metric to add a second one');
  if (op === 'change' && idx < 0) {
    ctx.report('ipNoSuchObject', dstTok, 'RTNETLINK answers: No such file or directory', describe(route));
    return;
  }
  if (op === 'append' || op === 'prepend') {
    const same = idx < 0 ? undefined : routes.find((x) => x.table === table && x.dst.addr === dstAddr && x.dst.len === dstLen && x.metric === metric &&
      x.type === type && x.gateway === route.gateway && x.devId === route.devId && x.scope === scope);
    if (same) return void exists(ctx, dstTok, same, 'remove the duplicate line');
    noteTable(ns, table);
    if (op === 'prepend' && idx >= 0) {
      routes.splice(idx, 0, route);
      dropRouteIndex(ns);
    } else pushRoute(ns, route);
    return;
  }
  noteTable(ns, table);
  if ((op === 'replace' || op === 'change') && idx >= 0) {
    routes[idx] = route;
    dropRouteIndex(ns);
  } else pushRoute(ns, route);
}

function hasAddress(ns: NetnsConfig, addr: Ipv4): boolean {
  for (const x of ns.addresses) if (x.addr === addr) return true;
  return false;
}

function notUp(ctx: ExecContext, at: Token, words: string, dev: DeviceConfig): void {
  const d = ctx.report('ipDeviceNotUp', at, words, dev.name);
  d.data = { device: dev.name };
}

function exists(ctx: ExecContext, at: Token, old: RouteConfig, hint: string): void {
  const d = ctx.report('ipObjectExists', at, describe(old), hint);
  d.data = { table: old.table, metric: old.metric };
  const first = ctx.state.statements[old.origin];
  if (first) ctx.relate(d, first.cmd, 'the existing route');
  else if (old.proto === 'kernel') d.message += ' (the kernel installed it for an address)';
}

function routeDelete(ctx: ExecContext, ns: NetnsConfig, r: RouteArgs, table: number, dev: DeviceConfig | undefined, dstTok: Token): void {
  if (!tableExists(ns, table)) {
    const d = ctx.report('ipNoSuchObject', dstTok, 'Error: FIB table does not exist.', `route in table ${tableName(table)}, which has never had a route`);
    d.data = { table };
    return;
  }
  const dstAddr = r.dstAddr;
  const dstLen = r.dstLen;
  const idx = ns.routes.findIndex((x) =>
    x.table === table && x.dst.addr === dstAddr && x.dst.len === dstLen &&
    (!r.typeTok || x.type === r.type) &&
    (r.metric === undefined || x.metric === r.metric) &&
    (!r.viaTok || x.gateway === r.via) &&
    (!dev || x.devId === dev.id) &&
    (!r.scopeTok || x.scope === r.scope) &&
    (!r.srcTok || x.prefsrc === r.src) &&
    (!r.protoTok || x.proto === r.proto));
  if (idx < 0) {
    const d = ctx.report('ipNoSuchObject', dstTok, 'RTNETLINK answers: No such process', describe({ dst: { addr: dstAddr, len: dstLen }, table, metric: r.metric ?? 0, type: r.type ?? 'unicast' }));
    d.data = { table };
    return;
  }
  ns.routes.splice(idx, 1);
  dropRouteIndex(ns);
}

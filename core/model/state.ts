// Creating the objects a fresh namespace has: lo (down, no address), the three default policy
// rules, the sysctl defaults, no iptables tables. Also device-id allocation over the topology, and
// what the kernel does by itself when devices and addresses change (its own routes, flushes).
// Executors build on these; they hold no command-line parsing or diagnostics.

import {
  AddrConfig, DeviceConfig, DeviceKind, Ipv4, KERNEL_ORIGIN, NetnsConfig, Origin, prefixMask, RouteConfig,
  RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN,
} from '../kernel/config';
import type { ModelState } from './context';
import { mayHaveDst, pushRoute } from './ip-route-index';
import { keepLayout } from '../util/keep-layout';
import { dropDeviceSysctl, initDeviceSysctl, netnsSysctl } from './sysctl-defaults';

export const ROOT_NETNS = 'root';

export function newModelState(): ModelState {
  return {
    topology: { namespaces: new Map(), devices: new Map() },
    probes: [],
    diagnostics: [],
    symbols: [],
    statements: [],
    facts: new Map(),
    now: KERNEL_ORIGIN,
    devSeq: 0,
    nsOrder: [],
    names: new Map(),
    // Every field up front: one object layout from the start (util/keep-layout.ts tells why that matters).
    devSeqOrigin: undefined,
    tracker: undefined,
  };
}

// One state per build, gone after it (the model keeps what it needs): one kept keeps their layout.
keepLayout(newModelState());

/** Creates namespace `name` as the kernel does (idempotent). */
export function ensureNetns(state: ModelState, name: string): NetnsConfig {
  let ns = state.topology.namespaces.get(name);
  if (ns) return ns;
  ns = {
    name,
    devices: new Map(),
    addresses: [],
    routes: [],
    rules: [
      { pref: 0, action: { type: 'lookup', table: RT_TABLE_LOCAL }, origin: KERNEL_ORIGIN },
      { pref: 32766, action: { type: 'lookup', table: RT_TABLE_MAIN }, origin: KERNEL_ORIGIN },
      { pref: 32767, action: { type: 'lookup', table: RT_TABLE_DEFAULT }, origin: KERNEL_ORIGIN },
    ],
    neighbours: [],
    sysctl: netnsSysctl(),
    xtables: new Map(),
    sockets: [],
    nextIfindex: 1,
  };
  state.topology.namespaces.set(name, ns);
  state.nsOrder.push(name);
  addDevice(state, ns, 'lo', 'loopback', KERNEL_ORIGIN, { mtu: 65536, mac: '00:00:00:00:00:00' });
  return ns;
}

/** Adds a device to `ns` (down, conf copied from default), returning it. */
export function addDevice(
  state: ModelState, ns: NetnsConfig, name: string, kind: DeviceKind, origin: Origin,
  opts: { mtu?: number; mac?: string } = {},
): DeviceConfig {
  const id = deviceId(state, origin);
  const dev: DeviceConfig = {
    id, name, netns: ns.name, ifindex: ns.nextIfindex++, kind, up: false,
    mtu: opts.mtu ?? 1500, mac: opts.mac ?? macForDevice(id), origin,
  };
  ns.devices.set(name, dev);
  state.topology.devices.set(id, dev);
  noteName(state, ns.name, name, 1);
  initDeviceSysctl(ns, name);
  return dev;
}

/** Statement-made device ids start here; below are the lo devices, one per namespace. */
export const STATEMENT_DEVICE_ID_BASE = 1 << 16;

/**
 * Device ids (and so the MACs derived from them) depend only on who made the device: lo gets the
 * namespace's creation number, a statement's k-th device `BASE + 2 * statement + k`. So a statement
 * run again on its own (the incremental model) makes the very devices a whole-file run makes.
 */
function deviceId(state: ModelState, origin: Origin): number {
  if (origin === KERNEL_ORIGIN) return state.nsOrder.length;
  if (state.devSeqOrigin !== origin) {
    state.devSeqOrigin = origin;
    state.devSeq = 0;
  }
  return STATEMENT_DEVICE_ID_BASE + 2 * origin + state.devSeq++;
}

// ---------------------------------------------------------------- device names over time
// Each namespace's history of device names (a name appears: +1, goes: -1), stamped with the item
// that did it (ModelState.now). It answers "which other namespace has a device of this name right
// now" without looking into the other namespaces, so a statement's result depends only on its own
// namespace plus that name: the incremental model tracks the name as a dependency.

/** Per namespace: events in time order, and the same events per name. */
export interface NameHistory {
  events: Array<{ t: number; name: string; d: 1 | -1 }>;
  byName: Map<string, Array<{ t: number; d: 1 | -1 }>>;
}

function historyOf(state: ModelState, netns: string): NameHistory {
  let h = state.names.get(netns);
  if (!h) state.names.set(netns, (h = { events: [], byName: new Map() }));
  return h;
}

function noteName(state: ModelState, netns: string, name: string, d: 1 | -1): void {
  const h = historyOf(state, netns);
  const t = state.now;
  h.events.push({ t, name, d });
  let list = h.byName.get(name);
  if (!list) h.byName.set(name, (list = []));
  list.push({ t, d });
  state.tracker?.wroteName(name);
}

/** Drops the events of `netns` stamped at or after `t` (the incremental model replays them). */
export function truncateNames(state: ModelState, netns: string, t: number): void {
  const h = state.names.get(netns);
  if (!h) return;
  while (h.events.length && h.events[h.events.length - 1].t >= t) {
    const e = h.events.pop()!;
    h.byName.get(e.name)?.pop();
  }
}

/** True when `netns` has a device called `name` at the current time (events up to `state.now`). */
function hasNameNow(state: ModelState, netns: string, name: string): boolean {
  const list = state.names.get(netns)?.byName.get(name);
  if (!list) return false;
  let n = 0;
  for (const e of list) {
    if (e.t > state.now) break;
    n += e.d;
  }
  return n > 0;
}

/** The first namespace (in creation order) other than `netns` that has a device `name` now, or ''. */
export function deviceElsewhere(state: ModelState, name: string, netns: string): string {
  state.tracker?.readName(name);
  for (const other of state.nsOrder) if (other !== netns && hasNameNow(state, other, name)) return other;
  return '';
}

/** Two hex digits per byte value. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, n) => n.toString(16).padStart(2, '0'));

/** Locally administered, deterministic MAC per device id (02:00:00:xx:xx:xx). */
export function macForDevice(id: number): string {
  const h = (n: number): string => HEX2[n];
  // Statement-made devices count from 1 above the base, so the first ones read 02:00:00:00:00:0N.
  const n = id >= STATEMENT_DEVICE_ID_BASE ? id - STATEMENT_DEVICE_ID_BASE + 1 : id;
  return `02:00:00:${h((n >> 16) & 255)}:${h((n >> 8) & 255)}:${h(n & 255)}`;
}

// ---------------------------------------------------------------- kernel-owned routes and device life cycle
// What the kernel does by itself when addresses and devices change (net/ipv4/fib_frontend.c,
// devinet.c), verified with `ip route show table all` on this project's kernel (6.x):
// - an address always has its `local ADDR` route (table local, scope host, src = the primary
//   address of its subnet), even while the device is down;
// - only while the device is up: the connected route `PREFIX dev D proto kernel scope link src
//   ADDR` in main (for lo: `local PREFIX` in table local, scope host; none for a /32 or a
//   secondary address) and `broadcast PREFIX|~MASK` in table local (plen < 31);
// - admin down removes every route through the device whose scope is not host (the connected
//   and broadcast routes and the user's routes, which do not come back on up); host-scope routes
//   (the local ones) stay;
// - `ip link set lo up` adds 127.0.0.1/8 (unless present), hence `local 127.0.0.0/8` and
//   `local 127.0.0.1` and `broadcast 127.255.255.255`;
// - deleting a device or moving it to another namespace drops its addresses, routes and
//   neighbours and releases it from its bridge.

/** One route the kernel removed because its device went down or away (for lints). */
export interface FlushedRoute {
  route: RouteConfig;
  netns: string;
  /** Statement that caused it (`ip link set DEV down`, `ip link del`, `... netns NS`). */
  by: Origin;
  reason: 'down' | 'deleted' | 'moved';
}

/** state.facts key: per namespace, FlushedRoute[] of every route the kernel removed as a side effect. */
export const FACT_FLUSHED_ROUTES = 'ip.flushedRoutes';

export const LOOPBACK_ADDR = 0x7f000001;

function kernelRoute(table: number, type: RouteConfig['type'], addr: Ipv4, len: number, devId: number, scope: RouteConfig['scope'], prefsrc: Ipv4): RouteConfig {
  return { table, type, dst: { addr, len }, devId, prefsrc, metric: 0, scope, proto: 'kernel', origin: KERNEL_ORIGIN };
}

/** Routing tables that exist in each namespace: the kernel creates a table at its first route
 *  (including its own) and keeps it, even empty, until the namespace goes; `ip route del` in a
 *  table that never had a route answers "Error: FIB table does not exist." (verified). Kept beside
 *  the config because the kernel configuration has no notion of an empty table. */
const tablesCreated = new WeakMap<NetnsConfig, Set<number>>();
/** The last namespace noteTable saw and its set (a file's commands come in runs per namespace). */
let lastTablesNs: NetnsConfig | undefined;
let lastTables: Set<number> | undefined;

export function noteTable(ns: NetnsConfig, table: number): void {
  let set = lastTablesNs === ns ? lastTables : tablesCreated.get(ns);
  if (!set) tablesCreated.set(ns, (set = new Set()));
  set.add(table);
  lastTablesNs = ns;
  lastTables = set;
}

/** The routing tables created in `ns` so far (for snapshots of a namespace). */
export function tablesCreatedIn(ns: NetnsConfig): Set<number> | undefined {
  return tablesCreated.get(ns);
}

export function setTablesCreated(ns: NetnsConfig, tables: Set<number> | undefined): void {
  if (tables) tablesCreated.set(ns, tables);
  else tablesCreated.delete(ns);
  if (lastTablesNs === ns) {
    lastTablesNs = undefined;
    lastTables = undefined;
  }
}

export function tableExists(ns: NetnsConfig, table: number): boolean {
  return tablesCreated.get(ns)?.has(table) === true || ns.routes.some((r) => r.table === table);
}

/** The primary address a (possibly secondary) address hangs off. */
export function primaryOf(ns: NetnsConfig, a: AddrConfig): Ipv4 {
  if (!a.secondary) return a.addr;
  const mask = prefixMask(a.plen);
  for (const p of ns.addresses) {
    if (p.devId === a.devId && !p.secondary && p.plen === a.plen && ((p.addr & mask) >>> 0) === ((a.addr & mask) >>> 0)) return p.addr;
  }
  return a.addr;
}

/** The routes the kernel installs for address `a` of `dev` (fib_add_ifaddr), as if `up`. */
function routesForAddress(ns: NetnsConfig, dev: DeviceConfig, a: AddrConfig, up: boolean): RouteConfig[] {
  const out: RouteConfig[] = [];
  const prim = primaryOf(ns, a);
  out.push(kernelRoute(RT_TABLE_LOCAL, 'local', a.addr, 32, dev.id, 'host', prim));
  if (!up) return out;
  const mask = prefixMask(a.plen);
  const net = (a.addr & mask) >>> 0;
  if (!a.secondary && a.plen < 32 && net !== 0) {
    if (dev.kind === 'loopback') out.push(kernelRoute(RT_TABLE_LOCAL, 'local', net, a.plen, dev.id, 'host', a.addr));
    else out.push(kernelRoute(RT_TABLE_MAIN, 'unicast', net, a.plen, dev.id, 'link', a.addr));
  }
  if (a.plen < 31) out.push(kernelRoute(RT_TABLE_LOCAL, 'broadcast', (net | ~mask) >>> 0, 32, dev.id, 'link', prim));
  return out;
}

const routeKey = (r: RouteConfig) => `${r.table}|${r.type}|${r.dst.addr}|${r.dst.len}|${r.devId}`;

/** Installs the kernel's routes for address `a` of `dev` (on address add and on device up): the
 *  routes routesForAddress(ns, dev, a, dev.up) gives, in its order, made one at a time; a route
 *  that is already there is not added twice (fib_magic's append of an identical route fails). */
function installAddressRoutes(ns: NetnsConfig, dev: DeviceConfig, a: AddrConfig): void {
  const prim = primaryOf(ns, a);
  installKernelRoute(ns, RT_TABLE_LOCAL, 'local', a.addr, 32, dev.id, 'host', prim);
  if (!dev.up) return;
  const mask = prefixMask(a.plen);
  const net = (a.addr & mask) >>> 0;
  if (!a.secondary && a.plen < 32 && net !== 0) {
    if (dev.kind === 'loopback') installKernelRoute(ns, RT_TABLE_LOCAL, 'local', net, a.plen, dev.id, 'host', a.addr);
    else installKernelRoute(ns, RT_TABLE_MAIN, 'unicast', net, a.plen, dev.id, 'link', a.addr);
  }
  if (a.plen < 31) installKernelRoute(ns, RT_TABLE_LOCAL, 'broadcast', (net | ~mask) >>> 0, 32, dev.id, 'link', prim);
}

function installKernelRoute(ns: NetnsConfig, table: number, type: RouteConfig['type'], addr: Ipv4, len: number, devId: number, scope: RouteConfig['scope'], prefsrc: Ipv4): void {
  if (mayHaveDst(ns, addr, len) && hasSameRoute(ns.routes, table, type, addr, len, devId)) return;
  pushRoute(ns, kernelRoute(table, type, addr, len, devId, scope, prefsrc));
  noteTable(ns, table);
}

/** A route with that routeKey (table, type, destination, device) is already there. */
function hasSameRoute(routes: RouteConfig[], table: number, type: RouteConfig['type'], addr: Ipv4, len: number, devId: number): boolean {
  for (const x of routes) {
    if (x.devId === devId && x.table === table && x.type === type && x.dst.addr === addr && x.dst.len === len) return true;
  }
  return false;
}

/** Removes the kernel's routes of addresses that went away, unless a remaining address of the
 *  device still needs the same route (fib_del_ifaddr). A kernel route the user deleted earlier
 *  stays deleted: nothing here re-derives the whole set. */
function uninstallAddressRoutes(ns: NetnsConfig, dev: DeviceConfig, gone: AddrConfig[]): void {
  const keep = new Set<string>();
  for (const a of ns.addresses) if (a.devId === dev.id) for (const r of routesForAddress(ns, dev, a, true)) keep.add(routeKey(r));
  const drop = new Set<string>();
  for (const a of gone) for (const r of routesForAddress(ns, dev, a, true)) if (!keep.has(routeKey(r))) drop.add(routeKey(r));
  ns.routes = ns.routes.filter((r) => !(r.origin === KERNEL_ORIGIN && r.proto === 'kernel' && drop.has(routeKey(r))));
}

function recordFlushed(state: ModelState, ns: NetnsConfig, routes: RouteConfig[], by: Origin, reason: FlushedRoute['reason']): void {
  const user = routes.filter((r) => r.origin !== KERNEL_ORIGIN);
  if (!user.length) return;
  let byNs = state.facts.get(FACT_FLUSHED_ROUTES) as Map<string, FlushedRoute[]> | undefined;
  if (!byNs) state.facts.set(FACT_FLUSHED_ROUTES, (byNs = new Map()));
  let list = byNs.get(ns.name);
  if (!list) byNs.set(ns.name, (list = []));
  for (const route of user) list.push({ route, netns: ns.name, by, reason });
}

/** `ip link set DEV up|down`. */
export function setDeviceUp(state: ModelState, ns: NetnsConfig, dev: DeviceConfig, up: boolean, by: Origin): void {
  if (dev.up === up) return;
  dev.up = up;
  if (up) {
    if (dev.kind === 'loopback' && !ns.addresses.some((a) => a.devId === dev.id && a.addr === LOOPBACK_ADDR && a.plen === 8)) {
      addAddress(ns, dev, LOOPBACK_ADDR, 8, undefined, KERNEL_ORIGIN);
    }
    const addrs = ns.addresses;
    for (let k = 0; k < addrs.length; k++) if (addrs[k].devId === dev.id) installAddressRoutes(ns, dev, addrs[k]);
  } else {
    const gone = ns.routes.filter((r) => r.devId === dev.id && r.scope !== 'host');
    ns.routes = ns.routes.filter((r) => !(r.devId === dev.id && r.scope !== 'host'));
    recordFlushed(state, ns, gone, by, 'down');
  }
}

/** Adds an address (caller checked it is new) and the kernel's routes for it. */
export function addAddress(ns: NetnsConfig, dev: DeviceConfig, addr: Ipv4, plen: number, broadcast: Ipv4 | undefined, origin: Origin): AddrConfig {
  const mask = prefixMask(plen);
  let secondary = false;
  for (const p of ns.addresses) {
    if (p.devId === dev.id && !p.secondary && p.plen === plen && ((p.addr & mask) >>> 0) === ((addr & mask) >>> 0)) {
      secondary = true;
      break;
    }
  }
  const a: AddrConfig = { devId: dev.id, addr, plen, broadcast, secondary, origin };
  ns.addresses.push(a);
  installAddressRoutes(ns, dev, a);
  return a;
}

/** Removes an address; deleting a primary also deletes its secondaries (promote_secondaries is 0 in
 *  a fresh namespace here), as the kernel does. Returns the addresses removed. */
export function removeAddress(ns: NetnsConfig, dev: DeviceConfig, a: AddrConfig): AddrConfig[] {
  const mask = prefixMask(a.plen);
  const gone = a.secondary
    ? [a]
    : ns.addresses.filter((p) => p === a || (p.devId === dev.id && p.secondary && p.plen === a.plen && ((p.addr & mask) >>> 0) === ((a.addr & mask) >>> 0)));
  const goneSet = new Set(gone);
  ns.addresses = ns.addresses.filter((p) => !goneSet.has(p));
  uninstallAddressRoutes(ns, dev, gone);
  return gone;
}

/** Drops everything a device holds in `ns` (addresses, routes, neighbours, conf, ports); the device
 *  itself is removed from ns.devices. Used by `ip link del` and `ip link set DEV netns NS`. */
export function detachDevice(state: ModelState, ns: NetnsConfig, dev: DeviceConfig, by: Origin, reason: 'deleted' | 'moved'): void {
  const gone = ns.routes.filter((r) => r.devId === dev.id);
  ns.routes = ns.routes.filter((r) => r.devId !== dev.id);
  recordFlushed(state, ns, gone, by, reason);
  ns.addresses = ns.addresses.filter((a) => a.devId !== dev.id);
  ns.neighbours = ns.neighbours.filter((n) => n.devId !== dev.id);
  for (const d of ns.devices.values()) if (d.master === dev.id) d.master = undefined;
  dev.master = undefined;
  dev.up = false;
  ns.devices.delete(dev.name);
  noteName(state, ns.name, dev.name, -1);
  dropDeviceSysctl(ns, dev.name);
}

/** `ip link del`: removes the device from the topology. */
export function deleteDevice(state: ModelState, ns: NetnsConfig, dev: DeviceConfig, by: Origin): void {
  detachDevice(state, ns, dev, by, 'deleted');
  state.topology.devices.delete(dev.id);
}

/** `ip link set DEV netns NS [name NEW]`: the device arrives down (under its new name, if any),
 *  without addresses, conf copied from NS's default. */
export function moveDevice(state: ModelState, from: NetnsConfig, to: NetnsConfig, dev: DeviceConfig, by: Origin, newName?: string): void {
  detachDevice(state, from, dev, by, 'moved');
  dev.netns = to.name;
  if (newName) dev.name = newName;
  let used = false;
  for (const d of to.devices.values()) if (d.ifindex === dev.ifindex) used = true;
  if (used) dev.ifindex = to.nextIfindex++;
  else if (dev.ifindex >= to.nextIfindex) to.nextIfindex = dev.ifindex + 1;
  to.devices.set(dev.name, dev);
  noteName(state, to.name, dev.name, 1);
  initDeviceSysctl(to, dev.name);
}

/** `ip link set DEV name NEW`: same device, new name; its conf entries follow it. */
export function renameDevice(state: ModelState, ns: NetnsConfig, dev: DeviceConfig, name: string): void {
  const conf = new Map<string, string>();
  const prefix = `net.ipv4.conf.${dev.name}.`;
  for (const [k, v] of ns.sysctl) if (k.startsWith(prefix)) conf.set(k.slice(prefix.length), v);
  dropDeviceSysctl(ns, dev.name);
  ns.devices.delete(dev.name);
  noteName(state, ns.name, dev.name, -1);
  dev.name = name;
  ns.devices.set(name, dev);
  noteName(state, ns.name, name, 1);
  initDeviceSysctl(ns, name);
  for (const [k, v] of conf) ns.sysctl.set(`net.ipv4.conf.${name}.${k}`, v);
}

/** inet_addr_type: what the local table says an address is. Without a local table (no address
 *  was ever configured in the namespace) the kernel calls every address broadcast. */
export function addressType(ns: NetnsConfig, a: Ipv4): 'local' | 'broadcast' | 'multicast' | 'unicast' {
  if (a >>> 28 === 0xe) return 'multicast';
  if (a === 0xffffffff || a === 0) return 'broadcast';
  if (!tableExists(ns, RT_TABLE_LOCAL)) return 'broadcast';
  let best: RouteConfig | undefined;
  for (const r of ns.routes) {
    if (r.table !== RT_TABLE_LOCAL || (r.type !== 'local' && r.type !== 'broadcast')) continue;
    const m = prefixMask(r.dst.len);
    if (((a & m) >>> 0) === r.dst.addr && (!best || r.dst.len > best.dst.len)) best = r;
  }
  return best ? (best.type as 'local' | 'broadcast') : 'unicast';
}

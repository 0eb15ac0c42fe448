// A derived index of a namespace's routes (ns.routes) for the `ip route` executor and the
// kernel's own routes (state.ts): how many routes each destination has, and the routes whose
// scope is not universe (the only ones a gateway check can use). It answers "is there any route
// to this destination" without a scan and lets the gateway check walk a few routes instead of all.
// It owns no state of its own: ns.routes stays the truth; the index is rebuilt from it whenever it
// is not known to match (another array, another length), and the writers in this package tell it
// about their appends and drop it on any other change. Not a cache of results: callers still run
// their exact checks on the routes it points them to.

import type { NetnsConfig, RouteConfig } from '../kernel/config';

interface RouteIndex {
  /** The ns.routes array and length this index describes. */
  routes: RouteConfig[];
  length: number;
  /** Routes per destination (dstHash), a pre-filter: 0 means no route has that destination. */
  perDst: Map<number, number>;
  /** Routes whose scope is link or host, in ns.routes order. */
  scoped: RouteConfig[];
}

const indexes = new WeakMap<NetnsConfig, RouteIndex>();
/** The last namespace asked about (a file's commands come in runs per namespace). */
let lastNs: NetnsConfig | undefined;
let lastIndex: RouteIndex | undefined;

/** A small integer per (address, length); different destinations may share one (a pre-filter only). */
function dstHash(addr: number, len: number): number {
  return (addr ^ Math.imul(len + 1, 0x9e3779b1)) | 0;
}

function build(ns: NetnsConfig): RouteIndex {
  const routes = ns.routes;
  const idx: RouteIndex = { routes, length: routes.length, perDst: new Map(), scoped: [] };
  for (let k = 0; k < routes.length; k++) add(idx, routes[k]);
  indexes.set(ns, idx);
  return idx;
}

function add(idx: RouteIndex, r: RouteConfig): void {
  const h = dstHash(r.dst.addr, r.dst.len);
  idx.perDst.set(h, (idx.perDst.get(h) ?? 0) + 1);
  if (r.scope !== 'universe') idx.scoped.push(r);
}

/** The index of `ns`, valid for its routes right now. */
function indexOf(ns: NetnsConfig): RouteIndex {
  let idx = lastNs === ns ? lastIndex : indexes.get(ns);
  if (!idx || idx.routes !== ns.routes || idx.length !== ns.routes.length) idx = build(ns);
  lastNs = ns;
  lastIndex = idx;
  return idx;
}

/** False when no route of `ns` has destination addr/len (true may still mean none). */
export function mayHaveDst(ns: NetnsConfig, addr: number, len: number): boolean {
  return (indexOf(ns).perDst.get(dstHash(addr, len)) ?? 0) > 0;
}

/** The routes of `ns` whose scope is not universe, in ns.routes order (read only). */
export function scopedRoutes(ns: NetnsConfig): readonly RouteConfig[] {
  return indexOf(ns).scoped;
}

/** Appends `r` to ns.routes, keeping the index. */
export function pushRoute(ns: NetnsConfig, r: RouteConfig): void {
  const routes = ns.routes;
  const idx = lastNs === ns ? lastIndex : indexes.get(ns);
  routes.push(r);
  if (idx && idx.routes === routes && idx.length === routes.length - 1) {
    add(idx, r);
    idx.length++;
  } else if (idx) dropRouteIndex(ns);
}

/** Forgets the index of `ns` (after a change other than pushRoute). */
export function dropRouteIndex(ns: NetnsConfig): void {
  indexes.delete(ns);
  if (lastNs === ns) {
    lastNs = undefined;
    lastIndex = undefined;
  }
}

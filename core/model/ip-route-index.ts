// A derived index of a namespace's routes (ns.routes) for the `ip route` executor and the
// kernel's own routes (state.ts): a bit set of the destinations present (a Bloom filter with one
// hash: a clear bit means no route has that destination), and the routes whose scope is not
// universe (the only ones a gateway check can use). It answers "is there any route
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
  /** One bit per destination hash, set when some route has a destination with that hash; 16
   *  bits per word (every word a small integer), 8 bits or more per route. A plain array: a typed
   *  array costs far more to make than these few words are worth. */
  bits: number[];
  /** Routes whose scope is link or host, in ns.routes order. */
  scoped: RouteConfig[];
}

const indexes = new WeakMap<NetnsConfig, RouteIndex>();
/** The last namespace asked about (a file's commands come in runs per namespace). */
let lastNs: NetnsConfig | undefined;
let lastIndex: RouteIndex | undefined;

/** A hash per (address, length); different destinations may share one (a pre-filter only). */
function dstHash(addr: number, len: number): number {
  // murmur3's 32-bit finaliser over address and length: every bit of the input moves the low bits.
  let h = (addr ^ Math.imul(len + 1, 0x27d4eb2d)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 0x7fffffff;
}

/** Bits for n routes: 8 bits per route at least (few false "maybe"s), 32 words at least. */
function bitsFor(n: number): number[] {
  let words = 32;
  while (words * 2 < n) words *= 2;
  return new Array<number>(words).fill(0);
}

function build(ns: NetnsConfig): RouteIndex {
  const routes = ns.routes;
  const idx: RouteIndex = { routes, length: routes.length, bits: bitsFor(routes.length), scoped: [] };
  for (let k = 0; k < routes.length; k++) add(idx, routes[k]);
  indexes.set(ns, idx);
  return idx;
}

function add(idx: RouteIndex, r: RouteConfig): void {
  const h = dstHash(r.dst.addr, r.dst.len) & (idx.bits.length * 16 - 1);
  idx.bits[h >>> 4] |= 1 << (h & 15);
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
  const bits = indexOf(ns).bits;
  const h = dstHash(addr, len) & (bits.length * 16 - 1);
  return (bits[h >>> 4] & (1 << (h & 15))) !== 0;
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
  if (idx && idx.routes === routes && idx.length === routes.length - 1 && routes.length <= idx.bits.length * 2) {
    add(idx, r);
    idx.length++;
  } else if (idx) dropRouteIndex(ns); // rebuilt (with more bits) when next asked
}

/** Forgets the index of `ns` (after a change other than pushRoute). */
export function dropRouteIndex(ns: NetnsConfig): void {
  indexes.delete(ns);
  if (lastNs === ns) {
    lastNs = undefined;
    lastIndex = undefined;
  }
}

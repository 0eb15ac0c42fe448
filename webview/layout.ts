// Layout of the topology view, in two levels placed by dagre (@dagrejs/dagre): inside each
// namespace its devices (bridge ports left of their bridge), then the namespaces as boxes with the
// veth pairs between them as edges, left to right. (dagre's compound-graph mode throws on rings of
// ten namespaces, hence two flat layouts.) Never throws: if dagre fails, or the topology is too big
// to lay out interactively, a grid is used. Pure: no DOM, so tests run it in Node. Does not own
// drawing (topology.ts).
import * as dagre from '@dagrejs/dagre';
import type { TopoDevice, TopologyData } from './protocol';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface NodeBox extends Rect {
  id: string;
}

export interface EdgePath {
  id: string;
  kind: 'veth' | 'bridge';
  a: string;
  b: string;
  points: { x: number; y: number }[];
}

export interface TopologyLayout {
  width: number;
  height: number;
  namespaces: Map<string, Rect>;
  devices: Map<string, NodeBox>;
  edges: EdgePath[];
}

/** Approximate width of text in the view's font (monospace-ish 7 px per character at 12 px). */
export const CHAR_W = 7;
export const LINE_H = 15;
/** Space above a namespace's devices for its title (and listeners line). */
export const NS_TITLE_H = 22;
const PAD = 12;

export function deviceLines(d: TopoDevice): string[] {
  const head = `${d.name}${d.kind === 'veth' || d.kind === 'loopback' ? '' : ` (${d.kind})`}${d.up ? '' : ' DOWN'}`;
  return [head, ...d.addrs];
}

function deviceSize(d: TopoDevice): { width: number; height: number } {
  const lines = deviceLines(d);
  const longest = Math.max(...lines.map((l) => l.length));
  return { width: Math.max(48, longest * CHAR_W + 16), height: lines.length * LINE_H + 10 };
}

export function namespaceTitle(ns: { name: string; forwarding: boolean; listeners: string[] }): string[] {
  const out = [`${ns.name}${ns.forwarding ? '  (ip_forward)' : ''}`];
  if (ns.listeners.length) out.push(`listen ${ns.listeners.join(', ')}`);
  return out;
}

/** Above this many namespaces the grid is used (dagre takes seconds there; the view must stay responsive). */
export const MAX_DAGRE_NAMESPACES = 300;

interface Sized {
  width: number;
  height: number;
}

interface Placed {
  x: number;
  y: number;
}

/** Centre positions from a flat dagre layout, or undefined when dagre fails. */
function dagrePlace(
  nodes: Map<string, Sized>, edges: { a: string; b: string; id: string }[], opts: { nodesep: number; ranksep: number },
): { pos: Map<string, Placed>; points: Map<string, { x: number; y: number }[]> } | undefined {
  try {
    const g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: 'LR', nodesep: opts.nodesep, ranksep: opts.ranksep, marginx: 0, marginy: 0 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const [id, n] of nodes) g.setNode(id, { width: n.width, height: n.height });
    for (const e of edges) if (e.a !== e.b && nodes.has(e.a) && nodes.has(e.b)) g.setEdge(e.a, e.b, { minlen: 1, weight: 1 }, e.id);
    dagre.layout(g);
    const pos = new Map<string, Placed>();
    for (const id of nodes.keys()) {
      const n = g.node(id) as { x: number; y: number };
      if (!Number.isFinite(n?.x) || !Number.isFinite(n?.y)) return undefined;
      pos.set(id, { x: n.x, y: n.y });
    }
    const points = new Map<string, { x: number; y: number }[]>();
    for (const e of edges) {
      const ge = e.a !== e.b ? (g.edge({ v: e.a, w: e.b, name: e.id }) as { points?: { x: number; y: number }[] } | undefined) : undefined;
      if (ge?.points) points.set(e.id, ge.points.map((p) => ({ x: p.x, y: p.y })));
    }
    return { pos, points };
  } catch {
    return undefined;
  }
}

/** Grid fallback: nodes in rows of about sqrt(n), centres returned. */
function gridPlace(nodes: Map<string, Sized>, gap: number, columns?: number): Map<string, Placed> {
  const list = [...nodes];
  const cols = columns ?? Math.max(1, Math.ceil(Math.sqrt(list.length)));
  const colW: number[] = [];
  const rowH: number[] = [];
  list.forEach(([, n], i) => {
    colW[i % cols] = Math.max(colW[i % cols] ?? 0, n.width);
    rowH[Math.floor(i / cols)] = Math.max(rowH[Math.floor(i / cols)] ?? 0, n.height);
  });
  const pos = new Map<string, Placed>();
  list.forEach(([id, n], i) => {
    const c = i % cols;
    const r = Math.floor(i / cols);
    const x = colW.slice(0, c).reduce((a, w) => a + w + gap, 0);
    const y = rowH.slice(0, r).reduce((a, h) => a + h + gap, 0);
    pos.set(id, { x: x + n.width / 2, y: y + n.height / 2 });
  });
  return pos;
}

/** The point where the segment from a box's centre toward (tx, ty) leaves the box. */
function boxExit(b: Rect, tx: number, ty: number): { x: number; y: number } {
  const cx = b.x + b.width / 2;
  const cy = b.y + b.height / 2;
  const dx = tx - cx;
  const dy = ty - cy;
  if (dx === 0 && dy === 0) return { x: cx, y: cy };
  const sx = dx === 0 ? Infinity : b.width / 2 / Math.abs(dx);
  const sy = dy === 0 ? Infinity : b.height / 2 / Math.abs(dy);
  const k = Math.min(sx, sy);
  return { x: cx + dx * k, y: cy + dy * k };
}

export function layoutTopology(data: TopologyData): TopologyLayout {
  const useDagre = data.namespaces.length <= MAX_DAGRE_NAMESPACES;
  const nsOf = new Map<string, string>();
  for (const ns of data.namespaces) for (const d of ns.devices) nsOf.set(d.id, ns.name);
  const inner = data.links.filter((l) => nsOf.get(l.a) !== undefined && nsOf.get(l.a) === nsOf.get(l.b));
  const outer = data.links.filter((l) => nsOf.has(l.a) && nsOf.has(l.b) && nsOf.get(l.a) !== nsOf.get(l.b));

  // 1. Inside each namespace: device positions relative to the namespace's content origin.
  const local = new Map<string, { rel: Map<string, Rect>; columnar: boolean; points: Map<string, { x: number; y: number }[]> }>();
  const nsSize = new Map<string, Sized>();
  for (const ns of data.namespaces) {
    const sizes = new Map<string, Sized>(ns.devices.map((d) => [d.id, deviceSize(d)]));
    const mine = inner.filter((l) => nsOf.get(l.a) === ns.name);
    const placed = (useDagre && mine.length ? dagrePlace(sizes, mine, { nodesep: 14, ranksep: 46 }) : undefined);
    const pos = placed?.pos ?? gridPlace(sizes, 14, 1);
    const rel = new Map<string, Rect>();
    let minX = Infinity;
    let minY = Infinity;
    let maxX = 0;
    let maxY = 0;
    for (const [id, p] of pos) {
      const s = sizes.get(id)!;
      const r = { x: p.x - s.width / 2, y: p.y - s.height / 2, width: s.width, height: s.height };
      rel.set(id, r);
      minX = Math.min(minX, r.x);
      minY = Math.min(minY, r.y);
      maxX = Math.max(maxX, r.x + r.width);
      maxY = Math.max(maxY, r.y + r.height);
    }
    if (!rel.size) minX = minY = 0;
    for (const r of rel.values()) {
      r.x -= minX;
      r.y -= minY;
    }
    const points = new Map<string, { x: number; y: number }[]>();
    for (const [id, pts] of placed?.points ?? []) points.set(id, pts.map((p) => ({ x: p.x - minX, y: p.y - minY })));
    const width = Math.max(0, maxX - minX);
    const height = Math.max(0, maxY - minY);
    local.set(ns.name, { rel, columnar: !placed, points });
    const titleW = Math.max(...namespaceTitle(ns).map((t) => t.length)) * CHAR_W + 2 * PAD;
    const title = NS_TITLE_H + (namespaceTitle(ns).length - 1) * LINE_H;
    nsSize.set(ns.name, { width: Math.max(width + 2 * PAD, titleW), height: height + 2 * PAD + title });
  }

  // 2. The namespaces, with one edge per pair of namespaces joined by veth links.
  const nsEdges: { a: string; b: string; id: string }[] = [];
  const seenPairs = new Set<string>();
  for (const l of outer) {
    const a = nsOf.get(l.a)!;
    const b = nsOf.get(l.b)!;
    const key = `${a}\0${b}`;
    if (seenPairs.has(key)) continue;
    seenPairs.add(key);
    nsEdges.push({ a, b, id: key });
  }
  const outerPos = (useDagre ? dagrePlace(nsSize, nsEdges, { nodesep: 28, ranksep: 90 })?.pos : undefined) ?? gridPlace(nsSize, 60);
  // A namespace whose devices stand in a column orders them by where their veth peers' namespaces
  // are (top to bottom), so the lines between namespaces cross less; unlinked devices (lo) first.
  const peerOf = new Map<string, string>();
  for (const l of outer) {
    peerOf.set(l.a, l.b);
    peerOf.set(l.b, l.a);
  }
  for (const l of local.values()) {
    if (!l.columnar) continue;
    const key = (id: string): number => {
      const peer = peerOf.get(id);
      const at = peer ? outerPos.get(nsOf.get(peer)!) : undefined;
      return at ? at.y : -1e9;
    };
    const ids = [...l.rel.keys()].sort((a, b) => key(a) - key(b));
    let y = 0;
    for (const id of ids) {
      const r = l.rel.get(id)!;
      r.y = y;
      y += r.height + 14;
    }
  }
  const M = 16;
  let minX = Infinity;
  let minY = Infinity;
  for (const [name, p] of outerPos) {
    const s = nsSize.get(name)!;
    minX = Math.min(minX, p.x - s.width / 2);
    minY = Math.min(minY, p.y - s.height / 2);
  }
  const namespaces = new Map<string, Rect>();
  const devices = new Map<string, NodeBox>();
  let maxX = 0;
  let maxY = 0;
  for (const ns of data.namespaces) {
    const p = outerPos.get(ns.name)!;
    const s = nsSize.get(ns.name)!;
    const box = { x: p.x - s.width / 2 - minX + M, y: p.y - s.height / 2 - minY + M, width: s.width, height: s.height };
    namespaces.set(ns.name, box);
    maxX = Math.max(maxX, box.x + box.width);
    maxY = Math.max(maxY, box.y + box.height);
    const title = NS_TITLE_H + (namespaceTitle(ns).length - 1) * LINE_H;
    const l = local.get(ns.name)!;
    const ox = box.x + PAD;
    const oy = box.y + PAD + title;
    for (const [id, r] of l.rel) devices.set(id, { id, x: ox + r.x, y: oy + r.y, width: r.width, height: r.height });
    for (const [id, pts] of l.points) l.points.set(id, pts.map((q) => ({ x: ox + q.x, y: oy + q.y })));
  }

  // 3. Links: bridge and same-namespace links as routed inside; veth pairs as a line between the boxes.
  const edges: EdgePath[] = [];
  for (const link of data.links) {
    const a = devices.get(link.a);
    const b = devices.get(link.b);
    if (!a || !b) continue;
    const routed = nsOf.get(link.a) === nsOf.get(link.b) ? local.get(nsOf.get(link.a)!)!.points.get(link.id) : undefined;
    const points = routed && routed.length >= 2
      ? routed
      : [boxExit(a, b.x + b.width / 2, b.y + b.height / 2), boxExit(b, a.x + a.width / 2, a.y + a.height / 2)];
    edges.push({ id: link.id, kind: link.kind, a: link.a, b: link.b, points });
  }
  return { width: Math.ceil(maxX + M), height: Math.ceil(maxY + M), namespaces, devices, edges };
}

// Layout of the topology view: namespaces as clusters, devices as nodes inside them, veth and
// bridge links as edges, placed by dagre (@dagrejs/dagre, compound graph, left to right). Pure:
// no DOM, so the extension's tests run it in Node too. Does not own drawing (topology.ts).
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

export function layoutTopology(data: TopologyData): TopologyLayout {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 64, ranksep: 80, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const titleLines = new Map<string, number>();
  for (const ns of data.namespaces) {
    const nsId = `ns:${ns.name}`;
    g.setNode(nsId, {});
    titleLines.set(ns.name, namespaceTitle(ns).length);
    for (const d of ns.devices) {
      g.setNode(d.id, deviceSize(d));
      g.setParent(d.id, nsId);
    }
  }
  for (const l of data.links) {
    if (!g.hasNode(l.a) || !g.hasNode(l.b)) continue;
    // A bridge is drawn right of its ports; a veth pair's ends in different ranks.
    if (l.kind === 'bridge') g.setEdge(l.a, l.b, { minlen: 1, weight: 2 }, l.id);
    else g.setEdge(l.a, l.b, { minlen: 1, weight: 1 }, l.id);
  }
  dagre.layout(g);

  const devices = new Map<string, NodeBox>();
  const namespaces = new Map<string, Rect>();
  let maxX = 0;
  let maxY = 0;
  let minY = Infinity;
  for (const ns of data.namespaces) {
    for (const d of ns.devices) {
      const n = g.node(d.id) as { x: number; y: number; width: number; height: number };
      devices.set(d.id, { id: d.id, x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height });
    }
    // The namespace box: around its devices with padding and a title band (computed here rather
    // than taken from dagre's cluster, so the title always has room).
    const boxes = ns.devices.map((d) => devices.get(d.id)!);
    const title = NS_TITLE_H + (titleLines.get(ns.name)! - 1) * LINE_H;
    const titleW = Math.max(...namespaceTitle(ns).map((t) => t.length)) * CHAR_W + 2 * PAD;
    const x0 = Math.min(...boxes.map((b) => b.x)) - PAD;
    const y0 = Math.min(...boxes.map((b) => b.y)) - PAD - title;
    const x1 = Math.max(...boxes.map((b) => b.x + b.width), x0 + titleW - PAD) + PAD;
    const y1 = Math.max(...boxes.map((b) => b.y + b.height)) + PAD;
    namespaces.set(ns.name, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    maxX = Math.max(maxX, x1);
    maxY = Math.max(maxY, y1);
    minY = Math.min(minY, y0);
  }
  const edges: EdgePath[] = [];
  for (const l of data.links) {
    const e = g.edge({ v: l.a, w: l.b, name: l.id }) as { points?: { x: number; y: number }[] } | undefined;
    if (!e?.points) continue;
    edges.push({ id: l.id, kind: l.kind, a: l.a, b: l.b, points: e.points.map((p) => ({ x: p.x, y: p.y })) });
  }
  // Titles may reach above dagre's margin: shift everything down so nothing is cut off.
  const shift = Number.isFinite(minY) && minY < 8 ? 8 - minY : 0;
  if (shift) {
    for (const r of namespaces.values()) r.y += shift;
    for (const r of devices.values()) r.y += shift;
    for (const e of edges) for (const p of e.points) p.y += shift;
  }
  return { width: Math.ceil(maxX + 16), height: Math.ceil(maxY + shift + 16), namespaces, devices, edges };
}

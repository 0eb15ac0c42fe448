// The topology page of the webview: draws the laid-out topology as SVG (namespaces as boxes,
// devices inside, veth and bridge links), keeps the packets' positions from the debug adapter's
// `netns/packet` events (current node, path so far) and the netfilter flow diagram with the
// current hook. Keyboard: every namespace and device is focusable (Tab), arrow keys move to the
// nearest node in that direction, Enter or Space opens its source line. Colours come from VS Code's
// theme variables. Does not parse anything: the extension sends TopologyData.
import { FLOW_ARROWS, FLOW_STAGES, flowStage } from './flow';
import { deviceLines, layoutTopology, LINE_H, namespaceTitle, NodeBox, TopologyLayout } from './layout';
import type { FromWebview, PacketPosition, TopoDevice, TopologyData } from './protocol';

const SVG = 'http://www.w3.org/2000/svg';

type Post = (m: FromWebview) => void;

interface Visit {
  step: number;
  netns: string;
  dev: string | null;
}

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, parent?: Element): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

/** A focusable, labelled box (a namespace or a device): its rectangle, its lines of text (the first
 *  with the first class, the others with the second) and a tooltip; `line` is its source line. */
function box(
  layer: Element, attrs: Record<string, string | number>, line: number | null, r: { x: number; y: number; width: number; height: number },
  rx: number, indent: number, lines: string[], classes: [string, string], label: string,
): void {
  const g = el('g', { ...attrs, tabindex: 0, role: 'button', 'aria-label': label }, layer);
  if (line !== null) g.setAttribute('data-line', String(line));
  el('rect', { x: r.x, y: r.y, width: r.width, height: r.height, rx }, g);
  lines.forEach((t, i) => {
    const tx = el('text', { x: r.x + indent, y: r.y + 16 + i * LINE_H, class: i === 0 ? classes[0] : classes[1] }, g);
    tx.textContent = t;
  });
  el('title', {}, g).textContent = label;
}

function html<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, parent?: Element, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  parent?.appendChild(e);
  return e;
}

export class TopologyPage {
  private data: TopologyData | undefined;
  private layout: TopologyLayout | undefined;
  private svg: SVGSVGElement;
  private status: HTMLElement;
  private flow: HTMLElement;
  private readonly paths = new Map<number, Visit[]>();
  private current: PacketPosition | undefined;

  constructor(private readonly root: HTMLElement, private readonly post: Post) {
    root.textContent = '';
    const header = html('header', { class: 'bar' }, root);
    this.status = html('div', { class: 'status', role: 'status', 'aria-live': 'polite', id: 'status' }, header, 'Waiting for the topology…');
    this.flow = html('div', { class: 'flow' }, header);
    this.buildFlow();
    const scroller = html('div', { class: 'canvas' }, root);
    this.svg = el('svg', { role: 'group', 'aria-label': 'Topology' }, scroller);
    this.svg.addEventListener('keydown', (ev) => this.onKey(ev));
    this.svg.addEventListener('click', (ev) => {
      const node = (ev.target as Element).closest('[data-line]');
      if (node) this.open(node);
    });
  }

  private buildFlow(): void {
    this.flow.textContent = '';
    // PREROUTING -> routing -> FORWARD -> POSTROUTING on top; routing -> INPUT -> (local process)
    // -> OUTPUT -> POSTROUTING below.
    const W = 92;
    const H = 22;
    const pos: Record<string, { x: number; y: number }> = {
      PREROUTING: { x: 4, y: 4 }, routing: { x: 116, y: 4 }, FORWARD: { x: 228, y: 4 }, POSTROUTING: { x: 340, y: 4 },
      INPUT: { x: 172, y: 42 }, OUTPUT: { x: 284, y: 42 },
    };
    const svg = el('svg', { class: 'flow-diagram', width: 440, height: 68, viewBox: '0 0 440 68', role: 'list', 'aria-label': 'Netfilter flow: the current hook is marked' }, this.flow);
    const defs = el('defs', {}, svg);
    const m = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' }, defs);
    el('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }, m);
    const right = (k: string): string => `${pos[k].x + W},${pos[k].y + H / 2}`;
    const left = (k: string): string => `${pos[k].x},${pos[k].y + H / 2}`;
    const bottom = (k: string, dx = 0): string => `${pos[k].x + W / 2 + dx},${pos[k].y + H}`;
    const top = (k: string, dx = 0): string => `${pos[k].x + W / 2 + dx},${pos[k].y}`;
    const arrows: Record<string, string> = {
      'PREROUTING>routing': `M${right('PREROUTING')} L${left('routing')}`,
      'routing>FORWARD': `M${right('routing')} L${left('FORWARD')}`,
      'FORWARD>POSTROUTING': `M${right('FORWARD')} L${left('POSTROUTING')}`,
      'routing>INPUT': `M${bottom('routing', 20)} L${top('INPUT', -20)}`,
      'INPUT>OUTPUT': `M${right('INPUT')} L${left('OUTPUT')}`,
      'OUTPUT>POSTROUTING': `M${top('OUTPUT', 20)} L${bottom('POSTROUTING', -20)}`,
    };
    for (const [a, b] of FLOW_ARROWS) {
      const d = arrows[`${a}>${b}`];
      if (d) el('path', { d, class: 'flow-arrow', 'marker-end': 'url(#arrow)', 'aria-hidden': 'true' }, svg);
    }
    for (const f of FLOW_STAGES) {
      const g = el('g', { class: 'flow-box', 'data-stage': f, role: 'listitem', 'aria-label': f }, svg);
      el('rect', { x: pos[f].x, y: pos[f].y, width: W, height: H, rx: 4 }, g);
      const t = el('text', { x: pos[f].x + W / 2, y: pos[f].y + 15, 'text-anchor': 'middle' }, g);
      t.textContent = f;
    }
  }

  setTopology(data: TopologyData): void {
    this.data = data;
    const focused = (document.activeElement as Element | null)?.getAttribute?.('data-id') ?? null;
    this.layout = layoutTopology(data);
    this.draw();
    if (focused) (this.svg.querySelector(`[data-id="${CSS.escape(focused)}"]`) as SVGElement | null)?.focus();
    this.applyPackets();
  }

  /** A stop of the debugger: the packet of `thread` is at (netns, dev) in fn. */
  packet(p: PacketPosition): void {
    let path = this.paths.get(p.thread);
    if (!path) this.paths.set(p.thread, (path = []));
    const step = p.step ?? (path.length ? path[path.length - 1].step + 1 : 0);
    // Stepping back (or a restart) rewinds the path to before this step.
    while (path.length && path[path.length - 1].step >= step) path.pop();
    const last = path[path.length - 1];
    if (!last || last.netns !== p.netns || last.dev !== p.dev) path.push({ step, netns: p.netns, dev: p.dev });
    else last.step = step;
    this.current = p;
    this.applyPackets();
  }

  clearPackets(): void {
    this.paths.clear();
    this.current = undefined;
    this.applyPackets();
  }

  private deviceById(id: string): TopoDevice | undefined {
    for (const ns of this.data?.namespaces ?? []) for (const d of ns.devices) if (d.id === id) return d;
    return undefined;
  }

  private draw(): void {
    const data = this.data!;
    const lay = this.layout!;
    const svg = this.svg;
    svg.textContent = '';
    svg.setAttribute('width', String(lay.width));
    svg.setAttribute('height', String(lay.height));
    svg.setAttribute('viewBox', `0 0 ${lay.width} ${lay.height}`);
    const nsLayer = el('g', { class: 'layer-ns' }, svg);
    const edgeLayer = el('g', { class: 'layer-links', 'aria-hidden': 'true' }, svg);
    const devLayer = el('g', { class: 'layer-devices' }, svg);
    for (const ns of data.namespaces) {
      const r = lay.namespaces.get(ns.name)!;
      const title = namespaceTitle(ns);
      const label = `namespace ${ns.name}: ${ns.devices.length} device${ns.devices.length === 1 ? '' : 's'}${ns.forwarding ? ', forwarding' : ''}${ns.listeners.length ? `, ${title[1]}` : ''}`;
      box(nsLayer, { class: 'ns', 'data-id': `ns:${ns.name}`, 'data-netns': ns.name }, ns.line, r, 8, 10, title, ['ns-title', 'ns-listen'], label);
    }
    for (const e of lay.edges) {
      const d = e.points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
      el('path', { d, class: `link ${e.kind}`, 'data-link': e.id, 'data-a': e.a, 'data-b': e.b }, edgeLayer);
    }
    for (const ns of data.namespaces) {
      for (const dev of ns.devices) {
        const b = lay.devices.get(dev.id)!;
        const lines = deviceLines(dev);
        const peer = data.links.find((l) => l.kind === 'veth' && (l.a === dev.id || l.b === dev.id));
        const other = peer ? (peer.a === dev.id ? peer.b : peer.a) : null;
        const label =
          `${dev.kind === 'loopback' ? 'loopback' : dev.kind} device ${dev.name} in namespace ${ns.name}, ${dev.up ? 'up' : 'down'}` +
          (dev.addrs.length ? `, addresses ${dev.addrs.join(', ')}` : ', no address') +
          (other ? `, veth peer ${other}` : '') + (dev.master ? `, port of ${dev.master}` : '') + `, MAC ${dev.mac}`;
        box(devLayer, { class: `dev kind-${dev.kind}${dev.up ? '' : ' down'}`, 'data-id': dev.id, 'data-netns': ns.name }, dev.line, b, 4, 8, lines, ['dev-name', 'dev-addr'], label);
      }
    }
    el('g', { class: 'layer-packets', 'aria-hidden': 'true' }, svg);
    this.status.textContent = `${data.file}: ${data.namespaces.length} namespaces, ${data.links.length} links${data.errors ? `, ${data.errors} errors (those lines are left out)` : ''}`;
  }

  /** The node a position is on: the device, else the namespace box. */
  private nodeFor(netns: string, dev: string | null): string {
    if (dev && this.deviceById(`${netns}/${dev}`)) return `${netns}/${dev}`;
    return `ns:${netns}`;
  }

  private applyPackets(): void {
    if (!this.layout) return;
    for (const e of this.svg.querySelectorAll('.current, .visited')) e.classList.remove('current', 'visited');
    for (const e of this.svg.querySelectorAll('[aria-current]')) e.removeAttribute('aria-current');
    const layer = this.svg.querySelector('.layer-packets')!;
    layer.textContent = '';
    for (const b of this.flow.querySelectorAll('.flow-box')) {
      b.classList.remove('active');
      b.removeAttribute('aria-current');
    }
    const cur = this.current;
    for (const [thread, path] of this.paths) {
      let prev: string | null = null;
      for (const v of path) {
        const id = this.nodeFor(v.netns, v.dev);
        this.svg.querySelector(`[data-id="${CSS.escape(id)}"]`)?.classList.add('visited');
        if (prev && prev !== id) {
          for (const link of this.svg.querySelectorAll('.link')) {
            const a = link.getAttribute('data-a');
            const b = link.getAttribute('data-b');
            if ((a === prev && b === id) || (a === id && b === prev)) link.classList.add('visited');
          }
        }
        prev = id;
      }
      const last = path[path.length - 1];
      if (!last) continue;
      const id = this.nodeFor(last.netns, last.dev);
      const box: NodeBox | undefined = this.layout.devices.get(id) ?? (() => {
        const r = this.layout!.namespaces.get(last.netns);
        return r ? { id, ...r } : undefined;
      })();
      if (box) {
        const isCur = cur?.thread === thread;
        const c = el('g', { class: `packet${isCur ? ' current' : ''}`, 'data-thread': thread }, layer);
        el('circle', { cx: box.x + box.width - 2, cy: box.y + 2, r: 9 }, c);
        const t = el('text', { x: box.x + box.width - 2, y: box.y + 6, 'text-anchor': 'middle' }, c);
        t.textContent = String(thread);
      }
    }
    if (cur) {
      const id = this.nodeFor(cur.netns, cur.dev);
      const node = this.svg.querySelector(`[data-id="${CSS.escape(id)}"]`);
      node?.classList.add('current');
      node?.setAttribute('aria-current', 'location');
      // Keep the packet in view without stealing keyboard focus.
      (node as Element | null)?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
      const stage = flowStage(cur);
      const box = stage ? this.flow.querySelector(`[data-stage="${stage}"]`) : null;
      box?.classList.add('active');
      box?.setAttribute('aria-current', 'step');
      this.status.textContent = `Packet ${cur.thread} in ${cur.netns}${cur.dev ? ` on ${cur.dev}` : ''}: ${cur.fn}${cur.hook ? ` (${cur.hook})` : ''}`;
    } else if (this.data) {
      this.status.textContent = `${this.data.file}: ${this.data.namespaces.length} namespaces, ${this.data.links.length} links`;
    }
  }

  private focusables(): SVGGElement[] {
    return [...this.svg.querySelectorAll<SVGGElement>('g.ns, g.dev')];
  }

  private open(node: Element): void {
    const line = node.getAttribute('data-line');
    if (line !== null) this.post({ type: 'open', line: Number(line) });
  }

  private onKey(ev: KeyboardEvent): void {
    const node = (ev.target as Element).closest('g.ns, g.dev');
    if (!node) return;
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      this.open(node);
      return;
    }
    const dir = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[ev.key];
    if (!dir) return;
    ev.preventDefault();
    const next = this.nearest(node as SVGGElement, dir[0], dir[1]);
    next?.focus();
  }

  /** The focusable node nearest to `from` in direction (dx, dy): by distance, favouring the axis. */
  private nearest(from: SVGGElement, dx: number, dy: number): SVGGElement | undefined {
    const centre = (g: SVGGElement): { x: number; y: number } => {
      const r = g.querySelector('rect')!;
      return { x: Number(r.getAttribute('x')) + Number(r.getAttribute('width')) / 2, y: Number(r.getAttribute('y')) + Number(r.getAttribute('height')) / 2 };
    };
    const c = centre(from);
    let best: SVGGElement | undefined;
    let bestScore = Infinity;
    for (const g of this.focusables()) {
      if (g === from) continue;
      const p = centre(g);
      const along = (p.x - c.x) * dx + (p.y - c.y) * dy;
      if (along <= 1) continue;
      const across = Math.abs((p.x - c.x) * dy) + Math.abs((p.y - c.y) * dx);
      const score = along + 2 * across;
      if (score < bestScore) {
        bestScore = score;
        best = g;
      }
    }
    return best;
  }
}

// Pure data for the views: the topology of a model as the JSON the topology webview draws
// (namespaces, devices with addresses, veth and bridge links, source lines); the reachability
// matrix computed row by row (cancellable between rows) as cells; the checked body of the debug
// adapter's `netns/packet` event. No vscode import and no IO, so it is unit-tested directly; the
// webview does no parsing and receives only this.
import type { Ipv4, ProbeSpec, SimMode } from '../../core/kernel/config';
import { ipv4ToString, KERNEL_ORIGIN } from '../../core/kernel/config';
import type { Model } from '../../core/model/index';
import { kernelFor, MatrixTarget, matrixTargets, Outcome, reachabilityMatrix } from '../../core/sim/index';
import { offsetToPosition } from '../../core/syntax/tree';
import type { MatrixCell, PacketPosition, TopoDevice, TopoLink, TopoNamespace, TopologyData } from '../../webview/protocol';

/** 0-based line of a statement (origin) of the model, or null for the kernel's own objects. */
export function originLine(model: Model, origin: number): number | null {
  const st = origin >= 0 ? model.statements[origin] : undefined;
  return st ? offsetToPosition(model.file.lineStarts, st.cmd.start).line : null;
}

/**
 * The topology of `model`. The file's root namespace is left out when it holds nothing but its
 * loopback device; loopback devices are kept (the packet may be on lo) and drawn small.
 */
export function topologyData(model: Model, file: string): TopologyData {
  const topo = model.topology;
  // A namespace's line: its first definition (block or `ip netns add`), else its first mention.
  const nsLine = new Map<string, { line: number; def: boolean }>();
  for (const s of model.symbols) {
    if (s.kind !== 'netns') continue;
    const name = s.key.slice('netns:'.length);
    const had = nsLine.get(name);
    if (had && (had.def || !s.isDefinition)) continue;
    nsLine.set(name, { line: offsetToPosition(model.file.lineStarts, s.start).line, def: s.isDefinition });
  }
  const idOf = new Map<number, string>();
  for (const d of topo.devices.values()) idOf.set(d.id, `${d.netns}/${d.name}`);
  const namespaces: TopoNamespace[] = [];
  const links: TopoLink[] = [];
  for (const ns of topo.namespaces.values()) {
    const devices: TopoDevice[] = [];
    for (const d of ns.devices.values()) {
      const addrs = ns.addresses
        .filter((a) => a.devId === d.id)
        .sort((x, y) => Number(x.secondary) - Number(y.secondary))
        .map((a) => `${ipv4ToString(a.addr)}/${a.plen}`);
      devices.push({
        id: idOf.get(d.id)!, name: d.name, netns: ns.name, kind: d.kind, up: d.up, mac: d.mac, mtu: d.mtu, addrs,
        master: d.master !== undefined ? idOf.get(d.master) ?? null : null, line: originLine(model, d.origin),
      });
      if (d.master !== undefined && idOf.has(d.master)) links.push({ id: `bridge:${idOf.get(d.id)}`, kind: 'bridge', a: idOf.get(d.id)!, b: idOf.get(d.master)! });
      // One link per veth pair, from the end with the smaller id.
      if (d.kind === 'veth' && d.peer !== undefined && idOf.has(d.peer) && d.id < d.peer) {
        links.push({ id: `veth:${idOf.get(d.id)}`, kind: 'veth', a: idOf.get(d.id)!, b: idOf.get(d.peer)! });
      }
    }
    const listeners = ns.sockets.map((s) => `${s.proto} ${addrText(s.addr)}:${s.port}`);
    const onlyLo = devices.every((d) => d.kind === 'loopback') && listeners.length === 0;
    if (ns.name === 'root' && onlyLo && !nsLine.has('root')) continue;
    namespaces.push({ name: ns.name, line: nsLine.get(ns.name)?.line ?? null, devices, listeners, forwarding: ns.sysctl.get('net.ipv4.ip_forward') === '1' });
  }
  const errors = model.diagnostics.filter((d) => d.severity === 'error').length;
  return { file, namespaces, links, errors };
}

function addrText(a: Ipv4): string {
  return a === 0 ? '0.0.0.0' : ipv4ToString(a);
}

const SHORT: Record<string, string> = { delivered: 'ok', refused: 'refused', unreachable: 'unreach', denied: 'denied', 'ttl-exceeded': 'ttl', dropped: 'drop' };

/** A matrix cell from an outcome (the same words as `netns-dbg matrix`). */
export function matrixCell(o: Outcome): MatrixCell {
  const probed = !o.reason.startsWith('loopback address of another');
  return { kind: o.kind, word: probed ? SHORT[o.kind] ?? o.kind : '-', netns: o.netns, errno: o.errno, reason: o.reason, probed };
}

export function targetLabel(t: MatrixTarget): string {
  return `${t.proto} ${ipv4ToString(t.addr)}:${t.port} (${t.netns})`;
}

/** Validates the body of a `netns/packet` event (it crosses a process boundary). */
export function readPacket(body: unknown): PacketPosition | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.netns !== 'string' || typeof b.thread !== 'number') return undefined;
  return {
    thread: b.thread,
    netns: b.netns,
    dev: typeof b.dev === 'string' ? b.dev : null,
    fn: typeof b.fn === 'string' ? b.fn : '',
    hook: typeof b.hook === 'string' ? b.hook : null,
    line: typeof b.line === 'number' ? b.line : null,
    step: typeof b.step === 'number' ? b.step : undefined,
  };
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The probe a matrix cell ran: as core/sim/matrix.ts builds it. */
export function cellProbe(source: string, t: MatrixTarget): ProbeSpec {
  return { name: `${source}->${t.netns}`, from: { netns: source }, proto: t.proto, dst: t.addr, dport: t.port, origin: KERNEL_ORIGIN };
}

/**
 * Computes the matrix row by row; `onRow` after each; stops early when `cancelled()` says so
 * between rows. Pure apart from yielding to the event loop.
 */
export async function computeMatrix(
  model: Model, mode: SimMode, onRow: (i: number, row: MatrixCell[]) => void, cancelled: () => boolean,
): Promise<{ sources: string[]; targets: MatrixTarget[]; complete: boolean }> {
  const kernel = kernelFor(model.topology);
  const sources = [...kernel.nets.keys()];
  const targets = matrixTargets(kernel);
  for (let i = 0; i < sources.length; i++) {
    if (cancelled()) return { sources, targets, complete: false };
    const m = reachabilityMatrix(kernel, mode, { sources: [sources[i]] });
    onRow(i, m.outcomes[0].map(matrixCell));
    await yieldToEventLoop();
  }
  return { sources, targets, complete: true };
}

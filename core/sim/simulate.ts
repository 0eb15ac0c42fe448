// Running one probe through the simulated kernel and reading the result the way the sending
// process sees it (OutcomeKind of language.md): delivered, refused, unreachable, denied,
// ttl-exceeded, dropped, with the namespace, errno, deciding config object and reason. Builds
// (and caches per topology object) the kernel. Does not own stepping (runtime.ts) or rendering
// (format.ts).

import type { OutcomeKind, ProbeSpec, SimMode, TopologyConfig } from '../kernel/config';
import { ipv4ToString } from '../kernel/config';
import {
  ClientSocket, DEFAULT_LIMITS, DropRecord, Engine, EngineLimits, Kernel, NULL_TRACER, PathStats, RunState, Tracer,
  icmpDescribe, skbSummary,
} from '../netstack';
import { CountingTracer, Edit, Recorder, SimEvent, StopSignal } from './record';

export interface SimOptions {
  /** 0: no events (fastest; outcome only); 1: like nft monitor trace (matched rules); 2 (default): every rule with "why not". */
  detail?: 0 | 1 | 2;
  /** Maps an origin (statement id) to a 1-based source line. */
  originToLine?: (origin: number) => number | undefined;
  limits?: Partial<EngineLimits>;
  /** setVariable edits applied during the run. */
  edits?: Edit[];
}

export interface Outcome {
  kind: OutcomeKind;
  /** Where it was decided: the answering/refusing/dropping namespace (the sender's for local errors). */
  netns: string | null;
  errno: string | null;
  /** Origin of the deciding config object (listen line, rule, route ...), if any. */
  origin: number | null;
  line: number | null;
  reason: string;
}

export interface PacketInfo {
  id: number;
  parent: number | null;
  summary: string;
  /** Namespace the packet was created in (or entered from outside). */
  netns: string;
  events: SimEvent[];
}

export interface ProbeResult {
  probe: ProbeSpec;
  mode: SimMode;
  outcome: Outcome;
  /** null when the probe states no expectation. */
  pass: boolean | null;
  events: SimEvent[];
  packets: PacketInfo[];
  /** Cost counters over every packet of the probe, and per packet. */
  stats: PathStats;
  packetStats: Map<number, PathStats>;
  drops: DropRecord[];
  /** Final kernel state (conntrack tables, counters, FDBs). */
  run: RunState;
  /** The process socket and what it observed. */
  client: ClientSocket | undefined;
}

const kernels = new WeakMap<TopologyConfig, Kernel>();

/** The compiled kernel of a topology (cached per topology object; topologies are immutable data). */
export function kernelFor(topology: TopologyConfig | Kernel): Kernel {
  if (topology instanceof Kernel) return topology;
  let k = kernels.get(topology);
  if (!k) kernels.set(topology, (k = new Kernel(topology)));
  return k;
}

export function editsByIndex(edits: Edit[] | undefined): Map<number, Edit[]> {
  const m = new Map<number, Edit[]>();
  for (const e of edits ?? []) {
    let l = m.get(e.at);
    if (!l) m.set(e.at, (l = []));
    l.push(e);
  }
  return m;
}

/** Runs one probe and follows every packet it causes. Never throws for a network condition. */
export function simulate(topology: TopologyConfig | Kernel, probe: ProbeSpec, mode: SimMode = { kind: 'separate' }, opts: SimOptions = {}): ProbeResult {
  const kernel = kernelFor(topology);
  const run = new RunState(kernel);
  const detail = opts.detail ?? 2;
  const edits = editsByIndex(opts.edits);
  const rec = detail === 0 ? undefined : new Recorder(run, detail, edits);
  const tracer: Tracer = rec ?? (edits.size ? new CountingTracer(run, 1, edits) : NULL_TRACER);
  const engine = new Engine(kernel, run, tracer, mode, { ...DEFAULT_LIMITS, ...opts.limits });
  const client = engine.startProbe(probe);
  const events = rec?.events ?? [];
  const outcome = decideOutcome(engine, probe, client, opts.originToLine);
  return {
    probe, mode, outcome, pass: passes(probe, outcome), events, packets: groupPackets(events),
    stats: engine.stats, packetStats: engine.packetStats, drops: engine.drops, run, client,
  };
}

/** Replays a probe up to event `stopAt` (same detail level, same edits) and returns the live kernel state there. */
export function replayTo(topology: TopologyConfig | Kernel, probe: ProbeSpec, mode: SimMode, detail: 1 | 2, edits: Edit[], stopAt: number): { run: RunState; engine: Engine; reached: boolean } {
  const kernel = kernelFor(topology);
  const run = new RunState(kernel);
  const tracer = new CountingTracer(run, detail, editsByIndex(edits), stopAt);
  const engine = new Engine(kernel, run, tracer, mode);
  try {
    engine.startProbe(probe);
  } catch (e) {
    if (e instanceof StopSignal) return { run, engine, reached: true };
    throw e;
  }
  return { run, engine, reached: false };
}

export function passes(probe: ProbeSpec, o: Outcome): boolean | null {
  if (!probe.expect) return null;
  if (probe.expect.kind !== o.kind) return false;
  return probe.expect.netns === undefined || probe.expect.netns === o.netns;
}

function groupPackets(events: SimEvent[]): PacketInfo[] {
  const byId = new Map<number, PacketInfo>();
  for (const e of events) {
    if (!e.packet) continue;
    let p = byId.get(e.packet);
    if (!p) {
      const s = e.snap?.skb;
      byId.set(e.packet, (p = { id: e.packet, parent: s?.parent ?? null, summary: s ? skbSummary(s) : '', netns: e.netns, events: [] }));
    }
    p.events.push(e);
    // The summary shows the packet as first sent with its source chosen (before any NAT).
    if (e.snap && e.snap.skb.ip.saddr !== 0 && (p.summary === '' || / 0\.0\.0\.0[: ]/.test(p.summary))) p.summary = skbSummary(e.snap.skb);
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

function lineOf(origin: number | undefined | null, originToLine?: (o: number) => number | undefined): number | null {
  if (origin === undefined || origin === null || origin < 0 || !originToLine) return null;
  return originToLine(origin) ?? null;
}

/**
 * What the process sees. A result at its socket decides (SYN-ACK / echo reply: delivered; RST or
 * port unreachable: refused; time exceeded: ttl-exceeded; other ICMP errors and local route
 * errors: unreachable; EPERM: denied). Without one: a UDP datagram that reached a socket is
 * delivered; otherwise the probe is dropped where the last packet died.
 */
function decideOutcome(engine: Engine, probe: ProbeSpec, client: ClientSocket | undefined, o2l?: (o: number) => number | undefined): Outcome {
  const mk = (kind: OutcomeKind, netns: string | null, errno: string | null, origin: number | null | undefined, reason: string): Outcome => ({
    kind, netns, errno, origin: origin ?? null, line: lineOf(origin, o2l), reason,
  });
  const createdIn = (pkt: number | undefined): string | null => (pkt === undefined ? null : engine.packetInfo.get(pkt)?.netns ?? null);
  const causeOf = (pkt: number | undefined): DropRecord | undefined => {
    // The drop of the packet that caused a reply/error (REJECT rule, route, ...).
    const parent = pkt === undefined ? undefined : engine.packetInfo.get(pkt)?.parent;
    if (parent === undefined || parent === null) return undefined;
    return engine.drops.find((d) => d.packet === parent);
  };
  const r = client?.result;
  if (r) {
    switch (r.kind) {
      case 'synack': case 'echo-reply': {
        const d = engine.deliveries.find((x) => x.proto === (r.kind === 'synack' ? 'tcp' : 'icmp'));
        return mk('delivered', d?.netns ?? createdIn(r.packet), null, d?.origin, d?.text ?? (r.kind === 'synack' ? 'SYN-ACK received' : 'echo reply received'));
      }
      case 'rst': {
        const ns = createdIn(r.packet);
        const cause = causeOf(r.packet);
        return mk('refused', ns, 'ECONNREFUSED', cause?.origin, cause?.fn === 'nf_hook_slow' ? `REJECT with tcp-reset: ${cause.text ?? ''}`.trim() : `RST from ${ns}: ${cause?.text ?? 'no socket'}`);
      }
      case 'icmp-error': {
        const ns = createdIn(r.packet);
        const cause = causeOf(r.packet);
        const what = icmpDescribe(r.icmpType ?? 3, r.icmpCode ?? 0);
        const why = cause ? `${what} from ${ns} (${cause.text ?? cause.reason})` : `${what} from ${ns}`;
        if (r.icmpType === 11) return mk('ttl-exceeded', ns, 'EHOSTUNREACH', cause?.origin, why);
        if (r.errno === 'ECONNREFUSED') return mk('refused', ns, 'ECONNREFUSED', cause?.origin, why);
        return mk('unreachable', ns, r.errno ?? 'EHOSTUNREACH', cause?.origin, why);
      }
      case 'local-error':
        return mk(r.errno === 'EPERM' ? 'denied' : 'unreachable', r.from ?? client!.netns, r.errno ?? null, r.origin, r.reason ?? r.errno ?? 'error');
    }
  }
  if (probe.proto === 'udp') {
    const d = engine.deliveries.find((x) => x.proto === 'udp');
    if (d) return mk('delivered', d.netns, null, d.origin, d.text);
  }
  const drops = engine.drops;
  const last = drops[drops.length - 1];
  if (last) {
    const where = last.text ? `${last.reason}: ${last.text}` : last.reason;
    return mk('dropped', last.netns || null, null, last.origin, `${where} (${last.fn})`);
  }
  return mk('dropped', null, null, null, `no reply reached ${client ? `${client.netns} ${ipv4ToString(client.saddr)}` : 'the sender'}`);
}

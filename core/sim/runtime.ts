// The stepping runtime the debugger drives (DAP-free): a probe recorded once as an event list
// with frames and packet snapshots; a cursor moved by step in / over / out / back, continue and
// reverse continue with breakpoint predicates; the call stack, packet and bytes at any event; the
// live kernel state (conntrack tables, counters, FDBs, sysctls) at any event by deterministic
// replay that only counts events; and setVariable edits (packet field or sysctl at an event),
// after which the probe is re-recorded with the edit applied at that event (earlier events are
// unchanged, by determinism). Does not own DAP conversion (debugger/) or rendering (format.ts).

import type { ProbeSpec, SimMode, TopologyConfig } from '../kernel/config';
import { EngineLimits, Kernel, RunState, SKB_FIELDS, cloneSkb, encodeSkb, setSkbField } from '../netstack';
import { Edit, Frame, PacketSnapshot, SimEvent, stackOf } from './record';
import { ProbeResult, kernelFor, replayTo, simulate } from './simulate';

export interface RuntimeOptions {
  /** 1 or 2 (default): see SimOptions.detail. */
  detail?: 1 | 2;
  originToLine?: (origin: number) => number | undefined;
  limits?: Partial<EngineLimits>;
}

export type Predicate = (e: SimEvent) => boolean;

export class SimRuntime {
  readonly kernel: Kernel;
  private rec: ProbeResult;
  private readonly edits: Edit[] = [];
  /** Current event index; -1 before the first event. */
  position = -1;
  private stateCache?: { at: number; version: number; run: RunState };
  private version = 0;

  constructor(
    topology: TopologyConfig | Kernel,
    readonly probe: ProbeSpec,
    readonly mode: SimMode = { kind: 'separate' },
    readonly opts: RuntimeOptions = {},
  ) {
    this.kernel = kernelFor(topology);
    this.rec = this.record();
  }

  private record(): ProbeResult {
    return simulate(this.kernel, this.probe, this.mode, {
      detail: this.opts.detail ?? 2, originToLine: this.opts.originToLine, limits: this.opts.limits, edits: this.edits,
    });
  }

  /** The recorded run (with the current edits). */
  get result(): ProbeResult {
    return this.rec;
  }

  get events(): readonly SimEvent[] {
    return this.rec.events;
  }

  get length(): number {
    return this.rec.events.length;
  }

  get ended(): boolean {
    return this.position >= this.length;
  }

  current(): SimEvent | undefined {
    return this.rec.events[this.position];
  }

  // ------------------------------------------------------------ cursor

  /** Moves to event i (clamped to [-1, length]); returns the event there, undefined at either end. */
  goto(i: number): SimEvent | undefined {
    this.position = Math.max(-1, Math.min(i, this.length));
    return this.current();
  }

  /** Step in: the next event, whatever its depth. */
  stepIn(): SimEvent | undefined {
    return this.goto(this.position + 1);
  }

  /** Step over: the next event at the current depth or shallower (the current function's callees are run). */
  stepOver(): SimEvent | undefined {
    const cur = this.current();
    if (!cur) return this.stepIn();
    return this.forward((e) => e.depth <= cur.depth);
  }

  /** Step out: the next event shallower than the current one (the current function returns). */
  stepOut(): SimEvent | undefined {
    const cur = this.current();
    if (!cur) return this.stepIn();
    return this.forward((e) => e.depth < cur.depth);
  }

  /** Step back: the previous event (deterministic replay is the recording). */
  stepBack(): SimEvent | undefined {
    return this.goto(this.position - 1);
  }

  /** Step back over: the previous event at the current depth or shallower. */
  stepBackOver(): SimEvent | undefined {
    const cur = this.current();
    if (!cur) return this.stepBack();
    return this.backward((e) => e.depth <= cur.depth);
  }

  /** Continue: the next event satisfying any of the predicates (breakpoints), else the end. */
  continue(...stops: Predicate[]): SimEvent | undefined {
    return this.forward((e) => stops.some((p) => p(e)));
  }

  /** Reverse continue: the previous event satisfying a predicate, else the start. */
  reverseContinue(...stops: Predicate[]): SimEvent | undefined {
    return this.backward((e) => stops.some((p) => p(e)));
  }

  private forward(p: Predicate): SimEvent | undefined {
    const ev = this.rec.events;
    for (let i = this.position + 1; i < ev.length; i++) if (p(ev[i])) return this.goto(i);
    return this.goto(ev.length);
  }

  private backward(p: Predicate): SimEvent | undefined {
    const ev = this.rec.events;
    for (let i = this.position - 1; i >= 0; i--) if (p(ev[i])) return this.goto(i);
    return this.goto(-1);
  }

  // ------------------------------------------------------------ inspection

  /** The call stack at event i, innermost first (a point event is its own innermost frame). */
  stack(i = this.position): Frame[] {
    const e = this.rec.events[i];
    return e ? stackOf(e) : [];
  }

  /** Packet state at event i. */
  packet(i = this.position): PacketSnapshot | null {
    return this.rec.events[i]?.snap ?? null;
  }

  /** The packet's bytes on the wire at event i (for readMemory). */
  bytes(i = this.position): Uint8Array | undefined {
    const s = this.packet(i);
    return s ? encodeSkb(s.skb) : undefined;
  }

  /** Source line of an event's deciding object, if any. */
  line(e: SimEvent): number | undefined {
    const o = e.attrs.origin;
    return o === undefined || o < 0 ? undefined : this.opts.originToLine?.(o);
  }

  /**
   * The live kernel state just after event i (conntrack tables, counters, FDBs, sysctl writes):
   * replays the probe with a tracer that only counts events and stops there. Cached per position.
   */
  state(i = this.position): RunState {
    if (this.stateCache && this.stateCache.at === i && this.stateCache.version === this.version) return this.stateCache.run;
    let run: RunState;
    if (i < 0) run = new RunState(this.kernel);
    else if (i >= this.length - 1) run = this.rec.run;
    else run = replayTo(this.kernel, this.probe, this.mode, this.opts.detail ?? 2, this.edits, i).run;
    this.stateCache = { at: i, version: this.version, run };
    return run;
  }

  // ------------------------------------------------------------ setVariable

  /** Edits made so far (each applies right after its event). */
  get appliedEdits(): readonly Edit[] {
    return this.edits;
  }

  /**
   * Changes a packet field (SKB_FIELDS) at event i; the packet continues with the new value.
   * Returns an error message, or undefined. The position is kept.
   */
  setPacketField(path: string, value: number | string | boolean, i = this.position): string | undefined {
    const snap = this.packet(i);
    if (!snap) return 'no packet at this step';
    if (!(SKB_FIELDS as readonly string[]).includes(path)) return `unknown field ${path}`;
    const err = setSkbField(cloneSkb(snap.skb), path, value);
    if (err) return err;
    this.addEdit({ at: i, kind: 'packet', path, value });
    return undefined;
  }

  /** Writes a sysctl of a namespace at event i (`sysctl -w` semantics, ip_forward fans out). */
  setSysctl(netns: string, key: string, value: string, i = this.position): string | undefined {
    if (!this.kernel.nets.has(netns)) return `unknown namespace ${netns}`;
    if (!/^net\.[\w.-]+$/.test(key)) return `not a sysctl key: ${key}`;
    if (i < 0) return 'no step yet';
    this.addEdit({ at: i, kind: 'sysctl', netns, key, value });
    return undefined;
  }

  private addEdit(e: Edit): void {
    const same = this.edits.findIndex((x) => x.at === e.at && x.kind === e.kind &&
      (x.kind === 'packet' ? e.kind === 'packet' && x.path === e.path : e.kind === 'sysctl' && x.netns === e.netns && x.key === e.key));
    if (same >= 0) this.edits.splice(same, 1);
    this.edits.push(e);
    this.version++;
    this.rec = this.record();
    if (this.position >= this.length) this.position = this.length - 1;
  }
}

// ---------------------------------------------------------------- breakpoint predicates

/**
 * A function breakpoint: `[netns:][table/]NAME` where NAME is a hook (FORWARD), a chain, or a
 * kernel function (ip_route_input, veth_xmit). Stops at the entry of that hook/function.
 */
export function functionBreakpoint(spec: string): Predicate {
  let rest = spec.trim();
  let netns: string | undefined;
  const colon = rest.indexOf(':');
  if (colon > 0) {
    netns = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
  }
  let table: string | undefined;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    table = rest.slice(0, slash);
    rest = rest.slice(slash + 1);
  }
  const name = rest;
  const isHook = /^(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING)$/.test(name);
  return (e) => {
    if (netns !== undefined && e.netns !== netns) return false;
    if (table !== undefined) return e.fn === 'ipt_do_table' && e.attrs.table === table && e.attrs.hook === name;
    if (isHook) return e.fn === 'nf_hook' && e.attrs.hook === name;
    if (e.fn === name) return true;
    return e.fn === 'chain' && e.attrs.chain === name;
  };
}

/** A line breakpoint: events whose deciding object has this origin (rule evaluated, route chosen, socket, device). */
export function originBreakpoint(origin: number, opts: { matchedOnly?: boolean } = {}): Predicate {
  return (e) => e.attrs.origin === origin && (!opts.matchedOnly || e.fn !== 'rule' || e.attrs.matched === true);
}

/** Exception breakpoint filters of the debugger. */
export const EXCEPTION_FILTERS: Record<'drop' | 'reject' | 'noroute' | 'ttl' | 'jail' | 'nat', Predicate> = {
  drop: (e) => e.fn === 'kfree_skb',
  reject: (e) => e.fn === 'rule' && e.attrs.matched === true && e.attrs.verdict === 'reject',
  noroute: (e) => (e.fn === 'ip_route_input' || e.fn === 'ip_route_output') && e.attrs.verdict === 'error',
  ttl: (e) => e.fn === 'ip_forward' && e.attrs.verdict === 'ttl exceeded',
  jail: (e) => e.fn === 'security_socket_bind' && e.attrs.errno === 'EPERM',
  nat: (e) => e.fn === 'nf_nat_packet',
};

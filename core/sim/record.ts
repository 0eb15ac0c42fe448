// Recording what the simulated kernel does: the Tracer implementation that turns enter/leave/
// point calls into an event list with call-stack frames and packet snapshots, and the light
// replay tracer that only counts events (to stop at event N with the live kernel state, or to
// apply a setVariable edit at event N). Does not own running probes (simulate.ts), stepping
// (runtime.ts) or rendering (format.ts).

import type { Origin } from '../kernel/config';
import type { CtEntry, EvAttrs, RunState, Skb, Tracer } from '../netstack';
import { cloneSkb, setSkbField, tupleToString } from '../netstack';

/** A kernel function active at an event: the call stack is the chain of parents. */
export interface Frame {
  fn: string;
  netns: string;
  packet: number;
  attrs: EvAttrs;
  parent: Frame | null;
  /** 0 for the outermost frame of a packet's pass (netif_receive_skb, tcp_v4_connect ...). */
  depth: number;
  /** Index of the event that entered this frame. */
  seq: number;
}

/** The conntrack entry attached to the packet, as it was at the event. */
export interface CtSnapshot {
  id: number;
  state: string;
  reply: boolean;
  orig: string;
  replyTuple: string;
  mark: number;
  confirmed: boolean;
  snat: boolean;
  dnat: boolean;
}

export interface PacketSnapshot {
  skb: Skb;
  ct: CtSnapshot | null;
}

export interface SimEvent {
  seq: number;
  packet: number;
  netns: string;
  fn: string;
  kind: 'enter' | 'point';
  /** Depth of the frame this event belongs to (for enter: the new frame). */
  depth: number;
  /** Innermost frame at this event (for enter: the new frame; for point: the enclosing one, or null at top level). */
  frame: Frame | null;
  attrs: EvAttrs;
  /** Packet state at this event (shared between consecutive events that did not change it). */
  snap: PacketSnapshot | null;
}

/** A change made by the debugger at an event, applied right after that event on every replay. */
export type Edit =
  | { at: number; kind: 'packet'; path: string; value: number | string | boolean }
  | { at: number; kind: 'sysctl'; netns: string; key: string; value: string };

/** Thrown by a tracer with a stop index when that event has been reached. */
export class StopSignal {
  constructor(readonly at: number) {}
}

function snapCt(run: RunState, skb: Skb): CtSnapshot | null {
  if (skb.ct === null) return null;
  const ct: CtEntry | undefined = run.conntrack.get(skb.netns)?.byId.get(skb.ct);
  if (!ct) return null;
  return {
    id: ct.id, state: skb.ctinfo ?? 'INVALID', reply: skb.ctReply, orig: tupleToString(ct.orig), replyTuple: tupleToString(ct.reply),
    mark: ct.mark, confirmed: ct.confirmed, snat: ct.srcNat, dnat: ct.dstNat,
  };
}

/** Shared base: event counting, stop index and edits. */
abstract class EditingTracer implements Tracer {
  abstract readonly level: 0 | 1 | 2;
  count = 0;
  constructor(
    protected readonly run: RunState,
    protected readonly edits: Map<number, Edit[]>,
    protected readonly stopAt: number | undefined,
  ) {}

  /** Applies the edits registered at event `seq` to the live packet and namespace state. */
  protected afterEvent(seq: number, skb: Skb | null): void {
    const e = this.edits.get(seq);
    if (e) {
      for (const ed of e) {
        if (ed.kind === 'packet') {
          if (skb) setSkbField(skb, ed.path, ed.value);
        } else {
          const net = this.run.kernel.nets.get(ed.netns);
          if (net) this.run.writeSysctl(net, ed.key, ed.value);
        }
      }
    }
    if (this.stopAt !== undefined && seq >= this.stopAt) throw new StopSignal(seq);
  }

  abstract enter(fn: string, netns: string, skb: Skb | null, a?: EvAttrs): void;
  abstract leave(): void;
  abstract point(fn: string, netns: string, skb: Skb | null, a?: EvAttrs): void;
}

/** Records every event with frames and snapshots. */
export class Recorder extends EditingTracer {
  readonly events: SimEvent[] = [];
  private top: Frame | null = null;
  private lastSkb: Skb | null = null;
  private lastSnap: PacketSnapshot | null = null;
  private dirty = true;

  constructor(run: RunState, readonly level: 1 | 2, edits: Map<number, Edit[]> = new Map(), stopAt?: number) {
    super(run, edits, stopAt);
  }

  private snap(skb: Skb | null, reuse: boolean): PacketSnapshot | null {
    if (!skb) return null;
    if (reuse && !this.dirty && skb === this.lastSkb && this.lastSnap) return this.lastSnap;
    this.lastSkb = skb;
    this.lastSnap = { skb: cloneSkb(skb), ct: snapCt(this.run, skb) };
    this.dirty = false;
    return this.lastSnap;
  }

  enter(fn: string, netns: string, skb: Skb | null, a: EvAttrs = {}): void {
    const seq = this.events.length;
    const depth = this.top ? this.top.depth + 1 : 0;
    const f: Frame = { fn, netns, packet: skb?.id ?? 0, attrs: a, parent: this.top, depth, seq };
    this.top = f;
    this.events.push({ seq, packet: skb?.id ?? 0, netns, fn, kind: 'enter', depth, frame: f, attrs: a, snap: this.snap(skb, false) });
    this.count++;
    this.afterEvent(seq, skb);
  }

  leave(): void {
    if (this.top) this.top = this.top.parent;
    // Whatever the function did may have changed the packet.
    this.dirty = true;
  }

  point(fn: string, netns: string, skb: Skb | null, a: EvAttrs = {}): void {
    const seq = this.events.length;
    const depth = this.top ? this.top.depth + 1 : 0;
    // A rule that did not match changed nothing: share the previous snapshot.
    const reuse = fn === 'rule' && a.matched === false;
    this.events.push({ seq, packet: skb?.id ?? 0, netns, fn, kind: 'point', depth, frame: this.top, attrs: a, snap: this.snap(skb, reuse) });
    if (!reuse) this.dirty = true;
    this.count++;
    this.afterEvent(seq, skb);
  }
}

/** Counts events only (replays to reach the live state at an event quickly). */
export class CountingTracer extends EditingTracer {
  readonly counting = true;
  constructor(run: RunState, readonly level: 1 | 2, edits: Map<number, Edit[]>, stopAt?: number) {
    super(run, edits, stopAt);
  }
  enter(_fn: string, _ns: string, skb: Skb | null): void {
    this.afterEvent(this.count++, skb);
  }
  leave(): void {}
  point(_fn: string, _ns: string, skb: Skb | null): void {
    this.afterEvent(this.count++, skb);
  }
}

/** Origins of the frames of a stack, innermost first (for mapping a stop to source lines). */
export function stackOf(ev: SimEvent): Frame[] {
  const out: Frame[] = [];
  if (ev.kind === 'point') {
    out.push({ fn: ev.fn, netns: ev.netns, packet: ev.packet, attrs: ev.attrs, parent: ev.frame, depth: ev.depth, seq: ev.seq });
  }
  for (let f = ev.frame; f; f = f.parent) out.push(f);
  return out;
}

export function originOf(ev: SimEvent): Origin | undefined {
  return ev.attrs.origin;
}

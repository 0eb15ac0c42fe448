// A debugged program: the topology file's model, the probe (named, or an inline packet in the
// probe syntax), the simulation mode and the stepping runtime of core/sim, plus what the
// debugger needs on top of them that is not DAP: lines <-> origins, which lines can hold a
// breakpoint and what stops there, field lookups for expressions over a step, and the
// per-recording indexes (thread of each event, first/last event of each packet). Owns no IO
// (the session reads the file) and no protocol conversion (session.ts).

import type { Origin, ProbeSpec, SimMode } from '../core/kernel/config';
import { buildModel, Model } from '../core/model/index';
import type { StatementInfo } from '../core/model/context';
import { SKB_FIELDS, Skb, getSkbField, setSkbField, cloneSkb } from '../core/netstack';
import { Predicate, SimEvent, SimRuntime, PacketSnapshot, Frame } from '../core/sim';
import { offsetToPosition } from '../core/syntax/tree';
import type { Lookup, Value } from './expr';

/** Launch arguments: package.json contributes.debuggers[0].configurationAttributes.launch. */
export interface LaunchArgs {
  /** The .netns topology file. */
  topology?: string;
  /** Name of a probe of the file. */
  probe?: string;
  /** A packet in the probe syntax, instead of a named probe: `from client tcp 10.0.2.2:80`. */
  packet?: string;
  /** separate | shortcut=route | shortcut=postrouting | shortcut=socket (default separate). */
  mode?: string;
  /** Stop before the packet's first kernel function (default true). */
  stopOnEntry?: boolean;
  /** DAP: run without debugging (the trace is printed, nothing stops). */
  noDebug?: boolean;
}

export const MODES = ['separate', 'shortcut=route', 'shortcut=postrouting', 'shortcut=socket'];

export function parseMode(text: string | undefined): SimMode | undefined {
  if (text === undefined || text === 'separate') return { kind: 'separate' };
  const at = text.startsWith('shortcut=') ? text.slice('shortcut='.length) : '';
  if (at === 'route' || at === 'postrouting' || at === 'socket') return { kind: 'shortcut', at };
  return undefined;
}

export type LoadResult = { ok: true; program: Program } | { ok: false; message: string; diagnostics: string[] };

/** Builds the program from the file's text (the caller read it). Never throws for bad input. */
export function loadProgram(path: string, text: string, args: LaunchArgs): LoadResult {
  const mode = parseMode(args.mode);
  if (!mode) return { ok: false, message: `Unknown simulation mode "${args.mode}": use ${MODES.join(', ')}.`, diagnostics: [] };
  if (args.probe !== undefined && typeof args.probe !== 'string') return { ok: false, message: '"probe" must be a string (a probe name).', diagnostics: [] };
  if (args.packet !== undefined && typeof args.packet !== 'string') return { ok: false, message: '"packet" must be a string in the probe syntax, e.g. "from client tcp 10.0.2.2:80".', diagnostics: [] };
  if (args.probe !== undefined && args.packet !== undefined) return { ok: false, message: 'Give either "probe" or "packet", not both.', diagnostics: [] };
  let full = text;
  let inlineName: string | undefined;
  if (args.packet !== undefined) {
    if (/[\n\r{}#]/.test(args.packet) || !args.packet.trim()) {
      return { ok: false, message: `"packet" must be one line in the probe syntax, e.g. "from client tcp 10.0.2.2:80"; got "${args.packet}".`, diagnostics: [] };
    }
    inlineName = 'packet';
    for (let n = 2; new RegExp(`^\\s*probe\\s+${inlineName}\\b`, 'm').test(text); n++) inlineName = `packet${n}`;
    full = `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}probe ${inlineName} ${args.packet.trim()}\n`;
  }
  const model = buildModel(full);
  const lineStarts = model.file.lineStarts;
  const errors = model.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    const rendered = errors.map((d) => {
      if (inlineName !== undefined && d.start >= text.length) return `packet: ${d.code}: ${d.message}`;
      const p = offsetToPosition(lineStarts, d.start);
      return `${path}:${p.line + 1}:${p.character + 1}: error ${d.code}: ${d.message}`;
    });
    return {
      ok: false,
      message: `${path}: ${errors.length} error${errors.length === 1 ? '' : 's'}: fix ${errors.length === 1 ? 'it' : 'them'} to debug a packet.\n${rendered.join('\n')}`,
      diagnostics: rendered,
    };
  }
  let probe: ProbeSpec | undefined;
  if (inlineName !== undefined) probe = model.probes.find((p) => p.name === inlineName);
  else if (args.probe !== undefined) {
    probe = model.probes.find((p) => p.name === args.probe);
    if (!probe) {
      const known = model.probes.map((p) => p.name);
      return { ok: false, message: `No probe "${args.probe}" in ${path}; its probes: ${known.join(', ') || 'none'}.`, diagnostics: [] };
    }
  } else if (model.probes.length === 1) probe = model.probes[0];
  else {
    const known = model.probes.map((p) => p.name);
    return {
      ok: false,
      message: known.length
        ? `${path} has ${known.length} probes: say which with "probe" (${known.join(', ')}), or give a "packet".`
        : `${path} has no probe: add one (probe web from client tcp 10.0.2.2:80) or give a "packet" in the launch configuration.`,
      diagnostics: [],
    };
  }
  if (!probe) return { ok: false, message: `The packet "${args.packet}" is not a probe the model accepted.`, diagnostics: [] };
  return { ok: true, program: new Program(path, text, model, probe, mode, inlineName !== undefined) };
}

/** What a line breakpoint on a statement stops on, or why it cannot. */
export type LineTarget =
  | { ok: true; netns: string; what: string; predicate: Predicate }
  | { ok: false; reason: string };

/** Field names the expression language knows (for completion and validation). */
export const EXPR_FIELDS: readonly string[] = [
  ...SKB_FIELDS, 'ip.src', 'ip.dst', 'sport', 'dport', 'proto',
  'ct.state', 'ct.id', 'ct.mark', 'ct.reply', 'ct.confirmed', 'ct.snat', 'ct.dnat', 'ct.orig', 'ct.reply_tuple',
  'fn', 'netns', 'dev', 'hook', 'table', 'chain', 'rule', 'verdict', 'matched', 'why', 'reason', 'errno', 'packet', 'depth',
];

/** Fields a data breakpoint can watch (they change along the path). */
export const WATCHABLE: readonly string[] = [...SKB_FIELDS.filter((f) => f !== 'skb.len'), 'ct.state', 'ct.mark', 'ct.snat', 'ct.dnat'];

export class Program {
  readonly runtime: SimRuntime;
  /** Statements by the 1-based line of each line they span. */
  private readonly byLine = new Map<number, StatementInfo[]>();
  // Per recording:
  private recVersion = -1;
  private threadOfEv: number[] = [];
  private prevSame: number[] = [];
  private firstOf = new Map<number, number>();
  private lastOf = new Map<number, number>();
  private visited = new Set<string>();
  private lastEvents?: readonly SimEvent[];

  constructor(
    readonly path: string,
    readonly text: string,
    readonly model: Model,
    readonly probe: ProbeSpec,
    readonly mode: SimMode,
    readonly inline: boolean,
  ) {
    const ls = model.file.lineStarts;
    for (const st of model.statements) {
      if (!st) continue;
      if (st.cmd.start >= text.length) continue; // the inline packet's line
      const a = offsetToPosition(ls, st.cmd.start).line + 1;
      const b = offsetToPosition(ls, Math.max(st.cmd.start, st.cmd.end - 1)).line + 1;
      for (let l = a; l <= b; l++) {
        let list = this.byLine.get(l);
        if (!list) this.byLine.set(l, (list = []));
        list.push(st);
      }
    }
    this.runtime = new SimRuntime(model.topology, probe, mode, { originToLine: (o) => this.lineOf(o) });
  }

  /** 1-based line of an origin (statement id), if it is a line of the file. */
  lineOf(origin: Origin | undefined | null): number | undefined {
    if (origin === undefined || origin === null || origin < 0) return undefined;
    const st = this.model.statements[origin];
    if (!st || st.cmd.start >= this.text.length) return undefined;
    return offsetToPosition(this.model.file.lineStarts, st.cmd.start).line + 1;
  }

  /** The probe's own line (named probes). */
  get probeLine(): number | undefined {
    return this.inline ? undefined : this.lineOf(this.probe.origin);
  }

  get senderNetns(): string {
    return this.probe.from?.netns ?? this.probe.on?.netns ?? 'root';
  }

  get lineCount(): number {
    return this.model.file.lineStarts.length;
  }

  // ------------------------------------------------------------ per-recording indexes

  private index(): void {
    const rt = this.runtime;
    // The runtime re-records on an edit: detect it by the events array identity.
    const ev = rt.events;
    if (this.recVersion >= 0 && this.lastEvents === ev) return;
    this.lastEvents = ev;
    this.recVersion++;
    this.threadOfEv = new Array(ev.length);
    this.prevSame = new Array(ev.length);
    this.firstOf = new Map();
    this.lastOf = new Map();
    this.visited = new Set();
    const lastIdx = new Map<number, number>();
    let prev = 1;
    for (let i = 0; i < ev.length; i++) {
      const t = ev[i].packet || prev;
      prev = t;
      this.threadOfEv[i] = t;
      this.prevSame[i] = lastIdx.get(t) ?? -1;
      lastIdx.set(t, i);
      if (!this.firstOf.has(t)) this.firstOf.set(t, i);
      this.lastOf.set(t, i);
      this.visited.add(ev[i].netns);
    }
  }

  /** Changes whenever the recording changes (setVariable). */
  get version(): number {
    this.index();
    return this.recVersion;
  }

  /** Thread (packet id) of event i; the probe's thread (1) before the first event. */
  threadOf(i: number): number {
    this.index();
    if (i < 0) return 1;
    return this.threadOfEv[Math.min(i, this.threadOfEv.length - 1)] ?? 1;
  }

  /** Packets in flight at position i: created at or before i and with an event at or after i. */
  aliveAt(i: number): number[] {
    this.index();
    if (i < 0 || this.runtime.length === 0) return [1];
    const out: number[] = [];
    for (const [t, first] of this.firstOf) if (first <= i && (this.lastOf.get(t) ?? -1) >= i) out.push(t);
    return out.sort((a, b) => a - b);
  }

  /** The last event of packet t at or before i (its state in the Threads view). */
  lastEventOf(t: number, i: number): number | undefined {
    this.index();
    for (let k = Math.min(i, this.runtime.length - 1); k >= 0; k--) if (this.threadOfEv[k] === t) return k;
    return undefined;
  }

  /** Previous event of the same packet (for data breakpoints), or -1. */
  previousSame(i: number): number {
    this.index();
    return this.prevSame[i] ?? -1;
  }

  /** Namespaces the recorded path enters. */
  visits(netns: string): boolean {
    this.index();
    return this.visited.has(netns);
  }

  summaryOf(t: number): string {
    const p = this.runtime.result.packets.find((x) => x.id === t);
    return p?.summary || (t === 1 ? `probe ${this.probe.name}` : `packet ${t}`);
  }

  // ------------------------------------------------------------ packets at a step

  /** The packet at event i as the Variables view shows it: the snapshot plus the edits made at i. At -1: event 0's. */
  packetAt(i: number): PacketSnapshot | null {
    const at = Math.max(i, 0);
    const snap = this.runtime.packet(at);
    if (!snap) return null;
    const edits = this.runtime.appliedEdits.filter((e) => e.at === at && e.kind === 'packet');
    if (!edits.length) return snap;
    const skb: Skb = cloneSkb(snap.skb);
    for (const e of edits) if (e.kind === 'packet') setSkbField(skb, e.path, e.value);
    return { skb, ct: snap.ct };
  }

  /** A field of a packet snapshot by expression name. */
  static field(snap: PacketSnapshot | null, name: string): Value | undefined {
    if (!snap) return undefined;
    const s = snap.skb;
    switch (name) {
      case 'ip.saddr': case 'ip.src': return { t: 'num', v: s.ip.saddr, addr: true };
      case 'ip.daddr': case 'ip.dst': return { t: 'num', v: s.ip.daddr, addr: true };
      case 'sport': { const h = s.tcp ?? s.udp; return h ? { t: 'num', v: h.sport } : { t: 'none' }; }
      case 'dport': { const h = s.tcp ?? s.udp; return h ? { t: 'num', v: h.dport } : { t: 'none' }; }
      case 'proto': return { t: 'str', v: s.tcp ? 'tcp' : s.udp ? 'udp' : s.icmp ? 'icmp' : String(s.ip.protocol) };
      case 'ct.state': return snap.ct ? { t: 'str', v: snap.ct.state } : { t: 'str', v: s.ctinfo ?? 'UNTRACKED' };
      case 'ct.id': return snap.ct ? { t: 'num', v: snap.ct.id } : { t: 'none' };
      case 'ct.mark': return snap.ct ? { t: 'num', v: snap.ct.mark } : { t: 'none' };
      case 'ct.reply': return snap.ct ? { t: 'bool', v: snap.ct.reply } : { t: 'none' };
      case 'ct.confirmed': return snap.ct ? { t: 'bool', v: snap.ct.confirmed } : { t: 'none' };
      case 'ct.snat': return snap.ct ? { t: 'bool', v: snap.ct.snat } : { t: 'none' };
      case 'ct.dnat': return snap.ct ? { t: 'bool', v: snap.ct.dnat } : { t: 'none' };
      case 'ct.orig': return snap.ct ? { t: 'str', v: snap.ct.orig } : { t: 'none' };
      case 'ct.reply_tuple': return snap.ct ? { t: 'str', v: snap.ct.replyTuple } : { t: 'none' };
    }
    if ((SKB_FIELDS as readonly string[]).includes(name)) {
      const v = getSkbField(s, name);
      if (v === undefined) return { t: 'none' };
      if (typeof v === 'number') return { t: 'num', v };
      if (typeof v === 'boolean') return { t: 'bool', v };
      return { t: 'str', v };
    }
    return undefined;
  }

  /** The expression lookup at event i (packet fields, conntrack, and the step's own attributes). */
  lookupAt(i: number): Lookup {
    const e = i >= 0 ? this.runtime.events[i] : undefined;
    const snap = this.packetAt(i);
    return (name) => {
      if (e) {
        const a = e.attrs;
        switch (name) {
          case 'fn': return { t: 'str', v: e.fn };
          case 'netns': return { t: 'str', v: e.netns };
          case 'dev': return a.dev !== undefined ? { t: 'str', v: a.dev } : snap?.skb.dev ? { t: 'str', v: snap.skb.dev } : { t: 'none' };
          case 'hook': return a.hook ? { t: 'str', v: a.hook } : { t: 'none' };
          case 'table': return a.table ? { t: 'str', v: a.table } : { t: 'none' };
          case 'chain': return a.chain ? { t: 'str', v: a.chain } : { t: 'none' };
          case 'rule': return a.rule !== undefined ? { t: 'num', v: a.rule } : { t: 'none' };
          case 'verdict': return a.verdict ? { t: 'str', v: a.verdict } : { t: 'none' };
          case 'matched': return { t: 'bool', v: a.matched === true };
          case 'why': return a.why ? { t: 'str', v: a.why } : { t: 'none' };
          case 'reason': return a.reason ? { t: 'str', v: a.reason } : { t: 'none' };
          case 'errno': return a.errno ? { t: 'str', v: a.errno } : { t: 'none' };
          case 'packet': return { t: 'num', v: this.threadOf(i) };
          case 'depth': return { t: 'num', v: e.depth };
        }
      } else {
        switch (name) {
          case 'fn': return { t: 'str', v: 'entry' };
          case 'netns': return { t: 'str', v: this.senderNetns };
          case 'packet': return { t: 'num', v: 1 };
          case 'matched': return { t: 'bool', v: false };
        }
      }
      return Program.field(snap, name);
    };
  }

  // ------------------------------------------------------------ line breakpoints

  statementsOn(line: number): StatementInfo[] {
    return this.byLine.get(line) ?? [];
  }

  /** What a breakpoint on this 1-based line stops on, or why none can be there. */
  lineTarget(line: number): LineTarget {
    if (!Number.isInteger(line) || line < 1) return { ok: false, reason: `line ${line} is not a line of the file` };
    if (line > this.lineCount) return { ok: false, reason: `line ${line} is past the end of the file (${this.lineCount} lines)` };
    const sts = this.statementsOn(line);
    if (!sts.length) return { ok: false, reason: 'no command on this line (blank, comment, brace or block header): nothing runs here' };
    const targets = sts.map((st) => this.statementTarget(st));
    const good = targets.filter((t): t is Extract<LineTarget, { ok: true }> => t.ok);
    if (!good.length) return targets[0];
    if (good.length === 1) return good[0];
    return { ok: true, netns: good[0].netns, what: good.map((g) => g.what).join('; '), predicate: (e) => good.some((g) => g.predicate(e)) };
  }

  private statementTarget(st: StatementInfo): LineTarget {
    const id = st.cmd.id;
    const what = st.what ?? st.cmd.words[0]?.value ?? '';
    const ns = st.netns;
    if (st.failed) {
      const d = this.model.diagnostics.find((x) => x.severity === 'error' && x.start >= st.cmd.start && x.start <= st.cmd.end);
      return { ok: false, reason: `this command failed${d ? ` (${d.code}: ${d.message})` : ''}: the kernel never has what it sets up, so nothing can stop here` };
    }
    const words = st.cmd.words.map((w) => w.value);
    const argAfter = (opt: string[]): string | undefined => {
      const k = words.findIndex((w) => opt.includes(w));
      return k >= 0 ? words[k + 1] : undefined;
    };
    if (/^iptables -[AIR]$/.test(what)) {
      return { ok: true, netns: ns, what: 'stops when this rule is evaluated (condition `matched` for matches only)', predicate: (e) => e.fn === 'rule' && e.attrs.origin === id };
    }
    if (what === 'iptables -P') {
      const table = argAfter(['-t', '--table']) ?? 'filter';
      const chain = argAfter(['-P', '--policy']);
      return { ok: true, netns: ns, what: `stops when the ${table} ${chain} policy decides`, predicate: (e) => e.fn === 'policy' && e.netns === ns && e.attrs.table === table && e.attrs.chain === chain };
    }
    if (what === 'iptables -N') {
      const table = argAfter(['-t', '--table']) ?? 'filter';
      const chain = argAfter(['-N', '--new-chain', '--new']);
      return { ok: true, netns: ns, what: `stops when chain ${chain} is entered`, predicate: (e) => e.fn === 'chain' && e.netns === ns && e.attrs.table === table && e.attrs.chain === chain };
    }
    if (what.startsWith('iptables')) return { ok: false, reason: `'${what}' changes no rule a packet meets: put the breakpoint on an -A/-I rule, a -P policy or a -N chain line` };
    if (/^ip route (add|replace|append|change|prepend)$/.test(what) || what === 'ip addr add') {
      return {
        ok: true, netns: ns, what: what === 'ip addr add' ? 'stops when a route this address installs is chosen' : 'stops when this route is chosen',
        predicate: (e) => (e.fn === 'ip_route_input' || e.fn === 'ip_route_output') && e.attrs.origin === id,
      };
    }
    if (what === 'ip rule add') {
      const rule = this.model.topology.namespaces.get(ns)?.rules.find((r) => r.origin === id);
      const tag = rule ? `(rule ${rule.pref})` : undefined;
      return {
        ok: true, netns: ns, what: 'stops when this policy rule decides a route lookup',
        predicate: (e) => (e.fn === 'ip_route_input' || e.fn === 'ip_route_output') && e.netns === ns &&
          (e.attrs.origin === id || (tag !== undefined && (e.attrs.text ?? '').includes(tag))),
      };
    }
    if (what === 'listen') {
      return { ok: true, netns: ns, what: 'stops when a packet is delivered to this socket', predicate: (e) => (e.fn === 'inet_lookup_listener' || e.fn === '__udp4_lib_lookup') && e.attrs.origin === id };
    }
    if (what.startsWith('ip link')) {
      const devs: Array<{ name: string; netns: string }> = [];
      for (const s of this.model.symbols) {
        if (s.statement !== id || s.kind !== 'device') continue;
        const dc = this.model.topology.devices.get(Number(s.key.slice('device:'.length)));
        if (dc && !devs.some((d) => d.name === dc.name && d.netns === dc.netns)) devs.push({ name: dc.name, netns: dc.netns });
      }
      if (!devs.length) return { ok: false, reason: 'this link line names no device that exists at the end of the file' };
      return {
        ok: true, netns: devs[0].netns, what: `stops when ${devs.map((d) => `${d.name}@${d.netns}`).join(' or ')} transmits or receives`,
        predicate: (e) => (e.fn === 'netif_receive_skb' || e.fn === 'dev_queue_xmit') && devs.some((d) => d.netns === e.netns && d.name === e.attrs.dev),
      };
    }
    if (what === 'probe') return { ok: false, reason: 'a probe line is where a launch starts: launch it (stopOnEntry) rather than break on it' };
    if (what === 'sysctl') return { ok: false, reason: 'a sysctl is read, not run: break on ip_forward or ip_route_input (function breakpoints) to see it decide' };
    return { ok: false, reason: `'${what || words[0]}' lines are not where a packet stops: use a rule, route, ip rule, listen or ip link line` };
  }

  /** The namespaces of frames in a stack (for the output and custom events). */
  static frameNetns(f: Frame): string {
    return f.netns;
  }
}

// The Debug Adapter Protocol session of the packet debugger (`NetnsDebugSession`): translates
// DAP requests into moves of core/sim's stepping runtime and its state into DAP threads (packets
// in flight), stack frames (the kernel call chain, with the namespace in each name), scopes and
// variables (Packet, Namespace, Probe), breakpoints of every kind, evaluate/REPL commands,
// completions, readMemory (the packet's bytes) and output (one trace line per step). Reads the
// topology file (the only IO). Does not simulate anything itself (core/sim does) and holds no
// kernel semantics beyond naming.

import { readFileSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import {
  Breakpoint, BreakpointEvent, DebugSession, Event, ExitedEvent, Handles, InitializedEvent, InvalidatedEvent,
  OutputEvent, Scope, Source, StackFrame, StoppedEvent, TerminatedEvent, Thread, ThreadEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ipv4ToString } from '../core/kernel/config';
import { encodeSkb, macToString, SKB_FIELDS, tcpFlagsString, icmpDescribe, ipProtoName, skbSummary } from '../core/netstack';
import { EXCEPTION_FILTERS, Frame, Predicate, formatEvent, functionBreakpoint } from '../core/sim';
import { completeCommand, isCommand, runCommand } from './commands';
import { ExprError, compileCondition, evalExpr, identifiers, interpolate, parseExpr, parseHitCondition, show } from './expr';
import { KERNEL_FUNCTIONS, KernelSource, kernelLine, kernelSource, kernelSourceByRef } from './kernel-sources';
import { EXPR_FIELDS, LaunchArgs, Program, WATCHABLE, loadProgram } from './program';

export type { LaunchArgs } from './program';

interface LaunchRequestArguments extends DebugProtocol.LaunchRequestArguments, LaunchArgs {}

/** Exception filters: id, label, predicate. */
const FILTERS: Array<{ id: string; label: string; description: string; test: Predicate }> = [
  { id: 'drop', label: 'Packet dropped', description: 'kfree_skb: the packet is dropped (netfilter DROP, no socket, rp_filter, martian ...)', test: EXCEPTION_FILTERS.drop },
  { id: 'reject', label: 'REJECT rule', description: 'a REJECT rule matched', test: EXCEPTION_FILTERS.reject },
  { id: 'noroute', label: 'No route', description: 'a route lookup failed (unreachable, prohibit, blackhole, no route)', test: EXCEPTION_FILTERS.noroute },
  { id: 'ttl', label: 'TTL exceeded', description: 'ip_forward: the TTL ran out (time exceeded)', test: EXCEPTION_FILTERS.ttl },
  {
    id: 'eperm', label: 'EPERM (OUTPUT or jail)', description: 'the sending process gets EPERM: netfilter OUTPUT dropped its packet, or bsdjail refused a bind',
    test: (e) => e.attrs.errno === 'EPERM' || (e.fn === 'kfree_skb' && e.attrs.reason === 'NETFILTER_DROP' && inHook(e.frame, 'OUTPUT')),
  },
  { id: 'nat', label: 'NAT applied', description: 'nf_nat_packet: an address or port was translated', test: EXCEPTION_FILTERS.nat },
];

function inHook(f: Frame | null, hook: string): boolean {
  for (let x = f; x; x = x.parent) if (x.fn === 'nf_hook' && x.attrs.hook === hook) return true;
  return false;
}

/** Kernel functions and hooks a function breakpoint may name (plus chain names of the topology). */
const KNOWN_FUNCTIONS = new Set<string>([
  ...KERNEL_FUNCTIONS, 'PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING', 'tcp_v4_err', 'ping_err', '__udp4_lib_err', 'br_flood', 'policy', 'rule',
]);

type BpKind = 'line' | 'function' | 'exception' | 'data';

interface Bp {
  id: number;
  kind: BpKind;
  /** Where it came from: file line, function name, filter id or data id. */
  label: string;
  line?: number;
  predicate: Predicate;
  cond?: (i: number) => boolean;
  hit?: (n: number) => boolean;
  log?: string;
  verified: boolean;
  message?: string;
  /** For line breakpoints: the statement's namespace (unreachable when the path never enters it). */
  netns?: string;
  /** Matching event indexes for the current recording (predicate and condition). */
  cache?: { version: number; hits: number[] };
}

type VarRef =
  | { kind: 'packet'; ev: number }
  | { kind: 'pgroup'; ev: number; group: string }
  | { kind: 'netns'; ns: string; ev: number }
  | { kind: 'nsgroup'; ns: string; ev: number; group: string; sub?: string }
  | { kind: 'probe' }
  | { kind: 'list'; items: DebugProtocol.Variable[] };

interface FrameRef {
  ev: number;
  frame: Frame | null;
  netns: string;
}

const MAX_OUTPUT_LINES = 2000;

export class NetnsDebugSession extends DebugSession {
  private program?: Program;
  private args: LaunchRequestArguments = {};
  private configured = false;
  private launchPending?: { response: DebugProtocol.LaunchResponse; timer: NodeJS.Timeout };
  private terminated = false;
  private nextBpId = 1;
  private lineBps: Bp[] = [];
  private fnBps: Bp[] = [];
  private exBps: Bp[] = [];
  private dataBps: Bp[] = [];
  private frames = new Map<number, FrameRef>();
  private nextFrameId = 1;
  private vars = new Handles<VarRef>();
  private alive: number[] = [];
  private stopReason?: { reason: string; filter?: string; ev: number; text: string };
  private lastPrintedPacket = 0;
  private dynamicSources = new Map<string, KernelSource>();
  /** Sends the trace lines collected by the move in progress (before a logpoint's message). */
  private flushTrace?: () => void;

  constructor(obsoleteLinesStartAt1?: boolean, isServer?: boolean) {
    super(obsoleteLinesStartAt1, isServer);
    // The protocol layer reports unreadable messages (bad JSON) and stream errors as an 'error'
    // event on the session; without a listener Node would throw it. Say it in the console instead.
    this.on('error', (e: { body?: unknown }) => {
      try {
        this.sendEvent(new OutputEvent(`netns debug adapter: ${String(e?.body ?? e)}\n`, 'stderr'));
      } catch {
        /* the stream itself failed: nothing to tell */
      }
    });
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  // ------------------------------------------------------------ robustness

  /** Every request: arguments must be an object when present; a handler that throws answers with an error. */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    if (request.arguments !== undefined && (request.arguments === null || typeof request.arguments !== 'object' || Array.isArray(request.arguments))) {
      const r: DebugProtocol.Response = { seq: 0, type: 'response', request_seq: request.seq, command: request.command, success: false };
      this.sendErrorResponse(r, { id: 3001, format: `'${request.command}': arguments must be an object`, showUser: false });
      return;
    }
    try {
      super.dispatchRequest(request);
    } catch (e) {
      const r: DebugProtocol.Response = { seq: 0, type: 'response', request_seq: request.seq, command: request.command, success: false };
      this.sendErrorResponse(r, { id: 3002, format: `'${request.command}' failed: ${(e as Error)?.message ?? String(e)}`, showUser: false });
    }
  }

  private fail(response: DebugProtocol.Response, message: string, id = 3000, showUser = false): void {
    // `{`/`}` in a message would be taken for format variables: escape by passing the text as a variable.
    this.sendErrorResponse(response, { id, format: '{_msg}', variables: { _msg: message }, showUser });
  }

  private requireProgram(response: DebugProtocol.Response): Program | undefined {
    if (!this.program || this.terminated) {
      this.fail(response, this.terminated ? 'the packet has finished: launch again to debug it' : 'no packet is being debugged: launch first');
      return undefined;
    }
    return this.program;
  }

  // ------------------------------------------------------------ initialize / launch

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    void args;
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsEvaluateForHovers: true,
      supportsStepBack: true,
      supportsSetVariable: true,
      supportsCompletionsRequest: true,
      completionTriggerCharacters: ['.', ' '],
      supportsExceptionInfoRequest: true,
      supportsExceptionFilterOptions: true,
      exceptionBreakpointFilters: FILTERS.map((f) => ({ filter: f.id, label: f.label, description: f.description, default: false, supportsCondition: true, conditionDescription: 'an expression over the packet, e.g. ip.daddr == 10.0.2.2' })),
      supportsDataBreakpoints: true,
      supportsReadMemoryRequest: true,
      supportsBreakpointLocationsRequest: true,
      supportsTerminateRequest: true,
      supportsDelayedStackTraceLoading: true,
      supportsSteppingGranularity: false,
      supportsRestartRequest: false,
      supportsLoadedSourcesRequest: false,
    };
    this.sendResponse(response);
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchRequestArguments): void {
    if (this.program) return this.fail(response, 'this session already debugs a packet: start a new session');
    if (!args || typeof args.topology !== 'string' || !args.topology) {
      return this.fail(response, 'the launch configuration needs "topology": the path of a .netns file', 3010, true);
    }
    if (args.stopOnEntry !== undefined && typeof args.stopOnEntry !== 'boolean') return this.fail(response, '"stopOnEntry" must be true or false', 3010, true);
    const path = isAbsolute(args.topology) ? args.topology : resolve(args.topology);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      return this.fail(response, `cannot read the topology file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 3011, true);
    }
    let loaded;
    try {
      loaded = loadProgram(path, text, args);
    } catch (e) {
      return this.fail(response, `cannot simulate ${path}: ${(e as Error).message}`, 3012, true);
    }
    if (!loaded.ok) {
      this.out(loaded.message + '\n', 'stderr');
      return this.fail(response, loaded.message, 3013, true);
    }
    this.program = loaded.program;
    this.args = args;
    const p = this.program;
    const mode = p.mode.kind === 'separate' ? 'separate' : `shortcut=${p.mode.at}`;
    this.out(`probe ${p.inline ? `(packet ${args.packet})` : p.probe.name} (${mode}): ${p.runtime.length} steps, ${p.runtime.result.packets.length} packet${p.runtime.result.packets.length === 1 ? '' : 's'}\n`);
    // Breakpoints come now (they need the program to be verified), then configurationDone.
    this.sendEvent(new InitializedEvent());
    if (this.configured) this.startRun(response);
    else {
      // A client that never sends configurationDone still gets its launch after a moment.
      const timer = setTimeout(() => this.configurationDone(), 3000);
      this.launchPending = { response, timer };
    }
  }

  protected override attachRequest(response: DebugProtocol.AttachResponse): void {
    this.fail(response, 'attach is not supported: the simulator launches packets (use "request": "launch")');
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    this.configurationDone();
  }

  private configurationDone(): void {
    this.configured = true;
    const pending = this.launchPending;
    if (pending) {
      clearTimeout(pending.timer);
      this.launchPending = undefined;
      this.startRun(pending.response);
    }
  }

  private startRun(response: DebugProtocol.LaunchResponse): void {
    this.sendResponse(response);
    const p = this.program!;
    this.alive = [];
    this.syncThreads();
    if (this.args.noDebug) {
      this.forward(() => false, 'continue', false);
      return;
    }
    if (this.args.stopOnEntry === false) this.forward(() => false, 'continue');
    else this.halt('entry', p.runtime.position, `stopped at the start of probe ${p.probe.name}`);
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments, request?: DebugProtocol.Request): void {
    if (this.launchPending) clearTimeout(this.launchPending.timer);
    this.launchPending = undefined;
    // The base class answers and ends a stdio adapter process (not an inline or server session).
    super.disconnectRequest(response, args, request);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.sendResponse(response);
    this.finish(false);
  }

  // ------------------------------------------------------------ threads and events

  private out(text: string, category: 'console' | 'stdout' | 'stderr' = 'console', line?: number): void {
    const e = new OutputEvent(text, category) as DebugProtocol.OutputEvent;
    if (line !== undefined && this.program) {
      e.body.source = this.topologySource();
      e.body.line = line;
    }
    this.sendEvent(e);
  }

  private topologySource(): Source {
    const p = this.program!;
    return new Source(basename(p.path), this.convertDebuggerPathToClient(p.path));
  }

  /** Thread started/exited events for the packets in flight at the current position. */
  private syncThreads(): void {
    const p = this.program!;
    const now = p.aliveAt(p.runtime.position);
    const cur = p.threadOf(p.runtime.position);
    if (!now.includes(cur)) now.push(cur);
    for (const t of now) if (!this.alive.includes(t)) this.sendEvent(new ThreadEvent('started', t));
    for (const t of this.alive) if (!now.includes(t)) this.sendEvent(new ThreadEvent('exited', t));
    this.alive = now;
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const p = this.program;
    if (!p) {
      response.body = { threads: [] };
      return this.sendResponse(response);
    }
    const list = this.alive.length ? this.alive : [p.threadOf(p.runtime.position)];
    response.body = { threads: list.map((t) => new Thread(t, p.summaryOf(t))) };
    this.sendResponse(response);
  }

  /** One trace line per step passed, in the CLI's format (a packet header when the packet changes). */
  private traceLine(i: number): string {
    const p = this.program!;
    const e = p.runtime.events[i];
    const t = p.threadOf(i);
    let s = '';
    if (t !== this.lastPrintedPacket) {
      const info = p.runtime.result.packets.find((x) => x.id === t);
      s += `packet ${t}${info?.parent ? ` (from ${info.parent})` : ''}: ${info?.summary ?? ''}\n`;
      this.lastPrintedPacket = t;
    }
    return s + '  ' + '  '.repeat(e.depth) + formatEvent(e) + '\n';
  }

  private halt(reason: string, ev: number, text: string, filter?: string, hitIds?: number[]): void {
    const p = this.program!;
    this.frames.clear();
    this.vars.reset();
    this.stopReason = { reason, filter, ev, text };
    this.syncThreads();
    const thread = p.threadOf(ev);
    const cur = ev >= 0 ? p.runtime.events[ev] : undefined;
    const snap = p.packetAt(ev);
    // The topology view's event first, so it has moved when the editor shows the stop.
    this.sendEvent(new Event('netns/packet', {
      thread, netns: cur?.netns ?? p.senderNetns, dev: cur?.attrs.dev ?? snap?.skb.dev ?? null, fn: cur?.fn ?? 'entry', hook: cur?.attrs.hook ?? null,
      line: cur ? p.lineOf(cur.attrs.origin) ?? null : p.probeLine ?? null, step: ev,
    }));
    const e = new StoppedEvent(reason, thread) as DebugProtocol.StoppedEvent;
    e.body.allThreadsStopped = true;
    e.body.description = text;
    if (reason === 'exception') e.body.text = text;
    if (hitIds?.length) e.body.hitBreakpointIds = hitIds;
    this.sendEvent(e);
  }

  /** The end of the recording: the outcome, then exited and terminated. */
  private finish(printOutcome = true): void {
    if (this.terminated) return;
    this.terminated = true;
    const p = this.program;
    if (p && printOutcome) {
      const o = p.runtime.result.outcome;
      this.out(`outcome: ${o.kind}${o.netns ? ` in ${o.netns}` : ''}${o.errno ? ` (${o.errno})` : ''}${o.line !== null ? ` line ${o.line}` : ''}: ${o.reason}\n`, 'console', o.line ?? undefined);
      const x = p.probe.expect;
      if (x) this.out(`expected: ${x.kind}${x.netns ? ` in ${x.netns}` : ''} -> ${p.runtime.result.pass ? 'PASS' : 'FAIL'}\n`);
    }
    for (const t of this.alive) this.sendEvent(new ThreadEvent('exited', t));
    this.alive = [];
    this.sendEvent(new ExitedEvent(p?.runtime.result.pass === false ? 1 : 0));
    this.sendEvent(new TerminatedEvent());
  }

  // ------------------------------------------------------------ breakpoints: evaluation

  private hitsOf(bp: Bp): number[] {
    const p = this.program!;
    const v = p.version;
    if (bp.cache && bp.cache.version === v) return bp.cache.hits;
    const hits: number[] = [];
    const ev = p.runtime.events;
    for (let i = 0; i < ev.length; i++) {
      if (!bp.predicate(ev[i])) continue;
      if (bp.cond && !bp.cond(i)) continue;
      hits.push(i);
    }
    bp.cache = { version: v, hits };
    return hits;
  }

  /** Whether bp fires at event i (predicate, condition, hit count); its 1-based hit number. */
  private fires(bp: Bp, i: number): boolean {
    const hits = this.hitsOf(bp);
    // binary search
    let lo = 0;
    let hi = hits.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (hits[mid] === i) return bp.hit ? bp.hit(mid + 1) : true;
      if (hits[mid] < i) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  private allBps(): Bp[] {
    return [...this.lineBps, ...this.fnBps, ...this.dataBps, ...this.exBps];
  }

  /** The breakpoints that stop at i (not logpoints), and emits logpoint messages. */
  private check(i: number, log: boolean): Bp[] {
    const stops: Bp[] = [];
    for (const bp of this.allBps()) {
      if (!bp.verified && !(bp.kind === 'line' && bp.message?.startsWith('never reached'))) continue;
      if (!this.fires(bp, i)) continue;
      if (bp.log !== undefined) {
        if (log) {
          this.flushTrace?.();
          const line = this.program!.runtime.events[i];
          this.out(interpolate(bp.log, this.program!.lookupAt(i)) + '\n', 'console', bp.line ?? this.program!.lineOf(line.attrs.origin));
        }
      } else stops.push(bp);
    }
    return stops;
  }

  private stopFor(bps: Bp[], i: number): void {
    const p = this.program!;
    const e = p.runtime.events[i];
    const ex = bps.find((b) => b.kind === 'exception');
    const data = bps.find((b) => b.kind === 'data');
    const fn = bps.find((b) => b.kind === 'function');
    const ids = bps.map((b) => b.id);
    if (bps.some((b) => b.kind === 'line')) return this.halt('breakpoint', i, `breakpoint: ${formatEvent(e)}`, undefined, ids);
    if (fn) return this.halt('function breakpoint', i, `function breakpoint ${fn.label}: ${formatEvent(e)}`, undefined, ids);
    if (data) {
      const prev = p.previousSame(i);
      const before = prev >= 0 ? show(Program.field(p.packetAt(prev), data.label) ?? { t: 'none' }) : '?';
      const after = show(Program.field(p.packetAt(i), data.label) ?? { t: 'none' });
      return this.halt('data breakpoint', i, `${data.label} changed: ${before} -> ${after} (${e.fn} @${e.netns})`, undefined, ids);
    }
    const f = FILTERS.find((x) => x.id === ex!.label)!;
    return this.halt('exception', i, `${f.label}: ${formatEvent(e)}`, f.id, ids);
  }

  // ------------------------------------------------------------ moving

  /**
   * Runs forward until `target(i)` or a breakpoint at i; prints one trace line per step passed.
   * At the end of the recording the session ends (outcome, exited, terminated).
   */
  private forward(target: (i: number) => boolean, reason: string, useBreakpoints = true): void {
    const p = this.program!;
    const rt = p.runtime;
    const ev = rt.events;
    let printed = 0;
    let skipped = 0;
    // The trace lines of the steps passed: one line per step, sent as one output event per move
    // (an event per line costs a protocol message each: a `next` over a whole hook is tens of steps).
    let buf = '';
    const flush = (): void => {
      if (skipped) buf += `  ... ${skipped} more steps not printed\n`;
      skipped = 0;
      if (buf) this.out(buf);
      buf = '';
    };
    this.flushTrace = flush;
    for (let i = rt.position + 1; i < ev.length; i++) {
      if (printed < MAX_OUTPUT_LINES) {
        buf += this.traceLine(i);
        printed++;
      } else skipped++;
      const stops = useBreakpoints ? this.check(i, true) : [];
      if (stops.length || target(i)) {
        flush();
        rt.goto(i);
        if (stops.length) return this.stopFor(stops, i);
        return this.halt(reason, i, formatEvent(ev[i]));
      }
    }
    flush();
    rt.goto(ev.length);
    this.finish();
  }

  private backward(target: (i: number) => boolean, reason: string, useBreakpoints: boolean): void {
    const p = this.program!;
    const rt = p.runtime;
    for (let i = rt.position - 1; i >= 0; i--) {
      const stops = useBreakpoints ? this.check(i, false) : [];
      if (stops.length || target(i)) {
        rt.goto(i);
        this.lastPrintedPacket = 0;
        this.out(`(back) ${this.traceLine(i)}`);
        if (stops.length) return this.stopFor(stops, i);
        return this.halt(reason, i, formatEvent(rt.events[i]));
      }
    }
    rt.goto(-1);
    this.lastPrintedPacket = 0;
    this.halt('entry', -1, 'back at the start of the probe');
  }

  private moveRequest(response: DebugProtocol.Response, how: 'continue' | 'next' | 'stepIn' | 'stepOut' | 'stepBack' | 'reverseContinue'): void {
    const p = this.requireProgram(response);
    if (!p) return;
    if (!this.configured) return this.fail(response, 'not started yet: configurationDone first');
    const rt = p.runtime;
    const pos = rt.position;
    const cur = rt.current();
    if (how === 'continue') (response as DebugProtocol.ContinueResponse).body = { allThreadsContinued: true };
    this.sendResponse(response);
    switch (how) {
      case 'continue': return this.forward(() => false, 'continue');
      case 'stepIn': return this.forward(() => true, 'step');
      case 'next': return this.forward(cur ? (i) => rt.events[i].depth <= cur.depth : () => true, 'step');
      case 'stepOut': return this.forward(cur ? (i) => rt.events[i].depth < cur.depth : () => true, 'step');
      case 'stepBack': return pos < 0 ? this.halt('step', -1, 'at the start of the probe') : this.backward((i) => i === pos - 1, 'step', false);
      case 'reverseContinue': return this.backward(() => false, 'breakpoint', true);
    }
  }

  protected override continueRequest(r: DebugProtocol.ContinueResponse): void { this.moveRequest(r, 'continue'); }
  protected override nextRequest(r: DebugProtocol.NextResponse): void { this.moveRequest(r, 'next'); }
  protected override stepInRequest(r: DebugProtocol.StepInResponse): void { this.moveRequest(r, 'stepIn'); }
  protected override stepOutRequest(r: DebugProtocol.StepOutResponse): void { this.moveRequest(r, 'stepOut'); }
  protected override stepBackRequest(r: DebugProtocol.StepBackResponse): void { this.moveRequest(r, 'stepBack'); }
  protected override reverseContinueRequest(r: DebugProtocol.ReverseContinueResponse): void { this.moveRequest(r, 'reverseContinue'); }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    const p = this.requireProgram(response);
    if (!p) return;
    // Every move completes before its response: the packet is always paused between requests.
    this.sendResponse(response);
    this.halt('pause', p.runtime.position, 'paused');
  }

  // ------------------------------------------------------------ stack

  private frameName(f: Frame): string {
    const a = f.attrs;
    switch (f.fn) {
      case 'nf_hook': return `nf_hook ${a.hook} @${f.netns}`;
      case 'ipt_do_table': return `ipt_do_table ${a.table}/${a.hook} @${f.netns}`;
      case 'chain': return `chain ${a.table} ${a.chain} @${f.netns}`;
      case 'rule': return `rule ${a.table} ${a.chain} #${a.rule} @${f.netns}`;
      case 'policy': return `policy ${a.table} ${a.chain} @${f.netns}`;
      default: return `${f.fn}${a.dev ? ` ${a.dev}` : ''} @${f.netns}`;
    }
  }

  private sourceFor(fn: string): KernelSource {
    const k = kernelSource(fn);
    if (k) return k;
    let d = this.dynamicSources.get(fn);
    if (!d) {
      d = { fn, ref: 10000 + this.dynamicSources.size, text: `/* ${fn}: a step of the simulated kernel (no pseudo-source for it) */\n`, marks: new Map() };
      this.dynamicSources.set(fn, d);
    }
    return d;
  }

  private kernelSourceObject(k: KernelSource): Source {
    const s = new Source(`${k.fn}.c`, undefined, k.ref, 'simulated kernel', 'netns-kernel') as DebugProtocol.Source;
    s.presentationHint = 'deemphasize';
    return s as Source;
  }

  private stackFor(thread: number): { ev: number; frames: Frame[] } | undefined {
    const p = this.program!;
    const pos = p.runtime.position;
    if (pos < 0 || pos >= p.runtime.length) return thread === 1 ? { ev: -1, frames: [] } : undefined;
    const ev = p.threadOf(pos) === thread ? pos : p.lastEventOf(thread, pos);
    if (ev === undefined) return undefined;
    return { ev, frames: p.runtime.stack(ev) };
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const p = this.requireProgram(response);
    if (!p) return;
    if (!args || typeof args.threadId !== 'number') return this.fail(response, 'stackTrace needs a numeric threadId');
    const st = this.stackFor(args.threadId);
    if (!st) return this.fail(response, `no packet ${args.threadId} in flight at this step`);
    const out: StackFrame[] = [];
    if (st.ev < 0) {
      const id = this.nextFrameId++;
      this.frames.set(id, { ev: -1, frame: null, netns: p.senderNetns });
      const line = p.probeLine;
      const name = `${p.probe.proto === 'tcp' ? 'connect' : p.probe.proto === 'udp' ? 'sendmsg' : 'ping'} ${p.probe.name} @${p.senderNetns}`;
      if (line !== undefined) out.push(new StackFrame(id, name, this.topologySource(), line, 1));
      else {
        const k = this.sourceFor(p.probe.proto === 'tcp' ? 'tcp_v4_connect' : p.probe.proto === 'udp' ? 'udp_sendmsg' : 'ping_v4_sendmsg');
        out.push(new StackFrame(id, name, this.kernelSourceObject(k), 1, 1));
      }
    } else {
      for (const f of st.frames) {
        const id = this.nextFrameId++;
        this.frames.set(id, { ev: f.seq, frame: f, netns: f.netns });
        const line = p.lineOf(f.attrs.origin);
        let sf: StackFrame;
        if (line !== undefined) sf = new StackFrame(id, this.frameName(f), this.topologySource(), line, 1);
        else {
          const k = this.sourceFor(f.fn);
          sf = new StackFrame(id, this.frameName(f), this.kernelSourceObject(k), kernelLine(k, f.attrs), 1);
        }
        (sf as DebugProtocol.StackFrame).moduleId = f.netns;
        out.push(sf);
      }
    }
    const start = typeof args.startFrame === 'number' && args.startFrame > 0 ? args.startFrame : 0;
    const levels = typeof args.levels === 'number' && args.levels > 0 ? args.levels : out.length;
    response.body = { stackFrames: out.slice(start, start + levels), totalFrames: out.length };
    this.sendResponse(response);
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    if (!args) return this.fail(response, 'source needs arguments');
    const ref = args.source?.sourceReference ?? args.sourceReference;
    if (typeof ref === 'number' && ref > 0) {
      const k = kernelSourceByRef(ref) ?? [...this.dynamicSources.values()].find((d) => d.ref === ref);
      if (!k) return this.fail(response, `no source with reference ${ref}`);
      response.body = { content: k.text, mimeType: 'text/x-c' };
      return this.sendResponse(response);
    }
    if (this.program && args.source?.path && resolve(args.source.path) === this.program.path) {
      response.body = { content: this.program.text, mimeType: 'text/x-netns' };
      return this.sendResponse(response);
    }
    this.fail(response, 'unknown source: only the topology file and the kernel pseudo-sources are served');
  }

  // ------------------------------------------------------------ scopes and variables

  private frameRef(frameId: number | undefined): FrameRef | undefined {
    const p = this.program!;
    if (frameId === undefined) {
      const pos = p.runtime.position;
      const e = pos >= 0 ? p.runtime.events[pos] : undefined;
      return { ev: pos, frame: null, netns: e?.netns ?? p.senderNetns };
    }
    return this.frames.get(frameId);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const p = this.requireProgram(response);
    if (!p) return;
    if (!args || typeof args.frameId !== 'number') return this.fail(response, 'scopes needs a numeric frameId');
    const f = this.frames.get(args.frameId);
    if (!f) return this.fail(response, `no frame ${args.frameId} at this stop (frames are renumbered at each stop)`);
    const pos = p.runtime.position;
    response.body = {
      scopes: [
        new Scope('Packet', this.vars.create({ kind: 'packet', ev: f.ev }), false),
        new Scope(`Namespace ${f.netns}`, this.vars.create({ kind: 'netns', ns: f.netns, ev: pos }), false),
        new Scope('Probe', this.vars.create({ kind: 'probe' }), false),
      ],
    };
    this.sendResponse(response);
  }

  private v(name: string, value: string, opts: Partial<DebugProtocol.Variable> = {}): DebugProtocol.Variable {
    return { name, value, variablesReference: 0, ...opts };
  }

  private group(name: string, value: string, ref: VarRef, opts: Partial<DebugProtocol.Variable> = {}): DebugProtocol.Variable {
    return { name, value, variablesReference: this.vars.create(ref), ...opts };
  }

  private hex(n: number): string {
    return `0x${(n >>> 0).toString(16)}`;
  }

  private packetVars(ev: number): DebugProtocol.Variable[] {
    const p = this.program!;
    const snap = p.packetAt(ev);
    if (!snap) return [this.v('packet', 'no packet at this step')];
    const s = snap.skb;
    const len = encodeSkb(s).length;
    const out = [
      this.v('summary', skbSummary(s)),
      this.group('skb', `${s.netns}${s.dev ? ` dev ${s.dev}` : ''} mark ${this.hex(s.mark)}`, { kind: 'pgroup', ev, group: 'skb' }),
      this.group('eth', `${macToString(s.eth.src)} > ${macToString(s.eth.dst)}`, { kind: 'pgroup', ev, group: 'eth' }, { memoryReference: `packet@${ev}` }),
      this.group('ip', `${ipv4ToString(s.ip.saddr)} > ${ipv4ToString(s.ip.daddr)} ttl ${s.ip.ttl} ${ipProtoName(s.ip.protocol)}`, { kind: 'pgroup', ev, group: 'ip' }, { memoryReference: `packet@${ev}+14` }),
    ];
    if (s.tcp) out.push(this.group('tcp', `${s.tcp.sport} > ${s.tcp.dport} [${tcpFlagsString(s.tcp.flags)}]`, { kind: 'pgroup', ev, group: 'tcp' }));
    if (s.udp) out.push(this.group('udp', `${s.udp.sport} > ${s.udp.dport}`, { kind: 'pgroup', ev, group: 'udp' }));
    if (s.icmp) out.push(this.group('icmp', icmpDescribe(s.icmp.type, s.icmp.code), { kind: 'pgroup', ev, group: 'icmp' }));
    out.push(snap.ct
      ? this.group('ct', `${snap.ct.state}${snap.ct.reply ? ' reply' : ''} ${snap.ct.orig}`, { kind: 'pgroup', ev, group: 'ct' })
      : this.v('ct', s.ctinfo === 'UNTRACKED' ? 'untracked' : 'none (no conntrack entry attached)'));
    out.push(this.v('wire', `${len} bytes (Ethernet + IPv4 header + L4)`, { memoryReference: `packet@${ev}`, presentationHint: { kind: 'data', attributes: ['readOnly'] } }));
    return out;
  }

  private packetGroup(ev: number, group: string): DebugProtocol.Variable[] {
    const p = this.program!;
    const snap = p.packetAt(ev)!;
    if (!snap) return [];
    const s = snap.skb;
    const ro = { presentationHint: { attributes: ['readOnly'] } as DebugProtocol.VariablePresentationHint };
    const f = (name: string, value: string, writable = true): DebugProtocol.Variable =>
      this.v(name, value, { evaluateName: `${group}.${name}`, ...(writable ? {} : ro) });
    switch (group) {
      case 'skb': return [
        f('netns', s.netns, false), f('dev', s.dev ?? '(none)', false), f('mark', this.hex(s.mark)), f('pkt_type', s.pktType),
        f('skb_iif', String(s.skbIif), false), f('nf_trace', String(s.nfTrace)), f('len', String(encodeSkb(s).length - 14), false),
        this.v('dst', s.dst ? `${s.dst.input} dev ${s.dst.dev} nexthop ${ipv4ToString(s.dst.nexthop)}${s.dst.error ? ` error ${s.dst.error}` : ''}` : '(none)', ro),
        this.v('ctinfo', s.ctinfo ?? '(none)', ro),
      ];
      case 'eth': return [this.v('src', macToString(s.eth.src), ro), this.v('dst', macToString(s.eth.dst), ro), this.v('type', '0x0800 (IPv4)', ro)];
      case 'ip': return [
        f('saddr', ipv4ToString(s.ip.saddr)), f('daddr', ipv4ToString(s.ip.daddr)), f('ttl', String(s.ip.ttl)), f('tos', this.hex(s.ip.tos)),
        f('id', String(s.ip.id)), f('protocol', `${s.ip.protocol}`), f('df', String(s.ip.df)),
      ];
      case 'tcp': return s.tcp ? [f('sport', String(s.tcp.sport)), f('dport', String(s.tcp.dport)), f('seq', String(s.tcp.seq)), f('ack_seq', String(s.tcp.ackSeq)), f('flags', `${this.hex(s.tcp.flags)} [${tcpFlagsString(s.tcp.flags)}]`), this.v('window', String(s.tcp.window), ro)] : [];
      case 'udp': return s.udp ? [f('sport', String(s.udp.sport)), f('dport', String(s.udp.dport))] : [];
      case 'icmp': {
        if (!s.icmp) return [];
        const l = [f('type', String(s.icmp.type)), f('code', String(s.icmp.code)), f('id', String(s.icmp.id)), f('seq', String(s.icmp.seq))];
        const i = s.icmp.inner;
        if (i) l.push(this.v('quoted', `${ipProtoName(i.ip.protocol)} ${ipv4ToString(i.ip.saddr)}:${i.sport} > ${ipv4ToString(i.ip.daddr)}:${i.dport} ttl ${i.ip.ttl}`, ro));
        return l;
      }
      case 'ct': {
        const c = snap.ct;
        if (!c) return [];
        return [
          f('state', c.state, false), f('id', String(c.id), false), f('reply', String(c.reply), false), f('orig', c.orig, false),
          f('reply_tuple', c.replyTuple, false), f('mark', this.hex(c.mark), false), f('confirmed', String(c.confirmed), false),
          f('snat', String(c.snat), false), f('dnat', String(c.dnat), false),
        ];
      }
    }
    return [];
  }

  private static SYSCTLS = ['net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding', 'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.default.rp_filter',
    'net.ipv4.ip_default_ttl', 'net.ipv4.icmp_echo_ignore_all', 'net.ipv4.icmp_echo_ignore_broadcasts', 'net.ipv4.ip_nonlocal_bind',
    'net.ipv4.conf.all.accept_local', 'net.ipv4.conf.all.route_localnet', 'net.ipv4.icmp_errors_use_inbound_ifaddr', 'net.bridge.bridge-nf-call-iptables'];

  private netnsVars(ns: string, ev: number): DebugProtocol.Variable[] {
    const p = this.program!;
    const net = p.runtime.kernel.nets.get(ns);
    if (!net) return [this.v('namespace', `${ns} does not exist`)];
    const g = (group: string, value: string, sub?: string): DebugProtocol.Variable => this.group(group, value, { kind: 'nsgroup', ns, ev, group, sub });
    const run = p.runtime.state(Math.max(ev, 0));
    const ct = run.conntrack.get(ns)?.list().length ?? 0;
    const routes = net.cfg.routes.length;
    const rules = [...net.hooks.tables.values()].reduce((n, t) => n + [...t.chains.values()].reduce((m, c) => m + c.rules.length, 0), 0);
    const socks = net.tcpListeners.size + net.udpSockets.size;
    return [
      g('sysctl', `ip_forward ${run.sysctl(net, 'net.ipv4.ip_forward')}`),
      g('devices', `${net.devs.length}: ${net.devs.map((d) => d.name).join(', ')}`),
      g('addresses', net.addrs.map((a) => `${ipv4ToString(a.addr)}/${a.plen}`).join(', ') || '(none)'),
      g('routes', `${routes} route${routes === 1 ? '' : 's'}`),
      g('rules', `${net.rules.length} policy rules`),
      g('neighbours', `${net.cfg.neighbours.length} static`),
      g('iptables', `${rules} rule${rules === 1 ? '' : 's'} in ${[...net.hooks.tables.keys()].join(', ') || 'no table'}`),
      g('conntrack', `${ct} entr${ct === 1 ? 'y' : 'ies'}`),
      g('sockets', `${socks ? [...net.tcpListeners.keys()].map((k) => `tcp:${k}`).concat([...net.udpSockets.keys()].map((k) => `udp:${k}`)).join(', ') : 'none'}${net.refusedSockets.length ? ` (${net.refusedSockets.length} refused)` : ''}`),
    ];
  }

  private netnsGroup(ns: string, ev: number, group: string, sub?: string): DebugProtocol.Variable[] {
    const p = this.program!;
    const k = p.runtime.kernel;
    const net = k.nets.get(ns);
    if (!net) return [];
    const run = p.runtime.state(Math.max(ev, 0));
    const ro = { presentationHint: { attributes: ['readOnly'] } as DebugProtocol.VariablePresentationHint };
    const lines = (text: string): DebugProtocol.Variable[] => text.split('\n').filter(Boolean).map((l, i) => this.v(String(i + 1), l, ro));
    switch (group) {
      case 'sysctl': {
        const keys = new Set<string>(NetnsDebugSession.SYSCTLS);
        for (const key of net.cfg.sysctl.keys()) keys.add(key);
        for (const d of net.devs) { keys.add(`net.ipv4.conf.${d.name}.forwarding`); keys.add(`net.ipv4.conf.${d.name}.rp_filter`); }
        for (const key of run.sysctlWrites.get(ns)?.keys() ?? []) keys.add(key);
        return [...keys].sort().map((key) => this.v(key, run.sysctl(net, key), { evaluateName: `sysctl ${key}` }));
      }
      case 'devices':
        return net.devs.map((d) => this.v(d.name, `${d.kind} ${d.up ? 'UP' : 'DOWN'} ifindex ${d.ifindex} mtu ${d.mtu} ${macToString(d.mac)}${d.peer ? ` peer ${d.peer.name}@${d.peer.netns}` : ''}${d.master ? ` master ${d.master.name}` : ''}${d.addrs.length ? ` ${d.addrs.map((a) => `${ipv4ToString(a.addr)}/${a.plen}`).join(' ')}` : ''}`, ro));
      case 'addresses': return lines(runCommand('ip addr', k, run, ns).text.split('\n').filter((l) => l.trim().startsWith('inet')).map((l) => l.trim()).join('\n'));
      case 'routes': return lines(runCommand('ip route show table all', k, run, ns).text);
      case 'rules': return lines(runCommand('ip rule', k, run, ns).text);
      case 'neighbours': return lines(runCommand('ip neigh', k, run, ns).text || '(no static neighbours; ARP answers for every address of a peer)');
      case 'iptables': {
        if (sub === undefined) {
          return [...net.hooks.tables.values()].map((t) => this.group(t.name, `${t.chains.size} chains`, { kind: 'nsgroup', ns, ev, group: 'iptables', sub: t.name }));
        }
        const t = net.hooks.tables.get(sub as never);
        if (!t) return [];
        const out: DebugProtocol.Variable[] = [];
        for (const c of t.chains.values()) {
          const items: DebugProtocol.Variable[] = c.rules.map((r) => {
            const cnt = run.counters.get(r.id) ?? { pkts: 0, bytes: 0 };
            const line = p.lineOf(r.cfg.origin);
            return this.v(`#${r.pos}`, `${cnt.pkts} pkts ${cnt.bytes} bytes  ${r.cfg.text}${line ? `  (line ${line})` : ''}`, ro);
          });
          if (c.builtin) {
            const cnt = run.counters.get(c.id) ?? { pkts: 0, bytes: 0 };
            items.push(this.v('policy', `${c.policy ?? 'ACCEPT'} ${cnt.pkts} pkts ${cnt.bytes} bytes`, ro));
          }
          out.push(this.group(c.name, `${c.rules.length} rule${c.rules.length === 1 ? '' : 's'}${c.builtin ? `, policy ${c.policy ?? 'ACCEPT'}` : ''}`, { kind: 'list', items }));
        }
        return out;
      }
      case 'conntrack': {
        const r = runCommand('conntrack -L', k, run, ns).text.split('\n');
        return lines(r.slice(0, -1).join('\n') || '(empty)');
      }
      case 'sockets': {
        const out: DebugProtocol.Variable[] = [];
        for (const [port, ls] of net.tcpListeners) for (const l of ls) out.push(this.v(`tcp ${ipv4ToString(l.addr)}:${port}`, `LISTEN${p.lineOf(l.origin) ? ` (line ${p.lineOf(l.origin)})` : ''}`, ro));
        for (const [port, ls] of net.udpSockets) for (const l of ls) out.push(this.v(`udp ${ipv4ToString(l.addr)}:${port}`, `bound${p.lineOf(l.origin) ? ` (line ${p.lineOf(l.origin)})` : ''}`, ro));
        for (const r of net.refusedSockets) out.push(this.v(`${r.cfg.proto} ${ipv4ToString(r.cfg.addr)}:${r.cfg.port}`, `refused: ${r.call}() ${r.errno}`, ro));
        return out;
      }
    }
    return [];
  }

  private probeVars(): DebugProtocol.Variable[] {
    const p = this.program!;
    const r = p.runtime.result;
    const pr = p.probe;
    const pos = p.runtime.position;
    const x = pr.expect;
    const o = r.outcome;
    const sofar = this.outcomeSoFar();
    return [
      this.v('name', p.inline ? `(inline packet) ${this.args.packet}` : pr.name),
      this.v('from', pr.from ? `${pr.from.netns}${pr.from.jail !== undefined ? ` jail ${ipv4ToString(pr.from.jail)}` : ''}` : pr.on ? `outside, on ${pr.on.netns}` : '?'),
      this.v('to', `${pr.proto} ${ipv4ToString(pr.dst)}${pr.dport !== undefined ? `:${pr.dport}` : ''}`),
      this.v('mode', p.mode.kind === 'separate' ? 'separate' : `shortcut=${p.mode.at}`),
      this.v('expected', x ? `${x.kind}${x.netns ? ` in ${x.netns}` : ''}` : '(no expect clause)'),
      this.v('so far', sofar),
      this.v('outcome', pos >= p.runtime.length - 1 ? `${o.kind}${o.netns ? ` in ${o.netns}` : ''}: ${o.reason}` : `(at the end) ${o.kind}${o.netns ? ` in ${o.netns}` : ''}: ${o.reason}`),
      this.v('pass', r.pass === null ? 'no expectation' : r.pass ? 'PASS' : 'FAIL'),
      this.v('step', `${pos + 1} of ${p.runtime.length}`),
      this.v('packets', r.packets.map((k) => `${k.id}: ${k.summary}`).join('; ')),
      this.v('edits', p.runtime.appliedEdits.length ? p.runtime.appliedEdits.map((e) => `step ${e.at + 1}: ${e.kind === 'packet' ? `${e.path} = ${e.value}` : `${e.netns} ${e.key} = ${e.value}`}`).join('; ') : 'none'),
    ];
  }

  /** What the run has decided up to the current step (the last decisive event so far). */
  private outcomeSoFar(): string {
    const p = this.program!;
    const ev = p.runtime.events;
    for (let i = Math.min(p.runtime.position, ev.length - 1); i >= 0; i--) {
      const e = ev[i];
      switch (e.fn) {
        case 'kfree_skb': return `packet ${p.threadOf(i)} dropped in ${e.netns} (${e.attrs.reason})`;
        case 'inet_lookup_listener': case '__udp4_lib_lookup':
          if (e.attrs.verdict === 'listener' || e.attrs.verdict === 'socket') return `delivered to a socket in ${e.netns}`;
          break;
        case 'tcp_rcv_state_process': if (e.attrs.verdict === 'established') return 'connect() succeeded'; break;
        case 'tcp_reset': return 'connect() failed: ECONNREFUSED';
        case 'ping_rcv': return 'echo reply received';
        case 'tcp_v4_err': case '__udp4_lib_err': case 'ping_err': return `error reported to the process: ${e.attrs.errno}`;
      }
      if (e.attrs.errno && (e.fn === 'ip_route_output' || e.fn === 'security_socket_bind' || e.fn === 'inet_bind')) return `the call fails: ${e.attrs.errno}`;
    }
    return 'in flight';
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const p = this.requireProgram(response);
    if (!p) return;
    if (!args || typeof args.variablesReference !== 'number') return this.fail(response, 'variables needs a numeric variablesReference');
    const ref = this.vars.get(args.variablesReference);
    if (!ref) return this.fail(response, `no variables with reference ${args.variablesReference} at this stop`);
    let list: DebugProtocol.Variable[];
    switch (ref.kind) {
      case 'packet': list = this.packetVars(ref.ev); break;
      case 'pgroup': list = this.packetGroup(ref.ev, ref.group); break;
      case 'netns': list = this.netnsVars(ref.ns, ref.ev); break;
      case 'nsgroup': list = this.netnsGroup(ref.ns, ref.ev, ref.group, ref.sub); break;
      case 'probe': list = this.probeVars(); break;
      case 'list': list = ref.items; break;
    }
    const start = typeof args.start === 'number' && args.start > 0 ? args.start : 0;
    const count = typeof args.count === 'number' && args.count > 0 ? args.count : list.length;
    response.body = { variables: list.slice(start, start + count) };
    this.sendResponse(response);
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const p = this.requireProgram(response);
    if (!p) return;
    if (!args || typeof args.variablesReference !== 'number' || typeof args.name !== 'string' || typeof args.value !== 'string') {
      return this.fail(response, 'setVariable needs variablesReference, name and value');
    }
    const ref = this.vars.get(args.variablesReference);
    if (!ref) return this.fail(response, `no variables with reference ${args.variablesReference} at this stop`);
    const pos = p.runtime.position;
    const at = Math.max(pos, 0);
    const value = args.value.trim();
    let err: string | undefined;
    let shown = value;
    if (ref.kind === 'pgroup') {
      if (ref.ev !== pos) return this.fail(response, 'only the packet of the current step can be changed: select the top frame');
      const path = `${ref.group}.${args.name}`;
      if (!(SKB_FIELDS as readonly string[]).includes(path)) return this.fail(response, `${path} cannot be changed`);
      if (p.runtime.length === 0) return this.fail(response, 'the probe made no packet');
      err = p.runtime.setPacketField(path, value.replace(/\s*\[.*\]$/, ''), at);
      if (!err) shown = show(Program.field(p.packetAt(pos), path) ?? { t: 'none' });
    } else if (ref.kind === 'nsgroup' && ref.group === 'sysctl') {
      if (!/^-?\d+$/.test(value)) return this.fail(response, `sysctl values here are numbers; got "${value}"`);
      err = p.runtime.setSysctl(ref.ns, args.name, value, at);
    } else {
      return this.fail(response, `${args.name} cannot be changed: edit packet fields (Packet scope) or sysctls (Namespace > sysctl)`);
    }
    if (err) return this.fail(response, err);
    response.body = { value: shown };
    this.sendResponse(response);
    this.out(`set ${ref.kind === 'pgroup' ? `${ref.group}.${args.name}` : `${(ref as { ns: string }).ns} ${args.name}`} = ${shown} at step ${at + 1}: the packet continues with it\n`);
    this.revalidate();
    this.syncThreads();
    this.sendEvent(new InvalidatedEvent(['variables', 'stacks'] as DebugProtocol.InvalidatedAreas[]));
  }

  // ------------------------------------------------------------ evaluate and completions

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const p = this.requireProgram(response);
    if (!p) return;
    if (!args || typeof args.expression !== 'string') return this.fail(response, 'evaluate needs an expression');
    const f = this.frameRef(typeof args.frameId === 'number' ? args.frameId : undefined);
    if (!f) return this.fail(response, `no frame ${args.frameId} at this stop`);
    const text = args.expression.trim();
    if (!text) return this.fail(response, 'empty expression');
    if (isCommand(text)) {
      if (args.context === 'hover') return this.fail(response, 'commands are not evaluated on hover');
      const run = p.runtime.state(Math.max(p.runtime.position, 0));
      const r = runCommand(text, p.runtime.kernel, run, f.netns);
      if (!r.ok) return this.fail(response, r.text);
      response.body = { result: r.text, variablesReference: 0 };
      return this.sendResponse(response);
    }
    try {
      const expr = parseExpr(text);
      const lookup = p.lookupAt(f.ev);
      const ids = identifiers(expr);
      // A bare word that is no field is not an answer (hovering `c0` in the file shows nothing).
      if (expr.k === 'id' && lookup(expr.name) === undefined) {
        return this.fail(response, `'${expr.name}' is not a packet field or step attribute (e.g. ip.daddr, tcp.dport, ct.state, skb.mark, netns, chain)`);
      }
      if (args.context === 'hover' && !ids.some((n) => lookup(n) !== undefined)) return this.fail(response, 'nothing to show for this text');
      const v = evalExpr(expr, lookup);
      response.body = { result: show(v), type: v.t === 'num' ? (v.addr ? 'address' : 'number') : v.t === 'str' ? 'string' : v.t === 'bool' ? 'boolean' : v.t, variablesReference: 0 };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e instanceof ExprError ? e.message : `cannot evaluate: ${(e as Error).message}`);
    }
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    const p = this.requireProgram(response);
    if (!p) return;
    if (!args || typeof args.text !== 'string' || typeof args.column !== 'number') return this.fail(response, 'completions needs text and column');
    const f = this.frameRef(typeof args.frameId === 'number' ? args.frameId : undefined);
    const line = args.text.split('\n')[(args.line ?? 1) - 1] ?? args.text;
    const col = Math.max(0, Math.min(line.length, args.column - 1));
    const r = completeCommand(line, col, p.runtime.kernel, f?.netns ?? p.senderNetns, EXPR_FIELDS);
    response.body = { targets: r.items.map((c) => ({ label: c.label, type: c.type, start: r.start, length: col - r.start })) };
    this.sendResponse(response);
  }

  // ------------------------------------------------------------ readMemory

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    const p = this.requireProgram(response);
    if (!p) return;
    if (!args || typeof args.memoryReference !== 'string' || typeof args.count !== 'number') return this.fail(response, 'readMemory needs memoryReference and count');
    const m = /^packet@(-?\d+)(?:\+(\d+))?$/.exec(args.memoryReference);
    if (!m) return this.fail(response, `unknown memory reference ${args.memoryReference}`);
    const ev = Number(m[1]);
    const snap = ev >= -1 && ev < p.runtime.length ? p.packetAt(ev) : null;
    if (!snap) return this.fail(response, `no packet at step ${ev + 1}`);
    const bytes = encodeSkb(snap.skb);
    const start = Number(m[2] ?? 0) + (args.offset ?? 0);
    const count = Math.max(0, Math.min(args.count, 65536));
    const from = Math.max(0, Math.min(start, bytes.length));
    const to = Math.max(from, Math.min(start + count, bytes.length));
    const data = Buffer.from(bytes.subarray(from, to)).toString('base64');
    response.body = { address: `0x${Math.max(0, start).toString(16)}`, data, unreadableBytes: count - (to - from) };
    this.sendResponse(response);
  }

  // ------------------------------------------------------------ breakpoints: requests

  /** Compiles a breakpoint's condition, hit count and log message; verified when they compile, else the error is its message. */
  private verifyWithOptions(bp: Bp, condition: unknown, hitCondition: unknown, logMessage: unknown): boolean {
    const err = this.compileOptions(bp, condition, hitCondition, logMessage);
    bp.verified = !err;
    bp.message = err;
    return !err;
  }

  private compileOptions(bp: Bp, condition: unknown, hitCondition: unknown, logMessage: unknown): string | undefined {
    if (condition !== undefined && condition !== null && condition !== '') {
      if (typeof condition !== 'string') return 'invalid condition: not a string';
      try {
        const c = compileCondition(condition);
        bp.cond = (i) => c.test(this.program!.lookupAt(i));
      } catch (e) {
        return `invalid condition: ${(e as Error).message}`;
      }
    }
    if (hitCondition !== undefined && hitCondition !== null && hitCondition !== '') {
      if (typeof hitCondition !== 'string') return 'invalid hit count: not a string';
      const h = parseHitCondition(hitCondition);
      if (typeof h === 'string') return `invalid ${h}`;
      bp.hit = h;
    }
    if (logMessage !== undefined && logMessage !== null && logMessage !== '') {
      if (typeof logMessage !== 'string') return 'invalid log message: not a string';
      bp.log = logMessage;
    }
    return undefined;
  }

  private toDap(bp: Bp): DebugProtocol.Breakpoint {
    const b = new Breakpoint(bp.verified) as DebugProtocol.Breakpoint;
    b.id = bp.id;
    if (bp.line !== undefined) {
      b.line = bp.line;
      if (this.program) b.source = this.topologySource();
    }
    if (bp.message) b.message = bp.message;
    if (!bp.verified) b.reason = 'failed';
    return b;
  }

  /** A line breakpoint is unverified when the recorded path never enters its namespace; re-checked after edits. */
  private reach(bp: Bp): void {
    const p = this.program;
    if (!p || bp.kind !== 'line' || bp.netns === undefined || bp.message?.startsWith('invalid')) return;
    if (p.visits(bp.netns)) {
      bp.verified = true;
      if (bp.message?.startsWith('never reached')) bp.message = undefined;
    } else {
      bp.verified = false;
      bp.message = `never reached: ${p.inline ? 'this packet' : `probe ${p.probe.name}`} never enters namespace ${bp.netns}`;
    }
  }

  private revalidate(): void {
    for (const bp of this.lineBps) {
      const before = `${bp.verified}|${bp.message ?? ''}`;
      this.reach(bp);
      if (`${bp.verified}|${bp.message ?? ''}` !== before) this.sendEvent(new BreakpointEvent('changed', this.toDap(bp) as Breakpoint));
    }
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    if (!args || !args.source || typeof args.source !== 'object') return this.fail(response, 'setBreakpoints needs a source');
    const p = this.program;
    if (!p) return this.fail(response, 'setBreakpoints before launch: send it after the initialized event');
    const specs: DebugProtocol.SourceBreakpoint[] = Array.isArray(args.breakpoints) ? args.breakpoints : Array.isArray(args.lines) ? args.lines.map((line) => ({ line })) : [];
    if (args.breakpoints !== undefined && !Array.isArray(args.breakpoints)) return this.fail(response, 'breakpoints must be an array');
    const path = typeof args.source.path === 'string' ? resolve(this.convertClientPathToDebugger(args.source.path)) : undefined;
    const ours = path === p.path;
    const made: Bp[] = specs.map((s) => {
      const bp: Bp = { id: this.nextBpId++, kind: 'line', label: `line ${s?.line}`, line: typeof s?.line === 'number' ? s.line : undefined, predicate: () => false, verified: false };
      if (!s || typeof s.line !== 'number') {
        bp.message = 'invalid breakpoint: no line number';
        return bp;
      }
      if (!ours) {
        bp.message = `only lines of the debugged topology (${basename(p.path)}) can hold a breakpoint`;
        return bp;
      }
      const t = p.lineTarget(s.line);
      if (!t.ok) {
        bp.message = t.reason;
        return bp;
      }
      bp.predicate = t.predicate;
      bp.netns = t.netns;
      if (this.verifyWithOptions(bp, s.condition, s.hitCondition, s.logMessage)) this.reach(bp);
      return bp;
    });
    if (ours) this.lineBps = made;
    response.body = { breakpoints: made.map((b) => this.toDap(b)) };
    this.sendResponse(response);
  }

  protected override breakpointLocationsRequest(response: DebugProtocol.BreakpointLocationsResponse, args: DebugProtocol.BreakpointLocationsArguments): void {
    const p = this.program;
    if (!args || typeof args.line !== 'number') return this.fail(response, 'breakpointLocations needs a line');
    if (!p) return this.fail(response, 'no topology loaded yet');
    const path = args.source?.path ? resolve(this.convertClientPathToDebugger(args.source.path)) : undefined;
    const end = typeof args.endLine === 'number' ? Math.min(args.endLine, args.line + 10000) : args.line;
    const out: DebugProtocol.BreakpointLocation[] = [];
    if (path === p.path) for (let l = Math.max(1, args.line); l <= end && l <= p.lineCount; l++) if (p.lineTarget(l).ok) out.push({ line: l });
    response.body = { breakpoints: out };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    if (!args || !Array.isArray(args.breakpoints)) return this.fail(response, 'setFunctionBreakpoints needs a breakpoints array');
    const p = this.program;
    this.fnBps = args.breakpoints.map((s) => {
      const name = typeof s?.name === 'string' ? s.name.trim() : '';
      const bp: Bp = { id: this.nextBpId++, kind: 'function', label: name, predicate: () => false, verified: false };
      const m = /^(?:([\w.-]+):)?(?:(raw|mangle|nat|filter|security)\/)?([\w.-]+)$/.exec(name);
      if (!m) {
        bp.message = `invalid name '${name}': write [NAMESPACE:][TABLE/]FUNCTION_OR_HOOK, e.g. FORWARD, nat/POSTROUTING, router:PREROUTING, ip_route_input`;
        return bp;
      }
      const [, ns, table, fn] = m;
      if (ns !== undefined && p && !p.runtime.kernel.nets.has(ns)) {
        bp.message = `no namespace '${ns}' in the topology (namespaces: ${[...p.runtime.kernel.nets.keys()].join(', ')})`;
        return bp;
      }
      const chains = new Set<string>();
      if (p) for (const net of p.runtime.kernel.nets.values()) for (const t of net.hooks.tables.values()) for (const c of t.chains.keys()) chains.add(c);
      if (!KNOWN_FUNCTIONS.has(fn) && !chains.has(fn)) {
        bp.message = `'${fn}' is not a kernel function, hook or chain the simulator steps through`;
        return bp;
      }
      if (table !== undefined && !/^(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING)$/.test(fn)) {
        bp.message = `'${table}/${fn}': a table goes with a hook (PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING)`;
        return bp;
      }
      bp.predicate = functionBreakpoint(name);
      this.verifyWithOptions(bp, s.condition, s.hitCondition, undefined);
      return bp;
    });
    response.body = { breakpoints: this.fnBps.map((b) => this.toDap(b)) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    if (!args || (!Array.isArray(args.filters) && !Array.isArray(args.filterOptions))) return this.fail(response, 'setExceptionBreakpoints needs filters');
    const opts: DebugProtocol.ExceptionFilterOptions[] = [
      ...(Array.isArray(args.filters) ? args.filters.map((f) => ({ filterId: f })) : []),
      ...(Array.isArray(args.filterOptions) ? args.filterOptions : []),
    ];
    this.exBps = opts.map((o) => {
      const f = FILTERS.find((x) => x.id === o?.filterId);
      const bp: Bp = { id: this.nextBpId++, kind: 'exception', label: String(o?.filterId), predicate: f?.test ?? (() => false), verified: !!f };
      if (!f) bp.message = `unknown exception filter '${String(o?.filterId)}' (filters: ${FILTERS.map((x) => x.id).join(', ')})`;
      else {
        const err = this.compileOptions(bp, o.condition, undefined, undefined);
        if (err) { bp.verified = false; bp.message = err; }
      }
      return bp;
    });
    response.body = { breakpoints: this.exBps.map((b) => this.toDap(b)) };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, args: DebugProtocol.ExceptionInfoArguments): void {
    const p = this.requireProgram(response);
    if (!p) return;
    void args;
    const s = this.stopReason;
    if (!s || s.reason !== 'exception' || !s.filter) return this.fail(response, 'not stopped on an exception breakpoint');
    const e = p.runtime.events[s.ev];
    response.body = {
      exceptionId: s.filter,
      description: s.text,
      breakMode: 'always',
      details: { message: e.attrs.text ?? s.text, typeName: e.attrs.reason ?? e.attrs.errno ?? e.attrs.verdict ?? e.fn, stackTrace: p.runtime.stack(s.ev).map((f) => this.frameName(f)).join('\n') },
    };
    this.sendResponse(response);
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    if (!args || typeof args.name !== 'string') return this.fail(response, 'dataBreakpointInfo needs a name');
    let path = args.name.trim();
    if (typeof args.variablesReference === 'number' && args.variablesReference > 0) {
      const ref = this.vars.get(args.variablesReference);
      if (ref?.kind === 'pgroup') path = `${ref.group}.${args.name}`;
      else if (ref) path = '';
    }
    if (WATCHABLE.includes(path)) {
      response.body = { dataId: path, description: `${path} changes (any packet)`, accessTypes: ['write'], canPersist: true };
    } else {
      response.body = { dataId: null, description: `${args.name} cannot be watched: watch a packet field (${WATCHABLE.slice(0, 6).join(', ')}, ...)` };
    }
    this.sendResponse(response);
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    if (!args || !Array.isArray(args.breakpoints)) return this.fail(response, 'setDataBreakpoints needs a breakpoints array');
    this.dataBps = args.breakpoints.map((s) => {
      const path = typeof s?.dataId === 'string' ? s.dataId : '';
      const bp: Bp = { id: this.nextBpId++, kind: 'data', label: path, predicate: () => false, verified: false };
      if (!WATCHABLE.includes(path)) {
        bp.message = `'${path}' is not a packet field that can be watched`;
        return bp;
      }
      if (s.accessType !== undefined && s.accessType !== 'write') {
        bp.message = `only writes are watched (the simulator has no reads of ${path})`;
        return bp;
      }
      bp.predicate = (e) => {
        const p = this.program!;
        const prev = p.previousSame(e.seq);
        if (prev < 0) return false;
        const a = Program.field(p.runtime.packet(prev), path);
        const b = Program.field(p.runtime.packet(e.seq), path);
        return !!a && !!b && show(a) !== show(b);
      };
      this.verifyWithOptions(bp, s.condition, s.hitCondition, undefined);
      return bp;
    });
    response.body = { breakpoints: this.dataBps.map((b) => this.toDap(b)) };
    this.sendResponse(response);
  }
}

/** Re-exported for tests that check the filter list. */
export const EXCEPTION_FILTER_IDS = FILTERS.map((f) => f.id);


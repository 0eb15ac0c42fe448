// Kernel agreement suite: the harness that runs a case on the real kernel. It builds a topology
// file with the export (core/export) in fresh namespaces of a unique prefix, traces netfilter with
// nftrace in every namespace, sends each probe for real (test/kernel/probe.py) and turns what the
// process, the listener and the trace observed into a normalised result. It does not know the
// simulator (sim-adapter.ts) and does not assert (the *.kernel.test.ts suites do).
//
// Verified on this kernel (6.18, iptables 1.8.9 nf_tables, nftables 1.0.6):
// - `nft -a monitor trace` per namespace prints one line per event with the rule handle;
//   `meta nftrace set 1` in a table of our own at priority -350 on prerouting and output of every
//   namespace marks each packet again after it crosses a veth.
// - iptables-nft creates only the built-in chains a command touched (`-t nat -A POSTROUTING`
//   creates nat/POSTROUTING only), so a chain that no command named is never in a trace.
// - The IP id of a packet survives forwarding and NAT, so one probe packet is followed across
//   namespaces by its IP id.

import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportScript } from '../../core/export/index';
import type { OutcomeKind } from '../../core/kernel/config';
import { buildModel, Model } from '../../core/model/index';
import { offsetToPosition } from '../../core/syntax/tree';

export const TRACE_TABLE = 'ndktrace';
/** Namespace prefix family of this suite: ndk<pid>c<n>-NAME. */
export const PREFIX_FAMILY = 'ndk';

let prefixCounter = 0;
/** A namespace prefix no other case of this process uses: ndk<pid>c<n>. Use it for every build. */
export function newPrefix(): string {
  return `${PREFIX_FAMILY}${process.pid}c${prefixCounter++}`;
}
/** Probe timeout: past the first SYN retransmission (1 s, where soft ICMP errors surface);
 *  not 1, 3 or 7 s (SYN retransmission times). A case that needs neighbour failure (3 probes x
 *  1 s) says `# probe-timeout: 4.5` in a comment. */
export const PROBE_TIMEOUT_S = 2.5;

/** The probe timeout a case asks for (`# probe-timeout: SECONDS`), else PROBE_TIMEOUT_S. */
export function caseProbeTimeout(text: string): number {
  const m = /^#\s*probe-timeout:\s*([\d.]+)\s*$/m.exec(text);
  return m ? Number(m[1]) : PROBE_TIMEOUT_S;
}

export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + __dirname);
    dir = up;
  }
  return dir;
}

// ------------------------------------------------------------------ probes of a file

export interface CaseProbe {
  name: string;
  line: number;
  from: string;
  /** bsdjail address of the sending process: not reproducible on a stock kernel. */
  jail?: string;
  proto: 'tcp' | 'udp' | 'icmp';
  dst: string;
  dport?: number;
  sport?: number;
  src?: string;
  ttl?: number;
  mark?: number;
  expect?: { kind: OutcomeKind; netns?: string };
}

/** Reads the probe statements of a file (the harness's own reading, independent of the model). */
export function readProbes(model: Model): CaseProbe[] {
  const out: CaseProbe[] = [];
  const visit = (items: Model['file']['items']): void => {
    for (const it of items) {
      if (it.kind !== 'command') {
        visit(it.body);
        continue;
      }
      const w = it.words.map((t) => t.value);
      if (w[0] !== 'probe') continue;
      const p: Partial<CaseProbe> = { name: w[1], line: offsetToPosition(model.file.lineStarts, it.start).line + 1 };
      let i = 2;
      if (w[i] === 'from') {
        p.from = w[i + 1];
        i += 2;
      }
      if (w[i] === 'jail') {
        p.jail = w[i + 1];
        i += 2;
      }
      p.proto = w[i++] as CaseProbe['proto'];
      const dst = w[i++] ?? '';
      const m = /^([\d.]+)(?::(\d+))?$/.exec(dst);
      p.dst = m ? m[1] : dst;
      if (m?.[2]) p.dport = Number(m[2]);
      for (; i < w.length; i++) {
        const k = w[i];
        if (k === 'sport') p.sport = Number(w[++i]);
        else if (k === 'src') p.src = w[++i];
        else if (k === 'ttl') p.ttl = Number(w[++i]);
        else if (k === 'mark') p.mark = Number(w[++i]);
        else if (k === 'expect') {
          p.expect = { kind: w[++i] as OutcomeKind };
          if (w[i + 1] === 'in') {
            p.expect.netns = w[i + 2];
            i += 2;
          }
        }
      }
      out.push(p as CaseProbe);
    }
  };
  visit(model.file.items);
  return out;
}

// ------------------------------------------------------------------ normalised results

/** One netfilter step as nftrace shows it: a rule that matched, or a chain's policy. */
export interface NfStep {
  netns: string;
  table: string;
  chain: string;
  /** 1-based position of the rule in its chain; undefined for a policy verdict. */
  rule?: number;
  /** accept, drop, jump X, goto X, return, continue, policy:accept, policy:drop. */
  verdict: string;
}

export interface ProbeObservation {
  outcome: { kind: OutcomeKind; netns?: string };
  /** The peer address the listener saw (`10.0.2.1:40000`), if the probe reached a listener. */
  peer?: string;
  /** Netfilter steps of the probe packet, in order, tables of the trace table excluded. */
  path: NfStep[];
  /** Namespaces the probe packet entered, in order (consecutive duplicates merged). */
  namespaces: string[];
  /** Raw evidence for messages. */
  detail: string;
}

export interface KernelCaseResult {
  prefix: string;
  /** `line N: exit S` lines of the build. */
  failures: Array<{ line: number; status: number }>;
  notes: string[];
  /** `NS/table/chain` of every chain that exists after the build. */
  chains: Set<string>;
  probes: Array<{ probe: CaseProbe; obs: ProbeObservation }>;
  /** Probes that cannot be sent on this kernel (jailed senders, `probe ... on`), with why. */
  notRun: Array<{ probe: CaseProbe; why: string }>;
  /** Set when the case could not run at all. */
  error?: string;
  seconds: number;
}

// ------------------------------------------------------------------ processes

function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) {
      child.stdin?.end(opts.input);
    }
  });
}

let availability: { reason: string | undefined } | undefined;

/** Can this process create network namespaces? Returns the reason when it cannot (checked once). */
export function kernelUnavailableReason(): string | undefined {
  availability ??= { reason: checkKernel() };
  return availability.reason;
}

function checkKernel(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (uid ' + process.getuid() + ')';
  const name = `${PREFIX_FAMILY}${process.pid}probe`;
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
  } catch (e) {
    return 'cannot create a network namespace: ' + String((e as Error).message).split('\n')[0];
  }
  for (const tool of ['nft', 'iptables', 'python3', 'bash']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  return undefined;
}

/** Removes namespaces of this suite's prefix family left by runs whose process is gone. */
export function removeStaleNamespaces(): string[] {
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync('/run/netns');
  } catch {
    return removed;
  }
  const re = new RegExp(`^${PREFIX_FAMILY}(\\d+)c\\d+[-.]`);
  for (const n of names) {
    const m = re.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (alive) continue; // a live run (this one included) owns it
    removeNamespace(n);
    removed.push(n);
  }
  return removed;
}

function removeNamespace(n: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', n], { stdio: 'pipe' }).toString().split(/\s+/).filter(Boolean);
    for (const p of pids) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  } catch {
    /* no such namespace */
  }
  try {
    execFileSync('ip', ['netns', 'del', n], { stdio: 'pipe' });
  } catch {
    /* already gone */
  }
}

/** Prefixes whose namespaces may exist right now (for cleanup on SIGINT). */
const livePrefixes = new Map<string, string[]>();

/** Synchronously removes every namespace this process created and still holds. */
export function cleanupAll(): void {
  for (const [prefix, names] of livePrefixes) {
    for (const n of names) removeNamespace(`${prefix}-${n}`);
    removeNamespace(`${prefix}.trace`);
    livePrefixes.delete(prefix);
  }
}

let sigintInstalled = false;
export function installInterruptCleanup(): void {
  if (sigintInstalled) return;
  sigintInstalled = true;
  const onSignal = (sig: NodeJS.Signals): void => {
    process.stderr.write(`\nkernel suite: ${sig}: removing namespaces ${[...livePrefixes.keys()].join(' ')}\n`);
    cleanupAll();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', cleanupAll);
}

// ------------------------------------------------------------------ build

export interface BuildResult {
  failures: Array<{ line: number; status: number }>;
  notes: string[];
  stderr: string;
  logDir: string;
  namespaces: string[];
}

/** Builds `model` with the export under `prefix` and leaves it running (--keep). */
export async function buildOnKernel(model: Model, prefix: string, fileName: string): Promise<BuildResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const script = path.join(dir, 'build.sh');
  fs.writeFileSync(script, exportScript(model, { prefix, fileName }));
  const namespaces = ['root', ...[...model.topology.namespaces.keys()].filter((n) => n !== 'root')];
  livePrefixes.set(prefix, namespaces);
  const logDir = path.join(dir, 'log');
  const r = await run('bash', [script, '--prefix', prefix, '--keep'], { env: { ...process.env, ND_LOGDIR: logDir, ND_PYTHON: PYTHON } });
  const failures: BuildResult['failures'] = [];
  const notes: string[] = [];
  for (const l of r.stderr.split('\n')) {
    const m = /^line (\d+): exit (\d+)(?:: |$)/.exec(l);
    if (m) failures.push({ line: Number(m[1]), status: Number(m[2]) });
    const n = /^line (\d+): note: (.*)$/.exec(l);
    if (n) notes.push(l);
  }
  if (r.code === 2) throw new Error(`export script could not build: ${r.stderr.trim()}`);
  return { failures, notes, stderr: r.stderr, logDir, namespaces };
}

/** Removes a namespace and kills the processes in it, without blocking the event loop. */
async function removeNamespaceAsync(n: string): Promise<void> {
  const r = await run('ip', ['netns', 'pids', n]);
  for (const p of r.stdout.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(p), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await run('ip', ['netns', 'del', n]);
}

export async function cleanupOnKernel(prefix: string): Promise<void> {
  const names = livePrefixes.get(prefix) ?? [];
  await Promise.all([...names.map((n) => removeNamespaceAsync(`${prefix}-${n}`)), removeNamespaceAsync(`${prefix}.trace`)]);
  livePrefixes.delete(prefix);
}

// ------------------------------------------------------------------ tracing

/** One nftrace event as nftrace.py prints it. */
interface RawTraceEvent {
  nsid?: number;
  table?: string;
  chain?: string;
  handle?: number;
  type?: 'rule' | 'policy' | 'return' | '?';
  id?: number;
  verdict?: string;
  target?: string;
  policy?: string;
  ipid?: number;
  ttl?: number;
  proto?: number;
  saddr?: string;
  daddr?: string;
  l4?: string;
}

/** The interpreter for the suite's helpers: Debian's, not a version-manager shim (1.8 s per start here). */
export const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/**
 * Collects the nftrace events of every namespace of a case, in kernel order: installs the trace
 * table in each namespace, gives each an nsid inside a namespace of the case's own
 * (`PREFIX.trace`, never the host's) and runs nftrace.py there.
 */
class TraceMonitor {
  events: Array<RawTraceEvent & { netns: string }> = [];
  private proc: ChildProcess | undefined;
  private names = new Map<number, string>();

  async start(prefix: string, namespaces: string[]): Promise<void> {
    const table =
      `table ip ${TRACE_TABLE} {\n` +
      `  chain pre { type filter hook prerouting priority -350; meta nftrace set 1; }\n` +
      `  chain out { type filter hook output priority -350; meta nftrace set 1; }\n}\n`;
    const tns = `${prefix}.trace`;
    const r0 = await run('ip', ['netns', 'add', tns]);
    if (r0.code !== 0) throw new Error(`cannot create ${tns}: ${r0.stderr}`);
    await Promise.all(namespaces.map(async (ns, i) => {
      const nsid = i + 1;
      const r = await run('ip', ['netns', 'exec', `${prefix}-${ns}`, 'nft', '-f', '-'], { input: table });
      if (r.code !== 0) throw new Error(`cannot install the trace table in ${ns}: ${r.stderr}`);
      const r2 = await run('ip', ['-n', tns, 'netns', 'set', `${prefix}-${ns}`, String(nsid)]);
      if (r2.code !== 0) throw new Error(`cannot give ${ns} an nsid: ${r2.stderr}`);
      this.names.set(nsid, ns);
    }));
    const p = spawn('ip', ['netns', 'exec', tns, PYTHON, '-u', path.join(repoRoot(), 'test/kernel/nftrace.py')], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = p;
    let buf = '';
    let ready: () => void = () => undefined;
    const isReady = new Promise<void>((res) => (ready = res));
    p.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let ev: RawTraceEvent & { ready?: boolean };
        try {
          ev = JSON.parse(line);
        } catch {
          continue;
        }
        if (ev.ready) {
          ready();
          continue;
        }
        this.events.push({ ...ev, netns: this.names.get(ev.nsid ?? -1) ?? `nsid${ev.nsid}` });
      }
    });
    await Promise.race([isReady, sleep(5000)]);
  }

  stop(): void {
    this.proc?.kill('SIGKILL');
    this.proc = undefined;
  }
}

/** Rule handle -> 1-based position, per `NS/table/chain`, and the set of chains, from `nft -a list ruleset`. */
async function readRuleset(prefix: string, namespaces: string[]): Promise<{ pos: Map<string, number>; chains: Set<string> }> {
  const pos = new Map<string, number>();
  const chains = new Set<string>();
  const listings = await Promise.all(namespaces.map((ns) => run('ip', ['netns', 'exec', `${prefix}-${ns}`, 'nft', '-a', 'list', 'ruleset'])));
  for (const [k, ns] of namespaces.entries()) {
    const r = listings[k];
    let table = '';
    let chain = '';
    let n = 0;
    for (const raw of r.stdout.split('\n')) {
      const l = raw.trim();
      let m = /^table ip (\S+) \{/.exec(l);
      if (m) {
        table = m[1];
        continue;
      }
      if (/^table /.test(l)) {
        table = '';
        continue;
      }
      m = /^chain (\S+) \{/.exec(l);
      if (m) {
        chain = m[1];
        n = 0;
        if (table && table !== TRACE_TABLE) chains.add(`${ns}/${table}/${chain}`);
        continue;
      }
      m = /# handle (\d+)$/.exec(l);
      if (m && table && chain) {
        n++;
        pos.set(`${ns}/${table}/${chain}#${m[1]}`, n);
      }
    }
  }
  return { pos, chains };
}

interface ParsedEvent extends RawTraceEvent {
  netns: string;
}

/** Gives every event the IP id of its packet (carried by the first event of each hook traversal). */
function withIpIds(events: Array<RawTraceEvent & { netns: string }>): ParsedEvent[] {
  const last = new Map<string, { ipid: number; proto?: number }>();
  return events.map((e) => {
    const key = `${e.netns}/${e.id}`;
    if (e.ipid !== undefined) last.set(key, { ipid: e.ipid, proto: e.proto });
    const l = last.get(key);
    return { ...e, ipid: l?.ipid, proto: l?.proto };
  });
}

const PROTO_NUMBER = { icmp: 1, tcp: 6, udp: 17 } as const;

/** Finds the probe packet in the source namespace's output trace and returns its IP id. */
function probeIpId(events: ParsedEvent[], probe: CaseProbe, localPort: number | undefined, icmpId: number | undefined): number | undefined {
  for (const e of events) {
    if (e.netns !== probe.from || e.table !== TRACE_TABLE || e.chain !== 'out' || !e.l4) continue;
    if (e.daddr !== probe.dst || e.proto !== PROTO_NUMBER[probe.proto]) continue;
    if (probe.proto === 'icmp') {
      if (e.l4.startsWith('08') && icmpId !== undefined && parseInt(e.l4.slice(8, 12), 16) === icmpId) return e.ipid;
    } else if (localPort !== undefined && parseInt(e.l4.slice(0, 4), 16) === localPort) return e.ipid;
  }
  return undefined;
}

/** Is a traced packet (seen at a namespace's own trace table) part of the probe's flow? */
function isFlowPacket(e: ParsedEvent, probe: CaseProbe, localPort: number | undefined, icmpId: number | undefined, ipId: number | undefined): boolean {
  if (!e.l4) return false;
  // An ICMP error about the probe packet: the embedded IP header carries the probe's IP id.
  if (e.proto === 1 && (e.l4.startsWith('03') || e.l4.startsWith('0b')) && e.l4.length >= 28) return ipId !== undefined && parseInt(e.l4.slice(24, 28), 16) === ipId;
  if (e.proto !== PROTO_NUMBER[probe.proto]) return false;
  if (probe.proto === 'icmp') return icmpId !== undefined && (e.l4.startsWith('08') || e.l4.startsWith('00')) && parseInt(e.l4.slice(8, 12), 16) === icmpId;
  if (localPort === undefined) return false;
  return parseInt(e.l4.slice(0, 4), 16) === localPort || parseInt(e.l4.slice(4, 8), 16) === localPort;
}

/** Address -> namespace for addresses that exactly one namespace has (from `ip -j addr`). */
async function readAddressOwners(prefix: string, namespaces: string[]): Promise<Map<string, string>> {
  const count = new Map<string, string[]>();
  const listings = await Promise.all(namespaces.map((ns) => run('ip', ['-n', `${prefix}-${ns}`, '-j', 'addr', 'show'])));
  for (const [k, ns] of namespaces.entries()) {
    const r = listings[k];
    try {
      for (const link of JSON.parse(r.stdout) as Array<{ addr_info?: Array<{ family: string; local: string }> }>) {
        for (const a of link.addr_info ?? []) if (a.family === 'inet') count.set(a.local, [...(count.get(a.local) ?? []), ns]);
      }
    } catch {
      /* no addresses */
    }
  }
  const owners = new Map<string, string>();
  for (const [a, nss] of count) if (nss.length === 1) owners.set(a, nss[0]);
  return owners;
}

// ------------------------------------------------------------------ one case

/** Runs `text` (a case file) on the kernel: build, trace, probes, cleanup. Never throws. */
export async function runCaseOnKernel(text: string, fileName: string, prefix: string): Promise<KernelCaseResult> {
  const t0 = Date.now();
  const model = buildModel(text);
  const probes = readProbes(model);
  const timeout = caseProbeTimeout(text);
  const result: KernelCaseResult = { prefix, failures: [], notes: [], chains: new Set(), probes: [], notRun: [], seconds: 0 };
  const monitor = new TraceMonitor();
  try {
    const dbg = (what: string): void => {
      if (process.env.ND_DEBUG) process.stderr.write(`${prefix} ${((Date.now() - t0) / 1000).toFixed(2)}s ${what}\n`);
    };
    const b = await buildOnKernel(model, prefix, fileName);
    dbg('built');
    result.failures = b.failures;
    result.notes = b.notes;
    const { pos, chains } = await readRuleset(prefix, b.namespaces);
    const owners = await readAddressOwners(prefix, b.namespaces);
    result.chains = chains;
    await monitor.start(prefix, b.namespaces);
    dbg('tracing');
    const logFile = path.join(b.logDir, 'listen.log');
    for (const probe of probes) {
      if (probe.jail !== undefined || !probe.from) {
        result.notRun.push({ probe, why: probe.jail !== undefined ? `sent from bsdjail ${probe.jail}: no bsdjail LSM on a stock kernel` : 'not sent by a process (probe ... on)' });
        continue;
      }
      const before = monitor.events.length;
      const logSize = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
      const args = {
        proto: probe.proto, dst: probe.dst, dport: probe.dport, sport: probe.sport, src: probe.src,
        ttl: probe.ttl, mark: probe.mark, timeout, log: logFile, logSize,
      };
      const r = await run('ip', ['netns', 'exec', `${prefix}-${probe.from}`, PYTHON, path.join(repoRoot(), 'test/kernel/probe.py'), JSON.stringify(args)], { timeoutMs: (timeout + 30) * 1000 });
      dbg(`probe ${probe.name}`);
      await sleep(150);
      let raw: ProberOutput;
      try {
        raw = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as ProberOutput;
      } catch {
        raw = { errno: null, icmp: [], connected: false, echoReply: null, local: null, sendError: 'PROBER_FAILED: ' + r.stderr.trim() };
      }
      let listened: { ns: string; peer: string } | undefined;
      if (fs.existsSync(logFile)) {
        const added = fs.readFileSync(logFile).subarray(logSize).toString();
        const m = /ns=(\S+) proto=\S+ local=\S+ peer=(\S+)/.exec(added);
        if (m) listened = { ns: m[1], peer: m[2] };
      }
      const events = withIpIds(monitor.events.slice(before));
      const localPort = raw.local ? Number(raw.local.split(':')[1]) : undefined;
      const ipId = probeIpId(events, probe, localPort, raw.icmpId);
      const mine = ipId === undefined ? [] : events.filter((e) => e.ipid === ipId && e.proto === PROTO_NUMBER[probe.proto]);
      const namespaces: string[] = [];
      for (const e of mine) if (namespaces[namespaces.length - 1] !== e.netns) namespaces.push(e.netns);
      // The flow: the probe packet and every packet that answers it (same port or ICMP id at our end).
      const flow = events.filter((e) => e.table === TRACE_TABLE && isFlowPacket(e, probe, localPort, raw.icmpId, ipId));
      const flowLast = flow.length ? flow[flow.length - 1].netns : undefined;
      const pathSteps: NfStep[] = [];
      for (const e of mine) {
        if (e.table === TRACE_TABLE || !e.table || !e.chain) continue;
        if (e.type === 'rule' && e.handle === undefined) continue; // the packet dump / end of chain
        const verdict = e.type === 'policy' ? `policy:${e.policy}` : e.type === 'return' ? 'return' : `${e.verdict}${e.target ? ' ' + e.target : ''}`;
        const step: NfStep = { netns: e.netns, table: e.table, chain: e.chain, verdict };
        if (e.type === 'rule' && e.handle !== undefined) step.rule = pos.get(`${e.netns}/${e.table}/${e.chain}#${e.handle}`);
        pathSteps.push(step);
      }
      const outcome = classify(probe, raw, listened, namespaces, flowLast, owners);
      result.probes.push({
        probe,
        obs: {
          outcome, peer: listened?.peer, path: pathSteps, namespaces,
          detail: `process: ${JSON.stringify(raw)}; listener: ${listened ? `${listened.ns} saw ${listened.peer}` : 'nothing'}; ip id ${ipId ?? '?'}`,
        },
      });
    }
  } catch (e) {
    result.error = String((e as Error).stack ?? e);
  } finally {
    monitor.stop();
    const t1 = Date.now();
    await cleanupOnKernel(prefix);
    if (process.env.ND_DEBUG) process.stderr.write(`${prefix} cleanup ${Date.now() - t1} ms\n`);
    result.seconds = (Date.now() - t0) / 1000;
  }
  return result;
}

interface ProberOutput {
  errno: string | null;
  icmp: Array<{ from: string; type: number; code: number }>;
  connected: boolean;
  echoReply: string | null;
  local: string | null;
  sendError: string | null;
  icmpId?: number;
}

/**
 * Maps what the process saw to the language's outcome words (docs/language.md):
 * delivered (connected / echo reply / the listener got the datagram), refused (ECONNREFUSED, ICMP
 * port unreachable), unreachable (ENETUNREACH, EHOSTUNREACH, EACCES, EINVAL from the local route
 * lookup, ICMP net/host/admin unreachable), denied (EPERM), ttl-exceeded (ICMP time exceeded),
 * dropped (nothing came back). The namespace: the listener's for delivered; the sender's for a
 * local error; otherwise the last namespace the probe packet entered.
 */
function classify(
  probe: CaseProbe, raw: ProberOutput, listened: { ns: string; peer: string } | undefined, namespaces: string[],
  flowLast: string | undefined, owners: Map<string, string>,
): { kind: OutcomeKind; netns?: string } {
  const last = namespaces[namespaces.length - 1];
  /** The namespace that sent an ICMP error: the owner of its source address, else where the probe ended. */
  const icmpNs = (from: string): string | undefined => owners.get(from) ?? last;
  const localErr = raw.sendError;
  if (localErr) {
    if (localErr === 'EPERM') return { kind: 'denied', netns: probe.from };
    if (['ENETUNREACH', 'EHOSTUNREACH', 'EACCES', 'EINVAL'].includes(localErr)) return { kind: 'unreachable', netns: probe.from };
    if (localErr === 'ECONNREFUSED') return { kind: 'refused', netns: last ?? probe.from };
    return { kind: 'dropped', netns: probe.from };
  }
  if (probe.proto === 'tcp' && raw.connected) return { kind: 'delivered', netns: listened?.ns ?? last };
  if (probe.proto === 'icmp' && raw.echoReply) return { kind: 'delivered', netns: last };
  const icmp = raw.icmp[0];
  if (icmp) {
    if (icmp.type === 11) return { kind: 'ttl-exceeded', netns: icmpNs(icmp.from) };
    if (icmp.type === 3 && icmp.code === 3) return { kind: 'refused', netns: icmpNs(icmp.from) };
    return { kind: 'unreachable', netns: icmpNs(icmp.from) };
  }
  if (raw.errno === 'ECONNREFUSED') return { kind: 'refused', netns: last };
  if (raw.errno === 'EPERM') return { kind: 'denied', netns: probe.from };
  if (raw.errno && ['ENETUNREACH', 'EHOSTUNREACH', 'EACCES'].includes(raw.errno)) return { kind: 'unreachable', netns: last };
  if (probe.proto === 'udp' && listened) return { kind: 'delivered', netns: listened.ns };
  // Silently lost: where the last packet of the flow (the probe or its answer) was seen.
  return { kind: 'dropped', netns: flowLast ?? last ?? probe.from };
}

/** Runs async jobs with at most `limit` at a time, keeping order. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

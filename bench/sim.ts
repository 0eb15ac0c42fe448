// Bench rows for the simulator (issue 3): one UDP probe through a chain of 10 namespaces, each
// with 10,000 FORWARD rules the packet must walk past, as time and CPU per probe at detail 0
// (outcome only) and detail 2 (every rule an event), side by side with the REAL kernel forwarding
// the same packet through the same topology (built by core/export's script in fresh namespaces
// with a unique prefix; the rules loaded with iptables-restore, see kernelRows); the debugger's
// step on the detail-2 trace; and the reachability matrix of 100 namespaces x 10 listeners.
// Owns these measurements only; the topology text is generated here, deterministically.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportScript } from '../core/export/index';
import { buildModel, Model } from '../core/model/index';
import { kernelFor, reachabilityMatrix, simulate, SimRuntime } from '../core/sim/index';
import { generateTopology } from './generate';
import { BenchContext, BenchRow, median, ms } from './harness';

const CHAIN = 10;
const FORWARD_RULES = 10_000;
const PORT = 9999;

/** The chain topology: n0 .. n9, link i = 10.1.i.0/30 (.1 in n_i, .2 in n_i+1); `rules` FORWARD rules per namespace. */
export function chainTopology(rules: number): { text: string; ruleLines: string[][]; dst: string } {
  const out: string[] = [];
  const ruleLines: string[][] = [];
  const dst = `10.1.${CHAIN - 2}.2`;
  for (let i = 0; i < CHAIN; i++) {
    out.push(`namespace n${i} {`);
    out.push('    ip link set lo up');
    if (i > 0 && i < CHAIN - 1) out.push('    sysctl -w net.ipv4.ip_forward=1');
    if (i > 0) {
      out.push(`    ip addr add 10.1.${i - 1}.2/30 dev u${i}`);
      out.push(`    ip link set u${i} up`);
      out.push(`    ip route add 10.1.0.0/16 via 10.1.${i - 1}.1 dev u${i}`);
    }
    if (i < CHAIN - 1) {
      out.push(`    ip link add v${i} type veth peer name u${i + 1} netns n${i + 1}`);
      out.push(`    ip addr add 10.1.${i}.1/30 dev v${i}`);
      out.push(`    ip link set v${i} up`);
      if (i < CHAIN - 2) out.push(`    ip route add ${dst.replace(/\.2$/, '.0')}/30 via 10.1.${i}.2 dev v${i}`);
    }
    // Rules that never match the probe (other sources), then the one that accepts it.
    const mine: string[] = [];
    for (let k = 0; k < rules - 1; k++) mine.push(`-A FORWARD -s 10.${200 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}/32 -p udp --dport ${PORT} -j DROP`);
    mine.push(`-A FORWARD -p udp --dport ${PORT} -j ACCEPT`);
    ruleLines.push(mine);
    for (const r of mine) out.push(`    iptables ${r}`);
    if (i === CHAIN - 1) out.push(`    listen udp ${dst}:${PORT}`);
    out.push('}');
  }
  out.push(`probe chain from n0 udp ${dst}:${PORT} expect delivered in n${CHAIN - 1}`);
  return { text: out.join('\n') + '\n', ruleLines, dst };
}

function cpuMs(c: NodeJS.CpuUsage): number {
  return (c.user + c.system) / 1000;
}

/** Wall and CPU milliseconds per call of fn, median over `runs` calls after one warm-up. */
function perCall(fn: () => void, runs: number): { wall: number; cpu: number } {
  fn();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    walls.push(Number(process.hrtime.bigint() - t0) / 1e6);
    cpus.push(cpuMs(process.cpuUsage(c0)));
  }
  return { wall: median(walls), cpu: median(cpus) };
}

function us(x: number): string {
  return x >= 1 ? ms(x) : `${(x * 1000).toFixed(1)} us`;
}

export function simRows(ctx: BenchContext): BenchRow[] {
  const chain = chainTopology(FORWARD_RULES);
  const model = buildModel(chain.text);
  const errors = model.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !model.probes[0]) {
    return [{ name: 'simulator probe', figure: '-', goal: '', status: 'failed', notes: [`chain topology does not check: ${errors[0]?.message ?? 'no probe'}`] }];
  }
  const probe = model.probes[0];
  const kernel = kernelFor(model.topology);
  const first = simulate(kernel, probe, undefined, { detail: 2 });
  const d0 = perCall(() => simulate(kernel, probe, undefined, { detail: 0 }), 21);
  const d2 = perCall(() => simulate(kernel, probe, undefined, { detail: 2 }), 5);
  ctx.figures.set('sim probe detail 0 cpu', d0.cpu);
  const where = `${CHAIN} netns chain, ${FORWARD_RULES.toLocaleString('en-US')} FORWARD rules each (${CHAIN - 2} forwarding hops walk all of them)`;
  const rows: BenchRow[] = [
    {
      name: 'sim probe, detail 0 (per probe)',
      figure: `${ms(d0.wall)} (cpu ${ms(d0.cpu)})`,
      goal: '<= kernel cpu/pkt',
      status: 'ok',
      notes: [`${where}; outcome ${first.outcome.kind}${first.outcome.netns ? ` in ${first.outcome.netns}` : ''}; median of 21`],
    },
    {
      name: 'sim probe, detail 2 (per probe)',
      figure: `${ms(d2.wall)} (cpu ${ms(d2.cpu)})`,
      goal: '',
      status: 'ok',
      notes: [`${first.events.length.toLocaleString('en-US')} events recorded; median of 5`],
    },
  ];
  rows.push(...debuggerStepRows(model, first.events.length));
  const k = kernelRows(model, chain.ruleLines, chain.dst);
  rows.push(...k.rows);
  if (k.cpuPerPacket !== undefined) {
    const ratio = d0.cpu / k.cpuPerPacket;
    rows[0].status = ratio <= 1 ? 'ok' : 'slow';
    rows.push({ name: 'ratio sim cpu (detail 0) / kernel cpu per packet', figure: `${ratio.toFixed(1)} x`, goal: '<= 1.0 x', status: ratio <= 1 ? 'ok' : 'slow' });
  } else rows[0].status = 'unavailable';
  rows.push(...matrixRows());
  return rows;
}

/** The debugger's step: SimRuntime over the detail-2 trace, stepping every event; p95 of one step with stack and state. */
function debuggerStepRows(model: Model, events: number): BenchRow[] {
  const name = 'debugger step on that trace (p95)';
  try {
    const rt = new SimRuntime(model.topology, model.probes[0]);
    const steps: number[] = [];
    const stride = Math.max(1, Math.floor(events / 2000));
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let i = 0; i < events; i += stride) {
      const s = process.hrtime.bigint();
      rt.goto(i);
      rt.stack(i);
      rt.state(i);
      steps.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    const cpu = cpuMs(process.cpuUsage(c0)) / steps.length;
    const wall = Number(process.hrtime.bigint() - t0) / 1e6 / steps.length;
    steps.sort((a, b) => a - b);
    const p95 = steps[Math.floor(steps.length * 0.95)];
    return [{
      name, figure: `${ms(p95)} (mean cpu ${ms(cpu)})`, goal: '< 10 ms', status: p95 < 10 ? 'ok' : 'slow',
      notes: [`${steps.length} positions over ${events.toLocaleString('en-US')} events (goto + stack + state each); mean wall ${ms(wall)}`],
    }];
  } catch (e) {
    return [{ name, figure: '-', goal: '< 10 ms', status: 'failed', notes: [String((e as Error).message ?? e).slice(0, 200)] }];
  }
}

/**
 * The real kernel: the export script builds the chain (without its 100,000 iptables lines, which
 * would take one process each; the same rules go in with one iptables-restore per namespace),
 * then a python3 sender in n0 sends a burst of UDP datagrams to the listener in n9. The kernel's
 * CPU per packet is the sender's system time over the burst (on veth the whole path, through every
 * namespace's FORWARD chain, runs in softirq on the sending CPU within sendto()) divided by the
 * datagrams that arrived; /proc/stat system+softirq over the burst is given as a note (it includes
 * every other process on the machine).
 */
function kernelRows(model: Model, ruleLines: string[][], dst: string): { rows: BenchRow[]; cpuPerPacket?: number } {
  const name = 'kernel forwarding, same path (cpu per packet)';
  const unavailable = (why: string): { rows: BenchRow[] } => ({ rows: [{ name, figure: '-', goal: '', status: 'unavailable', notes: [why] }] });
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return unavailable('needs root: run `sudo npm run bench`');
  const prefix = `ndb${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netns-dbg-bench-sim-'));
  const script = path.join(dir, 'chain.sh');
  // The export of the same file minus its iptables lines: the topology, sysctls and the listener.
  const base = buildModel(model.file.text.split('\n').filter((l) => !l.trimStart().startsWith('iptables ')).join('\n'));
  fs.writeFileSync(script, exportScript(base, { prefix, fileName: 'bench-chain.netns' }));
  const env = { ...process.env, ND_LOGDIR: dir };
  try {
    const up = spawnSync('bash', [script, '--prefix', prefix, '--keep'], { encoding: 'utf8', env, timeout: 120_000 });
    if (up.status !== 0 || /line \d+: exit/.test(up.stderr)) return unavailable(`export script failed (status ${up.status}): ${up.stderr.trim().slice(0, 300)}`);
    for (let i = 0; i < ruleLines.length; i++) {
      const save = `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n${ruleLines[i].join('\n')}\nCOMMIT\n`;
      const r = spawnSync('ip', ['netns', 'exec', `${prefix}-n${i}`, 'iptables-restore'], { input: save, encoding: 'utf8', maxBuffer: 64 << 20 });
      if (r.status !== 0) return unavailable(`iptables-restore in ${prefix}-n${i} failed: ${r.stderr.trim().slice(0, 300)}`);
    }
    const count = spawnSync('ip', ['netns', 'exec', `${prefix}-n1`, 'iptables', '-S', 'FORWARD'], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout.split('\n').filter((l) => l.startsWith('-A')).length;
    const N = 2000;
    const sender = [
      'import os, socket, sys, time',
      'dst, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])',
      's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
      'def stat():',
      '    f = open("/proc/stat").readline().split()',
      '    return int(f[3]) + int(f[7])',  // system + softirq (USER_HZ ticks)
      'for i in range(50): s.sendto(b"warm", (dst, port))',
      'time.sleep(0.2)',
      'r0 = os.times(); p0 = stat(); t0 = time.perf_counter()',
      'for i in range(n): s.sendto(b"x" * 64, (dst, port))',
      'r1 = os.times(); p1 = stat(); t1 = time.perf_counter()',
      'print(r1.system - r0.system, r1.user - r0.user, (p1 - p0) / os.sysconf("SC_CLK_TCK"), t1 - t0)',
    ].join('\n');
    const inDatagrams = (): number => {
      const snmp = spawnSync('ip', ['netns', 'exec', `${prefix}-n${CHAIN - 1}`, 'cat', '/proc/net/snmp'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.startsWith('Udp:'));
      const head = snmp[0]?.split(/\s+/) ?? [];
      return Number(snmp[1]?.split(/\s+/)[head.indexOf('InDatagrams')] ?? NaN);
    };
    const perPkt: number[] = [];
    const notes: string[] = [];
    for (let r = 0; r < 3; r++) {
      const before = inDatagrams();
      const s = spawnSync('ip', ['netns', 'exec', `${prefix}-n0`, 'python3', '-c', sender, dst, String(PORT), String(N)], { encoding: 'utf8', timeout: 120_000 });
      if (s.status !== 0) return unavailable(`sender failed: ${s.stderr.trim().slice(0, 300)}`);
      const [sys, user, statSys, wall] = s.stdout.trim().split(/\s+/).map(Number);
      const arrived = inDatagrams() - before - 50;
      if (!(arrived > 0)) return unavailable(`no datagram arrived in ${prefix}-n${CHAIN - 1} (${arrived})`);
      perPkt.push((sys * 1000) / arrived);
      notes.push(`burst ${r + 1}: ${N} sent, ${arrived} arrived; sender system ${(sys * 1000).toFixed(0)} ms, user ${(user * 1000).toFixed(0)} ms, wall ${(wall * 1000).toFixed(0)} ms; /proc/stat system+softirq (whole machine) ${(statSys * 1000 / arrived).toFixed(3)} ms/pkt`);
    }
    const cpu = median(perPkt);
    return {
      cpuPerPacket: cpu,
      rows: [{
        name, figure: us(cpu), goal: '', status: 'ok',
        notes: [`${os.release()}; ${count} FORWARD rules per namespace (checked in ${prefix}-n1); median of 3 bursts; sender's kernel time / datagrams received (clock ticks of 10 ms: coarse)`, ...notes],
      }],
    };
  } finally {
    spawnSync('bash', [script, '--prefix', prefix, '--cleanup'], { encoding: 'utf8', env, timeout: 60_000 });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The reachability matrix: 100 namespaces of the generated ring, 10 UDP/TCP listeners each on its own address. */
function matrixRows(): BenchRow[] {
  const g = generateTopology({ namespaces: 100 });
  let i = 0;
  const text = g.text.replace(/^ {4}listen tcp 0\.0\.0\.0:22$/gm, () => {
    const n = i++ + 1;
    const addr = `172.16.${n >> 8}.${n & 255}`;
    const ls: string[] = [];
    for (let k = 0; k < 10; k++) ls.push(`    listen ${k % 2 ? 'udp' : 'tcp'} ${addr}:${1000 + k}`);
    return ls.join('\n');
  });
  const model = buildModel(text);
  let probes = 0;
  const t = perCall(() => {
    const m = reachabilityMatrix(model.topology);
    probes = m.sources.length * m.targets.length;
  }, 3);
  return [{
    name: 'reachability matrix 100 netns x 10 listeners',
    figure: `${ms(t.wall)} (cpu ${ms(t.cpu)})`,
    goal: '< 2000 ms',
    status: t.wall < 2000 ? 'ok' : 'slow',
    notes: [`${probes.toLocaleString('en-US')} probes (every namespace to every listener), detail 0; median of 3 after a warm-up`],
  }];
}

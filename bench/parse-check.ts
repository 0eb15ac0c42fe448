// Bench row 1: parse + check (buildModel) of the generated 100,000-line topology, against
// `iptables-restore --test` on the same 50,000 rules measured in the same run (as root, in a
// throwaway namespace; the host's own rules are never touched). Goals from issue 2: under 1 s,
// and no slower than iptables-restore.
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { buildModel, Model } from '../core/model/index';
import { parse } from '../core/syntax/parser';
import { BenchContext, BenchRow, heapUsed, mb, median, ms, time, timeCpu } from './harness';

const RUNS = 5;

/** One timed `iptables-restore --test` (wall and, when bash could tell, its own CPU), or why not. */
type RestoreRun = { ms: number; cpu: number | undefined } | { error: string };

/** A throwaway namespace to run `iptables-restore --test` in, or why there is none. */
interface Restore {
  ns: string;
  run(): RestoreRun;
  close(): void;
}

function openRestore(save: string): Restore | string {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'needs root (it runs in a throwaway network namespace): run `sudo npm run bench`';
  }
  const ns = `nd-bench-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  if (add.status !== 0) return `cannot create a namespace: ${(add.stderr || String(add.error)).trim()}`;
  return {
    ns,
    run(): RestoreRun {
      // bash's `times` prints its children's user and system time: iptables-restore's own CPU.
      const t = time(() => spawnSync('bash', ['-c', 'ip netns exec "$1" iptables-restore --test && times', 'bash', ns], { input: save, encoding: 'utf8', maxBuffer: 64 << 20 }));
      if (t.value.status !== 0) return { error: `iptables-restore --test failed (status ${t.value.status}): ${(t.value.stderr || String(t.value.error)).trim().slice(0, 300)}` };
      const last = t.value.stdout.trim().split('\n').pop() ?? '';
      const m = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(last.trim());
      return { ms: t.ms, cpu: m ? (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000 : undefined };
    },
    close(): void {
      spawnSync('ip', ['netns', 'del', ns]);
    },
  };
}

/** What the first run also reports. */
interface FirstRun {
  retained: number;
  diagnostics: number;
  errors: number;
  tokens: number;
}

/**
 * One timed parse + check of `text`, after a full collection. Its own function, so that nothing
 * of this run's tree and model is still referenced when the next run starts (a loop body's
 * variables stay in its frame until they are assigned again: the previous model, 64 MB, was
 * alive through the whole of the next run).
 */
function measureRun(text: string, first: boolean): { heapBefore: number; parse: { ms: number; cpu: number }; model: { ms: number; cpu: number }; first?: FirstRun } {
  const before = heapUsed();
  const p = timeCpu(() => parse(text));
  const m = timeCpu(() => buildModel(p.value));
  const parseTime = { ms: p.ms, cpu: p.cpu };
  const modelTime = { ms: m.ms, cpu: m.cpu };
  if (!first) return { heapBefore: before, parse: parseTime, model: modelTime };
  // The words of the commands (in the word table) and the blocks' tokens: reading
  // p.value.tokens, or a command's words, would make token objects.
  const tokens = (function held(items: typeof p.value.items): number { let k = 0; for (const it of items) k += it.kind === 'command' ? it.count : 1 + (it.name ? 1 : 0) + (it.open ? 1 : 0) + (it.close ? 1 : 0) + held(it.body); return k; })(p.value.items);
  const model: Model = m.value;
  const retained = heapUsed() - before;
  const diagnostics = model.diagnostics.length;
  const errors = model.diagnostics.filter((d) => d.severity === 'error').length;
  return { heapBefore: before, parse: parseTime, model: modelTime, first: { retained, diagnostics, errors, tokens } };
}

export function parseCheckRows(ctx: BenchContext): BenchRow[] {
  const g = ctx.topology();
  const what = `${g.lines.toLocaleString('en-US')} lines, ${g.namespaces.toLocaleString('en-US')} netns, ${g.iptablesRules.toLocaleString('en-US')} rules`;
  const parses: number[] = [];
  const models: number[] = [];
  const totals: number[] = [];
  const parseCpu: number[] = [];
  const modelCpu: number[] = [];
  const totalCpu: number[] = [];
  const heapBefore: number[] = [];
  let retained = 0;
  let diagnostics = 0;
  let tokens = 0;
  let errors = 0;
  // iptables-restore runs alternate with ours, so that both see the machine as it is at the time
  // (its speed here drifts by tens of percent within minutes).
  const restore = openRestore(g.iptablesSave);
  const theirs: RestoreRun[] = [];
  try {
    for (let r = 0; r < RUNS; r++) {
      const run = measureRun(g.text, r === 0);
      heapBefore.push(run.heapBefore);
      parses.push(run.parse.ms);
      models.push(run.model.ms);
      totals.push(run.parse.ms + run.model.ms);
      parseCpu.push(run.parse.cpu);
      modelCpu.push(run.model.cpu);
      totalCpu.push(run.parse.cpu + run.model.cpu);
      if (run.first) ({ retained, diagnostics, errors, tokens } = run.first);
      if (typeof restore !== 'string' && !theirs.some((t) => 'error' in t)) theirs.push(restore.run());
    }
  } finally {
    if (typeof restore !== 'string') restore.close();
  }
  const total = median(totals);
  const cpu = median(totalCpu);
  const calib = allocationCalibration();
  ctx.figures.set('parse+check total', total);
  ctx.figures.set('parse+check cpu', cpu);
  const rows: BenchRow[] = [
    {
      name: 'parse + check (total)',
      figure: `${ms(total)} (cpu ${ms(cpu)})`,
      goal: '< 1000 ms',
      status: total < 1000 ? 'ok' : 'slow',
      notes: [
        `${what}; median of ${RUNS} runs, first (cold) run ${ms(totals[0])}; cpu = process user+system over the call (GC threads included)`,
        `load average at start ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs: wall time includes waiting for a CPU`,
        `each run after a full collection, nothing of the run before it still referenced: live heap at the start of each run ${heapBefore.map((b) => mb(b)).join(', ')}`,
        `this machine now: creating and keeping 1,000,000 token-sized objects costs ${ms(calib)} cpu (the file has ${tokens.toLocaleString('en-US')} words; the tree keeps them in a word table, not as objects, and the model makes a short-lived token for each as it runs)`,
        `the generated file has ${diagnostics} diagnostics (${errors} errors)`,
      ],
    },
    { name: '  parse', figure: `${ms(median(parses))} (cpu ${ms(median(parseCpu))})`, goal: '', status: 'ok' },
    { name: '  build model + checks', figure: `${ms(median(models))} (cpu ${ms(median(modelCpu))})`, goal: '', status: 'ok' },
    { name: '  memory (tree + model retained)', figure: mb(retained), goal: '', status: 'ok' },
  ];
  rows.push(...iptablesRestoreRows(ctx, typeof restore === 'string' ? restore : theirs, g.iptablesRules, totals));
  return rows;
}

function iptablesRestoreRows(ctx: BenchContext, runs: RestoreRun[] | string, rules: number, ourRuns: number[]): BenchRow[] {
  const name = `iptables-restore --test (${rules.toLocaleString('en-US')} rules)`;
  const unavailable = (why: string): BenchRow[] => [
    { name, figure: '-', goal: '', status: 'unavailable', notes: [why] },
    { name: 'ratio parse+check / iptables-restore', figure: '-', goal: '<= 1.00 x', status: 'unavailable' },
  ];
  if (typeof runs === 'string') return unavailable(runs);
  const failed = runs.find((t): t is { error: string } => 'error' in t);
  if (failed) return unavailable(failed.error);
  const ok = runs as Array<{ ms: number; cpu: number | undefined }>;
  const walls = ok.map((t) => t.ms);
  const theirs = median(walls);
  const theirCpu = ok.every((t) => t.cpu !== undefined) ? median(ok.map((t) => t.cpu!)) : undefined;
  ctx.figures.set('iptables-restore --test', theirs);
  const version = spawnSync('iptables-restore', ['--version'], { encoding: 'utf8' }).stdout.trim();
  const ours = median(ourRuns);
  const ratio = ours / theirs;
  const ourCpu = ctx.figures.get('parse+check cpu') ?? ours;
  const cpuRatio = ourCpu / (theirCpu ?? theirs);
  // Each of our runs against the iptables-restore run right after it.
  const paired = median(ourRuns.map((o, i) => o / walls[i]));
  return [
    {
      name,
      figure: `${ms(theirs)}${theirCpu !== undefined ? ` (cpu ${ms(theirCpu)})` : ''}`,
      goal: '',
      status: 'ok',
      notes: [
        `${version || 'iptables-restore'}; median of ${walls.length} runs (process start included), each right after one of ours, in a throwaway namespace; same rules in iptables-save form`,
        `its runs: ${walls.map((w) => ms(w)).join(', ')}; ours: ${ourRuns.map((w) => ms(w)).join(', ')}`,
      ],
    },
    { name: 'ratio parse+check / iptables-restore', figure: `${ratio.toFixed(2)} x (cpu ${cpuRatio.toFixed(2)} x)`, goal: '<= 1.00 x', status: ratio <= 1 ? 'ok' : 'slow',
      notes: [
        `median against median, runs alternating; cpu against ${theirCpu !== undefined ? 'its user+system (bash times)' : 'its wall (its CPU was not readable)'}`,
        `median of the 5 paired ratios (each run of ours / the iptables-restore run after it): ${paired.toFixed(2)} x`,
      ] },
  ];
}

/** CPU milliseconds to create and keep 1,000,000 small objects (the shape of a token): how fast this machine is right now. */
function allocationCalibration(): number {
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    heapUsed();
    const t = timeCpu(() => {
      const keep: Array<{ kind: number; start: number; end: number; text: string; value: string }> = [];
      for (let i = 0; i < 1_000_000; i++) keep.push({ kind: 0, start: i, end: i + 1, text: 'x', value: 'x' });
      return keep.length;
    });
    runs.push(t.cpu);
  }
  return median(runs);
}

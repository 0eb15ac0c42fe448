// Bench row 1: parse + check (buildModel) of the generated 100,000-line topology, against
// `iptables-restore --test` on the same 50,000 rules measured in the same run (as root, in a
// throwaway namespace; the host's own rules are never touched). Goals from issue 2: under 1 s,
// and no slower than iptables-restore.
import { spawnSync } from 'node:child_process';
import { buildModel, Model } from '../core/model/index';
import { parse } from '../core/syntax/parser';
import { BenchContext, BenchRow, heapUsed, mb, median, ms, time } from './harness';

const RUNS = 5;

export function parseCheckRows(ctx: BenchContext): BenchRow[] {
  const g = ctx.topology();
  const what = `${g.lines.toLocaleString('en-US')} lines, ${g.namespaces.toLocaleString('en-US')} netns, ${g.iptablesRules.toLocaleString('en-US')} rules`;
  const parses: number[] = [];
  const models: number[] = [];
  const totals: number[] = [];
  let retained = 0;
  let diagnostics = 0;
  let errors = 0;
  for (let r = 0; r < RUNS; r++) {
    const before = heapUsed();
    const p = time(() => parse(g.text));
    const m = time(() => buildModel(p.value));
    parses.push(p.ms);
    models.push(m.ms);
    totals.push(p.ms + m.ms);
    if (r === 0) {
      const model: Model = m.value;
      retained = heapUsed() - before;
      diagnostics = model.diagnostics.length;
      errors = model.diagnostics.filter((d) => d.severity === 'error').length;
    }
  }
  const total = median(totals);
  ctx.figures.set('parse+check total', total);
  const rows: BenchRow[] = [
    {
      name: 'parse + check (total)',
      figure: ms(total),
      goal: '< 1000 ms',
      status: total < 1000 ? 'ok' : 'slow',
      notes: [
        `${what}; median of ${RUNS} runs, first (cold) run ${ms(totals[0])}`,
        `the generated file has ${diagnostics} diagnostics (${errors} errors)`,
      ],
    },
    { name: '  parse', figure: ms(median(parses)), goal: '', status: 'ok' },
    { name: '  build model + checks', figure: ms(median(models)), goal: '', status: 'ok' },
    { name: '  memory (tree + model retained)', figure: mb(retained), goal: '', status: 'ok' },
  ];
  rows.push(...iptablesRestoreRows(ctx, g.iptablesSave, g.iptablesRules, total));
  return rows;
}

function iptablesRestoreRows(ctx: BenchContext, save: string, rules: number, ours: number): BenchRow[] {
  const name = `iptables-restore --test (${rules.toLocaleString('en-US')} rules)`;
  const unavailable = (why: string): BenchRow[] => [
    { name, figure: '-', goal: '', status: 'unavailable', notes: [why] },
    { name: 'ratio parse+check / iptables-restore', figure: '-', goal: '<= 1.00 x', status: 'unavailable' },
  ];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return unavailable('needs root (it runs in a throwaway network namespace): run `sudo npm run bench`');
  }
  const ns = `nd-bench-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  if (add.status !== 0) return unavailable(`cannot create a namespace: ${(add.stderr || String(add.error)).trim()}`);
  try {
    const runs: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t = time(() => spawnSync('ip', ['netns', 'exec', ns, 'iptables-restore', '--test'], { input: save, encoding: 'utf8', maxBuffer: 64 << 20 }));
      if (t.value.status !== 0) {
        return unavailable(`iptables-restore --test failed (status ${t.value.status}): ${(t.value.stderr || String(t.value.error)).trim().slice(0, 300)}`);
      }
      runs.push(t.ms);
    }
    const theirs = median(runs);
    ctx.figures.set('iptables-restore --test', theirs);
    const version = spawnSync('iptables-restore', ['--version'], { encoding: 'utf8' }).stdout.trim();
    const ratio = ours / theirs;
    return [
      {
        name,
        figure: ms(theirs),
        goal: '',
        status: 'ok',
        notes: [`${version || 'iptables-restore'}; median of 3 runs in namespace ${ns} (process start included), same rules in iptables-save form`],
      },
      { name: 'ratio parse+check / iptables-restore', figure: `${ratio.toFixed(2)} x`, goal: '<= 1.00 x', status: ratio <= 1 ? 'ok' : 'slow' },
    ];
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

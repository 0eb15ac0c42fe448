// Bench rows for the tools built on the checker: the formatter on the 100,000-line file, as
// generated (already formatted) and with its layout broken (format on save must stay instant),
// and `netns-dbg check` end to end as a process (start, read, check, print) on the same file.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatText } from '../core/ide/format';
import { BenchContext, BenchRow, median, ms, time, timeCpu } from './harness';

const repoRoot = path.resolve(__dirname, '..', '..');

export function formatRows(ctx: BenchContext): BenchRow[] {
  const g = ctx.topology();
  // The same file with its layout broken (tabs for the block indentation, three spaces before
  // every `-j`): the formatter has to rewrite most lines and its safety net has to compare.
  const unformatted = g.text.replace(/^ {4}/gm, '\t').replace(/ -j /g, '   -j ');
  return [formatRow('fmt (formatText, same file)', g.text), formatRow('fmt (formatText, same file re-indented)', unformatted)];
}

function formatRow(name: string, text: string): BenchRow {
  const runs: number[] = [];
  const cpus: number[] = [];
  let changed = false;
  for (let r = 0; r < 3; r++) {
    const t = timeCpu(() => formatText(text));
    runs.push(t.ms);
    cpus.push(t.cpu);
    changed = t.value !== text;
  }
  const m = median(runs);
  return {
    name,
    figure: `${ms(m)} (cpu ${ms(median(cpus))})`,
    goal: '< 1000 ms',
    status: m < 1000 ? 'ok' : 'slow',
    notes: [`median of 3 runs; the text is ${changed ? 'NOT ' : ''}already formatted`],
  };
}

export function cliCheckRows(ctx: BenchContext): BenchRow[] {
  const name = 'netns-dbg check (process, same file)';
  const cli = path.join(repoRoot, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) return [{ name, figure: '-', goal: '< 2000 ms', status: 'unavailable', notes: ['dist/cli.js missing: npm run build'] }];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netns-dbg-bench-'));
  try {
    const file = path.join(dir, 'big.netns');
    fs.writeFileSync(file, ctx.topology().text);
    const runs: number[] = [];
    let status: number | null = 0;
    for (let r = 0; r < 3; r++) {
      const t = time(() => spawnSync(process.execPath, [cli, 'check', file], { encoding: 'utf8', maxBuffer: 256 << 20 }));
      runs.push(t.ms);
      status = t.value.status;
      if (status === 2 || status === null) {
        return [{ name, figure: '-', goal: '< 2000 ms', status: 'failed', notes: [(t.value.stderr || String(t.value.error)).trim().slice(0, 300)] }];
      }
    }
    const m = median(runs);
    return [{
      name,
      figure: ms(m),
      goal: '< 2000 ms',
      status: m < 2000 ? 'ok' : 'slow',
      notes: [`median of 3 runs, node start-up included; exit status ${status}`],
    }];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

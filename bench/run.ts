// `npm run bench`: runs the entries of bench/entries.ts (all, or those whose id is given:
// `npm run bench -- parse-check fmt`) and prints one table. Exit status 0 even when a figure misses
// its goal (the table says so); 1 only when an entry crashed. `--write-topology FILE` saves the
// generated 100,000-line topology for other tools.
import * as fs from 'node:fs';
import { entries } from './entries';
import { BenchRow, newContext, printTable } from './harness';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const ctx = newContext();
  const wi = args.indexOf('--write-topology');
  if (wi >= 0) {
    const file = args[wi + 1];
    if (!file) {
      process.stderr.write('bench: --write-topology needs a FILE\n');
      return 2;
    }
    fs.writeFileSync(file, ctx.topology().text);
    process.stdout.write(`bench: wrote ${file}\n`);
    args.splice(wi, 2);
  }
  const unknown = args.filter((a) => !entries.some((e) => e.id === a));
  if (unknown.length) {
    process.stderr.write(`bench: unknown entry ${unknown.join(', ')}; entries: ${entries.map((e) => e.id).join(', ')}\n`);
    return 2;
  }
  const chosen = args.length ? entries.filter((e) => args.includes(e.id)) : entries;
  let crashed = false;
  const g = ctx.topology();
  process.stdout.write(`netns-dbg bench: node ${process.version}, ${g.lines} lines generated\n\n`);
  for (const e of chosen) {
    let rows: BenchRow[];
    try {
      rows = await e.run(ctx);
    } catch (err) {
      crashed = true;
      rows = [{ name: e.id, figure: '-', goal: '', status: 'failed', notes: [String((err as Error)?.stack ?? err).split('\n').slice(0, 4).join(' | ')] }];
    }
    ctx.rows.push(...rows);
  }
  printTable(ctx.rows, (s) => process.stdout.write(s));
  return crashed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`bench: ${String((err as Error)?.stack ?? err)}\n`);
    process.exitCode = 1;
  },
);

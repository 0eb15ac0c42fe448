// The benchmark harness: a list of entries (bench/entries.ts), each measuring something and
// returning rows of name, figure, goal and status; the runner prints them as one table. No
// timed assertions anywhere: a benchmark reports, a test asserts. Helpers for timing, memory
// and the shared generated topology live here too.
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Generated, generateTopology } from './generate';

/** 'slow': the figure misses its goal (printed SHORT). */
export type BenchStatus = 'ok' | 'slow' | 'unavailable' | 'failed';

export interface BenchRow {
  name: string;
  /** The measured figure, with its unit (`640 ms`, `1.8 x`). */
  figure: string;
  /** What it should be (`< 1000 ms`), or '' when there is no goal. */
  goal: string;
  status: BenchStatus;
  /** Extra lines printed under the table (how it was measured, why unavailable). */
  notes?: string[];
}

export interface BenchContext {
  /** The 100,000-line topology (1,000 namespaces, 50,000 iptables rules), generated once. */
  topology(): Generated;
  /** Rows already produced in this run (an entry may compare with an earlier one). */
  rows: BenchRow[];
  /** Named figures in milliseconds that entries share (e.g. 'parse+check total'). */
  figures: Map<string, number>;
}

export interface BenchEntry {
  /** Short id, used by `npm run bench -- ID...` to run only some entries. */
  id: string;
  run(ctx: BenchContext): Promise<BenchRow[]> | BenchRow[];
}

let cached: Generated | undefined;
export function newContext(): BenchContext {
  return {
    topology: () => (cached ??= generateTopology()),
    rows: [],
    figures: new Map(),
  };
}

/** Milliseconds taken by fn, with its result. */
export function time<T>(fn: () => T): { ms: number; value: T } {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

/** Wall and CPU (user + system of this process, every thread: GC helpers included) milliseconds of fn. */
export function timeCpu<T>(fn: () => T): { ms: number; cpu: number; value: T } {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { ms, cpu: (c.user + c.system) / 1000, value };
}

/** Median of the numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

let gcFn: (() => void) | undefined;
/** A full garbage collection (node is started without --expose-gc: switch it on at run time). */
export function gc(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
}

/** Heap bytes in use after a full collection. */
export function heapUsed(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

export function ms(x: number): string {
  return x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`;
}

export function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(0)} MB`;
}

/** Prints rows as an aligned table, then the notes. */
export function printTable(rows: BenchRow[], write: (s: string) => void): void {
  const head: [string, string, string, string] = ['benchmark', 'figure', 'goal', 'status'];
  // A figure that misses its goal is printed SHORT (the word of the issue: reported, not hidden).
  const cells = rows.map((r) => [r.name, r.figure, r.goal, r.status === 'slow' ? 'SHORT' : r.status]);
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string => c.map((x, i) => x.padEnd(width[i])).join('  ').trimEnd();
  write(line(head) + '\n');
  write(width.map((w) => '-'.repeat(w)).join('  ') + '\n');
  for (const c of cells) write(line(c) + '\n');
  const notes = rows.flatMap((r) => (r.notes ?? []).map((n) => `  ${r.name}: ${n}`));
  if (notes.length) write('\n' + notes.join('\n') + '\n');
}

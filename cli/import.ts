// The `netns-dbg import` command: snapshots network namespaces of this machine, named by the user,
// into a `.netns` file. It runs the real tools (ip, iptables-save, sysctl, ss) inside each named
// namespace and hands their output to core/import, which owns the translation. It never reads the
// host's own namespace: no name, no import; a name whose namespace is the host's is refused.
// Running processes and stat()ing namespace files happen here (through a ToolRunner that tests
// replace); files are written through the CLI's Io.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { importNamespaces, NamespaceSnapshot, sysctlPaths } from '../core/import/index';
import { OptionSpec, ParsedArgs, UsageError } from './args';
import type { Io } from './io';
import { plural } from './render';

export interface ToolResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** How the command reaches the system: processes and namespace identities. */
export interface ToolRunner {
  run(cmd: string, args: string[]): ToolResult;
  /** `dev:inode` of a namespace file (following symlinks), or undefined if it cannot be read. */
  nsIdentity(path: string): string | undefined;
}

export function nodeRunner(): ToolRunner {
  return {
    run(cmd, args) {
      const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
      if (r.error) return { status: 127, stdout: '', stderr: `${cmd}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}` };
      return { status: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    },
    nsIdentity(path) {
      try {
        const st = fs.statSync(path);
        return `${st.dev}:${st.ino}`;
      } catch {
        return undefined;
      }
    },
  };
}

export const IMPORT_OPTIONS: OptionSpec[] = [
  { name: 'help', aliases: ['-h'] },
  { name: 'output', aliases: ['-o'], value: true },
  { name: 'prefix', value: true },
  { name: 'listeners' },
];

export const IMPORT_HELP = `Usage: netns-dbg import [-o FILE] [--prefix P] [--listeners] NAME...

Snapshots the named network namespaces of this machine (names as 'ip netns list' shows them) into
a .netns file, as root. Only the namespaces you name are read; the host's own namespace never is.
Read per namespace: 'ip -j -d link', 'ip -j addr', 'ip -j route show table all', 'ip -j rule',
'ip -j neigh show nud permanent', 'ip -j netns list-id', 'iptables-save', 'nft list tables' and
the sysctls the simulator honours; with --listeners also 'ss -Hltnu'.

The file has one 'namespace NAME { }' block per namespace: sysctls that differ from a fresh
namespace, links (veth pairs once, bridges, masters, mtu, up), addresses, routes, rules,
permanent neighbours, iptables rules and listeners. Kernel-made state (lo's 127.0.0.1/8, proto
kernel routes, the default rules) is left out; what a .netns file cannot express is written as a
'# not imported: ...' comment. The result checks without errors ('netns-dbg check').

Options:
  -o, --output FILE  write the file to FILE instead of standard output
  --prefix P         strip 'P-' from the namespace names (a topology built by 'netns-dbg export
                     --prefix P' imports under its original names)
  --listeners        also import listening TCP and bound UDP sockets as 'listen' lines
  -h, --help         show this help

Exit status: 0 imported; 1 a namespace could not be read (or is the host's); 2 usage error.
`;

const NETNS_NAME = /^[A-Za-z0-9_.@:+-]+$/;

/** One tool run of a snapshot: which field it fills and which exit statuses are fine. */
interface Step {
  field: 'link' | 'addr' | 'route' | 'rule' | 'neigh' | 'nsids' | 'iptablesSave' | 'nftTables' | 'sysctl' | 'listeners';
  what: string;
  cmd: string;
  args: string[];
  ok: number[];
}

/** The tool runs of a snapshot except sysctl (whose keys depend on the links read). */
function steps(name: string, listeners: boolean): Step[] {
  const ipj = (field: Step['field'], ...args: string[]): Step => ({ field, what: `ip ${args.join(' ')}`, cmd: 'ip', args: ['-n', name, '-j', ...args], ok: [0] });
  const exec = (field: Step['field'], ok: number[], ...args: string[]): Step => ({ field, what: args.join(' '), cmd: 'ip', args: ['netns', 'exec', name, ...args], ok });
  const out = [
    ipj('link', '-d', 'link', 'show'),
    ipj('addr', 'addr', 'show'),
    ipj('route', 'route', 'show', 'table', 'all'),
    ipj('rule', 'rule', 'show'),
    ipj('neigh', 'neigh', 'show', 'nud', 'permanent'),
    ipj('nsids', 'netns', 'list-id'),
    exec('iptablesSave', [0], 'iptables-save'),
    // nft is optional: without it only the iptables view is read.
    exec('nftTables', [0, 127, 255], 'nft', 'list', 'tables'),
  ];
  if (listeners) out.push(exec('listeners', [0], 'ss', '-Hltnu'));
  return out;
}

/** sysctl exits 1 when a key is missing (a device gone meanwhile) and prints the others. */
function sysctlStep(name: string, link: string): Step {
  return { field: 'sysctl', what: 'sysctl', cmd: 'ip', args: ['netns', 'exec', name, 'sysctl', ...sysctlPaths(link)], ok: [0, 1] };
}

function record(snap: NamespaceSnapshot, failures: string[], st: Step, r: ToolResult): void {
  if (!st.ok.includes(r.status)) failures.push(`${st.what}: exit ${r.status}: ${r.stderr.trim().split('\n')[0] ?? ''}`);
  snap[st.field] = r.stdout;
}

function emptySnapshot(name: string): NamespaceSnapshot {
  return { name, link: '', addr: '', route: '', rule: '', neigh: '', nsids: '', iptablesSave: '', sysctl: '' };
}

/** Reads one namespace with the real tools, one after the other. */
export function snapshotNamespace(name: string, runner: ToolRunner, listeners: boolean): NamespaceSnapshot {
  const snap = emptySnapshot(name);
  const failures: string[] = [];
  for (const st of steps(name, listeners)) record(snap, failures, st, runner.run(st.cmd, st.args));
  const st = sysctlStep(name, snap.link);
  record(snap, failures, st, runner.run(st.cmd, st.args));
  if (failures.length) snap.failures = failures;
  return snap;
}

/** The same, with the tools running concurrently (for callers that have an event loop to keep). */
export async function snapshotNamespaceAsync(name: string, run: (cmd: string, args: string[]) => Promise<ToolResult>, listeners: boolean): Promise<NamespaceSnapshot> {
  const snap = emptySnapshot(name);
  const failures: string[] = [];
  const all = steps(name, listeners);
  const rs = await Promise.all(all.map((st) => run(st.cmd, st.args)));
  all.forEach((st, i) => record(snap, failures, st, rs[i]));
  const st = sysctlStep(name, snap.link);
  record(snap, failures, st, await run(st.cmd, st.args));
  if (failures.length) snap.failures = failures;
  return snap;
}

/** Why `name` may not be imported, or undefined. */
export function refuseName(name: string, runner: ToolRunner): string | undefined {
  if (!NETNS_NAME.test(name) || name === '.' || name === '..') return `'${name}' is not a namespace name (see 'ip netns list')`;
  const id = runner.nsIdentity(`/run/netns/${name}`);
  if (id === undefined) return `no network namespace '${name}' (see 'ip netns list')`;
  const host = runner.nsIdentity('/proc/self/ns/net');
  if (host !== undefined && id === host) return `'${name}' is the host's own network namespace: netns-dbg import never reads it`;
  return undefined;
}

export function importCommand(args: ParsedArgs, io: Io, runner: ToolRunner = nodeRunner()): number {
  const names = args.operands;
  if (!names.length) throw new UsageError("name at least one namespace to import (see 'ip netns list'); the host's own namespace is never imported");
  const prefix = args.options.get('prefix');
  if (prefix === true || (typeof prefix === 'string' && !/^[A-Za-z0-9_.-]{1,64}$/.test(prefix))) {
    throw new UsageError(`invalid prefix '${String(prefix)}': use up to 64 letters, digits, '-', '_' or '.'`);
  }
  const unique = [...new Set(names)];
  let refused = false;
  for (const n of unique) {
    const why = refuseName(n, runner);
    if (why) {
      io.err(`netns-dbg import: ${why}\n`);
      refused = true;
    }
  }
  if (refused) return 1;
  const snaps = unique.map((n) => snapshotNamespace(n, runner, args.options.has('listeners')));
  const r = importNamespaces(snaps, { prefix: typeof prefix === 'string' ? prefix : undefined, source: `namespaces ${unique.join(' ')}` });
  const out = args.options.get('output');
  if (typeof out === 'string') io.write(out, r.text);
  else io.out(r.text);
  const failures = snaps.flatMap((s) => (s.failures ?? []).map((f) => `${s.name}: ${f}`));
  for (const f of failures) io.err(`netns-dbg import: could not read ${f}\n`);
  io.err(
    `netns-dbg import: ${plural(unique.length, 'namespace')} imported${typeof out === 'string' ? ` into ${out}` : ''}` +
      (r.notImported.length ? `; ${plural(r.notImported.length, 'thing')} not imported (see the '# not imported' comments)` : '') + '\n',
  );
  return failures.length ? 1 : 0;
}

/** The command's entry for the CLI dispatcher (cli/run.ts). */
export const IMPORT_COMMAND = {
  summary: 'snapshot live namespaces into a .netns file',
  options: IMPORT_OPTIONS,
  help: IMPORT_HELP,
  run: (args: ParsedArgs, io: Io): number => importCommand(args, io),
};

// The simulator commands of the CLI: `trace` (each probe's path through the simulated kernel) and
// `matrix` (every listener probed from every namespace). They print what core/sim computes and
// simulate nothing themselves; the file's diagnostics go to stderr first.
import type { ProbeSpec, SimMode } from '../core/kernel/config';
import { ipv4ToString } from '../core/kernel/config';
import { buildModel, Model } from '../core/model/index';
import { nearestName } from '../core/model/names';
import { formatModeComparison, formatTrace, ProbeResult, reachabilityMatrix, simulate, traceToJson } from '../core/sim/index';
import { offsetToPosition } from '../core/syntax/tree';
import { ParsedArgs, UsageError } from './args';
import type { Io } from './io';
import { plural, renderText } from './render';

/** The values of --mode: complete separation, or the short-cut scheme with its switch point. */
export const MODES = ['separate', 'shortcut=route', 'shortcut=postrouting', 'shortcut=socket'];

export function parseMode(text: string | true | undefined): SimMode {
  if (text === undefined || text === true || text === 'separate') return { kind: 'separate' };
  const at = text.slice('shortcut='.length);
  if (at === 'route' || at === 'postrouting' || at === 'socket') return { kind: 'shortcut', at };
  throw new UsageError(`invalid mode '${text}': expected one of ${MODES.join(', ')}`);
}

function modeName(m: SimMode): string {
  return m.kind === 'separate' ? 'separate' : `shortcut=${m.at}`;
}

/** Reads, checks and reports the file's errors on stderr; the model and the error count. */
function load(file: string, io: Io): { model: Model; errors: number; name: string } {
  const text = io.read(file);
  const name = file === '-' ? '<stdin>' : file;
  const model = buildModel(text);
  const errs = model.diagnostics.filter((d) => d.severity === 'error');
  if (errs.length) {
    io.err(renderText(name, model.file.lineStarts, errs));
    io.err(`${name}: ${plural(errs.length, 'error')}: the simulated topology leaves those lines out, as the kernel would\n`);
  }
  return { model, errors: errs.length, name };
}

/** 1-based source line of an origin (a statement id of the model). */
function originToLine(model: Model): (origin: number) => number | undefined {
  return (origin) => {
    const st = model.statements[origin];
    return st ? offsetToPosition(model.file.lineStarts, st.cmd.start).line + 1 : undefined;
  };
}

export function traceCommand(args: ParsedArgs, io: Io): number {
  if (args.operands.length !== 1) throw new UsageError(args.operands.length ? `expected one FILE, got ${args.operands.length}` : 'expected one FILE');
  const mode = parseMode(args.options.get('mode'));
  const compare = args.options.has('compare');
  const { model, errors, name } = load(args.operands[0], io);
  let probes: ProbeSpec[] = model.probes;
  const wanted = args.options.get('probe');
  if (typeof wanted === 'string') {
    probes = probes.filter((p) => p.name === wanted);
    if (!probes.length) {
      const near = nearestName(wanted, model.probes.map((p) => p.name));
      const known = model.probes.map((p) => p.name).join(', ') || 'none';
      io.err(`netns-dbg trace: no probe '${wanted}' in ${name}${near ? ` (did you mean '${near}'?)` : ''}; probes: ${known}\n`);
      return 2;
    }
  }
  if (!probes.length) {
    io.err(`netns-dbg trace: ${name} has no probes; add one, e.g. 'probe web from client tcp 10.0.2.2:80 expect delivered'\n`);
    return errors ? 1 : 0;
  }
  const toLine = originToLine(model);
  const results: ProbeResult[] = probes.map((p) => simulate(model.topology, p, mode, { originToLine: toLine }));
  const failed = results.filter((r) => r.pass === false);
  if (args.options.has('json')) {
    const doc: Record<string, unknown> = { version: 1, file: name, mode: modeName(mode), probes: results.map((r) => traceToJson(r, toLine)) };
    if (compare) doc.comparison = probes.map((p) => ({ probe: p.name, modes: allModes().map((m) => ({ mode: modeName(m), ...statsOf(simulate(model.topology, p, m, { detail: 0 })) })) }));
    io.out(JSON.stringify(doc, null, 2) + '\n');
  } else {
    results.forEach((r, i) => {
      if (i) io.out('\n');
      io.out(formatTrace(r));
      if (compare) io.out('\n' + formatModeComparison(allModes().map((m) => simulate(model.topology, r.probe, m, { detail: 0 }))));
    });
    const expecting = results.filter((r) => r.pass !== null).length;
    io.out(`\n${plural(results.length, 'probe')}: ${expecting - failed.length} of ${expecting} met ${expecting === 1 ? 'its' : 'their'} expectation${failed.length ? `; failed: ${failed.map((r) => r.probe.name).join(', ')}` : ''}\n`);
  }
  return failed.length || errors ? 1 : 0;
}

function allModes(): SimMode[] {
  return MODES.map((m) => parseMode(m));
}

function statsOf(r: ProbeResult): Record<string, unknown> {
  return { outcome: r.outcome.kind, netns: r.outcome.netns, stats: r.stats };
}

export function matrixCommand(args: ParsedArgs, io: Io): number {
  if (args.operands.length !== 1) throw new UsageError(args.operands.length ? `expected one FILE, got ${args.operands.length}` : 'expected one FILE');
  const mode = parseMode(args.options.get('mode'));
  const { model, errors, name } = load(args.operands[0], io);
  const m = reachabilityMatrix(model.topology, mode);
  const target = (j: number): string => {
    const t = m.targets[j];
    return `${t.proto} ${ipv4ToString(t.addr)}:${t.port} (${t.netns})`;
  };
  if (args.options.has('json')) {
    io.out(JSON.stringify({
      version: 1, file: name, mode: modeName(mode),
      targets: m.targets.map((t, j) => ({ netns: t.netns, proto: t.proto, addr: ipv4ToString(t.addr), port: t.port, label: target(j) })),
      rows: m.sources.map((s, i) => ({ from: s, outcomes: m.outcomes[i].map((o) => ({ kind: o.kind, netns: o.netns, errno: o.errno, reason: o.reason })) })),
    }, null, 2) + '\n');
    return errors ? 1 : 0;
  }
  if (!m.targets.length) {
    io.out(`${name}: nothing listens: add 'listen tcp|udp ADDR:PORT' lines to get a matrix\n`);
    return errors ? 1 : 0;
  }
  // One row per source namespace, one column per listener; short outcome words in the cells.
  const short: Record<string, string> = { delivered: 'ok', refused: 'refused', unreachable: 'unreach', denied: 'denied', 'ttl-exceeded': 'ttl', dropped: 'drop' };
  const head = ['from \\ to', ...m.targets.map((_, j) => `[${j + 1}]`)];
  const rows = m.sources.map((s, i) => [s, ...m.outcomes[i].map((o) => (o.reason.startsWith('loopback address of another') ? '-' : short[o.kind] ?? o.kind))]);
  const w = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const fmt = (r: string[]): string => r.map((c, k) => c.padEnd(w[k])).join('  ').trimEnd();
  io.out(`reachability in ${name} (${modeName(mode)}): every listener probed from every namespace\n\n`);
  io.out(m.targets.map((_, j) => `  [${j + 1}] ${target(j)}`).join('\n') + '\n\n');
  io.out([fmt(head), ...rows.map(fmt)].join('\n') + '\n');
  io.out(`\nok = delivered, refused = RST/port unreachable, unreach = ICMP unreachable or no route, denied = EPERM, drop = silently dropped, - = not probed (another namespace's loopback)\n`);
  return errors ? 1 : 0;
}

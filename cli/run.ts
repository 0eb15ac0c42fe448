// The netns-dbg command line: dispatch, usage texts and the commands check, export and fmt
// (trace and matrix are in sim.ts). Returns the exit code: 0 fine, 1 the check found what the
// command reports (errors, files to format, a refused export), 2 a usage error (unknown command or
// option, missing file). It goes through an Io for every read and write; it owns no language
// logic (core/ does that).
import { exportScript } from '../core/export/index';
import { analyze } from '../core/ide/analysis';
import { getDiagnostics } from '../core/ide/diagnostics';
import { runProbes } from '../core/ide/probes';
import { formatRefusal, formatText } from '../core/ide/format';
import { buildModel } from '../core/model/index';
import { OptionSpec, parseArgs, ParsedArgs, UsageError } from './args';
import { FileError, Io, packageVersion } from './io';
import { IMPORT_COMMAND } from './import';
import { plural, renderText, toJson } from './render';
import { PCAP_HELP, PCAP_OPTIONS, pcapCommand } from './pcap';
import { matrixCommand, MODES, traceCommand } from './sim';

export const USAGE = `netns-dbg: check, format, export and trace network namespace topologies (.netns files)

Usage: netns-dbg COMMAND [OPTIONS] FILE...

Commands:
  check FILE...    report what the real ip/iptables/sysctl would reject, and likely mistakes
  fmt FILE...      print the file in canonical layout (--check for CI, --write in place)
  export FILE      print a bash script that builds the topology in fresh namespaces
  trace FILE       run the file's probes through the simulated kernel and show each packet's path
  matrix FILE      probe every listener from every namespace and print the table
  import NAME...   snapshot live namespaces (as root) into a .netns file
  pcap FILE        write a probe's packets as seen on each device to a pcapng file
  help [COMMAND]   show help for a command

Options:
  -h, --help       show help (also after a command: netns-dbg check --help)
  -V, --version    print the version

FILE may be '-' to read standard input.
Exit status: 0 fine; 1 errors found, files need formatting, or export refused; 2 usage error or unreadable file.
`;

interface Command {
  summary: string;
  help: string;
  options: OptionSpec[];
  run(args: ParsedArgs, io: Io): number;
}

const HELP_OPTION: OptionSpec = { name: 'help', aliases: ['-h'] };

const COMMANDS: Record<string, Command> = {
  check: {
    summary: 'check files',
    options: [HELP_OPTION, { name: 'json' }],
    help: `Usage: netns-dbg check [--json] FILE...

Checks each file as the real tools would run it, in file order, against fresh-namespace defaults,
and prints one line per diagnostic:

  FILE:LINE:COL: SEVERITY CODE: MESSAGE

LINE and COL are 1-based (COL counts UTF-16 code units, as editors do). SEVERITY is error, warning,
info or hint; a related place follows as 'FILE:LINE:COL: note: MESSAGE'. A summary line ends the
output.

Options:
  --json      print one JSON document instead:
              {"version":1, "files":[{"file", "errors", "warnings", "diagnostics":[{"code",
              "severity", "message", "range":{"start":{"line","character"},"end":{...}},
              "location":"FILE:LINE:COL", "offset":{"start","end"}, "related":[{"message",
              "range", "location"}], "tags"?}]}], "errors", "warnings"}
              range positions are 0-based line and UTF-16 character (as in LSP); "location" is
              the 1-based text form; offsets are UTF-16 offsets into the file.
  -h, --help  show this help

Exit status: 0 no errors (warnings allowed), 1 at least one error, 2 usage error or unreadable file.
`,
    run: checkCommand,
  },
  fmt: {
    summary: 'format files',
    options: [HELP_OPTION, { name: 'check' }, { name: 'write', aliases: ['-w'] }],
    help: `Usage: netns-dbg fmt [--check | --write] FILE...

Formats files in the canonical layout; only whitespace changes, never a word:
  - one statement per line; block bodies indented 4 spaces per level; '}' on its own line;
  - one space between words; quoted words and escapes kept as written;
  - line continuations inside a statement kept, continued lines indented 8 more spaces;
    a continuation that continues nothing is removed;
  - a comment after code stays on its line, two spaces after the code; trailing blanks removed;
  - at most one blank line in a row, none after '{', before '}' or at the ends of the file;
  - LF line endings, one final newline.
A file with syntax errors is left unchanged (reported on stderr, exit status 1).

Without options, prints the formatted text of each file on standard output.

Options:
  --check      print the files that would change and exit 1 if any; writes nothing
  -w, --write  rewrite the files that change in place and name them
  -h, --help   show this help
`,
    run: fmtCommand,
  },
  export: {
    summary: 'export a bash script',
    options: [HELP_OPTION, { name: 'prefix', value: true }, { name: 'output', aliases: ['-o'], value: true }, { name: 'force' }],
    help: `Usage: netns-dbg export [--prefix P] [-o OUT] [--force] FILE

Prints a bash script that builds the file's topology on a real kernel, as root: fresh namespaces
named P-NAME (the file's root namespace too; the host's own namespace is never touched), every
command in file order, the listeners; it removes everything on exit, or with '--cleanup'.
Run 'bash OUT --help' for the script's own options.

Options:
  --prefix P     namespace prefix baked into the script (default: nd<pid> chosen when it runs)
  -o, --output OUT  write the script to OUT (made executable) instead of standard output
  --force        export even if the file has errors (the real tools will reject those lines)
  -h, --help     show this help

Exit status: 0 exported, 1 refused because the file has errors, 2 usage error or unreadable file.
`,
    run: exportCommand,
  },
  trace: {
    summary: 'trace probes',
    options: [
      HELP_OPTION, { name: 'probe', value: true }, { name: 'json' }, { name: 'compare' },
      { name: 'mode', value: true, choices: MODES },
    ],
    help: `Usage: netns-dbg trace [--probe NAME] [--mode MODE] [--compare] [--json] FILE

Runs the file's probes (or only probe NAME) through the simulated kernel and prints, for each, the
path of its packets step by step ([namespace] kernel function, hook, chain, rule with its text and
verdict or why it did not match, route, device), then the outcome the sending process sees and
whether it meets the probe's 'expect'. Errors in the file go to stderr; the simulated topology
leaves those lines out, as the kernel would.

Options:
  --probe NAME  trace only this probe
  --mode MODE   separate (default: complete separation, as Linux does), or the short-cut modes
                shortcut=route, shortcut=postrouting, shortcut=socket
  --compare     also print, per probe, the cost in every mode (layers, hooks, route lookups)
  --json        machine-readable: {"version":1, "file", "mode", "probes":[{"name", "outcome":{"kind",
                "netns", "errno", "at":{"line"}, "reason"}, "expected", "pass", "stats", "packets":
                [{"id", "parent", "summary", "events":[{"netns", "fn", "line", ...}]}]}]}
                (lines are 1-based)
  -h, --help    show this help

Exit status: 0 every probe with an 'expect' met it, 1 a probe did not or the file has errors,
2 usage error, unknown probe or unreadable file.
`,
    run: traceCommand,
  },
  matrix: {
    summary: 'outcome matrix',
    options: [HELP_OPTION, { name: 'json' }, { name: 'mode', value: true, choices: MODES }],
    help: `Usage: netns-dbg matrix [--mode MODE] [--json] FILE

Probes every listener of the file (each 'listen'; a wildcard listener on each address of its
namespace) from every namespace through the simulated kernel (TCP connect, or one UDP datagram)
and prints a table: one row per source namespace, one column per listener, the outcome the sender
sees in each cell (ok, refused, unreach, denied, ttl, drop).

Options:
  --mode MODE  as for 'trace'
  --json       machine-readable: {"version":1, "file", "mode", "targets":[{"netns", "proto", "addr",
               "port", "label"}], "rows":[{"from", "outcomes":[{"kind", "netns", "errno", "reason"}]}]}
  -h, --help   show this help

Exit status: 0 done, 1 the file has errors (the matrix is still printed), 2 usage error or
unreadable file.
`,
    run: matrixCommand,
  },
  pcap: { summary: 'capture a probe', options: PCAP_OPTIONS, help: PCAP_HELP, run: pcapCommand },
  import: IMPORT_COMMAND,
};

/** Runs the CLI with `argv` (without `node` and the script). Never throws. */
export function run(argv: string[], io: Io): number {
  try {
    return dispatch(argv, io);
  } catch (e) {
    if (e instanceof FileError) {
      io.err(`netns-dbg: ${e.message}\n`);
      return 2;
    }
    io.err(`netns-dbg: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 70;
  }
}

function dispatch(argv: string[], io: Io): number {
  const first = argv[0];
  if (first === undefined) {
    io.err(USAGE);
    return 2;
  }
  if (first === '-h' || first === '--help') {
    io.out(USAGE);
    return 0;
  }
  if (first === '-V' || first === '--version') {
    io.out(`netns-dbg ${packageVersion()}\n`);
    return 0;
  }
  if (first === 'help') {
    const topic = argv[1];
    if (topic === undefined) {
      io.out(USAGE);
      return 0;
    }
    const c = COMMANDS[topic];
    if (!c) return usageError(io, undefined, `unknown command '${topic}'`);
    io.out(c.help);
    return 0;
  }
  const cmd = Object.prototype.hasOwnProperty.call(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!cmd) {
    return usageError(io, undefined, first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}'`);
  }
  let args: ParsedArgs;
  try {
    args = parseArgs(argv.slice(1), cmd.options);
  } catch (e) {
    if (e instanceof UsageError) return usageError(io, first, e.message);
    throw e;
  }
  if (args.options.has('help')) {
    io.out(cmd.help);
    return 0;
  }
  try {
    return cmd.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) return usageError(io, first, e.message);
    throw e;
  }
}

function usageError(io: Io, command: string | undefined, message: string): number {
  const who = command ? `netns-dbg ${command}` : 'netns-dbg';
  io.err(`${who}: ${message}\nTry '${who} --help' for more information.\n`);
  return 2;
}

/** The operands as files; at least `min`, at most `max`. */
export function files(args: ParsedArgs, min: number, max = Infinity): string[] {
  if (args.operands.length < min) throw new UsageError(min === 1 && max === 1 ? 'expected one FILE' : 'expected at least one FILE');
  if (args.operands.length > max) throw new UsageError(`expected one FILE, got ${args.operands.length}`);
  return args.operands;
}

/** Displayed name of a file operand. */
export function displayName(file: string): string {
  return file === '-' ? '<stdin>' : file;
}

// ---------------------------------------------------------------- check

/** The file's text, or undefined after reporting why it cannot be read (commands over several files go on). */
function readOrReport(io: Io, file: string): string | undefined {
  try {
    return io.read(file);
  } catch (e) {
    if (!(e instanceof FileError)) throw e;
    io.err(`netns-dbg: ${e.message}\n`);
    return undefined;
  }
}

function checkCommand(args: ParsedArgs, io: Io): number {
  const list = files(args, 1);
  const json = args.options.has('json');
  let errors = 0;
  let warnings = 0;
  let unreadable = false;
  let checked = 0;
  const results: unknown[] = [];
  for (const file of list) {
    const text = readOrReport(io, file);
    if (text === undefined) {
      unreadable = true;
      continue;
    }
    checked++;
    const analysis = analyze(text);
    const model = analysis.model;
    // Probes run through the simulator too, so a probe whose expect does not hold is a warning (NS4050).
    const diags = getDiagnostics(analysis, runProbes(model, 'separate'));
    const e = diags.filter((d) => d.severity === 'error').length;
    const w = diags.filter((d) => d.severity === 'warning').length;
    errors += e;
    warnings += w;
    const name = displayName(file);
    if (json) results.push({ file: name, errors: e, warnings: w, diagnostics: toJson(name, model.file.lineStarts, diags) });
    else io.out(renderText(name, model.file.lineStarts, diags));
  }
  if (json) io.out(JSON.stringify({ version: 1, files: results, errors, warnings }, null, 2) + '\n');
  else io.out(`${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(checked, 'file')}\n`);
  if (unreadable) return 2;
  return errors ? 1 : 0;
}

// ---------------------------------------------------------------- fmt

function fmtCommand(args: ParsedArgs, io: Io): number {
  const list = files(args, 1);
  const check = args.options.has('check');
  const write = args.options.has('write');
  if (check && write) throw new UsageError("'--check' and '--write' exclude each other");
  if (write && list.includes('-')) throw new UsageError("'--write' cannot rewrite standard input");
  let status = 0;
  const changed: string[] = [];
  for (const file of list) {
    const text = readOrReport(io, file);
    if (text === undefined) {
      status = 2;
      continue;
    }
    const name = displayName(file);
    const refusal = formatRefusal(text);
    if (refusal) {
      io.err(`${name}: not formatted: ${refusal}${refusal.includes('syntax') ? " (see 'netns-dbg check')" : ''}\n`);
      status = Math.max(status, 1);
    }
    const out = refusal ? text : formatText(text);
    if (check) {
      if (out !== text) {
        changed.push(name);
        io.out(`${name}\n`);
      }
    } else if (write) {
      if (out !== text) {
        io.write(file, out);
        io.out(`formatted ${name}\n`);
      }
    } else io.out(out);
  }
  if (check && changed.length) {
    io.err(`${plural(changed.length, 'file')} would be reformatted; run 'netns-dbg fmt --write' on ${changed.length === 1 ? 'it' : 'them'}\n`);
    status = Math.max(status, 1);
  }
  return status;
}

// ---------------------------------------------------------------- export

function exportCommand(args: ParsedArgs, io: Io): number {
  const [file] = files(args, 1, 1);
  const text = io.read(file);
  const name = displayName(file);
  const model = buildModel(text);
  const errs = model.diagnostics.filter((d) => d.severity === 'error');
  if (errs.length && !args.options.has('force')) {
    io.err(renderText(name, model.file.lineStarts, errs));
    io.err(
      `netns-dbg export: ${name} has ${plural(errs.length, 'error')}: the real tools would reject ${errs.length === 1 ? 'that line' : 'those lines'}, ` +
        'so the script would not build this topology. Fix them, or pass --force to export anyway.\n',
    );
    return 1;
  }
  const prefix = args.options.get('prefix');
  if (typeof prefix === 'string' && !/^[A-Za-z0-9_.-]{1,64}$/.test(prefix)) {
    throw new UsageError(`invalid prefix '${prefix}': use up to 64 letters, digits, '-', '_' or '.'`);
  }
  const script = exportScript(model, {
    prefix: typeof prefix === 'string' ? prefix : undefined,
    fileName: file === '-' ? 'stdin.netns' : file,
  });
  const out = args.options.get('output');
  if (typeof out === 'string') {
    io.write(out, script, true);
    io.err(`netns-dbg export: wrote ${out}; run it as root: sudo bash ${out}\n`);
  } else io.out(script);
  return 0;
}

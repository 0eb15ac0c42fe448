// Command-line option parsing for netns-dbg: a small, strict parser (unknown options are errors,
// `--opt=value` and `--opt value` both work, `--` ends options, `-` is an operand meaning stdin).
// It owns no command logic and prints nothing.

export interface OptionSpec {
  /** Long name without dashes (`json`), also the key in the result. */
  name: string;
  /** Extra spellings, with dashes (`-o`). */
  aliases?: string[];
  /** Takes a value (`--prefix P`). */
  value?: boolean;
  /** Allowed values, when the value is one of a fixed set. */
  choices?: string[];
}

export interface ParsedArgs {
  options: Map<string, string | true>;
  operands: string[];
}

/** A usage error: the CLI prints it with a hint to `--help` and exits 2. */
export class UsageError extends Error {}

export function parseArgs(argv: string[], specs: OptionSpec[]): ParsedArgs {
  const byFlag = new Map<string, OptionSpec>();
  for (const s of specs) {
    byFlag.set(`--${s.name}`, s);
    for (const a of s.aliases ?? []) byFlag.set(a, s);
  }
  const options = new Map<string, string | true>();
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      operands.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = byFlag.get(flag);
    if (!spec) throw new UsageError(`unknown option '${flag}'`);
    if (!spec.value) {
      if (eq > 0) throw new UsageError(`option '${flag}' takes no value`);
      options.set(spec.name, true);
      continue;
    }
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`option '${flag}' needs a value`);
      value = argv[++i];
    }
    if (spec.choices && !spec.choices.includes(value)) {
      throw new UsageError(`invalid value '${value}' for '${flag}': expected one of ${spec.choices.join(', ')}`);
    }
    options.set(spec.name, value);
  }
  return { options, operands };
}

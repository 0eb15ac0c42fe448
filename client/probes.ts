// Pure helpers of the extension that need no VS Code API (so mocha tests them directly): finding the
// `probe NAME ...` statements of a document by a simple line scan, the probe under the cursor, and
// reading the loose arguments commands receive from code lenses and menus. It does not parse the
// language (the language server does) and never throws.

export interface ProbeLine {
  /** The probe's name: the word after `probe`. */
  name: string;
  /** 0-based first line of the statement. */
  line: number;
  /** 0-based last line (a statement continues across lines that end with a backslash). */
  endLine: number;
  /** The statement after the name, continuations joined, comment removed (for pick lists). */
  detail: string;
}

/** Strips a `#` comment that starts a word (the lexer's rule; quotes are respected). */
function stripComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /[\s{}]/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

/** Removes one level of shell quotes from a word (`"a b"` -> `a b`). */
function unquote(word: string): string {
  return word.replace(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g, (_m, d: string | undefined, s: string | undefined) =>
    d !== undefined ? d.replace(/\\(["\\$`])/g, '$1') : (s ?? ''),
  );
}

/** Every `probe NAME ...` statement of `text`, in file order. */
export function findProbes(text: string): ProbeLine[] {
  const lines = text.split(/\r?\n/);
  const out: ProbeLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let statement = stripComment(lines[i]);
    // Join continuation lines (a backslash right before the end of the line).
    while (/\\$/.test(statement) && i + 1 < lines.length) {
      statement = statement.slice(0, -1) + ' ' + stripComment(lines[++i]);
    }
    // A probe may follow an opening or closing brace on the same line (`} probe x ...` is rare but legal).
    const m = /^(?:\s*[{}])*\s*probe\s+((?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s{}#"'])+)(.*)$/.exec(statement);
    if (!m) continue;
    out.push({ name: unquote(m[1]), line: start, endLine: i, detail: m[2].replace(/\s+/g, ' ').trim() });
  }
  return out;
}

/** The probe whose statement covers 0-based `line`, if any. */
export function probeAt(probes: readonly ProbeLine[], line: number): ProbeLine | undefined {
  return probes.find((p) => p.line <= line && line <= p.endLine);
}

/** What a command was invoked with: a probe name and/or a document URI (string form). */
export interface CommandTarget {
  probe?: string;
  uri?: string;
}

/**
 * Reads the loose arguments of a command: code lenses pass `[probeName]` or `[probeName, uri]`,
 * editor menus pass the resource URI (an object with `scheme`, or its string form), the palette
 * passes nothing; an object `{ probe, uri }` is accepted too.
 */
export function readCommandArgs(args: readonly unknown[]): CommandTarget {
  const out: CommandTarget = {};
  for (const a of args) {
    if (typeof a === 'string') {
      if (/^[a-z][a-z0-9+.-]*:/i.test(a) && a.includes('/')) out.uri ??= a;
      else out.probe ??= a;
    } else if (a && typeof a === 'object') {
      const o = a as Record<string, unknown>;
      if (typeof o.scheme === 'string' && typeof o.toString === 'function' && o.toString !== Object.prototype.toString) {
        out.uri ??= String(o.toString());
      } else {
        if (typeof o.probe === 'string') out.probe ??= o.probe;
        if (typeof o.uri === 'string') out.uri ??= o.uri;
      }
    }
  }
  return out;
}

/** The `--mode` values of the simulator, as the CLI and the launch configuration spell them. */
export const SIMULATION_MODES = ['separate', 'shortcut=route', 'shortcut=postrouting', 'shortcut=socket'] as const;

export function isSimulationMode(value: unknown): value is (typeof SIMULATION_MODES)[number] {
  return typeof value === 'string' && (SIMULATION_MODES as readonly string[]).includes(value);
}

/** Quotes a word for display in a confirmation ("this will run: ..."), as a shell would need it. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

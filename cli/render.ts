// Rendering diagnostics for the command line: compiler-style text lines and the `--json` form.
// Owns the conversion from offsets to line/column (the protocol edge of the CLI); it does not
// decide what is reported (core/model does).
import type { Diagnostic } from '../core/diagnostics/types';
import { offsetToPosition } from '../core/syntax/tree';

/**
 * `file:line:col: severity NS1234: message`, 1-based line and column (columns count UTF-16
 * code units, like the editor). Related locations follow as `file:line:col: note: message`.
 */
export function renderText(file: string, lineStarts: number[], diags: Diagnostic[]): string {
  let s = '';
  for (const d of sortDiagnostics(diags)) {
    const p = offsetToPosition(lineStarts, d.start);
    s += `${file}:${p.line + 1}:${p.character + 1}: ${d.severity} ${d.code}: ${d.message}\n`;
    for (const r of d.related ?? []) {
      const rp = offsetToPosition(lineStarts, r.start);
      s += `${file}:${rp.line + 1}:${rp.character + 1}: note: ${r.message}\n`;
    }
  }
  return s;
}

export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return [...diags].sort((a, b) => a.start - b.start || a.end - b.end || a.code.localeCompare(b.code));
}

/** A 0-based position, as in LSP: line and UTF-16 character. */
export interface JsonPosition {
  line: number;
  character: number;
}

export interface JsonRange {
  start: JsonPosition;
  end: JsonPosition;
}

export interface JsonDiagnostic {
  code: string;
  severity: Diagnostic['severity'];
  message: string;
  /** 0-based line and character (UTF-16 code units), as in LSP. */
  range: JsonRange;
  /** The same place as `file:line:col`, 1-based, as the text output prints it. */
  location: string;
  /** UTF-16 offsets into the file. */
  offset: { start: number; end: number };
  related: Array<{ message: string; range: JsonRange; location: string }>;
  tags?: string[];
}

export function toJson(file: string, lineStarts: number[], diags: Diagnostic[]): JsonDiagnostic[] {
  const range = (start: number, end: number): JsonRange => ({
    start: offsetToPosition(lineStarts, start),
    end: offsetToPosition(lineStarts, end),
  });
  const loc = (offset: number): string => {
    const p = offsetToPosition(lineStarts, offset);
    return `${file}:${p.line + 1}:${p.character + 1}`;
  };
  return sortDiagnostics(diags).map((d) => {
    const j: JsonDiagnostic = {
      code: d.code,
      severity: d.severity,
      message: d.message,
      range: range(d.start, d.end),
      location: loc(d.start),
      offset: { start: d.start, end: d.end },
      related: (d.related ?? []).map((r) => ({ message: r.message, range: range(r.start, r.end), location: loc(r.start) })),
    };
    if (d.tags?.length) j.tags = [...d.tags];
    return j;
  });
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// Helpers for core/ide unit tests: `$0` cursor fixtures and applying offset edits. Test support only.
import { analyze, Analysis } from '../../core/ide/analysis';

export function at(withCursor: string): { a: Analysis; offset: number; text: string } {
  const offset = withCursor.indexOf('$0');
  if (offset < 0) throw new Error('fixture has no $0');
  const text = withCursor.slice(0, offset) + withCursor.slice(offset + 2);
  return { a: analyze(text), offset, text };
}

export function applyEdits(text: string, edits: Array<{ start: number; end: number; newText: string }>): string {
  let out = text;
  for (const e of [...edits].sort((x, y) => y.start - x.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

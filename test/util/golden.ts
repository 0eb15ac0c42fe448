// Golden-file helpers: compare output with a checked-in expected file; UPDATE_GOLDEN=1 rewrites
// the expected files instead (review the diff, never hand-edit). Also renders diagnostics in the
// one stable text form the goldens use.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from '../../core/diagnostics/types';
import { computeLineStarts, offsetToPosition } from '../../core/syntax/tree';

/** The repository root (tests run from out/test/...). */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

export function fixturePath(...parts: string[]): string {
  return path.join(repoRoot, 'test', 'fixtures', ...parts);
}

export function listFixtures(dir: string, ext = '.netns'): string[] {
  const full = fixturePath(dir);
  return fs.readdirSync(full).filter((f) => f.endsWith(ext)).sort().map((f) => path.join(full, f));
}

/** Asserts `actual` equals the content of `expectedFile` (or writes it when UPDATE_GOLDEN=1). */
export function assertGolden(expectedFile: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.writeFileSync(expectedFile, actual);
    return;
  }
  assert.ok(fs.existsSync(expectedFile), `missing golden ${path.relative(repoRoot, expectedFile)}: run with UPDATE_GOLDEN=1 and review`);
  const expected = fs.readFileSync(expectedFile, 'utf8');
  assert.equal(actual, expected, `golden mismatch: ${path.relative(repoRoot, expectedFile)} (UPDATE_GOLDEN=1 to accept after review)`);
}

/** `3:5-3:9 error NS2001 message` per diagnostic (1-based lines and columns), sorted by position. */
export function renderDiagnostics(text: string, diags: Diagnostic[]): string {
  const ls = computeLineStarts(text);
  const rows = [...diags].sort((a, b) => a.start - b.start || a.end - b.end || a.code.localeCompare(b.code)).map((d) => {
    const s = offsetToPosition(ls, d.start);
    const e = offsetToPosition(ls, d.end);
    let row = `${s.line + 1}:${s.character + 1}-${e.line + 1}:${e.character + 1} ${d.severity} ${d.code} ${d.message}`;
    for (const r of d.related ?? []) {
      const rs = offsetToPosition(ls, r.start);
      row += `\n    related ${rs.line + 1}:${rs.character + 1} ${r.message}`;
    }
    if (d.tags?.length) row += ` [${d.tags.join(',')}]`;
    return row;
  });
  return rows.join('\n') + (rows.length ? '\n' : '');
}

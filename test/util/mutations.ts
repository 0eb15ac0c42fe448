// Shared by the property tests: random edits (insert, delete, replace at a position) as a
// fast-check arbitrary, applying them to a text, and the corpus of real files they start from.
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { repoRoot } from './golden';

export type Mutation = { at: number; kind: 'insert' | 'delete' | 'replace'; text: string; len: number };

/** Edits whose inserted text is one of `chars` or a `fragment`. */
export function mutationArb(chars: string[], fragment: fc.Arbitrary<string>): fc.Arbitrary<Mutation> {
  return fc.record({
    at: fc.nat(),
    kind: fc.constantFrom('insert', 'delete', 'replace'),
    text: fc.oneof(fc.constantFrom(...chars), fragment),
    len: fc.integer({ min: 1, max: 12 }),
  });
}

export function mutate(text: string, muts: Mutation[]): string {
  let s = text;
  for (const m of muts) {
    const at = s.length ? m.at % (s.length + 1) : 0;
    if (m.kind === 'insert') s = s.slice(0, at) + m.text + s.slice(at);
    else if (m.kind === 'delete') s = s.slice(0, at) + s.slice(at + m.len);
    else s = s.slice(0, at) + m.text + s.slice(at + m.len);
  }
  return s;
}

/** The examples and the format and syntax fixtures, in a stable order. */
export function readCorpus(): string[] {
  const texts: string[] = [];
  const dirs = [path.join(repoRoot, 'examples'), path.join(repoRoot, 'test', 'fixtures', 'format'), path.join(repoRoot, 'test', 'fixtures', 'syntax')];
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir).sort()) if (f.endsWith('.netns')) texts.push(fs.readFileSync(path.join(dir, f), 'utf8'));
  }
  return texts;
}

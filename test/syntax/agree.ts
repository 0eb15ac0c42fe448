// Test helper (no tests of its own): checks that a parsed file's tree agrees with its lossless token
// list. The parser makes the tree's word and brace tokens itself and SourceFile.tokens is lexed
// later, on first read, so the two are different objects that must carry the same facts.
import * as assert from 'node:assert/strict';
import { Token, TokenKind } from '../../core/syntax/lexer';
import { computeLineStarts, ItemNode, SourceFile } from '../../core/syntax/tree';

/** The tokens the tree holds, in file order: block keyword, name, braces and body; command words. */
export function treeTokens(items: ItemNode[], out: Token[] = []): Token[] {
  for (const it of items) {
    if (it.kind === 'command') out.push(...it.words);
    else {
      out.push(it.keyword);
      if (it.name) out.push(it.name);
      if (it.open) out.push(it.open);
      treeTokens(it.body, out);
      if (it.close) out.push(it.close);
    }
  }
  return out;
}

const FIELDS = ['kind', 'start', 'end', 'text', 'value', 'quoted', 'unterminated'] as const;

/**
 * Every token of the tree equals the token of SourceFile.tokens at the same offset (kind, start,
 * end, text, value, quoted, unterminated); the lexed words and braces the tree does not hold are
 * exactly the extra block arguments and stray braces, each reported; lineStarts are those of the text.
 */
export function assertTreeAgreesWithTokens(sf: SourceFile): void {
  const held = treeTokens(sf.items);
  const lexed = sf.tokens.filter((t) => t.kind === TokenKind.Word || t.kind === TokenKind.LBrace || t.kind === TokenKind.RBrace);
  const byStart = new Map(lexed.map((t) => [t.start, t]));
  let last = -1;
  for (const t of held) {
    assert.ok(t.start > last, `tree tokens in file order (${t.start} after ${last})`);
    last = t.start;
    const l = byStart.get(t.start);
    assert.ok(l, `a lexed token at ${t.start} (${JSON.stringify(t.text)})`);
    for (const f of FIELDS) assert.equal(t[f], l[f], `${f} of ${JSON.stringify(t.text)} at ${t.start}`);
  }
  // What the tree leaves out: extra block arguments (`namespace a b {`) and stray braces, each reported
  // (NS1009, NS1002, NS1006) at its own range.
  const heldStarts = new Set(held.map((t) => t.start));
  const reported = new Set(sf.errors.filter((e) => e.code === 'NS1009' || e.code === 'NS1002' || e.code === 'NS1006').map((e) => `${e.start}-${e.end}`));
  for (const t of lexed) {
    if (heldStarts.has(t.start)) continue;
    assert.ok(reported.has(`${t.start}-${t.end}`), `${JSON.stringify(t.text)} at ${t.start} is in the tree or reported`);
  }
  assert.equal(reported.size, lexed.length - held.length, 'every left-out token is reported once');
  assert.deepEqual(sf.lineStarts, computeLineStarts(sf.text), 'lineStarts');
}

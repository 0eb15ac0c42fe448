// Lexer tests: the comment-only lexer agrees with the full one, the word scanner's interner gives
// back each word as itself (across table growth), and scanWordInto's value, flags and end for quotes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lex, lexComments, scanWordInto, Token, TokenKind, WordTable } from '../../core/syntax/lexer';

/** The token of the word scanWordInto adds to `table` (a table over `text`). */
function scanWord(text: string, start: number, table = new WordTable(text)): Token {
  const at = table.count;
  scanWordInto(text, start, table);
  return table.token(at);
}
import { repoRoot } from '../util/golden';

describe('syntax: lexer', () => {
  it('lexComments finds only real comments: not a # inside a word or a quote', () => {
    const text = 'a#b "x # y" \'#\' c\\#d # one\n} # two\n  \\\n# three\nx\\ #four\n#';
    // `x\\ #four` is one word: the blank is escaped.
    assert.deepEqual(lexComments(text).map((t) => t.text), ['# one', '# two', '# three', '#']);
    assert.deepEqual(lexComments(text), lex(text).filter((t) => t.kind === TokenKind.Comment));
  });

  it('lexComments equals the comments of lex on every example', () => {
    const dir = path.join(repoRoot, 'examples');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.netns'));
    assert.ok(files.length > 0);
    for (const f of files) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      const comments = lex(text).filter((t) => t.kind === TokenKind.Comment);
      assert.ok(comments.length > 0, `${f} has comments`);
      assert.deepEqual(lexComments(text), comments, f);
    }
  });

  it('interns short words: every word comes back as itself, across a table growth', () => {
    const words = Array.from({ length: 3000 }, (_, i) => `w${i}`);
    const text = [...words, ...words].join(' ');
    const intern = new WordTable(text);
    const got: string[] = [];
    for (let i = 0; i < text.length; ) {
      if (text[i] === ' ') {
        i++;
        continue;
      }
      const t = scanWord(text, i, intern);
      got.push(t.value);
      assert.equal(t.text, t.value);
      i = t.end;
    }
    assert.deepEqual(got, [...words, ...words]);
    // Words that collide in a small table and differ only late still come back as themselves.
    const pair = ['abcdefghijklmnopqrstuvwx', 'abcdefghijklmnopqrstuvwy', 'abcdefghijklmnopqrstuvwx'];
    const line = pair.join(' ');
    const near = new WordTable(line);
    let at = 0;
    for (const w of pair) {
      const t = scanWord(line, at, near);
      assert.equal(t.value, w);
      at = t.end + 1;
    }
  });

  it('a word longer than 24 characters is kept whole, not interned', () => {
    const long = 'x'.repeat(40);
    const t = scanWord(`${long} ${long}`, 41);
    assert.equal(t.value, long);
    assert.equal(t.start, 41);
    assert.equal(t.end, 81);
  });

  it('scanWordInto: quotes and escapes give the value, the flags and the end', () => {
    const q = scanWord('"a b"c d', 0);
    assert.deepEqual([q.text, q.value, q.quoted, q.unterminated, q.end], ['"a b"c', 'a bc', true, undefined, 6]);
    const u = scanWord("x'open {\nnext", 0);
    assert.deepEqual([u.text, u.value, u.quoted, u.unterminated, u.end], ["x'open {", 'xopen {', true, true, 8]);
    const e = scanWord('a\\ b\\\nc', 0);
    assert.deepEqual([e.text, e.value, e.quoted, e.end], ['a\\ b', 'a b', undefined, 4]);
  });
});

// Tests of the word table (core/syntax/tree.ts): a command's words read from the table equal the
// lexer's tokens; fresh tokens are new objects until someone keeps the command's words; the table
// grows past its first guess; a reparse moves kept tokens with their command and leaves the
// statements it takes out with their own tokens.
import * as assert from 'node:assert/strict';
import { lex, TokenKind } from '../../core/syntax/lexer';
import { parse } from '../../core/syntax/parser';
import { reparse } from '../../core/syntax/reparse';
import { CommandNode, forEachCommand, ItemNode } from '../../core/syntax/tree';

function commands(items: ItemNode[]): CommandNode[] {
  const out: CommandNode[] = [];
  forEachCommand(items, (c) => out.push(c));
  return out;
}

/** The lexer's word tokens of `text` that fall inside [start, end). */
function lexedWords(text: string, start: number, end: number) {
  return lex(text).filter((t) => t.kind === TokenKind.Word && t.start >= start && t.end <= end);
}

describe('syntax: word table', () => {
  const text = [
    'namespace a {',
    '    ip link add v0 type veth peer name "v 1" netns b',
    "    iptables -A INPUT -m comment --comment 'x y' -j ACCEPT",
    '    sysctl -w net.ipv4.ip_forward=1',
    '}',
    'ip addr add 10.0.0.1/24 dev a\\"b',
    'listen tcp "0.0.0.0:80',
    '',
  ].join('\n');

  it('values, counts and tokens of every command equal the lexer words', () => {
    const sf = parse(text);
    for (const c of commands(sf.items)) {
      const want = lexedWords(text, c.start, c.end);
      assert.equal(c.count, want.length);
      for (let k = 0; k < c.count; k++) assert.equal(c.valueAt(k), want[k].value);
      assert.deepEqual(c.freshWords(), want);
      assert.deepEqual(c.words, want);
    }
  });

  it('fresh words are new objects until the command keeps its words, then those', () => {
    const c = commands(parse(text).items)[0];
    const a = c.freshWords();
    const b = c.freshWords();
    assert.notEqual(a, b);
    assert.notEqual(a[0], b[0]);
    const kept = c.words;
    assert.equal(c.words, kept, 'kept once made');
    assert.equal(c.freshWords(), kept);
  });

  it('wordAt keeps one token, the one words holds later; a reparse moves it alone', () => {
    const sf = parse(text);
    const last = commands(sf.items).at(-1)!; // listen tcp "0.0.0.0:80
    const lone = last.wordAt(2);
    assert.equal(last.wordAt(2), lone);
    assert.deepEqual(lone, lexedWords(text, last.start, last.end)[2]);
    const next = text.replace("'x y'", "'x yz' -m mark --mark 1");
    const rp = reparse(sf, next);
    assert.ok(rp, 'reparsed in place');
    const want = commands(parse(next).items).at(-1)!;
    assert.deepEqual(lone, want.words[2], 'moved to the new offsets');
    assert.equal(last.words[2], lone, 'words holds the same token');
    assert.deepEqual(last.words, want.words);
  });

  it('grows past its first guess of the word count', () => {
    // One-letter words: a word every 2 characters, three times the parser's first guess.
    const words = Array.from({ length: 5000 }, (_, i) => String.fromCharCode(97 + (i % 26)));
    const line = `listen ${words.join(' ')}`;
    const sf = parse(line + '\n');
    const [c] = commands(sf.items);
    assert.equal(c.count, 5001);
    assert.equal(c.valueAt(0), 'listen');
    for (let k = 0; k < words.length; k++) assert.equal(c.valueAt(k + 1), words[k]);
    assert.deepEqual(c.freshWords(), lexedWords(line, 0, line.length));
  });

  it('a reparse moves kept tokens with their command and keeps the old statements whole', () => {
    const sf = parse(text);
    const before = commands(sf.items);
    const keptLast = before[before.length - 1].words; // listen, after the edit
    const edited = before[1]; // the ip link line: it leaves the tree
    const editedValues = edited.words.map((w) => w.value);
    // The ip link line gets two more words and 9 more characters.
    const next = text.replace('netns b', 'netns b mtu 1400');
    const rp = reparse(sf, next);
    assert.ok(rp, 'reparsed in place');
    const after = commands(rp!.file.items);
    const fresh = parse(next);
    const want = commands(fresh.items);
    assert.equal(after.length, want.length);
    for (let i = 0; i < after.length; i++) {
      assert.deepEqual(after[i].freshWords(), want[i].freshWords(), `command ${i}`);
      assert.deepEqual([after[i].first, after[i].count], [want[i].first, want[i].count], `table range of command ${i}`);
    }
    assert.equal(after[after.length - 1].words, keptLast, 'the same kept tokens');
    assert.deepEqual(keptLast, want[want.length - 1].words, 'moved to the new offsets');
    // The statement taken out still reads its old words (its table entries are gone).
    assert.deepEqual(Array.from({ length: edited.count }, (_, k) => edited.valueAt(k)), editedValues);
  });
});

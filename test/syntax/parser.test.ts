// Parser tests: golden trees for fixtures, losslessness and error recovery; the lazy token list
// (SourceFile.tokens, made on first read) agrees with the tree the parser made without it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lex, TokenKind } from '../../core/syntax/lexer';
import { parse } from '../../core/syntax/parser';
import { computeLineStarts, ItemNode, makeSourceFile, printTokens } from '../../core/syntax/tree';
import { assertGolden, listFixtures, renderDiagnostics, repoRoot } from '../util/golden';
import { assertTreeAgreesWithTokens } from './agree';

function dumpTree(items: ItemNode[], indent = ''): string {
  let s = '';
  for (const it of items) {
    if (it.kind === 'command') s += `${indent}command#${it.id} [${it.words.map((w) => JSON.stringify(w.value)).join(' ')}]\n`;
    else {
      s += `${indent}${it.kind}#${it.id} ${it.name ? JSON.stringify(it.name.value) : '<missing>'}${it.close ? '' : ' <unclosed>'}\n`;
      s += dumpTree(it.body, indent + '  ');
    }
  }
  return s;
}

describe('syntax: parser', () => {
  for (const file of listFixtures('syntax')) {
    it(`golden ${file.split('/').pop()}`, () => {
      const text = fs.readFileSync(file, 'utf8');
      const sf = parse(text);
      assert.equal(printTokens(sf.tokens), text, 'tokens print back to the input');
      assertGolden(file.replace(/\.netns$/, '.tree'), dumpTree(sf.items) + '--- errors\n' + renderDiagnostics(text, sf.errors));
    });
  }

  it('keeps every character, including comments, quotes and continuations', () => {
    const text = 'namespace a {\n  iptables -A INPUT -m comment --comment "a # b" \\\n    -j ACCEPT # trailing\n}\n';
    const sf = parse(text);
    assert.equal(printTokens(sf.tokens), text);
    assert.equal(sf.errors.length, 0);
    const block = sf.items[0];
    assert.equal(block.kind, 'namespace');
    if (block.kind !== 'namespace') return;
    const cmd = block.body[0];
    assert.equal(cmd.kind, 'command');
    if (cmd.kind !== 'command') return;
    assert.deepEqual(cmd.words.map((w) => w.value), ['iptables', '-A', 'INPUT', '-m', 'comment', '--comment', 'a # b', '-j', 'ACCEPT']);
    assert.ok(sf.tokens.some((t) => t.kind === TokenKind.Comment && t.text === '# trailing'));
  });

  it('reports an unterminated quote once and goes on with the next line', () => {
    const sf = parse('ip link add "x type dummy\nip link set lo up\n');
    assert.deepEqual(sf.errors.map((e) => e.code), ['NS1001']);
    assert.equal(sf.items.length, 2);
  });

  it('recovers from a stray brace and an unclosed block', () => {
    const sf = parse('}\nnamespace a {\n ip link set lo up\n');
    assert.deepEqual(sf.errors.map((e) => e.code).sort(), ['NS1002', 'NS1003']);
    assert.equal(sf.items.length, 1);
  });

  for (const file of [...listFixtures('syntax'), ...fs.readdirSync(path.join(repoRoot, 'examples')).filter((f) => f.endsWith('.netns')).sort().map((f) => path.join(repoRoot, 'examples', f))]) {
    it(`the tree's tokens equal the lazily lexed ones: ${file.split('/').pop()}`, () => {
      const text = fs.readFileSync(file, 'utf8');
      assertTreeAgreesWithTokens(parse(text));
    });
  }

  it('the tree agrees with the tokens on quotes, escapes, continuations, stray braces and extra arguments', () => {
    const text = [
      'namespace a b c {',
      '  ip link add "v 0" type dummy \\',
      "    name 'x'y\\ z # comment",
      '  } }',
      '{ iptables -A "INPUT',
      'jail 10.0.0.1 {\r',
      '  echo a\\\r\n  b\\',
    ].join('\n');
    const sf = parse(text);
    assert.ok(sf.errors.length >= 4, 'the sample has errors');
    assertTreeAgreesWithTokens(sf);
  });

  it('lexes the token list only when it is read, once, and it can be replaced', () => {
    const text = 'namespace a {\n  ip link set lo up # c\n}\n';
    const sf = parse(text);
    const d = Object.getOwnPropertyDescriptor(sf, 'tokens');
    assert.ok(d && typeof d.get === 'function' && d.enumerable, 'tokens is an enumerable accessor');
    assert.deepEqual(Object.keys(sf), ['text', 'tokens', 'items', 'errors', 'lineStarts']);
    const first = sf.tokens;
    assert.equal(sf.tokens, first, 'lexed once, then kept');
    assert.deepEqual(first, lex(text));
    sf.tokens = [];
    assert.deepEqual(sf.tokens, []);
  });

  it('makeSourceFile attaches the lazy token list to any parts', () => {
    const text = 'ip link set lo up\n# only a comment\n';
    const parsed = parse(text);
    const sf = makeSourceFile(text, parsed.items, parsed.errors, computeLineStarts(text));
    assert.equal(sf.text, text);
    assert.equal(sf.items, parsed.items);
    assert.equal(sf.errors, parsed.errors);
    assert.deepEqual(sf.lineStarts, [0, 18, 35]);
    assert.equal(printTokens(sf.tokens), text);
    assert.deepEqual(sf.tokens, lex(text));
  });
});

// Parser tests: golden trees for fixtures, losslessness and error recovery.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { TokenKind } from '../../core/syntax/lexer';
import { parse } from '../../core/syntax/parser';
import { ItemNode, printTokens } from '../../core/syntax/tree';
import { assertGolden, listFixtures, renderDiagnostics } from '../util/golden';

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
});

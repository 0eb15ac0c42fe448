// Formatter tests: golden fixtures (test/fixtures/format/*.netns -> *.formatted), idempotence,
// meaning kept, edits and range edits consistent with the whole-file result. Random inputs are
// covered by test/props/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyEdits, formatEdits, formatRange, formatRefusal, formatText, structureKey } from '../../core/ide/format';
import { parse } from '../../core/syntax/parser';
import { assertGolden, listFixtures, repoRoot } from '../util/golden';

function examples(): string[] {
  const dir = path.join(repoRoot, 'examples');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.netns')).sort().map((f) => path.join(dir, f)) : [];
}

describe('ide: format', () => {
  for (const file of listFixtures('format')) {
    const name = path.basename(file);
    it(`golden ${name}`, () => {
      const text = fs.readFileSync(file, 'utf8');
      const out = formatText(text);
      assertGolden(file.replace(/\.netns$/, '.formatted'), out);
      assert.equal(formatText(out), out, 'idempotent');
      assert.equal(structureKey(parse(out).items), structureKey(parse(text).items), 'same blocks and words');
      assert.equal(applyEdits(text, formatEdits(text)), out, 'edits give the formatted text');
    });
  }

  it('leaves a file with syntax errors unchanged and says why', () => {
    const text = fs.readFileSync(listFixtures('format').find((f) => f.endsWith('syntax-error.netns'))!, 'utf8');
    assert.equal(formatText(text), text);
    assert.deepEqual(formatEdits(text), []);
    assert.match(formatRefusal(text) ?? '', /syntax errors/);
  });

  it('does not add a final newline after a trailing backslash (it would become a continuation)', () => {
    const text = 'ip link set lo up\\';
    assert.equal(formatText(text), text);
    assert.match(formatRefusal(text) ?? '', /backslash/);
    const cr = 'ip link set lo up \\\r\r\n';
    assert.equal(formatText(cr), cr);
  });

  it('formats a statement per line, 4-space blocks, one space between words', () => {
    assert.equal(
      formatText('namespace a {  ip   link set lo up } probe p from a icmp 127.0.0.1\n'),
      'namespace a {\n    ip link set lo up\n}\nprobe p from a icmp 127.0.0.1\n',
    );
  });

  it('keeps trailing comments two spaces after the code and own-line comments at block indentation', () => {
    assert.equal(
      formatText('namespace a {\n# own line\nip link set lo up # trailing   \n}\n'),
      'namespace a {\n    # own line\n    ip link set lo up  # trailing\n}\n',
    );
  });

  it('indents continued lines 8 spaces past their statement', () => {
    assert.equal(
      formatText('namespace a {\niptables -A INPUT \\\n-p tcp \\\n   -j ACCEPT\n}\n'),
      'namespace a {\n    iptables -A INPUT \\\n            -p tcp \\\n            -j ACCEPT\n}\n',
    );
  });

  it('range formatting only touches the lines of the range', () => {
    const text = 'namespace a {\nip link set lo up\n      ip   addr add 10.0.0.1/8 dev lo\n}\n';
    const line3 = text.indexOf('      ip');
    const edits = formatRange(text, line3 + 8, line3 + 10);
    assert.equal(
      applyEdits(text, edits),
      'namespace a {\nip link set lo up\n    ip addr add 10.0.0.1/8 dev lo\n}\n',
    );
    // The whole file as a range equals formatting the whole file.
    assert.equal(applyEdits(text, formatRange(text, 0, text.length)), formatText(text));
  });

  it('range edits never include an edit outside the range lines', () => {
    const text = 'namespace a {\n  ip link set lo up\n  ip link set lo down\n}\n';
    const start = text.indexOf('ip link set lo down');
    for (const e of formatRange(text, start, start + 3)) {
      assert.ok(e.end >= text.lastIndexOf('\n', start - 1) + 1 && e.start <= text.indexOf('\n', start), JSON.stringify(e));
    }
  });

  for (const file of examples()) {
    it(`example ${path.basename(file)} formats idempotently and keeps its meaning`, () => {
      const text = fs.readFileSync(file, 'utf8');
      const out = formatText(text);
      assert.equal(formatText(out), out);
      assert.equal(structureKey(parse(out).items), structureKey(parse(text).items));
    });
  }
});

// Property tests (fast-check) over random token soup and mutated real files: the parser never
// throws and prints back the exact input, its tree agrees with the lazily lexed tokens, the model
// never throws, the formatter is idempotent, changes no meaning (same blocks, same words, same
// diagnostic codes) and its edits agree with its text. Runs are sized to keep the whole file well
// under 20 s. A failure prints the seed and the shrunk input; rerun one with FC_SEED=<seed>.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyEdits, formatEdits, formatRange, formatRefusal, formatText } from '../../core/ide/format';
import { buildModel } from '../../core/model/index';
import { lex, lexComments, TokenKind } from '../../core/syntax/lexer';
import { parse } from '../../core/syntax/parser';
import { ItemNode, printTokens } from '../../core/syntax/tree';
import { assertTreeAgreesWithTokens } from '../syntax/agree';
import { mutate, mutationArb, readCorpus } from '../util/mutations';

const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const params = (numRuns: number): fc.Parameters<unknown> => (seed === undefined ? { numRuns } : { numRuns, seed });

/** Words, punctuation and trivia the language is made of, including the awkward ones. */
const FRAGMENTS = [
  'namespace', 'jail', 'listen', 'probe', 'ip', 'link', 'add', 'set', 'del', 'addr', 'route', 'rule', 'neigh',
  'netns', 'exec', '-n', 'type', 'veth', 'peer', 'name', 'bridge', 'master', 'dev', 'up', 'down', 'via', 'default',
  'table', 'lookup', 'iptables', '-t', 'nat', 'filter', '-A', '-I', '-N', '-P', '-X', '-F', '-D', 'INPUT', 'FORWARD',
  'OUTPUT', 'PREROUTING', 'POSTROUTING', '-p', 'tcp', 'udp', 'icmp', '--dport', '80', '-i', '-o', '-s', '-d', '!',
  '-j', 'ACCEPT', 'DROP', 'REJECT', 'MASQUERADE', 'DNAT', '--to-destination', '-m', 'conntrack', '--ctstate',
  'ESTABLISHED,RELATED', 'comment', '--comment', 'sysctl', '-w', 'net.ipv4.ip_forward=1', 'from', 'expect',
  'delivered', 'dropped', 'in', 'a', 'b', 'root', 'lo', 'eth0', 'c0', '10.0.0.1', '10.0.0.1/24', '10.0.0.2:80',
  '0.0.0.0:22', '{', '}', '{}', '"', "'", '"a b"', "'x # y'", '"q\\"x"', 'a\\ b', '#', '# c', ' # trailing', '#{',
  '\n', '\n', '\n', '\r\n', ' ', ' ', ' ', '\t', '   ', '\\', '\\\n', '\\\r\n', '\\ ', ' \\\n  ', '\v', '\f', 'é',
  '\u00a0', '😀', '',
];

const CHARS = ['a', 'b', '0', '1', '.', '/', ':', '-', '=', ' ', '\t', '\n', '\r', '\\', '"', "'", '#', '{', '}', '!', 'é'];

const fragment = fc.constantFrom(...FRAGMENTS);
/** Fragments glued together, sometimes with a space between. */
const tokenSoup = fc
  .array(fc.tuple(fragment, fc.constantFrom('', ' ', '', '\n')), { maxLength: 60 })
  .map((parts) => parts.map(([f, sep]) => f + sep).join(''));
const charNoise = fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 80 });

const corpus = readCorpus();

const mutation = mutationArb(CHARS, fragment);

/** A real file with a few edits: keeps most structure, breaks some. */
const mutatedFile = fc
  .tuple(fc.integer({ min: 0, max: Math.max(0, corpus.length - 1) }), fc.array(mutation, { minLength: 1, maxLength: 6 }))
  .map(([i, muts]) => mutate(corpus[i] ?? '', muts));

/** Any input the properties run on. */
const anyText = fc.oneof(tokenSoup, charNoise, mutatedFile);

/** What must not change: block kinds, names and nesting, and every command's word values. */
function meaning(items: ItemNode[]): unknown[] {
  return items.map((it) =>
    it.kind === 'command'
      ? ['cmd', it.words.map((w) => w.value)]
      : [it.kind, it.name?.value ?? null, it.close !== undefined, meaning(it.body)],
  );
}

function codes(text: string): string[] {
  return buildModel(text).diagnostics.map((d) => d.code);
}

describe('props: parser, model and formatter on random and mutated input', function () {
  this.timeout(60000);

  it('has a corpus of real files to mutate', () => {
    assert.ok(corpus.length >= 5, `only ${corpus.length} files`);
  });

  it('parse never throws and the tokens print back the exact input (10000 runs)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const sf = parse(text);
        assert.equal(printTokens(sf.tokens), text);
        let at = 0;
        for (const t of sf.tokens) {
          assert.equal(t.start, at, 'tokens are contiguous');
          assert.ok(t.end > t.start, 'no empty token');
          assert.equal(text.slice(t.start, t.end), t.text);
          at = t.end;
        }
        for (const e of sf.errors) assert.ok(e.start >= 0 && e.start <= e.end && e.end <= text.length, 'error range inside the text');
      }),
      params(10000),
    );
  });

  it("the tree's word and brace tokens equal those of the lazily lexed token list; lineStarts match (5000 runs)", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        assertTreeAgreesWithTokens(parse(text));
      }),
      params(5000),
    );
  });

  it('lexComments gives exactly the comment tokens of lex (5000 runs)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        assert.deepEqual(lexComments(text), lex(text).filter((t) => t.kind === TokenKind.Comment));
      }),
      params(5000),
    );
  });

  it('buildModel never throws and its ranges stay inside the text (2000 runs)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const m = buildModel(text);
        for (const d of m.diagnostics) {
          assert.ok(d.start >= 0 && d.start <= d.end && d.end <= text.length, `${d.code} range ${d.start}-${d.end} in ${text.length}`);
          assert.match(d.code, /^NS\d{4}$/);
        }
      }),
      params(2000),
    );
  });

  it('fmt is idempotent (5000 runs)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const once = formatText(text);
        assert.equal(formatText(once), once);
      }),
      params(5000),
    );
  });

  it('fmt changes only whitespace: same blocks and words, same parse errors (5000 runs)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const out = formatText(text);
        const a = parse(text);
        const b = parse(out);
        assert.deepEqual(meaning(b.items), meaning(a.items));
        assert.deepEqual(b.errors.map((e) => e.code), a.errors.map((e) => e.code));
        // Words and braces appear in the same order.
        const sig = (sf: typeof a) => sf.tokens.filter((t) => t.kind === TokenKind.Word || t.kind === TokenKind.LBrace || t.kind === TokenKind.RBrace).map((t) => t.text);
        assert.deepEqual(sig(b), sig(a));
        if (formatRefusal(text) === undefined) {
          // A formatted file has no trailing blanks and ends with one newline.
          // No whitespace token ends a line (a word may end in an escaped blank: `a\\ `).
          b.tokens.forEach((t, i) => {
            if (t.kind === TokenKind.Whitespace) assert.ok(i + 1 < b.tokens.length && b.tokens[i + 1].kind !== TokenKind.Newline, 'no trailing whitespace');
          });
          assert.ok(out === '' || (out.endsWith('\n') && !out.endsWith('\n\n')), 'one final newline');
          assert.ok(!out.includes('\n\n\n'), 'at most one blank line');
        }
        assert.ok(!formatRefusal(text)?.startsWith('internal'), 'the safety net never has to step in');
      }),
      params(5000),
    );
  });

  it('fmt keeps the model diagnostics codes (1500 runs)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        assert.deepEqual(codes(formatText(text)), codes(text));
      }),
      params(1500),
    );
  });

  it('format edits give the formatted text; range edits alone keep the meaning (3000 runs)', () => {
    fc.assert(
      fc.property(anyText, fc.nat(), fc.nat(), (text, x, y) => {
        assert.equal(applyEdits(text, formatEdits(text)), formatText(text));
        const n = text.length + 1;
        const [s, e] = [x % n, y % n].sort((p, q) => p - q);
        const ranged = applyEdits(text, formatRange(text, s, e));
        assert.deepEqual(meaning(parse(ranged).items), meaning(parse(text).items));
        assert.equal(applyEdits(text, formatRange(text, 0, text.length)), formatText(text));
      }),
      params(3000),
    );
  });
});

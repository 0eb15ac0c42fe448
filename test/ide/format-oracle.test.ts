// Byte-for-byte check of the one-pass formatter (core/ide/format.ts) against the token-based
// formatter it replaced, kept below as the reference oracle: formatText, formatRefusal, formatEdits
// and formatRange must give exactly what the oracle gives, on random token soup, character noise,
// statement-shaped blocks, real files with random edits, formatted files with random edits, and
// generated topologies. The formatter's safety net (sameBlocksAndWords) is checked against the
// oracle's comparison of two parse() trees. The oracle is also what ties the formatter's mirrored
// lexer and parser rules to core/syntax: a syntax change fails here until format.ts follows.
// It owns the oracle copy only; the formatter's rules and goldens are tested in test/format/ and
// test/props/. A failure prints the seed and the shrunk input; rerun one with FC_SEED=<seed>.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateTopology } from '../../bench/generate';
import { formatEdits, formatRange, formatRefusal, formatText, sameBlocksAndWords } from '../../core/ide/format';
import { lex, Token, TokenKind } from '../../core/syntax/lexer';
import { parse } from '../../core/syntax/parser';
import { ItemNode, SourceFile } from '../../core/syntax/tree';
import { Mutation, mutate, mutationArb, readCorpus } from '../util/mutations';

// ---------------------------------------------------------------------------------------------
// REFERENCE ORACLE: the formatter as it was before the one-pass rewrite (core/ide/format.ts at
// commit c0dfe2f), copied unchanged apart from names. It works from parse(): the full token list
// and the tree. Do not "fix" it: it is the definition of the expected output.
// ---------------------------------------------------------------------------------------------

interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

const ORACLE_INDENT = 4;
const ORACLE_CONTINUATION_INDENT = 8;

function oracleFormatRefusal(text: string): string | undefined {
  return oracleLayout(parse(text)).refusal;
}

function oracleFormatText(text: string): string {
  const r = oracleLayout(parse(text), false);
  return r.refusal ? text : r.text;
}

function oracleFormatEdits(text: string): TextEdit[] {
  const r = oracleLayout(parse(text));
  return r.refusal ? [] : gapEdits(text, r.text, r.anchors);
}

function oracleFormatRange(text: string, start: number, end: number): TextEdit[] {
  const lo = lineStart(text, Math.max(0, Math.min(start, text.length)));
  const hi = lineEnd(text, Math.max(lo, Math.min(end, text.length)));
  return oracleFormatEdits(text).filter((e) => e.end >= lo && e.start <= hi);
}

function lineStart(text: string, offset: number): number {
  const i = text.lastIndexOf('\n', offset - 1);
  return i < 0 ? 0 : i + 1;
}

function lineEnd(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  return i < 0 ? text.length : i;
}

/** A token kept in the output: where it was and where it went. */
interface Anchor {
  origStart: number;
  origEnd: number;
  outStart: number;
  outEnd: number;
}

interface Layout {
  text: string;
  /** The kept tokens, to derive edits from (only when asked: formatText does not need them). */
  anchors: Anchor[];
  refusal?: string;
}

function trimEndBlanks(s: string): string {
  let e = s.length;
  while (e > 0) {
    const c = s.charCodeAt(e - 1);
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c) e--;
    else break;
  }
  return e === s.length ? s : s.slice(0, e);
}

/** Indentation strings by width, built once. */
const INDENTS: string[] = [];
function indent(width: number): string {
  while (INDENTS.length <= width) INDENTS.push(' '.repeat(INDENTS.length));
  return INDENTS[width];
}

function oracleLayout(sf: SourceFile, wantAnchors = true): Layout {
  const src = sf.text;
  if (sf.errors.length) return { text: src, anchors: [], refusal: 'the file has syntax errors; fix them first' };
  const tokens = sf.tokens;
  // A word that a line break right after it would change (`a\` at the end of the file, `\<CR>`
  // before blanks and a newline: the backslash would become a line continuation).
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind !== TokenKind.Word || !(t.text.endsWith('\\') || t.text.endsWith('\r'))) continue;
    let j = i + 1;
    while (j < tokens.length && tokens[j].kind === TokenKind.Whitespace) j++;
    const endsLine = j === tokens.length || tokens[j].kind === TokenKind.Newline;
    if (endsLine && !sameWordBeforeNewline(t)) {
      return { text: src, anchors: [], refusal: 'a word ends in a backslash (or an escaped carriage return) at the end of a line; a line break after it would make it a line continuation' };
    }
  }

  const parts: string[] = [];
  const anchors: Anchor[] = [];
  let outLen = 0;
  const put = (s: string): void => {
    parts.push(s);
    outLen += s.length;
  };
  const anchor = (t: Token, text: string): void => {
    if (wantAnchors) anchors.push({ origStart: t.start, origEnd: t.start + text.length, outStart: outLen, outEnd: outLen + text.length });
    put(text);
  };

  let depth = 0;
  let lineOpen = false; // an output line has content and no newline yet
  let inRun = false; // inside the words of a statement or block header
  let pendingContinuation = false; // a continuation inside the current run, not yet emitted
  let physicalEmpty = true; // the current input line has no token but whitespace so far
  let blankPending = false; // a blank input line since the last output line
  let afterOpen = false; // the last output line opened a block

  const newLine = (level: number, closing: boolean): void => {
    if (lineOpen) put('\n');
    if (blankPending && outLen > 0 && !afterOpen && !closing) put('\n');
    blankPending = false;
    afterOpen = false;
    put(indent(ORACLE_INDENT * level));
    lineOpen = true;
  };

  for (const t of tokens) {
    switch (t.kind) {
      case TokenKind.Whitespace:
        break;
      case TokenKind.Newline:
        if (physicalEmpty && outLen > 0) blankPending = true;
        inRun = false;
        pendingContinuation = false;
        physicalEmpty = true;
        break;
      case TokenKind.Continuation:
        if (inRun) pendingContinuation = true;
        physicalEmpty = true;
        break;
      case TokenKind.Word:
        if (inRun) {
          if (pendingContinuation) put(' \\\n' + indent(ORACLE_INDENT * depth + ORACLE_CONTINUATION_INDENT));
          else put(' ');
        } else {
          newLine(depth, false);
          inRun = true;
        }
        pendingContinuation = false;
        anchor(t, t.text);
        physicalEmpty = false;
        break;
      case TokenKind.LBrace:
        if (inRun) put(' ');
        else newLine(depth, false); // not reached without a syntax error
        anchor(t, '{');
        depth++;
        afterOpen = true;
        inRun = false;
        pendingContinuation = false;
        physicalEmpty = false;
        break;
      case TokenKind.RBrace:
        depth = Math.max(0, depth - 1);
        newLine(depth, true);
        anchor(t, '}');
        inRun = false;
        pendingContinuation = false;
        physicalEmpty = false;
        break;
      case TokenKind.Comment: {
        const text = trimEndBlanks(t.text);
        if (!physicalEmpty && lineOpen) put('  ');
        else newLine(depth, false);
        anchor(t, text);
        inRun = false;
        pendingContinuation = false;
        physicalEmpty = false;
        break;
      }
    }
  }
  if (lineOpen) put('\n');
  const text = parts.join('');

  // The safety net parses the result again, unless it is the input itself (already formatted).
  if (text !== src && !sameStructure(sf, parse(text))) {
    return { text: src, anchors: [], refusal: 'internal: formatting would change the meaning; left unchanged' };
  }
  return { text, anchors };
}

function sameWordBeforeNewline(word: Token): boolean {
  const t = lex(word.text + '\n')[0];
  return t !== undefined && t.kind === TokenKind.Word && t.text === word.text;
}

/** The edits between consecutive anchors (and before the first / after the last) that differ. */
function gapEdits(src: string, out: string, anchors: Anchor[]): TextEdit[] {
  const edits: TextEdit[] = [];
  let origAt = 0;
  let outAt = 0;
  const gap = (origEnd: number, outEnd: number): void => {
    const newText = out.slice(outAt, outEnd);
    if (src.slice(origAt, origEnd) !== newText) edits.push({ start: origAt, end: origEnd, newText });
  };
  for (const a of anchors) {
    gap(a.origStart, a.outStart);
    origAt = a.origEnd;
    outAt = a.outEnd;
  }
  gap(src.length, out.length);
  return edits;
}

/** Same blocks (kind, name, nesting) and same statements (word values), in the same order. */
function sameStructure(a: SourceFile, b: SourceFile): boolean {
  return a.errors.length === b.errors.length && sameItems(a.items, b.items);
}

function sameItems(a: ItemNode[], b: ItemNode[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.kind !== y.kind) return false;
    if (x.kind === 'command') {
      if (y.kind !== 'command' || x.words.length !== y.words.length) return false;
      for (let k = 0; k < x.words.length; k++) if (x.words[k].value !== y.words[k].value) return false;
    } else {
      if (y.kind === 'command' || x.name?.value !== y.name?.value || !x.close !== !y.close) return false;
      if (!sameItems(x.body, y.body)) return false;
    }
  }
  return true;
}


// ---------------------------------------------------------------------------------------------
// END OF REFERENCE ORACLE
// ---------------------------------------------------------------------------------------------

const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const params = (numRuns: number): fc.Parameters<unknown> => (seed === undefined ? { numRuns } : { numRuns, seed });

/** Words, punctuation and trivia, weighted toward what the formatter has to get right. */
const FRAGMENTS = [
  'namespace', 'jail', 'listen', 'probe', 'ip', 'link', 'set', 'lo', 'up', 'iptables', '-A', 'INPUT', '-j', 'ACCEPT',
  'a', 'b', 'n1', '10.0.0.1', '10.0.0.1/24', 'bad/name', '..', '-', 'na\\mespace', '"namespace"', "'jail'", 'jai\\l',
  '{', '}', '{}', '} {', '{ }', '"', "'", '"a b"', "'x # y'", '"q\\"x"', '"a\\\nb"', 'a\\ b', 'a\\', 'a\\\\', '\\\r',
  '#', '# c', ' # trailing  ', '#{', '# x \\', '#\t\r',
  '\n', '\n', '\n', '\n\n', '\n\n\n', '\r\n', '\r\n\r\n', ' ', ' ', '  ', '\t', '\t\t', '    ', '        ', '\r', '\v', '\f',
  '\\', '\\\n', '\\\r\n', '\\\n\n', ' \\\n', ' \\\n  ', '\\ ', '\\\t', 'é', '\u00a0', '😀', '',
];
const CHARS = ['a', 'b', 'n', '0', '.', '/', '-', ' ', ' ', '\t', '\n', '\n', '\r', '\\', '"', "'", '#', '{', '}', '\v', 'é'];

const fragment = fc.constantFrom(...FRAGMENTS);
const tokenSoup = fc
  .array(fc.tuple(fragment, fc.constantFrom('', ' ', '', '\n', '\r\n', '\t')), { maxLength: 80 })
  .map((parts) => parts.map(([f, sep]) => f + sep).join(''));
const charNoise = fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 120 });

/** Statement-shaped lines in blocks: mostly well formed, so most inputs do get formatted. */
const statement = fc
  .array(fc.constantFrom('ip', 'link', 'set', 'lo', 'up', '-A', 'INPUT', '"a b"', "'c'", 'x\\ y', '#', '# note', '\\\n', ' \\\n   ', '\\\r\n'), { minLength: 1, maxLength: 6 })
  .map((ws) => ws.join(' '));
const blank = fc.constantFrom('', ' ', '\t', '  \t ', '\r', '\v');
const line = fc.tuple(blank, fc.oneof(statement, fc.constantFrom('', '# own line', '}', '{', 'namespace n1 {', 'jail 10.0.0.1 {', 'namespace a { ip link set lo up }')), blank, fc.constantFrom('\n', '\n', '\r\n', '\n\n', ''));
const blocky = fc
  .array(fc.tuple(fc.constantFrom('namespace n1', 'namespace n2', 'jail 10.0.0.1', 'namespace', 'jail a b', 'namespace bad/name'), fc.array(line, { maxLength: 8 }), fc.boolean()), { maxLength: 5 })
  .map((bs) => bs.map(([h, ls, close]) => `${h} {\n${ls.map((l) => l.join('')).join('')}${close ? '}\n' : ''}`).join(''));

const corpus = readCorpus();
/** The corpus after formatting: the one-pass formatter's no-copy path runs until the first edit. */
const formattedCorpus = corpus.map(oracleFormatText);

const mutation = mutationArb(CHARS, fragment);

const mutatedFrom = (texts: string[]): fc.Arbitrary<string> =>
  fc
    .tuple(fc.integer({ min: 0, max: texts.length - 1 }), fc.array(mutation, { minLength: 0, maxLength: 5 }))
    .map(([i, muts]) => mutate(texts[i], muts));

const anyText = fc.oneof(tokenSoup, charNoise, blocky, mutatedFrom(corpus), mutatedFrom(formattedCorpus));

/** Everything the formatter's public functions say about one text, new and oracle side by side. */
function assertSameAsOracle(text: string, x = 0, y = 0): void {
  assert.equal(formatText(text), oracleFormatText(text), 'formatText');
  assert.equal(formatRefusal(text), oracleFormatRefusal(text), 'formatRefusal');
  // As `fmt` asks: the refusal, then the text (formatText takes formatRefusal's answer).
  assert.equal(formatText(text), oracleFormatText(text), 'formatText after formatRefusal');
  assert.deepEqual(formatEdits(text), oracleFormatEdits(text), 'formatEdits');
  const n = text.length + 1;
  const [s, e] = [x % n, y % n].sort((p, q) => p - q);
  assert.deepEqual(formatRange(text, s, e), oracleFormatRange(text, s, e), 'formatRange');
}

describe('ide: one-pass formatter against the reference oracle', function () {
  this.timeout(60000);

  it('has a corpus of real files, formatted and not', () => {
    assert.ok(corpus.length >= 10, `only ${corpus.length} files`);
    assert.ok(formattedCorpus.some((t, i) => t !== corpus[i]), 'some corpus file is not formatted yet');
  });

  for (const [name, text] of [
    ['empty', ''],
    ['blanks only', ' \t\r\n\n  \n'],
    ['one-line blocks', 'namespace a { ip link set lo up } jail 10.0.0.1 { listen tcp 0.0.0.0:22 }'],
    ['crlf and tabs', 'namespace a {\r\n\tip link set lo up\r\n\r\n\r\n\t# c \t\r\n}\r\n'],
    ['continuations', 'iptables -A INPUT \\\n-p tcp \\\r\n  -j ACCEPT \\\n\nip \\\n# c\nip \\\n{'],
    ['unbalanced open', 'namespace a {\nip link\n'],
    ['unbalanced close', 'ip link\n}\n'],
    ['unterminated quote', 'ip link set "lo up\n'],
    ['quoted keyword', '"namespace" a {\n}\n'],
    ['escaped keyword', 'na\\mespace a {\n}\n'],
    ['every letter of the keywords escaped', '\\n\\a\\m\\e\\s\\p\\a\\c\\e a {\n\\j\\a\\i\\l 1.2.3.4 {\n\\j\\a\\i\\l\n}\n}\n'],
    ['every letter of the keywords escaped, formatted', '\\n\\a\\m\\e\\s\\p\\a\\c\\e a { \\j\\a\\i\\l 1.2.3.4 { ip }\n}\n'],
    ['escaped keyword with a bad name', 'namespac\\e a/b {\n}\n'],
    ['invalid name', 'namespace a/b {\n}\n'],
    ['nested namespace', 'namespace a {\nnamespace b {\n}\n}\n'],
    ['nested jail', 'jail 1.2.3.4 {\njail 1.2.3.5 {\n}\n}\n'],
    ['block keyword without brace', 'namespace a\nnamespace\njail x y z\n'],
    ['trailing backslash', 'ip link set lo up\\'],
    ['escaped CR before CRLF', 'ip link set lo up \\\r\r\n'],
    ['escaped backslash at line end', 'ip a\\\\\nip b\\\\'],
    ['formatted already', 'namespace a {\n    ip link set lo up  # c\n\n    iptables -A INPUT \\\n            -j ACCEPT\n}\n'],
    ['formatted prefix, extra end', 'namespace a {\n    ip link set lo up\n}\n\n\n'],
  ] as const) {
    it(`same as the oracle: ${name}`, () => {
      for (let x = 0; x <= text.length; x += 3) assertSameAsOracle(text, x, x + 7);
    });
  }

  it('formatText after formatRefusal of another text formats its own text', () => {
    const a = 'namespace a {\nip link set lo up\n}\n';
    const b = 'namespace b {\n  ip link set lo down\n}\n';
    assert.equal(formatRefusal(a), undefined);
    assert.equal(formatText(b), 'namespace b {\n    ip link set lo down\n}\n');
    assert.equal(formatRefusal('namespace a {\n'), oracleFormatRefusal('namespace a {\n'));
    assert.equal(formatText(b), 'namespace b {\n    ip link set lo down\n}\n');
    // An equal text that is another string gets the kept answer too, and it is the right one.
    const c = ['namespace c {', 'ip', '}', ''].join('\n');
    assert.equal(formatRefusal(c), undefined);
    assert.equal(formatText(['namespace c {', 'ip', '}', ''].join('\n')), 'namespace c {\n    ip\n}\n');
  });

  it('same as the oracle on random and mutated input (6000 runs)', () => {
    fc.assert(
      fc.property(anyText, fc.nat(), fc.nat(), (text, x, y) => assertSameAsOracle(text, x, y)),
      params(6000),
    );
  });

  // The safety net. It never has to step in on real formatting (test/props/ asserts that), so its
  // comparison is checked on its own: against the oracle's sameStructure over two parses.
  /** Layout-only edits (they may move statement boundaries) and arbitrary ones. */
  const respaced = (text: string, muts: Mutation[]): string => {
    let s = text;
    for (const m of muts) {
      const at = s.length ? m.at % (s.length + 1) : 0;
      const blankAt = s.slice(at).search(/[ \t\n]/);
      if (blankAt < 0) continue;
      const k = at + blankAt;
      const by = [' ', '\n', ' \\\n', '\n\n', '  ', '\t', ''][m.len % 7];
      s = s.slice(0, k) + by + s.slice(k + 1);
    }
    return s;
  };
  /** Lines `at` and `at + 1` (mod the line count) swapped: moves a `}`, a header or a statement. */
  const swapLines = (text: string, at: number): string => {
    const ls = text.split('\n');
    if (ls.length < 2) return text;
    const k = at % (ls.length - 1);
    [ls[k], ls[k + 1]] = [ls[k + 1], ls[k]];
    return ls.join('\n');
  };
  const pair = fc.oneof(
    fc.tuple(anyText, fc.array(mutation, { maxLength: 4 })).map(([a, muts]) => [a, respaced(a, muts)] as const),
    fc.tuple(anyText, fc.array(mutation, { maxLength: 3 })).map(([a, muts]) => [a, mutate(a, muts)] as const),
    anyText.map((a) => [a, oracleFormatText(a)] as const),
    fc.tuple(anyText, fc.nat()).map(([a, at]) => [a, swapLines(a, at)] as const),
  );

  it('the safety net compares blocks and words as two parses would (6000 runs)', () => {
    let compared = 0;
    let differ = 0;
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const pa = parse(a);
        const pb = parse(b);
        const expected = pa.errors.length === 0 && pb.errors.length === 0 && sameStructure(pa, pb);
        assert.equal(sameBlocksAndWords(a, b), expected);
        if (pa.errors.length === 0 && pb.errors.length === 0) {
          compared++;
          if (!expected) differ++;
        }
      }),
      params(6000),
    );
    // Enough error-free pairs, both equal and different, for the comparison to mean something.
    if (seed === undefined) assert.ok(compared > 500 && differ > 100 && compared - differ > 100, `${compared} compared, ${differ} differ`);
  });

  it('the safety net tells values, not spellings: quoted and escaped words', () => {
    assert.equal(sameBlocksAndWords('ip "a b" c\\\\d\n', 'ip a\\ b \'c\\d\'\n'), true);
    assert.equal(sameBlocksAndWords('ip c\\d\n', 'ip \'c\\d\'\n'), false, 'c\\d is cd unquoted');
    assert.equal(sameBlocksAndWords('namespace "n1" x\n', 'namespace n1 x\n'), true);
    assert.equal(sameBlocksAndWords('ip a b\n', 'ip a\nb\n'), false);
    assert.equal(sameBlocksAndWords('ip a b\n', 'ip a \\\nb\n'), true);
    assert.equal(sameBlocksAndWords('namespace n1 {\n}\n', 'namespace n1 { }'), true);
    assert.equal(sameBlocksAndWords('namespace n1 {\n}\n', 'namespace n2 {\n}\n'), false);
    assert.equal(sameBlocksAndWords('namespace n1 {\nip a\n}\nip b\n', 'namespace n1 {\nip a\nip b\n}\n'), false, 'a moved }');
    assert.equal(sameBlocksAndWords('namespace n1 {\n}\n', '"namespace" n1 {\n}\n'), false, 'a quoted keyword makes no block (syntax error)');
    assert.equal(sameBlocksAndWords('namespace n1 {\n}\n', 'namespace n1 {\n'), false, 'syntax error in the second');
  });

  it('same as the oracle on a generated topology, formatted and with its indentation and spacing broken', () => {
    const g = generateTopology({ namespaces: 40, linesPerNamespace: 100 }).text;
    assert.equal(oracleFormatText(g), g, 'the generator writes formatted text');
    assertSameAsOracle(g);
    const broken = g.replace(/^ {4}/gm, '\t').replace(/ -j /g, '   -j ').replace(/\n\n/g, '\n\r\n\n');
    assert.notEqual(oracleFormatText(broken), broken);
    assertSameAsOracle(broken, 1000, 5000);
  });
});

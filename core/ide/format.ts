// The formatter: canonical layout of a topology file that changes only whitespace. Owns the
// layout rules below and the edits that turn a text into its formatted form (whole file or a
// range, for the CLI's `fmt` and the language server's formatting requests). It does not know
// what commands mean and does no IO.
//
// Rules (docs: `netns-dbg fmt --help`, docs/language.md):
//  1. One statement per line: `namespace a { ip link set lo up }` becomes three lines.
//  2. Block bodies are indented 4 spaces per level; `}` sits at its block's level on its own line.
//  3. Words of a statement are separated by one space; a word's own text (quotes, escapes) is
//     never touched.
//  4. Line continuations (`\` at the end of a line) inside a statement are kept, one per broken
//     line, and the continued lines are indented 8 spaces more than the statement. Continuations
//     that continue nothing (before a `{`, after a `{` or `}`, or followed by a comment or an
//     empty line) are removed: the line they joined was already split there.
//  5. A comment after code on the same line stays there, separated by two spaces; a comment on
//     its own line is indented like a statement at that place. Trailing blanks inside a comment
//     are removed.
//  6. At most one blank line in a row; none at the start or end of the file, right after `{` or
//     right before `}`.
//  7. No trailing whitespace; lines end with `\n` (CRLF becomes LF); the file ends with one
//     newline (an empty or all-blank file becomes empty).
//  8. A file with syntax errors (unterminated quote, unbalanced braces, bad block header) is
//     returned unchanged: its structure is unknown, so no layout is safe.
// Safety net: the result is read again and must give the same blocks and the same words (values)
// as the input, as the parser's trees of both would; if it does not (a case the rules above
// missed), the text is returned unchanged.
//
// How: one pass over the characters, no token objects and no tree (parse() is not called). The
// pass splits the text as core/syntax/lexer.ts does (words, blanks, newlines, comments, braces,
// continuations) and follows core/syntax/parser.ts's statement and block rules just far enough to
// know whether parse() would report a syntax error; it lays the output out as it goes, copying
// runs of the input that need no change in one piece (a formatted file is one run: nothing is
// copied). The safety net runs the same pass over both texts, recording only the structure. Those
// lexer and parser rules are mirrored here, not shared: test/ide/format-oracle.test.ts checks
// every result against the token-based formatter this replaced, and the safety net against two
// parses, byte for byte; a change to the syntax makes it fail until this file follows.

import { isValidNamespaceName } from '../syntax/parser';
import { ItemNode } from '../syntax/tree';

/** Replace original text [start, end) by newText. Offsets are UTF-16 offsets into the original. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

export const INDENT = 4;
export const CONTINUATION_INDENT = 8;

/**
 * formatRefusal's last answer, kept for one formatText of the same text right after it (`fmt`
 * asks both of every file); any other call drops it.
 */
let handoff: { src: string; layout: Layout } | undefined;

/** Why a text is left as it is, or undefined when it can be formatted. */
export function formatRefusal(text: string): string | undefined {
  const r = pass(text, Mode.Text);
  handoff = { src: text, layout: r };
  return r.refusal;
}

/** The formatted text (the input itself when it has syntax errors). */
export function formatText(text: string): string {
  const h = handoff;
  handoff = undefined;
  const r = h !== undefined && h.src === text ? h.layout : pass(text, Mode.Text);
  return r.refusal ? text : r.text;
}

/** The edits that turn `text` into formatText(text), each one a whitespace gap between two tokens. */
export function formatEdits(text: string): TextEdit[] {
  return editsTouching(text, 0, text.length);
}

/**
 * The edits of formatEdits that touch the lines of [start, end) (offsets into text): the
 * indentation, spacing and line breaks in and around those lines. Applying them alone keeps the
 * meaning, as every edit does.
 */
export function formatRange(text: string, start: number, end: number): TextEdit[] {
  const lo = lineStart(text, Math.max(0, Math.min(start, text.length)));
  const hi = lineEnd(text, Math.max(lo, Math.min(end, text.length)));
  return editsTouching(text, lo, hi);
}

/** The edits of formatEdits(text) with end >= lo and start <= hi. */
function editsTouching(text: string, lo: number, hi: number): TextEdit[] {
  handoff = undefined;
  const r = pass(text, Mode.Anchors);
  return r.refusal || r.text === text ? [] : gapEdits(text, r.text, r.record, lo, hi);
}

/** Applies non-overlapping edits (any order) to text. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let s = '';
  let at = 0;
  for (const e of sorted) {
    s += text.slice(at, e.start) + e.newText;
    at = e.end;
  }
  return s + text.slice(at);
}

function lineStart(text: string, offset: number): number {
  const i = text.lastIndexOf('\n', offset - 1);
  return i < 0 ? 0 : i + 1;
}

function lineEnd(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  return i < 0 ? text.length : i;
}

interface Layout {
  text: string;
  /**
   * Mode.Anchors: the kept tokens (words, braces, comments), to derive edits from, three numbers
   * each: offset in the input, offset in the output, length.
   * Mode.Structure: the blocks and statements of the text, in order: a word is two numbers (its
   * start, then its end, or ~end when it is not plain), END ends a command, OPEN follows a block
   * header's two words, CLOSE ends a block.
   * Empty otherwise, and on refusal.
   */
  record: Int32Array;
  refusal?: string;
}

const enum Mode {
  /** The formatted text only. */
  Text = 0,
  /** The formatted text and the anchors, for edits. */
  Anchors = 1,
  /** No layout: only whether parse() would report a syntax error, and the structure. */
  Structure = 2,
}

const NO_RECORD = new Int32Array(0);
const END = -1;
const OPEN = -2;
const CLOSE = -3;

/** A copy of `a` twice as long (room for at least `need` more). */
function grow(a: Int32Array, need: number): Int32Array {
  const b = new Int32Array(Math.max(a.length * 2, a.length + need));
  b.set(a);
  return b;
}

const SYNTAX_REFUSAL = 'the file has syntax errors; fix them first';
const BACKSLASH_REFUSAL = 'a word ends in a backslash (or an escaped carriage return) at the end of a line; a line break after it would make it a line continuation';
const INTERNAL_REFUSAL = 'internal: formatting would change the meaning; left unchanged';

/** Indentation strings by width, built once. */
const INDENTS: string[] = [];
function indent(width: number): string {
  while (INDENTS.length <= width) INDENTS.push(' '.repeat(INDENTS.length));
  return INDENTS[width];
}

/** ` \`, a newline and the indentation of a continued line at a block depth, built once. */
const CONTINUATIONS: string[] = [];
function continuation(depth: number): string {
  while (CONTINUATIONS.length <= depth) CONTINUATIONS.push(' \\\n' + indent(INDENT * CONTINUATIONS.length + CONTINUATION_INDENT));
  return CONTINUATIONS[depth];
}

/** The lexer's blanks: space, tab, CR, VT, FF (a newline is a token of its own). */
function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c;
}

/** Statement-head keywords, as the parser tells them (by unquoted value). */
const enum Head {
  None = 0,
  Namespace = 1,
  Jail = 2,
}

/** The structure of a text (see Layout.record), or undefined when parse() would report a syntax error. */
function structure(text: string): Int32Array | undefined {
  const r = pass(text, Mode.Structure);
  return r.refusal ? undefined : r.record;
}

/** The one pass over the text (see Mode). */
function pass(src: string, mode: Mode): Layout {
  const n = src.length;
  const lay = mode !== Mode.Structure;
  const wantAnchors = mode === Mode.Anchors;
  // Mode.Anchors or Mode.Structure: what the pass records (Layout.record).
  // Sized for a typical file (about one word per three characters) so that it seldom grows.
  let rec: Int32Array = mode === Mode.Text ? NO_RECORD : new Int32Array((mode === Mode.Anchors ? n >> 1 : Math.ceil(n / 3)) + 64);
  let recLen = 0;

  // Output: `out`, then the input run src[runStart, runEnd) (runEnd < 0: no run). Kept tokens
  // and laid-out blanks equal to the input's at that place extend the run; nothing is copied
  // until a difference ends it. A formatted file is one run from 0 to its end: no copy at all.
  let out = '';
  let runStart = 0;
  let runEnd = 0;
  let outLen = 0;
  const flush = (): void => {
    if (runEnd > runStart) out += src.slice(runStart, runEnd);
  };
  const put = (s: string): void => {
    if (runEnd >= 0 && src.startsWith(s, runEnd)) runEnd += s.length;
    else {
      flush();
      out += s;
      runStart = runEnd = -1;
    }
    outLen += s.length;
  };
  /** Copies src[start, end) (a kept token) to the output. */
  const putSrc = (start: number, end: number): void => {
    if (wantAnchors) {
      if (recLen + 3 > rec.length) rec = grow(rec, 3);
      rec[recLen++] = start;
      rec[recLen++] = outLen;
      rec[recLen++] = end - start;
    }
    if (start !== runEnd) {
      flush();
      runStart = start;
    }
    runEnd = end;
    outLen += end - start;
  };

  // Layout state (the rules in the header).
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
    put(indent(INDENT * level));
    lineOpen = true;
  };

  // What parse() would say, just enough to know whether it reports an error. Every error makes
  // the file unformattable, so the first one ends the pass.
  const blocks: boolean[] = []; // open blocks, true for a jail
  let jails = 0;
  let stmtWords = 0; // words of the current statement so far (0: at a statement start)
  let stmtHead: Head = Head.None;
  let stmtNameOk = true; // a namespace header's name is a valid namespace name
  /** Ends the current statement (at a newline, `}` or the end): a block keyword without `{` is an error. */
  const endStatement = (): boolean => {
    const bad = stmtHead !== Head.None && stmtWords <= 2;
    if (!lay && stmtWords > 0) {
      if (recLen === rec.length) rec = grow(rec, 1);
      rec[recLen++] = END;
    }
    stmtWords = 0;
    stmtHead = Head.None;
    return bad;
  };

  // A word that a line break right after it would change (`a\` at the end of the file, `\<CR>`
  // before blanks and a newline: the backslash would become a line continuation): a word ending
  // in `\` or CR followed only by blanks up to a newline or the end of the text is checked.
  let backslashWord = -1; // its start, until the next token that is not blanks
  let backslashEnd = 0;
  let backslashBad = false;
  const checkBackslashWord = (): void => {
    if (backslashWord >= 0 && !sameWordBeforeNewline(src.slice(backslashWord, backslashEnd))) backslashBad = true;
    backslashWord = -1;
  };

  let i = 0;
  while (i < n) {
    const c = src.charCodeAt(i);
    const start = i;
    if (c === 0x0a) {
      // Newline.
      i++;
      if (endStatement()) return refuse(src, SYNTAX_REFUSAL);
      if (!lay) continue;
      checkBackslashWord();
      if (physicalEmpty && outLen > 0) blankPending = true;
      inRun = false;
      pendingContinuation = false;
      physicalEmpty = true;
    } else if (isBlank(c)) {
      // Whitespace: nothing to keep.
      i++;
      while (i < n && isBlank(src.charCodeAt(i))) i++;
    } else if (c === 0x23 /* # */) {
      // Comment, up to the newline; trailing blanks dropped.
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      if (!lay) continue;
      backslashWord = -1;
      let e = i;
      while (e > start && isBlank(src.charCodeAt(e - 1))) e--;
      if (!physicalEmpty && lineOpen) put('  ');
      else newLine(depth, false);
      putSrc(start, e);
      inRun = false;
      pendingContinuation = false;
      physicalEmpty = false;
    } else if (c === 0x7b /* { */) {
      i++;
      backslashWord = -1;
      // Only `namespace NAME {` (not inside a block) and `jail ADDR {` (not inside a jail) are good.
      if (stmtHead === Head.None || stmtWords !== 2) return refuse(src, SYNTAX_REFUSAL);
      if (stmtHead === Head.Namespace ? blocks.length > 0 || !stmtNameOk : jails > 0) return refuse(src, SYNTAX_REFUSAL);
      blocks.push(stmtHead === Head.Jail);
      if (stmtHead === Head.Jail) jails++;
      stmtWords = 0;
      stmtHead = Head.None;
      if (!lay) {
        if (recLen === rec.length) rec = grow(rec, 1);
        rec[recLen++] = OPEN;
        continue;
      }
      if (inRun) put(' ');
      else newLine(depth, false); // not reached without a syntax error
      putSrc(start, i);
      depth++;
      afterOpen = true;
      inRun = false;
      pendingContinuation = false;
      physicalEmpty = false;
    } else if (c === 0x7d /* } */) {
      i++;
      backslashWord = -1;
      if (endStatement() || blocks.length === 0) return refuse(src, SYNTAX_REFUSAL);
      if (blocks.pop()) jails--;
      if (!lay) {
        if (recLen === rec.length) rec = grow(rec, 1);
        rec[recLen++] = CLOSE;
        continue;
      }
      depth = Math.max(0, depth - 1);
      newLine(depth, true);
      putSrc(start, i);
      inRun = false;
      pendingContinuation = false;
      physicalEmpty = false;
    } else if (c === 0x5c /* \ */ && (src.charCodeAt(i + 1) === 0x0a || (src.charCodeAt(i + 1) === 0x0d && src.charCodeAt(i + 2) === 0x0a))) {
      // Line continuation: the statement goes on.
      i += src.charCodeAt(i + 1) === 0x0a ? 2 : 3;
      if (!lay) continue;
      backslashWord = -1;
      if (inRun) pendingContinuation = true;
      physicalEmpty = true;
    } else {
      // A word. Plain (no quote, no backslash): its value is its text.
      let plain = true;
      for (; i < n; i++) {
        const d = src.charCodeAt(i);
        if (d === 0x0a || d === 0x20 || d === 0x09 || d === 0x7b || d === 0x7d || d === 0x0d || d === 0x0b || d === 0x0c) break;
        if (d === 0x22 || d === 0x27 || d === 0x5c) {
          plain = false;
          break;
        }
      }
      let quoted = false;
      if (!plain) {
        const w = scanWord(src, start);
        if (w.unterminated) return refuse(src, SYNTAX_REFUSAL);
        i = w.end;
        quoted = w.quoted;
      }
      if (stmtWords === 0) {
        if (plain) {
          const len = i - start;
          if (len === 9 && src.startsWith('namespace', start)) stmtHead = Head.Namespace;
          else if (len === 4 && src.startsWith('jail', start)) stmtHead = Head.Jail;
        } else if (!quoted && i - start >= 4 && i - start <= 18) {
          // Unquoted, every character of the value is one or two (`\x`) of the word.
          const v = wordValue(src, start, i);
          stmtHead = v === 'namespace' ? Head.Namespace : v === 'jail' ? Head.Jail : Head.None;
        }
      } else if (stmtWords === 1 && stmtHead === Head.Namespace) {
        stmtNameOk = isValidNamespaceName(plain ? src.slice(start, i) : wordValue(src, start, i));
      }
      stmtWords++;
      if (!lay) {
        if (recLen + 2 > rec.length) rec = grow(rec, 2);
        rec[recLen++] = start;
        rec[recLen++] = plain ? i : ~i;
        continue;
      }
      const last = src.charCodeAt(i - 1);
      if (last === 0x5c || last === 0x0d) {
        backslashWord = start;
        backslashEnd = i;
      } else backslashWord = -1;

      if (inRun) {
        if (pendingContinuation) put(continuation(depth));
        else put(' ');
      } else {
        newLine(depth, false);
        inRun = true;
      }
      pendingContinuation = false;
      putSrc(start, i);
      physicalEmpty = false;
    }
  }
  if (endStatement() || blocks.length > 0) return refuse(src, SYNTAX_REFUSAL);
  if (!lay) return { text: src, record: rec.subarray(0, recLen) };
  checkBackslashWord();
  if (backslashBad) return refuse(src, BACKSLASH_REFUSAL);
  if (lineOpen) put('\n');

  if (out.length === 0 && runStart === 0 && runEnd === n) return { text: src, record: NO_RECORD };
  flush();
  const text = out;
  // The safety net reads the result again (only when it differs from the input).
  if (text !== src && !sameBlocksAndWords(src, text)) return refuse(src, INTERNAL_REFUSAL);
  return { text, record: rec.subarray(0, recLen) };
}

function refuse(src: string, refusal: string): Layout {
  return { text: src, record: NO_RECORD, refusal };
}

/** A word the plain fast path left: where it ends, as the lexer splits it, and its quote flags. */
function scanWord(text: string, start: number): { end: number; quoted: boolean; unterminated: boolean } {
  const n = text.length;
  let i = start;
  let quoted = false;
  let unterminated = false;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || isBlank(c) || c === 0x7b || c === 0x7d) break;
    if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
      quoted = true;
      i++;
      while (i < n && text.charCodeAt(i) !== c && text.charCodeAt(i) !== 0x0a) {
        if (c === 0x22 && text.charCodeAt(i) === 0x5c && i + 1 < n && '"\\$`'.includes(text[i + 1])) i += 2;
        else i++;
      }
      if (i < n && text.charCodeAt(i) === c) i++;
      else unterminated = true;
      continue;
    }
    if (c === 0x5c /* \ */ && i + 1 < n && text.charCodeAt(i + 1) !== 0x0a) {
      i += 2;
      continue;
    }
    if (c === 0x5c && i + 1 < n) break; // continuation: a token of its own
    i++;
  }
  if (i === start) i++;
  return { end: i, quoted, unterminated };
}

/**
 * The shell value of the word src[start, end) (quotes and escapes removed), as the lexer gives
 * it: inside double quotes only `\"`, `\\`, `\$` and `\`` are escapes.
 */
function wordValue(src: string, start: number, end: number): string {
  let value = '';
  let i = start;
  while (i < end) {
    const c = src.charCodeAt(i);
    if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
      i++;
      while (i < end && src.charCodeAt(i) !== c) {
        if (c === 0x22 && src.charCodeAt(i) === 0x5c && i + 1 < end && '"\\$`'.includes(src[i + 1])) {
          value += src[i + 1];
          i += 2;
        } else value += src[i++];
      }
      i++; // the closing quote (a word with an unterminated quote is a syntax error)
    } else if (c === 0x5c /* \ */ && i + 1 < end) {
      value += src[i + 1];
      i += 2;
    } else value += src[i++];
  }
  return value;
}

/** The word still lexes as the same word when a newline follows it (not as a continuation, not shorter). */
function sameWordBeforeNewline(word: string): boolean {
  const t = word + '\n';
  const continuation = t.charCodeAt(0) === 0x5c && (t.charCodeAt(1) === 0x0a || (t.charCodeAt(1) === 0x0d && t.charCodeAt(2) === 0x0a));
  return !continuation && scanWord(t, 0).end === word.length;
}

/**
 * The edits between consecutive anchors (and before the first / after the last) that differ, of
 * those touching [lo, hi] (end >= lo, start <= hi).
 */
function gapEdits(src: string, out: string, anchors: Int32Array, lo: number, hi: number): TextEdit[] {
  const edits: TextEdit[] = [];
  let origAt = 0;
  let outAt = 0;
  const gap = (origEnd: number, outEnd: number): void => {
    if (origEnd < lo || origAt > hi) return;
    const newText = out.slice(outAt, outEnd);
    if (src.slice(origAt, origEnd) !== newText) edits.push({ start: origAt, end: origEnd, newText });
  };
  for (let k = 0; k < anchors.length; k += 3) {
    const origStart = anchors[k];
    const outStart = anchors[k + 1];
    const len = anchors[k + 2];
    gap(origStart, outStart);
    origAt = origStart + len;
    outAt = outStart + len;
  }
  gap(src.length, out.length);
  return edits;
}

/**
 * Both texts parse without syntax errors and give the same blocks (kind, name, nesting) and the
 * same statements (word values), in the same order: what parse() trees of both would show.
 * Exported for tests.
 */
export function sameBlocksAndWords(a: string, b: string): boolean {
  const x = structure(a);
  const y = x && structure(b);
  if (!x || !y || x.length !== y.length) return false;
  for (let k = 0; k < x.length; ) {
    if (x[k] < 0 || y[k] < 0) {
      if (x[k] !== y[k]) return false;
      k++;
      continue;
    }
    const xs = x[k];
    const xe = x[k + 1];
    const ys = y[k];
    const ye = y[k + 1];
    if (xe >= 0 && ye >= 0) {
      // Plain words are their own values.
      if (!sameText(a, xs, xe, b, ys, ye)) return false;
    } else if (!sameText(a, xs, xe < 0 ? ~xe : xe, b, ys, ye < 0 ? ~ye : ye)) {
      // The same spelling is the same value; another spelling may still be (`"a b"`, `a\ b`).
      if (wordValue(a, xs, xe < 0 ? ~xe : xe) !== wordValue(b, ys, ye < 0 ? ~ye : ye)) return false;
    }
    k += 2;
  }
  return true;
}

/** a[as, ae) and b[bs, be) are the same characters. */
function sameText(a: string, as: number, ae: number, b: string, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let d = 0; d < ae - as; d++) if (a.charCodeAt(as + d) !== b.charCodeAt(bs + d)) return false;
  return true;
}

/** A canonical string of the tree: what the formatter must preserve. Exported for tests. */
export function structureKey(items: ItemNode[]): string {
  const out: string[] = [];
  const walk = (list: ItemNode[]): void => {
    for (const it of list) {
      if (it.kind === 'command') out.push('C' + JSON.stringify(it.words.map((w) => w.value)));
      else {
        out.push(`B${it.kind}:${JSON.stringify(it.name?.value ?? null)}:${it.close ? 'closed' : 'open'}(`);
        walk(it.body);
        out.push(')');
      }
    }
  };
  walk(items);
  return out.join('\n');
}

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
// Safety net: the result is parsed again and must give the same blocks and the same words; if it
// does not (a case the rules above missed), the text is returned unchanged.

import { lex, Token, TokenKind } from '../syntax/lexer';
import { parse } from '../syntax/parser';
import { ItemNode, SourceFile } from '../syntax/tree';

/** Replace original text [start, end) by newText. Offsets are UTF-16 offsets into the original. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

export const INDENT = 4;
export const CONTINUATION_INDENT = 8;

/** Why a text is left as it is, or undefined when it can be formatted. */
export function formatRefusal(text: string): string | undefined {
  return layout(parse(text)).refusal;
}

/** The formatted text (the input itself when it has syntax errors). */
export function formatText(text: string): string {
  const r = layout(parse(text), false);
  return r.refusal ? text : r.text;
}

/** The edits that turn `text` into formatText(text), each one a whitespace gap between two tokens. */
export function formatEdits(text: string): TextEdit[] {
  const r = layout(parse(text));
  return r.refusal ? [] : gapEdits(text, r.text, r.anchors);
}

/**
 * The edits of formatEdits that touch the lines of [start, end) (offsets into text): the
 * indentation, spacing and line breaks in and around those lines. Applying them alone keeps the
 * meaning, as every edit does.
 */
export function formatRange(text: string, start: number, end: number): TextEdit[] {
  const lo = lineStart(text, Math.max(0, Math.min(start, text.length)));
  const hi = lineEnd(text, Math.max(lo, Math.min(end, text.length)));
  return formatEdits(text).filter((e) => e.end >= lo && e.start <= hi);
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

function layout(sf: SourceFile, wantAnchors = true): Layout {
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
    put(indent(INDENT * level));
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
          if (pendingContinuation) put(' \\\n' + indent(INDENT * depth + CONTINUATION_INDENT));
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

// Lexer for topology files: splits text into tokens that together cover every character
// (words, whitespace, newlines, comments, braces, line continuations). Words keep their raw text
// and carry the shell-unquoted value. Never throws; an unterminated quote is a token flag.
// It knows nothing of statements: that is the parser's job.

export const enum TokenKind {
  Word = 0,
  Whitespace = 1,
  Newline = 2,
  Comment = 3,
  LBrace = 4,
  RBrace = 5,
  /** A backslash immediately followed by a newline: the statement continues on the next line. */
  Continuation = 6,
}

export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  text: string;
  /** Word tokens: the value after shell quote removal (`"a b"` -> `a b`). */
  value: string;
  /** Word tokens: a quote opened in this word was never closed. */
  unterminated?: boolean;
  /** Word tokens: some part of the word was quoted. */
  quoted?: boolean;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c;
}

/** Splits `text` into tokens covering it exactly, in order. */
export function lex(text: string): Token[] {
  const tokens: Token[] = [];
  const intern: Interner = new Map();
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const start = i;
    if (c === 0x0a) {
      i++;
      tokens.push({ kind: TokenKind.Newline, start, end: i, text: '\n', value: '' });
    } else if (isSpace(c)) {
      let spaces = c === 0x20;
      i++;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x20) continue;
        if (!isSpace(d)) break;
        spaces = false;
      }
      // Runs of plain spaces (indentation, word separators) share one string per length.
      const t = spaces && i - start < SPACES.length ? SPACES[i - start] : text.slice(start, i);
      tokens.push({ kind: TokenKind.Whitespace, start, end: i, text: t, value: '' });
    } else if (c === 0x23 /* # */) {
      while (i < n && text.charCodeAt(i) !== 0x0a) i++;
      tokens.push({ kind: TokenKind.Comment, start, end: i, text: text.slice(start, i), value: '' });
    } else if (c === 0x7b /* { */) {
      i++;
      tokens.push({ kind: TokenKind.LBrace, start, end: i, text: '{', value: '' });
    } else if (c === 0x7d /* } */) {
      i++;
      tokens.push({ kind: TokenKind.RBrace, start, end: i, text: '}', value: '' });
    } else if (c === 0x5c /* \ */ && (text.charCodeAt(i + 1) === 0x0a || (text.charCodeAt(i + 1) === 0x0d && text.charCodeAt(i + 2) === 0x0a))) {
      i += text.charCodeAt(i + 1) === 0x0a ? 2 : 3;
      tokens.push({ kind: TokenKind.Continuation, start, end: i, text: text.slice(start, i), value: '' });
    } else {
      i = lexWord(text, i, tokens, intern);
    }
  }
  return tokens;
}

/** Strings of 0..32 spaces, shared by whitespace tokens. */
const SPACES: string[] = [];
for (let k = 0; k <= 32; k++) SPACES.push(' '.repeat(k));

/** Short plain words seen so far in this lex: one string per distinct word (`iptables`, `-A`). */
type Interner = Map<string, string>;

/** A shell word: runs until unquoted whitespace, newline, brace or `#` at a word start. */
function lexWord(text: string, start: number, out: Token[], intern?: Interner): number {
  const n = text.length;
  let i = start;
  // Fast path: a plain word (no quote, no backslash) is its own value: one slice, shared.
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x20 || c === 0x09 || c === 0x7b || c === 0x7d || c === 0x0d || c === 0x0b || c === 0x0c) break;
    if (c === 0x22 || c === 0x27 || c === 0x5c) {
      i = -1;
      break;
    }
  }
  if (i > start) {
    let w = text.slice(start, i);
    if (intern && i - start <= 24) {
      const known = intern.get(w);
      if (known !== undefined) w = known;
      else intern.set(w, w);
    }
    out.push({ kind: TokenKind.Word, start, end: i, text: w, value: w });
    return i;
  }
  i = start;
  let value = '';
  let quoted = false;
  let unterminated = false;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || isSpace(c) || c === 0x7b || c === 0x7d) break;
    if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
      quoted = true;
      const q = c;
      i++;
      while (i < n && text.charCodeAt(i) !== q && text.charCodeAt(i) !== 0x0a) {
        if (q === 0x22 && text.charCodeAt(i) === 0x5c && i + 1 < n && '"\\$`'.includes(text[i + 1])) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        value += text[i];
        i++;
      }
      if (i < n && text.charCodeAt(i) === q) i++;
      else unterminated = true;
      continue;
    }
    if (c === 0x5c /* \ */ && i + 1 < n && text.charCodeAt(i + 1) !== 0x0a) {
      value += text[i + 1];
      i += 2;
      continue;
    }
    if (c === 0x5c && i + 1 < n) break; // continuation: lexed separately
    value += text[i];
    i++;
  }
  if (i === start) i++; // defensive: always make progress
  const tok: Token = { kind: TokenKind.Word, start, end: i, text: text.slice(start, i), value };
  if (quoted) tok.quoted = true;
  if (unterminated) tok.unterminated = true;
  out.push(tok);
  return i;
}

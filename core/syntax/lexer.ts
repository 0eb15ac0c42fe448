// Lexer for topology files: splits text into tokens that together cover every character
// (words, whitespace, newlines, comments, braces, line continuations). Words keep their raw text
// and carry the shell-unquoted value. Never throws; an unterminated quote is a token flag.
// Also owns the one word scanner (`scanWordInto`, with its string interner) and the word table
// it fills (`WordTable`, which the parser's tree keeps), so the parser's words and the lossless
// token list's words are made by the same code; and `lexComments`, the comment tokens alone.
// It knows nothing of statements: that is the parser's job.

/** Word flags (WordTable.flags): some part was quoted; a quote was never closed. */
export const WORD_QUOTED = 1;
export const WORD_UNTERMINATED = 2;
/** The raw text may differ from the value (the word went through quote or escape removal). */
export const WORD_RAW = 4;

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

/** Blanks that separate words on a line (space, tab, CR, VT, FF); the newline is not one of them. */
export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c;
}

/** Length of a line continuation (`\` + LF, or `\` + CR LF) at `i`, 0 if there is none. */
export function continuationAt(text: string, i: number): number {
  if (text.charCodeAt(i) !== 0x5c) return 0;
  const d = text.charCodeAt(i + 1);
  if (d === 0x0a) return 2;
  return d === 0x0d && text.charCodeAt(i + 2) === 0x0a ? 3 : 0;
}

/** Splits `text` into tokens covering it exactly, in order. */
export function lex(text: string): Token[] {
  const tokens: Token[] = [];
  // The words go through the parser's own scanner and table, so both make the same words.
  const words = new WordTable(text, Math.max(64, Math.ceil(text.length / 6)));
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
      i = text.indexOf('\n', i);
      if (i < 0) i = n;
      tokens.push({ kind: TokenKind.Comment, start, end: i, text: text.slice(start, i), value: '' });
    } else if (c === 0x7b /* { */) {
      i++;
      tokens.push({ kind: TokenKind.LBrace, start, end: i, text: '{', value: '' });
    } else if (c === 0x7d /* } */) {
      i++;
      tokens.push({ kind: TokenKind.RBrace, start, end: i, text: '}', value: '' });
    } else if (c === 0x5c /* \ */ && continuationAt(text, i) > 0) {
      i += continuationAt(text, i);
      tokens.push({ kind: TokenKind.Continuation, start, end: i, text: text.slice(start, i), value: '' });
    } else {
      const at = words.count;
      i = scanWordInto(text, i, words);
      tokens.push(words.token(at));
    }
  }
  return tokens;
}

/**
 * The comment tokens of `text`, equal to those lex(text) has, without making any other token:
 * for readers that want only the comments (folding, semantic tokens) of a large file.
 */
export function lexComments(text: string): Token[] {
  const out: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || isSpace(c) || c === 0x7b || c === 0x7d) i++;
    else if (c === 0x23 /* # */) {
      const start = i;
      i = text.indexOf('\n', i);
      if (i < 0) i = n;
      out.push({ kind: TokenKind.Comment, start, end: i, text: text.slice(start, i), value: '' });
    } else if (c === 0x5c /* \ */ && continuationAt(text, i) > 0) i += continuationAt(text, i);
    else i = wordEnd(text, i);
  }
  return out;
}

/** Strings of 0..32 spaces, shared by whitespace tokens. */
const SPACES: string[] = [];
for (let k = 0; k <= 32; k++) SPACES.push(' '.repeat(k));

/** Words up to this length are interned. */
const INTERN_MAX = 24;

/**
 * One string per distinct short word of a text (`iptables`, `-A`, `ACCEPT`), numbered in order of
 * first sight: an open-addressing table keyed by a hash the scanner computes as it reads the word,
 * so a word seen before costs no new string at all (no slice, no garbage). Longer words get a
 * number of their own each time. Lives for one lex, or as long as the word table that owns it.
 */
export class Interner {
  /** The strings by number. */
  readonly strings: string[] = [];
  private keys: Array<string | undefined> = new Array(1024).fill(undefined);
  private hashes = new Int32Array(1024);
  private ids = new Int32Array(1024);
  private mask = 1023;
  private size = 0;

  /** The number of the string equal to text[start, end), whose hash (see scanWordInto) is `h`. */
  id(text: string, start: number, end: number, h: number): number {
    const len = end - start;
    if (len > INTERN_MAX) return this.strings.push(text.slice(start, end)) - 1;
    const keys = this.keys;
    const mask = this.mask;
    let at = h & mask;
    for (;;) {
      const k = keys[at];
      if (k === undefined) break;
      if (this.hashes[at] === h && k.length === len) {
        let j = 0;
        while (j < len && k.charCodeAt(j) === text.charCodeAt(start + j)) j++;
        if (j === len) return this.ids[at];
      }
      at = (at + 1) & mask;
    }
    const s = text.slice(start, end);
    const id = this.strings.push(s) - 1;
    keys[at] = s;
    this.hashes[at] = h;
    this.ids[at] = id;
    if (++this.size * 2 > mask) this.grow();
    return id;
  }

  /** The number of a string (interned like a word of that text). */
  idOf(s: string): number {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
    return this.id(s, 0, s.length, h);
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldHashes = this.hashes;
    const oldIds = this.ids;
    const cap = oldKeys.length * 2;
    this.keys = new Array(cap).fill(undefined);
    this.hashes = new Int32Array(cap);
    this.ids = new Int32Array(cap);
    this.mask = cap - 1;
    for (let a = 0; a < oldKeys.length; a++) {
      const k = oldKeys[a];
      if (k === undefined) continue;
      let at = oldHashes[a] & this.mask;
      while (this.keys[at] !== undefined) at = (at + 1) & this.mask;
      this.keys[at] = k;
      this.hashes[at] = oldHashes[a];
      this.ids[at] = oldIds[a];
    }
  }
}

/**
 * Appends to `table` the shell word starting at `start` (which is not a blank, newline, brace, `#`
 * or continuation) and returns where it ends: it runs until unquoted whitespace, newline or brace;
 * a quote runs to its closing quote or to the end of the line (then the word is `unterminated`);
 * `\` escapes the next character, except a newline (a continuation, left for the caller). Always
 * at least one character. A plain word (no quote, no backslash) is its own value: one interned
 * string, hashed as it is read.
 */
export function scanWordInto(text: string, start: number, table: WordTable): number {
  const n = text.length;
  let i = start;
  let h = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20) {
      if (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c) break;
    } else if (c === 0x7b || c === 0x7d) break;
    else if (c === 0x22 || c === 0x27 || c === 0x5c) {
      const w = quotedWord(text, start);
      table.push(w.start, w.end, table.intern.idOf(w.value), (w.quoted ? WORD_QUOTED : 0) | (w.unterminated ? WORD_UNTERMINATED : 0) | WORD_RAW);
      return w.end;
    }
    h = (Math.imul(h, 31) + c) | 0;
  }
  if (i === start) {
    const w = quotedWord(text, start);
    table.push(w.start, w.end, table.intern.idOf(w.value), (w.quoted ? WORD_QUOTED : 0) | (w.unterminated ? WORD_UNTERMINATED : 0) | WORD_RAW);
    return w.end;
  }
  table.push(start, i, table.intern.id(text, start, i, h), 0);
  return i;
}

/** Where the word scanWordInto(text, start) would add ends, without adding it. */
function wordEnd(text: string, start: number): number {
  const n = text.length;
  let i = start;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20) {
      if (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c) break;
    } else if (c === 0x7b || c === 0x7d) break;
    else if (c === 0x22 || c === 0x27 || c === 0x5c) return quotedWord(text, start).end;
  }
  return i === start ? quotedWord(text, start).end : i;
}

/** The slow path of scanWordInto: quote removal and escapes, character by character. */
function quotedWord(text: string, start: number): Token {
  const n = text.length;
  let i = start;
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
  return tok;
}

/**
 * The words of a file in file order, in parallel arrays: start and end offsets, the number of the
 * shell-unquoted value among `intern.strings` (a word seen before is the same string), flags. The
 * raw text of a word is text.slice(start, end); for a plain word it is its value. The arrays have
 * room for more than `count` words (entries past it mean nothing). Typed arrays: a large file's
 * words cost the garbage collector nothing to keep.
 */
export class WordTable {
  count = 0;
  start: Int32Array;
  end: Int32Array;
  flags: Uint8Array;
  vid: Int32Array;
  readonly intern = new Interner();

  constructor(public text: string, capacity = 64) {
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.vid = new Int32Array(capacity);
  }

  /** Appends a word whose value is string number `vid`; returns its index. */
  push(start: number, end: number, vid: number, flags: number): number {
    const i = this.count++;
    if (i === this.start.length) this.grow(i + (i >> 1) + 16);
    this.start[i] = start;
    this.end[i] = end;
    this.flags[i] = flags;
    this.vid[i] = vid;
    return i;
  }

  /** The value of word i. */
  value(i: number): string {
    return this.intern.strings[this.vid[i]];
  }

  /** Makes room for `capacity` words. */
  grow(capacity: number): void {
    const n = this.count;
    this.start = moved(new Int32Array(capacity), this.start, n);
    this.end = moved(new Int32Array(capacity), this.end, n);
    this.flags = moved(new Uint8Array(capacity), this.flags, n);
    this.vid = moved(new Int32Array(capacity), this.vid, n);
  }

  /** A new token for word i, equal to the lexer's token for it. */
  token(i: number): Token {
    const f = this.flags[i];
    const start = this.start[i];
    const end = this.end[i];
    const value = this.intern.strings[this.vid[i]];
    if (f === 0) return { kind: TokenKind.Word, start, end, text: value, value };
    const tok: Token = { kind: TokenKind.Word, start, end, text: this.text.slice(start, end), value };
    if (f & WORD_QUOTED) tok.quoted = true;
    if (f & WORD_UNTERMINATED) tok.unterminated = true;
    return tok;
  }

  /** New tokens for words first .. first+count-1, to be kept (the tree's own). */
  tokens(first: number, count: number): Token[] {
    const out: Token[] = new Array(count);
    for (let k = 0; k < count; k++) out[k] = this.token(first + k);
    return out;
  }

  /**
   * New tokens for words first .. first+count-1 that the caller drops soon (a model run's argv).
   * The same as tokens(), from a separate object literal on purpose: the engine decides per
   * literal whether its objects are born old (it has seen them survive), and the kept tokens of
   * `tokens()` would teach it that for these short-lived ones too, making each cost a full GC.
   */
  freshTokens(first: number, count: number): Token[] {
    const out: Token[] = new Array(count);
    const strings = this.intern.strings;
    for (let k = 0; k < count; k++) {
      const i = first + k;
      const value = strings[this.vid[i]];
      out[k] = this.flags[i] === 0 ? { kind: TokenKind.Word, start: this.start[i], end: this.end[i], text: value, value } : this.token(i);
    }
    return out;
  }
}

/** `to` with the first n entries of `from`. */
function moved<A extends Int32Array | Uint8Array>(to: A, from: A, n: number): A {
  to.set(from.subarray(0, n));
  return to;
}

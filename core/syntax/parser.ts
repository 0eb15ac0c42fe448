// Parser: text -> blocks and commands. Never throws; every error is a diagnostic beside the
// tree, reported once, and parsing goes on (a bad block header becomes an ordinary line, a stray
// `}` is skipped, an unclosed block ends at end of file). A statement is the words of one line;
// `\` at the end of a line continues it. It does not interpret the words of commands.
// It reads the characters itself and makes only what the tree keeps: the words go into one word
// table (offsets and interned values, by the lexer's own word scanner), blocks get their brace
// tokens; blanks, newlines, continuations and comments are stepped over, and the full token list
// is left to SourceFile.tokens, made on first read.

import { diagnose } from '../diagnostics/catalogue';
import type { Diagnostic } from '../diagnostics/types';
import { continuationAt, scanWordInto, Token, TokenKind, WORD_QUOTED, WORD_UNTERMINATED } from './lexer';
import { BlockNode, Command, ItemNode, makeSourceFile, SourceFile, WordTable } from './tree';
import { keepLayout } from '../util/keep-layout';

const NAMESPACE_NAME = /^[A-Za-z0-9_.-]+$/;

export function isValidNamespaceName(name: string): boolean {
  return NAMESPACE_NAME.test(name) && name !== '.' && name !== '..' && name.length <= 255;
}

export function parse(text: string): SourceFile {
  const p = new Parser(text);
  const items = p.parseFile();
  return makeSourceFile(text, items, p.errors, p.lineStarts);
}

class Parser {
  readonly errors: Diagnostic[] = [];
  /** Offsets at which each line starts, found on the way. */
  readonly lineStarts: number[] = [0];
  /** Every word of the file, in order. */
  readonly table: WordTable;
  private nextId = 0;
  private readonly root: ItemNode[] = [];
  private readonly stack: BlockNode[] = [];
  /**
   * The current logical line (a reused buffer): per element, a word's index in the table, or a
   * brace as -1 - 2*offset ({) or -2 - 2*offset (}); and how many there are.
   */
  private readonly line: number[] = [];
  private count = 0;

  constructor(private readonly text: string) {
    // Room for one word per 6 characters: the bench file has one per 6.9, commented files fewer.
    this.table = new WordTable(text, Math.max(64, Math.ceil(text.length / 6)));
  }

  parseFile(): ItemNode[] {
    const text = this.text;
    const n = text.length;
    const lineStarts = this.lineStarts;
    const line = this.line;
    const table = this.table;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) {
        i++;
        lineStarts.push(i);
        if (this.count) this.endLine();
      } else if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c) {
        i++;
      } else if (c === 0x23 /* # */) {
        i = text.indexOf('\n', i); // a comment runs to the end of the line
        if (i < 0) i = n;
      } else if (c === 0x7b /* { */) {
        line[this.count++] = -1 - 2 * i;
        i++;
      } else if (c === 0x7d /* } */) {
        line[this.count++] = -2 - 2 * i;
        i++;
      } else if (c === 0x5c /* \ */ && continuationAt(text, i) > 0) {
        i += continuationAt(text, i); // the line goes on
        lineStarts.push(i);
      } else {
        line[this.count++] = table.count;
        i = scanWordInto(text, i, table);
      }
    }
    if (this.count) this.endLine();
    const stack = this.stack;
    for (let s = stack.length - 1; s >= 0; s--) {
      const b = stack[s];
      this.report('unclosedBlock', b.keyword, b.kind === 'jail' ? `jail ${b.name?.value ?? ''}`.trim() : `namespace ${b.name?.value ?? ''}`.trim());
      b.end = n;
    }
    return this.root;
  }

  /** Turns the words and braces of one logical line into blocks and commands. */
  private endLine(): void {
    const line = this.line;
    const count = this.count;
    const stack = this.stack;
    const table = this.table;
    this.count = 0;
    let k = 0;
    while (k < count) {
      const el = line[k];
      if (el < 0) {
        // A brace: -1 - 2*offset for {, -2 - 2*offset for }.
        const at = (-el - 1) >> 1;
        const tok = braceToken(el, at);
        if (tok.kind === TokenKind.RBrace) {
          const block = stack.pop();
          if (block) {
            block.close = tok;
            block.end = tok.end;
          } else this.report('unmatchedCloseBrace', tok);
        } else this.report('unexpectedOpenBrace', tok);
        k++;
        continue;
      }
      // Words up to the next brace form one statement (consecutive entries of the table).
      let e = k + 1;
      while (e < count && line[e] >= 0) e++;
      const nWords = e - k;
      const braceEl = e < count && line[e] < 0 && (line[e] & 1) !== 0 ? line[e] : 0;
      const head = table.value(el);
      if ((head === 'namespace' || head === 'jail') && (table.flags[el] & WORD_QUOTED) === 0 && (braceEl !== 0 || nWords <= 2)) {
        const brace = braceEl !== 0 ? braceToken(braceEl, (-braceEl - 1) >> 1) : undefined;
        const block = this.blockHeader(head, table.tokens(el, nWords), brace);
        if (block) {
          (stack.length ? stack[stack.length - 1].body : this.root).push(block);
          stack.push(block);
          k = brace ? e + 1 : e;
          continue;
        }
      }
      for (let w = el; w < el + nWords; w++) {
        if (table.flags[w] & WORD_UNTERMINATED) this.errors.push(diagnose('unterminatedQuote', table.start[w], table.end[w]));
      }
      const cmd = new Command(this.nextId++, table.start[el], table.end[el + nWords - 1], el, nWords, table);
      (stack.length ? stack[stack.length - 1].body : this.root).push(cmd);
      k = e;
    }
  }

  /** Builds a block from `namespace NAME {` / `jail ADDR {`; undefined to treat the line as a command. */
  private blockHeader(kind: 'namespace' | 'jail', words: Token[], brace: Token | undefined): BlockNode | undefined {
    const keyword = words[0];
    if (!brace) {
      this.report('expectedOpenBrace', keyword, kind);
      return undefined;
    }
    const stack = this.stack;
    const name = words[1] as Token | undefined;
    if (!name) this.report('expectedBlockName', keyword, kind);
    for (let w = 2; w < words.length; w++) this.report('extraBlockArguments', words[w], kind);
    if (kind === 'namespace') {
      if (stack.length) this.report('nestedNamespace', keyword, describe(stack[stack.length - 1]));
      else if (name && !isValidNamespaceName(name.value)) this.report('invalidNamespaceName', name, name.value);
    } else if (stack.some((b) => b.kind === 'jail')) this.report('nestedJail', keyword);
    for (const w of words) if (w.unterminated) this.report('unterminatedQuote', w);
    return blockNode(kind, this.nextId++, keyword, name, brace);
  }

  private report(key: Parameters<typeof diagnose>[0], tok: Token, ...args: string[]): void {
    this.errors.push(diagnose(key, tok.start, tok.end, ...args));
  }
}

// One parser per parse, gone after it: one kept keeps their layout (util/keep-layout.ts).
keepLayout(new Parser(''));

/** A block as its header makes it: every field up front (the closing brace comes later). */
function blockNode(kind: 'namespace' | 'jail', id: number, keyword: Token, name: Token | undefined, open: Token): BlockNode {
  return { kind, id, keyword, name, open, close: undefined, body: [], start: keyword.start, end: open.end };
}

// Blocks live as long as their tree: one kept keeps their layout when no tree is left.
keepLayout(blockNode('namespace', 0, braceToken(1, 0), undefined, braceToken(1, 0)));

/** The token of a brace line element (see Parser.line) at offset `at`. */
function braceToken(el: number, at: number): Token {
  return (el & 1) !== 0
    ? { kind: TokenKind.LBrace, start: at, end: at + 1, text: '{', value: '' }
    : { kind: TokenKind.RBrace, start: at, end: at + 1, text: '}', value: '' };
}

function describe(b: BlockNode): string {
  return `${b.kind} ${b.name?.value ?? ''}`.trim();
}

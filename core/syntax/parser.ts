// Parser: text -> blocks and commands. Never throws; every error is a diagnostic beside the
// tree, reported once, and parsing goes on (a bad block header becomes an ordinary line, a stray
// `}` is skipped, an unclosed block ends at end of file). A statement is the words of one line;
// `\` at the end of a line continues it. It does not interpret the words of commands.
// It reads the characters itself and makes only what the tree keeps (word tokens, by the lexer's
// own scanWord, and brace tokens): blanks, newlines, continuations and comments are stepped over,
// and the full token list is left to SourceFile.tokens, made on first read.

import { diagnose } from '../diagnostics/catalogue';
import type { Diagnostic } from '../diagnostics/types';
import { continuationAt, Interner, scanWord, Token, TokenKind } from './lexer';
import { BlockNode, CommandNode, ItemNode, makeSourceFile, SourceFile } from './tree';

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
  private nextId = 0;
  private readonly root: ItemNode[] = [];
  private readonly stack: BlockNode[] = [];
  /** The words and braces of the current logical line (a reused buffer) and how many there are. */
  private readonly line: Token[] = [];
  private count = 0;

  constructor(private readonly text: string) {}

  parseFile(): ItemNode[] {
    const text = this.text;
    const n = text.length;
    const lineStarts = this.lineStarts;
    const line = this.line;
    const intern = new Interner();
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
        line[this.count++] = { kind: TokenKind.LBrace, start: i, end: i + 1, text: '{', value: '' };
        i++;
      } else if (c === 0x7d /* } */) {
        line[this.count++] = { kind: TokenKind.RBrace, start: i, end: i + 1, text: '}', value: '' };
        i++;
      } else if (c === 0x5c /* \ */ && continuationAt(text, i) > 0) {
        i += continuationAt(text, i); // the line goes on
        lineStarts.push(i);
      } else {
        const w = scanWord(text, i, intern);
        line[this.count++] = w;
        i = w.end;
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
    this.count = 0;
    let k = 0;
    while (k < count) {
      const tok = line[k];
      if (tok.kind === TokenKind.RBrace) {
        const block = stack.pop();
        if (block) {
          block.close = tok;
          block.end = tok.end;
        } else this.report('unmatchedCloseBrace', tok);
        k++;
        continue;
      }
      if (tok.kind === TokenKind.LBrace) {
        this.report('unexpectedOpenBrace', tok);
        k++;
        continue;
      }
      // Words up to the next brace form one statement.
      let e = k + 1;
      while (e < count && line[e].kind === TokenKind.Word) e++;
      const words = line.slice(k, e);
      const brace = e < count && line[e].kind === TokenKind.LBrace ? line[e] : undefined;
      const head = tok.value;
      if ((head === 'namespace' || head === 'jail') && !tok.quoted && (brace !== undefined || words.length <= 2)) {
        const block = this.blockHeader(head, words, brace);
        if (block) {
          (stack.length ? stack[stack.length - 1].body : this.root).push(block);
          stack.push(block);
          k = brace ? e + 1 : e;
          continue;
        }
      }
      for (const w of words) if (w.unterminated) this.report('unterminatedQuote', w);
      const cmd: CommandNode = { kind: 'command', id: this.nextId++, words, start: tok.start, end: line[e - 1].end };
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
    return { kind, id: this.nextId++, keyword, name, open: brace, body: [], start: keyword.start, end: brace.end };
  }

  private report(key: Parameters<typeof diagnose>[0], tok: Token, ...args: string[]): void {
    this.errors.push(diagnose(key, tok.start, tok.end, ...args));
  }
}

function describe(b: BlockNode): string {
  return `${b.kind} ${b.name?.value ?? ''}`.trim();
}

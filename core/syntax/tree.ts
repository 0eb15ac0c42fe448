// The syntax tree of a topology file. Nodes: namespace and jail blocks and commands (one line of
// words); blocks hold their keyword, name and brace tokens, commands a range of the file's word
// table (offsets and values in shared arrays: no object per word until someone asks for the word
// tokens). Lossless: the file's token list (SourceFile.tokens, made by the lexer on first use and
// kept) covers every character, so printing it gives back the exact input. What a command's words
// mean is the model's business, not the tree's.

import type { Diagnostic } from '../diagnostics/types';
import { keepLayout } from '../util/keep-layout';
import { lazyProperty } from '../util/lazy';
import { lex, Token, TokenKind, WordTable } from './lexer';

export { WORD_QUOTED, WORD_RAW, WORD_UNTERMINATED, WordTable } from './lexer';

export interface CommandNode {
  readonly kind: 'command';
  /** Position of this statement among all statements of the file (file order). */
  id: number;
  /**
   * The word tokens of the command (continuations and whitespace left out): made from the word
   * table on first read and kept (a reparse moves them with the command).
   */
  readonly words: Token[];
  start: number;
  end: number;
  /** The command's words are entries first .. first+count-1 of `table`. */
  first: number;
  count: number;
  table: WordTable;
  /** Value of word k (0-based) without making any token. */
  valueAt(k: number): string;
  /**
   * The word tokens: the kept ones when someone has read `words`, else fresh ones that nothing
   * keeps (for a reader that uses them once and would rather not hold 10 objects per line).
   */
  freshWords(): Token[];
  /** The kept token of word k alone (the one `words` holds), for a fact that outlives a run. */
  wordAt(k: number): Token;
}

export interface BlockNode {
  kind: 'namespace' | 'jail';
  id: number;
  keyword: Token;
  /** The name (namespace) or address (jail); undefined when missing. */
  name?: Token;
  open?: Token;
  close?: Token;
  body: ItemNode[];
  start: number;
  /** Offset after the closing brace; the end of the text when the block is unclosed. */
  end: number;
}

export type ItemNode = CommandNode | BlockNode;


/** A command node over a word table. */
export class Command implements CommandNode {
  readonly kind = 'command' as const;
  /** The kept word tokens made so far (holes for words nobody asked for), and whether all are. */
  private kept: Token[] | undefined = undefined;
  private complete = false;

  constructor(
    public id: number,
    public start: number,
    public end: number,
    public first: number,
    public count: number,
    public table: WordTable,
  ) {}

  get words(): Token[] {
    if (this.complete) return this.kept!;
    const kept = this.kept;
    if (!kept) this.kept = this.table.tokens(this.first, this.count);
    else for (let k = 0; k < this.count; k++) kept[k] ??= this.table.token(this.first + k);
    this.complete = true;
    return this.kept!;
  }

  /** The kept token of word k (the one `words` will hold), made alone when the others are not needed. */
  wordAt(k: number): Token {
    if (this.complete) return this.kept![k];
    const kept = (this.kept ??= new Array(this.count));
    return (kept[k] ??= this.table.token(this.first + k));
  }

  /** The kept tokens made so far, holes for the others (a reparse moves them with the command). */
  keptWords(): Token[] | undefined {
    return this.kept;
  }

  valueAt(k: number): string {
    return this.complete ? this.kept![k].value : this.table.value(this.first + k);
  }

  /** Keeps the word tokens: for a command a reparse takes out of the tree, whose table entries go. */
  detach(): void {
    void this.words;
  }

  freshWords(): Token[] {
    return this.complete ? this.kept! : this.table.freshTokens(this.first, this.count);
  }

  /** Plain data for JSON (the table is the file's, not the command's). */
  toJSON(): unknown {
    return { kind: this.kind, id: this.id, words: this.words, start: this.start, end: this.end };
  }
}

// Commands live as long as their tree: one kept keeps their layout when no tree is left (util/keep-layout.ts).
/** The kept command (an empty one), also what other kept objects that need a command hold. */
export const KEPT_COMMAND: Command = keepLayout(new Command(0, 0, 0, 0, 0, new WordTable('')));

export interface SourceFile {
  text: string;
  /**
   * Every token of the text, trivia included (`lex(text)`): made on first read and kept. Its word
   * tokens are equal to (not the same objects as) the words of the tree.
   */
  tokens: Token[];
  /** The blocks and commands (the commands' words are in a WordTable they share). */
  items: ItemNode[];
  /** Syntax errors, each reported once, beside the tree. */
  errors: Diagnostic[];
  /** Offsets at which each line starts (line 0 at offset 0). */
  lineStarts: number[];
}

/**
 * A SourceFile over `text` whose `tokens` are lexed on first read (then kept; assigning replaces
 * them). `items`, `errors` and `lineStarts` must be those of `text`.
 */
export function makeSourceFile(text: string, items: ItemNode[], errors: Diagnostic[], lineStarts: number[]): SourceFile {
  // `tokens` keeps its place among the keys (second), as in a plain SourceFile.
  const sf: SourceFile = { text, tokens: [], items, errors, lineStarts };
  lazyProperty(sf, 'tokens', () => lex(text));
  return sf;
}

/** Prints the file back from its tokens: always equal to the parsed text. */
export function printTokens(tokens: Token[]): string {
  let s = '';
  for (const t of tokens) s += t.text;
  return s;
}

/** Visits every command in file order, with the stack of enclosing blocks (outermost first). */
export function forEachCommand(items: ItemNode[], fn: (cmd: CommandNode, blocks: BlockNode[]) => void, blocks: BlockNode[] = []): void {
  for (const item of items) {
    if (item.kind === 'command') fn(item, blocks);
    else {
      blocks.push(item);
      forEachCommand(item.body, fn, blocks);
      blocks.pop();
    }
  }
}

/** Visits every block in file order. */
export function forEachBlock(items: ItemNode[], fn: (block: BlockNode, outer: BlockNode[]) => void, outer: BlockNode[] = []): void {
  for (const item of items) {
    if (item.kind === 'command') continue;
    fn(item, outer);
    outer.push(item);
    forEachBlock(item.body, fn, outer);
    outer.pop();
  }
}

export function isTrivia(t: Token): boolean {
  return t.kind === TokenKind.Whitespace || t.kind === TokenKind.Comment || t.kind === TokenKind.Continuation;
}

/** Line starts of a text (for offset <-> line/column conversion at the edges). */
export function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x0a) starts.push(i + 1);
  return starts;
}

/** 0-based line and UTF-16 column of an offset. */
export function offsetToPosition(lineStarts: number[], offset: number): { line: number; character: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - lineStarts[lo] };
}

/** Offset of a 0-based line/character, clamped into the text. */
export function positionToOffset(lineStarts: number[], textLength: number, line: number, character: number): number {
  if (line < 0) return 0;
  if (line >= lineStarts.length) return textLength;
  const lineEnd = line + 1 < lineStarts.length ? lineStarts[line + 1] - 1 : textLength;
  return Math.min(lineStarts[line] + Math.max(0, character), lineEnd);
}

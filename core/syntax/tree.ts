// The syntax tree of a topology file. Nodes: namespace and jail blocks and commands (one line of
// words); they hold their word and brace tokens and their offsets. Lossless: the file's token list
// (SourceFile.tokens, made by the lexer on first use and kept) covers every character, so printing
// it gives back the exact input. What a command's words mean is the model's business, not the tree's.

import type { Diagnostic } from '../diagnostics/types';
import { lazyProperty } from '../util/lazy';
import { lex, Token, TokenKind } from './lexer';

export interface CommandNode {
  kind: 'command';
  /** Position of this statement among all statements of the file (file order). */
  id: number;
  /** The word tokens of the command (continuations and whitespace left out). */
  words: Token[];
  start: number;
  end: number;
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

export interface SourceFile {
  text: string;
  /**
   * Every token of the text, trivia included (`lex(text)`): made on first read and kept. Its word
   * tokens are equal to (not the same objects as) the words of the tree.
   */
  tokens: Token[];
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

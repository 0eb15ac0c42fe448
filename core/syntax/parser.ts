// Parser: tokens -> blocks and commands. Never throws; every error is a diagnostic beside the
// tree, reported once, and parsing goes on (a bad block header becomes an ordinary line, a stray
// `}` is skipped, an unclosed block ends at end of file). A statement is the words of one line;
// `\` at the end of a line continues it. It does not interpret the words of commands.

import { diagnose } from '../diagnostics/catalogue';
import type { Diagnostic } from '../diagnostics/types';
import { lex, Token, TokenKind } from './lexer';
import { BlockNode, CommandNode, computeLineStarts, ItemNode, SourceFile } from './tree';

const NAMESPACE_NAME = /^[A-Za-z0-9_.-]+$/;

export function isValidNamespaceName(name: string): boolean {
  return NAMESPACE_NAME.test(name) && name !== '.' && name !== '..' && name.length <= 255;
}

export function parse(text: string): SourceFile {
  const tokens = lex(text);
  const p = new Parser(text, tokens);
  const items = p.parseFile();
  return { text, tokens, items, errors: p.errors, lineStarts: computeLineStarts(text) };
}

/** One logical line: the token indexes of its meaningful tokens (words and braces), in a reused buffer. */
interface Line {
  idx: number[];
  count: number;
}

class Parser {
  readonly errors: Diagnostic[] = [];
  private pos = 0;
  private nextId = 0;
  private readonly line: Line = { idx: [], count: 0 };

  constructor(private readonly text: string, private readonly tokens: Token[]) {}

  parseFile(): ItemNode[] {
    const root: ItemNode[] = [];
    const stack: BlockNode[] = [];
    const tokens = this.tokens;
    const line = this.line;
    while (this.nextLine()) {
      let k = 0;
      const idx = line.idx;
      const count = line.count;
      while (k < count) {
        const index = idx[k];
        const tok = tokens[index];
        if (tok.kind === TokenKind.RBrace) {
          const block = stack.pop();
          if (block) {
            block.close = tok;
            block.end = tok.end;
            block.lastToken = index;
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
        let e = k;
        while (e < count && tokens[idx[e]].kind === TokenKind.Word) e++;
        const words: Token[] = new Array(e - k);
        for (let w = k; w < e; w++) words[w - k] = tokens[idx[w]];
        const braceIndex = e < count && tokens[idx[e]].kind === TokenKind.LBrace ? idx[e] : -1;
        const head = words[0].value;
        if ((head === 'namespace' || head === 'jail') && !words[0].quoted && (braceIndex >= 0 || words.length <= 2)) {
          const block = this.blockHeader(head, words, idx[k], braceIndex, stack);
          if (block) {
            (stack.length ? stack[stack.length - 1].body : root).push(block);
            stack.push(block);
            k = braceIndex >= 0 ? e + 1 : e;
            continue;
          }
        }
        for (const w of words) if (w.unterminated) this.report('unterminatedQuote', w);
        const cmd: CommandNode = {
          kind: 'command',
          id: this.nextId++,
          words,
          start: words[0].start,
          end: words[words.length - 1].end,
          firstToken: idx[k],
          lastToken: idx[e - 1],
        };
        (stack.length ? stack[stack.length - 1].body : root).push(cmd);
        k = e;
      }
    }
    for (let i = stack.length - 1; i >= 0; i--) {
      const b = stack[i];
      this.report('unclosedBlock', b.keyword, b.kind === 'jail' ? `jail ${b.name?.value ?? ''}`.trim() : `namespace ${b.name?.value ?? ''}`.trim());
      b.end = this.text.length;
      b.lastToken = this.tokens.length - 1;
    }
    return root;
  }

  /** Builds a block from `namespace NAME {` / `jail ADDR {`; undefined to treat the line as a command. */
  private blockHeader(
    kind: 'namespace' | 'jail',
    words: Token[],
    firstIndex: number,
    braceIndex: number,
    stack: BlockNode[],
  ): BlockNode | undefined {
    const keyword = words[0];
    if (braceIndex < 0) {
      this.report('expectedOpenBrace', keyword, kind);
      return undefined;
    }
    const brace = this.tokens[braceIndex];
    const name = words[1] as Token | undefined;
    if (!name) this.report('expectedBlockName', keyword, kind);
    for (let w = 2; w < words.length; w++) this.report('extraBlockArguments', words[w], kind);
    if (kind === 'namespace') {
      if (stack.length) this.report('nestedNamespace', keyword, describe(stack[stack.length - 1]));
      else if (name && !isValidNamespaceName(name.value)) this.report('invalidNamespaceName', name, name.value);
    } else if (stack.some((b) => b.kind === 'jail')) this.report('nestedJail', keyword);
    for (const w of words) if (w.unterminated) this.report('unterminatedQuote', w);
    return {
      kind,
      id: this.nextId++,
      keyword,
      name,
      open: brace,
      body: [],
      start: keyword.start,
      end: brace.end,
      firstToken: firstIndex,
      lastToken: braceIndex,
    };
  }

  /** Fills this.line with the next line that has at least one word or brace; false at end of input. */
  private nextLine(): boolean {
    const tokens = this.tokens;
    const line = this.line;
    const n = tokens.length;
    while (this.pos < n) {
      let count = 0;
      let pos = this.pos;
      for (; pos < n; pos++) {
        const kind = tokens[pos].kind;
        if (kind === TokenKind.Newline) break;
        if (kind === TokenKind.Word || kind === TokenKind.LBrace || kind === TokenKind.RBrace) line.idx[count++] = pos;
      }
      this.pos = pos < n ? pos + 1 : pos; // past the newline
      if (count) {
        line.count = count;
        return true;
      }
    }
    return false;
  }

  private report(key: Parameters<typeof diagnose>[0], tok: Token, ...args: string[]): void {
    this.errors.push(diagnose(key, tok.start, tok.end, ...args));
  }
}

function describe(b: BlockNode): string {
  return `${b.kind} ${b.name?.value ?? ''}`.trim();
}

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

/** One logical line: its meaningful tokens (words and braces) and the token index span. */
interface Line {
  toks: Array<{ tok: Token; index: number }>;
  first: number;
  last: number;
}

class Parser {
  readonly errors: Diagnostic[] = [];
  private pos = 0;
  private nextId = 0;

  constructor(private readonly text: string, private readonly tokens: Token[]) {}

  parseFile(): ItemNode[] {
    const root: ItemNode[] = [];
    const stack: BlockNode[] = [];
    const current = (): ItemNode[] => (stack.length ? stack[stack.length - 1].body : root);
    let line: Line | undefined;
    while ((line = this.nextLine())) {
      let k = 0;
      const toks = line.toks;
      while (k < toks.length) {
        const { tok, index } = toks[k];
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
        while (e < toks.length && toks[e].tok.kind === TokenKind.Word) e++;
        const words = toks.slice(k, e);
        const brace = e < toks.length && toks[e].tok.kind === TokenKind.LBrace ? toks[e] : undefined;
        const head = words[0].tok.value;
        if ((head === 'namespace' || head === 'jail') && !words[0].tok.quoted && (brace || words.length <= 2)) {
          const block = this.blockHeader(head, words, brace, stack);
          if (block) {
            current().push(block);
            stack.push(block);
            k = brace ? e + 1 : e;
            continue;
          }
        }
        for (const w of words) if (w.tok.unterminated) this.report('unterminatedQuote', w.tok);
        const cmd: CommandNode = {
          kind: 'command',
          id: this.nextId++,
          words: words.map((w) => w.tok),
          start: words[0].tok.start,
          end: words[words.length - 1].tok.end,
          firstToken: words[0].index,
          lastToken: words[words.length - 1].index,
        };
        current().push(cmd);
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
    words: Array<{ tok: Token; index: number }>,
    brace: { tok: Token; index: number } | undefined,
    stack: BlockNode[],
  ): BlockNode | undefined {
    const keyword = words[0].tok;
    if (!brace) {
      this.report('expectedOpenBrace', keyword, kind);
      return undefined;
    }
    const name = words[1]?.tok;
    if (!name) this.report('expectedBlockName', keyword, kind);
    for (const extra of words.slice(2)) this.report('extraBlockArguments', extra.tok, kind);
    if (kind === 'namespace') {
      if (stack.length) this.report('nestedNamespace', keyword, describe(stack[stack.length - 1]));
      else if (name && !isValidNamespaceName(name.value)) this.report('invalidNamespaceName', name, name.value);
    } else if (stack.some((b) => b.kind === 'jail')) this.report('nestedJail', keyword);
    for (const w of words) if (w.tok.unterminated) this.report('unterminatedQuote', w.tok);
    return {
      kind,
      id: this.nextId++,
      keyword,
      name,
      open: brace.tok,
      body: [],
      start: keyword.start,
      end: brace.tok.end,
      firstToken: words[0].index,
      lastToken: brace.index,
    };
  }

  /** The next line with at least one word or brace; undefined at end of input. */
  private nextLine(): Line | undefined {
    const tokens = this.tokens;
    while (this.pos < tokens.length) {
      const toks: Line['toks'] = [];
      const first = this.pos;
      while (this.pos < tokens.length && tokens[this.pos].kind !== TokenKind.Newline) {
        const t = tokens[this.pos];
        if (t.kind === TokenKind.Word || t.kind === TokenKind.LBrace || t.kind === TokenKind.RBrace) toks.push({ tok: t, index: this.pos });
        this.pos++;
      }
      const last = this.pos - 1;
      if (this.pos < tokens.length) this.pos++; // the newline
      if (toks.length) return { toks, first, last };
    }
    return undefined;
  }

  private report(key: Parameters<typeof diagnose>[0], tok: Token, ...args: string[]): void {
    this.errors.push(diagnose(key, tok.start, tok.end, ...args));
  }
}

function describe(b: BlockNode): string {
  return `${b.kind} ${b.name?.value ?? ''}`.trim();
}

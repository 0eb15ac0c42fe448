// Semantic tokens from the model's per-word roles (StatementInfo.roles), with fallbacks for words
// an executor left without a role (the tool word, options, numbers), plus block keywords and
// names and comments. Results are offsets with a type from TOKEN_TYPES and a modifier bit set
// from TOKEN_MODIFIERS (the server's legend uses these arrays as they are).

import type { WordRole } from '../model/context';
import type { Analysis } from './analysis';
import { comments } from './analysis';

export const TOKEN_TYPES = [
  'namespace', 'variable', 'function', 'keyword', 'parameter', 'number', 'string', 'type', 'enum', 'enumMember',
  'property', 'event', 'comment', 'operator', 'decorator', 'macro',
] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];
export const TOKEN_MODIFIERS = ['declaration', 'defaultLibrary'] as const;

const ROLE_TYPE: Record<WordRole, TokenType> = {
  command: 'function', subcommand: 'keyword', keyword: 'keyword', option: 'parameter', value: 'string', number: 'number',
  string: 'string', netns: 'namespace', device: 'variable', address: 'number', prefix: 'number', table: 'type', chain: 'enum',
  target: 'enumMember', match: 'decorator', 'sysctl-key': 'property', probe: 'event', outcome: 'enumMember', proto: 'keyword',
  port: 'number', mac: 'macro',
};

export interface SemanticToken {
  start: number;
  length: number;
  type: number;
  modifiers: number;
}

const typeIndex = (t: TokenType) => TOKEN_TYPES.indexOf(t);

export function getSemanticTokens(a: Analysis): SemanticToken[] {
  const out: SemanticToken[] = [];
  const defs = new Set<number>();
  for (const s of a.symbols) if (s.isDefinition) defs.add(s.start);
  for (const { block } of a.blocks) {
    out.push({ start: block.keyword.start, length: block.keyword.end - block.keyword.start, type: typeIndex('keyword'), modifiers: 0 });
    if (block.name) out.push({ start: block.name.start, length: block.name.end - block.name.start, type: typeIndex(block.kind === 'namespace' ? 'namespace' : 'number'), modifiers: 1 });
  }
  for (const cmd of a.commands) {
    const roles = a.model.statements[cmd.id]?.roles ?? [];
    cmd.freshWords().forEach((w, i) => {
      let t: TokenType | undefined = roles[i] ? ROLE_TYPE[roles[i]!] : undefined;
      if (!t) {
        if (i === 0) t = 'function';
        else if (w.value.startsWith('-') && w.value.length > 1 && !/^-\d/.test(w.value)) t = 'parameter';
        else if (/^\d+$/.test(w.value)) t = 'number';
        else if (/^\d+\.\d+\.\d+\.\d+(\/\d+)?(:\d+)?$/.test(w.value)) t = 'number';
        else if (w.quoted) t = 'string';
      }
      if (!t) return;
      out.push({ start: w.start, length: w.end - w.start, type: typeIndex(t), modifiers: defs.has(w.start) ? 1 : 0 });
    });
  }
  for (const t of comments(a)) out.push({ start: t.start, length: t.end - t.start, type: typeIndex('comment'), modifiers: 0 });
  return out.sort((x, y) => x.start - y.start);
}

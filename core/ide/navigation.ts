// Go to definition, find references, document highlight and rename for namespaces, devices
// (scoped to their namespace; the model's device keys follow `netns` moves and veth peers),
// chains and probes — all from the model's symbol keys. Rename refuses names the kernel or the
// tools refuse (interface names over 15 characters, invalid namespace names, clashes in the same
// scope, built-in chains). Offsets only.
// Verified on this machine's kernel (Linux 6.x, iproute2, iptables-nft 1.8.9) in a throwaway
// namespace: a 15-character interface name is accepted, 16 is refused ("Attribute failed policy
// validation"), 'a:b' is refused (EINVAL), 'a/b' is refused by ip; a 28-character chain name is
// accepted, 29 is refused ("must be under 29 chars"), `-N ACCEPT` ("may not clash with target
// name") and `-N -foo` ("not allowed to start with `-'") are refused.

import { IFNAMSIZ_MAX } from '../model/names';
import type { SymbolOccurrence } from '../model/context';
import { isValidNamespaceName } from '../syntax/parser';
import { Analysis, symbolAt } from './analysis';
import { XT_BUILTIN_CHAINS_BY_TABLE, XT_TARGETS } from './docs-iptables';

export interface Span {
  start: number;
  end: number;
}

export interface Edit {
  start: number;
  end: number;
  newText: string;
}

export function occurrences(a: Analysis, s: SymbolOccurrence): SymbolOccurrence[] {
  return a.symbolsByKey.get(s.key) ?? [s];
}

export function getDefinition(a: Analysis, offset: number): Span[] {
  const s = symbolAt(a, offset);
  if (!s) return [];
  const occ = occurrences(a, s);
  const defs = occ.filter((o) => o.isDefinition);
  return (defs.length ? defs : occ.slice(0, 1)).map((o) => ({ start: o.start, end: o.end }));
}

export function getReferences(a: Analysis, offset: number, includeDeclaration: boolean): Span[] {
  const s = symbolAt(a, offset);
  if (!s) return [];
  return occurrences(a, s).filter((o) => includeDeclaration || !o.isDefinition).map((o) => ({ start: o.start, end: o.end }));
}

export function getHighlights(a: Analysis, offset: number): Array<Span & { write: boolean }> {
  const s = symbolAt(a, offset);
  if (!s) return [];
  return occurrences(a, s).map((o) => ({ start: o.start, end: o.end, write: o.isDefinition }));
}

export type PrepareRename = { start: number; end: number; placeholder: string } | { error: string };

export function prepareRename(a: Analysis, offset: number): PrepareRename | undefined {
  const s = symbolAt(a, offset);
  if (!s) return undefined;
  if (s.kind === 'chain' && isBuiltinChain(s)) return { error: `${s.name} is a built-in chain: it cannot be renamed` };
  if (s.kind === 'netns' && s.name === 'root') return { error: "'root' is the file's initial namespace: it cannot be renamed" };
  return { start: s.start, end: s.end, placeholder: s.name };
}

function isBuiltinChain(s: SymbolOccurrence): boolean {
  const m = /^chain:[^/]*\/([^/]*)\/(.*)$/.exec(s.key);
  return !!m && (XT_BUILTIN_CHAINS_BY_TABLE[m[1]] ?? []).includes(m[2]);
}

/** Why the kernel or the tool would refuse `newName` for symbol `s`; undefined if acceptable. */
export function renameRefusal(a: Analysis, s: SymbolOccurrence, newName: string): string | undefined {
  if (newName === s.name) return undefined;
  if (!newName) return 'the new name is empty';
  if (/[\s"'#{}\\]/.test(newName)) return `'${newName}' contains a character that needs quoting; choose a plain name`;
  const clash = (pred: (o: SymbolOccurrence) => boolean) => a.symbols.some((o) => o.key !== s.key && o.name === newName && pred(o));
  switch (s.kind) {
    case 'device':
      // Kernel: dev_valid_name() — at most IFNAMSIZ-1 bytes, no '/', ':' or whitespace, not '.' or '..'.
      if (Buffer.byteLength(newName, 'utf8') > IFNAMSIZ_MAX) return `'${newName}' is longer than ${IFNAMSIZ_MAX} characters: the kernel refuses interface names of IFNAMSIZ (16) bytes or more`;
      if (newName === '.' || newName === '..' || /[/:]/.test(newName)) return `'${newName}' is not a valid interface name (no '/', ':', '.' or '..')`;
      if (clash((o) => o.kind === 'device' && (o.netns ?? '') === (s.netns ?? ''))) return `namespace ${s.netns ?? '?'} already has a device named '${newName}' (RTNETLINK answers: File exists)`;
      return undefined;
    case 'netns':
      if (s.name === 'root') return "'root' cannot be renamed";
      if (!isValidNamespaceName(newName)) return `invalid namespace name '${newName}': use letters, digits, '-', '_' and '.'`;
      if (newName === 'root' || a.model.topology.namespaces.has(newName)) return `namespace '${newName}' already exists`;
      return undefined;
    case 'chain': {
      if (isBuiltinChain(s)) return `${s.name} is a built-in chain`;
      // iptables: chain names are at most 28 characters (XT_EXTENSION_MAXNAMELEN - 1) and cannot be a target name.
      if (newName.length > 28) return `'${newName}' is longer than 28 characters: iptables refuses it`;
      if (newName.startsWith('-') || newName.startsWith('!')) return `'${newName}' would be read as an option`;
      if (XT_TARGETS.some((t) => t.name === newName)) return `'${newName}' is the name of a target`;
      const m = /^chain:([^/]*)\/([^/]*)\//.exec(s.key);
      if (m && (XT_BUILTIN_CHAINS_BY_TABLE[m[2]] ?? []).includes(newName)) return `'${newName}' is a built-in chain of ${m[2]}`;
      if (clash((o) => o.kind === 'chain' && !!m && o.key.startsWith(`chain:${m[1]}/${m[2]}/`))) return `chain '${newName}' already exists in that table (iptables: Chain already exists)`;
      return undefined;
    }
    case 'probe':
      if (clash((o) => o.kind === 'probe')) return `a probe named '${newName}' already exists`;
      return undefined;
  }
}

export type RenameResult = { edits: Edit[] } | { error: string };

export function rename(a: Analysis, offset: number, newName: string): RenameResult | undefined {
  const s = symbolAt(a, offset);
  if (!s) return undefined;
  const prep = prepareRename(a, offset);
  if (prep && 'error' in prep) return prep;
  const why = renameRefusal(a, s, newName);
  if (why) return { error: why };
  return { edits: occurrences(a, s).map((o) => ({ start: o.start, end: o.end, newText: newName })) };
}

// The analysed document the IDE features work on: the parse tree and the model of one text, plus
// lookup indexes built once per analysis (statement at an offset, symbols by key, rule positions,
// word at an offset). Also a small per-document cache keyed by version, so every feature of one
// version shares one parse + buildModel. Offsets only; no IO, no protocol, no clock.
// It does not interpret commands itself: meaning comes from the model (core/model).

import type { Ipv4, TopologyConfig, XtTableName } from '../kernel/config';
import type { StatementInfo, SymbolOccurrence } from '../model/context';
import { IncrementalModel } from '../model/incremental';
import { buildModel, Model } from '../model/index';
import { parse } from '../syntax/parser';
import { lazyProperty } from '../util/lazy';
import { EditSpan, reparse } from '../syntax/reparse';
import type { Token } from '../syntax/lexer';
import { lexComments } from '../syntax/lexer';
import { BlockNode, CommandNode, forEachBlock, forEachCommand, ItemNode } from '../syntax/tree';

export interface RulePosition {
  netns: string;
  table: XtTableName;
  chain: string;
  /** 1-based position in the chain, as `iptables -L --line-numbers` counts. */
  position: number;
}

export interface Analysis {
  text: string;
  model: Model;
  /** Every command in file order. */
  commands: CommandNode[];
  /** Every block in file order, with the namespace it opens (namespace blocks) or runs in (jails). */
  blocks: Array<{ block: BlockNode; netns: string }>;
  /** Symbol occurrences grouped by key, in file order. */
  symbolsByKey: Map<string, SymbolOccurrence[]>;
  /** Every symbol occurrence sorted by start offset. */
  symbols: SymbolOccurrence[];
  /** Rule positions by statement id (the origin of each rule in the final topology). */
  rulePositions: Map<number, RulePosition>;
}

/** Analyses a text from scratch (parse + buildModel + indexes). Never throws. */
export function analyze(text: string, model?: Model): Analysis {
  return analysisOf(text, model ?? buildModel(text));
}

/** The analysis of a model; the indexes are built on first use (publishing diagnostics needs none). */
function analysisOf(text: string, m: Model): Analysis {
  const a = { text, model: m } as Analysis;
  lazyProperty(a, 'commands', () => {
    const commands: CommandNode[] = [];
    forEachCommand(m.file.items, (c) => commands.push(c));
    return commands;
  });
  lazyProperty(a, 'blocks', () => {
    const blocks: Analysis['blocks'] = [];
    forEachBlock(m.file.items, (b, outer) => {
      const ns = b.kind === 'namespace' ? b.name?.value ?? 'root' : outer.filter((o) => o.kind === 'namespace').pop()?.name?.value ?? 'root';
      blocks.push({ block: b, netns: ns });
    });
    return blocks;
  });
  lazyProperty(a, 'symbols', () => [...m.symbols].sort((x, y) => x.start - y.start));
  lazyProperty(a, 'symbolsByKey', () => {
    const symbolsByKey = new Map<string, SymbolOccurrence[]>();
    for (const s of a.symbols) {
      let list = symbolsByKey.get(s.key);
      if (!list) symbolsByKey.set(s.key, (list = []));
      list.push(s);
    }
    return symbolsByKey;
  });
  lazyProperty(a, 'rulePositions', () => rulePositions(m.topology));
  return a;
}

function rulePositions(topology: TopologyConfig): Map<number, RulePosition> {
  const out = new Map<number, RulePosition>();
  for (const ns of topology.namespaces.values()) {
    for (const table of ns.xtables.values()) {
      for (const chain of table.chains.values()) {
        chain.rules.forEach((r, i) => {
          if (r.origin >= 0) out.set(r.origin, { netns: ns.name, table: table.name, chain: chain.name, position: i + 1 });
        });
      }
    }
  }
  return out;
}

/**
 * A cache of analyses by document key; a new version replaces the old one. Each document keeps its
 * incremental model (core/model/incremental.ts): a new text is reparsed around the edit and only
 * the statements the edit can affect run again; anything it cannot follow is a whole build. The
 * previous version's analysis is not valid after that (its tree and state are updated in place).
 */
export class AnalysisCache {
  private readonly entries = new Map<string, { version: number; text: string; analysis: Analysis; inc: IncrementalModel }>();
  /** How the last `get` got its model: for tests and the bench. */
  lastHow: 'cached' | 'update' | 'build' = 'build';

  /** `edit`: where the text changed since version `fromVersion`, when the caller knows it. */
  get(key: string, version: number, text: string, edit?: { fromVersion: number; span: EditSpan }): Analysis {
    const e = this.entries.get(key);
    if (e && e.version === version && e.text === text) {
      this.lastHow = 'cached';
      return e.analysis;
    }
    if (e) {
      let m: Model | undefined;
      try {
        const rp = reparse(e.inc.file, text, edit && edit.fromVersion === e.version ? edit.span : undefined);
        m = rp && e.inc.update(rp);
      } catch {
        // A bug in the incremental path must cost a whole build, never a wrong or missing result.
        m = undefined;
      }
      if (m) {
        const analysis = analysisOf(text, m);
        this.entries.set(key, { version, text, analysis, inc: e.inc });
        this.lastHow = 'update';
        return analysis;
      }
    }
    const inc = new IncrementalModel(parse(text));
    const analysis = analysisOf(text, inc.model);
    this.entries.set(key, { version, text, analysis, inc });
    this.lastHow = 'build';
    return analysis;
  }

  /** The cached analysis if it is of exactly this version. */
  peek(key: string, version: number): Analysis | undefined {
    const e = this.entries.get(key);
    return e && e.version === version ? e.analysis : undefined;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  keys(): IterableIterator<string> {
    return this.entries.keys();
  }
}

// ---------------------------------------------------------------- positions in the tree

/** The command whose extent (first word start .. last word end) contains or touches `offset`. */
export function commandAt(a: Analysis, offset: number): CommandNode | undefined {
  const cmds = a.commands;
  let lo = 0;
  let hi = cmds.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = cmds[mid];
    if (offset < c.start) hi = mid - 1;
    else if (offset > c.end) lo = mid + 1;
    else return c;
  }
  return undefined;
}

/** Index of the last command that starts at or before `offset` (-1 if none). */
export function lastCommandBefore(a: Analysis, offset: number): number {
  const cmds = a.commands;
  let lo = 0;
  let hi = cmds.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cmds[mid].start <= offset) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/** The innermost block containing `offset` (between its header and its end). */
export function blockAt(a: Analysis, offset: number): { block: BlockNode; netns: string } | undefined {
  let found: { block: BlockNode; netns: string } | undefined;
  for (const b of a.blocks) {
    if (b.block.start > offset) break;
    const bodyStart = b.block.open?.end ?? b.block.end;
    if (offset >= bodyStart && (offset < b.block.end || (!b.block.close && offset <= b.block.end))) found = b;
  }
  return found;
}

/** Namespace a new line at `offset` would run in (enclosing namespace block, else root). */
export function netnsAt(a: Analysis, offset: number): string {
  const b = blockAt(a, offset);
  return b?.netns ?? 'root';
}

export function statementOf(a: Analysis, cmd: CommandNode): StatementInfo | undefined {
  return a.model.statements[cmd.id];
}

/** The word token of the file containing or touching `offset` (prefers the one starting at offset). */
export function wordAt(a: Analysis, offset: number): Token | undefined {
  const cmd = commandAt(a, offset);
  if (cmd) {
    for (const w of cmd.words) if (offset >= w.start && offset <= w.end) return w;
  }
  for (const b of a.blocks) {
    const n = b.block.name;
    if (n && offset >= n.start && offset <= n.end) return n;
    if (offset >= b.block.keyword.start && offset <= b.block.keyword.end) return b.block.keyword;
  }
  return undefined;
}

/** The symbol occurrence under `offset`, if any. */
export function symbolAt(a: Analysis, offset: number): SymbolOccurrence | undefined {
  const syms = a.symbols;
  let lo = 0;
  let hi = syms.length - 1;
  let idx = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (syms[mid].start <= offset) {
      idx = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // Occurrences do not overlap; look at the last one starting at or before offset and its neighbours.
  for (let i = idx; i >= 0 && i >= idx - 3; i--) if (offset >= syms[i].start && offset <= syms[i].end) return syms[i];
  return undefined;
}

const commentCache = new WeakMap<Analysis, Token[]>();

/** Comment tokens of the file in order (scanned once per analysis; no full token list). */
export function comments(a: Analysis): Token[] {
  let c = commentCache.get(a);
  if (!c) commentCache.set(a, (c = lexComments(a.text)));
  return c;
}

export function isItemCommand(i: ItemNode): i is CommandNode {
  return i.kind === 'command';
}

/** The devices' addresses of a namespace in the final state, as `A.B.C.D/LEN` with the device name. */
export function addressesOf(topology: TopologyConfig, netns: string, beforeStatement = Infinity): Array<{ addr: Ipv4; plen: number; dev: string }> {
  const ns = topology.namespaces.get(netns);
  if (!ns) return [];
  const out: Array<{ addr: Ipv4; plen: number; dev: string }> = [];
  for (const a of ns.addresses) {
    if (a.origin >= beforeStatement) continue;
    out.push({ addr: a.addr, plen: a.plen, dev: topology.devices.get(a.devId)?.name ?? '?' });
  }
  return out;
}

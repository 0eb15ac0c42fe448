// Structure of a document: the outline (namespaces, their devices, chains, listeners, probes),
// workspace symbol search over several analyses, folding ranges (blocks, comment runs, continued
// lines) and selection ranges (word -> command -> block body -> block -> file). Offsets only.

import { offsetToPosition } from '../syntax/tree';
import type { Analysis } from './analysis';
import { blockAt, commandAt, comments, wordAt } from './analysis';

export type OutlineKind = 'namespace' | 'jail' | 'device' | 'chain' | 'listen' | 'probe';

export interface OutlineItem {
  name: string;
  kind: OutlineKind;
  detail?: string;
  /** Full extent (the block or line). */
  start: number;
  end: number;
  /** The name's extent. */
  selStart: number;
  selEnd: number;
  children: OutlineItem[];
}

export function getOutline(a: Analysis): OutlineItem[] {
  const root: OutlineItem[] = [];
  const byBlock = new Map<number, OutlineItem>();
  const containerOf = (offset: number): OutlineItem[] => {
    const b = blockAt(a, offset);
    return b ? byBlock.get(b.block.id)?.children ?? root : root;
  };
  for (const { block, netns } of a.blocks) {
    const name = block.name?.value ?? '?';
    const item: OutlineItem = {
      name: block.kind === 'namespace' ? name : `jail ${name}`, kind: block.kind, detail: block.kind === 'jail' ? `in ${netns}` : undefined,
      start: block.start, end: block.end, selStart: block.name?.start ?? block.keyword.start, selEnd: block.name?.end ?? block.keyword.end, children: [],
    };
    containerOf(block.start).push(item);
    byBlock.set(block.id, item);
  }
  // Devices and chains from their definitions; listeners and probes from their lines.
  const seen = new Set<string>();
  for (const s of a.symbols) {
    if (!s.isDefinition || s.kind === 'netns' || s.kind === 'probe') continue;
    const info = a.model.statements[s.statement];
    const cmd = info?.cmd;
    if (!cmd || seen.has(`${s.key}@${s.start}`)) continue;
    seen.add(`${s.key}@${s.start}`);
    const item: OutlineItem = {
      name: s.name, kind: s.kind === 'device' ? 'device' : 'chain',
      detail: s.kind === 'device' ? (s.netns && s.netns !== info.netns ? `in ${s.netns}` : undefined) : s.key.split('/')[1],
      start: cmd.start, end: cmd.end, selStart: s.start, selEnd: s.end, children: [],
    };
    containerOf(cmd.start).push(item);
  }
  for (const cmd of a.commands) {
    const head = cmd.count ? cmd.valueAt(0) : undefined;
    if (head === 'listen' && cmd.count >= 3) {
      containerOf(cmd.start).push({ name: `${cmd.words[1].value} ${cmd.words[2].value}`, kind: 'listen', start: cmd.start, end: cmd.end, selStart: cmd.words[2].start, selEnd: cmd.words[2].end, children: [] });
    } else if (head === 'probe' && cmd.count >= 2) {
      containerOf(cmd.start).push({ name: cmd.words[1].value, kind: 'probe', detail: cmd.words.slice(2).map((w) => w.value).join(' '), start: cmd.start, end: cmd.end, selStart: cmd.words[1].start, selEnd: cmd.words[1].end, children: [] });
    }
  }
  const sort = (items: OutlineItem[]) => {
    items.sort((x, y) => x.start - y.start);
    items.forEach((i) => sort(i.children));
  };
  sort(root);
  return root;
}

/** Flattened outline items whose name contains `query` (case-insensitive), with their container. */
export function searchSymbols(a: Analysis, query: string): Array<OutlineItem & { container?: string }> {
  const q = query.toLowerCase();
  const out: Array<OutlineItem & { container?: string }> = [];
  const walk = (items: OutlineItem[], container?: string) => {
    for (const i of items) {
      if (i.name.toLowerCase().includes(q)) out.push({ ...i, container });
      walk(i.children, i.name);
    }
  };
  walk(getOutline(a));
  return out;
}

export interface Fold {
  startLine: number;
  endLine: number;
  kind?: 'comment' | 'region';
}

export function getFoldingRanges(a: Analysis): Fold[] {
  const ls = a.model.file.lineStarts;
  const line = (o: number) => lineOf(ls, o);
  const out: Fold[] = [];
  for (const { block } of a.blocks) {
    const s = line(block.start);
    const e = block.close ? line(block.close.start) - 1 : line(block.end);
    if (e > s) out.push({ startLine: s, endLine: e, kind: 'region' });
  }
  let runStart = -1;
  let runEnd = -1;
  const flush = () => {
    if (runStart >= 0 && runEnd > runStart) out.push({ startLine: runStart, endLine: runEnd, kind: 'comment' });
    runStart = runEnd = -1;
  };
  for (const t of comments(a)) {
    const l = line(t.start);
    // Only full-line comments form runs.
    const lineText = a.text.slice(ls[l], t.start);
    if (lineText.trim() !== '') continue;
    if (runStart >= 0 && runEnd === l - 1) runEnd = l;
    else {
      flush();
      runStart = runEnd = l;
    }
  }
  flush();
  for (const cmd of a.commands) {
    const s = line(cmd.start);
    const e = line(cmd.end);
    if (e > s) out.push({ startLine: s, endLine: e });
  }
  return out.sort((x, y) => x.startLine - y.startLine || y.endLine - x.endLine);
}

/** Nested selection spans at `offset`, innermost first. */
export function getSelectionRanges(a: Analysis, offset: number): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  const push = (s: number, e: number) => {
    const last = out[out.length - 1];
    if (last && last.start === s && last.end === e) return;
    if (last && (s > last.start || e < last.end)) return; // must contain the previous one
    out.push({ start: s, end: e });
  };
  const w = wordAt(a, offset);
  if (w) push(w.start, w.end);
  const cmd = commandAt(a, offset);
  if (cmd) push(cmd.start, cmd.end);
  // Enclosing blocks, innermost first.
  const enclosing = a.blocks.filter((b) => b.block.start <= offset && offset <= b.block.end).reverse();
  for (const b of enclosing) {
    if (b.block.open && b.block.close && offset >= b.block.open.end && offset <= b.block.close.start) push(b.block.open.end, b.block.close.start);
    push(b.block.start, b.block.end);
  }
  push(0, a.text.length);
  if (!out.length) out.push({ start: offset, end: offset });
  return out;
}

/** 0-based line of an offset (the syntax layer's conversion, line part). */
export function lineOf(ls: number[], offset: number): number {
  return offsetToPosition(ls, offset).line;
}

// Incremental reparse: after an edit, parses again only the whole lines the edit touched and moves
// the rest of the tree by the length difference, keeping its nodes, its word table and any word
// tokens made so far (offsets are updated in place, so the old tree is not valid afterwards). It declines (undefined: parse the
// whole text) when the edit may change more than its lines: a brace, a backslash (line
// continuations, escapes) in the old or new lines. Statement ids are file positions: when the
// number of statements changes, the items after the edit are renumbered. The result is the tree
// `parse(newText)` gives, and
// test/syntax/reparse.test.ts checks exactly that on random edits.

import type { Diagnostic } from '../diagnostics/types';
import { parse } from './parser';
import { BlockNode, Command, CommandNode, ItemNode, makeSourceFile, offsetToPosition, SourceFile, WordTable } from './tree';

export interface Reparse {
  file: SourceFile;
  /** Start of the reparsed lines (same in the old and the new text). */
  start: number;
  /** End of the reparsed lines in the old text; everything from there moved by `delta`. */
  oldEnd: number;
  delta: number;
  /** Ids of the statements of the reparsed lines (new nodes), ascending. */
  changed: number[];
  /** Id of the first statement of the reparsed lines (or of the one that would be there). */
  firstId: number;
  /** Statements the old lines had (ids firstId .. firstId+removed-1 before) and the new have. */
  removed: number;
  added: number;
}

/** Where an edit replaced text: [start, oldEnd) of the old text became [start, newEnd) of the new. */
export interface EditSpan {
  start: number;
  oldEnd: number;
  newEnd: number;
  /** The text that now stands in [start, newEnd), when known. */
  text?: string;
}

/**
 * Reparses `newText`, an edit of `old.text`; undefined when only a whole parse will do. `span`,
 * when the caller knows it (an editor's change event), saves comparing the two texts.
 */
export function reparse(old: SourceFile, newText: string, span?: EditSpan): Reparse | undefined {
  const oldText = old.text;
  const delta = newText.length - oldText.length;
  let p: number;
  let s: number;
  const known =
    span !== undefined && span.start >= 0 && span.start <= span.oldEnd && span.oldEnd <= oldText.length && span.newEnd - span.start === span.oldEnd - span.start + delta
    && (span.text === undefined || span.text.length === span.newEnd - span.start);
  if (known) {
    p = span.start;
    s = oldText.length - span.oldEnd;
  } else {
    if (oldText === newText) return { file: old, start: 0, oldEnd: 0, delta: 0, changed: [], firstId: 0, removed: 0, added: 0 };
    // The changed span: common prefix and suffix.
    const min = Math.min(oldText.length, newText.length);
    p = commonPrefix(oldText, newText, min);
    s = commonSuffix(oldText, newText, min - p);
  }
  // Whole lines around it.
  const ls = old.lineStarts;
  const l0 = offsetToPosition(ls, p).line;
  const start = ls[l0];
  const changedEnd = oldText.length - s;
  const l1 = offsetToPosition(ls, Math.max(p, changedEnd)).line;
  const oldEnd = l1 + 1 < ls.length ? ls[l1 + 1] : oldText.length;
  if (oldEnd < changedEnd) return undefined;
  const oldRegion = oldText.slice(start, oldEnd);
  // With the inserted text at hand the new text need not be read at all (reading a string built by
  // concatenation makes the engine copy it whole: milliseconds on a large file).
  const newRegion = known && span.text !== undefined
    ? oldText.slice(start, span.start) + span.text + oldText.slice(span.oldEnd, oldEnd)
    : newText.slice(start, oldEnd + delta);
  if (!plainLines(oldRegion) || !plainLines(newRegion)) return undefined;
  // A continuation on the line before joins it to the first reparsed line.
  if (start >= 2 && (oldText.charCodeAt(start - 2) === 0x5c || (oldText.charCodeAt(start - 2) === 0x0d && oldText.charCodeAt(start - 3) === 0x5c))) return undefined;

  // The statements of the old lines: consecutive items of one body (no braces in between).
  const where = findRun(old.items, start, oldEnd);
  if (!where) return undefined;
  const sub = parse(newRegion);
  for (const it of sub.items) if (it.kind !== 'command') return undefined;

  const table = anyTable(old.items);
  if (!table) return undefined;

  // Ids are positions in file order: the new statements take the old ones' places, and every
  // item after the edited lines moves by the difference in count.
  const firstId = where.count ? where.list[where.index].id : idAfter(old.items, start);
  const added = sub.items.length;
  const removed = where.count;
  // The words of the old lines are entries wa .. wb-1 of the table (no block header there: no braces).
  const wa = lowerBound(table.start, table.count, start);
  const wb = lowerBound(table.start, table.count, oldEnd);
  const subTable = (sub.items[0] as Command | undefined)?.table;
  const subWords = subTable ? subTable.count : 0;
  // The old statements leave the tree, their table entries too: they keep their own tokens.
  for (let k = 0; k < where.count; k++) (where.list[where.index + k] as Command).detach();
  const changed: number[] = [];
  const fresh = sub.items as Command[];
  for (let k = 0; k < fresh.length; k++) {
    const cmd = fresh[k];
    cmd.id = firstId + k;
    cmd.start += start;
    cmd.end += start;
    cmd.first += wa;
    cmd.table = table;
    changed.push(cmd.id);
  }
  // Move everything after the edited lines, then put the new statements in.
  if (delta !== 0 || added !== removed || subWords !== wb - wa) moveItems(old.items, oldEnd, delta, added - removed, subWords - (wb - wa));
  spliceWords(table, wa, wb, subTable, start, delta);
  table.text = newText;
  where.list.splice(where.index, where.count, ...fresh);

  const errors: Diagnostic[] = [];
  for (const e of old.errors) {
    if (e.start >= start && e.start < oldEnd) continue;
    if (e.start >= oldEnd) {
      e.start += delta;
      e.end += delta;
    }
    errors.push(e);
  }
  for (const e of sub.errors) {
    e.start += start;
    e.end += start;
    if (e.related) for (const r of e.related) {
      r.start += start;
      r.end += start;
    }
    errors.push(e);
  }
  errors.sort((a, b) => a.start - b.start);
  // The line starts are updated in place (the old tree is given up anyway): those of the edited
  // lines replaced, the later ones moved.
  const inner: number[] = [];
  const subStarts = sub.lineStarts;
  const atEnd = oldEnd === oldText.length;
  for (let i = 1; i < subStarts.length; i++) if (atEnd || start + subStarts[i] < oldEnd + delta) inner.push(start + subStarts[i]);
  const lineStarts = ls;
  const tail = atEnd ? ls.length - (l0 + 1) : l1 - l0;
  if (delta !== 0) for (let i = l1 + 1; i < ls.length; i++) ls[i] += delta;
  if (inner.length === tail) for (let k = 0; k < tail; k++) ls[l0 + 1 + k] = inner[k];
  else ls.splice(l0 + 1, tail, ...inner);
  return { file: makeSourceFile(newText, old.items, errors, lineStarts), start, oldEnd, delta, changed, firstId, removed, added };
}

/** Compared a block at a time (the engine compares slices natively), then a character at a time. */
const BLOCK = 1024;

function commonPrefix(a: string, b: string, max: number): number {
  let p = 0;
  while (p + BLOCK <= max && a.slice(p, p + BLOCK) === b.slice(p, p + BLOCK)) p += BLOCK;
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  return p;
}

function commonSuffix(a: string, b: string, max: number): number {
  let s = 0;
  const la = a.length;
  const lb = b.length;
  while (s + BLOCK <= max && a.slice(la - s - BLOCK, la - s) === b.slice(lb - s - BLOCK, lb - s)) s += BLOCK;
  while (s < max && a.charCodeAt(la - 1 - s) === b.charCodeAt(lb - 1 - s)) s++;
  return s;
}

/** No brace or backslash: the lines' statements stand alone. */
function plainLines(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x7d || c === 0x5c) return false;
  }
  return true;
}

/** The body list holding the statements that start in [start, end), their index and count. */
function findRun(items: ItemNode[], start: number, end: number): { list: ItemNode[]; index: number; count: number } | undefined {
  let list = items;
  for (;;) {
    // The block whose body holds `start`, if any.
    let inner: BlockNode | undefined;
    for (const it of list) {
      if (it.kind === 'command' || it.start > start) continue;
      const bodyStart = it.open?.end ?? it.end;
      const bodyEnd = it.close ? it.close.start : Number.MAX_SAFE_INTEGER;
      if (start >= bodyStart && start <= bodyEnd) inner = it;
    }
    if (!inner) break;
    list = inner.body;
  }
  let index = -1;
  let count = 0;
  for (let i = 0; i < list.length; i++) {
    const it = list[i];
    if (it.start >= start && it.start < end) {
      if (it.kind !== 'command') return undefined;
      if (index < 0) index = i;
      count++;
    } else if (it.start >= end) break;
  }
  if (index < 0) {
    // No statement on the old lines: the new ones go before the first item after them.
    index = list.findIndex((it) => it.start >= end);
    if (index < 0) index = list.length;
  }
  return { list, index, count };
}

/** Moves a command by `by` characters and its words by `words` table entries (and its kept tokens, if any). */
function moveCommand(cmd: CommandNode, by: number, words: number): void {
  cmd.start += by;
  cmd.end += by;
  cmd.first += words;
  const kept = (cmd as Command).keptWords?.();
  if (kept && by !== 0) {
    for (const w of kept) {
      if (!w) continue; // a word nobody asked for
      w.start += by;
      w.end += by;
    }
  }
}

/**
 * Moves every node and token at or after `from` by `by`, the ids of the items there by `ids` and
 * their word indexes by `words`.
 */
function moveItems(items: ItemNode[], from: number, by: number, ids: number, words: number): void {
  for (const it of items) {
    if (it.end < from) continue;
    if (it.kind === 'command') {
      if (it.start >= from) {
        moveCommand(it, by, words);
        it.id += ids;
      }
      continue;
    }
    const toks = [it.keyword, it.name, it.open, it.close];
    for (const t of toks) {
      if (t && t.start >= from) {
        t.start += by;
        t.end += by;
      }
    }
    if (it.start >= from) {
      it.start += by;
      it.id += ids;
    }
    if (it.end >= from) it.end += by;
    moveItems(it.body, from, by, ids, words);
  }
}

/** The word table the commands of `items` share; undefined when there is no command. */
function anyTable(items: ItemNode[]): WordTable | undefined {
  for (const it of items) {
    if (it.kind === 'command') return it.table;
    const t = anyTable(it.body);
    if (t) return t;
  }
  return undefined;
}

/** The first index in xs[0, n) whose value is >= v (xs ascending). */
function lowerBound(xs: Int32Array, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Replaces entries wa .. wb-1 of `table` by the words of `sub` (offsets relative to `at`) and
 * moves the entries after them by `delta` characters, in place.
 */
function spliceWords(table: WordTable, wa: number, wb: number, sub: WordTable | undefined, at: number, delta: number): void {
  const k = sub ? sub.count : 0;
  const n = table.count;
  const d = k - (wb - wa);
  const total = n + d;
  if (d !== 0) {
    if (total > table.start.length) table.grow(total + (total >> 3) + 16);
    // The tail moves by d entries (copyWithin handles the overlap).
    table.start.copyWithin(wb + d, wb, n);
    table.end.copyWithin(wb + d, wb, n);
    table.flags.copyWithin(wb + d, wb, n);
    table.vid.copyWithin(wb + d, wb, n);
  }
  for (let i = 0; i < k; i++) {
    table.start[wa + i] = sub!.start[i] + at;
    table.end[wa + i] = sub!.end[i] + at;
    table.flags[wa + i] = sub!.flags[i];
    table.vid[wa + i] = table.intern.idOf(sub!.value(i));
  }
  table.count = total;
  if (delta !== 0) {
    const s = table.start;
    const e = table.end;
    for (let i = wa + k; i < total; i++) {
      s[i] += delta;
      e[i] += delta;
    }
  }
}

/** The id the first item starting at `offset` gets: one more than the last item before it. */
function idAfter(items: ItemNode[], offset: number): number {
  let last = -1;
  const walk = (list: ItemNode[]): void => {
    for (const it of list) {
      if (it.start >= offset) return;
      last = it.id;
      if (it.kind !== 'command') walk(it.body);
    }
  };
  walk(items);
  return last + 1;
}

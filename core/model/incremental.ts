// The incremental model: the same result as buildModel, recomputed after an edit by running again
// only the items (statements and block headers) whose outcome can change. It owns the bookkeeping
// for that and nothing else: what each item touched, what it produced, and snapshots of the state.
//
// How: while the model runs, every access to a namespace's state (topology.namespaces.get, a device
// by id), to the probe names and to the device-name history is recorded per item as its "cells"
// (`ns:NAME`, `#probes`; `#global` for `ip netns add`, which only a whole run redoes) and the device
// names it asked about or changed. After an item that touched several cells, each of them is
// snapshotted. An edit replaces some items (same ids: the syntax layer's reparse keeps the number
// of statements, or the caller runs a whole build). Going forward from the first changed item, a
// cell becomes "live" when a replayed item touches it (or touched it before the edit): it is
// restored to its state just before that item (the newest snapshot before it, then the items that
// touched only that cell since, run again quietly), and from then on every later item that touches
// it runs again. A cell first touched in the middle of an item is restored outside it: the item
// stops, the cells it touched are put back, and it runs again (so executors need not be reentrant,
// and may reuse scratch objects from line to line). Items that touch no live cell keep what they produced, shifted to the new offsets.
// The lints run on the final state every time (they are whole-file, and cheap next to the items).
// Whatever the bookkeeping cannot follow (a device looked up by id outside the live cells, a walk
// over every namespace, `ip netns add`) makes `update` answer undefined: the caller then builds the
// whole model. test/model/incremental.test.ts checks every result against a whole-file build.

import type { Diagnostic } from '../diagnostics/types';
import type { DeviceConfig, NetnsConfig, ProbeSpec, RouteConfig, XtRule, XtTableName } from '../kernel/config';
import type { Reparse } from '../syntax/reparse';
import { ItemNode, SourceFile } from '../syntax/tree';
import type { ModelState, SymbolOccurrence, Tracker } from './context';
import { finishModel, JailContext, jailOf, Model, prepareState, runItem } from './index';
import { iptablesFacts, XtRuleInfo, TableAux } from './iptables-facts';
import { ModelRule } from './iptables-save';
import { lintIptablesOf } from './iptables-lint';
import { lazyProperty } from '../util/lazy';
import { FACT_PROBE_DEFS, FACT_SOCKET_ORIGINS } from './lang';
import {
  FACT_FLUSHED_ROUTES, FlushedRoute, macForDevice, ROOT_NETNS, setTablesCreated, STATEMENT_DEVICE_ID_BASE, tablesCreatedIn, truncateNames,
} from './state';

/** Where an item runs: its namespace and jail (from the enclosing blocks). */
interface Slot {
  item: ItemNode;
  netns: string;
  jail: JailContext;
}

/** What one item touched and produced in the last run. */
interface ItemRecord {
  cells: string[];
  reads?: string[];
  writes?: string[];
  diags?: Diagnostic[];
  syms?: SymbolOccurrence[];
  probes?: ProbeSpec[];
}

/** A copy of one cell's state taken right after item `t` (t = -1: before the first item). */
interface Snapshot {
  t: number;
  data: CellData;
}

type CellData = NetnsData | Map<string | number, unknown> | null;

interface NetnsData {
  ns: NetnsConfig;
  tables: Set<number> | undefined;
  aux: Array<[string, TableAux]>;
  infos: Array<[XtRule, XtRuleInfo]>;
  flushed: FlushedRoute[] | undefined;
}

const NO_CELLS: string[] = [];
const XT_TABLES: XtTableName[] = ['raw', 'mangle', 'nat', 'filter', 'security'];
const NS = 'ns:';
const PROBES = '#probes';
const GLOBAL = '#global';

/** Raised inside a replay when the bookkeeping cannot follow; `update` then answers undefined. */
class CannotFollow extends Error {}

/**
 * Thrown out of an item that touched a cell which is not live yet: the cell is restored outside
 * any executor (restoring runs earlier items, and an executor need not be reentrant), then the
 * item runs again from its start.
 */
class NeedCell {
  constructor(readonly cell: string) {}
}

/** Counters of the last build or update, for tests and the bench. */
export interface IncrementalStats {
  kind: 'build' | 'update' | 'fallback';
  /** Items run again as part of the edit's consequences. */
  replayed: number;
  /** Items run quietly to rebuild a cell's state from a snapshot. */
  restoredItems: number;
  cells: number;
  why?: string;
}

/** Map subclasses that report accesses to the tracker of the run that owns them. */
class TrackedNamespaces extends Map<string, NetnsConfig> {
  run?: IncrementalModel;
  override get(name: string): NetnsConfig | undefined {
    const r = this.run;
    if (r?.tracking && super.has(name)) r.touch(NS + name);
    return super.get(name);
  }
  override values(): IterableIterator<NetnsConfig> {
    if (this.run?.tracking) this.run.touch(GLOBAL);
    return super.values();
  }
  override entries(): IterableIterator<[string, NetnsConfig]> {
    if (this.run?.tracking) this.run.touch(GLOBAL);
    return super.entries();
  }
  override forEach(fn: (v: NetnsConfig, k: string, m: Map<string, NetnsConfig>) => void): void {
    if (this.run?.tracking) this.run.touch(GLOBAL);
    super.forEach(fn);
  }
}

class TrackedDevices extends Map<number, DeviceConfig> {
  run?: IncrementalModel;
  override get(id: number): DeviceConfig | undefined {
    const dev = super.get(id);
    const r = this.run;
    if (r?.tracking && dev) return r.device(dev);
    return dev;
  }
}

export class IncrementalModel {
  file: SourceFile;
  model!: Model;
  stats: IncrementalStats = { kind: 'build', replayed: 0, restoredItems: 0, cells: 0 };
  /** True while items run (lints and assembly do not track). */
  tracking = false;

  private state!: ModelState;
  private slots: Slot[] = [];
  private recs: ItemRecord[] = [];
  private cellItems = new Map<string, number[]>();
  private nameReaders = new Map<string, number[]>();
  private snaps = new Map<string, Snapshot[]>();
  /** The iptables lints of each namespace's final rules (rerun for the namespaces an update replays). */
  private xtLints = new Map<string, Diagnostic[]>();
  private tracker!: Tracker;
  // Current item's collection.
  private curCells: string[] = [];
  private curReads: string[] | undefined;
  private curWrites: string[] | undefined;
  // Replay state.
  private replaying = false;
  private live = new Set<string>();
  private marks: Uint8Array = new Uint8Array(0);
  private restoredItems = 0;
  private scratch: Array<{ diags: Diagnostic[]; syms: SymbolOccurrence[]; probes: ProbeSpec[]; cells: string[] }> = [];
  private depth = 0;
  private singles = new Map<string, string[]>();

  constructor(file: SourceFile) {
    this.file = file;
    this.build();
  }

  // ------------------------------------------------------------ whole build (recording)

  private build(): void {
    const file = this.file;
    const state = prepareState(file);
    this.state = state;
    const nss = new TrackedNamespaces(state.topology.namespaces);
    nss.run = this;
    const devs = new TrackedDevices(state.topology.devices);
    devs.run = this;
    state.topology.namespaces = nss;
    state.topology.devices = devs;
    this.tracker = {
      touch: (cell) => this.touch(cell),
      readName: (name) => {
        if (this.tracking) (this.curReads ??= []).push(name);
      },
      wroteName: (name) => {
        if (this.tracking) (this.curWrites ??= []).push(name);
      },
    };
    state.tracker = this.tracker;
    this.slots = slotsOf(file.items);
    this.recs = new Array(this.slots.length);
    this.cellItems.clear();
    this.nameReaders.clear();
    this.snaps.clear();
    for (const name of state.nsOrder) this.snaps.set(NS + name, [{ t: -1, data: this.capture(NS + name) }]);
    this.snaps.set(PROBES, [{ t: -1, data: new Map() }]);
    this.snaps.set(GLOBAL, [{ t: -1, data: null }]);
    for (let id = 0; id < this.slots.length; id++) {
      const rec = this.runSlot(id);
      this.recs[id] = rec;
      this.index(id, rec, undefined);
      if (rec.cells.length > 1) for (const c of rec.cells) this.snapshot(c, id);
    }
    for (const name of state.nsOrder) this.lintNetns(name);
    this.model = this.assemble();
    this.stats = { kind: 'build', replayed: this.slots.length, restoredItems: 0, cells: state.nsOrder.length };
  }

  /** Runs item `id` with fresh sinks and collects what it touched and produced. */
  private runSlot(id: number): ItemRecord {
    const slot = this.slots[id];
    const state = this.state;
    // Scratch sinks per nesting depth (a replay may restore a cell, which runs items quietly).
    const sc = (this.scratch[this.depth] ??= { diags: [], syms: [], probes: [], cells: [] });
    this.depth++;
    const { diags, syms, probes } = sc;
    diags.length = syms.length = probes.length = sc.cells.length = 0;
    state.diagnostics = diags;
    state.symbols = syms;
    state.probes = probes;
    this.curCells = sc.cells;
    this.curReads = undefined;
    this.curWrites = undefined;
    this.tracking = true;
    try {
      runItem(state, slot.item, slot.netns, slot.jail);
    } finally {
      this.tracking = false;
      this.depth--;
    }
    const cells = this.curCells;
    const rec: ItemRecord = { cells: cells.length === 0 ? NO_CELLS : cells.length === 1 ? this.single(cells[0]) : cells.slice() };
    if (this.curReads) rec.reads = dedupe(this.curReads);
    if (this.curWrites) rec.writes = dedupe(this.curWrites);
    if (diags.length) rec.diags = diags.slice();
    if (syms.length) rec.syms = syms.slice();
    if (probes.length) rec.probes = probes.slice();
    return rec;
  }

  /** One shared, never changed `[cell]` per cell: most items touch one. */
  private single(cell: string): string[] {
    let a = this.singles.get(cell);
    if (!a) this.singles.set(cell, (a = [cell]));
    return a;
  }

  /** Called on every tracked access while an item runs. */
  touch(cell: string): void {
    if (!this.tracking) return;
    if (!this.curCells.includes(cell)) this.curCells.push(cell);
    if (!this.replaying) return;
    if (cell === GLOBAL) throw new CannotFollow('a statement that only a whole-file run follows (ip netns add, or a walk over every namespace)');
    if (!this.live.has(cell)) throw new NeedCell(cell);
  }

  /**
   * Runs item `id` during a replay. When it touches a cell that is not live, the cells it touched
   * so far (which may hold its half-made changes) and that one are put back to their state just
   * before it, and it runs again.
   */
  private runLive(id: number): ItemRecord {
    for (;;) {
      try {
        return this.runSlot(id);
      } catch (e) {
        if (!(e instanceof NeedCell)) throw e;
        const touched = this.curCells.slice();
        if (!touched.includes(e.cell)) touched.push(e.cell);
        for (const c of touched) this.makeLive(c, id);
      }
    }
  }

  /** A device looked up by id: its namespace is a cell of the item. */
  device(dev: DeviceConfig): DeviceConfig {
    const cell = NS + dev.netns;
    if (!this.replaying) {
      this.touch(cell);
      return dev;
    }
    // While replaying, the map holds the live cells' devices and the others' final ones; only the
    // former are right for this moment.
    if (this.live.has(cell)) {
      const ns = Map.prototype.get.call(this.state.topology.namespaces, dev.netns) as NetnsConfig | undefined;
      if (ns?.devices.get(dev.name) === dev) {
        this.touch(cell);
        return dev;
      }
    }
    throw new CannotFollow(`device ${dev.name} looked up by id outside the namespaces being replayed`);
  }

  // ------------------------------------------------------------ index of who touched what

  private index(id: number, rec: ItemRecord, old: ItemRecord | undefined): void {
    if (old) {
      for (const c of old.cells) if (!rec.cells.includes(c)) removeSorted(this.cellItems.get(c), id);
      for (const n of old.reads ?? []) if (!rec.reads?.includes(n)) removeSorted(this.nameReaders.get(n), id);
    }
    for (const c of rec.cells) if (!old?.cells.includes(c)) insertSorted(this.cellItems, c, id);
    for (const n of rec.reads ?? []) if (!old?.reads?.includes(n)) insertSorted(this.nameReaders, n, id);
  }

  // ------------------------------------------------------------ snapshots

  private snapshot(cell: string, t: number): void {
    let list = this.snaps.get(cell);
    if (!list) this.snaps.set(cell, (list = []));
    while (list.length && list[list.length - 1].t >= t) list.pop();
    list.push({ t, data: this.capture(cell) });
  }

  /** A copy of a cell's current state. */
  private capture(cell: string): CellData {
    const state = this.state;
    if (cell === PROBES) return new Map((state.facts.get(FACT_PROBE_DEFS) as Map<string | number, unknown> | undefined) ?? []);
    if (!cell.startsWith(NS)) return null;
    const name = cell.slice(NS.length);
    const ns = Map.prototype.get.call(state.topology.namespaces, name) as NetnsConfig;
    const facts = iptablesFacts(state);
    const aux: NetnsData['aux'] = [];
    for (const t of XT_TABLES) {
      const a = facts.tables.get(`${name}/${t}`);
      if (a) aux.push([`${name}/${t}`, a]);
    }
    const infos: NetnsData['infos'] = [];
    for (const table of ns.xtables.values()) {
      for (const chain of table.chains.values()) {
        for (const r of chain.rules) {
          const info = facts.rules.get(r);
          if (info) infos.push([r, info]);
        }
      }
    }
    const flushed = (state.facts.get(FACT_FLUSHED_ROUTES) as Map<string, FlushedRoute[]> | undefined)?.get(name);
    const data: NetnsData = { ns, tables: tablesCreatedIn(ns), aux, infos, flushed };
    return cloneNetnsData(data);
  }

  /** Puts a cell back to its state just before item `t` and makes it live. */
  private makeLive(cell: string, t: number): void {
    this.live.add(cell);
    const list = this.snaps.get(cell) ?? [];
    let k = list.length - 1;
    while (k >= 0 && list[k].t >= t) k--;
    if (k < 0) throw new CannotFollow(`no snapshot of ${cell} before item ${t}`);
    const snap = list[k];
    list.length = k + 1; // later snapshots are retaken as the replay passes them
    const state = this.state;
    if (cell === GLOBAL) throw new CannotFollow('ip netns add');
    if (cell === PROBES) {
      state.facts.set(FACT_PROBE_DEFS, new Map(snap.data as Map<string | number, unknown>));
    } else {
      const name = cell.slice(NS.length);
      const data = cloneNetnsData(snap.data as NetnsData);
      const nss = state.topology.namespaces;
      const devs = state.topology.devices;
      const old = Map.prototype.get.call(nss, name) as NetnsConfig | undefined;
      if (old) for (const d of old.devices.values()) if (Map.prototype.get.call(devs, d.id) === d) devs.delete(d.id);
      nss.set(name, data.ns);
      for (const d of data.ns.devices.values()) devs.set(d.id, d);
      setTablesCreated(data.ns, data.tables);
      const facts = iptablesFacts(state);
      for (const tn of XT_TABLES) facts.tables.delete(`${name}/${tn}`);
      for (const [key, a] of data.aux) facts.tables.set(key, a);
      for (const [r, info] of data.infos) facts.rules.set(r, info);
      let byNs = state.facts.get(FACT_FLUSHED_ROUTES) as Map<string, FlushedRoute[]> | undefined;
      if (data.flushed) {
        if (!byNs) state.facts.set(FACT_FLUSHED_ROUTES, (byNs = new Map()));
        byNs.set(name, data.flushed);
      } else byNs?.delete(name);
      truncateNames(state, name, snap.t + 1);
    }
    // Run again, quietly, the items since the snapshot that touched only this cell.
    const items = this.cellItems.get(cell) ?? [];
    const saved = {
      d: state.diagnostics, s: state.symbols, p: state.probes, now: state.now, seq: state.devSeq, seqOrigin: state.devSeqOrigin,
      cells: this.curCells, r: this.curReads, w: this.curWrites, tracking: this.tracking,
    };
    const wasReplaying = this.replaying;
    this.replaying = false;
    try {
      for (let i = lowerBound(items, snap.t + 1); i < items.length && items[i] < t; i++) {
        const id = items[i];
        const rec = this.recs[id];
        if (rec.cells.length !== 1) throw new CannotFollow(`item ${id} touched several cells but has no snapshot after it`);
        const again = this.runSlot(id);
        if (again.cells.length !== 1 || again.cells[0] !== cell) throw new CannotFollow(`item ${id} touched other cells when run again`);
        this.restoredItems++;
      }
    } finally {
      this.replaying = wasReplaying;
      state.diagnostics = saved.d;
      state.symbols = saved.s;
      state.probes = saved.p;
      state.now = saved.now;
      state.devSeq = saved.seq;
      state.devSeqOrigin = saved.seqOrigin;
      this.curCells = saved.cells;
      this.curReads = saved.r;
      this.curWrites = saved.w;
      this.tracking = saved.tracking;
    }
    // Every later item of this cell runs again.
    for (let i = lowerBound(items, t + 1); i < items.length; i++) this.marks[items[i]] = 1;
  }

  // ------------------------------------------------------------ update after an edit

  /**
   * Brings the model up to date with `rp` (the reparse of an edit). Returns the new model, or
   * undefined when a whole build is needed (the caller builds a new IncrementalModel).
   */
  update(rp: Reparse): Model | undefined {
    // The reparse kept every block: the statements of the edited lines are new nodes, ids
    // firstId.. (`removed` before, `added` now); when the counts differ, later ids moved.
    const a = rp.firstId;
    const m = rp.removed;
    const n = rp.added;
    for (let id = a; id < a + m; id++) {
      const old = this.slots[id]?.item;
      if (!old || old.kind !== 'command') return this.fallback('the statements moved');
      // `ip netns add` makes namespaces exist from the start: only a whole run follows a change to one.
      if (isNetnsAdd(old)) return this.fallback("an 'ip netns add' line changed");
    }
    const fresh: ItemNode[] = [];
    for (const id of rp.changed) {
      const item = findItem(rp.file.items, id);
      if (!item || item.kind !== 'command') return this.fallback('the statements moved');
      if (isNetnsAdd(item)) return this.fallback("an 'ip netns add' line changed");
      fresh.push(item);
    }
    // Offsets of what stays: everything after the edited lines moves by delta.
    shiftRecords(this.recs, rp.oldEnd, rp.delta, a, a + m);
    for (const list of this.xtLints.values()) shiftDiagnostics(list, rp.oldEnd, rp.delta);
    const removedRecs = this.recs.slice(a, a + m);
    this.file = rp.file;
    if (m !== n) {
      this.renumber(a, m, n);
      this.slots = slotsOf(rp.file.items);
    } else for (let k = 0; k < n; k++) this.slots[a + k] = { ...this.slots[a + k], item: fresh[k] };
    if (m === 0 && n === 0) {
      this.model = this.assemble();
      this.stats = { kind: 'update', replayed: 0, restoredItems: 0, cells: 0 };
      return this.model;
    }
    this.marks = new Uint8Array(this.slots.length);
    this.live.clear();
    this.restoredItems = 0;
    for (const id of rp.changed) this.marks[id] = 1;
    let replayed = 0;
    this.replaying = true;
    try {
      // What the old statements did may be undone: their cells are recomputed from `a` on, and
      // whoever asked about the device names they changed asks again.
      for (const rec of removedRecs) {
        for (const c of rec.cells) if (!this.live.has(c)) this.makeLive(c, a);
        for (const name of rec.writes ?? []) {
          const readers = this.nameReaders.get(name);
          if (readers) for (let i = lowerBound(readers, a); i < readers.length; i++) this.marks[readers[i]] = 1;
        }
      }
      for (let id = a; id < this.slots.length; id++) {
        if (!this.marks[id]) continue;
        const old = this.recs[id];
        this.state.now = id;
        // What the item did before may be undone now: its old cells are recomputed from here.
        for (const c of old.cells) if (!this.live.has(c)) this.makeLive(c, id);
        const rec = this.runLive(id);
        replayed++;
        this.recs[id] = rec;
        this.index(id, rec, old);
        if (rec.cells.length > 1) for (const c of rec.cells) this.snapshot(c, id);
        // Device names this item changed (now or before): later items that asked about them run again.
        for (const list of [old.writes, rec.writes]) {
          for (const n of list ?? []) {
            const readers = this.nameReaders.get(n);
            if (readers) for (let i = lowerBound(readers, id + 1); i < readers.length; i++) this.marks[readers[i]] = 1;
          }
        }
      }
    } catch (e) {
      if (e instanceof CannotFollow) return this.fallback(e.message);
      throw e;
    } finally {
      this.replaying = false;
      this.tracking = false;
    }
    for (const cell of this.live) if (cell.startsWith(NS)) this.lintNetns(cell.slice(NS.length));
    this.model = this.assemble();
    this.stats = { kind: 'update', replayed, restoredItems: this.restoredItems, cells: this.live.size };
    return this.model;
  }

  /**
   * The statements firstId..firstId+removed-1 became `added` new ones: every id from the old
   * firstId+removed on moves by the difference, wherever it is kept (origins in the state and the
   * snapshots, device ids and the MACs made from them, symbols, times, the indexes).
   */
  private renumber(a: number, m: number, n: number): void {
    const d = n - m;
    const P = a + m;
    const fo = (o: number): number => (o >= P ? o + d : o);
    const devFrom = STATEMENT_DEVICE_ID_BASE + 2 * P;
    const fd = (id: number): number => (id >= devFrom ? id + 2 * d : id);
    const fdOpt = (id: number | undefined): number | undefined => (id === undefined ? undefined : fd(id));
    const state = this.state;
    const nss = state.topology.namespaces;
    const netns = (ns: NetnsConfig): void => {
      for (const dev of ns.devices.values()) {
        const id = fd(dev.id);
        if (id !== dev.id && dev.mac === macForDevice(dev.id)) dev.mac = macForDevice(id);
        dev.id = id;
        dev.peer = fdOpt(dev.peer);
        dev.master = fdOpt(dev.master);
        if (dev.peer === undefined) delete dev.peer;
        if (dev.master === undefined) delete dev.master;
        dev.origin = fo(dev.origin);
      }
      for (const x of ns.addresses) {
        x.devId = fd(x.devId);
        x.origin = fo(x.origin);
      }
      for (const r of ns.routes) route(r);
      for (const r of ns.rules) r.origin = fo(r.origin);
      for (const x of ns.neighbours) {
        x.devId = fd(x.devId);
        x.origin = fo(x.origin);
      }
      for (const t of ns.xtables.values()) {
        for (const c of t.chains.values()) {
          c.origin = fo(c.origin);
          for (const r of c.rules) r.origin = fo(r.origin);
        }
      }
      for (const x of ns.sockets) x.origin = fo(x.origin);
    };
    const route = (r: RouteConfig): void => {
      if (r.devId !== undefined) r.devId = fd(r.devId);
      r.origin = fo(r.origin);
    };
    const flushed = (list: FlushedRoute[] | undefined): void => {
      for (const f of list ?? []) {
        route(f.route);
        f.by = fo(f.by);
      }
    };
    const probe = (p: ProbeSpec): void => {
      p.origin = fo(p.origin);
      if (p.on) p.on.devId = fd(p.on.devId);
    };
    // The state.
    const all = [...Map.prototype.values.call(nss)] as NetnsConfig[];
    for (const ns of all) netns(ns);
    const devs = state.topology.devices;
    devs.clear();
    for (const ns of all) for (const dev of ns.devices.values()) devs.set(dev.id, dev);
    for (const list of ((state.facts.get(FACT_FLUSHED_ROUTES) as Map<string, FlushedRoute[]> | undefined)?.values() ?? [])) flushed(list);
    const sockets = state.facts.get(FACT_SOCKET_ORIGINS) as Map<number, unknown> | undefined;
    if (sockets) {
      const moved = [...sockets].filter(([k]) => k >= a);
      for (const [k] of moved) sockets.delete(k);
      for (const [k, v] of moved) if (k >= P) sockets.set(k + d, v);
    }
    for (const h of state.names.values()) {
      for (const e of h.events) e.t = fo(e.t);
      for (const list of h.byName.values()) for (const e of list) e.t = fo(e.t);
    }
    // Moved with holes kept holes (blocks have no statement; consumers skip holes).
    const before = state.statements;
    const after: typeof before = [];
    before.forEach((info, id) => {
      if (id < a) after[id] = info;
      else if (id >= P) after[id + d] = info;
    });
    state.statements = after;
    // The snapshots: those taken inside the edited lines go (their cells are rebuilt from `a`).
    for (const list of this.snaps.values()) {
      let w = 0;
      for (const snap of list) {
        if (snap.t >= a && snap.t < P) continue;
        snap.t = fo(snap.t);
        if (snap.data && !(snap.data instanceof Map)) {
          netns(snap.data.ns);
          flushed(snap.data.flushed);
        }
        list[w++] = snap;
      }
      list.length = w;
    }
    // The records and indexes.
    const placeholders: ItemRecord[] = [];
    for (let k = 0; k < n; k++) placeholders.push({ cells: NO_CELLS });
    this.recs.splice(a, m, ...placeholders);
    for (let id = a + n; id < this.recs.length; id++) {
      const rec = this.recs[id];
      for (const sym of rec.syms ?? []) {
        sym.statement = fo(sym.statement);
        if (sym.kind === 'device') sym.key = `device:${fd(Number(sym.key.slice(7)))}`;
      }
      for (const p of rec.probes ?? []) probe(p);
    }
    for (const rec of this.recs.slice(0, a)) {
      for (const sym of rec.syms ?? []) if (sym.kind === 'device') sym.key = `device:${fd(Number(sym.key.slice(7)))}`;
    }
    const lists = (index: Map<string, number[]>): void => {
      for (const [key, ids] of index) {
        const out: number[] = [];
        for (const id of ids) if (id < a || id >= P) out.push(fo(id));
        index.set(key, out);
      }
    };
    lists(this.cellItems);
    lists(this.nameReaders);
  }

  private fallback(why: string): undefined {
    this.stats = { kind: 'fallback', replayed: 0, restoredItems: 0, cells: 0, why };
    return undefined;
  }

  private lintNetns(name: string): void {
    const ns = Map.prototype.get.call(this.state.topology.namespaces, name) as NetnsConfig;
    const out: Diagnostic[] = [];
    lintIptablesOf(this.state, ns, out);
    this.xtLints.set(name, out);
  }

  /** The model from the records and the final state, with the other lints run afresh. */
  private assemble(): Model {
    const state = this.state;
    const diags: Diagnostic[] = [];
    const probes: ProbeSpec[] = [];
    const recs = this.recs;
    for (const rec of recs) {
      if (rec.diags) for (const d of rec.diags) diags.push(d);
      if (rec.probes) for (const p of rec.probes) probes.push(p);
    }
    state.symbols = [];
    state.probes = probes;
    const st = state.statements;
    while (st.length && !(st.length - 1 in st)) st.length--;
    state.tracker = undefined;
    try {
      // The iptables lints come last, as in a whole run.
      const m = finishModel(state, this.file, diags, false);
      // A new topology object per version: the simulator caches a compiled kernel per topology
      // object (core/sim/simulate.ts), and the maps inside change in place from one version to the next.
      m.topology = { namespaces: state.topology.namespaces, devices: state.topology.devices };
      for (const name of state.nsOrder) for (const d of this.xtLints.get(name) ?? []) m.diagnostics.push(d);
      // The symbols (several per statement) are gathered when first read: publishing diagnostics
      // needs none. Read them before the next update: it changes the records in place.
      lazyProperty(m, 'symbols', () => {
        const syms: SymbolOccurrence[] = [];
        for (const rec of recs) if (rec.syms) for (const x of rec.syms) syms.push(x);
        return syms;
      });
      return m;
    } finally {
      state.tracker = this.tracker;
    }
  }
}

// ---------------------------------------------------------------- helpers

/** Every item of the file in id (file) order with the namespace and jail it runs in. */
function slotsOf(items: ItemNode[]): Slot[] {
  const out: Slot[] = [];
  const walk = (list: ItemNode[], netns: string, jail: JailContext): void => {
    for (const item of list) {
      out[item.id] = { item, netns, jail };
      if (item.kind === 'namespace') walk(item.body, item.name?.value ?? netns, undefined);
      else if (item.kind === 'jail') walk(item.body, netns, jailOf(item));
    }
  };
  walk(items, ROOT_NETNS, undefined);
  return out;
}

function shiftRecords(recs: ItemRecord[], oldEnd: number, delta: number, skipFrom: number, skipTo: number): void {
  if (delta === 0) return;
  for (let id = 0; id < recs.length; id++) {
    if (id >= skipFrom && id < skipTo) continue;
    const rec = recs[id];
    if (rec.diags) shiftDiagnostics(rec.diags, oldEnd, delta);
    if (rec.syms) {
      for (const s of rec.syms) {
        if (s.start >= oldEnd) s.start += delta;
        if (s.end >= oldEnd) s.end += delta;
      }
    }
  }
}

function shiftDiagnostics(list: Diagnostic[], oldEnd: number, delta: number): void {
  if (delta === 0) return;
  for (const d of list) {
    if (d.start >= oldEnd) d.start += delta;
    if (d.end >= oldEnd) d.end += delta;
    if (d.related) for (const r of d.related) {
      if (r.start >= oldEnd) r.start += delta;
      if (r.end >= oldEnd) r.end += delta;
    }
  }
}

/** The item with this id (ids grow in file order, so a block's body is searched only if it may hold it). */
function findItem(items: ItemNode[], id: number): ItemNode | undefined {
  let lo = 0;
  let hi = items.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid].id <= id) lo = mid + 1;
    else hi = mid - 1;
  }
  const it = items[hi];
  if (!it) return undefined;
  if (it.id === id) return it;
  return it.kind === 'command' ? undefined : findItem(it.body, id);
}

function isNetnsAdd(item: ItemNode): boolean {
  if (item.kind !== 'command') return false;
  return item.count >= 3 && item.valueAt(0) === 'ip' && item.valueAt(1) === 'netns' && item.valueAt(2) === 'add';
}

function dedupe(xs: string[]): string[] {
  return xs.length < 2 ? xs : [...new Set(xs)];
}

function lowerBound(xs: number[], v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(m: Map<string, number[]>, key: string, id: number): void {
  let xs = m.get(key);
  if (!xs) m.set(key, (xs = []));
  if (!xs.length || xs[xs.length - 1] < id) {
    xs.push(id);
    return;
  }
  const i = lowerBound(xs, id);
  if (xs[i] !== id) xs.splice(i, 0, id);
}

function removeSorted(xs: number[] | undefined, id: number): void {
  if (!xs) return;
  const i = lowerBound(xs, id);
  if (xs[i] === id) xs.splice(i, 1);
}

/** A deep copy of plain data (objects, arrays, Maps, Sets, model rules), keeping shared references shared. */
function deepClone<T>(v: T, memo: Map<object, unknown>): T {
  if (v === null || typeof v !== 'object') return v;
  const hit = memo.get(v as object);
  if (hit !== undefined) return hit as T;
  if (Array.isArray(v)) {
    const out: unknown[] = new Array(v.length);
    memo.set(v, out);
    for (let i = 0; i < v.length; i++) out[i] = deepClone(v[i], memo);
    return out as T;
  }
  if (v instanceof Map) {
    const out = new Map();
    memo.set(v, out);
    for (const [k, x] of v) out.set(deepClone(k, memo), deepClone(x, memo));
    return out as T;
  }
  if (v instanceof Set) {
    const out = new Set();
    memo.set(v, out);
    for (const x of v) out.add(deepClone(x, memo));
    return out as T;
  }
  if (v instanceof ModelRule) {
    // A class (its text is a getter): copied as one, not as plain data.
    const out = v.copyWith((x) => deepClone(x, memo));
    memo.set(v, out);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  memo.set(v as object, out);
  for (const k in v as Record<string, unknown>) out[k] = deepClone((v as Record<string, unknown>)[k], memo);
  return out as T;
}

/** A copy of a namespace's data; rule infos keep their tokens (the tree's, shifted in place). */
function cloneNetnsData(d: NetnsData): NetnsData {
  const memo = new Map<object, unknown>();
  const ns = deepClone(d.ns, memo);
  return {
    ns,
    tables: d.tables ? new Set(d.tables) : undefined,
    aux: d.aux.map(([k, a]) => [k, deepClone(a, memo)]),
    infos: d.infos.map(([r, info]) => [memo.get(r) as XtRule, { ...info, ifaces: info.ifaces.map((x) => ({ ...x })) }]),
    flushed: d.flushed ? deepClone(d.flushed, memo) : undefined,
  };
}

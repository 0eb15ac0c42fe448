// Executor for `iptables` (as iptables 1.8.9 with the nf_tables backend behaves): runs one line
// against the namespace's xtables (NetnsConfig.xtables), after parsing it (iptables-parse.ts) and
// checking what the tool and the kernel check: chain existence, targets per table and hook
// (also through user chains, when a jump makes them reachable), -i/-o per built-in chain, jumps to
// built-in chains, loops, rule numbers. A failing line changes nothing. Tables appear when a
// command changes them (`-L`/`-S`/`-F`/`-Z`/`-D` of a fresh table create nothing, verified with
// `nft list ruleset`). Built-in chains of a table are all created (ACCEPT) with it: on the nft
// backend only touched base chains exist, which filters packets the same way.
// Lints on the final rules live in iptables-lint.ts.

import {
  KERNEL_ORIGIN, XT_BUILTIN_CHAINS, XtChain, XtHook, XtRule, XtTable, XtTableName, XtTarget,
} from '../kernel/config';
import type { ExecContext } from './context';
import { deviceKey, nearestName } from './names';
import { KNOWN_TARGETS, ParsedCmd, parseIptables, RuleSpec } from './iptables-parse';
import { buildRules } from './iptables-save';
import { IPPROTO_TCP } from './iptables-values';

import { iptablesFacts, IptablesFacts, TableAux, XtRuleInfo } from './iptables-facts';
import { KeyCache } from '../util/key-cache';

export { lintIptables } from './iptables-lint';

/** User chains a packet may be nested in below a built-in chain (NFT_JUMP_STACK_SIZE 16, minus the base chain). */
const MAX_JUMP_DEPTH = 15;

/** Where each constrained target may be used: table and built-in chains (hooks). */
const TARGET_LIMITS: Partial<Record<string, { table: XtTableName; hooks?: XtHook[]; where: string }>> = {
  DNAT: { table: 'nat', hooks: ['PREROUTING', 'OUTPUT'], where: "in the nat table's PREROUTING and OUTPUT chains (and user chains reached only from them)" },
  REDIRECT: { table: 'nat', hooks: ['PREROUTING', 'OUTPUT'], where: "in the nat table's PREROUTING and OUTPUT chains (and user chains reached only from them)" },
  SNAT: { table: 'nat', hooks: ['POSTROUTING', 'INPUT'], where: "in the nat table's POSTROUTING and INPUT chains (and user chains reached only from them)" },
  MASQUERADE: { table: 'nat', hooks: ['POSTROUTING'], where: "in the nat table's POSTROUTING chain (and user chains reached only from it)" },
  REJECT: { table: 'filter', where: 'in the filter table (INPUT, FORWARD, OUTPUT and its user chains); in other tables use DROP' },
  NOTRACK: { table: 'raw', where: 'in the raw table (PREROUTING, OUTPUT)' },
  CT: { table: 'raw', where: 'in the raw table (PREROUTING, OUTPUT)' },
};

/** `NS/TABLE` keys of IptablesFacts.tables: one string per pair. */
const AUX_KEYS = new KeyCache((netns, table) => `${netns}/${table}`);
const auxKey = (netns: string, table: string): string => AUX_KEYS.get(netns, table);

function tableAux(f: IptablesFacts, netns: string, table: string): TableAux {
  const k = auxKey(netns, table);
  let a = f.tables.get(k);
  if (!a) {
    a = { out: new Map(), in: new Map(), limited: new Map() };
    f.tables.set(k, a);
  }
  return a;
}

function bump(m: Map<string, Map<string, number>>, a: string, b: string, d: number): void {
  let inner = m.get(a);
  if (!inner) {
    inner = new Map();
    m.set(a, inner);
  }
  const v = (inner.get(b) ?? 0) + d;
  if (v <= 0) inner.delete(b);
  else inner.set(b, v);
}

function jumpOf(t: XtTarget): string | undefined {
  return t.kind === 'jump' || t.kind === 'goto' ? t.chain : undefined;
}

function addEdge(aux: TableAux, from: string, rule: XtRule, d: number): void {
  if (TARGET_LIMITS[rule.target.kind]?.hooks) aux.limited.set(from, (aux.limited.get(from) ?? 0) + d);
  const to = jumpOf(rule.target);
  if (to === undefined) return;
  bump(aux.out, from, to, d);
  bump(aux.in, to, from, d);
}

/** The built-in chains a chain is reachable from: one name, a set (in the order found), or none. */
type Hooks = string | Set<string> | undefined;

/** The first hook of `hooks` that `allowed` does not list. */
function firstBadHook(hooks: Hooks, allowed: readonly string[]): string | undefined {
  if (hooks === undefined) return undefined;
  if (typeof hooks === 'string') return allowed.includes(hooks) ? undefined : hooks;
  for (const h of hooks) if (!allowed.includes(h)) return h;
  return undefined;
}

const isBuiltin = (table: XtTableName, chain: string) => (XT_BUILTIN_CHAINS[table] as string[]).includes(chain);

function newTable(name: XtTableName): XtTable {
  const chains = new Map<string, XtChain>();
  for (const h of XT_BUILTIN_CHAINS[name]) chains.set(h, { name: h, builtin: true, policy: 'ACCEPT', rules: [], origin: KERNEL_ORIGIN });
  return { name, chains };
}

/** Symbol keys of chains, `chain:NS/TABLE/NAME`: one string per chain instead of one per rule that
 *  names it. */
const CHAIN_KEYS = new KeyCache((netns, table, chain) => `chain:${netns}/${table}/${chain}`);
const chainKey = (netns: string, table: string, chain: string): string => CHAIN_KEYS.get(netns, table, chain);

/** StatementInfo.what per command (constants: one string for every line). */
const WHAT: Record<ParsedCmd['op'], string> = {
  A: 'iptables -A', D: 'iptables -D', I: 'iptables -I', R: 'iptables -R', L: 'iptables -L', S: 'iptables -S',
  F: 'iptables -F', Z: 'iptables -Z', N: 'iptables -N', X: 'iptables -X', P: 'iptables -P', E: 'iptables -E',
};

export function execIptables(ctx: ExecContext): void {
  const p = parseIptables(ctx);
  if (!p) return;
  ctx.info.what = WHAT[p.op];
  const facts = iptablesFacts(ctx.state);
  (runner ??= new Runner()).runWith(ctx, p, facts);
}

/** One runner for every line (lines do not nest); it forgets the line when done. */
let runner: Runner | undefined;

class Runner {
  private table: XtTable | undefined;
  private aux!: TableAux;
  private ctx!: ExecContext;
  private p!: ParsedCmd;
  private facts!: IptablesFacts;

  runWith(ctx: ExecContext, p: ParsedCmd, facts: IptablesFacts): void {
    this.ctx = ctx;
    this.p = p;
    this.facts = facts;
    this.table = ctx.netns.xtables.get(p.table);
    this.aux = tableAux(facts, ctx.netnsName, p.table);
    this.run();
    this.ctx = this.p = this.facts = this.aux = undefined as never;
    this.table = undefined;
  }

  private tok(i: number) {
    return this.ctx.argv[i] ?? this.ctx.argv[0];
  }

  private key(chain: string): string {
    return chainKey(this.ctx.netnsName, this.p.table, chain);
  }

  private chainRef(isDef = false): void {
    const p = this.p;
    if (p.chain !== undefined && p.chainIdx >= 0) this.ctx.symbol('chain', this.key(p.chain), this.tok(p.chainIdx), isDef, this.ctx.netnsName);
  }

  /** The table, created (with its built-in chains) if this is its first change. */
  private ensureTable(): XtTable {
    const ns = this.ctx.netns;
    let t = ns.xtables.get(this.p.table);
    if (!t) {
      t = newTable(this.p.table);
      ns.xtables.set(this.p.table, t);
    }
    return t;
  }

  /** A chain as it is now; built-in chains of a table not yet created exist virtually (empty, ACCEPT). */
  private chain(name: string): XtChain | undefined {
    const c = this.table?.chains.get(name);
    if (c) return c;
    if (isBuiltin(this.p.table, name)) return { name, builtin: true, policy: 'ACCEPT', rules: [], origin: KERNEL_ORIGIN };
    return undefined;
  }

  private missingChain(name: string, at: number): void {
    const names = [...XT_BUILTIN_CHAINS[this.p.table], ...(this.table ? [...this.table.chains.keys()] : [])];
    const nearest = nearestName(name, names);
    const d = this.ctx.report('xtNoSuchChain', this.tok(at), name, this.p.table, nearest);
    d.data = { chain: name, table: this.p.table, nearest };
  }

  run(): void {
    const p = this.p;
    switch (p.op) {
      case 'N': return this.newChain();
      case 'X': return this.deleteChain();
      case 'P': return this.policy();
      case 'F': return this.flush();
      case 'Z': case 'L': case 'S':
        if (p.chain !== undefined && !this.chain(p.chain)) return this.missingChain(p.chain, p.chainIdx);
        this.chainRef();
        return;
      case 'E':
        return this.rename();
      case 'A': case 'I': case 'R': case 'D':
        return this.ruleCommand();
    }
  }

  private newChain(): void {
    const p = this.p;
    const name = p.chain!;
    if (name.length > 28) {
      this.ctx.report('xtBadValue', this.tok(p.chainIdx), `chain name \`${name}' too long (must be under 29 chars)`, 'use a shorter name');
      return;
    }
    if ((KNOWN_TARGETS as string[]).includes(name)) {
      this.ctx.report('xtBadValue', this.tok(p.chainIdx), `chain name may not clash with target name \`${name}'`, 'use another name');
      return;
    }
    if (this.chain(name)) {
      this.ctx.report('xtChainExists', this.tok(p.chainIdx), name, p.table);
      return;
    }
    const t = this.ensureTable();
    t.chains.set(name, { name, builtin: false, rules: [], origin: this.ctx.origin });
    this.chainRef(true);
  }

  private deleteChain(): void {
    const p = this.p;
    const t = this.table;
    if (p.chain === undefined) {
      // -X without a chain deletes every user chain of the table; none may be still referenced
      // from a built-in chain or have rules.
      if (!t) return;
      const users = [...t.chains.values()].filter((c) => !c.builtin);
      for (const c of users) {
        const from = [...(this.aux.in.get(c.name)?.keys() ?? [])].find((f) => isBuiltin(p.table, f));
        if (from) {
          this.busy(c.name, `is still the target of a rule in ${from}; delete that rule first`, p.opIdx);
          return;
        }
        if (c.rules.length) {
          this.busy(c.name, `still has ${c.rules.length} rule(s); flush it first with '-F ${c.name}'`, p.opIdx);
          return;
        }
      }
      for (const c of users) {
        t.chains.delete(c.name);
        this.aux.in.delete(c.name);
        this.aux.out.delete(c.name);
        this.aux.limited.delete(c.name);
      }
      return;
    }
    const name = p.chain;
    if (isBuiltin(p.table, name)) {
      const d = this.ctx.report('xtDeleteBuiltinChain', this.tok(p.chainIdx), name);
      d.data = { chain: name };
      return;
    }
    const c = this.chain(name);
    if (!c) return this.missingChain(name, p.chainIdx);
    this.chainRef();
    const refs = this.aux.in.get(name);
    if (refs && refs.size) {
      const from = [...refs.keys()][0];
      this.busy(name, `is still the target of a rule in ${from}; delete that rule first`, p.chainIdx);
      return;
    }
    if (c.rules.length) {
      this.busy(name, `still has ${c.rules.length} rule(s); flush it first with '-F ${name}'`, p.chainIdx);
      return;
    }
    t!.chains.delete(name);
    this.aux.in.delete(name);
    this.aux.out.delete(name);
    this.aux.limited.delete(name);
  }

  /** -E OLD NEW: renames a user chain; rules that jump to it follow (verified: iptables-save shows the new name). */
  private rename(): void {
    const p = this.p;
    const ctx = this.ctx;
    const from = p.chain!;
    const to = p.policy!;
    const c = this.chain(from);
    if (!c || c.builtin) {
      if (c) ctx.report('xtBadValue', this.tok(p.chainIdx), `Can't rename built-in chain ${from}`, 'only user chains can be renamed');
      else this.missingChain(from, p.chainIdx);
      return;
    }
    if (to.length > 28) {
      ctx.report('xtBadValue', this.tok(p.policyIdx), `chain name \`${to}' too long (must be under 29 chars)`, 'use a shorter name');
      return;
    }
    if (this.chain(to)) {
      ctx.report('xtChainExists', this.tok(p.policyIdx), to, p.table);
      return;
    }
    const t = this.table!;
    this.chainRef();
    ctx.symbol('chain', this.key(to), this.tok(p.policyIdx), true, ctx.netnsName);
    // Keep the chain's place in the table's order.
    const entries = [...t.chains.entries()].map(([k, v]): [string, XtChain] => (k === from ? [to, v] : [k, v]));
    t.chains.clear();
    for (const [k, v] of entries) t.chains.set(k, v);
    c.name = to;
    const head = `-A ${from}`;
    for (const r of c.rules) if (r.text.startsWith(head)) r.text = `-A ${to}` + r.text.slice(head.length);
    for (const src of this.aux.in.get(from)?.keys() ?? []) {
      for (const r of t.chains.get(src === from ? to : src)?.rules ?? []) {
        const tg = r.target;
        if ((tg.kind === 'jump' || tg.kind === 'goto') && tg.chain === from) {
          tg.chain = to;
          const tail = ` ${tg.kind === 'jump' ? '-j' : '-g'} ${from}`;
          if (r.text.endsWith(tail)) r.text = r.text.slice(0, -tail.length) + ` ${tg.kind === 'jump' ? '-j' : '-g'} ${to}`;
        }
      }
    }
    // Re-key the jump edges.
    const rekey = (m: Map<string, Map<string, number>>) => {
      const inner = m.get(from);
      if (inner) {
        m.delete(from);
        m.set(to, inner);
      }
      for (const v of m.values()) {
        const n = v.get(from);
        if (n !== undefined) {
          v.delete(from);
          v.set(to, n);
        }
      }
    };
    rekey(this.aux.in);
    rekey(this.aux.out);
    const l = this.aux.limited.get(from);
    if (l !== undefined) {
      this.aux.limited.delete(from);
      this.aux.limited.set(to, l);
    }
  }

  private busy(chain: string, why: string, at: number): void {
    const d = this.ctx.report('xtChainInUse', this.tok(at), chain, why);
    d.data = { chain };
  }

  private policy(): void {
    const p = this.p;
    const name = p.chain!;
    if (!isBuiltin(p.table, name)) {
      const d = this.ctx.report('xtBadBuiltinChain', this.tok(p.chainIdx), name, XT_BUILTIN_CHAINS[p.table].join(', '));
      d.data = { chain: name };
      return;
    }
    const pol = p.policy!;
    if (pol !== 'ACCEPT' && pol !== 'DROP') {
      const upper = pol.toUpperCase();
      const d = this.ctx.report('xtBadPolicy', this.tok(p.policyIdx), pol,
        upper === 'ACCEPT' || upper === 'DROP' ? `policies are case-sensitive: write '${upper}'` : 'a policy is ACCEPT or DROP; for REJECT append a last rule \'-j REJECT\'');
      if (upper === 'ACCEPT' || upper === 'DROP') d.data = { replacement: upper };
      return;
    }
    if (pol === 'DROP' && p.table === 'nat') {
      this.ctx.report('xtBadPolicy', this.tok(p.policyIdx), pol, 'The "nat" table is not intended for filtering, the use of DROP is therefore inhibited; filter in the filter table');
      return;
    }
    const t = this.ensureTable();
    const c = t.chains.get(name)!;
    c.policy = pol;
    c.origin = this.ctx.origin;
    this.chainRef();
  }

  private flush(): void {
    const p = this.p;
    const t = this.table;
    if (p.chain !== undefined) {
      const c = this.chain(p.chain);
      if (!c) return this.missingChain(p.chain, p.chainIdx);
      this.chainRef();
      if (!t || !t.chains.has(p.chain)) return;
      this.flushChain(c);
      return;
    }
    if (t) for (const c of t.chains.values()) this.flushChain(c);
  }

  private flushChain(c: XtChain): void {
    for (const r of c.rules) {
      addEdge(this.aux, c.name, r, -1);
      this.facts.rules.delete(r);
    }
    c.rules = [];
  }

  // ---------------------------------------------------------------- -A -I -R -D

  private ruleCommand(): void {
    const p = this.p;
    const ctx = this.ctx;
    const spec = p.rule;
    const chainName = p.chain!;

    // Checks iptables does while parsing (exit status 2): -i/-o per built-in chain name, then the jump.
    if (spec.iif && (chainName === 'OUTPUT' || chainName === 'POSTROUTING')) {
      const d = ctx.report('xtInterfaceNotInChain', this.tok(spec.iif.idx - 1), '-i', chainName,
        `${chainName} packets have no input device; use '-o' to match the device they leave by`);
      d.data = { suggestOption: '-o', chain: chainName };
      return;
    }
    if (spec.oif && (chainName === 'PREROUTING' || chainName === 'INPUT')) {
      const d = ctx.report('xtInterfaceNotInChain', this.tok(spec.oif.idx - 1), '-o', chainName,
        `${chainName} packets are not routed to an output device yet; use '-i' to match the device they arrive on`);
      d.data = { suggestOption: '-i', chain: chainName };
      return;
    }
    const t = spec.target;
    if (t?.chain !== undefined) {
      const target = t.chain;
      if (isBuiltin(p.table, target)) {
        const d = ctx.report('xtJumpToBuiltin', this.tok(t.idx), target, t.goto ? 'No such file or directory' : 'Operation not supported', t.goto ? '-g' : '-j');
        d.data = { chain: target };
        return;
      }
      if (!this.table?.chains.has(target)) {
        const nearest = nearestName(target, [...KNOWN_TARGETS, ...(this.table ? [...this.table.chains.keys()].filter((n) => !isBuiltin(p.table, n)) : [])]);
        const upper = (KNOWN_TARGETS as string[]).includes(target.toUpperCase()) ? target.toUpperCase() : nearest;
        const d = ctx.report('xtJumpToMissingChain', this.tok(t.idx), target, upper);
        d.data = { chain: target, table: p.table, nearest: upper };
        return;
      }
    }
    if (p.op === 'D' && p.num === undefined && !this.chain(chainName)) {
      const d = ctx.report('xtBadRule', this.tok(p.chainIdx), chainName);
      d.data = { chain: chainName };
      return;
    }
    const chain = this.chain(chainName);
    if (!chain) return this.missingChain(chainName, p.chainIdx);

    if (p.op === 'D' && p.num !== undefined) {
      if (p.num > chain.rules.length) {
        // Verified: with the chain present in the kernel the words are "Index of deletion too big.";
        // a built-in chain of a table not yet created gives "No chain/target/match by that name.".
        ctx.report('xtBadRuleNumber', this.tok(p.numIdx), this.table?.chains.has(chainName) ? 'Index of deletion too big.' : 'No chain/target/match by that name.',
          `${chainName} has ${chain.rules.length} rule(s); -D takes a number from 1 to ${chain.rules.length} or the rule itself`);
        return;
      }
      this.chainRef();
      const real = this.ensureTable().chains.get(chainName)!;
      const [r] = real.rules.splice(p.num - 1, 1);
      addEdge(this.aux, chainName, r, -1);
      this.facts.rules.delete(r);
      return;
    }

    const rules = buildRules(spec, chainName, ctx.origin);
    if (p.op === 'D') {
      // Delete each rule the line stands for: the first rule with exactly this text.
      const real = this.table?.chains.get(chainName);
      const idxs: number[] = [];
      for (const b of rules) {
        const text = b.text;
        const at = real ? real.rules.findIndex((r, k) => r.text === text && !idxs.includes(k)) : -1;
        if (at < 0) {
          const d = ctx.report('xtBadRule', this.tok(p.chainIdx), chainName);
          d.data = { chain: chainName, rule: text };
          return;
        }
        idxs.push(at);
      }
      this.chainRef();
      this.symbolsForRule(spec);
      for (const k of idxs.sort((a, b) => b - a)) {
        const [r] = real!.rules.splice(k, 1);
        addEdge(this.aux, chainName, r, -1);
        this.facts.rules.delete(r);
      }
      return;
    }

    if (p.op === 'R') {
      if (rules.length > 1) {
        ctx.report('xtBadValue', this.tok((spec.src && spec.src.v.length > 1 ? spec.src.idx : spec.dst!.idx)),
          'Replacement rule does not specify a unique address', 'replace one rule at a time: give one address');
        return;
      }
      if (p.num! > chain.rules.length) {
        ctx.report('xtBadRuleNumber', this.tok(p.numIdx), this.table?.chains.has(chainName) ? 'Index of replacement too big.' : 'No chain/target/match by that name.',
          chain.rules.length ? `${chainName} has ${chain.rules.length} rule(s); -R takes a number from 1 to ${chain.rules.length}` : `${chainName} has no rules; use -A to add one`);
        return;
      }
    }
    if (p.op === 'I' && p.num !== undefined && p.num > chain.rules.length + 1) {
      ctx.report('xtBadRuleNumber', this.tok(p.numIdx), 'Index of insertion too big.',
        `${chainName} has ${chain.rules.length} rule(s); -I takes a number from 1 to ${chain.rules.length + 1}`);
      return;
    }

    // Kernel checks (exit status 4): target per table, tcp-reset, hooks, loops.
    if (!this.kernelChecks(chainName, spec)) return;

    // Apply.
    const real = this.ensureTable().chains.get(chainName)!;
    // Only rules with interface words have facts (the lint skips rules without; saves a map entry per rule).
    let info: XtRuleInfo | undefined;
    if (spec.iif || spec.oif) {
      const ifaces: XtRuleInfo['ifaces'] = [];
      // The tree's tokens (ctx.keepToken): these outlive the run, and a reparse moves them.
      if (spec.iif) ifaces.push({ name: spec.iif.v, invert: spec.iif.invert, tok: this.ctx.keepToken(spec.iif.idx) });
      if (spec.oif) ifaces.push({ name: spec.oif.v, invert: spec.oif.invert, tok: this.ctx.keepToken(spec.oif.idx) });
      info = { ifaces };
    }
    for (let k = 0; k < rules.length; k++) {
      if (info) this.facts.rules.set(rules[k], info);
      addEdge(this.aux, chainName, rules[k], 1);
    }
    if (p.op === 'A') for (let k = 0; k < rules.length; k++) real.rules.push(rules[k]);
    else if (p.op === 'I') real.rules.splice((p.num ?? 1) - 1, 0, ...rules);
    else {
      const [old] = real.rules.splice(p.num! - 1, 1, ...rules);
      addEdge(this.aux, chainName, old, -1);
      this.facts.rules.delete(old);
    }
    this.chainRef();
    this.symbolsForRule(spec);
  }

  private symbolsForRule(spec: RuleSpec): void {
    const ctx = this.ctx;
    const t = spec.target;
    if (t?.chain !== undefined) ctx.symbol('chain', this.key(t.chain), this.tok(t.idx), false, ctx.netnsName);
    if (spec.iif) this.deviceRef(spec.iif);
    if (spec.oif) this.deviceRef(spec.oif);
  }

  private deviceRef(x: { v: string; idx: number }): void {
    if (x.v.endsWith('+')) return;
    const ctx = this.ctx;
    const dev = ctx.netns.devices.get(x.v);
    if (dev) ctx.symbol('device', deviceKey(dev.id), this.tok(x.idx), false, ctx.netnsName);
  }

  /** Builtin chains from which `chain` is reachable (itself if built-in): when nothing jumps to
   *  `chain` (the usual case) the chain itself or none, without a set. */
  private hooksReaching(chain: string): Hooks {
    if (!this.aux.in.get(chain)?.size) {
      // Nothing jumps here: only a built-in chain is reachable, from itself.
      return isBuiltin(this.p.table, chain) ? chain : undefined;
    }
    const out = new Set<string>();
    const seen = new Set<string>([chain]);
    const stack = [chain];
    while (stack.length) {
      const c = stack.pop()!;
      if (isBuiltin(this.p.table, c)) out.add(c);
      for (const from of this.aux.in.get(c)?.keys() ?? []) {
        if (!seen.has(from)) {
          seen.add(from);
          stack.push(from);
        }
      }
    }
    return out;
  }

  private kernelChecks(chainName: string, spec: RuleSpec): boolean {
    const ctx = this.ctx;
    const p = this.p;
    const t = spec.target;
    const limit = t?.ext ? TARGET_LIMITS[t.ext] : undefined;
    if (limit && limit.table !== p.table) {
      const d = ctx.report('xtTargetNotAllowed', this.tok(t!.idx), t!.ext!, chainName, limit.where);
      d.data = { target: t!.ext, table: limit.table };
      return false;
    }
    if (t?.ext === 'REJECT' && t.rejectWith === 'tcp-reset' && !(spec.proto && !spec.proto.invert && spec.proto.v === IPPROTO_TCP)) {
      const d = ctx.report('xtRejectTcpResetNeedsTcp', this.tok(t.idx), chainName);
      d.data = { suggestProto: 'tcp' };
      return false;
    }
    if (!limit?.hooks && t?.chain === undefined) return true;
    const hooks = this.hooksReaching(chainName);
    if (limit?.hooks) {
      const bad = firstBadHook(hooks, limit.hooks);
      if (bad) {
        const d = ctx.report('xtTargetNotAllowed', this.tok(t!.idx), t!.ext!, chainName,
          limit.where + (bad !== chainName ? `; ${chainName} is reached from ${bad}` : ''));
        d.data = { target: t!.ext, table: limit.table, hook: bad };
        return false;
      }
    }
    if (t?.chain !== undefined && hooks !== undefined && (typeof hooks === 'string' || hooks.size)) {
      // The jump makes t.chain and everything it reaches reachable from `hooks`.
      // When t.chain jumps nowhere (the usual case) only a jump to itself is a loop, its depth is
      // one more than `chainName`'s, and only its own rules can be constrained: no search.
      const leaf = t.chain !== chainName && !this.aux.out.get(t.chain)?.size;
      const cycle = leaf ? undefined : this.findCycle(t.chain, chainName);
      if (cycle) {
        const d = ctx.report('xtJumpLoop', this.tok(t.idx), chainName, cycle.join(' -> '));
        d.data = { chain: t.chain, cycle };
        return false;
      }
      // nf_tables validates jumps with a stack of 16 levels: a user chain may sit at most 15
      // jumps below a built-in chain (verified: a path of 16 user chains is refused).
      if (!(leaf && isBuiltin(p.table, chainName))) {
        const deep = this.depthPath(chainName, t.chain);
        if (deep.length > MAX_JUMP_DEPTH) {
          const d = ctx.report('xtJumpTooDeep', this.tok(t.idx), chainName, String(deep.length), deep.join(' -> '));
          d.data = { chain: t.chain, depth: deep.length };
          return false;
        }
      }
      const bad = leaf && !this.aux.limited.get(t.chain) ? undefined : this.findConstrainedRule(t.chain, hooks);
      if (bad) {
        const l = TARGET_LIMITS[bad.ext]!;
        const d = ctx.report('xtTargetNotAllowed', this.tok(t.idx), bad.ext, chainName,
          `${l.where}; this jump makes the rule '${bad.rule.text}' reachable from ${bad.hook}`);
        const st = ctx.state.statements[bad.rule.origin];
        if (st) ctx.relate(d, st.cmd, `${bad.ext} rule reached from ${bad.hook}`);
        d.data = { target: bad.ext, hook: bad.hook };
        return false;
      }
    }
    return true;
  }

  /**
   * The longest chain of user chains a packet can be nested in once `from` jumps to `start`:
   * the longest path from a built-in chain down to `from`, then the longest path from `start`.
   * Built-in chains are not counted. Called only when the graph stays acyclic.
   */
  private depthPath(from: string, start: string): string[] {
    // Longest path from a built-in chain to c (built-ins not counted); null when none reaches c.
    const up = new Map<string, string[] | null>();
    const above = (c: string): string[] | null => {
      if (up.has(c)) return up.get(c)!;
      up.set(c, null); // guards against cycles among unreachable chains
      if (isBuiltin(this.p.table, c)) {
        up.set(c, []);
        return [];
      }
      let best: string[] | null = null;
      for (const f of this.aux.in.get(c)?.keys() ?? []) {
        const p = above(f);
        if (p && (!best || p.length > best.length)) best = p;
      }
      const r = best ? [...best, c] : null;
      up.set(c, r);
      return r;
    };
    const down = new Map<string, string[]>();
    const below = (c: string): string[] => {
      const memo = down.get(c);
      if (memo) return memo;
      down.set(c, [c]);
      let best: string[] = [];
      for (const n of this.aux.out.get(c)?.keys() ?? []) {
        const p = below(n);
        if (p.length > best.length) best = p;
      }
      const r = [c, ...best];
      down.set(c, r);
      return r;
    };
    return [...(above(from) ?? []), ...below(start)];
  }

  /** A cycle through the chains reachable from `start`, given the new edge from -> start. */
  private findCycle(start: string, from: string): string[] | undefined {
    const color = new Map<string, number>(); // 1 on stack, 2 done
    const path: string[] = [from];
    const succ = (c: string): string[] => {
      const s = [...(this.aux.out.get(c)?.keys() ?? [])];
      if (c === from) s.push(start);
      return s;
    };
    const dfs = (c: string): string[] | undefined => {
      color.set(c, 1);
      path.push(c);
      for (const n of succ(c)) {
        const col = color.get(n);
        if (col === 1) return [...path.slice(path.indexOf(n)), n];
        if (col === undefined) {
          const r = dfs(n);
          if (r) return r;
        }
      }
      path.pop();
      color.set(c, 2);
      return undefined;
    };
    color.set(from, 1);
    const r = dfs(start);
    return r;
  }

  /** A rule with a hook-limited target in the chains reachable from `start`, used from a hook it does not allow. */
  private findConstrainedRule(start: string, hooks: Hooks): { rule: XtRule; ext: string; hook: string } | undefined {
    const seen = new Set<string>([start]);
    const stack = [start];
    const table = this.table;
    while (stack.length) {
      const c = stack.pop()!;
      if (this.aux.limited.get(c)) for (const r of table?.chains.get(c)?.rules ?? []) {
        const l = TARGET_LIMITS[r.target.kind];
        if (l?.hooks) {
          const bad = firstBadHook(hooks, l.hooks);
          if (bad) return { rule: r, ext: r.target.kind, hook: bad };
        }
      }
      for (const n of this.aux.out.get(c)?.keys() ?? []) {
        if (!seen.has(n)) {
          seen.add(n);
          stack.push(n);
        }
      }
    }
    return undefined;
  }
}

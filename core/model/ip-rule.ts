// `ip rule add|del [not] [from P] [to P] [fwmark M[/MASK]] [iif DEV] [oif DEV] [pref N]
// lookup|table T | blackhole|unreachable|prohibit` (iproute2 ip/iprule.c + net/core/fib_rules.c).
// Keeps ns.rules sorted by pref; a new rule goes after existing rules of the same pref.
//
// Verified on this project's kernel:
//   no pref given -> the kernel takes the pref of the second rule in the list minus 1 (so 32765,
//                    32764, ... in a fresh namespace), or 0 when that rule has pref 0
//                    (fib_default_rule_pref);
//   the same rule twice with the same explicit pref -> RTNETLINK answers: File exists
//   (without pref the second copy gets another pref and is accepted);
//   no action -> lookup main; `from 10.5.0.1/16` (host bits) is accepted;
//   iif/oif naming a missing device -> accepted, shown [detached];
//   lookup foo -> Error: argument "foo" is wrong: invalid table ID
//   del of a missing rule -> RTNETLINK answers: No such file or directory
//   `ip rule del pref 0` deletes the first pref-0 rule (the local lookup) as asked.

import type { FibRuleAction, FibRuleConfig, Prefix } from '../kernel/config';
import { prefixMask, RT_TABLE_MAIN } from '../kernel/config';
import type { Token } from '../syntax/lexer';
import type { ExecContext } from './context';
import {
  Args, matches, parsePrefix, parseTable, parseU32, readOnlyVerb, tableName, unknownVerb, whatOf,
} from './ip-args';
import { deviceKey, nearestName } from './names';

const UNSIMULATED_RULE_KEYWORDS = [
  'tos', 'dsfield', 'realms', 'goto', 'nop', 'suppress_prefixlength', 'suppress_ifgroup', 'uidrange', 'ipproto',
  'sport', 'dport', 'tun_id', 'l3mdev', 'protocol', 'nat', 'map-to', 'flowlabel', 'dscp',
];

export function execRule(ctx: ExecContext, i: number): void {
  const verb = ctx.argv[i];
  if (!verb) return readOnlyVerb(ctx, i);
  const v = verb.value;
  ctx.role(i, 'subcommand');
  if (matches(v, 'list') || matches(v, 'lst') || matches(v, 'show')) return readOnlyVerb(ctx, i);
  if (matches(v, 'save') || matches(v, 'restore') || matches(v, 'flush')) return void ctx.report('notSimulated', verb, `'ip rule ${v}'`);
  if (matches(v, 'add')) return ruleModify(ctx, i + 1, 'add');
  if (matches(v, 'delete')) return ruleModify(ctx, i + 1, 'del');
  unknownVerb(ctx, i, 'rule');
}

interface RuleArgs {
  invert?: boolean;
  from?: Prefix;
  to?: Prefix;
  fwmark?: { value: number; mask: number };
  iif?: Token;
  oif?: Token;
  pref?: number;
  action?: FibRuleAction;
}

function selector(ctx: ExecContext, a: Args, kw: Token): Prefix | undefined | null {
  const v = a.value('prefix', kw);
  if (!v) return null;
  if (v.value.includes(':')) {
    ctx.report('notSimulated', v, "IPv6 rules ('ip -6 rule')");
    return null;
  }
  const p = parsePrefix(v.value, true);
  if (!p) {
    ctx.report('ipBadArgument', v, `Error: an inet prefix is expected rather than "${v.value}".`, 'write PREFIX/LEN or all');
    return null;
  }
  if (p.len === 0) return undefined;
  return { addr: (p.addr & prefixMask(p.len)) >>> 0, len: p.len };
}

function ruleModify(ctx: ExecContext, i: number, op: 'add' | 'del'): void {
  ctx.info.what = whatOf('ip rule', op);
  const a = new Args(ctx, i);
  const r: RuleArgs = {};
  while (!a.done) {
    const t = a.peek()!;
    const w = t.value;
    if (w === 'not') {
      a.take('keyword');
      r.invert = true;
    } else if (w === 'from' || w === 'to') {
      a.take('keyword');
      const p = selector(ctx, a, t);
      if (p === null) return;
      r[w] = p;
    } else if (matches(w, 'preference') || matches(w, 'order') || matches(w, 'priority')) {
      a.take('keyword');
      const n = a.value('number', t);
      if (!n) return;
      const v = parseU32(n.value);
      if (v === undefined) return void ctx.report('ipBadArgument', n, `Error: argument "${n.value}" is wrong: preference value is invalid`, '');
      r.pref = v;
    } else if (w === 'fwmark') {
      a.take('keyword');
      const m = a.value('number', t);
      if (!m) return;
      const [vs, ms] = m.value.split('/');
      const value = parseU32(vs);
      const mask = ms === undefined ? 0xffffffff : parseU32(ms);
      if (value === undefined || mask === undefined) return void ctx.report('ipBadArgument', m, `Error: argument "${m.value}" is wrong: fwmark value is invalid`, 'write MARK or MARK/MASK like 0x1/0xff');
      r.fwmark = { value, mask };
    } else if (matches(w, 'table') || w === 'lookup') {
      a.take('keyword');
      const tt = a.value('table', t);
      if (!tt) return;
      const id = parseTable(tt.value);
      if (id === undefined) {
        const d = ctx.report('ipInvalidTable', tt, `Error: argument "${tt.value}" is wrong: invalid table ID`);
        d.data = { name: tt.value };
        return;
      }
      r.action = { type: 'lookup', table: id };
    } else if (w === 'dev' || w === 'iif' || w === 'oif') {
      a.take('keyword');
      const d = a.value('device', t);
      if (!d) return;
      if (w === 'oif') r.oif = d;
      else r.iif = d;
    } else if (w === 'blackhole' || w === 'unreachable' || w === 'prohibit') {
      a.take('keyword');
      r.action = { type: w };
    } else if (w === 'type') {
      a.take('keyword');
      const tt = a.value('keyword', t);
      if (!tt) return;
      if (tt.value === 'blackhole' || tt.value === 'unreachable' || tt.value === 'prohibit') r.action = { type: tt.value };
      else if (tt.value !== 'unicast') return void ctx.report('notSimulated', tt, `'ip rule ... type ${tt.value}'`);
    } else if (UNSIMULATED_RULE_KEYWORDS.includes(w) || matches(w, 'realms') || matches(w, 'dsfield')) {
      return void ctx.report('notSimulated', t, `'ip rule ... ${w}'`);
    } else {
      a.take('keyword');
      return void ctx.report('ipBadArgument', t, `Error: argument "${w}" is wrong: Failed to parse rule type`, 'use from, to, fwmark, iif, oif, pref and lookup TABLE | blackhole | unreachable | prohibit');
    }
  }
  const ns = ctx.netns;
  for (const d of [r.iif, r.oif]) {
    if (!d) continue;
    const dev = ns.devices.get(d.value);
    if (dev) ctx.symbol('device', deviceKey(dev.id), d, false, ns.name);
    else if (op === 'add') {
      const diag = ctx.report('ipRuleDetachedDevice', d, d.value, ns.name);
      diag.data = { name: d.value, netns: ns.name, nearest: nearestName(d.value, ns.devices.keys()) };
    }
  }
  const same = (x: FibRuleConfig, strict: boolean): boolean => {
    const eq = <T>(want: T | undefined, have: T | undefined, cmp: (p: T, q: T) => boolean) =>
      want === undefined ? !strict || have === undefined : have !== undefined && cmp(want, have);
    const pfx = (p: Prefix, q: Prefix) => p.addr === q.addr && p.len === q.len;
    return (
      (r.pref === undefined ? !strict : x.pref === r.pref) &&
      eq(r.from, x.from, pfx) && eq(r.to, x.to, pfx) &&
      eq(r.fwmark, x.fwmark, (p, q) => p.value === q.value && p.mask === q.mask) &&
      eq(r.iif?.value, x.iif, (p, q) => p === q) && eq(r.oif?.value, x.oif, (p, q) => p === q) &&
      // The kernel compares no `not` flag, neither for duplicates nor for deletion (verified: `... not`
      // after the same rule without it answers File exists; `del not fwmark M` deletes `fwmark M`).
      (r.action === undefined ? !strict || (x.action.type === 'lookup' && x.action.table === RT_TABLE_MAIN) :
        x.action.type === r.action.type && (r.action.type !== 'lookup' || (x.action.type === 'lookup' && x.action.table === r.action.table)))
    );
  };
  if (op === 'del') {
    const idx = ns.rules.findIndex((x) => same(x, false));
    if (idx < 0) {
      ctx.report('ipNoSuchObject', ctx.argv[i - 1], 'RTNETLINK answers: No such file or directory', 'policy rule');
      return;
    }
    ns.rules.splice(idx, 1);
    return;
  }
  if (r.pref !== undefined) {
    const dup = ns.rules.find((x) => same(x, true));
    if (dup) {
      const d = ctx.report('ipObjectExists', ctx.argv[i - 1], `rule ${dup.pref}`, 'remove the duplicate line or give it another pref');
      const first = ctx.state.statements[dup.origin];
      if (first) ctx.relate(d, first.cmd, 'the existing rule');
      return;
    }
  }
  const pref = r.pref ?? (ns.rules.length >= 2 && ns.rules[1].pref ? ns.rules[1].pref - 1 : 0);
  const rule: FibRuleConfig = { pref, action: r.action ?? { type: 'lookup', table: RT_TABLE_MAIN }, origin: ctx.origin };
  if (r.from) rule.from = r.from;
  if (r.to) rule.to = r.to;
  if (r.fwmark) rule.fwmark = r.fwmark;
  if (r.iif) rule.iif = r.iif.value;
  if (r.oif) rule.oif = r.oif.value;
  if (r.invert) rule.invert = true;
  let at = ns.rules.findIndex((x) => x.pref > pref);
  if (at < 0) at = ns.rules.length;
  ns.rules.splice(at, 0, rule);
}

/** For messages and hovers: `lookup 100`, `blackhole`. */
export function describeRuleAction(a: FibRuleAction): string {
  return a.type === 'lookup' ? `lookup ${tableName(a.table)}` : a.type;
}

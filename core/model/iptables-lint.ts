// Lints on the final iptables rules of every namespace (warnings the real tool does not give):
// NS3050 a rule an earlier rule of the same chain always decides first (shadowed), NS3051 an
// `-i`/`-o` naming a device that does not exist in the namespace at the end of the file.
// `lintIptables` is idempotent (a second call does nothing) so core/model/lint.ts and tests may
// both call it. The shadow check is sound, not complete: it compares each rule with the last
// SHADOW_WINDOW terminal rules before it and with the first unconditional terminal rule of the
// chain, and trusts only condition pairs whose implication is certain. It owns no state changes.

import { diagnose } from '../diagnostics/catalogue';
import type { Diagnostic } from '../diagnostics/types';
import { NetnsConfig, prefixMask, XtMatch, XtRule, XtTarget } from '../kernel/config';
import type { ModelState } from './context';
import { iptablesFacts } from './iptables-facts';
import { nearestName } from './names';

/** How many earlier terminal rules each rule is compared with (bounds the lint to O(n * window)). */
export const SHADOW_WINDOW = 32;

type LintState = Pick<ModelState, 'topology' | 'statements' | 'facts' | 'diagnostics'>;

export function lintIptables(state: LintState): void {
  const facts = iptablesFacts(state);
  if (facts.linted) return;
  facts.linted = true;
  for (const ns of state.topology.namespaces.values()) lintIptablesOf(state, ns, state.diagnostics);
}

/** The lints of one namespace's rules, appended to `out` (they read nothing outside it). */
export function lintIptablesOf(state: Pick<LintState, 'statements' | 'facts'>, ns: NetnsConfig, out: Diagnostic[]): void {
  const facts = iptablesFacts(state);
  let seenIface: Set<number> | undefined;
  let names: string[] | undefined;
  for (const table of ns.xtables.values()) {
    for (const chain of table.chains.values()) {
      lintShadows(state, chain.name, chain.rules, out);
      // Only rules with -i/-o have interface facts; a rule whose `-i +` / `-o +` was dropped has
      // them too, and they can only fail when the namespace has no device at all: then look at all.
      const all = ns.devices.size === 0;
      const n = all ? chain.rules.length : nIfaceRules;
      for (let k = 0; k < n; k++) {
        const r = chain.rules[all ? k : IFACE_RULES[k]];
        const info = facts.rules.get(r);
        if (!info) continue;
        for (const x of info.ifaces) {
          if (x.invert) continue;
          const exists = x.name.endsWith('+')
            ? (names ??= [...ns.devices.keys()]).some((d) => d.startsWith(x.name.slice(0, -1)))
            : ns.devices.has(x.name);
          if (exists || (seenIface ??= new Set()).has(x.tok.start)) continue;
          seenIface.add(x.tok.start);
          const nearest = x.name.endsWith('+') ? '' : nearestName(x.name, ns.devices.keys());
          const d = diagnose('xtUnknownInterface', x.tok.start, x.tok.end, x.name, ns.name, nearest);
          d.data = { name: x.name, netns: ns.name, nearest };
          out.push(d);
        }
      }
    }
  }
}

/** Targets after which no later rule of the chain sees the packet. */
function terminal(t: XtTarget): boolean {
  switch (t.kind) {
    case 'ACCEPT': case 'DROP': case 'REJECT': case 'RETURN': case 'goto':
    case 'SNAT': case 'DNAT': case 'MASQUERADE': case 'REDIRECT':
      return true;
    default:
      return false;
  }
}

/** Targets that may change what later matches see (marks, conntrack, anything a called chain does). */
function mutates(t: XtTarget): boolean {
  return t.kind === 'MARK' || t.kind === 'CONNMARK' || t.kind === 'NOTRACK' || t.kind === 'jump';
}

const isStateful = (m: XtMatch): boolean => m.kind === 'mark' || m.kind === 'connmark' || m.kind === 'ctstate';

const ignored = (m: XtMatch): boolean => m.kind === 'comment' || (m.kind === 'icmptype' && m.type === 255 && !m.invert);

/** Indexes of the last chain's rules that have an -i or -o match (lintShadows; reused). */
const IFACE_RULES: number[] = [];
let nIfaceRules = 0;
/** Whether the last condsOf rule has an -i or -o match. */
let lastHasIface = false;

/** A rule's conditions without those that match every packet (comments, `--icmp-type any`): its
 *  matches array itself when it has none of those (most rules; no copy). */
function condsOf(r: XtRule): XtMatch[] {
  const ms = r.matches;
  let skip = 0;
  let iface = false;
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i];
    if (ignored(m)) skip++;
    else if (m.kind === 'iif' || m.kind === 'oif') iface = true;
  }
  lastHasIface = iface;
  if (skip === 0) return ms;
  const conds: XtMatch[] = [];
  for (let i = 0; i < ms.length; i++) if (!ignored(ms[i])) conds.push(ms[i]);
  return conds;
}

/** Bits of condition kinds for a quick test before `covers`: implies(b, a) needs b of a's kind,
 *  except that a multiport condition may follow from a --sport/--dport one. */
const KIND_BIT: Record<string, number> = {
  proto: 1, src: 2, dst: 4, iif: 8, oif: 16, sport: 32, dport: 64, multiport: 128, icmptype: 256, ctstate: 512,
  tcpflags: 1024, mark: 2048, connmark: 4096, addrtype: 8192, iprange: 16384,
};
/** A kind `implies` knows nothing of: never implied. */
const NEVER = 1 << 30;
/** The kinds a rule's conditions need from a rule they would cover. */
function needBits(conds: XtMatch[]): number {
  let bits = 0;
  for (let i = 0; i < conds.length; i++) bits |= KIND_BIT[conds[i].kind] ?? NEVER;
  return bits;
}
/** The kinds a rule's conditions offer (a port condition also offers multiport). */
function haveBits(conds: XtMatch[]): number {
  let bits = 0;
  for (let i = 0; i < conds.length; i++) {
    const k = conds[i].kind;
    bits |= (KIND_BIT[k] ?? 0) | (k === 'sport' || k === 'dport' ? KIND_BIT.multiport : 0);
  }
  return bits;
}

function statefulConds(conds: XtMatch[]): boolean {
  for (let i = 0; i < conds.length; i++) if (isStateful(conds[i])) return true;
  return false;
}

/** The window of earlier terminal rules: a ring of rule indexes, their conditions and whether
 *  they are stateful (reused: the lint is not reentrant). */
const WIN_IDX = new Int32Array(SHADOW_WINDOW);
const WIN_STATEFUL = new Uint8Array(SHADOW_WINDOW);
const WIN_CONDS: XtMatch[][] = new Array<XtMatch[]>(SHADOW_WINDOW).fill([]);
const WIN_NEED = new Int32Array(SHADOW_WINDOW);

/** Whether rule `a` (earlier, at index ai) decides every packet rule `b` matches. */
function decides(a: XtRule, ai: number, aConds: XtMatch[], aNeed: number, aStateful: boolean, b: XtRule, bConds: XtMatch[], bHave: number, lastMutation: number): boolean {
  if (a.origin === b.origin) return false;
  if (aStateful && lastMutation > ai) return false;
  if ((aNeed & ~bHave) !== 0) return false; // some condition of a has nothing in b that could imply it
  return covers(aConds, bConds);
}

function lintShadows(state: Pick<LintState, 'statements'>, chainName: string, rules: XtRule[], out: Diagnostic[]): void {
  let winStart = 0;
  let winLen = 0;
  let catchAll = -1;
  let catchAllConds: XtMatch[] = [];
  let catchAllNeed = 0;
  let catchAllStateful = false;
  let lastMutation = -1;
  let reported: Set<number> | undefined;
  nIfaceRules = 0;
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    const conds = condsOf(r);
    if (lastHasIface) IFACE_RULES[nIfaceRules++] = i;
    const have = haveBits(conds);
    let hit = -1;
    if (catchAll >= 0 && decides(rules[catchAll], catchAll, catchAllConds, catchAllNeed, catchAllStateful, r, conds, have, lastMutation)) hit = catchAll;
    for (let k = winLen - 1; hit < 0 && k >= 0; k--) {
      let slot = winStart + k;
      if (slot >= SHADOW_WINDOW) slot -= SHADOW_WINDOW;
      const ai = WIN_IDX[slot];
      if (decides(rules[ai], ai, WIN_CONDS[slot], WIN_NEED[slot], WIN_STATEFUL[slot] === 1, r, conds, have, lastMutation)) hit = ai;
    }
    if (hit >= 0 && !(reported ??= new Set()).has(r.origin)) {
      reported.add(r.origin);
      const hr = rules[hit];
      const st = state.statements[r.origin];
      const hs = state.statements[hr.origin];
      if (st) {
        const d: Diagnostic = diagnose('xtShadowedRule', st.cmd.start, st.cmd.end, chainName, hr.text);
        d.tags = ['unnecessary'];
        if (hs) (d.related ??= []).push({ start: hs.cmd.start, end: hs.cmd.end, message: `this earlier rule decides first: ${hr.text}` });
        d.data = { shadowedBy: hr.text };
        out.push(d);
      }
    }
    if (mutates(r.target)) lastMutation = i;
    if (terminal(r.target)) {
      const stateful = statefulConds(conds);
      if (catchAll < 0 && conds.length === 0) {
        catchAll = i;
        catchAllConds = conds;
        catchAllNeed = 0;
        catchAllStateful = stateful;
      }
      if (winLen === SHADOW_WINDOW) {
        winStart = winStart + 1 === SHADOW_WINDOW ? 0 : winStart + 1;
        winLen--;
      }
      let slot = winStart + winLen;
      if (slot >= SHADOW_WINDOW) slot -= SHADOW_WINDOW;
      WIN_IDX[slot] = i;
      WIN_STATEFUL[slot] = stateful ? 1 : 0;
      WIN_CONDS[slot] = conds;
      WIN_NEED[slot] = needBits(conds);
      winLen++;
    }
  }
  // Let go of the last chain's conditions.
  for (let k = 0; k < SHADOW_WINDOW; k++) WIN_CONDS[k] = NO_CONDS;
}

const NO_CONDS: XtMatch[] = [];

/** True when every packet matching b's conditions matches a's (a has no condition b does not imply). */
function covers(a: XtMatch[], b: XtMatch[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const ac = a[i];
    let ok = false;
    for (let j = 0; j < b.length && !ok; j++) ok = implies(b[j], ac);
    if (!ok) return false;
  }
  return true;
}

function within(inner: { addr: number; len: number }, outer: { addr: number; len: number }): boolean {
  return inner.len >= outer.len && ((inner.addr & prefixMask(outer.len)) >>> 0) === outer.addr;
}

function rangeWithin(inner: [number, number], outer: [number, number]): boolean {
  return inner[0] >= outer[0] && inner[1] <= outer[1];
}

function someRangeHolds(outer: [number, number][], inner: [number, number]): boolean {
  for (const o of outer) if (rangeWithin(inner, o)) return true;
  return false;
}

function allIn<T>(xs: readonly T[], set: readonly T[]): boolean {
  for (const x of xs) if (!set.includes(x)) return false;
  return true;
}

/** b ⟹ a, for the pairs where it is certain; false when unsure. */
function implies(b: XtMatch, a: XtMatch): boolean {
  switch (a.kind) {
    case 'proto':
      if (b.kind !== 'proto') return false;
      if (!a.invert) return !b.invert && b.proto === a.proto;
      return b.invert ? b.proto === a.proto : b.proto !== a.proto;
    case 'src':
    case 'dst':
      if (b.kind !== a.kind) return false;
      if (!a.invert) return !b.invert && within(b.prefix, a.prefix);
      if (b.invert) return within(a.prefix, b.prefix);
      return !within(b.prefix, a.prefix) && !within(a.prefix, b.prefix);
    case 'iif':
    case 'oif': {
      if (b.kind !== a.kind || a.invert || b.invert) return false;
      if (a.name.endsWith('+')) return b.name.startsWith(a.name.slice(0, -1));
      return b.name === a.name;
    }
    case 'sport':
    case 'dport':
      if (b.kind === a.kind) {
        if (!a.invert) return !b.invert && rangeWithin(b.range, a.range);
        return b.invert && rangeWithin(a.range, b.range);
      }
      return false;
    case 'multiport':
      if (a.invert) return false;
      if (b.kind === 'multiport' && !b.invert && b.which === a.which) {
        for (const br of b.ranges) if (!someRangeHolds(a.ranges, br)) return false;
        return true;
      }
      if (a.which !== 'port' && b.kind === a.which && !b.invert) return someRangeHolds(a.ranges, b.range);
      return false;
    case 'icmptype':
      if (b.kind !== 'icmptype' || a.invert || b.invert) return false;
      return b.type === a.type && (a.code === undefined || a.code === b.code);
    case 'ctstate':
      if (b.kind !== 'ctstate') return false;
      if (!a.invert) return !b.invert && allIn(b.states, a.states);
      return b.invert && allIn(a.states, b.states);
    case 'tcpflags':
      return b.kind === 'tcpflags' && b.mask === a.mask && b.comp === a.comp && b.invert === a.invert;
    case 'mark':
    case 'connmark':
      return b.kind === a.kind && b.value === a.value && b.mask === a.mask && b.invert === a.invert;
    case 'addrtype':
    case 'iprange':
      // Only the identical condition, compared field by field.
      return b.kind === a.kind && JSON.stringify(b) === JSON.stringify(a);
    default:
      return false;
  }
}

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
      for (const r of chain.rules) {
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

/** Whether a rule has a stateful condition (mark, connmark, ctstate; ignored conditions left out). */
function statefulRule(r: XtRule): boolean {
  const ms = r.matches;
  for (let i = 0; i < ms.length; i++) if (!ignored(ms[i]) && isStateful(ms[i])) return true;
  return false;
}

/** Whether a rule has no condition (ignored ones left out). */
function unconditional(r: XtRule): boolean {
  const ms = r.matches;
  for (let i = 0; i < ms.length; i++) if (!ignored(ms[i])) return false;
  return true;
}

/** The window of earlier terminal rules, a ring of rule indexes (reused: the lint is not reentrant). */
const WIN_IDX = new Int32Array(SHADOW_WINDOW);
const WIN_STATEFUL = new Uint8Array(SHADOW_WINDOW);

/** Whether rule `a` (earlier, at index ai) decides every packet rule `b` matches. */
function decides(a: XtRule, ai: number, aStateful: boolean, b: XtRule, lastMutation: number): boolean {
  if (a.origin === b.origin) return false;
  if (aStateful && lastMutation > ai) return false;
  return covers(a.matches, b.matches);
}

function lintShadows(state: Pick<LintState, 'statements'>, chainName: string, rules: XtRule[], out: Diagnostic[]): void {
  let winStart = 0;
  let winLen = 0;
  let catchAll = -1;
  let catchAllStateful = false;
  let lastMutation = -1;
  let reported: Set<number> | undefined;
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    let hit = -1;
    if (catchAll >= 0 && decides(rules[catchAll], catchAll, catchAllStateful, r, lastMutation)) hit = catchAll;
    for (let k = winLen - 1; hit < 0 && k >= 0; k--) {
      const slot = (winStart + k) % SHADOW_WINDOW;
      const ai = WIN_IDX[slot];
      if (decides(rules[ai], ai, WIN_STATEFUL[slot] === 1, r, lastMutation)) hit = ai;
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
      const stateful = statefulRule(r);
      if (catchAll < 0 && unconditional(r)) {
        catchAll = i;
        catchAllStateful = stateful;
      }
      if (winLen === SHADOW_WINDOW) {
        winStart = (winStart + 1) % SHADOW_WINDOW;
        winLen--;
      }
      const slot = (winStart + winLen) % SHADOW_WINDOW;
      WIN_IDX[slot] = i;
      WIN_STATEFUL[slot] = stateful ? 1 : 0;
      winLen++;
    }
  }
}

/** True when every packet matching b's conditions matches a's (a has no condition b does not
 *  imply); conditions that match every packet (comments, `--icmp-type any`) are left out. */
function covers(a: XtMatch[], b: XtMatch[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const ac = a[i];
    if (ignored(ac)) continue;
    let ok = false;
    for (let j = 0; j < b.length && !ok; j++) ok = !ignored(b[j]) && implies(b[j], ac);
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

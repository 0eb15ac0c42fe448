// Bookkeeping the iptables executor keeps beside the kernel configuration (in ModelState.facts
// under 'iptables'): jump edges between chains per table, where each rule's interface words are,
// and whether the lints already ran. Data only.
import type { XtRule } from '../kernel/config';
import type { Token } from '../syntax/lexer';
import type { ModelState } from './context';

/** Per-rule facts the lints need: the rule's interface words (the tree's tokens, so their
 *  offsets follow edits elsewhere in the file). */
export interface XtRuleInfo {
  ifaces: Array<{ name: string; invert: boolean; tok: Token }>;
}

/** Bookkeeping of one table: jump edges between chains (with multiplicity). */
export interface TableAux {
  out: Map<string, Map<string, number>>;
  in: Map<string, Map<string, number>>;
  /** Per chain, how many rules have a hook-limited target (DNAT, SNAT, MASQUERADE, REDIRECT). */
  limited: Map<string, number>;
}

export interface IptablesFacts {
  tables: Map<string, TableAux>; // key `${netns}/${table}`
  /** Weak: the incremental model replaces a namespace's rules with copies and drops the old ones. */
  rules: WeakMap<XtRule, XtRuleInfo>;
  linted: boolean;
}

export function iptablesFacts(state: Pick<ModelState, 'facts'>): IptablesFacts {
  let f = state.facts.get('iptables') as IptablesFacts | undefined;
  if (!f) {
    f = { tables: new Map(), rules: new WeakMap(), linted: false };
    state.facts.set('iptables', f);
  }
  return f;
}


// The interface through which the simulated kernel reports what it does: nested kernel functions
// (enter/leave) and single steps (point), each with the namespace and the packet. Also the drop
// reasons (named as the kernel's enum skb_drop_reason) and errno names. The netstack only calls
// this interface; recording, snapshots, stepping and formatting belong to core/sim.

import type { Origin, XtHook, XtTableName } from '../kernel/config';
import type { Skb } from './skb';

/** Drop reasons, named as in include/net/dropreason-core.h (SKB_DROP_REASON_*), plus SIM_* for the simulator's own bounds. */
export type DropReason =
  | 'NOT_SPECIFIED' | 'NO_SOCKET' | 'NETFILTER_DROP' | 'OTHERHOST' | 'IP_INHDR' | 'IP_CSUM'
  | 'IP_INADDRERRORS' | 'IP_INNOROUTES' | 'IP_OUTNOROUTES' | 'IP_RPFILTER' | 'IP_LOCAL_SOURCE'
  | 'IP_INVALID_SOURCE' | 'IP_NOPROTO' | 'NEIGH_FAILED' | 'QDISC_DROP' | 'DEV_READY' | 'PKT_TOO_BIG'
  | 'UNHANDLED_PROTO' | 'TCP_RESET' | 'BR_INGRESS_DISABLED' | 'ICMP_ECHO_IGNORED' | 'MARTIAN_DESTINATION'
  | 'SIM_LOOP' | 'SIM_STEP_LIMIT' | 'SIM_PACKET_LIMIT' | 'NO_PEER';

export type Errno =
  | 'ENETUNREACH' | 'EHOSTUNREACH' | 'EACCES' | 'EINVAL' | 'EPERM' | 'ECONNREFUSED' | 'EADDRNOTAVAIL'
  | 'ENOPROTOOPT' | 'ETIMEDOUT' | 'ENETDOWN';

/** Attributes of a trace event; all optional, only those that apply are set. */
export interface EvAttrs {
  hook?: XtHook;
  table?: XtTableName;
  chain?: string;
  /** 1-based rule position in its chain (iptables --line-numbers). */
  rule?: number;
  /** accept, drop, continue, jump, goto, return, reject ...; for routing: the route type. */
  verdict?: string;
  /** True when the verdict is a built-in chain's policy. */
  policy?: boolean;
  /** Rule matched (rule events). */
  matched?: boolean;
  /** For a rule that did not match: the first failing match clause ("why not"). */
  why?: string;
  dev?: string;
  /** Origin of the config object that decided this step (rule, route, fib rule, socket, device). */
  origin?: Origin;
  reason?: DropReason;
  errno?: Errno;
  /** Free text: the rule text for netfilter decisions, the route for routing, a note otherwise. */
  text?: string;
}

export interface Tracer {
  /**
   * 0: nothing is recorded (fast path for the matrix); 1: every step except netfilter rules that
   * did not match (like `nft monitor trace`); 2: every rule evaluated, with "why not".
   */
  readonly level: 0 | 1 | 2;
  /** True for a tracer that only counts events (replay): callers may skip building attributes. */
  readonly counting?: boolean;
  /** A nested kernel function starts; the event is the first step inside it. */
  enter(fn: string, netns: string, skb: Skb | null, a?: EvAttrs): void;
  /** The innermost function returns. */
  leave(): void;
  /** One step inside the current function. */
  point(fn: string, netns: string, skb: Skb | null, a?: EvAttrs): void;
}

/** Records nothing. */
export const NULL_TRACER: Tracer = {
  level: 0,
  enter(): void {},
  leave(): void {},
  point(): void {},
};

// The simulated Linux IPv4 kernel: the public surface used by core/sim (and tests). Owns nothing
// itself; each module says what it owns.

export * from './skb';
export * from './wire';
export * from './trace';
export * from './net';
export * from './fib';
export * from './neigh';
export * from './conntrack';
export * from './netfilter';
export * from './engine';

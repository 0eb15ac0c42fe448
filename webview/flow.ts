// The netfilter flow diagram's model: its stages (PREROUTING, routing, INPUT, FORWARD, OUTPUT,
// POSTROUTING), the arrows between them, and which stage a debugger stop is at. Pure (no DOM), so
// it is unit-tested in Node; topology.ts draws it.
import type { PacketPosition } from './protocol';

export const FLOW_STAGES = ['PREROUTING', 'routing', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'] as const;

/** The paths a packet takes between stages; INPUT -> OUTPUT stands for the local process answering. */
export const FLOW_ARROWS: [string, string][] = [
  ['PREROUTING', 'routing'], ['routing', 'FORWARD'], ['FORWARD', 'POSTROUTING'], ['routing', 'INPUT'], ['INPUT', 'OUTPUT'], ['OUTPUT', 'POSTROUTING'],
];

/** Which stage a stop belongs to: its netfilter hook, else routing for the FIB lookups, else none. */
export function flowStage(p: Pick<PacketPosition, 'fn' | 'hook'>): string | null {
  if (p.hook && (FLOW_STAGES as readonly string[]).includes(p.hook)) return p.hook;
  if (/^(ip_route_input|ip_route_output|fib_|ip_rcv_finish)/.test(p.fn)) return 'routing';
  return null;
}

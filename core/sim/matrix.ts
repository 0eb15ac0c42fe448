// The reachability matrix: every listening socket of the topology probed from every namespace
// (TCP connect or one UDP datagram to the socket's address and port; a wildcard listener is
// probed on each address of its namespace), with the outcome the sender sees. Runs the probes
// without recording events. Does not own rendering beyond a plain text table.

import type { Ipv4, Origin, ProbeSpec, SimMode, TopologyConfig } from '../kernel/config';
import { KERNEL_ORIGIN, ipv4ToString } from '../kernel/config';
import type { Kernel } from '../netstack';
import { Outcome, kernelFor, simulate } from './simulate';

export interface MatrixTarget {
  netns: string;
  proto: 'tcp' | 'udp';
  /** The address probed. */
  addr: Ipv4;
  port: number;
  /** The socket's bound address (0 for a wildcard listener). */
  bound: Ipv4;
  /** Origin of the listen statement. */
  origin: Origin;
}

export interface Matrix {
  sources: string[];
  targets: MatrixTarget[];
  /** outcomes[s][t]: from sources[s] to targets[t]. */
  outcomes: Outcome[][];
}

/** Targets: installed sockets (a socket the jail refused does not listen), wildcard ones per address. */
export function matrixTargets(kernel: Kernel): MatrixTarget[] {
  const out: MatrixTarget[] = [];
  for (const net of kernel.nets.values()) {
    const socks = [...net.tcpListeners.values(), ...net.udpSockets.values()].flat();
    socks.sort((a, b) => (a.origin ?? 0) - (b.origin ?? 0));
    for (const l of socks) {
      const addrs = l.addr !== 0 ? [l.addr] : net.addrs.map((a) => a.addr);
      for (const a of addrs) out.push({ netns: net.name, proto: l.proto, addr: a, port: l.port, bound: l.addr, origin: l.origin });
    }
  }
  return out;
}

/**
 * Probes every target from every namespace (or `opts.sources`). Loopback addresses are probed
 * only from their own namespace (127.0.0.1 elsewhere is that namespace's own lo).
 */
export function reachabilityMatrix(topology: TopologyConfig | Kernel, mode: SimMode = { kind: 'separate' }, opts: { sources?: string[] } = {}): Matrix {
  const kernel = kernelFor(topology);
  const sources = opts.sources ?? [...kernel.nets.keys()];
  const targets = matrixTargets(kernel);
  const outcomes: Outcome[][] = [];
  for (const from of sources) {
    const row: Outcome[] = [];
    for (const t of targets) {
      if ((t.addr >>> 24) === 127 && from !== t.netns) {
        row.push({ kind: 'dropped', netns: null, errno: null, origin: null, line: null, reason: 'loopback address of another namespace (not probed)' });
        continue;
      }
      const p: ProbeSpec = { name: `${from}->${t.netns}`, from: { netns: from }, proto: t.proto, dst: t.addr, dport: t.port, origin: KERNEL_ORIGIN };
      row.push(simulate(kernel, p, mode, { detail: 0 }).outcome);
    }
    outcomes.push(row);
  }
  return { sources, targets, outcomes };
}

/** Plain text: one line per source and target with the outcome. */
export function formatMatrix(m: Matrix): string {
  const lines: string[] = [];
  m.sources.forEach((s, i) => {
    m.targets.forEach((t, j) => {
      const o = m.outcomes[i][j];
      lines.push(`${s} -> ${t.proto} ${ipv4ToString(t.addr)}:${t.port} (${t.netns}): ${o.kind}${o.netns ? ` in ${o.netns}` : ''}${o.errno ? ` ${o.errno}` : ''}`);
    });
  });
  return lines.join('\n') + '\n';
}

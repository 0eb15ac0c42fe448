// Neighbour resolution (ARP, kernel-path.md 2.4-2.5) over the L2 segment reachable from an output
// device: veth pairs and bridge ports. A device on the segment answers when its namespace owns the
// target address (arp_ignore 0: any local address) and its input route check for the request
// (sender -> target) says local, which is where strict rp_filter makes resolution stall. The ARP
// exchange also teaches the bridges on the way (FDB). Static `ip neigh` entries (NUD_PERMANENT)
// win without a request. Does not own frame transmission (engine.ts).

import type { Ipv4 } from '../kernel/config';
import { ipRouteInput } from './fib';
import { Dev, Kernel, Net, RunState } from './net';

export interface NeighResult {
  mac: number;
  /** The device that answered (undefined for a static entry). */
  responder?: Dev;
  static: boolean;
}

interface Hop {
  /** Device the request is received on. */
  dev: Dev;
  /** Bridges crossed: bridge, the port the request entered by, the port it left by. */
  path: { bridge: Dev; inPort: Dev; outPort: Dev }[];
}

/**
 * Resolves `target` on `out`. `sip` is the ARP sender address (arp_solicit: the packet's source
 * if local, else an address of the device). Returns undefined when nobody answers (NUD_FAILED).
 */
export function neighResolve(kernel: Kernel, run: RunState, net: Net, out: Dev, target: Ipv4, sip: Ipv4): NeighResult | undefined {
  const stat = net.neigh.get(`${out.id}/${target}`);
  if (stat !== undefined) return { mac: stat, static: true };
  if (!out.up) return undefined;
  const queue: Hop[] = [];
  const seen = new Set<number>();
  const sendOn = (d: Dev, path: Hop['path']): void => {
    // Transmit out of `d`: a veth delivers to its peer; a bridge floods to its ports.
    if (!d.up) return;
    if (d.kind === 'veth') {
      const p = d.peer;
      if (p && p.up && !seen.has(p.id)) {
        seen.add(p.id);
        queue.push({ dev: p, path });
      }
    } else if (d.kind === 'bridge') {
      for (const port of d.ports) {
        if (port.up) sendOn(port, [...path, { bridge: d, inPort: d, outPort: port }]);
      }
    }
  };
  seen.add(out.id);
  sendOn(out, []);
  while (queue.length) {
    const h = queue.shift()!;
    const d = h.dev;
    if (d.master) {
      const br = d.master;
      if (!br.up) continue;
      // The bridge learns the requester on the ingress port; the bridge device itself may answer.
      const viaBr = [...h.path, { bridge: br, inPort: d, outPort: br }];
      if (answers(kernel, run, br, target, sip)) return learn(run, out, viaBr, br);
      for (const port of br.ports) {
        if (port === d || !port.up) continue;
        const pp = [...h.path, { bridge: br, inPort: d, outPort: port }];
        if (port.kind === 'veth' && port.peer && port.peer.up && !seen.has(port.peer.id)) {
          seen.add(port.peer.id);
          queue.push({ dev: port.peer, path: pp });
        }
      }
      continue;
    }
    if (answers(kernel, run, d, target, sip)) return learn(run, out, h.path, d);
  }
  return undefined;
}

function answers(kernel: Kernel, run: RunState, d: Dev, target: Ipv4, sip: Ipv4): boolean {
  if (!d.up) return false;
  const n = kernel.nets.get(d.netns);
  if (!n || !n.localAddrs.has(target)) return false;
  // arp_process: the request must route as local input on the receiving device (rp_filter applies).
  const r = ipRouteInput(run, n, d, target, sip, 0);
  return r.kind === 'local';
}

function learn(run: RunState, out: Dev, path: Hop['path'], responder: Dev): NeighResult {
  for (const p of path) {
    const fdb = run.fdbOf(p.bridge);
    if (p.inPort !== p.bridge) fdb.set(out.mac, p.inPort.id);
    if (p.outPort !== p.bridge) fdb.set(responder.mac, p.outPort.id);
  }
  return { mac: responder.mac, responder, static: false };
}

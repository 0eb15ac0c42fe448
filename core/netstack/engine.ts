// The IPv4 packet path of the simulated kernel, one method per kernel function, named as in the
// kernel: receive (netif_receive_skb, br_handle_frame, ip_rcv, ip_rcv_finish, ip_local_deliver,
// tcp_v4_rcv / udp_rcv / icmp_rcv), forward (ip_forward, ip_error), output (ip_local_out,
// ip_output, ip_finish_output2, neighbour, dev_queue_xmit, veth_xmit, loopback_xmit,
// br_dev_xmit), replies the kernel builds (SYN-ACK, RST, ICMP errors and echo replies, REJECT),
// netfilter hooks with conntrack and NAT, the process side of a probe (socket, bsdjail, connect,
// sendmsg) and the shortcut modes. Every packet the probe causes is followed through a FIFO
// backlog (the per-CPU backlog of __netif_rx). A drop is an event with a reason, never an
// exception; a step bound, a packet bound and a per-packet hop bound guarantee termination.
// Does not own recording, outcomes as the user sees them, or formatting (core/sim).

import type { Ipv4, ProbeSpec, SimMode, XtHook, XtTarget } from '../kernel/config';
import { ipv4ToString } from '../kernel/config';
import {
  CtEntry, CtTable, Manip, natIcmpReplyTranslation, natInitialized, natPacket, natSetupInfo, nfConntrackIn, tupleToString,
} from './conntrack';
import { inetAddrType, inetSelectAddr, ipRouteInput, ipRouteOutput, InputResult, OutputResult, RT_SCOPE_UNIVERSE } from './fib';
import { ClientSocket, Dev, Kernel, Listener, Net, RunState, bsdjailBind } from './net';
import { neighResolve } from './neigh';
import { CRule, HookEntry, NfCtx, NfHost, ipt_do_table } from './netfilter';
import {
  ICMP_DEST_UNREACH, ICMP_ECHO, ICMP_ECHOREPLY, ICMP_EXC_TTL, ICMP_HOST_ANO, ICMP_HOST_UNREACH, ICMP_NET_ANO,
  ICMP_NET_UNREACH, ICMP_PKT_FILTERED, ICMP_PORT_UNREACH, ICMP_PROT_UNREACH, ICMP_TIME_EXCEEDED, IPPROTO_ICMP,
  IPPROTO_TCP, IPPROTO_UDP, MAC_BROADCAST, Skb, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, cloneSkb, ipTotLen, isIcmpError,
  macIsMulticast,
} from './skb';
import { DropReason, Errno, EvAttrs, Tracer } from './trace';

/** Per-probe (or per-packet) cost counters, for comparing modes (kernel-path.md 8.5). */
export interface PathStats {
  /** netif_receive_skb passes (L2RX). */
  l2rx: number;
  /** ip_rcv passes (IPRX). */
  iprx: number;
  /** Netfilter hook points passed (HOOKS), whether or not a table is registered there. */
  hooks: number;
  /** Route lookups (ROUTES): ip_route_input, ip_route_output, re-routes. */
  routes: number;
  /** Kernel functions (layers) entered. */
  layers: number;
  /** Frames transmitted on a device (veth_xmit, loopback_xmit, bridge port). */
  xmits: number;
}

export function emptyStats(): PathStats {
  return { l2rx: 0, iprx: 0, hooks: 0, routes: 0, layers: 0, xmits: 0 };
}

export interface DropRecord {
  packet: number;
  netns: string;
  fn: string;
  reason: DropReason;
  origin?: number;
  text?: string;
}

/** A socket that took the probe's packet (listener, UDP socket, or the kernel's echo responder). */
export interface DeliveryRecord {
  packet: number;
  netns: string;
  proto: 'tcp' | 'udp' | 'icmp';
  origin?: number;
  text: string;
}

export interface EngineLimits {
  /** Kernel function entries over the whole run. */
  maxSteps: number;
  /** Packets created (probe, replies, errors, flood copies). */
  maxPackets: number;
  /** netif_receive_skb passes per packet (bridge/veth loops that do not decrement TTL). */
  maxHops: number;
}

export const DEFAULT_LIMITS: EngineLimits = { maxSteps: 200000, maxPackets: 64, maxHops: 64 };

/** LOCAL_OUT's current route, replaced by ip_route_me_harder; `failed` = its errno. */
interface RerouteBox {
  rt: Extract<OutputResult, { ok: true }>;
  failed?: Errno;
}

/** Thrown to unwind when a run-wide bound is hit; caught by run(). */
class Abort {
  constructor(readonly reason: DropReason) {}
}

/** The first ephemeral source port a probe uses (deterministic; the design's example starts here). */
export const EPHEMERAL_PORT_BASE = 40000;
/** Initial sequence numbers: deterministic (the kernel hashes a secret and a clock). */
const CLIENT_ISN = 1000;
const SERVER_ISN = 5000;
/** MAC of the outside host of an `on NS DEV` probe. */
const OUTSIDE_MAC = 0x02fefefefefe;

export class Engine implements NfHost {
  readonly backlog: { skb: Skb; dev: Dev }[] = [];
  readonly drops: DropRecord[] = [];
  readonly deliveries: DeliveryRecord[] = [];
  readonly stats = emptyStats();
  readonly packetStats = new Map<number, PathStats>();
  /** Every packet created: the packet that caused it and the namespace it was created in. */
  readonly packetInfo = new Map<number, { parent: number | null; netns: string }>();
  /** The probe's injection point, for `on NS DEV` probes (the outside host). */
  private outside?: { dev: Dev; addr: Ipv4; client: ClientSocket };
  private steps = 0;
  private hops = new Map<number, number>();
  aborted?: DropReason;

  constructor(
    readonly kernel: Kernel,
    readonly run: RunState,
    readonly tr: Tracer,
    readonly mode: SimMode = { kind: 'separate' },
    readonly limits: EngineLimits = DEFAULT_LIMITS,
  ) {}

  // ------------------------------------------------------------ bookkeeping

  /** The last packet's stats (consecutive counts are mostly for the same packet). */
  private lastStats: { id: number; stats: PathStats | undefined } = { id: -1, stats: undefined };

  private pstats(skb: Skb): PathStats {
    const last = this.lastStats;
    if (last.id === skb.id && last.stats) return last.stats;
    let s = this.packetStats.get(skb.id);
    if (!s) this.packetStats.set(skb.id, (s = emptyStats()));
    last.id = skb.id;
    last.stats = s;
    return s;
  }

  private count(skb: Skb, k: keyof PathStats): void {
    const ps = this.pstats(skb);
    const st = this.stats;
    // Named stores (a computed key here made every count a generic keyed access).
    switch (k) {
      case 'l2rx': st.l2rx++; ps.l2rx++; break;
      case 'iprx': st.iprx++; ps.iprx++; break;
      case 'hooks': st.hooks++; ps.hooks++; break;
      case 'routes': st.routes++; ps.routes++; break;
      case 'layers': st.layers++; ps.layers++; break;
      case 'xmits': st.xmits++; ps.xmits++; break;
    }
  }

  private enter(fn: string, net: Net, skb: Skb, a?: EvAttrs): void {
    if (++this.steps > this.limits.maxSteps) throw new Abort('SIM_STEP_LIMIT');
    this.count(skb, 'layers');
    this.tr.enter(fn, net.name, skb, a);
  }

  private leave(): void {
    this.tr.leave();
  }

  private point(fn: string, net: Net, skb: Skb, a?: EvAttrs): void {
    this.tr.point(fn, net.name, skb, a);
  }

  /** kfree_skb_reason: records the drop. */
  drop(net: Net, skb: Skb, fn: string, reason: DropReason, a?: EvAttrs): void {
    this.drops.push({ packet: skb.id, netns: net.name, fn, reason, origin: a?.origin, text: a?.text });
    // The event's attributes are built only for a tracer that records (level 0 records nothing).
    if (this.tr.level > 0) this.tr.point('kfree_skb', net.name, skb, { ...a, reason, verdict: 'drop' });
  }

  newPacketId(): number {
    return this.run.nextPacketId++;
  }

  private ctTable(net: Net): CtTable {
    let t = this.run.conntrack.get(net.name);
    if (!t) this.run.conntrack.set(net.name, (t = new CtTable()));
    return t;
  }

  private ctOf(net: Net, skb: Skb): CtEntry | null {
    if (skb.ct === null) return null;
    return this.ctTable(net).byId.get(skb.ct) ?? null;
  }

  /** Runs queued receives until the backlog is empty or a bound is hit. */
  run_backlog(): void {
    try {
      while (this.backlog.length) {
        const { skb, dev } = this.backlog.shift()!;
        this.netif_receive_skb(skb, dev);
      }
    } catch (e) {
      if (!(e instanceof Abort)) throw e;
      this.aborted = e.reason;
      this.drops.push({ packet: 0, netns: '', fn: 'sim', reason: e.reason, text: `simulation bound reached (${e.reason})` });
    }
  }

  // ------------------------------------------------------------ the process side: probes

  /** Starts a probe: a process sends (from) or a frame arrives from outside (on). Then follows every packet. */
  startProbe(p: ProbeSpec): ClientSocket | undefined {
    let client: ClientSocket | undefined;
    try {
      client = p.from ? this.sendFrom(p) : p.on ? this.injectOn(p) : undefined;
    } catch (e) {
      if (!(e instanceof Abort)) throw e;
      this.aborted = e.reason;
      this.drops.push({ packet: 0, netns: '', fn: 'sim', reason: e.reason, text: `simulation bound reached (${e.reason})` });
      return client;
    }
    this.run_backlog();
    return client;
  }

  private newSkb(net: Net, proto: 'tcp' | 'udp' | 'icmp', saddr: Ipv4, daddr: Ipv4, sport: number, dport: number, ttl: number, parent: number | null): Skb {
    const id = this.newPacketId();
    if (id > this.limits.maxPackets) throw new Abort('SIM_PACKET_LIMIT');
    const skb: Skb = {
      id, parent, eth: { src: 0, dst: 0 },
      ip: { tos: 0, id: this.run.nextIpId++ & 0xffff, df: true, ttl, protocol: proto === 'tcp' ? IPPROTO_TCP : proto === 'udp' ? IPPROTO_UDP : IPPROTO_ICMP, saddr, daddr },
      payloadLen: 0, netns: net.name, dev: null, skbIif: 0, mark: 0, pktType: 'HOST', ct: null, ctinfo: null, ctReply: false, dst: null, nfTrace: false,
    };
    this.packetInfo.set(id, { parent, netns: net.name });
    if (proto === 'tcp') skb.tcp = { sport, dport, seq: CLIENT_ISN, ackSeq: 0, flags: TCP_SYN, window: 64240 };
    else if (proto === 'udp') {
      skb.udp = { sport, dport };
      skb.payloadLen = 4;
    } else skb.icmp = { type: ICMP_ECHO, code: 0, id: sport, seq: 1 };
    return skb;
  }

  private localError(client: ClientSocket, net: Net, errno: Errno, reason: string, origin?: number): void {
    if (!client.result) client.result = { kind: 'local-error', errno, from: net.name, reason, origin };
  }

  /**
   * A process in `from.netns` connects (TCP: tcp_v4_connect sends a SYN), sends one datagram
   * (udp_sendmsg) or pings (an echo request). bsdjail presets the source to the jail address and
   * checks bind (kernel-path.md 7.2-7.3).
   */
  private sendFrom(p: ProbeSpec): ClientSocket {
    const net = this.kernel.net(p.from!.netns);
    const jail = p.from!.jail;
    const sport = p.sport ?? EPHEMERAL_PORT_BASE;
    const client: ClientSocket = { netns: net.name, proto: p.proto, saddr: 0, sport, daddr: p.dst, dport: p.dport ?? 0 };
    this.run.clients.push(client);
    const fn = p.proto === 'tcp' ? 'tcp_v4_connect' : p.proto === 'udp' ? 'udp_sendmsg' : 'ping_v4_sendmsg';
    const probeSkb = this.newSkb(net, p.proto, 0, p.dst, sport, p.dport ?? 0, p.ttl ?? this.run.sysctlInt(net, 'net.ipv4.ip_default_ttl'), null);
    probeSkb.mark = p.mark ?? 0;
    this.enter(fn, net, probeSkb, { text: `${p.proto} to ${ipv4ToString(p.dst)}${p.dport !== undefined ? `:${p.dport}` : ''}${jail !== undefined ? ` (jail ${ipv4ToString(jail)})` : ''}` });
    try {
      let saddr = 0;
      if (p.src !== undefined) {
        // bind(src) first: the jail's socket_bind hook, then the address must be local.
        const e = bsdjailBind(jail, p.src);
        if (e) {
          this.point('security_socket_bind', net, probeSkb, { errno: 'EPERM', text: `bsdjail: bind to ${ipv4ToString(p.src)} outside jail ${ipv4ToString(jail!)}` });
          this.localError(client, net, 'EPERM', `bsdjail: bind ${ipv4ToString(p.src)} denied`);
          return client;
        }
        if (p.src !== 0 && !net.localAddrs.has(p.src) && this.run.sysctl(net, 'net.ipv4.ip_nonlocal_bind') === '0') {
          this.point('inet_bind', net, probeSkb, { errno: 'EADDRNOTAVAIL', text: `${ipv4ToString(p.src)} is not an address of ${net.name}` });
          this.localError(client, net, 'EADDRNOTAVAIL', `bind ${ipv4ToString(p.src)}: Cannot assign requested address`);
          return client;
        }
        saddr = p.src;
      } else if (jail !== undefined) {
        // socket_post_create presets inet->saddr to the jail address.
        this.point('security_socket_post_create', net, probeSkb, { text: `bsdjail: source preset to ${ipv4ToString(jail)}` });
        saddr = jail;
      }
      this.count(probeSkb, 'routes');
      const rt = ipRouteOutput(this.run, net, p.dst, saddr, probeSkb.mark);
      this.traceOutputRoute(net, probeSkb, rt);
      if (!rt.ok) {
        this.point(fn, net, probeSkb, { errno: rt.err, text: `connect/send fails: ${rt.err} (${rt.why})`, origin: rt.route?.origin ?? rt.rule?.origin });
        this.localError(client, net, rt.err, rt.why, rt.route?.origin ?? rt.rule?.origin);
        this.drops.push({ packet: probeSkb.id, netns: net.name, fn: 'ip_route_output', reason: 'IP_OUTNOROUTES', origin: rt.route?.origin ?? rt.rule?.origin, text: rt.why });
        return client;
      }
      client.saddr = rt.saddr;
      probeSkb.ip.saddr = rt.saddr;
      this.setOutputDst(probeSkb, rt);
      const res = this.ip_local_out(net, probeSkb, rt);
      if (res === 'EPERM' && p.proto === 'tcp') {
        // tcp_connect() ignores the error of its first SYN (verified on the kernel): the SYN is
        // retransmitted and dropped again, so connect() times out instead of failing with EPERM.
        this.point(fn, net, probeSkb, { text: 'tcp_connect ignores the SYN transmit error (EPERM) and retransmits: connect() times out' });
      } else if (res === 'EPERM') {
        this.localError(client, net, 'EPERM', 'netfilter OUTPUT dropped the packet (Operation not permitted)', this.lastDropOrigin(probeSkb.id));
      } else if (res !== 'ok') {
        const d = this.drops[this.drops.length - 1];
        this.localError(client, net, res, d?.text ?? 're-route failed', d?.origin);
      }
    } finally {
      this.leave();
    }
    return client;
  }

  private lastDropOrigin(pkt: number): number | undefined {
    for (let i = this.drops.length - 1; i >= 0; i--) if (this.drops[i].packet === pkt) return this.drops[i].origin;
    return undefined;
  }

  /** An `on NS DEV` probe: a frame from an outside host arrives on DEV. */
  private injectOn(p: ProbeSpec): ClientSocket {
    const dev = this.kernel.devById.get(p.on!.devId);
    if (!dev) throw new Error(`probe ${p.name}: unknown device id ${p.on!.devId}`);
    const net = this.kernel.net(dev.netns);
    const src = p.src ?? outsideAddr(dev);
    const sport = p.sport ?? EPHEMERAL_PORT_BASE;
    const client: ClientSocket = { netns: `${net.name}:${dev.name}(outside)`, proto: p.proto, saddr: src, sport, daddr: p.dst, dport: p.dport ?? 0 };
    this.outside = { dev, addr: src, client };
    this.run.clients.push(client);
    const skb = this.newSkb(net, p.proto, src, p.dst, sport, p.dport ?? 0, p.ttl ?? 64, null);
    skb.mark = p.mark ?? 0;
    skb.eth = { src: OUTSIDE_MAC, dst: dev.mac };
    this.backlog.push({ skb, dev });
    return client;
  }

  // ------------------------------------------------------------ receive

  /** eth_type_trans: pkt_type from the destination MAC. */
  private eth_type_trans(skb: Skb, dev: Dev): void {
    if (skb.eth.dst === MAC_BROADCAST) skb.pktType = 'BROADCAST';
    else if (macIsMulticast(skb.eth.dst)) skb.pktType = 'MULTICAST';
    else if (skb.eth.dst !== dev.mac && dev.kind !== 'loopback') skb.pktType = 'OTHERHOST';
    else skb.pktType = 'HOST';
  }

  /** __netif_receive_skb_core: the packet now belongs to dev's namespace; rx_handler (bridge) first. */
  netif_receive_skb(skb: Skb, dev: Dev): void {
    const net = this.kernel.net(dev.netns);
    skb.netns = net.name;
    skb.dev = dev.name;
    skb.skbIif = dev.ifindex;
    const h = (this.hops.get(skb.id) ?? 0) + 1;
    this.hops.set(skb.id, h);
    this.count(skb, 'l2rx');
    this.enter('netif_receive_skb', net, skb, { dev: dev.name, origin: dev.cfg.origin });
    try {
      if (h > this.limits.maxHops) {
        this.drop(net, skb, 'netif_receive_skb', 'SIM_LOOP', { dev: dev.name, text: `packet received ${h} times: forwarding loop` });
        return;
      }
      if (dev.master) {
        this.br_handle_frame(net, skb, dev);
        return;
      }
      if (dev.kind !== 'loopback') this.eth_type_trans(skb, dev);
      this.ip_rcv(net, skb, dev, false);
    } finally {
      this.leave();
    }
  }

  /** ip_rcv -> ip_rcv_core: OTHERHOST frames dropped; PREROUTING; ip_rcv_finish. */
  private ip_rcv(net: Net, skb: Skb, dev: Dev, preroutingDone: boolean): void {
    this.count(skb, 'iprx');
    this.enter('ip_rcv', net, skb, { dev: dev.name });
    try {
      if (skb.pktType === 'OTHERHOST') {
        this.drop(net, skb, 'ip_rcv', 'OTHERHOST', { dev: dev.name, text: 'destination MAC is not this device' });
        return;
      }
      if (!preroutingDone && !this.nf_hook('PREROUTING', net, skb, dev.name, '')) return;
      this.ip_rcv_finish(net, skb, dev);
    } finally {
      this.leave();
    }
  }

  private traceInputRoute(net: Net, skb: Skb, dev: Dev, r: InputResult): void {
    if (this.tr.level === 0) return;
    const a: EvAttrs = { dev: dev.name };
    if (r.kind === 'local') Object.assign(a, { verdict: r.broadcast ? 'broadcast' : 'local', origin: r.route.origin, text: routeText(r.route, r.rule) });
    else if (r.kind === 'forward') Object.assign(a, { verdict: 'forward', origin: r.route.origin, text: `${routeText(r.route, r.rule)} -> ${r.dev.name}` });
    else if (r.kind === 'error') Object.assign(a, { verdict: 'error', errno: r.err, origin: r.route?.origin ?? r.rule?.origin, text: r.why });
    else Object.assign(a, { verdict: 'drop', reason: r.reason, origin: r.route?.origin, text: r.why });
    this.point('ip_route_input', net, skb, a);
  }

  private traceOutputRoute(net: Net, skb: Skb, r: OutputResult): void {
    if (this.tr.level === 0) return;
    if (r.ok) {
      this.point('ip_route_output', net, skb, {
        dev: r.dev.name, verdict: r.local ? 'local' : 'unicast', origin: r.route.origin,
        text: `${routeText(r.route, r.rule)} src ${ipv4ToString(r.saddr)} -> ${r.dev.name}`,
      });
    } else {
      this.point('ip_route_output', net, skb, { verdict: 'error', errno: r.err, origin: r.route?.origin ?? r.rule?.origin, text: r.why });
    }
  }

  /** ip_rcv_finish: a looped-back packet keeps its dst; otherwise ip_route_input; then dst_input. */
  private ip_rcv_finish(net: Net, skb: Skb, dev: Dev): void {
    this.enter('ip_rcv_finish', net, skb, { dev: dev.name });
    try {
      if (skb.dst && skb.dst.input === 'local') {
        this.ip_local_deliver(net, skb, dev);
        return;
      }
      this.count(skb, 'routes');
      const r = ipRouteInput(this.run, net, dev, skb.ip.daddr, skb.ip.saddr, skb.mark);
      this.traceInputRoute(net, skb, dev, r);
      switch (r.kind) {
        case 'drop':
          this.drop(net, skb, 'ip_route_input', r.reason, { dev: dev.name, origin: r.route?.origin, text: r.why });
          return;
        case 'error':
          skb.dst = { input: 'error', dev: dev.name, nexthop: 0, error: r.err };
          this.ip_error(net, skb, dev, r.err, r.route?.origin ?? r.rule?.origin);
          return;
        case 'local':
          skb.dst = { input: r.broadcast ? 'broadcast' : 'local', dev: net.lo?.name ?? 'lo', nexthop: skb.ip.daddr };
          this.ip_local_deliver(net, skb, dev);
          return;
        case 'forward': {
          skb.dst = { input: 'forward', dev: r.dev.name, nexthop: r.nexthop };
          if (this.mode.kind === 'shortcut') {
            const target = this.shortcutTarget(r.dev, skb.ip.daddr);
            if (target && this.mode.at === 'route') {
              this.shortcut(net, skb, r.dev, target, 'route');
              return;
            }
            if (target && this.mode.at === 'socket') {
              // shortcut@socket: this namespace runs its whole input path as if local (LOCAL_IN
              // included); only the socket hash is the destination namespace's.
              skb.dst = { input: 'local', dev: net.lo?.name ?? 'lo', nexthop: skb.ip.daddr };
              this.ip_local_deliver(net, skb, dev, { peer: target });
              return;
            }
          }
          this.ip_forward(net, skb, dev, r.dev, r.nexthop);
          return;
        }
      }
    } finally {
      this.leave();
    }
  }

  /**
   * ip_error: with forwarding off on the ingress device the packet is dropped silently
   * (IP_INADDRERRORS); else EHOSTUNREACH -> ICMP host unreachable, ENETUNREACH -> net unreachable
   * (IP_INNOROUTES), EACCES -> admin prohibited, EINVAL (blackhole) -> silent.
   */
  private ip_error(net: Net, skb: Skb, dev: Dev, err: Errno, origin?: number): void {
    this.enter('ip_error', net, skb, { dev: dev.name, errno: err, origin });
    try {
      if (!this.run.devForwarding(net, dev)) {
        const reason: DropReason = err === 'ENETUNREACH' ? 'IP_INNOROUTES' : 'IP_INADDRERRORS';
        this.drop(net, skb, 'ip_error', reason, { dev: dev.name, origin, text: `not local and forwarding is off on ${dev.name}` });
        return;
      }
      let code = -1;
      let reason: DropReason = 'NOT_SPECIFIED';
      if (err === 'EHOSTUNREACH') code = ICMP_HOST_UNREACH;
      else if (err === 'ENETUNREACH') {
        code = ICMP_NET_UNREACH;
        reason = 'IP_INNOROUTES';
      } else if (err === 'EACCES') code = ICMP_PKT_FILTERED;
      if (code >= 0) this.icmp_send(net, skb, ICMP_DEST_UNREACH, code, dev);
      this.drop(net, skb, 'ip_error', reason, { dev: dev.name, origin, errno: err, text: code >= 0 ? `no route: ${err}, ICMP sent` : `${err}: dropped silently` });
    } finally {
      this.leave();
    }
  }

  /** ip_local_deliver: LOCAL_IN hook, then ip_local_deliver_finish. `shortcut.peer` = socket lookup in another namespace. */
  private ip_local_deliver(net: Net, skb: Skb, dev: Dev, shortcut?: { peer: { net: Net; dev: Dev } }): void {
    this.enter('ip_local_deliver', net, skb, { dev: dev.name });
    try {
      if (!this.nf_hook('INPUT', net, skb, dev.name, '')) return;
      if (shortcut) {
        this.retag(net, skb, shortcut.peer.net, shortcut.peer.dev, 'socket');
        this.ip_local_deliver_finish(shortcut.peer.net, skb, shortcut.peer.dev);
        return;
      }
      this.ip_local_deliver_finish(net, skb, dev);
    } finally {
      this.leave();
    }
  }

  /** ip_local_deliver_finish: nf_reset_ct, then the protocol handler. */
  private ip_local_deliver_finish(net: Net, skb: Skb, dev: Dev): void {
    this.enter('ip_local_deliver_finish', net, skb, { dev: dev.name });
    try {
      skb.ct = null;
      skb.ctinfo = null;
      skb.ctReply = false;
      switch (skb.ip.protocol) {
        case IPPROTO_TCP: this.tcp_v4_rcv(net, skb, dev); return;
        case IPPROTO_UDP: this.udp_rcv(net, skb, dev); return;
        case IPPROTO_ICMP: this.icmp_rcv(net, skb, dev); return;
        default:
          this.icmp_send(net, skb, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, dev);
          this.drop(net, skb, 'ip_local_deliver_finish', 'IP_NOPROTO', { text: `no handler for protocol ${skb.ip.protocol}` });
      }
    } finally {
      this.leave();
    }
  }

  // ------------------------------------------------------------ transport

  private findClient(net: Net, proto: 'tcp' | 'udp' | 'icmp', laddr: Ipv4, lport: number, raddr: Ipv4, rport: number): ClientSocket | undefined {
    for (const c of this.run.clients) {
      if (c.netns !== net.name || c.proto !== proto) continue;
      if (proto === 'icmp') {
        if (c.sport === lport && (c.saddr === laddr || c.saddr === 0)) return c;
        continue;
      }
      if (c.saddr === laddr && c.sport === lport && c.daddr === raddr && c.dport === rport) return c;
    }
    return undefined;
  }

  private findListener(list: Listener[] | undefined, daddr: Ipv4): Listener | undefined {
    if (!list) return undefined;
    for (const l of list) if (l.addr === daddr || l.addr === 0) return l;
    return undefined;
  }

  /** tcp_v4_rcv: established (the probe's own socket) first, then listeners (specific beats wildcard), else RST. */
  private tcp_v4_rcv(net: Net, skb: Skb, dev: Dev): void {
    const t = skb.tcp!;
    this.enter('tcp_v4_rcv', net, skb, { dev: dev.name });
    try {
      const c = this.findClient(net, 'tcp', skb.ip.daddr, t.dport, skb.ip.saddr, t.sport);
      if (c) {
        if ((t.flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) {
          this.point('tcp_rcv_state_process', net, skb, { verdict: 'established', text: 'SYN-ACK received: connect() succeeds' });
          if (!c.result) c.result = { kind: 'synack', packet: skb.id, from: net.name };
        } else if (t.flags & TCP_RST) {
          this.point('tcp_reset', net, skb, { verdict: 'refused', errno: 'ECONNREFUSED', text: 'RST received: connect() fails with ECONNREFUSED' });
          if (!c.result) c.result = { kind: 'rst', errno: 'ECONNREFUSED', packet: skb.id };
        } else {
          this.point('tcp_rcv_state_process', net, skb, { text: 'segment for the connecting socket ignored' });
        }
        return;
      }
      const l = this.findListener(net.tcpListeners.get(t.dport), skb.ip.daddr);
      if (l && (t.flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN) {
        const text = `tcp listener ${ipv4ToString(l.addr)}:${l.port}`;
        this.point('inet_lookup_listener', net, skb, { verdict: 'listener', origin: l.origin, text });
        this.deliveries.push({ packet: skb.id, netns: net.name, proto: 'tcp', origin: l.origin, text });
        this.tcp_v4_send_synack(net, skb, l);
        return;
      }
      this.point('inet_lookup', net, skb, { verdict: 'no socket', text: l ? 'listener: not a SYN' : `no socket for ${ipv4ToString(skb.ip.daddr)}:${t.dport}` });
      if (!(t.flags & TCP_RST)) this.tcp_v4_send_reset(net, skb);
      this.drop(net, skb, 'tcp_v4_rcv', 'NO_SOCKET', { text: `no socket for ${ipv4ToString(skb.ip.daddr)}:${t.dport}` });
    } finally {
      this.leave();
    }
  }

  /** A listener answers a SYN: the SYN-ACK leaves through ip_build_and_send_pkt -> ip_local_out. */
  private tcp_v4_send_synack(net: Net, syn: Skb, l: Listener): void {
    const t = syn.tcp!;
    const mark = this.run.sysctl(net, 'net.ipv4.tcp_fwmark_accept') !== '0' ? syn.mark : 0;
    const skb = this.newSkb(net, 'tcp', syn.ip.daddr, syn.ip.saddr, t.dport, t.sport, this.run.sysctlInt(net, 'net.ipv4.ip_default_ttl'), syn.id);
    skb.tcp!.flags = TCP_SYN | TCP_ACK;
    skb.tcp!.seq = SERVER_ISN;
    skb.tcp!.ackSeq = (t.seq + 1) >>> 0;
    skb.mark = mark;
    this.sendKernelReply('tcp_v4_send_synack', net, skb, { origin: l.origin });
  }

  /** tcp_v4_send_reset: RST (seq = their ack) or RST|ACK (ack = seq + SYN + FIN + len), via ip_send_unicast_reply. */
  private tcp_v4_send_reset(net: Net, orig: Skb): void {
    const t = orig.tcp!;
    const skb = this.newSkb(net, 'tcp', orig.ip.daddr, orig.ip.saddr, t.dport, t.sport, this.run.sysctlInt(net, 'net.ipv4.ip_default_ttl'), orig.id);
    this.fillRst(skb, orig);
    skb.mark = this.run.sysctl(net, 'net.ipv4.fwmark_reflect') !== '0' ? orig.mark : 0;
    this.sendKernelReply('tcp_v4_send_reset', net, skb);
  }

  /** A reply the kernel itself builds (SYN-ACK, RST, echo reply), sent inside the frame of `fn`. */
  private sendKernelReply(fn: string, net: Net, skb: Skb, attrs?: EvAttrs): void {
    this.enter(fn, net, skb, attrs);
    try {
      this.sendReply(net, skb, false);
    } finally {
      this.leave();
    }
  }

  private fillRst(skb: Skb, orig: Skb): void {
    const t = orig.tcp!;
    const r = skb.tcp!;
    if (t.flags & TCP_ACK) {
      r.flags = TCP_RST;
      r.seq = t.ackSeq;
      r.ackSeq = 0;
    } else {
      r.flags = TCP_RST | TCP_ACK;
      r.seq = 0;
      r.ackSeq = (t.seq + (t.flags & TCP_SYN ? 1 : 0) + (t.flags & TCP_FIN ? 1 : 0) + orig.payloadLen) >>> 0;
    }
    r.window = 0;
  }

  /** udp_rcv -> __udp4_lib_rcv: socket (specific, then wildcard) or ICMP port unreachable. */
  private udp_rcv(net: Net, skb: Skb, dev: Dev): void {
    const u = skb.udp!;
    this.enter('udp_rcv', net, skb, { dev: dev.name });
    try {
      const l = this.findListener(net.udpSockets.get(u.dport), skb.ip.daddr);
      if (l) {
        const text = `udp socket ${ipv4ToString(l.addr)}:${l.port}`;
        this.point('__udp4_lib_lookup', net, skb, { verdict: 'socket', origin: l.origin, text });
        this.deliveries.push({ packet: skb.id, netns: net.name, proto: 'udp', origin: l.origin, text });
        return;
      }
      this.point('__udp4_lib_lookup', net, skb, { verdict: 'no socket', text: `no socket for ${ipv4ToString(skb.ip.daddr)}:${u.dport}` });
      if (skb.dst?.input !== 'broadcast' && skb.pktType === 'HOST') this.icmp_send(net, skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, dev);
      this.drop(net, skb, 'udp_rcv', 'NO_SOCKET', { text: `no socket for ${ipv4ToString(skb.ip.daddr)}:${u.dport}` });
    } finally {
      this.leave();
    }
  }

  /** icmp_rcv: echo answered by the kernel (icmp_echo); errors handed to the socket of the quoted packet. */
  private icmp_rcv(net: Net, skb: Skb, dev: Dev): void {
    const ic = skb.icmp!;
    this.enter('icmp_rcv', net, skb, { dev: dev.name });
    try {
      if (ic.type === ICMP_ECHO) {
        if (this.run.sysctl(net, 'net.ipv4.icmp_echo_ignore_all') !== '0') {
          this.drop(net, skb, 'icmp_echo', 'ICMP_ECHO_IGNORED', { text: 'net.ipv4.icmp_echo_ignore_all=1' });
          return;
        }
        if (skb.dst?.input === 'broadcast' && this.run.sysctl(net, 'net.ipv4.icmp_echo_ignore_broadcasts') !== '0') {
          this.drop(net, skb, 'icmp_echo', 'ICMP_ECHO_IGNORED', { text: 'net.ipv4.icmp_echo_ignore_broadcasts=1' });
          return;
        }
        this.deliveries.push({ packet: skb.id, netns: net.name, proto: 'icmp', text: `echo answered by ${net.name}` });
        this.icmp_reply(net, skb);
        return;
      }
      if (ic.type === ICMP_ECHOREPLY) {
        const c = this.findClient(net, 'icmp', skb.ip.daddr, ic.id, skb.ip.saddr, 0);
        if (c) {
          this.point('ping_rcv', net, skb, { verdict: 'echo reply', text: 'echo reply reached the pinging process' });
          if (!c.result) c.result = { kind: 'echo-reply', packet: skb.id };
          return;
        }
        this.drop(net, skb, 'ping_rcv', 'NO_SOCKET', { text: `no ping socket with id ${ic.id}` });
        return;
      }
      if (isIcmpError(ic.type) && ic.inner) {
        const i = ic.inner;
        const proto = i.ip.protocol === IPPROTO_TCP ? 'tcp' : i.ip.protocol === IPPROTO_UDP ? 'udp' : 'icmp';
        const c = this.findClient(net, proto, i.ip.saddr, i.sport, i.ip.daddr, i.dport);
        if (c) {
          const errno = icmpErrno(ic.type, ic.code);
          this.point(proto === 'tcp' ? 'tcp_v4_err' : proto === 'udp' ? '__udp4_lib_err' : 'ping_err', net, skb, { verdict: 'error', errno, text: `ICMP error reported to the process: ${errno}` });
          if (!c.result) c.result = { kind: 'icmp-error', errno, packet: skb.id, icmpType: ic.type, icmpCode: ic.code };
          return;
        }
        this.drop(net, skb, 'icmp_unreach', 'NO_SOCKET', { text: 'no socket for the quoted packet' });
        return;
      }
      this.drop(net, skb, 'icmp_rcv', 'NOT_SPECIFIED', { text: `ICMP type ${ic.type} not handled` });
    } finally {
      this.leave();
    }
  }

  /** icmp_reply to an echo request: source = the pinged address (local). */
  private icmp_reply(net: Net, req: Skb): void {
    const ic = req.icmp!;
    const skb = this.newSkb(net, 'icmp', req.dst?.input === 'broadcast' ? 0 : req.ip.daddr, req.ip.saddr, ic.id, 0, this.run.sysctlInt(net, 'net.ipv4.ip_default_ttl'), req.id);
    skb.icmp = { type: ICMP_ECHOREPLY, code: 0, id: ic.id, seq: ic.seq };
    skb.ip.df = false;
    skb.mark = this.run.sysctl(net, 'net.ipv4.fwmark_reflect') !== '0' ? req.mark : 0;
    this.sendKernelReply('icmp_reply', net, skb);
  }

  /**
   * __icmp_send (kernel-path.md 1.10): never about an ICMP error, a non-HOST frame or a broadcast
   * route, nor to a zero/broadcast/multicast source. Source: the original destination when it was
   * local, else chosen by the output route toward the sender. Then LOCAL_OUT/POSTROUTING here.
   */
  icmp_send(net: Net, orig: Skb, type: number, code: number, inDev?: Dev): void {
    if (orig.icmp && isIcmpError(orig.icmp.type)) return;
    if (orig.pktType !== 'HOST') return;
    if (orig.dst?.input === 'broadcast') return;
    const s = orig.ip.saddr;
    if (s === 0 || s === 0xffffffff || (s >>> 28) === 0xe) return;
    let saddr = 0;
    if (orig.dst?.input === 'local') saddr = orig.ip.daddr;
    else if (inDev && this.run.sysctl(net, 'net.ipv4.icmp_errors_use_inbound_ifaddr') !== '0') saddr = inDev.addrs[0]?.addr ?? 0;
    const skb = this.newSkb(net, 'icmp', saddr, s, 0, 0, this.run.sysctlInt(net, 'net.ipv4.ip_default_ttl'), orig.id);
    skb.ip.df = false;
    skb.ip.tos = 0xc0; // IPTOS_PREC_INTERNETCONTROL
    skb.icmp = {
      type, code, id: 0, seq: 0,
      inner: {
        ip: { ...orig.ip }, totLen: ipTotLen(orig),
        sport: orig.tcp?.sport ?? orig.udp?.sport ?? orig.icmp?.id ?? 0,
        dport: orig.tcp?.dport ?? orig.udp?.dport ?? orig.icmp?.seq ?? 0,
        seq: orig.tcp ? orig.tcp.seq : orig.icmp ? (orig.icmp.type << 8) | orig.icmp.code : 0,
      },
    };
    skb.mark = this.run.sysctl(net, 'net.ipv4.fwmark_reflect') !== '0' ? orig.mark : 0;
    this.enter('icmp_send', net, skb, { text: `ICMP type ${type} code ${code} to ${ipv4ToString(s)}` });
    try {
      this.sendReply(net, skb, saddr !== 0 && !net.localAddrs.has(saddr));
    } finally {
      this.leave();
    }
  }

  /** Output route for a kernel-built packet, then ip_local_out. A route failure drops it (IP_OUTNOROUTES). */
  private sendReply(net: Net, skb: Skb, anySrc: boolean): void {
    this.count(skb, 'routes');
    const rt = ipRouteOutput(this.run, net, skb.ip.daddr, skb.ip.saddr, skb.mark, anySrc);
    this.traceOutputRoute(net, skb, rt);
    if (!rt.ok) {
      this.drop(net, skb, 'ip_route_output', 'IP_OUTNOROUTES', { errno: rt.err, origin: rt.route?.origin ?? rt.rule?.origin, text: rt.why });
      return;
    }
    if (!skb.ip.saddr) skb.ip.saddr = rt.saddr;
    this.setOutputDst(skb, rt);
    this.ip_local_out(net, skb, rt);
  }

  private setOutputDst(skb: Skb, rt: Extract<OutputResult, { ok: true }>): void {
    skb.dst = { input: rt.local ? 'local' : 'output', dev: rt.dev.name, nexthop: rt.nexthop };
  }

  // ------------------------------------------------------------ output

  /**
   * ip_local_out -> __ip_local_out: LOCAL_OUT (re-routing after a mangle/nat change), then
   * ip_output. Returns 'EPERM' when netfilter dropped it (what the process sees), 'noroute' when a
   * re-route failed, else 'ok'.
   */
  ip_local_out(net: Net, skb: Skb, rt: Extract<OutputResult, { ok: true }>): 'ok' | 'EPERM' | Errno {
    this.enter('ip_local_out', net, skb, { dev: rt.dev.name });
    try {
      let route = rt;
      if (this.mode.kind === 'shortcut' && this.mode.at === 'route') {
        const target = this.shortcutTarget(route.dev, skb.ip.daddr);
        if (target) {
          this.shortcut(net, skb, route.dev, target, 'route');
          return 'ok';
        }
      }
      const box: RerouteBox = { rt: route };
      if (!this.nf_hook('OUTPUT', net, skb, '', route.dev.name, box)) return box.failed ?? 'EPERM';
      route = box.rt;
      this.ip_output(net, skb, route.dev, route.nexthop, '');
      return 'ok';
    } finally {
      this.leave();
    }
  }

  /** ip_output: skb->dev = out, POSTROUTING, then ip_finish_output2. */
  private ip_output(net: Net, skb: Skb, out: Dev, nexthop: Ipv4, inDev: string): void {
    this.enter('ip_output', net, skb, { dev: out.name });
    try {
      skb.dev = out.name;
      if (!this.nf_hook('POSTROUTING', net, skb, inDev, out.name)) return;
      if (this.mode.kind === 'shortcut' && this.mode.at === 'postrouting') {
        const target = this.shortcutTarget(out, skb.ip.daddr);
        if (target) {
          this.shortcut(net, skb, out, target, 'postrouting');
          return;
        }
      }
      if (this.mode.kind === 'shortcut' && this.mode.at === 'socket' && skb.dst?.input === 'output') {
        const target = this.shortcutTarget(out, skb.ip.daddr);
        if (target) {
          this.shortcut(net, skb, out, target, 'socket');
          return;
        }
      }
      this.ip_finish_output2(net, skb, out, nexthop);
    } finally {
      this.leave();
    }
  }

  /** ip_finish_output2: neighbour lookup (none for lo), then dev_queue_xmit. Failure: NEIGH_FAILED + ICMP host unreachable. */
  private ip_finish_output2(net: Net, skb: Skb, out: Dev, nexthop: Ipv4): void {
    this.enter('ip_finish_output2', net, skb, { dev: out.name });
    try {
      if (out.kind === 'loopback') {
        this.dev_queue_xmit(net, skb, out);
        return;
      }
      if (out.kind === 'dummy') {
        // IFF_NOARP: no resolution; dummy_xmit consumes the frame.
        this.dev_queue_xmit(net, skb, out);
        return;
      }
      let mac: number | undefined;
      if (this.outside && this.outside.dev === out && nexthop === this.outside.addr) {
        mac = OUTSIDE_MAC;
        this.point('neigh_resolve_output', net, skb, { dev: out.name, verdict: 'reachable', text: `${ipv4ToString(nexthop)} is the outside host` });
      } else {
        const sip = net.localAddrs.has(skb.ip.saddr) ? skb.ip.saddr : inetSelectAddr(this.run, net, out, nexthop, RT_SCOPE_UNIVERSE);
        const n = neighResolve(this.kernel, this.run, net, out, nexthop, sip);
        if (!n) {
          this.point('neigh_resolve_output', net, skb, { dev: out.name, verdict: 'failed', text: `no neighbour answers for ${ipv4ToString(nexthop)} on ${out.name}` });
          this.icmp_send(net, skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH);
          this.drop(net, skb, 'neigh_resolve_output', 'NEIGH_FAILED', { dev: out.name, text: `ARP for ${ipv4ToString(nexthop)} failed` });
          return;
        }
        mac = n.mac;
        if (this.tr.level > 0) {
          this.point('neigh_resolve_output', net, skb, {
            dev: out.name, verdict: n.static ? 'permanent' : 'reachable',
            text: n.responder ? `${ipv4ToString(nexthop)} is-at ${n.responder.name}@${n.responder.netns}` : `${ipv4ToString(nexthop)} permanent entry`,
          });
        }
      }
      skb.eth.src = out.mac;
      skb.eth.dst = mac;
      this.dev_queue_xmit(net, skb, out);
    } finally {
      this.leave();
    }
  }

  /** dev_queue_xmit: a device that is down drops (lo down: QDISC_DROP, the connect times out); then the driver. */
  private dev_queue_xmit(net: Net, skb: Skb, dev: Dev): void {
    this.enter('dev_queue_xmit', net, skb, { dev: dev.name, origin: dev.cfg.origin });
    try {
      if (!dev.up) {
        this.drop(net, skb, 'dev_queue_xmit', 'QDISC_DROP', { dev: dev.name, origin: dev.cfg.origin, text: `${dev.name} is down` });
        return;
      }
      if (this.outside && this.outside.dev === dev && skb.ip.daddr === this.outside.addr) {
        this.count(skb, 'xmits');
        this.outsideReceive(net, skb);
        return;
      }
      switch (dev.kind) {
        case 'loopback': this.loopback_xmit(net, skb, dev); return;
        case 'veth': this.veth_xmit(net, skb, dev); return;
        case 'bridge': this.br_dev_xmit(net, skb, dev); return;
        case 'dummy':
          this.point('dummy_xmit', net, skb, { dev: dev.name, text: 'dummy device consumes every frame' });
          this.drop(net, skb, 'dummy_xmit', 'NOT_SPECIFIED', { dev: dev.name, text: 'transmitted into a dummy device' });
          return;
      }
    } finally {
      this.leave();
    }
  }

  /** loopback_xmit: same namespace, no scrub (mark and conntrack survive), dst kept. */
  private loopback_xmit(net: Net, skb: Skb, dev: Dev): void {
    this.count(skb, 'xmits');
    this.point('loopback_xmit', net, skb, { dev: dev.name });
    skb.pktType = 'HOST';
    this.backlog.push({ skb, dev });
  }

  /**
   * veth_xmit -> __dev_forward_skb: the peer must be up; skb_scrub_packet (pkt_type, skb_iif, dst,
   * conntrack, nf_trace always; mark when crossing namespaces); then eth_type_trans in the peer.
   */
  private veth_xmit(net: Net, skb: Skb, dev: Dev): void {
    this.count(skb, 'xmits');
    const peer = dev.peer;
    if (!peer) {
      this.drop(net, skb, 'veth_xmit', 'DEV_READY', { dev: dev.name, text: 'veth has no peer' });
      return;
    }
    if (!peer.up) {
      this.drop(net, skb, 'veth_xmit', 'DEV_READY', { dev: dev.name, origin: peer.cfg.origin, text: `peer ${peer.name}@${peer.netns} is down` });
      return;
    }
    const xnet = peer.netns !== dev.netns;
    this.point('veth_xmit', net, skb, { dev: dev.name, text: `to ${peer.name}@${peer.netns}${xnet ? ' (scrub: mark, conntrack, dst)' : ''}` });
    this.scrub(skb, xnet);
    this.backlog.push({ skb, dev: peer });
  }

  /** skb_scrub_packet. */
  private scrub(skb: Skb, xnet: boolean): void {
    skb.pktType = 'HOST';
    skb.skbIif = 0;
    skb.dst = null;
    skb.ct = null;
    skb.ctinfo = null;
    skb.ctReply = false;
    skb.nfTrace = false;
    if (xnet) skb.mark = 0;
  }

  /** The outside host of an `on` probe receives a frame: it reacts like the probing process would. */
  private outsideReceive(net: Net, skb: Skb): void {
    const o = this.outside!;
    const c = o.client;
    this.point('outside_rcv', net, skb, { dev: o.dev.name, text: `received by the outside host ${ipv4ToString(o.addr)}` });
    if (c.result) return;
    if (skb.tcp && skb.tcp.dport === c.sport) {
      if ((skb.tcp.flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) c.result = { kind: 'synack', packet: skb.id };
      else if (skb.tcp.flags & TCP_RST) c.result = { kind: 'rst', errno: 'ECONNREFUSED', packet: skb.id };
    } else if (skb.icmp) {
      if (skb.icmp.type === ICMP_ECHOREPLY && skb.icmp.id === c.sport) c.result = { kind: 'echo-reply', packet: skb.id };
      else if (isIcmpError(skb.icmp.type) && skb.icmp.inner && skb.icmp.inner.sport === c.sport) {
        c.result = { kind: 'icmp-error', errno: icmpErrno(skb.icmp.type, skb.icmp.code), packet: skb.id, icmpType: skb.icmp.type, icmpCode: skb.icmp.code };
      }
    }
  }

  // ------------------------------------------------------------ forward

  /**
   * ip_forward (kernel-path.md 2.1): not for us at L2 -> drop; TTL <= 1 -> ICMP time exceeded
   * (before FORWARD, so FORWARD rules never see it); too big with DF -> frag needed; TTL--;
   * FORWARD hook; ip_output.
   */
  private ip_forward(net: Net, skb: Skb, inDev: Dev, out: Dev, nexthop: Ipv4): void {
    this.enter('ip_forward', net, skb, { dev: out.name });
    try {
      if (skb.pktType !== 'HOST') {
        this.drop(net, skb, 'ip_forward', 'OTHERHOST', { text: 'not addressed to this host at L2' });
        return;
      }
      if (skb.ip.ttl <= 1) {
        this.point('ip_forward', net, skb, { verdict: 'ttl exceeded', text: `ttl ${skb.ip.ttl}` });
        this.icmp_send(net, skb, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, inDev);
        this.drop(net, skb, 'ip_forward', 'IP_INHDR', { text: 'TTL expired in transit' });
        return;
      }
      if (ipTotLen(skb) > out.mtu && skb.ip.df) {
        this.icmp_send(net, skb, ICMP_DEST_UNREACH, 4, inDev);
        this.drop(net, skb, 'ip_forward', 'PKT_TOO_BIG', { dev: out.name, text: `length ${ipTotLen(skb)} > mtu ${out.mtu} with DF` });
        return;
      }
      skb.ip.ttl--;
      if (!this.nf_hook('FORWARD', net, skb, inDev.name, out.name)) return;
      this.ip_output(net, skb, out, nexthop, inDev.name);
    } finally {
      this.leave();
    }
  }

  // ------------------------------------------------------------ bridge

  /**
   * br_handle_frame (kernel-path.md 6): port and bridge must be up (forwarding state, STP off);
   * learn the source MAC; with bridge-nf-call-iptables the ip PREROUTING hook runs here (in=br0);
   * local MAC -> pass up to the bridge device; known port -> forward; unknown -> flood except the
   * ingress port. Bridged IPv4 runs FORWARD and POSTROUTING with in=out=br0 under br_netfilter.
   */
  private br_handle_frame(net: Net, skb: Skb, port: Dev): void {
    const br = port.master!;
    this.enter('br_handle_frame', net, skb, { dev: port.name, text: `port of ${br.name}` });
    try {
      if (!br.up || !port.up) {
        this.drop(net, skb, 'br_handle_frame', 'BR_INGRESS_DISABLED', { dev: port.name, text: `${!br.up ? br.name : port.name} is down` });
        return;
      }
      const fdb = this.run.fdbOf(br);
      if (!macIsMulticast(skb.eth.src)) fdb.set(skb.eth.src, port.id);
      const brnf = this.run.sysctl(net, 'net.bridge.bridge-nf-call-iptables') !== '0';
      skb.pktType = 'HOST';
      if (brnf) {
        // br_nf_pre_routing: the ip PREROUTING hook with in = the bridge.
        if (!this.nf_hook('PREROUTING', net, skb, br.name, '')) return;
      }
      const local = skb.eth.dst === br.mac || br.ports.some((p) => p.mac === skb.eth.dst);
      const flood = skb.eth.dst === MAC_BROADCAST || macIsMulticast(skb.eth.dst);
      if (local) {
        this.point('br_pass_frame_up', net, skb, { dev: br.name });
        skb.dev = br.name;
        skb.skbIif = br.ifindex;
        // frames passed up do not run ip PREROUTING twice (ip_sabotage_in).
        this.ip_rcv(net, skb, br, brnf);
        return;
      }
      const dst = flood ? undefined : fdb.get(skb.eth.dst);
      const outs = dst !== undefined ? br.ports.filter((p) => p.id === dst) : br.ports.filter((p) => p !== port && p.up);
      if (dst !== undefined && outs[0] === port) {
        this.drop(net, skb, 'br_forward', 'NOT_SPECIFIED', { dev: port.name, text: 'destination is behind the ingress port (no hairpin)' });
        return;
      }
      if (outs.length === 0) {
        this.drop(net, skb, 'br_flood', 'NOT_SPECIFIED', { dev: br.name, text: 'no other port to flood to' });
        return;
      }
      this.point(dst !== undefined ? 'br_forward' : 'br_flood', net, skb, { dev: br.name, text: dst !== undefined ? `FDB: -> ${outs[0].name}` : `unknown destination MAC: flood to ${outs.map((p) => p.name).join(', ')}` });
      outs.forEach((out, k) => {
        const copy = k === outs.length - 1 ? skb : this.floodCopy(skb);
        this.br_forward(net, copy, br, out, brnf);
      });
    } finally {
      this.leave();
    }
  }

  private floodCopy(skb: Skb): Skb {
    const c = cloneSkb(skb);
    c.id = this.newPacketId();
    if (c.id > this.limits.maxPackets) throw new Abort('SIM_PACKET_LIMIT');
    c.parent = skb.id;
    this.packetInfo.set(c.id, { parent: skb.id, netns: skb.netns });
    return c;
  }

  private br_forward(net: Net, skb: Skb, br: Dev, out: Dev, brnf: boolean): void {
    this.enter('br_forward', net, skb, { dev: out.name });
    try {
      if (brnf) {
        if (!this.nf_hook('FORWARD', net, skb, br.name, br.name)) return;
        if (!this.nf_hook('POSTROUTING', net, skb, br.name, br.name)) return;
      }
      this.dev_queue_xmit(net, skb, out);
    } finally {
      this.leave();
    }
  }

  /** br_dev_xmit: a frame sent by the bridge device itself: FDB lookup or flood to every port. */
  private br_dev_xmit(net: Net, skb: Skb, br: Dev): void {
    const fdb = this.run.fdbOf(br);
    const dst = fdb.get(skb.eth.dst);
    const outs = dst !== undefined ? br.ports.filter((p) => p.id === dst) : br.ports.filter((p) => p.up);
    this.point('br_dev_xmit', net, skb, { dev: br.name, text: dst !== undefined ? `FDB: -> ${outs[0]?.name}` : 'flood' });
    if (outs.length === 0) {
      this.drop(net, skb, 'br_dev_xmit', 'NOT_SPECIFIED', { dev: br.name, text: 'bridge has no port up' });
      return;
    }
    outs.forEach((out, k) => {
      const copy = k === outs.length - 1 ? skb : this.floodCopy(skb);
      this.dev_queue_xmit(net, copy, out);
    });
  }

  // ------------------------------------------------------------ shortcut modes (kernel-path.md 8.5)

  /** The namespace across a veth that owns `daddr`, when the out device is such a veth. */
  private shortcutTarget(out: Dev, daddr: Ipv4): { net: Net; dev: Dev } | undefined {
    if (out.kind !== 'veth' || !out.peer || !out.peer.up) return undefined;
    if (this.outside && this.outside.dev === out) return undefined; // the outside host is not a namespace
    const n = this.kernel.nets.get(out.peer.netns);
    if (!n || n === this.kernel.nets.get(out.netns) || !n.localAddrs.has(daddr)) return undefined;
    return { net: n, dev: out.peer };
  }

  /** Re-tags the packet with the destination namespace (scrub as a namespace crossing). */
  private retag(net: Net, skb: Skb, to: Net, dev: Dev, at: string): void {
    this.point('netns_switch', net, skb, { dev: dev.name, text: `shortcut@${at}: ${net.name} -> ${to.name}` });
    this.scrub(skb, true);
    skb.netns = to.name;
    skb.dev = dev.name;
    skb.skbIif = dev.ifindex;
    skb.dst = { input: 'local', dev: dev.name, nexthop: skb.ip.daddr };
  }

  /**
   * route: switch right after the routing decision and run the destination's LOCAL_IN and socket;
   * postrouting: after this namespace's POSTROUTING, straight to the destination's socket lookup;
   * socket: (local output) after POSTROUTING, this namespace's LOCAL_IN, then the destination's socket.
   */
  private shortcut(net: Net, skb: Skb, out: Dev, target: { net: Net; dev: Dev }, at: 'route' | 'postrouting' | 'socket'): void {
    if (at === 'route') {
      this.retag(net, skb, target.net, target.dev, at);
      this.ip_local_deliver(target.net, skb, target.dev);
    } else if (at === 'postrouting') {
      this.retag(net, skb, target.net, target.dev, at);
      this.ip_local_deliver_finish(target.net, skb, target.dev);
    } else {
      this.ip_local_deliver(net, skb, out, { peer: target });
    }
  }

  // ------------------------------------------------------------ netfilter

  /**
   * nf_hook: runs the hook's registered entries in priority order (conntrack, tables, NAT,
   * confirm). False when the packet was dropped (recorded). `reroute` (LOCAL_OUT) receives the
   * new route after a mangle/nat change (ip_route_me_harder).
   */
  nf_hook(hook: XtHook, net: Net, skb: Skb, inDev: string, outDev: string, reroute?: RerouteBox): boolean {
    this.count(skb, 'hooks');
    const entries = net.hooks.hooks[hook];
    if (entries.length === 0) return true;
    if (++this.steps > this.limits.maxSteps) throw new Abort('SIM_STEP_LIMIT');
    this.count(skb, 'layers');
    this.tr.enter('nf_hook', net.name, skb, { hook, dev: inDev || outDev || undefined });
    try {
      const c: NfCtx = {
        skb, net, run: this.run, hook, inDev, outDev, ct: this.ctOf(net, skb),
        addrType: (a, dev) => inetAddrType(net, a, dev ? net.devByName.get(dev) : undefined),
      };
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i];
        if (!this.nf_hook_entry(e, c, reroute)) return false;
      }
      return true;
    } finally {
      this.tr.leave();
    }
  }

  private nf_hook_entry(e: HookEntry, c: NfCtx, reroute?: RerouteBox): boolean {
    const { net, skb, hook } = c;
    switch (e.kind) {
      case 'conntrack': {
        const table = this.ctTable(net);
        const r = nfConntrackIn(table, skb, () => this.run.nextCtId++);
        if (r.kind === 'skip') {
          if (this.tr.level > 0 && skb.ctinfo !== 'UNTRACKED') this.point('nf_conntrack_in', net, skb, { hook, text: r.why });
          return true;
        }
        if (r.kind === 'invalid') {
          skb.ct = null;
          skb.ctinfo = null;
          c.ct = null;
          this.point('nf_conntrack_in', net, skb, { hook, verdict: 'INVALID', text: r.why });
          return true;
        }
        const ct = r.ct;
        skb.ct = ct.id;
        c.ct = ct;
        if (r.kind === 'new') {
          skb.ctinfo = 'NEW';
          skb.ctReply = false;
          ct.packets[0]++;
        } else {
          skb.ctReply = r.reply;
          if (r.related) skb.ctinfo = 'RELATED';
          else if (r.reply) {
            skb.ctinfo = 'ESTABLISHED';
            ct.seenReply = true;
          } else skb.ctinfo = ct.seenReply ? 'ESTABLISHED' : 'NEW';
          ct.packets[r.reply ? 1 : 0]++;
        }
        if (this.tr.level > 0) this.point('nf_conntrack_in', net, skb, { hook, verdict: skb.ctinfo ?? undefined, text: `${skb.ctinfo}${skb.ctReply ? ' reply' : ''} ${tupleToString(ct.orig)}` });
        return true;
      }
      case 'confirm': {
        const ct = c.ct;
        // __nf_conntrack_confirm: only original-direction packets insert the entry.
        if (!ct || ct.confirmed || skb.ctinfo === 'UNTRACKED' || skb.ctReply) return true;
        const ok = this.ctTable(net).confirm(ct);
        if (!ok) {
          this.drop(net, skb, 'nf_conntrack_confirm', 'NOT_SPECIFIED', { hook, text: 'conntrack clash' });
          return false;
        }
        if (this.tr.level > 0) this.point('nf_conntrack_confirm', net, skb, { hook, text: `${tupleToString(ct.orig)} -> reply ${tupleToString(ct.reply)}` });
        return true;
      }
      case 'table': {
        const before = reroute && e.table.name === 'mangle' ? [skb.ip.saddr, skb.ip.daddr, skb.mark, skb.ip.tos] : undefined;
        if (this.tr.level > 0) this.tr.enter('ipt_do_table', net.name, skb, { hook, table: e.table.name });
        let res;
        try {
          res = ipt_do_table(this, c, e.table, e.chain);
        } finally {
          if (this.tr.level > 0) this.tr.leave();
        }
        if (res.verdict === 'DROP') {
          const rule = res.rule;
          this.drop(net, skb, 'nf_hook_slow', 'NETFILTER_DROP', {
            hook, table: e.table.name, chain: res.chain.name, rule: rule?.pos, policy: res.policy,
            origin: rule ? rule.cfg.origin : res.chain.cfg.origin, text: rule ? rule.cfg.text : `-P ${res.chain.name} DROP`,
          });
          return false;
        }
        if (before && (before[0] !== skb.ip.saddr || before[1] !== skb.ip.daddr || before[2] !== skb.mark || before[3] !== skb.ip.tos)) {
          return this.ip_route_me_harder(net, skb, reroute!);
        }
        return true;
      }
      case 'nat':
        return this.nf_nat_inet_fn(e, c, reroute);
    }
  }

  /** ip_route_me_harder: a new output route after LOCAL_OUT changed the packet. */
  private ip_route_me_harder(net: Net, skb: Skb, box: RerouteBox): boolean {
    this.count(skb, 'routes');
    const rt = ipRouteOutput(this.run, net, skb.ip.daddr, skb.ip.saddr, skb.mark, true);
    this.traceOutputRoute(net, skb, rt);
    if (!rt.ok) {
      box.failed = rt.err;
      this.drop(net, skb, 'ip_route_me_harder', 'IP_OUTNOROUTES', { errno: rt.err, origin: rt.route?.origin ?? rt.rule?.origin, text: `re-route failed: ${rt.why}` });
      return false;
    }
    box.rt = rt;
    this.setOutputDst(skb, rt);
    return true;
  }

  /**
   * nf_nat_inet_fn: no conntrack -> nothing; RELATED ICMP errors -> both headers translated; the
   * first packet (NEW, manip not initialised) runs the nat chain, a null binding if no rule bound;
   * then nf_nat_packet.
   */
  private nf_nat_inet_fn(e: Extract<HookEntry, { kind: 'nat' }>, c: NfCtx, reroute?: RerouteBox): boolean {
    const { net, skb, hook } = c;
    const ct = c.ct;
    if (!ct) return true;
    const manip: Manip = e.manip;
    const daddrBefore = skb.ip.daddr;
    let change: string | undefined;
    if (skb.ctinfo === 'RELATED' && skb.icmp && isIcmpError(skb.icmp.type)) {
      change = natIcmpReplyTranslation(ct, skb, manip, skb.ctReply);
    } else {
      if ((skb.ctinfo === 'NEW' || skb.ctinfo === 'RELATED') && !skb.ctReply && !natInitialized(ct, manip)) {
        if (this.tr.level > 0) this.tr.enter('ipt_do_table', net.name, skb, { hook, table: 'nat' });
        let res;
        try {
          res = ipt_do_table(this, c, e.table, e.chain);
        } finally {
          if (this.tr.level > 0) this.tr.leave();
        }
        if (res.verdict === 'DROP') {
          this.drop(net, skb, 'nf_hook_slow', 'NETFILTER_DROP', {
            hook, table: 'nat', chain: res.chain.name, rule: res.rule?.pos, policy: res.policy,
            origin: res.rule ? res.rule.cfg.origin : res.chain.cfg.origin, text: res.rule?.cfg.text ?? `-P ${res.chain.name} DROP`,
          });
          return false;
        }
        if (!natInitialized(ct, manip)) {
          natSetupInfo(this.ctTable(net), ct, manip, undefined);
          if (this.tr.level > 0) this.point('nf_nat_setup_info', net, skb, { hook, text: `null binding (${manip})` });
        }
      }
      change = natPacket(ct, skb, manip, skb.ctReply);
    }
    if (change && this.tr.level > 0) this.point('nf_nat_packet', net, skb, { hook, table: 'nat', text: change });
    if (reroute && hook === 'OUTPUT' && skb.ip.daddr !== daddrBefore) return this.ip_route_me_harder(net, skb, reroute);
    return true;
  }

  /** NfHost: REJECT sends before the rule's drop (nf_send_unreach / nf_send_reset). */
  reject(c: NfCtx, rule: CRule, how: Extract<XtTarget, { kind: 'REJECT' }>['with']): void {
    const { net, skb } = c;
    const inDev = c.inDev ? net.devByName.get(c.inDev) : undefined;
    if (how === 'tcp-reset' && skb.tcp) {
      this.nf_send_reset(net, skb, rule);
      return;
    }
    const code = {
      'icmp-net-unreachable': ICMP_NET_UNREACH, 'icmp-host-unreachable': ICMP_HOST_UNREACH,
      'icmp-port-unreachable': ICMP_PORT_UNREACH, 'icmp-proto-unreachable': ICMP_PROT_UNREACH,
      'icmp-net-prohibited': ICMP_NET_ANO, 'icmp-host-prohibited': ICMP_HOST_ANO,
      'icmp-admin-prohibited': ICMP_PKT_FILTERED, 'tcp-reset': ICMP_PORT_UNREACH,
    }[how];
    this.enter('nf_send_unreach', net, skb, { origin: rule.cfg.origin, text: `REJECT --reject-with ${how}` });
    try {
      this.icmp_send(net, skb, ICMP_DEST_UNREACH, code, inDev);
    } finally {
      this.leave();
    }
  }

  /** nf_send_reset: RST built by netfilter, attached to the original's conntrack as RELATED, out through LOCAL_OUT here. */
  private nf_send_reset(net: Net, orig: Skb, rule: CRule): void {
    const t = orig.tcp!;
    if (t.flags & TCP_RST) return;
    const skb = this.newSkb(net, 'tcp', orig.ip.daddr, orig.ip.saddr, t.dport, t.sport, this.run.sysctlInt(net, 'net.ipv4.ip_default_ttl'), orig.id);
    this.fillRst(skb, orig);
    if (orig.ct !== null) {
      skb.ct = orig.ct;
      skb.ctinfo = 'RELATED';
      skb.ctReply = !orig.ctReply;
    }
    this.enter('nf_send_reset', net, skb, { origin: rule.cfg.origin, text: 'REJECT --reject-with tcp-reset' });
    try {
      this.sendReply(net, skb, !net.localAddrs.has(skb.ip.saddr));
    } finally {
      this.leave();
    }
  }

  /** NfHost: NAT targets bind the connection (nf_nat_setup_info). */
  natTarget(c: NfCtx, rule: CRule): boolean {
    const { net, skb } = c;
    const ct = c.ct;
    if (!ct) return true;
    const t = rule.target;
    const table = this.ctTable(net);
    let text = '';
    switch (t.kind) {
      case 'SNAT': case 'DNAT': {
        const manip: Manip = t.kind === 'SNAT' ? 'SRC' : 'DST';
        natSetupInfo(table, ct, manip, t.to.addrLo, t.to.portLo, t.to.portHi);
        text = `${t.kind} to ${t.to.addrLo !== undefined ? ipv4ToString(t.to.addrLo) : ''}${t.to.portLo !== undefined ? `:${t.to.portLo}` : ''}`;
        break;
      }
      case 'MASQUERADE': {
        // Source = the out device's address chosen like inet_select_addr toward the next hop.
        const out = net.devByName.get(c.outDev);
        const nh = skb.dst?.nexthop ?? skb.ip.daddr;
        const a = out ? inetSelectAddr(this.run, net, out, nh, RT_SCOPE_UNIVERSE) : 0;
        if (!a) {
          this.point('nf_nat_masquerade', net, skb, { text: `no address on ${c.outDev} to masquerade to` });
          return false;
        }
        natSetupInfo(table, ct, 'SRC', a, t.ports?.[0], t.ports?.[1]);
        text = `MASQUERADE to ${ipv4ToString(a)}`;
        break;
      }
      case 'REDIRECT': {
        // PREROUTING: the in device's primary address; OUTPUT: 127.0.0.1.
        let a = 0x7f000001;
        if (c.hook === 'PREROUTING') {
          const d = net.devByName.get(c.inDev);
          a = d?.addrs.find((x) => !x.secondary)?.addr ?? 0;
          if (!a) {
            this.point('nf_nat_redirect', net, skb, { text: `no address on ${c.inDev}` });
            return false;
          }
        }
        natSetupInfo(table, ct, 'DST', a, t.ports?.[0], t.ports?.[1]);
        text = `REDIRECT to ${ipv4ToString(a)}${t.ports ? `:${t.ports[0]}` : ''}`;
        break;
      }
      default:
        return true;
    }
    if (this.tr.level > 0) this.point('nf_nat_setup_info', net, skb, { hook: c.hook, table: 'nat', origin: rule.cfg.origin, text });
    return true;
  }
}

/** icmp_err_convert: what errno the process sees for an ICMP error. */
export function icmpErrno(type: number, code: number): Errno {
  if (type === ICMP_TIME_EXCEEDED) return 'EHOSTUNREACH';
  if (type !== ICMP_DEST_UNREACH) return 'EHOSTUNREACH';
  switch (code) {
    case ICMP_NET_UNREACH: case ICMP_NET_ANO: return 'ENETUNREACH';
    case ICMP_PORT_UNREACH: return 'ECONNREFUSED';
    case ICMP_PROT_UNREACH: return 'ENOPROTOOPT';
    default: return 'EHOSTUNREACH';
  }
}

function routeText(r: { cfg: { type: string; dst: { addr: number; len: number } }; gateway: number; dev?: Dev; table: number; metric: number }, rule?: { pref: number; action: { type: string } }): string {
  const dst = r.cfg.dst.len === 0 ? 'default' : `${ipv4ToString(r.cfg.dst.addr)}/${r.cfg.dst.len}`;
  const parts = [r.cfg.type === 'unicast' ? dst : `${r.cfg.type} ${dst}`];
  if (r.gateway) parts.push(`via ${ipv4ToString(r.gateway)}`);
  if (r.dev) parts.push(`dev ${r.dev.name}`);
  if (r.table !== 254) parts.push(`table ${r.table === 255 ? 'local' : r.table === 253 ? 'default' : r.table}`);
  if (r.metric) parts.push(`metric ${r.metric}`);
  if (rule && rule.pref !== 0 && rule.pref !== 32766 && rule.pref !== 32767) parts.push(`(rule ${rule.pref})`);
  return parts.join(' ');
}

/** An address for the outside host of an `on` probe: the last host address of the device's first subnet. */
function outsideAddr(dev: Dev): Ipv4 {
  const a = dev.addrs[0];
  if (!a) return 0x0a000002;
  const net = (a.addr & a.mask) >>> 0;
  const bcast = (net | (~a.mask >>> 0)) >>> 0;
  const cand = a.plen >= 31 ? (a.addr ^ 1) >>> 0 : (bcast - 1) >>> 0;
  return cand === a.addr ? (net + 1) >>> 0 : cand;
}

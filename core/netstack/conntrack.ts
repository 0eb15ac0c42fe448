// Connection tracking and NAT bindings of one namespace (kernel-path.md 5.4): tuples, the
// conntrack table (entries inserted at confirm), nf_conntrack_in (NEW / ESTABLISHED / RELATED /
// INVALID, ICMP errors related through their quoted header), NAT bindings (SNAT, DNAT,
// MASQUERADE, REDIRECT; null bindings), nf_nat_packet and the ICMP error translation of outer
// and quoted headers. Does not own the nat table rules (netfilter.ts decides the binding).

import type { Ipv4 } from '../kernel/config';
import { ipv4ToString } from '../kernel/config';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, ICMP_ECHO, ICMP_ECHOREPLY, Skb, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, isIcmpError } from './skb';

export interface Tuple {
  proto: number;
  src: Ipv4;
  sport: number;
  dst: Ipv4;
  dport: number;
}

export interface CtEntry {
  id: number;
  /** tuplehash[IP_CT_DIR_ORIGINAL] */
  orig: Tuple;
  /** tuplehash[IP_CT_DIR_REPLY] (NAT changes it) */
  reply: Tuple;
  confirmed: boolean;
  seenReply: boolean;
  /** IPS_SRC_NAT / IPS_DST_NAT: a translation is in place. */
  srcNat: boolean;
  dstNat: boolean;
  /** IPS_SRC_NAT_DONE / IPS_DST_NAT_DONE: the manip was initialised (possibly a null binding). */
  srcNatDone: boolean;
  dstNatDone: boolean;
  mark: number;
  /** Packets seen per direction. */
  packets: [number, number];
}

export function tupleKey(t: Tuple): string {
  return `${t.proto}|${t.src}|${t.sport}|${t.dst}|${t.dport}`;
}

export function invertTuple(t: Tuple): Tuple {
  return { proto: t.proto, src: t.dst, sport: t.dport, dst: t.src, dport: t.sport };
}

export function tupleToString(t: Tuple): string {
  const p = t.proto === IPPROTO_TCP ? 'tcp' : t.proto === IPPROTO_UDP ? 'udp' : t.proto === IPPROTO_ICMP ? 'icmp' : String(t.proto);
  if (t.proto === IPPROTO_ICMP) return `${p} src=${ipv4ToString(t.src)} dst=${ipv4ToString(t.dst)} id=${t.sport}`;
  return `${p} src=${ipv4ToString(t.src)} dst=${ipv4ToString(t.dst)} sport=${t.sport} dport=${t.dport}`;
}

/** The tuple of a packet; ICMP echo uses the identifier as both "ports" (nf_conntrack_proto_icmp). */
export function skbTuple(s: Skb): Tuple {
  const ip = s.ip;
  if (s.tcp) return { proto: IPPROTO_TCP, src: ip.saddr, sport: s.tcp.sport, dst: ip.daddr, dport: s.tcp.dport };
  if (s.udp) return { proto: IPPROTO_UDP, src: ip.saddr, sport: s.udp.sport, dst: ip.daddr, dport: s.udp.dport };
  if (s.icmp) return { proto: IPPROTO_ICMP, src: ip.saddr, sport: s.icmp.id, dst: ip.daddr, dport: s.icmp.id };
  return { proto: ip.protocol, src: ip.saddr, sport: 0, dst: ip.daddr, dport: 0 };
}

export class CtTable {
  /** Confirmed entries by both tuples. */
  readonly hash = new Map<string, { ct: CtEntry; reply: boolean }>();
  /** Every entry by id, including unconfirmed ones attached to packets in flight. */
  readonly byId = new Map<number, CtEntry>();

  /** Entries as `conntrack -L` lists them (confirmed only), oldest first. */
  list(): CtEntry[] {
    return [...this.byId.values()].filter((c) => c.confirmed);
  }

  /** __nf_conntrack_confirm: insert both tuples. False on a clash (the packet is dropped). */
  confirm(ct: CtEntry): boolean {
    if (ct.confirmed) return true;
    const ko = tupleKey(ct.orig);
    const kr = tupleKey(ct.reply);
    if (this.hash.has(ko) || this.hash.has(kr)) return false;
    this.hash.set(ko, { ct, reply: false });
    this.hash.set(kr, { ct, reply: true });
    ct.confirmed = true;
    return true;
  }
}

export type CtInResult =
  | { kind: 'skip'; why: string }
  | { kind: 'new'; ct: CtEntry }
  | { kind: 'found'; ct: CtEntry; reply: boolean; related: boolean }
  | { kind: 'invalid'; why: string };

/** TCP tracker: may this segment start a connection? SYN without ACK, or a loose mid-stream ACK (nf_conntrack_tcp_loose=1). */
function tcpCanCreate(flags: number): boolean {
  if (flags & TCP_RST) return false;
  if (flags & TCP_SYN) return !(flags & TCP_ACK);
  if (flags & TCP_FIN) return false;
  return (flags & TCP_ACK) !== 0;
}

/**
 * nf_conntrack_in: a packet already carrying a conntrack (looped back through lo, or untracked by
 * the raw table) is skipped. ICMP errors are RELATED to the connection their quoted header belongs
 * to (looked up among confirmed entries), else INVALID. Otherwise look the tuple up; a miss
 * creates an unconfirmed entry when the protocol tracker allows (else INVALID).
 */
export function nfConntrackIn(table: CtTable, s: Skb, nextId: () => number): CtInResult {
  if (s.ctinfo === 'UNTRACKED') return { kind: 'skip', why: 'untracked' };
  if (s.ct !== null) return { kind: 'skip', why: 'already attached' };
  if (s.icmp && isIcmpError(s.icmp.type) && s.icmp.inner) {
    const i = s.icmp.inner;
    const inner: Tuple = { proto: i.ip.protocol, src: i.ip.saddr, sport: i.sport, dst: i.ip.daddr, dport: i.dport };
    const h = table.hash.get(tupleKey(invertTuple(inner)));
    if (!h) return { kind: 'invalid', why: 'ICMP error for no tracked connection' };
    return { kind: 'found', ct: h.ct, reply: h.reply, related: true };
  }
  const t = skbTuple(s);
  const h = table.hash.get(tupleKey(t));
  if (h) return { kind: 'found', ct: h.ct, reply: h.reply, related: false };
  if (s.tcp && !tcpCanCreate(s.tcp.flags)) return { kind: 'invalid', why: 'TCP segment cannot start a connection' };
  if (s.icmp && s.icmp.type !== ICMP_ECHO) {
    return { kind: 'invalid', why: s.icmp.type === ICMP_ECHOREPLY ? 'echo reply without request' : 'ICMP type not tracked' };
  }
  const ct: CtEntry = {
    id: nextId(), orig: t, reply: invertTuple(t), confirmed: false, seenReply: false,
    srcNat: false, dstNat: false, srcNatDone: false, dstNatDone: false, mark: 0, packets: [0, 0],
  };
  table.byId.set(ct.id, ct);
  return { kind: 'new', ct };
}

export type Manip = 'SRC' | 'DST';

/**
 * nf_nat_setup_info: binds the manip. SRC changes where replies go (reply.dst/dport), DST where
 * the original goes (reply.src/sport). If the resulting reply tuple is taken by another
 * connection, the port moves within the range (nf_nat_used_tuple / get_unique_tuple).
 */
export function natSetupInfo(table: CtTable, ct: CtEntry, manip: Manip, addr: Ipv4 | undefined, portLo?: number, portHi?: number): void {
  const r = { ...ct.reply };
  const hasPorts = ct.orig.proto === IPPROTO_TCP || ct.orig.proto === IPPROTO_UDP;
  if (manip === 'SRC') {
    if (addr !== undefined) r.dst = addr;
    if (hasPorts && portLo !== undefined) r.dport = clampPort(r.dport, portLo, portHi ?? portLo);
  } else {
    if (addr !== undefined) r.src = addr;
    if (hasPorts && portLo !== undefined) r.sport = clampPort(r.sport, portLo, portHi ?? portLo);
  }
  if (manip === 'SRC' && hasPorts) {
    const lo = portLo ?? 1024;
    const hi = portHi ?? (portLo ?? 65535);
    let tries = 0;
    while (table.hash.has(tupleKey(r)) && tries++ < 65536) {
      r.dport = r.dport >= hi ? lo : r.dport + 1;
    }
  }
  const changed = r.src !== ct.reply.src || r.dst !== ct.reply.dst || r.sport !== ct.reply.sport || r.dport !== ct.reply.dport;
  ct.reply = r;
  if (manip === 'SRC') {
    ct.srcNatDone = true;
    if (changed) ct.srcNat = true;
  } else {
    ct.dstNatDone = true;
    if (changed) ct.dstNat = true;
  }
}

function clampPort(p: number, lo: number, hi: number): number {
  return p >= lo && p <= hi ? p : lo;
}

/** nf_nat_initialized */
export function natInitialized(ct: CtEntry, manip: Manip): boolean {
  return manip === 'SRC' ? ct.srcNatDone : ct.dstNatDone;
}

/** Does the packet travelling in direction `reply` need manip `manip`? (statusbit logic of nf_nat_packet) */
function needsManip(ct: CtEntry, manip: Manip, reply: boolean): boolean {
  const srcSide = (manip === 'SRC') !== reply; // SRC manip on original == SRC_NAT bit; on reply == DST_NAT bit
  return srcSide ? ct.srcNat : ct.dstNat;
}

function setAddrPort(s: Skb, manip: Manip, addr: Ipv4, port: number): void {
  if (manip === 'SRC') {
    s.ip.saddr = addr;
    if (s.tcp) s.tcp.sport = port;
    else if (s.udp) s.udp.sport = port;
  } else {
    s.ip.daddr = addr;
    if (s.tcp) s.tcp.dport = port;
    else if (s.udp) s.udp.dport = port;
  }
}

/**
 * nf_nat_packet: translate to the inverse of the other direction's tuple. Returns a description
 * of the change, or undefined when nothing changed.
 */
export function natPacket(ct: CtEntry, s: Skb, manip: Manip, reply: boolean): string | undefined {
  if (!needsManip(ct, manip, reply)) return undefined;
  const target = invertTuple(reply ? ct.orig : ct.reply);
  const before = manip === 'SRC' ? s.ip.saddr : s.ip.daddr;
  if (manip === 'SRC') setAddrPort(s, 'SRC', target.src, target.sport);
  else setAddrPort(s, 'DST', target.dst, target.dport);
  const after = manip === 'SRC' ? s.ip.saddr : s.ip.daddr;
  return `${manip === 'SRC' ? 'saddr' : 'daddr'} ${ipv4ToString(before)} -> ${ipv4ToString(after)}`;
}

/**
 * nf_nat_icmp_reply_translation: an ICMP error RELATED to `ct`, travelling in direction `reply`.
 * The quoted header gets the opposite manip (it travelled the other way), the outer header the
 * normal one.
 */
export function natIcmpReplyTranslation(ct: CtEntry, s: Skb, manip: Manip, reply: boolean): string | undefined {
  if (!needsManip(ct, manip, reply) || !s.icmp?.inner) return undefined;
  const inner = s.icmp.inner;
  const t = reply ? ct.orig : ct.reply; // tuplehash[!dir]
  if (manip === 'SRC') {
    // opposite manip (DST) on the quoted packet
    inner.ip.daddr = t.dst;
    if (inner.ip.protocol !== IPPROTO_ICMP) inner.dport = t.dport;
  } else {
    inner.ip.saddr = t.src;
    if (inner.ip.protocol !== IPPROTO_ICMP) inner.sport = t.sport;
  }
  const outer = invertTuple(t);
  const before = manip === 'SRC' ? s.ip.saddr : s.ip.daddr;
  if (manip === 'SRC') s.ip.saddr = outer.src;
  else s.ip.daddr = outer.dst;
  const after = manip === 'SRC' ? s.ip.saddr : s.ip.daddr;
  return `ICMP error ${manip === 'SRC' ? 'saddr' : 'daddr'} ${ipv4ToString(before)} -> ${ipv4ToString(after)}, quoted header translated`;
}

/** conntrack -L style line. */
export function ctToString(ct: CtEntry): string {
  const flags: string[] = [];
  if (!ct.seenReply) flags.push('[UNREPLIED]');
  if (ct.srcNat) flags.push('[SNAT]');
  if (ct.dstNat) flags.push('[DNAT]');
  return `${tupleToString(ct.orig)} ${flags.filter((f) => f === '[UNREPLIED]').join(' ')} ${tupleToString(ct.reply)}${ct.mark ? ` mark=${ct.mark}` : ''}`.replace(/\s+/g, ' ').trim();
}

// The packet: protocol headers (IPv4, TCP, UDP, ICMP with the embedded header of errors) and the
// sk_buff metadata the kernel carries beside them (netns, dev, skb_iif, mark, pkt_type, conntrack,
// dst, nf_trace). Owns cloning, snapshots, the one-line summary and field access by path (for the
// debugger's variables and setVariable). Does not own byte encoding (wire.ts) or any behaviour.

import type { Ipv4 } from '../kernel/config';
import { ipv4ToString } from '../kernel/config';

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

// TCP flag bits as in the TCP header (RFC 9293).
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;

// ICMP types and codes (RFC 792; include/uapi/linux/icmp.h).
export const ICMP_ECHOREPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_ECHO = 8;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_NET_UNREACH = 0;
export const ICMP_HOST_UNREACH = 1;
export const ICMP_PROT_UNREACH = 2;
export const ICMP_PORT_UNREACH = 3;
export const ICMP_NET_ANO = 9;
export const ICMP_HOST_ANO = 10;
export const ICMP_PKT_FILTERED = 13;
export const ICMP_EXC_TTL = 0;

export interface IpHdr {
  tos: number;
  id: number;
  /** Don't-fragment flag; Linux sets it on TCP and on most locally built packets (PMTU discovery). */
  df: boolean;
  ttl: number;
  protocol: number;
  saddr: Ipv4;
  daddr: Ipv4;
}

export interface TcpHdr {
  sport: number;
  dport: number;
  seq: number;
  ackSeq: number;
  flags: number;
  window: number;
}

export interface UdpHdr {
  sport: number;
  dport: number;
}

export interface IcmpHdr {
  type: number;
  code: number;
  /** Echo identifier / sequence (echo request and reply only). */
  id: number;
  seq: number;
  /** Errors: the offending packet's IP header and its first 8 payload bytes (RFC 792). */
  inner?: InnerPacket;
}

/** What an ICMP error quotes of the packet it is about. */
export interface InnerPacket {
  ip: IpHdr;
  /** The first 8 bytes of the quoted L4 header, decoded: ports (TCP/UDP) or echo id/seq (ICMP). */
  sport: number;
  dport: number;
  /** TCP sequence number (the quote covers it) or ICMP type<<8|code. */
  seq: number;
  /** Quoted tot_len (the full original length). */
  totLen: number;
}

export type PktType = 'HOST' | 'BROADCAST' | 'MULTICAST' | 'OTHERHOST';

/** Conntrack info as the kernel's `enum ip_conntrack_info` (reply direction folded in `dir`). */
export type CtInfo = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'UNTRACKED';

/**
 * The skb. Header objects are owned by the skb (cloneSkb copies them). The metadata references
 * kernel objects by id/name so the structure stays plain data and snapshots are cheap.
 */
export interface Skb {
  /** Packet id in the trace (a clone that is a new packet gets a new id). */
  id: number;
  /** Id of the packet that caused this one (reply, ICMP error, RST); null for the probe. */
  parent: number | null;
  eth: { src: number; dst: number };
  ip: IpHdr;
  tcp?: TcpHdr;
  udp?: UdpHdr;
  icmp?: IcmpHdr;
  /** Bytes after the L4 header. */
  payloadLen: number;
  // ---- sk_buff metadata
  /** dev_net(skb->dev): the namespace the packet is in now. */
  netns: string;
  /** skb->dev name, or null before a device is attached (locally built packets before routing). */
  dev: string | null;
  /** skb->skb_iif: ifindex of the device it was received on (0 for locally generated). */
  skbIif: number;
  mark: number;
  pktType: PktType;
  /** Conntrack entry id in skb->_nfct (per namespace table), or null. */
  ct: number | null;
  ctinfo: CtInfo | null;
  /** True when the conntrack entry's reply direction matched (IP_CT_IS_REPLY). */
  ctReply: boolean;
  /** skb_dst: a short description of the attached route (type and out device), or null. */
  dst: SkbDst | null;
  nfTrace: boolean;
}

export interface SkbDst {
  /** 'local' (ip_local_deliver), 'forward' (ip_forward), 'output' (locally generated), 'error' (ip_error). */
  input: 'local' | 'forward' | 'output' | 'error' | 'broadcast';
  dev: string;
  /** Next hop: gateway or the destination itself. */
  nexthop: Ipv4;
  /** For 'error': the errno name (EHOSTUNREACH ...). */
  error?: string;
}

export function ipProtoName(p: number): string {
  return p === IPPROTO_TCP ? 'TCP' : p === IPPROTO_UDP ? 'UDP' : p === IPPROTO_ICMP ? 'ICMP' : `proto ${p}`;
}

export function tcpFlagsString(f: number): string {
  let s = '';
  if (f & TCP_SYN) s += 'S';
  if (f & TCP_FIN) s += 'F';
  if (f & TCP_RST) s += 'R';
  if (f & TCP_PSH) s += 'P';
  if (f & TCP_ACK) s += '.';
  if (f & TCP_URG) s += 'U';
  return s || 'none';
}

const ICMP_UNREACH_NAMES: Record<number, string> = {
  0: 'net unreachable', 1: 'host unreachable', 2: 'protocol unreachable', 3: 'port unreachable',
  4: 'frag needed', 9: 'net prohibited', 10: 'host prohibited', 13: 'admin prohibited',
};

export function icmpDescribe(type: number, code: number): string {
  switch (type) {
    case ICMP_ECHO: return 'echo request';
    case ICMP_ECHOREPLY: return 'echo reply';
    case ICMP_DEST_UNREACH: return ICMP_UNREACH_NAMES[code] ?? `unreachable code ${code}`;
    case ICMP_TIME_EXCEEDED: return 'time exceeded';
    default: return `type ${type} code ${code}`;
  }
}

export function isIcmpError(type: number): boolean {
  return type === ICMP_DEST_UNREACH || type === ICMP_TIME_EXCEEDED || type === 4 || type === 5 || type === 12;
}

/** tcpdump-like one-liner: `TCP 10.0.1.2:40000 > 10.0.2.2:80 [S]`. */
export function skbSummary(s: Skb): string {
  const src = ipv4ToString(s.ip.saddr);
  const dst = ipv4ToString(s.ip.daddr);
  if (s.tcp) return `TCP ${src}:${s.tcp.sport} > ${dst}:${s.tcp.dport} [${tcpFlagsString(s.tcp.flags)}]`;
  if (s.udp) return `UDP ${src}:${s.udp.sport} > ${dst}:${s.udp.dport}`;
  if (s.icmp) {
    const d = icmpDescribe(s.icmp.type, s.icmp.code);
    if (s.icmp.inner) {
      const i = s.icmp.inner;
      return `ICMP ${src} > ${dst} ${d} (${ipProtoName(i.ip.protocol)} ${ipv4ToString(i.ip.saddr)}:${i.sport} > ${ipv4ToString(i.ip.daddr)}:${i.dport})`;
    }
    return `ICMP ${src} > ${dst} ${d} id ${s.icmp.id} seq ${s.icmp.seq}`;
  }
  return `${ipProtoName(s.ip.protocol)} ${src} > ${dst}`;
}

/** Length of the L4 header this representation encodes. */
export function l4HeaderLen(s: Skb): number {
  if (s.tcp) return 20;
  if (s.udp) return 8;
  if (s.icmp) return s.icmp.inner ? 8 + 20 + 8 : 8;
  return 0;
}

/** IP tot_len. */
export function ipTotLen(s: Skb): number {
  return 20 + l4HeaderLen(s) + s.payloadLen;
}

function cloneInner(i: InnerPacket): InnerPacket {
  return { ip: { ...i.ip }, sport: i.sport, dport: i.dport, seq: i.seq, totLen: i.totLen };
}

/** A deep copy (headers and metadata); ids kept. */
export function cloneSkb(s: Skb): Skb {
  return {
    id: s.id,
    parent: s.parent,
    eth: { src: s.eth.src, dst: s.eth.dst },
    ip: { ...s.ip },
    tcp: s.tcp ? { ...s.tcp } : undefined,
    udp: s.udp ? { ...s.udp } : undefined,
    icmp: s.icmp ? { ...s.icmp, inner: s.icmp.inner ? cloneInner(s.icmp.inner) : undefined } : undefined,
    payloadLen: s.payloadLen,
    netns: s.netns,
    dev: s.dev,
    skbIif: s.skbIif,
    mark: s.mark,
    pktType: s.pktType,
    ct: s.ct,
    ctinfo: s.ctinfo,
    ctReply: s.ctReply,
    dst: s.dst ? { ...s.dst } : null,
    nfTrace: s.nfTrace,
  };
}

// ---------------------------------------------------------------- field access by path

/**
 * Field paths the debugger shows and may edit: `ip.saddr`, `ip.daddr`, `ip.ttl`, `ip.tos`, `ip.id`,
 * `ip.protocol`, `tcp.sport`, `tcp.dport`, `tcp.seq`, `tcp.ack_seq`, `tcp.flags`, `udp.sport`,
 * `udp.dport`, `icmp.type`, `icmp.code`, `icmp.id`, `icmp.seq`, `skb.mark`, `skb.pkt_type`,
 * `skb.skb_iif`, `skb.nf_trace`, `skb.len`. Addresses read and write as dotted quads or numbers.
 */
export const SKB_FIELDS = [
  'ip.saddr', 'ip.daddr', 'ip.ttl', 'ip.tos', 'ip.id', 'ip.protocol', 'ip.df',
  'tcp.sport', 'tcp.dport', 'tcp.seq', 'tcp.ack_seq', 'tcp.flags',
  'udp.sport', 'udp.dport',
  'icmp.type', 'icmp.code', 'icmp.id', 'icmp.seq',
  'skb.mark', 'skb.pkt_type', 'skb.skb_iif', 'skb.nf_trace', 'skb.len', 'skb.netns', 'skb.dev',
] as const;

/** Reads a field; undefined when the packet has no such header. Addresses as numbers. */
export function getSkbField(s: Skb, path: string): number | string | boolean | undefined {
  switch (path) {
    case 'ip.saddr': return s.ip.saddr;
    case 'ip.daddr': return s.ip.daddr;
    case 'ip.ttl': return s.ip.ttl;
    case 'ip.tos': return s.ip.tos;
    case 'ip.id': return s.ip.id;
    case 'ip.protocol': return s.ip.protocol;
    case 'ip.df': return s.ip.df;
    case 'tcp.sport': return s.tcp?.sport;
    case 'tcp.dport': return s.tcp?.dport;
    case 'tcp.seq': return s.tcp?.seq;
    case 'tcp.ack_seq': return s.tcp?.ackSeq;
    case 'tcp.flags': return s.tcp?.flags;
    case 'udp.sport': return s.udp?.sport;
    case 'udp.dport': return s.udp?.dport;
    case 'icmp.type': return s.icmp?.type;
    case 'icmp.code': return s.icmp?.code;
    case 'icmp.id': return s.icmp?.id;
    case 'icmp.seq': return s.icmp?.seq;
    case 'skb.mark': return s.mark;
    case 'skb.pkt_type': return s.pktType;
    case 'skb.skb_iif': return s.skbIif;
    case 'skb.nf_trace': return s.nfTrace;
    case 'skb.len': return ipTotLen(s);
    case 'skb.netns': return s.netns;
    case 'skb.dev': return s.dev ?? undefined;
    default: return undefined;
  }
}

/**
 * Writes a field in place. Returns an error message, or undefined on success. Only header fields
 * and skb.mark / skb.pkt_type / skb.nf_trace are writable (the rest is kernel bookkeeping).
 */
export function setSkbField(s: Skb, path: string, value: number | string | boolean): string | undefined {
  const num = (): number | undefined => {
    if (typeof value === 'number') return value;
    if (typeof value === 'boolean') return value ? 1 : 0;
    const t = value.trim();
    if (/^(0x[0-9a-f]+|\d+)$/i.test(t)) return Number(t);
    return undefined;
  };
  const addr = (): number | undefined => {
    if (typeof value === 'number') return value >>> 0;
    if (typeof value !== 'string') return undefined;
    const parts = value.trim().split('.');
    if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return num();
    return parts.reduce((a, p) => a * 256 + Number(p), 0) >>> 0;
  };
  const bounded = (max: number): number | undefined => {
    const n = num();
    return n !== undefined && Number.isInteger(n) && n >= 0 && n <= max ? n : undefined;
  };
  const fail = (): string => `invalid value for ${path}: ${String(value)}`;
  const missing = (h: string): string => `the packet has no ${h} header`;
  switch (path) {
    case 'ip.saddr': case 'ip.daddr': {
      const a = addr();
      if (a === undefined) return fail();
      if (path === 'ip.saddr') s.ip.saddr = a; else s.ip.daddr = a;
      return undefined;
    }
    case 'ip.ttl': case 'ip.tos': case 'ip.protocol': {
      const n = bounded(255);
      if (n === undefined) return fail();
      if (path === 'ip.ttl') s.ip.ttl = n; else if (path === 'ip.tos') s.ip.tos = n; else s.ip.protocol = n;
      return undefined;
    }
    case 'ip.id': { const n = bounded(0xffff); if (n === undefined) return fail(); s.ip.id = n; return undefined; }
    case 'ip.df': s.ip.df = value === true || value === 1 || value === 'true' || value === '1'; return undefined;
    case 'tcp.sport': case 'tcp.dport': case 'udp.sport': case 'udp.dport': {
      const n = bounded(0xffff);
      if (n === undefined) return fail();
      const h = path.startsWith('tcp') ? s.tcp : s.udp;
      if (!h) return missing(path.slice(0, 3));
      if (path.endsWith('sport')) h.sport = n; else h.dport = n;
      return undefined;
    }
    case 'tcp.seq': case 'tcp.ack_seq': case 'tcp.flags': {
      if (!s.tcp) return missing('tcp');
      const n = bounded(path === 'tcp.flags' ? 0xff : 0xffffffff);
      if (n === undefined) return fail();
      if (path === 'tcp.seq') s.tcp.seq = n; else if (path === 'tcp.ack_seq') s.tcp.ackSeq = n; else s.tcp.flags = n;
      return undefined;
    }
    case 'icmp.type': case 'icmp.code': case 'icmp.id': case 'icmp.seq': {
      if (!s.icmp) return missing('icmp');
      const n = bounded(path === 'icmp.type' || path === 'icmp.code' ? 255 : 0xffff);
      if (n === undefined) return fail();
      if (path === 'icmp.type') s.icmp.type = n; else if (path === 'icmp.code') s.icmp.code = n;
      else if (path === 'icmp.id') s.icmp.id = n; else s.icmp.seq = n;
      return undefined;
    }
    case 'skb.mark': { const n = bounded(0xffffffff); if (n === undefined) return fail(); s.mark = n; return undefined; }
    case 'skb.nf_trace': s.nfTrace = value === true || value === 1 || value === 'true' || value === '1'; return undefined;
    case 'skb.pkt_type': {
      const v = String(value).toUpperCase();
      if (v !== 'HOST' && v !== 'BROADCAST' && v !== 'MULTICAST' && v !== 'OTHERHOST') return fail();
      s.pktType = v;
      return undefined;
    }
    default:
      return `${path} is not writable`;
  }
}

// ---------------------------------------------------------------- MAC addresses

/** "02:00:00:00:00:01" -> 48-bit number (exact in a double). Invalid text gives 0. */
export function parseMac(text: string): number {
  const parts = text.split(':');
  if (parts.length !== 6) return 0;
  let v = 0;
  for (const p of parts) {
    const n = parseInt(p, 16);
    if (!/^[0-9a-fA-F]{1,2}$/.test(p) || Number.isNaN(n)) return 0;
    v = v * 256 + n;
  }
  return v;
}

export function macToString(m: number): string {
  const out: string[] = [];
  for (let i = 5; i >= 0; i--) out.push(Math.floor(m / 2 ** (8 * i)) % 256 === 0 ? '00' : (Math.floor(m / 2 ** (8 * i)) % 256).toString(16).padStart(2, '0'));
  return out.join(':');
}

export const MAC_BROADCAST = 0xffffffffffff;

/** Group bit (multicast/broadcast) of the first octet. */
export function macIsMulticast(m: number): boolean {
  return Math.floor(m / 2 ** 40) % 2 === 1;
}

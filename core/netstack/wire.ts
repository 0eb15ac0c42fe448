// Byte encoding of a packet as it is on the wire: Ethernet II, IPv4 (RFC 791, no options), TCP
// (RFC 9293, no options), UDP (RFC 768), ICMP (RFC 792, errors quote the IP header plus 8 bytes),
// with correct Internet checksums (RFC 1071). Owns encode/decode only; it does not own the skb
// metadata (skb.ts), which is not on the wire.

import {
  IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IcmpHdr, InnerPacket, IpHdr, Skb, ipTotLen, isIcmpError,
} from './skb';

const ETH_HLEN = 14;
const ETH_P_IP = 0x0800;

/** Internet checksum (ones' complement of the ones' complement sum) over buf[from, to), plus `initial`. */
export function inetChecksum(buf: Uint8Array, from: number, to: number, initial = 0): number {
  let sum = initial;
  let i = from;
  for (; i + 1 < to; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i < to) sum += buf[i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 255;
  b[o + 1] = v & 255;
}
function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 255;
  b[o + 1] = (v >>> 16) & 255;
  b[o + 2] = (v >>> 8) & 255;
  b[o + 3] = v & 255;
}
function get16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}
function get32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}
function putMac(b: Uint8Array, o: number, m: number): void {
  for (let i = 0; i < 6; i++) b[o + i] = Math.floor(m / 2 ** (8 * (5 - i))) % 256;
}
function getMac(b: Uint8Array, o: number): number {
  let v = 0;
  for (let i = 0; i < 6; i++) v = v * 256 + b[o + i];
  return v;
}

/** Writes a 20-byte IPv4 header with its checksum at `o`. */
function putIpHdr(b: Uint8Array, o: number, ip: IpHdr, totLen: number): void {
  b[o] = 0x45;
  b[o + 1] = ip.tos & 255;
  put16(b, o + 2, totLen);
  put16(b, o + 4, ip.id & 0xffff);
  put16(b, o + 6, ip.df ? 0x4000 : 0);
  b[o + 8] = ip.ttl & 255;
  b[o + 9] = ip.protocol & 255;
  put16(b, o + 10, 0);
  put32(b, o + 12, ip.saddr);
  put32(b, o + 16, ip.daddr);
  put16(b, o + 10, inetChecksum(b, o, o + 20));
}

function pseudoHeaderSum(ip: IpHdr, l4len: number): number {
  return (ip.saddr >>> 16) + (ip.saddr & 0xffff) + (ip.daddr >>> 16) + (ip.daddr & 0xffff) + ip.protocol + l4len;
}

/** The 8 quoted L4 bytes of an ICMP error's inner packet. */
function putInnerL4(b: Uint8Array, o: number, inner: InnerPacket): void {
  if (inner.ip.protocol === IPPROTO_ICMP) {
    b[o] = (inner.seq >>> 8) & 255; // type
    b[o + 1] = inner.seq & 255; // code
    put16(b, o + 2, 0);
    put16(b, o + 4, inner.sport); // id
    put16(b, o + 6, inner.dport); // seq
  } else {
    put16(b, o, inner.sport);
    put16(b, o + 2, inner.dport);
    if (inner.ip.protocol === IPPROTO_TCP) put32(b, o + 4, inner.seq);
    else {
      // UDP: the quoted length is the datagram's (inner tot_len less the IP header); the checksum
      // is quoted as 0, which means "not computed" for UDP over IPv4 (RFC 768).
      put16(b, o + 4, Math.max(8, inner.totLen - 20));
      put16(b, o + 6, 0);
    }
  }
}

/** Encodes the frame: Ethernet header, IPv4, L4 and `payloadLen` zero bytes of payload. */
export function encodeSkb(s: Skb): Uint8Array {
  const totLen = ipTotLen(s);
  const b = new Uint8Array(ETH_HLEN + totLen);
  putMac(b, 0, s.eth.dst);
  putMac(b, 6, s.eth.src);
  put16(b, 12, ETH_P_IP);
  const ipo = ETH_HLEN;
  putIpHdr(b, ipo, s.ip, totLen);
  const l4 = ipo + 20;
  const l4len = totLen - 20;
  if (s.tcp) {
    const t = s.tcp;
    put16(b, l4, t.sport);
    put16(b, l4 + 2, t.dport);
    put32(b, l4 + 4, t.seq);
    put32(b, l4 + 8, t.ackSeq);
    b[l4 + 12] = 5 << 4;
    b[l4 + 13] = t.flags & 0xff;
    put16(b, l4 + 14, t.window);
    put16(b, l4 + 18, 0);
    put16(b, l4 + 16, inetChecksum(b, l4, l4 + l4len, pseudoHeaderSum(s.ip, l4len)));
  } else if (s.udp) {
    put16(b, l4, s.udp.sport);
    put16(b, l4 + 2, s.udp.dport);
    put16(b, l4 + 4, l4len);
    const c = inetChecksum(b, l4, l4 + l4len, pseudoHeaderSum(s.ip, l4len));
    put16(b, l4 + 6, c === 0 ? 0xffff : c); // RFC 768: a computed zero is sent as all ones
  } else if (s.icmp) {
    const ic = s.icmp;
    b[l4] = ic.type;
    b[l4 + 1] = ic.code;
    if (ic.inner) {
      put32(b, l4 + 4, 0);
      putIpHdr(b, l4 + 8, ic.inner.ip, ic.inner.totLen);
      putInnerL4(b, l4 + 28, ic.inner);
    } else {
      put16(b, l4 + 4, ic.id);
      put16(b, l4 + 6, ic.seq);
    }
    put16(b, l4 + 2, inetChecksum(b, l4, l4 + l4len));
  }
  return b;
}

export interface DecodedFrame {
  eth: { src: number; dst: number; type: number };
  ip: IpHdr;
  totLen: number;
  tcp?: Skb['tcp'];
  udp?: Skb['udp'];
  icmp?: IcmpHdr;
  payloadLen: number;
  /** Checksums verified: IP header, and the L4 checksum. */
  ipCsumOk: boolean;
  l4CsumOk: boolean;
}

function getIpHdr(b: Uint8Array, o: number): IpHdr {
  return {
    tos: b[o + 1],
    id: get16(b, o + 4),
    df: (b[o + 6] & 0x40) !== 0,
    ttl: b[o + 8],
    protocol: b[o + 9],
    saddr: get32(b, o + 12),
    daddr: get32(b, o + 16),
  };
}

/** Decodes a frame produced by encodeSkb (or any Ethernet/IPv4 frame without IP options). */
export function decodeFrame(b: Uint8Array): DecodedFrame | { error: string } {
  if (b.length < ETH_HLEN + 20) return { error: 'frame too short' };
  const type = get16(b, 12);
  if (type !== ETH_P_IP) return { error: `ethertype 0x${type.toString(16)} is not IPv4` };
  const ipo = ETH_HLEN;
  if (b[ipo] >>> 4 !== 4) return { error: 'not IPv4' };
  const ihl = (b[ipo] & 15) * 4;
  if (ihl !== 20) return { error: 'IP options are not supported' };
  const totLen = get16(b, ipo + 2);
  if (ipo + totLen > b.length || totLen < 20) return { error: 'bad tot_len' };
  const ip = getIpHdr(b, ipo);
  const ipCsumOk = inetChecksum(b, ipo, ipo + 20) === 0;
  const l4 = ipo + 20;
  const l4len = totLen - 20;
  const out: DecodedFrame = {
    eth: { dst: getMac(b, 0), src: getMac(b, 6), type }, ip, totLen, payloadLen: 0, ipCsumOk, l4CsumOk: true,
  };
  if (ip.protocol === IPPROTO_TCP && l4len >= 20) {
    out.tcp = {
      sport: get16(b, l4), dport: get16(b, l4 + 2), seq: get32(b, l4 + 4), ackSeq: get32(b, l4 + 8),
      flags: b[l4 + 13], window: get16(b, l4 + 14),
    };
    out.payloadLen = l4len - (b[l4 + 12] >>> 4) * 4;
    out.l4CsumOk = inetChecksum(b, l4, l4 + l4len, pseudoHeaderSum(ip, l4len)) === 0;
  } else if (ip.protocol === IPPROTO_UDP && l4len >= 8) {
    out.udp = { sport: get16(b, l4), dport: get16(b, l4 + 2) };
    out.payloadLen = l4len - 8;
    out.l4CsumOk = get16(b, l4 + 6) === 0 || inetChecksum(b, l4, l4 + l4len, pseudoHeaderSum(ip, l4len)) === 0;
  } else if (ip.protocol === IPPROTO_ICMP && l4len >= 8) {
    const t = b[l4];
    const icmp: IcmpHdr = { type: t, code: b[l4 + 1], id: 0, seq: 0 };
    if (isIcmpError(t) && l4len >= 36) {
      const iip = getIpHdr(b, l4 + 8);
      const q = l4 + 28;
      const inner: InnerPacket = { ip: iip, sport: 0, dport: 0, seq: 0, totLen: get16(b, l4 + 8 + 2) };
      if (iip.protocol === IPPROTO_ICMP) {
        inner.seq = (b[q] << 8) | b[q + 1];
        inner.sport = get16(b, q + 4);
        inner.dport = get16(b, q + 6);
      } else {
        inner.sport = get16(b, q);
        inner.dport = get16(b, q + 2);
        inner.seq = iip.protocol === IPPROTO_TCP ? get32(b, q + 4) : 0;
      }
      icmp.inner = inner;
      out.payloadLen = l4len - 36;
    } else {
      icmp.id = get16(b, l4 + 4);
      icmp.seq = get16(b, l4 + 6);
      out.payloadLen = l4len - 8;
    }
    out.icmp = icmp;
    out.l4CsumOk = inetChecksum(b, l4, l4 + l4len) === 0;
  } else {
    out.payloadLen = l4len;
  }
  return out;
}

/** Hex dump lines (16 bytes per line, offset first), for text renderings. */
export function hexDump(b: Uint8Array): string[] {
  const lines: string[] = [];
  for (let o = 0; o < b.length; o += 16) {
    const row: string[] = [];
    for (let i = o; i < Math.min(o + 16, b.length); i++) row.push(b[i].toString(16).padStart(2, '0'));
    lines.push(`${o.toString(16).padStart(4, '0')}  ${row.join(' ')}`);
  }
  return lines;
}

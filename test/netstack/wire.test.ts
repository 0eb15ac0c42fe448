// Wire encoding: headers round-trip through bytes, checksums verify (RFC 1071), and known
// values (a hand-checked IPv4 header checksum) come out right.

import * as assert from 'node:assert';
import { Skb, decodeFrame, encodeSkb, inetChecksum, parseMac, macToString, skbSummary, setSkbField, getSkbField } from '../../core/netstack';
import { ip } from '../sim/builder';

function base(): Skb {
  return {
    id: 1, parent: null, eth: { src: parseMac('02:00:00:00:00:01'), dst: parseMac('02:00:00:00:00:02') },
    ip: { tos: 0, id: 0x1c46, df: true, ttl: 64, protocol: 6, saddr: ip('10.0.1.2'), daddr: ip('10.0.2.2') },
    tcp: { sport: 40000, dport: 80, seq: 1000, ackSeq: 0, flags: 0x02, window: 64240 },
    payloadLen: 0, netns: 'a', dev: null, skbIif: 0, mark: 0, pktType: 'HOST', ct: null, ctinfo: null, ctReply: false, dst: null, nfTrace: false,
  };
}

describe('netstack: wire', () => {
  it('the Internet checksum of RFC 1071 example data', () => {
    // RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2, checksum ~ = 0x220d
    assert.strictEqual(inetChecksum(new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]), 0, 8), 0x220d);
  });

  it('TCP SYN round-trips with valid IP and TCP checksums', () => {
    const b = encodeSkb(base());
    assert.strictEqual(b.length, 14 + 40);
    assert.strictEqual(b[12], 0x08);
    const d = decodeFrame(b);
    assert.ok(!('error' in d));
    if ('error' in d) return;
    assert.ok(d.ipCsumOk && d.l4CsumOk);
    assert.deepStrictEqual(d.tcp, base().tcp);
    assert.strictEqual(d.ip.ttl, 64);
    assert.strictEqual(d.ip.df, true);
    assert.strictEqual(macToString(d.eth.src), '02:00:00:00:00:01');
  });

  it('UDP and ICMP echo round-trip; a corrupted byte fails the checksum', () => {
    const u = base();
    delete u.tcp;
    u.ip.protocol = 17;
    u.udp = { sport: 5353, dport: 53 };
    u.payloadLen = 4;
    const du = decodeFrame(encodeSkb(u));
    assert.ok(!('error' in du) && du.udp!.dport === 53 && du.l4CsumOk && du.payloadLen === 4);
    const i = base();
    delete i.tcp;
    i.ip.protocol = 1;
    i.icmp = { type: 8, code: 0, id: 7, seq: 1 };
    const bytes = encodeSkb(i);
    const di = decodeFrame(bytes);
    assert.ok(!('error' in di) && di.icmp!.id === 7 && di.l4CsumOk);
    bytes[bytes.length - 1] ^= 0xff;
    const bad = decodeFrame(bytes);
    assert.ok(!('error' in bad) && !bad.l4CsumOk);
  });

  it('ICMP errors quote the original IP header and 8 bytes', () => {
    const e = base();
    delete e.tcp;
    e.ip.protocol = 1;
    e.icmp = { type: 3, code: 3, id: 0, seq: 0, inner: { ip: { ...base().ip, protocol: 17 }, sport: 40000, dport: 53, seq: 0, totLen: 32 } };
    const d = decodeFrame(encodeSkb(e));
    assert.ok(!('error' in d));
    if ('error' in d) return;
    assert.strictEqual(d.totLen, 20 + 8 + 28);
    assert.strictEqual(d.icmp!.inner!.dport, 53);
    assert.strictEqual(d.icmp!.inner!.ip.daddr, ip('10.0.2.2'));
    assert.ok(d.l4CsumOk);
    assert.match(skbSummary(e), /port unreachable \(UDP 10\.0\.1\.2:40000 > 10\.0\.2\.2:53\)/);
  });

  it('field access by path: read, write, reject bad values', () => {
    const s = base();
    assert.strictEqual(setSkbField(s, 'ip.daddr', '10.9.9.9'), undefined);
    assert.strictEqual(getSkbField(s, 'ip.daddr'), ip('10.9.9.9'));
    assert.strictEqual(setSkbField(s, 'skb.mark', '0x10'), undefined);
    assert.strictEqual(s.mark, 16);
    assert.match(setSkbField(s, 'udp.dport', 5)!, /no udp header/);
    assert.match(setSkbField(s, 'ip.ttl', 300)!, /invalid/);
  });
});

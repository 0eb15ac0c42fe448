// Conntrack and NAT bindings in isolation: tuple states, confirm, SNAT/DNAT translation both
// ways, port clash resolution, and ICMP error translation of the quoted header.

import * as assert from 'node:assert';
import { CtTable, Skb, natPacket, natSetupInfo, nfConntrackIn, natIcmpReplyTranslation } from '../../core/netstack';
import { ip } from '../sim/builder';

function tcp(src: string, sport: number, dst: string, dport: number, flags = 2): Skb {
  return {
    id: 1, parent: null, eth: { src: 0, dst: 0 },
    ip: { tos: 0, id: 1, df: true, ttl: 64, protocol: 6, saddr: ip(src), daddr: ip(dst) },
    tcp: { sport, dport, seq: 1, ackSeq: 0, flags, window: 0 },
    payloadLen: 0, netns: 'r', dev: 'a', skbIif: 2, mark: 0, pktType: 'HOST', ct: null, ctinfo: null, ctReply: false, dst: null, nfTrace: false,
  };
}

describe('netstack: conntrack', () => {
  it('NEW, then ESTABLISHED for the reply after confirm; SYN-ACK without entry is INVALID', () => {
    const t = new CtTable();
    let id = 1;
    const syn = tcp('10.0.1.2', 40000, '10.0.2.2', 80);
    const r = nfConntrackIn(t, syn, () => id++);
    assert.strictEqual(r.kind, 'new');
    if (r.kind !== 'new') return;
    assert.strictEqual(t.hash.size, 0, 'unconfirmed entries are not in the table');
    assert.ok(t.confirm(r.ct));
    const synack = tcp('10.0.2.2', 80, '10.0.1.2', 40000, 0x12);
    const r2 = nfConntrackIn(t, synack, () => id++);
    assert.ok(r2.kind === 'found' && r2.reply);
    assert.strictEqual(nfConntrackIn(new CtTable(), synack, () => id++).kind, 'invalid');
  });

  it('SNAT: original source rewritten at POSTROUTING, reply destination restored at PREROUTING; clash moves the port', () => {
    const t = new CtTable();
    let id = 1;
    const a = tcp('10.0.1.2', 40000, '10.0.2.2', 80);
    const ra = nfConntrackIn(t, a, () => id++);
    if (ra.kind !== 'new') throw new Error();
    natSetupInfo(t, ra.ct, 'SRC', ip('10.0.2.1'));
    assert.ok(natPacket(ra.ct, a, 'SRC', false));
    assert.strictEqual(a.ip.saddr, ip('10.0.2.1'));
    t.confirm(ra.ct);
    const reply = tcp('10.0.2.2', 80, '10.0.2.1', 40000, 0x12);
    const rr = nfConntrackIn(t, reply, () => id++);
    if (rr.kind !== 'found') throw new Error();
    natPacket(rr.ct, reply, 'DST', rr.reply);
    assert.strictEqual(reply.ip.daddr, ip('10.0.1.2'));
    // a second client with the same source port gets another port
    const b = tcp('10.0.1.3', 40000, '10.0.2.2', 80);
    const rb = nfConntrackIn(t, b, () => id++);
    if (rb.kind !== 'new') throw new Error();
    natSetupInfo(t, rb.ct, 'SRC', ip('10.0.2.1'));
    natPacket(rb.ct, b, 'SRC', false);
    assert.strictEqual(b.ip.saddr, ip('10.0.2.1'));
    assert.notStrictEqual(b.tcp!.sport, 40000);
  });

  it('ICMP error for a SNATed flow: related in the reply direction, outer and quoted header translated', () => {
    const t = new CtTable();
    let id = 1;
    const a = tcp('10.0.1.2', 40000, '10.0.2.2', 80);
    const ra = nfConntrackIn(t, a, () => id++);
    if (ra.kind !== 'new') throw new Error();
    natSetupInfo(t, ra.ct, 'SRC', ip('10.0.2.1'));
    natPacket(ra.ct, a, 'SRC', false);
    t.confirm(ra.ct);
    const err: Skb = { ...tcp('10.0.2.2', 0, '10.0.2.1', 0), tcp: undefined };
    err.ip.protocol = 1;
    err.icmp = { type: 3, code: 3, id: 0, seq: 0, inner: { ip: { ...a.ip }, sport: 40000, dport: 80, seq: 1, totLen: 40 } };
    const r = nfConntrackIn(t, err, () => id++);
    assert.ok(r.kind === 'found' && r.related && r.reply);
    if (r.kind !== 'found') return;
    natIcmpReplyTranslation(r.ct, err, 'DST', r.reply);
    assert.strictEqual(err.ip.daddr, ip('10.0.1.2'));
    assert.strictEqual(err.icmp.inner!.ip.saddr, ip('10.0.1.2'));
  });
});

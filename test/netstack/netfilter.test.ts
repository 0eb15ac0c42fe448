// Netfilter in isolation: hook registration per existing table, priorities, conntrack only where
// needed, and ipt_do_table traversal (jump/goto/RETURN/policy, counters, MARK) on a bare packet.

import * as assert from 'node:assert';
import { Kernel, NULL_TRACER, NfCtx, NfHost, RunState, Skb, ipt_do_table, matchToString } from '../../core/netstack';
import { TopoBuilder, ip } from '../sim/builder';

function pkt(): Skb {
  return {
    id: 1, parent: null, eth: { src: 0, dst: 0 },
    ip: { tos: 0, id: 1, df: true, ttl: 64, protocol: 6, saddr: ip('10.0.1.2'), daddr: ip('10.0.2.2') },
    tcp: { sport: 40000, dport: 80, seq: 1, ackSeq: 0, flags: 2, window: 0 },
    payloadLen: 0, netns: 'r', dev: 'a', skbIif: 2, mark: 0, pktType: 'HOST', ct: null, ctinfo: null, ctReply: false, dst: null, nfTrace: false,
  };
}

const host: NfHost = { tr: NULL_TRACER, reject: () => undefined, natTarget: () => true };

describe('netstack: netfilter', () => {
  it('registers only the tables that exist, in priority order; conntrack only when needed', () => {
    const b = new TopoBuilder(['root', 'r']);
    b.ipt('r', '-A FORWARD -j ACCEPT');
    b.ipt('r', '-t mangle -A PREROUTING -j MARK --set-mark 1');
    const k1 = new Kernel(b.build());
    const h = k1.net('r').hooks;
    assert.strictEqual(h.conntrack, false);
    assert.deepStrictEqual(h.hooks.PREROUTING.map((e) => e.kind === 'table' ? e.table.name : e.kind), ['mangle']);
    assert.deepStrictEqual(h.hooks.FORWARD.map((e) => e.kind === 'table' ? e.table.name : e.kind), ['mangle', 'filter']);
    b.ipt('r', '-t nat -A POSTROUTING -j MASQUERADE');
    const h2 = new Kernel(b.build()).net('r').hooks;
    assert.strictEqual(h2.conntrack, true);
    assert.deepStrictEqual(h2.hooks.PREROUTING.map((e) => e.kind === 'table' || e.kind === 'nat' ? e.table.name : e.kind), ['conntrack', 'mangle', 'nat']);
    assert.deepStrictEqual(h2.hooks.POSTROUTING.map((e) => e.kind === 'table' || e.kind === 'nat' ? e.table.name : e.kind), ['mangle', 'nat', 'confirm']);
  });

  it('jump / goto / RETURN / policy and counters', () => {
    const b = new TopoBuilder(['root', 'r']);
    b.ipt('r', '-N A');
    b.ipt('r', '-N B');
    b.ipt('r', '-A FORWARD -j A');
    b.ipt('r', '-A FORWARD -p tcp -j MARK --set-mark 0x5');
    b.ipt('r', '-A A -p udp -j DROP');
    b.ipt('r', '-A A -g B');
    b.ipt('r', '-A B -p tcp --dport 22 -j DROP');
    b.ipt('r', '-P FORWARD DROP');
    const k = new Kernel(b.build());
    const net = k.net('r');
    const run = new RunState(k);
    const t = net.hooks.tables.get('filter')!;
    const ctx = (s: Skb): NfCtx => ({ skb: s, net, run, hook: 'FORWARD', inDev: 'a', outDev: 'b', ct: null, addrType: () => 'UNICAST' });
    const s = pkt();
    const r1 = ipt_do_table(host, ctx(s), t, t.chains.get('FORWARD')!);
    // B falls off its end: -g means it returns to FORWARD's caller level, i.e. continues after `-j A`.
    assert.strictEqual(r1.verdict, 'DROP');
    assert.strictEqual(r1.policy, true);
    assert.strictEqual(s.mark, 5);
    const s2 = pkt();
    s2.tcp!.dport = 22;
    const r2 = ipt_do_table(host, ctx(s2), t, t.chains.get('FORWARD')!);
    assert.strictEqual(r2.rule?.cfg.text, '-A B -p tcp --dport 22 -j DROP');
    const fwd = t.chains.get('FORWARD')!;
    assert.strictEqual(run.counters.get(fwd.rules[0].id)!.pkts, 2);
    assert.strictEqual(run.counters.get(fwd.id)!.pkts, 1, 'policy counter');
  });

  it('prints matches as iptables-save does', () => {
    assert.strictEqual(matchToString({ kind: 'dport', range: [1000, 2000], invert: true }), '! --dport 1000:2000');
    assert.strictEqual(matchToString({ kind: 'ctstate', states: ['ESTABLISHED', 'RELATED'], invert: false }), '-m conntrack --ctstate ESTABLISHED,RELATED');
    assert.strictEqual(matchToString({ kind: 'iif', name: 'veth+', invert: false }), '-i veth+');
  });

  it('evaluates 10,000 non-matching rules without per-rule work beyond the matches', () => {
    const b = new TopoBuilder(['root', 'r']);
    for (let i = 0; i < 10000; i++) b.ipt('r', `-A FORWARD -s 192.168.${i >> 8}.${i & 255} -p tcp --dport ${1000 + (i % 1000)} -j DROP`);
    const k = new Kernel(b.build());
    const net = k.net('r');
    const run = new RunState(k);
    const t = net.hooks.tables.get('filter')!;
    const c: NfCtx = { skb: pkt(), net, run, hook: 'FORWARD', inDev: 'a', outDev: 'b', ct: null, addrType: () => 'UNICAST' };
    const r = ipt_do_table(host, c, t, t.chains.get('FORWARD')!);
    assert.strictEqual(r.verdict, 'ACCEPT');
    assert.strictEqual(run.counters.size, 1, 'only the policy counter was touched');
  });
});

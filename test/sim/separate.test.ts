// Separate mode (what Linux merged), end to end on hand-built configs: outcomes as the sending
// process sees them, drop reasons and where, for routing, netfilter, conntrack/NAT, sockets,
// neighbours, veth scrubbing and bsdjail. Each case states the kernel behaviour it follows.

import * as assert from 'node:assert';
import type { ProbeSpec } from '../../core/kernel/config';
import { ProbeResult, simulate } from '../../core/sim';
import { TopoBuilder, ip, webTopology } from './builder';

function run(b: TopoBuilder, p: Omit<ProbeSpec, 'origin' | 'name'>): ProbeResult {
  const spec = b.probe(p);
  return simulate(b.build(), spec);
}

function expectOutcome(r: ProbeResult, kind: string, netns: string | null, extra: { errno?: string | null; reason?: RegExp } = {}): void {
  const msg = `${r.outcome.kind} in ${r.outcome.netns}: ${r.outcome.reason}`;
  assert.strictEqual(r.outcome.kind, kind, msg);
  assert.strictEqual(r.outcome.netns, netns, msg);
  if (extra.errno !== undefined) assert.strictEqual(r.outcome.errno, extra.errno, msg);
  if (extra.reason) assert.match(r.outcome.reason, extra.reason);
}

/** client (10.0.1.2) -- router -- server (10.0.2.2), forwarding on, no iptables. */
function routed(): TopoBuilder {
  const b = new TopoBuilder(['root', 'router', 'client', 'server']);
  b.forwarding('router');
  b.veth('router', 'c0', 'client', 'eth0');
  b.veth('router', 's0', 'server', 'eth0');
  b.addr('router', 'c0', '10.0.1.1/24');
  b.addr('router', 's0', '10.0.2.1/24');
  b.loUp('client');
  b.addr('client', 'eth0', '10.0.1.2/24');
  b.route('client', 'default via 10.0.1.1 dev eth0');
  b.addr('server', 'eth0', '10.0.2.2/24');
  b.route('server', 'default via 10.0.2.1 dev eth0');
  return b;
}

describe('sim: separate mode', () => {
  describe('the design example', () => {
    it('web/ssh/dns/ping give the outcomes the example expects', () => {
      const { b, fwdDrop } = webTopology();
      const topo = b.build();
      const mk = (proto: 'tcp' | 'udp' | 'icmp', dport?: number): ProbeSpec => b.probe({ from: { netns: 'client' }, proto, dst: ip('10.0.2.2'), dport });
      const web = simulate(topo, mk('tcp', 80));
      expectOutcome(web, 'delivered', 'server');
      const ssh = simulate(topo, mk('tcp', 22));
      expectOutcome(ssh, 'dropped', 'router', { reason: /NETFILTER_DROP/ });
      assert.strictEqual(ssh.outcome.origin, fwdDrop);
      expectOutcome(simulate(topo, mk('udp', 53)), 'dropped', 'router');
      expectOutcome(simulate(topo, mk('icmp')), 'dropped', 'router');
    });

    it('the SYN-ACK is de-masqueraded at PREROUTING and matches ESTABLISHED in FORWARD', () => {
      const { b } = webTopology();
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      const synack = r.packets.find((p) => p.summary.includes('[S.]'))!;
      assert.match(synack.summary, /10\.0\.2\.2:80 > 10\.0\.2\.1:40000/);
      const fwd = synack.events.find((e) => e.fn === 'rule' && e.attrs.matched && e.attrs.chain === 'FORWARD')!;
      assert.strictEqual(fwd.attrs.rule, 1);
      const last = synack.events[synack.events.length - 1];
      assert.strictEqual(last.snap!.skb.ip.daddr, ip('10.0.1.2'));
    });
  });

  describe('local delivery and lo', () => {
    it('lo down: traffic to an own veth address is routed via lo and dropped (QDISC_DROP)', () => {
      const b = routed();
      b.up('server', 'lo', false);
      b.listen('server', 'tcp', '0.0.0.0:80');
      const r = run(b, { from: { netns: 'server' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      expectOutcome(r, 'dropped', 'server', { reason: /QDISC_DROP/ });
    });

    it('lo down: 127.0.0.1 has no route (ENETUNREACH) in a namespace without a default route', () => {
      const b = routed();
      b.veth('root', 'x0', 'root', 'x1');
      const r = run(b, { from: { netns: 'root' }, proto: 'tcp', dst: ip('127.0.0.1'), dport: 80 });
      expectOutcome(r, 'unreachable', 'root', { errno: 'ENETUNREACH' });
    });

    it('lo down with a default route: 127.0.0.1 leaves by it and the router drops a martian', () => {
      // [K] the output path has no loopback-destination check; the next hop's input path does.
      const r = run(routed(), { from: { netns: 'server' }, proto: 'tcp', dst: ip('127.0.0.1'), dport: 80 });
      expectOutcome(r, 'dropped', 'router', { reason: /MARTIAN_DESTINATION/ });
    });

    it('lo up: a local listener is reached through lo, PREROUTING does not re-run conntrack', () => {
      const b = routed();
      b.listen('client', 'tcp', '0.0.0.0:80');
      b.ipt('client', '-A INPUT -m conntrack --ctstate NEW -j ACCEPT');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.1.2'), dport: 80 });
      expectOutcome(r, 'delivered', 'client');
      assert.ok(r.events.some((e) => e.fn === 'loopback_xmit'));
      // The SYN's own conntrack (made at OUTPUT) is still attached at INPUT: state NEW matched.
      assert.ok(r.events.some((e) => e.fn === 'rule' && e.attrs.chain === 'INPUT' && e.attrs.matched));
    });

    it('closed TCP port: RST, ECONNREFUSED', () => {
      const r = run(routed(), { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 81 });
      expectOutcome(r, 'refused', 'server', { errno: 'ECONNREFUSED' });
      assert.ok(r.drops.some((d) => d.reason === 'NO_SOCKET' && d.netns === 'server'));
    });

    it('closed UDP port: ICMP port unreachable, ECONNREFUSED', () => {
      const r = run(routed(), { from: { netns: 'client' }, proto: 'udp', dst: ip('10.0.2.2'), dport: 53 });
      expectOutcome(r, 'refused', 'server', { errno: 'ECONNREFUSED' });
    });

    it('UDP datagram reaching a socket is delivered', () => {
      const b = routed();
      const l = b.listen('server', 'udp', '10.0.2.2:53');
      const r = run(b, { from: { netns: 'client' }, proto: 'udp', dst: ip('10.0.2.2'), dport: 53 });
      expectOutcome(r, 'delivered', 'server');
      assert.strictEqual(r.outcome.origin, l);
    });

    it('a socket bound to the specific address beats the wildcard one', () => {
      const b = routed();
      b.listen('server', 'tcp', '0.0.0.0:80');
      const specific = b.listen('server', 'tcp', '10.0.2.2:80');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      assert.strictEqual(r.outcome.origin, specific);
    });

    it('ping is answered by the kernel; icmp_echo_ignore_all drops it', () => {
      const b = routed();
      const spec = b.probe({ from: { netns: 'client' }, proto: 'icmp', dst: ip('10.0.2.2') });
      expectOutcome(simulate(b.build(), spec), 'delivered', 'server');
      b.sysctl('server', 'net.ipv4.icmp_echo_ignore_all', '1');
      expectOutcome(simulate(b.build(), spec), 'dropped', 'server');
    });
  });

  describe('routing', () => {
    it('no route in the sender: ENETUNREACH', () => {
      const c = new TopoBuilder(['root', 'a']);
      c.veth('a', 'e0', 'root', 'e1');
      c.addr('a', 'e0', '10.5.0.1/24');
      expectOutcome(run(c, { from: { netns: 'a' }, proto: 'tcp', dst: ip('10.9.9.9'), dport: 80 }), 'unreachable', 'a', { errno: 'ENETUNREACH' });
    });

    it('blackhole / unreachable / prohibit routes give EINVAL / EHOSTUNREACH / EACCES', () => {
      for (const [type, errno] of [['blackhole', 'EINVAL'], ['unreachable', 'EHOSTUNREACH'], ['prohibit', 'EACCES']]) {
        const b = routed();
        b.route('client', `${type} 10.0.2.0/24`);
        expectOutcome(run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 }), 'unreachable', 'client', { errno });
      }
    });

    it('policy rules: prohibit action, and fwmark selecting a table (probe mark)', () => {
      const b = routed();
      b.rule('client', 'to 10.0.2.0/24 prohibit');
      expectOutcome(run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 }), 'unreachable', 'client', { errno: 'EACCES' });
      const c = routed();
      c.rule('client', 'fwmark 7 lookup 100');
      c.route('client', 'blackhole default table 100');
      c.listen('server', 'tcp', '0.0.0.0:80');
      expectOutcome(run(c, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80, mark: 7 }), 'unreachable', 'client', { errno: 'EINVAL' });
      expectOutcome(run(c, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 }), 'delivered', 'server');
    });

    it('a throw route continues with the next rule', () => {
      const b = routed();
      b.listen('server', 'tcp', '0.0.0.0:80');
      b.rule('client', 'lookup 100');
      b.route('client', 'throw 10.0.2.0/24 table 100');
      b.route('client', 'blackhole default table 100');
      expectOutcome(run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 }), 'delivered', 'server');
    });

    it('forwarding off: the router drops silently (IP_INADDRERRORS)', () => {
      const b = routed();
      b.sysctl('router', 'net.ipv4.ip_forward', '0');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      expectOutcome(r, 'dropped', 'router', { reason: /IP_INADDRERRORS/ });
    });

    it('only the ingress device forwarding flag counts', () => {
      const b = routed();
      b.listen('server', 'tcp', '0.0.0.0:80');
      b.sysctl('router', 'net.ipv4.conf.s0.forwarding', '0');
      // The SYN enters by c0 and is forwarded; the SYN-ACK enters by s0 and is not.
      expectOutcome(run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 }), 'dropped', 'router', { reason: /IP_INADDRERRORS/ });
      const c = routed();
      c.listen('server', 'tcp', '0.0.0.0:80');
      c.sysctl('router', 'net.ipv4.conf.c0.forwarding', '0');
      expectOutcome(run(c, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 }), 'dropped', 'router');
    });

    it('forwarding on, no route: ICMP net unreachable back (ENETUNREACH)', () => {
      const b = routed();
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.7.0.1'), dport: 80 });
      expectOutcome(r, 'unreachable', 'router', { errno: 'ENETUNREACH' });
    });

    it('TTL 1 through a router: time exceeded, before FORWARD', () => {
      const b = routed();
      b.ipt('router', '-A FORWARD -j LOG');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80, ttl: 1 });
      expectOutcome(r, 'ttl-exceeded', 'router');
      assert.ok(!r.events.some((e) => e.attrs.hook === 'FORWARD' && e.packet === 1));
    });
  });

  describe('source validation', () => {
    it('rp_filter strict drops a source routed back another way; loose accepts it', () => {
      const b = routed();
      b.listen('server', 'tcp', '0.0.0.0:80');
      b.sysctl('router', 'net.ipv4.conf.c0.rp_filter', '1');
      const dev = b.dev('router', 'c0');
      const spec = b.probe({ on: { netns: 'router', devId: dev.id }, proto: 'tcp', src: ip('10.0.2.77'), dst: ip('10.0.2.2'), dport: 80 });
      expectOutcome(simulate(b.build(), spec), 'dropped', 'router', { reason: /IP_RPFILTER/ });
      b.sysctl('router', 'net.ipv4.conf.c0.rp_filter', '2');
      const r = simulate(b.build(), spec);
      assert.ok(!r.drops.some((d) => d.reason === 'IP_RPFILTER'));
    });

    it('rp_filter 0: a source that is an address of the namespace is IP_LOCAL_SOURCE', () => {
      const b = routed();
      const dev = b.dev('server', 'eth0');
      const r = run(b, { on: { netns: 'server', devId: dev.id }, proto: 'icmp', src: ip('10.0.2.2'), dst: ip('10.0.2.2') });
      expectOutcome(r, 'dropped', 'server', { reason: /IP_LOCAL_SOURCE/ });
    });

    it('martian destination 127.0.0.1 from the wire is dropped', () => {
      const b = routed();
      b.loUp('server');
      const dev = b.dev('server', 'eth0');
      const r = run(b, { on: { netns: 'server', devId: dev.id }, proto: 'icmp', src: ip('10.0.2.9'), dst: ip('127.0.0.1') });
      expectOutcome(r, 'dropped', 'server');
    });
  });

  describe('neighbours', () => {
    it('nobody answers ARP on the link: NEIGH_FAILED and ICMP host unreachable from the router', () => {
      const b = routed();
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.99'), dport: 80 });
      expectOutcome(r, 'unreachable', 'router', { errno: 'EHOSTUNREACH' });
      assert.ok(r.drops.some((d) => d.reason === 'NEIGH_FAILED' && d.netns === 'router'));
    });

    it('a locally generated packet whose neighbour fails gets EHOSTUNREACH through lo', () => {
      const b = routed();
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.1.99'), dport: 80 });
      expectOutcome(r, 'unreachable', 'client', { errno: 'EHOSTUNREACH' });
    });

    it('a veth peer that is down: the frame is dropped at veth_xmit', () => {
      const b = routed();
      b.neigh('router', '10.0.2.2', '02:00:00:00:00:99', 's0');
      b.up('server', 'eth0', false);
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      expectOutcome(r, 'dropped', 'router', { reason: /DEV_READY/ });
    });

    it('a static neighbour entry is used as is (a wrong MAC makes the peer drop OTHERHOST)', () => {
      const b = routed();
      b.neigh('router', '10.0.2.2', '02:00:00:00:00:99', 's0');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      expectOutcome(r, 'dropped', 'server', { reason: /OTHERHOST/ });
    });
  });

  describe('netfilter', () => {
    it('OUTPUT DROP of a TCP SYN: connect() ignores the EPERM and times out (dropped; kernel case 08)', () => {
      const b = routed();
      const o = b.ipt('client', '-A OUTPUT -p tcp --dport 80 -j DROP');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      expectOutcome(r, 'dropped', 'client', { reason: /NETFILTER_DROP/ });
      assert.strictEqual(r.outcome.origin, o);
    });

    it('OUTPUT DROP of a UDP datagram: sendto() fails with EPERM (denied)', () => {
      const b = routed();
      const o = b.ipt('client', '-A OUTPUT -p udp -j DROP');
      const r = run(b, { from: { netns: 'client' }, proto: 'udp', dst: ip('10.0.2.2'), dport: 53 });
      expectOutcome(r, 'denied', 'client', { errno: 'EPERM' });
      assert.strictEqual(r.outcome.origin, o);
    });

    it('REJECT in FORWARD on TCP sends ICMP port unreachable by default (refused)', () => {
      const b = routed();
      const o = b.ipt('router', '-A FORWARD -p tcp -j REJECT');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      expectOutcome(r, 'refused', 'router', { errno: 'ECONNREFUSED' });
      assert.strictEqual(r.outcome.origin, o);
      assert.ok(r.packets.some((p) => /ICMP 10\.0\.1\.1 > 10\.0\.1\.2 port unreachable/.test(p.summary)));
    });

    it('REJECT --reject-with tcp-reset: a RST that looks like it came from the server', () => {
      const b = routed();
      b.ipt('router', '-A FORWARD -p tcp -j REJECT --reject-with tcp-reset');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      expectOutcome(r, 'refused', 'router', { errno: 'ECONNREFUSED' });
      assert.ok(r.packets.some((p) => /TCP 10\.0\.2\.2:80 > 10\.0\.1\.2:40000 \[R\.\]/.test(p.summary)));
    });

    it('REJECT icmp-host-prohibited: unreachable (EHOSTUNREACH); icmp-net-unreachable: ENETUNREACH', () => {
      const b = routed();
      b.ipt('server', '-A INPUT -p udp -j REJECT --reject-with icmp-host-prohibited');
      expectOutcome(run(b, { from: { netns: 'client' }, proto: 'udp', dst: ip('10.0.2.2'), dport: 9 }), 'unreachable', 'server', { errno: 'EHOSTUNREACH' });
      const c = routed();
      c.ipt('server', '-A INPUT -j REJECT --reject-with icmp-net-unreachable');
      expectOutcome(run(c, { from: { netns: 'client' }, proto: 'icmp', dst: ip('10.0.2.2') }), 'unreachable', 'server', { errno: 'ENETUNREACH' });
    });

    it('user chains: -j returns, -g does not, RETURN at the end, counters count matches', () => {
      const b = routed();
      b.listen('server', 'tcp', '0.0.0.0:80');
      b.ipt('router', '-N web');
      b.ipt('router', '-N deny');
      b.ipt('router', '-A FORWARD -p tcp -j web');
      b.ipt('router', '-A FORWARD -p tcp --dport 80 -j ACCEPT');
      b.ipt('router', '-A FORWARD -p tcp --sport 80 -j ACCEPT');
      b.ipt('router', '-A FORWARD -j DROP');
      b.ipt('router', '-A web -p tcp --dport 22 -g deny');
      b.ipt('router', '-A web -p tcp --dport 80 -j RETURN');
      b.ipt('router', '-A deny -j DROP');
      expectOutcome(run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 }), 'delivered', 'server');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 22 });
      expectOutcome(r, 'dropped', 'router', { reason: /-A deny -j DROP/ });
      const rule1 = r.run.kernel.net('router').hooks.tables.get('filter')!.chains.get('FORWARD')!.rules[0];
      assert.strictEqual(r.run.counters.get(rule1.id)?.pkts, 1);
    });

    it('a non-matching rule says which clause failed (why not)', () => {
      const b = routed();
      b.ipt('router', '-A FORWARD -i c0 -p udp -j DROP');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      const ev = r.events.find((e) => e.fn === 'rule' && e.attrs.matched === false)!;
      assert.strictEqual(ev.attrs.why, '-p udp');
      assert.strictEqual(ev.attrs.rule, 1);
    });

    it('veth crossing scrubs the mark: a mark set in client is 0 in the router', () => {
      const b = routed();
      b.listen('server', 'tcp', '0.0.0.0:80');
      b.ipt('router', '-A FORWARD -m mark --mark 5 -j DROP');
      expectOutcome(run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80, mark: 5 }), 'delivered', 'server');
    });

    it('mangle OUTPUT MARK re-routes through an fwmark rule', () => {
      const b = routed();
      b.listen('server', 'tcp', '0.0.0.0:80');
      b.rule('client', 'fwmark 1 lookup 100');
      b.route('client', 'prohibit default table 100');
      b.ipt('client', '-t mangle -A OUTPUT -p tcp --dport 80 -j MARK --set-mark 1');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      expectOutcome(r, 'unreachable', 'client', { errno: 'EACCES' });
    });

    it('tables exist only where configured: no nf_hook events in a namespace without iptables', () => {
      const b = routed();
      b.listen('server', 'tcp', '0.0.0.0:80');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      assert.ok(!r.events.some((e) => e.fn === 'nf_hook' || e.fn === 'nf_conntrack_in'));
      assert.ok(r.stats.hooks > 0);
    });
  });

  describe('conntrack and NAT', () => {
    it('DNAT in PREROUTING reaches the server; the reply is de-NATed to what the client dialled', () => {
      const b = routed();
      b.listen('server', 'tcp', '0.0.0.0:80');
      b.ipt('router', '-t nat -A PREROUTING -i c0 -p tcp --dport 8080 -j DNAT --to-destination 10.0.2.2:80');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.1.1'), dport: 8080 });
      expectOutcome(r, 'delivered', 'server');
      const synack = r.packets.find((p) => p.summary.includes('[S.]'))!;
      const last = synack.events[synack.events.length - 1].snap!.skb;
      assert.strictEqual(last.ip.saddr, ip('10.0.1.1'));
      assert.strictEqual(last.tcp!.sport, 8080);
    });

    it('NAT rules are consulted only for the first packet of a connection', () => {
      const b = routed();
      b.listen('server', 'tcp', '0.0.0.0:80');
      b.ipt('router', '-t nat -A POSTROUTING -o s0 -j SNAT --to-source 10.0.2.1');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      const natRules = r.events.filter((e) => e.fn === 'rule' && e.attrs.table === 'nat');
      assert.ok(natRules.every((e) => e.packet === 1), 'the SYN-ACK is translated by conntrack, not by rules');
      expectOutcome(r, 'delivered', 'server');
    });

    it('an ICMP error for a masqueraded flow is RELATED and translated back (outer and quoted header)', () => {
      const b = routed();
      b.ipt('router', '-t nat -A POSTROUTING -o s0 -j MASQUERADE');
      b.ipt('router', '-A FORWARD -m conntrack --ctstate RELATED -j LOG');
      const r = run(b, { from: { netns: 'client' }, proto: 'udp', dst: ip('10.0.2.2'), dport: 53 });
      expectOutcome(r, 'refused', 'server', { errno: 'ECONNREFUSED' });
      const err = r.packets.find((p) => p.summary.startsWith('ICMP'))!;
      assert.ok(err.events.some((e) => e.fn === 'rule' && e.attrs.matched && e.attrs.table === 'filter'));
      const last = err.events[err.events.length - 1].snap!.skb;
      assert.strictEqual(last.ip.daddr, ip('10.0.1.2'));
      assert.strictEqual(last.icmp!.inner!.ip.saddr, ip('10.0.1.2'));
    });

    it('INVALID: a SYN-ACK nobody asked for does not create a connection', () => {
      const b = routed();
      b.ipt('router', '-A FORWARD -m conntrack --ctstate INVALID -j DROP');
      const dev = b.dev('router', 'c0');
      const spec = b.probe({ on: { netns: 'router', devId: dev.id }, proto: 'tcp', src: ip('10.0.1.2'), dst: ip('10.0.2.2'), dport: 80 });
      const topo = b.build();
      // turn the probe into a SYN-ACK with setVariable-style edit at the first event
      const r = simulate(topo, spec, { kind: 'separate' }, { edits: [{ at: 0, kind: 'packet', path: 'tcp.flags', value: 0x12 }] });
      expectOutcome(r, 'dropped', 'router', { reason: /NETFILTER_DROP/ });
    });

    it('REDIRECT in nat OUTPUT to a local port (via lo, conntrack kept)', () => {
      const b = routed();
      b.listen('client', 'tcp', '0.0.0.0:3128');
      b.ipt('client', '-t nat -A OUTPUT -p tcp --dport 80 -j REDIRECT --to-ports 3128');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      expectOutcome(r, 'delivered', 'client');
    });

    it('NOTRACK in raw: the packet is UNTRACKED and never NATed', () => {
      const b = routed();
      b.listen('server', 'tcp', '0.0.0.0:80');
      b.ipt('router', '-t raw -A PREROUTING -j NOTRACK');
      b.ipt('router', '-t nat -A POSTROUTING -o s0 -j MASQUERADE');
      b.ipt('router', '-A FORWARD -m conntrack --ctstate UNTRACKED -j ACCEPT');
      b.ipt('router', '-P FORWARD DROP');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      expectOutcome(r, 'delivered', 'server');
      const syn = r.packets[0];
      const atServer = syn.events.filter((e) => e.netns === 'server')[0].snap!.skb;
      assert.strictEqual(atServer.ip.saddr, ip('10.0.1.2'));
    });

    it('CONNMARK save/restore carries a mark from the first packet to the reply', () => {
      const b = routed();
      b.listen('server', 'tcp', '0.0.0.0:80');
      b.ipt('router', '-t mangle -A PREROUTING -i c0 -j MARK --set-mark 9');
      b.ipt('router', '-t mangle -A PREROUTING -i c0 -j CONNMARK --save-mark');
      b.ipt('router', '-t mangle -A PREROUTING -i s0 -j CONNMARK --restore-mark');
      b.ipt('router', '-A FORWARD -i s0 -m mark --mark 9 -j LOG');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      const log = r.events.find((e) => e.fn === 'rule' && e.attrs.chain === 'FORWARD' && e.attrs.matched);
      assert.ok(log, 'the SYN-ACK got the mark back from the connection');
    });
  });

  describe('bsdjail', () => {
    it('a jailed probe uses the jail address as source', () => {
      const b = routed();
      b.addr('client', 'eth0', '10.0.1.3/24');
      b.listen('server', 'tcp', '0.0.0.0:80');
      const r = run(b, { from: { netns: 'client', jail: ip('10.0.1.3') }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      expectOutcome(r, 'delivered', 'server');
      assert.match(r.packets[0].summary, /^TCP 10\.0\.1\.3:40000/);
    });

    it('binding another address in a jail is EPERM (denied)', () => {
      const b = routed();
      const r = run(b, { from: { netns: 'client', jail: ip('10.0.1.3') }, src: ip('10.0.1.2'), proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
      expectOutcome(r, 'denied', 'client', { errno: 'EPERM' });
    });

    it('a jailed listener on 0.0.0.0 fails listen() (EPERM): the port is closed', () => {
      const b = routed();
      b.listen('server', 'tcp', '0.0.0.0:22', '10.0.2.2');
      const topo = b.build();
      const spec = b.probe({ from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 22 });
      const r = simulate(topo, spec);
      expectOutcome(r, 'refused', 'server');
      assert.strictEqual(r.run.kernel.net('server').refusedSockets[0].call, 'listen');
    });

    it('a jailed listener on the jail address works', () => {
      const { b, listen22 } = webTopology();
      b.ipt('router', '-A FORWARD -p tcp --dport 22 -j ACCEPT');
      const r = run(b, { from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 22 });
      expectOutcome(r, 'delivered', 'server');
      assert.strictEqual(r.outcome.origin, listen22);
    });
  });

  describe('bridge', () => {
    function bridged(brnf: string): TopoBuilder {
      const b = new TopoBuilder(['root', 'sw', 'a', 'c']);
      b.bridge('sw', 'br0');
      b.veth('sw', 'pa', 'a', 'eth0');
      b.veth('sw', 'pc', 'c', 'eth0');
      b.master('sw', 'pa', 'br0');
      b.master('sw', 'pc', 'br0');
      b.addr('a', 'eth0', '10.1.0.1/24');
      b.addr('c', 'eth0', '10.1.0.3/24');
      b.addr('sw', 'br0', '10.1.0.254/24');
      b.listen('c', 'tcp', '0.0.0.0:80');
      b.sysctl('sw', 'net.bridge.bridge-nf-call-iptables', brnf);
      return b;
    }

    it('bridges between ports after learning; the bridge itself answers for its address', () => {
      const b = bridged('0');
      const r = run(b, { from: { netns: 'a' }, proto: 'tcp', dst: ip('10.1.0.3'), dport: 80 });
      expectOutcome(r, 'delivered', 'c');
      assert.ok(r.events.some((e) => e.fn === 'br_forward'));
      const p = bridged('0');
      expectOutcome(run(p, { from: { netns: 'a' }, proto: 'icmp', dst: ip('10.1.0.254') }), 'delivered', 'sw');
    });

    it('bridge-nf-call-iptables=1: bridged IPv4 traverses FORWARD with in=out=br0', () => {
      const b = bridged('1');
      b.ipt('sw', '-A FORWARD -i br0 -o br0 -p tcp --dport 80 -j DROP');
      expectOutcome(run(b, { from: { netns: 'a' }, proto: 'tcp', dst: ip('10.1.0.3'), dport: 80 }), 'dropped', 'sw', { reason: /NETFILTER_DROP/ });
      const c = bridged('0');
      c.ipt('sw', '-A FORWARD -i br0 -o br0 -p tcp --dport 80 -j DROP');
      expectOutcome(run(c, { from: { netns: 'a' }, proto: 'tcp', dst: ip('10.1.0.3'), dport: 80 }), 'delivered', 'c');
    });
  });

  describe('termination', () => {
    it('a routing loop ends by TTL with time exceeded', () => {
      const b = routed();
      b.route('router', '10.9.0.0/16 via 10.0.2.2');
      b.forwarding('server');
      const r = run(b, { from: { netns: 'client' }, proto: 'icmp', dst: ip('10.9.0.1') });
      // The router sees even TTLs (64, 62 ... 2), the server odd ones: the server sees TTL 1.
      expectOutcome(r, 'ttl-exceeded', 'server');
    });
  });
});

// Shortcut modes (kernel-path.md 8.5, the seed's scheme 2): a packet routed toward a veth whose
// peer namespace owns the destination switches namespace at route / postrouting / socket and
// skips the peer's input path. The cost counters show the difference to separate mode.

import * as assert from 'node:assert';
import type { SimMode } from '../../core/kernel/config';
import { formatModeComparison, simulate } from '../../core/sim';
import { TopoBuilder, ip } from './builder';

function topo(): { b: TopoBuilder } {
  const b = new TopoBuilder(['root', 'router', 'client', 'server']);
  b.forwarding('router');
  b.veth('router', 'c0', 'client', 'eth0');
  b.veth('router', 's0', 'server', 'eth0');
  b.addr('router', 'c0', '10.0.1.1/24');
  b.addr('router', 's0', '10.0.2.1/24');
  b.addr('client', 'eth0', '10.0.1.2/24');
  b.route('client', 'default via 10.0.1.1 dev eth0');
  b.addr('server', 'eth0', '10.0.2.2/24');
  b.route('server', 'default via 10.0.2.1 dev eth0');
  b.listen('server', 'tcp', '0.0.0.0:80');
  return { b };
}

const MODES: SimMode[] = [
  { kind: 'separate' }, { kind: 'shortcut', at: 'route' }, { kind: 'shortcut', at: 'postrouting' }, { kind: 'shortcut', at: 'socket' },
];

describe('sim: shortcut modes', () => {
  it('every mode delivers; shortcut modes cost fewer receives, hooks and route lookups', () => {
    const { b } = topo();
    const t = b.build();
    const p = b.probe({ from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
    const rs = MODES.map((m) => simulate(t, p, m));
    for (const r of rs) assert.strictEqual(r.outcome.kind, 'delivered', `${JSON.stringify(r.mode)}: ${r.outcome.reason}`);
    const [sep, route, post, sock] = rs;
    // SYN: separate runs ip_rcv in router and server; shortcuts only in the router.
    assert.strictEqual(sep.packetStats.get(1)!.iprx, 2);
    assert.strictEqual(route.packetStats.get(1)!.iprx, 1);
    assert.ok(route.stats.hooks < sep.stats.hooks && route.stats.routes < sep.stats.routes);
    assert.ok(post.stats.hooks > route.stats.hooks, 'postrouting runs the router FORWARD/POSTROUTING');
    assert.ok(sock.stats.l2rx < sep.stats.l2rx);
    assert.match(formatModeComparison(rs), /shortcut@postrouting\s+delivered in server/);
  });

  it('shortcut@route skips the destination PREROUTING but runs its INPUT', () => {
    const { b } = topo();
    b.ipt('server', '-t mangle -A PREROUTING -j LOG');
    b.ipt('server', '-A INPUT -p tcp --dport 80 -j DROP');
    const t = b.build();
    const p = b.probe({ from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
    const route = simulate(t, p, { kind: 'shortcut', at: 'route' });
    assert.strictEqual(route.outcome.kind, 'dropped');
    assert.ok(!route.events.some((e) => e.netns === 'server' && e.attrs.hook === 'PREROUTING'));
    // postrouting goes straight to the socket: the server's INPUT DROP is bypassed.
    assert.strictEqual(simulate(t, p, { kind: 'shortcut', at: 'postrouting' }).outcome.kind, 'delivered');
  });

  it('shortcut@socket runs the forwarding namespace INPUT instead of FORWARD', () => {
    const { b } = topo();
    b.ipt('router', '-A INPUT -p tcp --dport 80 -j DROP');
    const t = b.build();
    const p = b.probe({ from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80 });
    assert.strictEqual(simulate(t, p).outcome.kind, 'delivered');
    const s = simulate(t, p, { kind: 'shortcut', at: 'socket' });
    assert.strictEqual(s.outcome.kind, 'dropped');
    assert.strictEqual(s.outcome.netns, 'router');
  });
});

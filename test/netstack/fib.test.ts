// Routing decisions in isolation: rule order and actions, longest prefix then metric, route
// types as errors, source address selection, input routing with forwarding and rp_filter.

import * as assert from 'node:assert';
import { Kernel, RunState, fibLookup, inetSelectAddr, ipRouteInput, ipRouteOutput, inetAddrType, RT_SCOPE_UNIVERSE } from '../../core/netstack';
import { TopoBuilder, ip } from '../sim/builder';

function setup(f?: (b: TopoBuilder) => void): { k: Kernel; run: RunState } {
  const b = new TopoBuilder(['root', 'r']);
  b.veth('r', 'a', 'root', 'pa');
  b.veth('r', 'b', 'root', 'pb');
  b.addr('r', 'a', '10.0.1.1/24');
  b.addr('r', 'b', '10.0.2.1/24');
  b.addr('r', 'b', '10.0.2.5/24');
  f?.(b);
  const k = new Kernel(b.build());
  return { k, run: new RunState(k) };
}

describe('netstack: fib', () => {
  it('longest prefix wins, then the lowest metric', () => {
    const { k } = setup((b) => {
      b.route('r', '10.9.0.0/16 via 10.0.1.9 metric 10');
      b.route('r', '10.9.0.0/16 via 10.0.2.9 metric 5');
      b.route('r', '10.9.1.0/24 via 10.0.1.7');
    });
    const n = k.net('r');
    const f = (d: string): number => { const r = fibLookup(n, { daddr: ip(d), saddr: 0, mark: 0, iif: 'lo' }); return r.ok ? r.route.gateway : -1; };
    assert.strictEqual(f('10.9.1.1'), ip('10.0.1.7'));
    assert.strictEqual(f('10.9.2.1'), ip('10.0.2.9'));
    assert.strictEqual(f('10.10.0.1'), -1);
  });

  it('rules: from/to/fwmark/iif, not, and table miss continuing', () => {
    const { k } = setup((b) => {
      b.rule('r', 'from 10.0.1.0/24 lookup 10 pref 100');
      b.route('r', 'unreachable default table 10');
      b.rule('r', 'iif a lookup 20 pref 200');
      b.route('r', 'prohibit 10.7.0.0/16 table 20');
      b.rule('r', 'not fwmark 1 blackhole pref 300');
    });
    const n = k.net('r');
    const L = (d: string, s: string, iif: string, mark = 0): string => { const r = fibLookup(n, { daddr: ip(d), saddr: ip(s), mark, iif }); return r.ok ? r.route.type : r.err; };
    assert.strictEqual(L('10.7.0.1', '10.0.1.5', 'lo'), 'EHOSTUNREACH');
    assert.strictEqual(L('10.7.0.1', '10.5.0.1', 'a'), 'EACCES');
    assert.strictEqual(L('10.0.2.9', '10.5.0.1', 'b'), 'EINVAL', 'table 20 misses, then the `not fwmark 1` blackhole');
    assert.strictEqual(L('10.0.2.9', '10.5.0.1', 'b', 1), 'unicast');
    assert.strictEqual(L('10.8.0.1', '10.5.0.1', 'b', 1), 'ENETUNREACH');
  });

  it('source selection prefers the primary address in the gateway subnet; secondaries are skipped', () => {
    const { k, run } = setup();
    const n = k.net('r');
    const b = n.devByName.get('b')!;
    assert.strictEqual(inetSelectAddr(run, n, b, ip('10.0.2.9'), RT_SCOPE_UNIVERSE), ip('10.0.2.1'));
    const o = ipRouteOutput(run, n, ip('10.0.2.9'), 0, 0);
    assert.ok(o.ok && o.saddr === ip('10.0.2.1') && o.dev.name === 'b');
    const bad = ipRouteOutput(run, n, ip('10.0.2.9'), ip('10.0.9.9'), 0);
    assert.ok(!bad.ok && bad.err === 'EINVAL');
  });

  it('input routing: local, forwarding flag of the ingress device, rp_filter strict vs loose', () => {
    const { k, run } = setup();
    const n = k.net('r');
    const a = n.devByName.get('a')!;
    assert.strictEqual(ipRouteInput(run, n, a, ip('10.0.2.1'), ip('10.0.1.9'), 0).kind, 'local');
    const off = ipRouteInput(run, n, a, ip('10.0.2.9'), ip('10.0.1.9'), 0);
    assert.ok(off.kind === 'error' && off.err === 'EHOSTUNREACH');
    run.writeSysctl(n, 'net.ipv4.ip_forward', '1');
    assert.strictEqual(ipRouteInput(run, n, a, ip('10.0.2.9'), ip('10.0.1.9'), 0).kind, 'forward');
    run.writeSysctl(n, 'net.ipv4.conf.a.rp_filter', '1');
    const strict = ipRouteInput(run, n, a, ip('10.0.2.9'), ip('10.0.2.77'), 0);
    assert.ok(strict.kind === 'drop' && strict.reason === 'IP_RPFILTER');
    run.writeSysctl(n, 'net.ipv4.conf.all.rp_filter', '2');
    assert.strictEqual(ipRouteInput(run, n, a, ip('10.0.2.9'), ip('10.0.2.77'), 0).kind, 'forward', 'max(all=2, dev=1) = loose');
    const none = ipRouteInput(run, n, a, ip('10.0.2.9'), ip('10.66.0.1'), 0);
    assert.ok(none.kind === 'drop' && none.reason === 'IP_RPFILTER', 'loose still needs a route back');
  });

  it('addrtype classification from the local table', () => {
    const { k } = setup();
    const n = k.net('r');
    assert.strictEqual(inetAddrType(n, ip('10.0.1.1')), 'LOCAL');
    assert.strictEqual(inetAddrType(n, ip('10.0.1.255')), 'BROADCAST');
    assert.strictEqual(inetAddrType(n, ip('8.8.8.8')), 'UNICAST');
    assert.strictEqual(inetAddrType(n, ip('224.0.0.1')), 'MULTICAST');
  });
});

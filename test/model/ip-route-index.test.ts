// Tests of the derived route index (core/model/ip-route-index.ts): it may say "maybe" for a
// destination no route has, never "no" for one a route has, and its non-universe list is exactly
// the routes with another scope, in order, however ns.routes changed (pushes through it, changes
// behind its back, a new array). Also the `ip route` checks that lean on it, through buildModel.
import * as assert from 'node:assert/strict';
import { KERNEL_ORIGIN, NetnsConfig, parseIpv4, RouteConfig } from '../../core/kernel/config';
import { buildModel } from '../../core/model';
import { dropRouteIndex, mayHaveDst, pushRoute, scopedRoutes } from '../../core/model/ip-route-index';
import { ensureNetns, newModelState } from '../../core/model/state';

const ip = (s: string) => parseIpv4(s)!;

function route(addr: number, len: number, scope: RouteConfig['scope'] = 'universe'): RouteConfig {
  return { table: 254, type: 'unicast', dst: { addr, len }, metric: 0, scope, proto: 'boot', origin: KERNEL_ORIGIN };
}

function freshNs(name: string): NetnsConfig {
  return ensureNetns(newModelState(), name);
}

/** What a scan says: every destination present, and the non-universe routes in order. */
function assertMatchesRoutes(ns: NetnsConfig): void {
  for (const r of ns.routes) assert.equal(mayHaveDst(ns, r.dst.addr, r.dst.len), true, `${r.dst.addr}/${r.dst.len}`);
  assert.deepEqual(scopedRoutes(ns), ns.routes.filter((r) => r.scope !== 'universe'));
}

describe('model: ip route index', () => {
  it('knows every destination pushed through it, in a namespace that grows past its first size', () => {
    const ns = freshNs('a');
    for (let k = 0; k < 3000; k++) {
      pushRoute(ns, route((ip('10.0.0.0') + k * 256) >>> 0, 24, k % 7 === 0 ? 'link' : 'universe'));
      if (k % 500 === 0) assertMatchesRoutes(ns);
    }
    assertMatchesRoutes(ns);
  });

  it('answers "no" for most absent destinations (it spares the scans)', () => {
    const ns = freshNs('b');
    for (let k = 0; k < 40; k++) pushRoute(ns, route((ip('10.1.0.0') + k * 256) >>> 0, 24));
    let maybe = 0;
    for (let k = 0; k < 1000; k++) if (mayHaveDst(ns, (ip('172.16.0.0') + k * 256) >>> 0, 24)) maybe++;
    assert.ok(maybe < 100, `${maybe} of 1000 absent destinations said maybe`);
    // Same address, another length: another destination.
    assert.equal(mayHaveDst(ns, ip('10.1.0.0'), 24), true);
  });

  it('follows changes made behind its back: a pushed array, a new array, an in-place change it was told of', () => {
    const ns = freshNs('c');
    assertMatchesRoutes(ns);
    ns.routes.push(route(ip('10.2.0.0'), 16, 'link'));
    assertMatchesRoutes(ns);
    ns.routes = ns.routes.filter((r) => r.dst.len !== 16);
    assert.equal(ns.routes.some((r) => r.dst.len === 16), false);
    assertMatchesRoutes(ns);
    pushRoute(ns, route(ip('10.3.0.0'), 16, 'host'));
    ns.routes[ns.routes.length - 1] = route(ip('10.4.0.0'), 16, 'link');
    dropRouteIndex(ns);
    assertMatchesRoutes(ns);
    // Two namespaces side by side keep their own indexes.
    const other = freshNs('d');
    pushRoute(other, route(ip('10.9.0.0'), 16));
    pushRoute(ns, route(ip('10.8.0.0'), 16));
    assertMatchesRoutes(ns);
    assertMatchesRoutes(other);
  });

  it('leaves the route checks as they were: duplicates, replace, prepend and del by the same key', () => {
    const m = buildModel([
      'namespace a {',
      '  ip link add v0 type veth peer name v1',
      '  ip addr add 10.0.0.1/24 dev v0',
      '  ip link set v0 up',
      '  ip route add 10.5.0.0/16 via 10.0.0.2',
      '  ip route add 10.5.0.0/16 via 10.0.0.3',
      '  ip route add 10.5.0.0/16 via 10.0.0.3 metric 5',
      '  ip route replace 10.5.0.0/16 via 10.0.0.4',
      '  ip route prepend 10.6.0.0/16 via 10.0.0.2',
      '  ip route prepend 10.6.0.0/16 via 10.0.0.3',
      '  ip route del 10.5.0.0/16 metric 5',
      '  ip route add 10.5.0.0/16 via 10.0.0.5 metric 5',
      '  ip route add 10.0.0.0/24 dev v0',
      '  ip route add 10.0.0.0/24 dev v0 metric 1',
      '}',
    ].join('\n'));
    const codes = m.diagnostics.map((d) => `${m.file.text.slice(0, d.start).split('\n').length}:${d.code}`);
    // NS2007 (File exists): the second 10.5.0.0/16 at metric 0, and the kernel's connected route.
    const exists = m.diagnostics.filter((d) => d.code === 'NS2007').map((d) => m.file.text.slice(0, d.start).split('\n').length);
    assert.deepEqual(exists, [6, 13], codes.join(' '));
    const a = m.topology.namespaces.get('a')!;
    const user = a.routes.filter((r) => r.origin !== KERNEL_ORIGIN).map((r) => `${r.dst.addr >>> 24}.${(r.dst.addr >>> 16) & 255}/${r.dst.len} gw ${r.gateway === undefined ? '-' : r.gateway & 255} m${r.metric}`);
    assert.deepEqual(user, ['10.5/16 gw 4 m0', '10.6/16 gw 3 m0', '10.6/16 gw 2 m0', '10.5/16 gw 5 m5', '10.0/24 gw - m1']);
    assertMatchesRoutes(a);
  });
});

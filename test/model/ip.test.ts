// Unit tests of the `ip` executor (core/model/ip*.ts) and the kernel's own reactions (state.ts):
// small texts through buildModel, asserting the topology and the codes. The kernel facts asserted
// here were observed with iproute2 in throwaway namespaces on this project's kernel (6.x).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { byCode } from '../../core/diagnostics/catalogue';
import {
  ipv4ToString, KERNEL_ORIGIN, NetnsConfig, parseIpv4, RouteConfig, RT_TABLE_LOCAL, RT_TABLE_MAIN, TopologyConfig,
} from '../../core/kernel/config';
import { buildModel, Model } from '../../core/model';
import { FACT_FLUSHED_ROUTES, FlushedRoute } from '../../core/model/state';
import { fixturePath } from '../util/golden';

const ip = (s: string) => parseIpv4(s)!;

function ns(m: Model, name: string): NetnsConfig {
  const n = m.topology.namespaces.get(name);
  assert.ok(n, `namespace ${name}`);
  return n;
}

/** The ip executor's codes (NS2xxx) and not-simulated (NS9xxx); lints of other sections left out. */
function codes(m: Model): string[] {
  return m.diagnostics.map((d) => d.code).filter((c) => c.startsWith('NS2') || c.startsWith('NS9'));
}

function errors(m: Model): string[] {
  return m.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
}

/** `ip route show table all`-like lines, sorted, for compact assertions. */
function routes(topo: TopologyConfig, n: NetnsConfig): string[] {
  const dev = (r: RouteConfig) => (r.devId !== undefined ? ` dev ${topo.devices.get(r.devId)!.name}` : '');
  return n.routes.map((r) => {
    const dst = r.dst.len === 0 ? 'default' : r.dst.len === 32 ? ipv4ToString(r.dst.addr) : `${ipv4ToString(r.dst.addr)}/${r.dst.len}`;
    const table = r.table === RT_TABLE_MAIN ? '' : ` table ${r.table === RT_TABLE_LOCAL ? 'local' : r.table}`;
    const type = r.type === 'unicast' ? '' : `${r.type} `;
    const via = r.gateway !== undefined ? ` via ${ipv4ToString(r.gateway)}` : '';
    const src = r.prefsrc !== undefined ? ` src ${ipv4ToString(r.prefsrc)}` : '';
    const metric = r.metric ? ` metric ${r.metric}` : '';
    return `${type}${dst}${via}${dev(r)}${table} proto ${r.proto} scope ${r.scope}${src}${metric}`;
  }).sort();
}

function inNs(name: string, ...lines: string[]): string {
  return `namespace ${name} {\n${lines.map((l) => `    ${l}\n`).join('')}}\n`;
}

describe('model: ip link', () => {
  it('creates a veth pair whose peer lands in another namespace, both down', () => {
    const m = buildModel(inNs('r', 'ip link add c0 type veth peer name eth0 netns c') + inNs('c'));
    assert.deepEqual(errors(m), []);
    const c0 = ns(m, 'r').devices.get('c0')!;
    const eth0 = ns(m, 'c').devices.get('eth0')!;
    assert.equal(c0.kind, 'veth');
    assert.equal(c0.peer, eth0.id);
    assert.equal(eth0.peer, c0.id);
    assert.equal(eth0.netns, 'c');
    assert.equal(c0.up, false);
    assert.equal(eth0.ifindex, 2, 'lo is 1 in every namespace');
  });

  it('records device definitions and references scoped by namespace', () => {
    const m = buildModel(inNs('r', 'ip link add c0 type veth peer name eth0 netns c', 'ip link set c0 up') + inNs('c', 'ip link set dev eth0 up'));
    const eth0 = ns(m, 'c').devices.get('eth0')!;
    const occ = m.symbols.filter((s) => s.key === `device:${eth0.id}`);
    assert.deepEqual(occ.map((s) => [s.isDefinition, s.netns]), [[true, 'c'], [false, 'c']]);
    assert.ok(m.symbols.some((s) => s.key === 'netns:c' && !s.isDefinition && s.name === 'c'));
    const set = m.statements.find((s) => s?.cmd.words.map((w) => w.value).join(' ') === 'ip link set dev eth0 up')!;
    assert.deepEqual(set.roles, ['command', 'subcommand', 'subcommand', 'keyword', 'device', 'keyword']);
  });

  it('accepts the abbreviations iproute2 accepts', () => {
    const m = buildModel(inNs('a', 'ip l a v0 type veth peer name v1', 'ip li s v0 up', 'ip a a 10.0.0.1/24 dev v0', 'ip r a 10.1.0.0/16 via 10.0.0.2', 'ip ro del 10.1.0.0/16', 'ip ru add lookup 100', 'ip n a 10.0.0.9 lladdr 02:00:00:00:00:09 dev v0', 'ip address show', 'ip r', 'ip -4 -br a'));
    assert.deepEqual(codes(m), []);
    const a = ns(m, 'a');
    assert.equal(a.devices.get('v0')!.up, true);
    assert.equal(a.addresses.length, 1);
    assert.equal(a.neighbours.length, 1);
    assert.equal(a.rules.length, 4);
  });

  it('names an unnamed veth peer veth0, as the kernel does', () => {
    const m = buildModel(inNs('a', 'ip link add n5 type veth'));
    assert.ok(ns(m, 'a').devices.has('veth0'));
  });

  it('applies several settings of one `ip link set` line', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip link set v0 mtu 1400 address 02:aa:00:00:00:01 up'));
    const v0 = ns(m, 'a').devices.get('v0')!;
    assert.deepEqual([v0.mtu, v0.mac, v0.up], [1400, '02:aa:00:00:00:01', true]);
  });

  it('reports an unknown device with the nearest name and the namespace that has it', () => {
    const m = buildModel(inNs('r', 'ip link add c0 type veth peer name eth0 netns c') + inNs('c', 'ip link set c0 up', 'ip link set eth1 up'));
    const [a, b] = m.diagnostics;
    assert.equal(a.code, 'NS2001');
    assert.equal(a.data?.elsewhere, 'r');
    assert.match(a.message, /^Cannot find device "c0"/);
    assert.equal(b.data?.nearest, 'eth0');
  });

  it('refuses an existing name, also for the peer, and changes nothing', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip link add v2 type veth peer name v1', 'ip link add v3 type veth peer name v3'));
    assert.deepEqual(errors(m), ['NS2002', 'NS2002']);
    assert.deepEqual([...ns(m, 'a').devices.keys()], ['lo', 'v0', 'v1']);
    assert.equal(m.statements[2].failed, true);
  });

  it('checks names against IFNAMSIZ with the words ip prints in each form', () => {
    const m = buildModel(inNs('a', 'ip link add abcdefghijklmnop type bridge', 'ip link add x type veth peer name abcdefghijklmnop', 'ip link add abcdefghijklmno type bridge'));
    assert.deepEqual(errors(m), ['NS2003', 'NS2003']);
    assert.match(m.diagnostics[0].message, /^Error: Attribute failed policy validation\./);
    assert.match(m.diagnostics[1].message, /^Error: argument "abcdefghijklmnop" is wrong: "name" not a valid ifname/);
    assert.ok(ns(m, 'a').devices.has('abcdefghijklmno'));
  });

  it('deleting one veth end deletes its peer in the other namespace, with their addresses and routes', () => {
    const m = buildModel(
      inNs('r', 'ip link add c0 type veth peer name eth0 netns c', 'ip addr add 10.0.0.1/24 dev c0', 'ip link set c0 up') +
      inNs('c', 'ip addr add 10.0.0.2/24 dev eth0', 'ip link set eth0 up') +
      inNs('r', 'ip link del c0'),
    );
    assert.deepEqual(errors(m), []);
    assert.deepEqual([...ns(m, 'c').devices.keys()], ['lo']);
    assert.deepEqual(ns(m, 'c').addresses, []);
    assert.deepEqual(ns(m, 'c').routes, []);
    assert.deepEqual(ns(m, 'r').routes, []);
    assert.equal(m.topology.devices.size, 3, 'only the three lo devices remain');
  });

  it('moving a device: it arrives down, without addresses, released from its bridge', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip link add br0 type bridge', 'ip link set v0 master br0', 'ip addr add 10.0.0.1/24 dev v0', 'ip link set v0 up', 'ip link set v0 netns b') + inNs('b'));
    assert.deepEqual(errors(m), []);
    const v0 = ns(m, 'b').devices.get('v0')!;
    assert.deepEqual([v0.up, v0.master, v0.netns], [false, undefined, 'b']);
    assert.deepEqual(ns(m, 'a').addresses, []);
    assert.ok(!ns(m, 'a').routes.some((r) => r.devId === v0.id));
    assert.equal(ns(m, 'b').sysctl.get('net.ipv4.conf.v0.rp_filter'), ns(m, 'b').sysctl.get('net.ipv4.conf.default.rp_filter'));
    assert.equal(ns(m, 'a').sysctl.has('net.ipv4.conf.v0.rp_filter'), false);
  });

  it('refuses moving lo or a bridge, into a taken name, or to a missing namespace', () => {
    const m = buildModel(inNs('b', 'ip link add v0 type veth peer name p0') + inNs('a', 'ip link add v0 type veth peer name v1', 'ip link add br0 type bridge', 'ip link set lo netns b', 'ip link set br0 netns b', 'ip link set v0 netns b', 'ip link set v1 netns nowhere'));
    assert.deepEqual(errors(m), ['NS2013', 'NS2013', 'NS2019', 'NS2004']);
  });

  it('master: only a bridge takes ports; a bridge and lo cannot be ports', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip link add br0 type bridge', 'ip link set v0 master v1', 'ip link set br0 master br0', 'ip link set lo master br0', 'ip link set v0 master nosuch', 'ip link set v0 master br0', 'ip link set v1 master br0', 'ip link set v1 nomaster'));
    assert.deepEqual(errors(m), ['NS2012', 'NS2012', 'NS2012', 'NS2018']);
    const a = ns(m, 'a');
    assert.equal(a.devices.get('v0')!.master, a.devices.get('br0')!.id);
    assert.equal(a.devices.get('v1')!.master, undefined);
  });

  it('mtu, MAC and lo deletion are checked like the kernel', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip link set v0 mtu 67', 'ip link set v0 mtu 65535', 'ip link set v0 address zz:00:00:00:00:00', 'ip link set v0 address 01:00:00:00:00:01', 'ip link del lo'));
    assert.deepEqual(errors(m), ['NS2015', 'NS2014', 'NS2014', 'NS2020']);
    assert.match(m.diagnostics[1].message, /^"zz" is invalid lladdr\./);
    assert.equal(ns(m, 'a').devices.get('v0')!.mtu, 65535);
  });

  it('renames with `name` (also while up), refusing a taken name; `name` alone names the device', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip link set v0 up', 'ip link set v0 name v1', 'ip link set v0 name v9 mtu 1400', 'ip link set name v9 down', 'ip link add name q0 dev q1 type veth'));
    assert.deepEqual(errors(m), ['NS2002', 'NS2018']);
    const a = ns(m, 'a');
    assert.deepEqual([...a.devices.keys()].sort(), ['lo', 'v1', 'v9']);
    const v9 = a.devices.get('v9')!;
    assert.deepEqual([v9.mtu, v9.up], [1400, false]);
    assert.ok(a.sysctl.has('net.ipv4.conf.v9.rp_filter') && !a.sysctl.has('net.ipv4.conf.v0.rp_filter'));
    assert.equal(m.symbols.filter((s) => s.key === `device:${v9.id}` && s.isDefinition).length, 2, 'v0 and its new name v9');
  });

  it('refuses interface names in the words of whoever refuses them', () => {
    const m = buildModel(inNs('a', 'ip link add v0.1 type veth peer name v0:1', 'ip link add a/b type veth peer name ab', 'ip link add x type veth peer name "a b"'));
    assert.deepEqual(errors(m), ['NS2018', 'NS2018', 'NS2018']);
    assert.match(m.diagnostics[0].message, /^RTNETLINK answers: Invalid argument/);
    assert.match(m.diagnostics[1].message, /^Error: argument "a\/b" is wrong: "dev" not a valid ifname/);
    assert.match(m.diagnostics[2].message, /^Error: argument "a b" is wrong: "name" not a valid ifname/);
  });

  it('reports link types it does not simulate instead of ignoring them', () => {
    const m = buildModel(inNs('a', 'ip link add vx0 type vxlan id 5', 'ip tunnel add t0 mode gre', 'ip -6 addr add ::1/128 dev lo', 'ip xfrm state'));
    assert.deepEqual(codes(m), ['NS9001', 'NS9001', 'NS9001', 'NS9001']);
  });

  it('a garbage word and an unknown object use iproute2\'s words', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip link set v0 v1 up', 'ip lonk show', 'ip link frob'));
    assert.deepEqual(errors(m), ['NS2018', 'NS2018', 'NS2018']);
    assert.match(m.diagnostics[0].message, /^Error: either "dev" is duplicate, or "v1" is a garbage\./);
    assert.match(m.diagnostics[1].message, /^Object "lonk" is unknown, try "ip help"\./);
  });
});

describe('model: ip address and the kernel routes', () => {
  it('a fresh namespace has lo down, no address and no route', () => {
    const m = buildModel(inNs('a'));
    const a = ns(m, 'a');
    assert.deepEqual([...a.devices.keys()], ['lo']);
    assert.equal(a.devices.get('lo')!.up, false);
    assert.deepEqual(a.addresses, []);
    assert.deepEqual(a.routes, []);
    assert.deepEqual(a.rules.map((r) => r.pref), [0, 32766, 32767]);
  });

  it('lo up adds 127.0.0.1/8 and the local 127.0.0.0/8 route; lo down keeps host-scope routes', () => {
    const up = buildModel(inNs('a', 'ip link set lo up'));
    const a = ns(up, 'a');
    assert.deepEqual(a.addresses.map((x) => `${ipv4ToString(x.addr)}/${x.plen}`), ['127.0.0.1/8']);
    assert.deepEqual(routes(up.topology, a), [
      'broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1',
      'local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1',
      'local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1',
    ]);
    const down = buildModel(inNs('a', 'ip link set lo up', 'ip link set lo down', 'ip link set lo up', 'ip link set lo down'));
    assert.equal(ns(down, 'a').addresses.length, 1, 'the address stays and is not added twice');
    assert.deepEqual(routes(down.topology, ns(down, 'a')), [
      'local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1',
      'local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1',
    ]);
  });

  it('an address on a down device has only its local route; up adds connected and broadcast routes', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip addr add 10.0.1.1/24 dev v0'));
    assert.deepEqual(routes(m.topology, ns(m, 'a')), ['local 10.0.1.1 dev v0 table local proto kernel scope host src 10.0.1.1']);
    const up = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip addr add 10.0.1.1/24 dev v0', 'ip link set v0 up'));
    assert.deepEqual(routes(up.topology, ns(up, 'a')), [
      '10.0.1.0/24 dev v0 proto kernel scope link src 10.0.1.1',
      'broadcast 10.0.1.255 dev v0 table local proto kernel scope link src 10.0.1.1',
      'local 10.0.1.1 dev v0 table local proto kernel scope host src 10.0.1.1',
    ]);
    assert.ok(ns(up, 'a').routes.every((r) => r.origin === KERNEL_ORIGIN));
  });

  it('secondary, /31 and /32 addresses install what the kernel installs', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip link set v0 up', 'ip addr add 10.0.1.1/24 dev v0', 'ip addr add 10.0.1.2/24 dev v0', 'ip addr add 10.0.2.1/32 dev v0', 'ip addr add 10.0.3.1/31 dev v0'));
    const a = ns(m, 'a');
    assert.deepEqual(a.addresses.map((x) => x.secondary), [false, true, false, false]);
    assert.deepEqual(routes(m.topology, a), [
      '10.0.1.0/24 dev v0 proto kernel scope link src 10.0.1.1',
      '10.0.3.0/31 dev v0 proto kernel scope link src 10.0.3.1',
      'broadcast 10.0.1.255 dev v0 table local proto kernel scope link src 10.0.1.1',
      'local 10.0.1.1 dev v0 table local proto kernel scope host src 10.0.1.1',
      'local 10.0.1.2 dev v0 table local proto kernel scope host src 10.0.1.1',
      'local 10.0.2.1 dev v0 table local proto kernel scope host src 10.0.2.1',
      'local 10.0.3.1 dev v0 table local proto kernel scope host src 10.0.3.1',
    ]);
  });

  it('deleting a primary deletes its secondaries (promote_secondaries 0)', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip link set v0 up', 'ip addr add 10.0.1.1/24 dev v0', 'ip addr add 10.0.1.2/24 dev v0', 'ip addr del 10.0.1.1/24 dev v0'));
    assert.deepEqual(ns(m, 'a').addresses, []);
    assert.deepEqual(ns(m, 'a').routes, []);
  });

  it('duplicate and missing addresses; the same address with another length is fine; brd +', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip addr add 10.0.1.1/24 brd + dev v0', 'ip addr add 10.0.1.1/24 dev v0', 'ip addr add 10.0.1.1/16 dev v0', 'ip addr del 10.0.1.9/24 dev v0', 'ip address replace 10.0.1.1/24 dev v0', 'ip addr add 10.0.1.5/33 dev v0'));
    assert.deepEqual(errors(m), ['NS2005', 'NS2006', 'NS2018']);
    const a = ns(m, 'a');
    assert.equal(a.addresses.length, 2);
    assert.equal(a.addresses[0].broadcast, ip('10.0.1.255'));
    assert.ok(m.diagnostics[0].related?.length, 'points at the first assignment');
  });

  it('a kernel route the user deleted stays deleted when more addresses come; lo up brings 127.0.0.1 back', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip link set v0 up', 'ip addr add 10.0.1.1/24 dev v0', 'ip route del 10.0.1.0/24 dev v0', 'ip addr add 10.0.2.1/24 dev v0', 'ip addr add 10.0.1.2/24 dev v0',
      'ip link set lo up', 'ip addr add 10.0.3.1/24 dev lo', 'ip link set lo down', 'ip addr del 127.0.0.1/8 dev lo', 'ip link set lo up'));
    assert.deepEqual(errors(m), []);
    assert.deepEqual(routes(m.topology, ns(m, 'a')), [
      '10.0.2.0/24 dev v0 proto kernel scope link src 10.0.2.1',
      'broadcast 10.0.1.255 dev v0 table local proto kernel scope link src 10.0.1.1',
      'broadcast 10.0.2.255 dev v0 table local proto kernel scope link src 10.0.2.1',
      'broadcast 10.0.3.255 dev lo table local proto kernel scope link src 10.0.3.1',
      'broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1',
      'local 10.0.1.1 dev v0 table local proto kernel scope host src 10.0.1.1',
      'local 10.0.1.2 dev v0 table local proto kernel scope host src 10.0.1.1',
      'local 10.0.2.1 dev v0 table local proto kernel scope host src 10.0.2.1',
      'local 10.0.3.0/24 dev lo table local proto kernel scope host src 10.0.3.1',
      'local 10.0.3.1 dev lo table local proto kernel scope host src 10.0.3.1',
      'local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1',
      'local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1',
    ]);
  });

  it('the kernel drops an address 0.0.0.0 silently; a /0 address is fine', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip addr add 0.0.0.0/0 dev v0', 'ip addr add 10.1.1.1/0 dev v0'));
    assert.deepEqual(codes(m), []);
    assert.deepEqual(ns(m, 'a').addresses.map((x) => `${ipv4ToString(x.addr)}/${x.plen}`), ['10.1.1.1/0']);
  });

  it('admin down flushes the routes through the device and records them for lints', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip addr add 10.0.1.1/24 dev v0', 'ip link set v0 up', 'ip route add default via 10.0.1.254', 'ip link set v0 down', 'ip link set v0 up'));
    const a = ns(m, 'a');
    assert.ok(!a.routes.some((r) => r.dst.len === 0), 'the default route does not come back on up');
    assert.ok(a.routes.some((r) => r.dst.len === 24 && r.table === RT_TABLE_MAIN), 'the connected route does');
    const flushed = (m.facts.get(FACT_FLUSHED_ROUTES) as Map<string, FlushedRoute[]>).get('a')!;
    assert.equal(flushed.length, 1);
    assert.equal(flushed[0].reason, 'down');
    assert.equal(flushed[0].route.gateway, ip('10.0.1.254'));
    assert.equal(flushed[0].by, m.statements.findIndex((s) => s?.cmd.words.map((w) => w.value).join(' ') === 'ip link set v0 down'));
  });

  it('the ip addr line needs dev, and the device must be in this namespace', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1 netns b', 'ip addr add 10.0.0.1/24 v0', 'ip addr add 10.0.0.1/24 dev v1') + inNs('b'));
    assert.deepEqual(errors(m), ['NS2018', 'NS2001']);
    assert.equal(m.diagnostics[1].data?.elsewhere, 'b');
  });
});

describe('model: ip route', () => {
  const base = ['ip link add v0 type veth peer name v1', 'ip addr add 10.0.1.1/24 dev v0', 'ip link set v0 up'];

  it('adds routes with the defaults iproute2 sends (proto boot, scope link without gateway)', () => {
    const m = buildModel(inNs('a', ...base, 'ip route add default via 10.0.1.254', 'ip route add 10.2.0.0/16 dev v0 metric 5 proto static', 'ip route add blackhole 10.66.0.0/16', 'ip route add unreachable 10.67.0.0/16 table 100', 'ip route add prohibit 10.68.0.0/16', 'ip route add throw 10.69.0.0/16 table 100', 'ip route add local 10.12.0.0/16 dev v0', 'ip route add 10.8.0.0/16 via 10.0.2.254 dev v0 onlink', 'ip route add 10.70.0.0/16 dev v0 src 10.0.1.1'));
    assert.deepEqual(codes(m), []);
    const user = ns(m, 'a').routes.filter((r) => r.origin !== KERNEL_ORIGIN);
    assert.deepEqual(routes(m.topology, { ...ns(m, 'a'), routes: user }), [
      '10.2.0.0/16 dev v0 proto static scope link metric 5',
      '10.70.0.0/16 dev v0 proto boot scope link src 10.0.1.1',
      '10.8.0.0/16 via 10.0.2.254 dev v0 proto boot scope universe',
      'blackhole 10.66.0.0/16 proto boot scope universe',
      'default via 10.0.1.254 dev v0 proto boot scope universe',
      'local 10.12.0.0/16 dev v0 table local proto boot scope host',
      'prohibit 10.68.0.0/16 proto boot scope universe',
      'throw 10.69.0.0/16 table 100 proto boot scope universe',
      'unreachable 10.67.0.0/16 table 100 proto boot scope universe',
    ]);
    assert.equal(user.find((r) => r.dst.addr === ip('10.8.0.0'))!.onlink, true);
    assert.equal(user.find((r) => r.dst.len === 0)!.origin, 4, 'origin is the statement');
  });

  it('add is exclusive on (table, prefix, metric); replace, append, change and del behave like the kernel', () => {
    const m = buildModel(inNs('a', ...base, 'ip route add 10.9.0.0/16 via 10.0.1.254', 'ip route add blackhole 10.9.0.0/16', 'ip route append 10.9.0.0/16 via 10.0.1.253', 'ip route append 10.9.0.0/16 via 10.0.1.253', 'ip route change 10.10.0.0/16 via 10.0.1.253', 'ip route replace 10.9.0.0/16 via 10.0.1.2', 'ip route del 10.71.0.0/16', 'ip route del 10.9.0.0/16 via 10.0.1.2'));
    assert.deepEqual(errors(m), ['NS2007', 'NS2007', 'NS2011', 'NS2011']);
    const user = ns(m, 'a').routes.filter((r) => r.origin !== KERNEL_ORIGIN);
    assert.deepEqual(user.map((r) => ipv4ToString(r.gateway!)), ['10.0.1.253']);
  });

  it('checks the gateway, the device state, prefsrc, the prefix and the table', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip addr add 10.0.1.1/24 dev v0',
      'ip route add 10.9.0.0/16 via 10.0.1.254', // v0 down: no connected route yet
      'ip route add 10.9.0.0/16 dev v0', // down
      'ip link set v0 up',
      'ip route add 10.9.0.0/16 via 10.0.1.255', // the broadcast address
      'ip route add 10.13.0.0/16 via 10.9.0.1', // not on-link
      'ip route add 10.9.0.1/16 via 10.0.1.254',
      'ip route add default via 10.0.1.254 table foo',
      'ip route add 10.70.0.0/16 dev v0 src 10.0.1.99',
      'ip route add 10.11.0.0/16',
      'ip route add blackhole 10.0.0.0/8 dev v0',
      'ip route add 10.7.0.0/16 via 10.0.1.1', // own address: accepted
      'ip route add 10.16.0.0/16 via 10.0.1.7 table 100'));
    assert.deepEqual(errors(m), ['NS2008', 'NS2016', 'NS2008', 'NS2008', 'NS2009', 'NS2010', 'NS2017', 'NS2021', 'NS2018']);
    assert.equal(m.diagnostics[4].data?.fixed, '10.9.0.0/16');
  });

  it('an onlink gateway must not be one of our own or a broadcast address', () => {
    const m = buildModel(inNs('a', ...base, 'ip route add 10.3.0.0/16 via 10.0.1.255 dev v0 onlink', 'ip route add 10.3.0.0/16 via 10.0.1.1 dev v0 onlink', 'ip route add 10.3.0.0/16 via 224.0.0.1 dev v0 onlink', 'ip route add 10.3.0.0/16 via 127.0.0.1 dev v0 onlink', 'ip route add 10.4.0.0/16 via 10.0.1.7 dev v0 scope link'));
    assert.deepEqual(errors(m), ['NS2008', 'NS2008', 'NS2008', 'NS2008']);
  });

  it('del in a table that never had a route says the FIB table does not exist', () => {
    const m = buildModel(inNs('a', 'ip route del 10.9.0.0/16 table 100'));
    assert.deepEqual(errors(m), ['NS2011']);
    assert.match(m.diagnostics[0].message, /^Error: FIB table does not exist\./);
  });

  it('table 0 is main and `table` accepts main, local, default and numbers', () => {
    const m = buildModel(inNs('a', ...base, 'ip route add 10.20.0.0/16 table 0 dev v0', 'ip route add 10.21.0.0/16 table 4294967295 dev v0', 'ip route add 10.22.0.0/16 table 4294967296 dev v0', 'ip route add 10.23.0.0/16 table default dev v0'));
    assert.deepEqual(errors(m), ['NS2010']);
    const t = ns(m, 'a').routes.filter((r) => r.origin !== KERNEL_ORIGIN).map((r) => r.table);
    assert.deepEqual(t, [RT_TABLE_MAIN, 4294967295, 253]);
  });
});

describe('model: ip rule and ip neigh', () => {
  it('picks the default pref below the second rule and keeps rules sorted', () => {
    const m = buildModel(inNs('a', 'ip rule add from 10.1.0.0/16 lookup 100', 'ip rule add to 10.2.0.0/16 table 101', 'ip rule add fwmark 0x1/0xff lookup 103 pref 50', 'ip rule add not from 10.3.0.0/16 blackhole', 'ip rule add from 10.6.0.0/16', 'ip rule add iif lo prohibit priority 60'));
    assert.deepEqual(codes(m), []);
    const rules = ns(m, 'a').rules;
    assert.deepEqual(rules.map((r) => r.pref), [0, 48, 49, 50, 60, 32764, 32765, 32766, 32767]);
    assert.deepEqual(rules[1].action, { type: 'lookup', table: RT_TABLE_MAIN }, 'no action means lookup main');
    assert.equal(rules[2].invert, true);
    assert.deepEqual(rules[3].fwmark, { value: 1, mask: 0xff });
  });

  it('a duplicate rule with the same explicit pref exists; without pref it is another rule', () => {
    const m = buildModel(inNs('a', 'ip rule add from 10.6.0.0/16', 'ip rule add from 10.6.0.0/16', 'ip rule add from 10.6.0.0/16 pref 100', 'ip rule add from 10.6.0.0/16 pref 100', 'ip rule del from 10.99.0.0/16', 'ip rule add lookup foo', 'ip rule del pref 100'));
    assert.deepEqual(errors(m), ['NS2007', 'NS2011', 'NS2010']);
    assert.deepEqual(ns(m, 'a').rules.map((r) => r.pref), [0, 32764, 32765, 32766, 32767]);
  });

  it('the kernel does not tell a `not` rule from the same rule without it', () => {
    const m = buildModel(inNs('a', 'ip rule add pref 100 to 10.2.0.0/16 lookup 100', 'ip rule add pref 100 to 10.2.0.0/16 lookup 100 not', 'ip rule add pref 100 to 10.2.0.0/16 lookup 101'));
    assert.deepEqual(errors(m), ['NS2007']);
  });

  it('iif/oif on a missing device is accepted with a warning', () => {
    const m = buildModel(inNs('a', 'ip rule add oif eth9 lookup 105'));
    assert.deepEqual(codes(m), ['NS2022']);
    assert.equal(ns(m, 'a').rules[1].oif, 'eth9');
  });

  it('a neighbour without lladdr: broadcast-like while the namespace has no address, else refused', () => {
    const fresh = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip neigh add 10.0.1.50 dev v0'));
    assert.deepEqual(codes(fresh), []);
    assert.equal(ns(fresh, 'a').neighbours[0].lladdr, 'ff:ff:ff:ff:ff:ff');
    const configured = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip addr add 10.0.1.1/24 dev v0', 'ip neigh add 10.0.1.50 dev v0'));
    assert.deepEqual(errors(configured), ['NS2014']);
    assert.match(configured.diagnostics[0].message, /^Error: No link layer address given\./);
  });

  it('neighbours: add, duplicate, replace, delete', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip neigh add 10.0.1.9 lladdr 02:00:00:00:00:09 dev v0', 'ip neigh add 10.0.1.9 lladdr 02:00:00:00:00:09 dev v0', 'ip neigh replace 10.0.1.9 lladdr 02:00:00:00:00:0a dev v0 nud permanent', 'ip neigh add 10.0.1.10 lladdr zz dev v0', 'ip neigh add 10.0.1.10 lladdr 02:00:00:00:00:09', 'ip neigh del 10.0.1.12 dev v0', 'ip neigh add 10.0.1.13 lladdr 02:00:00:00:00:0d dev v0 nud reachable'));
    assert.deepEqual(codes(m), ['NS2007', 'NS2014', 'NS2018', 'NS2011', 'NS9001']);
    assert.deepEqual(ns(m, 'a').neighbours.map((n) => n.lladdr), ['02:00:00:00:00:0a']);
  });
});

describe('model: ip diagnostics catalogue', () => {
  it('every NS2xxx code has a fixture that triggers it and a correct variant', () => {
    const files = new Set(fs.readdirSync(fixturePath('checker')));
    for (const code of byCode.keys()) {
      if (!code.startsWith('NS2')) continue;
      const bad = [...files].filter((f) => f.startsWith(`${code}-`) && f.endsWith('.netns') && !f.endsWith('-ok.netns'));
      assert.equal(bad.length, 1, `${code}: one fixture`);
      assert.ok(files.has(bad[0].replace(/\.netns$/, '-ok.netns')), `${code}: -ok variant`);
    }
  });

  it('every rejected fixture notes what the real kernel said', () => {
    for (const f of fs.readdirSync(fixturePath('checker'))) {
      if (!/^NS2\d{3}-.*(?<!-ok)\.netns$/.test(f)) continue;
      assert.match(fs.readFileSync(fixturePath('checker', f), 'utf8'), /# kernel: ip exits \d/, f);
    }
  });

  it('a failing command leaves the state as it was', () => {
    const ok = buildModel(inNs('a', 'ip link add v0 type veth peer name v1'));
    const bad = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip link set v0 mtu 1400 address 01:00:00:00:00:01 up', 'ip link set v0 netns b mtu 99999', 'ip link add v2 type veth peer name v0'));
    assert.deepEqual(errors(bad), ['NS2014', 'NS2004', 'NS2002']);
    assert.deepEqual(ns(bad, 'a'), ns(ok, 'a'));
  });
});

describe('model: ip words and options', () => {
  it('gives every word of an ip line a role, also after an early stop', () => {
    const m = buildModel(inNs('a', 'ip link add v0 type veth peer name v1', 'ip route del broadcast 10.0.2.255 table local', 'ip link add vx type vxlan id 5 dstport 4789', 'ip -6 route add ::/0 dev v0', 'ip link set v9 up mtu 1400'));
    for (const s of m.statements) {
      if (!s || s.cmd.words[0].value !== 'ip') continue;
      assert.ok(s.roles.every((r) => r !== undefined), s.cmd.words.map((w) => w.value).join(' '));
    }
  });

  it('`ip -4 -n NS` switches namespace like a leading `ip -n NS`', () => {
    const m = buildModel('namespace b {\n}\nip -4 -n b link add v0 type veth peer name v1\nip -n b link set v0 up\nip -4 -n nope link show\n');
    assert.deepEqual(errors(m), ['NS4001']);
    assert.equal(ns(m, 'b').devices.get('v0')!.up, true);
    assert.ok(!ns(m, 'root').devices.has('v0'));
  });
});

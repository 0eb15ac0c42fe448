// Tests of the final-state lints (core/model/lint.ts) and its configuration-level FIB lookup.
// States are built by hand (devices, addresses, routes as the ip executor leaves them), each
// object tagged with a statement so the lint has a line to point at.
import * as assert from 'node:assert/strict';
import type { Diagnostic } from '../../core/diagnostics/types';
import { DeviceConfig, NetnsConfig, parseIpv4, ProbeSpec, RouteConfig } from '../../core/kernel/config';
import { ModelState, StatementInfo } from '../../core/model/context';
import { fibLookup, probeHasRoute, runLints } from '../../core/model/lint';
import { addDevice, ensureNetns, newModelState } from '../../core/model/state';
import { parse } from '../../core/syntax/parser';
import type { CommandNode } from '../../core/syntax/tree';
import { buildModel } from '../../core/model/index';
import { getCodeActions } from '../../core/ide/actions';
import { analyze } from '../../core/ide/analysis';

const ip = (s: string) => parseIpv4(s)!;

class World {
  state: ModelState = newModelState();
  text = '';

  constructor() {
    for (const n of ['root', 'a', 'b']) ensureNetns(this.state, n);
  }

  ns(name: string): NetnsConfig {
    return this.state.topology.namespaces.get(name)!;
  }

  /** Appends a line to the pretend file and returns its statement id (the origin of objects it makes). */
  line(text: string, netns = 'root'): number {
    const start = this.text.length;
    this.text += text + '\n';
    const c = parse(text).items[0] as CommandNode;
    const id = this.state.statements.length;
    const cmd: CommandNode = { ...c, id, start: c.start + start, end: c.end + start, words: c.words.map((w) => ({ ...w, start: w.start + start, end: w.end + start })) };
    this.state.statements[id] = new StatementInfo(cmd, netns);
    return id;
  }

  dev(netns: string, name: string, up: boolean): DeviceConfig {
    const d = addDevice(this.state, this.ns(netns), name, 'veth', this.line(`ip link add ${name} type veth`, netns));
    d.up = up;
    return d;
  }

  veth(a: string, an: string, b: string, bn: string, upA: boolean, upB: boolean): [DeviceConfig, DeviceConfig] {
    const o = this.line(`ip link add ${an} type veth peer name ${bn} netns ${b}`, a);
    const x = addDevice(this.state, this.ns(a), an, 'veth', o);
    const y = addDevice(this.state, this.ns(b), bn, 'veth', o);
    x.peer = y.id;
    y.peer = x.id;
    x.up = upA;
    y.up = upB;
    return [x, y];
  }

  addr(netns: string, dev: DeviceConfig, cidr: string): void {
    const [a, len] = cidr.split('/');
    const o = this.line(`ip addr add ${cidr} dev ${dev.name}`, netns);
    this.ns(netns).addresses.push({ devId: dev.id, addr: ip(a), plen: Number(len), secondary: false, origin: o });
    const plen = Number(len);
    const mask = plen === 0 ? 0 : (0xffffffff << (32 - plen)) >>> 0;
    this.ns(netns).routes.push({ table: 254, type: 'unicast', dst: { addr: (ip(a) & mask) >>> 0, len: plen }, devId: dev.id, metric: 0, scope: 'link', proto: 'kernel', origin: -1 });
  }

  route(netns: string, r: Partial<Omit<RouteConfig, 'dst'>> & { dst: string }, text: string): RouteConfig {
    const [a, len] = r.dst.split('/');
    const route: RouteConfig = {
      table: 254, type: 'unicast', metric: 0, scope: 'universe', proto: 'boot', ...r,
      dst: { addr: ip(a), len: Number(len) }, origin: this.line(text, netns),
    };
    this.ns(netns).routes.push(route);
    return route;
  }

  probe(p: Omit<ProbeSpec, 'origin'>): void {
    this.state.probes.push({ ...p, origin: this.line(`probe ${p.name} ...`) });
  }

  lint(): Diagnostic[] {
    const before = this.state.diagnostics.length;
    runLints(this.state, parse(this.text));
    return this.state.diagnostics.slice(before);
  }

  lineOf(offset: number): number {
    return this.text.slice(0, offset).split('\n').length;
  }
}

const codes = (ds: Diagnostic[]) => ds.map((d) => d.code);

describe('model: lints', () => {
  it('a clean topology has no lint', () => {
    const w = new World();
    w.ns('a').devices.get('lo')!.up = true;
    w.ns('b').devices.get('lo')!.up = true;
    const [x, y] = w.veth('a', 'eth0', 'b', 'eth0', true, true);
    w.addr('a', x, '10.0.0.1/24');
    w.addr('b', y, '10.0.0.2/24');
    w.probe({ name: 'p', from: { netns: 'a' }, proto: 'icmp', dst: ip('10.0.0.2') });
    assert.deepEqual(codes(w.lint()), []);
  });

  it('NS5001: FORWARD rules while forwarding is off on every device', () => {
    const w = new World();
    w.dev('a', 'eth0', true);
    const o = w.line('iptables -A FORWARD -j ACCEPT', 'a');
    w.ns('a').xtables.set('filter', { name: 'filter', chains: new Map([['FORWARD', { name: 'FORWARD', builtin: true, policy: 'ACCEPT', rules: [{ matches: [], target: { kind: 'ACCEPT' }, text: '-A FORWARD -j ACCEPT', origin: o }], origin: -1 }]]) });
    const ds = w.lint();
    assert.deepEqual(codes(ds), ['NS5001']);
    assert.match(ds[0].message, /^FORWARD rules in a never see a packet: forwarding is off/);
    assert.equal(w.lineOf(ds[0].start), 2);
    w.ns('a').sysctl.set('net.ipv4.conf.eth0.forwarding', '1');
    assert.deepEqual(codes(w.lint()), []);
    // a bridge: bridged IPv4 passes FORWARD through br_netfilter, forwarding or not
    w.ns('a').sysctl.set('net.ipv4.conf.eth0.forwarding', '0');
    addDevice(w.state, w.ns('a'), 'br0', 'bridge', -1);
    assert.deepEqual(codes(w.lint()), []);
    w.ns('a').sysctl.set('net.bridge.bridge-nf-call-iptables', '0');
    assert.deepEqual(codes(w.lint()), ['NS5001']);
  });

  it('NS5001 in a namespace with lo alone says so, whatever ip_forward says, and offers no sysctl fix', () => {
    const text = 'namespace a {\n    sysctl -w net.ipv4.ip_forward=1\n    iptables -A FORWARD -j DROP\n}\n';
    const m = buildModel(text);
    const d = m.diagnostics.filter((x) => x.code === 'NS5001');
    assert.equal(d.length, 1);
    assert.match(d[0].message, /^FORWARD rules in a never see a packet: a has no device but lo, so nothing arrives to be forwarded/);
    assert.deepEqual(getCodeActions(analyze(text), d[0].start, d[0].end, [d[0]]), []);
  });

  it('NS5002: another namespace routes through this one with forwarding off', () => {
    const w = new World();
    const [x, y] = w.veth('a', 'eth0', 'b', 'eth0', true, true);
    w.addr('a', x, '10.0.0.1/24');
    w.addr('b', y, '10.0.0.2/24');
    w.route('a', { dst: '0.0.0.0/0', gateway: ip('10.0.0.2'), devId: x.id }, 'ip route add default via 10.0.0.2');
    // b has no other way out: an end host, nothing to forward
    assert.deepEqual(codes(w.lint()), []);
    w.dev('b', 'eth1', true);
    const ds = w.lint();
    assert.deepEqual(codes(ds), ['NS5002']);
    assert.match(ds[0].message, /^a routes via 10\.0\.0\.2, an address of b, but forwarding is off on eth0 in b/);
    assert.equal(ds[0].related?.length, 1);
    assert.equal(w.lineOf(ds[0].related![0].start), 3, 'related: the line that added 10.0.0.2');
    assert.deepEqual(ds[0].data, { netns: 'b', device: 'eth0' }, 'data: where a quick fix enables forwarding');
    // a port of a bridge is no way out of its own
    w.ns('b').devices.get('eth1')!.master = 99;
    assert.deepEqual(codes(w.lint()), []);
    w.ns('b').devices.get('eth1')!.master = undefined;
    w.ns('b').sysctl.set('net.ipv4.conf.eth0.forwarding', '1');
    assert.deepEqual(codes(w.lint()), []);
  });

  it('NS5003: a route through a device that is down', () => {
    const w = new World();
    const d = w.dev('a', 'eth0', false);
    w.route('a', { dst: '10.1.0.0/16', devId: d.id }, 'ip route add 10.1.0.0/16 dev eth0');
    const ds = w.lint();
    assert.deepEqual(codes(ds), ['NS5003']);
    assert.equal(ds[0].related?.[0].message, 'eth0 is created here');
    d.up = true;
    assert.deepEqual(codes(w.lint()), []);
  });

  it('NS5003: a user route the kernel flushed when its device went down, was deleted or moved', () => {
    const w = new World();
    const d = w.dev('a', 'eth0', true);
    const r = w.route('a', { dst: '10.1.0.0/16', devId: d.id }, 'ip route add 10.1.0.0/16 dev eth0');
    w.ns('a').routes.pop();
    const by = w.line('ip link set eth0 down', 'a');
    w.state.facts.set('ip.flushedRoutes', new Map([['a', [{ route: r, netns: 'a', by, reason: 'down' }, { route: r, netns: 'a', by, reason: 'deleted' },
      { route: { ...r, origin: -1 }, netns: 'a', by, reason: 'down' }]]]));
    const ds = w.lint();
    assert.deepEqual(codes(ds), ['NS5003', 'NS5003']);
    assert.match(ds[0].message, /^this route goes through eth0, which goes down later: the kernel removes the route then and never restores it/);
    assert.match(ds[1].message, /which is deleted later/);
    assert.equal(w.lineOf(ds[0].start), 2);
    assert.equal(w.lineOf(ds[0].related![0].start), 3);
  });

  it('NS5004: lo down while a socket listens on 127.0.0.1 or a probe goes there', () => {
    const w = new World();
    w.ns('a').sockets.push({ proto: 'tcp', addr: ip('127.0.0.1'), port: 80, origin: w.line('listen tcp 127.0.0.1:80', 'a') });
    w.probe({ name: 'lo', from: { netns: 'a' }, proto: 'tcp', dst: ip('127.0.0.1'), dport: 80 });
    const ds = w.lint();
    assert.deepEqual(codes(ds), ['NS5004', 'NS5004']);
    assert.match(ds[0].message, /^lo is down in a: connections to 127\.0\.0\.1 fail with ENETUNREACH \(a socket listens on 127\.0\.0\.1\)/);
    // lo was up once: 127.0.0.1/8 stays, the connection times out instead
    w.ns('a').addresses.push({ devId: w.ns('a').devices.get('lo')!.id, addr: ip('127.0.0.1'), plen: 8, secondary: false, origin: -1 });
    assert.match(w.lint()[1].message, /^lo is down in a: connections to 127\.0\.0\.1 time out: the address stays but lo drops every packet \(probe 'lo' connects to 127\.0\.0\.1\)/);
    w.ns('a').devices.get('lo')!.up = true;
    assert.deepEqual(codes(w.lint()), []);
  });

  it('NS5010: a probe to the namespace\'s own address while lo is down', () => {
    const w = new World();
    const d = w.dev('a', 'eth0', true);
    w.addr('a', d, '10.0.0.1/24');
    w.probe({ name: 'self', from: { netns: 'a' }, proto: 'icmp', dst: ip('10.0.0.1') });
    assert.deepEqual(codes(w.lint()), ['NS5010']);
    w.ns('a').devices.get('lo')!.up = true;
    assert.deepEqual(codes(w.lint()), []);
  });

  it('NS5005: a listener on an address no device has (e.g. removed later or nonlocal bind)', () => {
    const w = new World();
    w.ns('a').sockets.push({ proto: 'tcp', addr: ip('10.0.0.9'), port: 80, origin: w.line('listen tcp 10.0.0.9:80', 'a') });
    w.ns('a').sockets.push({ proto: 'tcp', addr: 0, port: 81, origin: w.line('listen tcp 0.0.0.0:81', 'a') });
    assert.deepEqual(codes(w.lint()), ['NS5005']);
  });

  it('NS5006: a jailed UDP socket on 0.0.0.0 (info)', () => {
    const w = new World();
    const d = w.dev('a', 'eth0', true);
    w.addr('a', d, '10.0.0.1/24');
    w.ns('a').sockets.push({ proto: 'udp', addr: 0, port: 53, jail: ip('10.0.0.1'), origin: w.line('listen udp 0.0.0.0:53', 'a') });
    w.ns('a').sockets.push({ proto: 'udp', addr: ip('10.0.0.1'), port: 54, jail: ip('10.0.0.1'), origin: w.line('listen udp 10.0.0.1:54', 'a') });
    const ds = w.lint();
    assert.deepEqual(codes(ds), ['NS5006']);
    assert.equal(ds[0].severity, 'info');
  });

  it('NS5007: a probe without a route, unless it expects unreachable', () => {
    const w = new World();
    const d = w.dev('a', 'eth0', true);
    w.addr('a', d, '10.0.0.1/24');
    w.probe({ name: 'far', from: { netns: 'a' }, proto: 'tcp', dst: ip('192.0.2.1'), dport: 80 });
    w.probe({ name: 'far2', from: { netns: 'a' }, proto: 'tcp', dst: ip('192.0.2.1'), dport: 80, expect: { kind: 'unreachable' } });
    w.probe({ name: 'near', from: { netns: 'a' }, proto: 'tcp', dst: ip('10.0.0.7'), dport: 80 });
    w.probe({ name: 'in', on: { netns: 'a', devId: d.id }, proto: 'tcp', dst: ip('192.0.2.1'), dport: 80, src: ip('1.1.1.1') });
    const ds = w.lint();
    assert.deepEqual(codes(ds), ['NS5007']);
    assert.match(ds[0].message, /^a has no route to 192\.0\.2\.1/);
  });

  it('NS5011: a probe src that is not an address of the sender, unless ip_nonlocal_bind', () => {
    const w = new World();
    const d = w.dev('a', 'eth0', true);
    w.addr('a', d, '10.0.0.1/24');
    w.probe({ name: 'spoof', from: { netns: 'a' }, proto: 'udp', dst: ip('10.0.0.2'), dport: 53, src: ip('10.0.0.9') });
    w.probe({ name: 'ok', from: { netns: 'a' }, proto: 'udp', dst: ip('10.0.0.2'), dport: 53, src: ip('10.0.0.1') });
    w.probe({ name: 'in', on: { netns: 'a', devId: d.id }, proto: 'udp', dst: ip('10.0.0.1'), dport: 53, src: ip('10.0.0.9') });
    const ds = w.lint();
    assert.deepEqual(codes(ds), ['NS5011']);
    assert.match(ds[0].message, /^src 10\.0\.0\.9 is not an address of a at the end of the file: the sender's bind\(\) fails with EADDRNOTAVAIL/);
    w.ns('a').sysctl.set('net.ipv4.ip_nonlocal_bind', '1');
    assert.deepEqual(codes(w.lint()), []);
  });

  it('NS5008: a device with addresses that is never brought up', () => {
    const w = new World();
    const d = w.dev('a', 'eth0', false);
    w.addr('a', d, '10.0.0.1/24');
    const ds = w.lint();
    assert.deepEqual(codes(ds), ['NS5008']);
    assert.equal(w.lineOf(ds[0].start), 2, 'on the address line');
    assert.equal(w.lineOf(ds[0].related![0].start), 1, 'related: the line that created it');
  });

  it('NS5009: an up veth whose peer is down', () => {
    const w = new World();
    w.veth('a', 'eth0', 'b', 'eth0', true, false);
    const ds = w.lint();
    assert.deepEqual(codes(ds), ['NS5009']);
    assert.match(ds[0].message, /^eth0 is up but its veth peer eth0 in b is down/);
  });

  it('kernel-made objects (origin -1) are never reported', () => {
    const w = new World();
    const d = addDevice(w.state, w.ns('a'), 'eth0', 'veth', -1);
    w.ns('a').addresses.push({ devId: d.id, addr: ip('10.0.0.1'), plen: 24, secondary: false, origin: -1 });
    assert.deepEqual(codes(w.lint()), []);
  });
});

describe('model: fibLookup on the configuration', () => {
  function setup(): { w: World; d: DeviceConfig } {
    const w = new World();
    const d = w.dev('a', 'eth0', true);
    w.addr('a', d, '10.0.0.1/24');
    return { w, d };
  }

  it('longest prefix, then metric; local addresses', () => {
    const { w, d } = setup();
    const r1 = w.route('a', { dst: '0.0.0.0/0', gateway: ip('10.0.0.254'), devId: d.id }, 'default');
    const r2 = w.route('a', { dst: '192.0.2.0/24', gateway: ip('10.0.0.253'), devId: d.id, metric: 10 }, 'r2');
    const r3 = w.route('a', { dst: '192.0.2.0/24', gateway: ip('10.0.0.252'), devId: d.id, metric: 5 }, 'r3');
    const look = (dst: string) => fibLookup(w.state, w.ns('a'), ip(dst));
    assert.deepEqual(look('8.8.8.8'), { kind: 'route', route: r1 });
    assert.deepEqual(look('192.0.2.9'), { kind: 'route', route: r3 });
    assert.notDeepEqual(look('192.0.2.9'), { kind: 'route', route: r2 });
    assert.deepEqual(look('10.0.0.1'), { kind: 'local' });
    assert.equal(look('10.0.0.77').kind, 'route');
  });

  it('skips unicast routes through down devices', () => {
    const { w, d } = setup();
    w.route('a', { dst: '192.0.2.0/24', devId: d.id }, 'r');
    d.up = false;
    assert.equal(fibLookup(w.state, w.ns('a'), ip('192.0.2.1')).kind, 'none');
  });

  it('policy rules: fwmark, from, throw, rule actions, oif never matches', () => {
    const { w, d } = setup();
    const ns = w.ns('a');
    const r100 = w.route('a', { table: 100, dst: '0.0.0.0/0', devId: d.id }, 't100');
    w.route('a', { table: 101, type: 'throw', dst: '192.0.2.0/24' }, 't101');
    ns.rules.push({ pref: 10, fwmark: { value: 1, mask: 0xffffffff }, action: { type: 'lookup', table: 100 }, origin: 0 });
    ns.rules.push({ pref: 11, from: { addr: ip('10.9.0.0'), len: 16 }, action: { type: 'prohibit' }, origin: 0 });
    ns.rules.push({ pref: 12, oif: 'eth0', action: { type: 'blackhole' }, origin: 0 });
    ns.rules.push({ pref: 13, action: { type: 'lookup', table: 101 }, origin: 0 });
    ns.rules.sort((x, y) => x.pref - y.pref);
    assert.deepEqual(fibLookup(w.state, ns, ip('8.8.8.8'), 0, 1), { kind: 'route', route: r100 });
    assert.deepEqual(fibLookup(w.state, ns, ip('8.8.8.8'), ip('10.9.1.1')), { kind: 'rule', action: 'prohibit' });
    assert.equal(fibLookup(w.state, ns, ip('192.0.2.1')).kind, 'none', 'throw goes on to main, which has no route');
    assert.equal(probeHasRoute(w.state, { name: 'x', from: { netns: 'a' }, proto: 'icmp', dst: ip('8.8.8.8'), mark: 1, origin: 0 }), true);
  });
});

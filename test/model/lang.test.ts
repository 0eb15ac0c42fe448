// Tests of the language's own statements (core/model/lang.ts): listen (bind/listen errno as
// verified with python3 sockets on Linux 6.18), jail blocks (bsdjail semantics from
// kernel-path.md section 7), probe parsing into ProbeSpec, and `ip netns add`.
import * as assert from 'node:assert/strict';
import type { Diagnostic } from '../../core/diagnostics/types';
import { parseIpv4 } from '../../core/kernel/config';
import { ExecContext, ModelState, StatementInfo } from '../../core/model/context';
import { buildModel } from '../../core/model/index';
import { execJailBlock, execListen, execNetnsAdd, execProbe, isLocalAddress, parseEndpoint } from '../../core/model/lang';
import { addDevice, ensureNetns, newModelState } from '../../core/model/state';
import { execSysctl } from '../../core/model/sysctl';
import { parse } from '../../core/syntax/parser';
import type { BlockNode, CommandNode } from '../../core/syntax/tree';

const ip = (s: string) => parseIpv4(s)!;

/** A state with namespaces root, a and b; `a` has eth0 (10.0.0.1/24, up). */
function fresh(): ModelState {
  const s = newModelState();
  for (const n of ['root', 'a', 'b']) ensureNetns(s, n);
  const a = s.topology.namespaces.get('a')!;
  const dev = addDevice(s, a, 'eth0', 'veth', -1);
  dev.up = true;
  a.addresses.push({ devId: dev.id, addr: ip('10.0.0.1'), plen: 24, secondary: false, origin: -1 });
  return s;
}

function run(state: ModelState, line: string, netns = 'root', jail?: string): { diags: Diagnostic[]; info: StatementInfo } {
  const cmd = parse(line).items[0] as CommandNode;
  cmd.id = state.statements.length;
  const info = new StatementInfo(cmd, netns);
  state.statements[cmd.id] = info;
  const before = state.diagnostics.length;
  const j = jail === undefined ? undefined : { addr: parseIpv4(jail), block: {} as BlockNode };
  const ctx = new ExecContext(state, info, cmd.words, cmd.words.map((_, i) => i), j);
  const w = cmd.words.map((t) => t.value);
  if (w[0] === 'listen') execListen(ctx);
  else if (w[0] === 'probe') execProbe(ctx);
  else if (w[0] === 'sysctl') execSysctl(ctx);
  else execNetnsAdd(ctx);
  return { diags: state.diagnostics.slice(before), info };
}

const codes = (ds: Diagnostic[]) => ds.map((d) => d.code);
const sockets = (s: ModelState, ns = 'a') => s.topology.namespaces.get(ns)!.sockets;

describe('model: listen', () => {
  it('adds a socket', () => {
    const s = fresh();
    assert.deepEqual(codes(run(s, 'listen tcp 10.0.0.1:80', 'a').diags), []);
    assert.deepEqual(codes(run(s, 'listen udp 0.0.0.0:53', 'a').diags), []);
    assert.deepEqual(sockets(s).map((x) => [x.proto, x.addr, x.port, x.jail]), [['tcp', ip('10.0.0.1'), 80, undefined], ['udp', 0, 53, undefined]]);
  });

  it('EADDRINUSE for TCP: same address, and wildcard vs specific in both orders (verified on the kernel)', () => {
    for (const [first, second] of [['0.0.0.0:80', '10.0.0.1:80'], ['10.0.0.1:80', '0.0.0.0:80'], ['10.0.0.1:80', '10.0.0.1:80']]) {
      const s = fresh();
      run(s, `listen tcp ${first}`, 'a');
      const r = run(s, `listen tcp ${second}`, 'a');
      assert.deepEqual(codes(r.diags), ['NS4022'], `${first} then ${second}`);
      assert.equal(r.diags[0].related?.length, 1);
      assert.equal(sockets(s).length, 1);
    }
    const s = fresh();
    run(s, 'listen tcp 10.0.0.1:80', 'a');
    assert.deepEqual(codes(run(s, 'listen udp 10.0.0.1:80', 'a').diags), [], 'tcp and udp coexist');
    assert.deepEqual(codes(run(s, 'listen tcp 10.0.0.1:81', 'a').diags), []);
    // UDP with SO_REUSEADDR (as listeners set it): both bind, with a warning (verified on the kernel)
    const u = run(s, 'listen udp 0.0.0.0:80', 'a');
    assert.deepEqual(codes(u.diags), ['NS4026']);
    assert.equal(u.info.failed, false);
    assert.equal(sockets(s).filter((x) => x.proto === 'udp' && x.port === 80).length, 2);
    assert.equal(u.diags[0].related?.[0].message, 'the other socket');
  });

  it('EADDRNOTAVAIL for an address the namespace does not have, unless ip_nonlocal_bind', () => {
    const s = fresh();
    const r = run(s, 'listen tcp 10.9.9.9:80', 'a');
    assert.deepEqual(codes(r.diags), ['NS4023']);
    assert.match(r.diags[0].message, /^bind 10\.9\.9\.9: Cannot assign requested address \(EADDRNOTAVAIL\)/);
    // lo is down in a fresh namespace, so it has no 127.0.0.1 (verified)
    assert.deepEqual(codes(run(s, 'listen tcp 127.0.0.1:80', 'a').diags), ['NS4023']);
    run(s, 'sysctl -w net.ipv4.ip_nonlocal_bind=1', 'a');
    assert.deepEqual(codes(run(s, 'listen tcp 10.9.9.9:80', 'a').diags), []);
  });

  it('isLocalAddress: addresses, local routes, broadcast and multicast', () => {
    const s = fresh();
    const a = s.topology.namespaces.get('a')!;
    assert.equal(isLocalAddress(a, ip('10.0.0.1')), true);
    assert.equal(isLocalAddress(a, ip('10.0.0.2')), false);
    assert.equal(isLocalAddress(a, 0), true);
    assert.equal(isLocalAddress(a, ip('255.255.255.255')), true);
    assert.equal(isLocalAddress(a, ip('224.0.0.1')), true);
    a.routes.push({ table: 255, type: 'local', dst: { addr: ip('127.0.0.0'), len: 8 }, metric: 0, scope: 'host', proto: 'kernel', origin: -1 });
    assert.equal(isLocalAddress(a, ip('127.0.0.5')), true);
  });

  it('usage errors and bad endpoints', () => {
    const s = fresh();
    assert.deepEqual(codes(run(s, 'listen tcp', 'a').diags), ['NS4020']);
    assert.deepEqual(codes(run(s, 'listen sctp 10.0.0.1:80', 'a').diags), ['NS4020']);
    assert.deepEqual(codes(run(s, 'listen tcp 10.0.0.1', 'a').diags), ['NS4020']);
    assert.deepEqual(codes(run(s, 'listen tcp 10.0.0.1:80 extra', 'a').diags), ['NS4020']);
    assert.deepEqual(codes(run(s, 'listen tcp 10.0.0.256:80', 'a').diags), ['NS4021']);
    assert.deepEqual(codes(run(s, 'listen tcp 10.0.0.1:0', 'a').diags), ['NS4021']);
    assert.deepEqual(codes(run(s, 'listen tcp 10.0.0.1:65536', 'a').diags), ['NS4021']);
    assert.deepEqual(codes(run(s, 'listen tcp 10.0.0.1:http', 'a').diags), ['NS4021']);
    assert.equal(sockets(s).length, 0);
    assert.deepEqual(parseEndpoint('1.2.3.4:5'), { addr: ip('1.2.3.4'), port: 5, hasPort: true, addrText: '1.2.3.4', portText: '5' });
  });
});

describe('model: jail', () => {
  it('bind to another address is EPERM; the jail address works and is recorded', () => {
    const s = fresh();
    const a = s.topology.namespaces.get('a')!;
    a.addresses.push({ devId: a.devices.get('eth0')!.id, addr: ip('10.0.0.9'), plen: 24, secondary: true, origin: -1 });
    assert.deepEqual(codes(run(s, 'listen tcp 10.0.0.1:22', 'a', '10.0.0.9').diags), ['NS4024']);
    assert.deepEqual(codes(run(s, 'listen tcp 10.0.0.9:22', 'a', '10.0.0.9').diags), []);
    assert.equal(sockets(s)[0].jail, ip('10.0.0.9'));
  });

  it('TCP on 0.0.0.0 or 127.0.0.1 binds but listen() is EPERM; UDP on 0.0.0.0 is fine', () => {
    const s = fresh();
    const r = run(s, 'listen tcp 0.0.0.0:80', 'a', '10.0.0.1');
    assert.deepEqual(codes(r.diags), ['NS4025']);
    assert.match(r.diags[0].message, /Operation not permitted \(EPERM\)/);
    run(s, 'sysctl -w net.ipv4.ip_nonlocal_bind=1', 'a');
    assert.deepEqual(codes(run(s, 'listen tcp 127.0.0.1:80', 'a', '10.0.0.1').diags), ['NS4025']);
    assert.deepEqual(codes(run(s, 'listen udp 0.0.0.0:53', 'a', '10.0.0.1').diags), []);
    assert.equal(sockets(s)[0].jail, ip('10.0.0.1'));
  });

  it('jail headers: invalid address is an error, an address the namespace lacks a warning', () => {
    const s = fresh();
    const blk = (addr: string) => (parse(`jail ${addr} {\n}\n`).items[0] as BlockNode);
    execJailBlock(s, blk('10.0.0.300'), 'a', undefined);
    execJailBlock(s, blk('0.0.0.0'), 'a', 0);
    execJailBlock(s, blk('10.0.0.7'), 'a', ip('10.0.0.7'));
    execJailBlock(s, blk('10.0.0.1'), 'a', ip('10.0.0.1'));
    assert.deepEqual(codes(s.diagnostics), ['NS4030', 'NS4030', 'NS4031']);
    assert.equal(s.diagnostics[2].severity, 'warning');
  });

  it('in a whole file: a command other than listen in a jail is NS4003, listen runs jailed', () => {
    const m = buildModel('namespace s {\n  jail 10.0.0.2 {\n    sysctl -w net.ipv4.ip_forward=1\n    listen tcp 10.0.0.3:80\n  }\n}\n');
    assert.deepEqual(codes(m.diagnostics), ['NS4031', 'NS4003', 'NS4024']);
  });
});

describe('model: ip netns add', () => {
  it('a second add of the same name is an error like ip\'s', () => {
    const s = fresh();
    assert.deepEqual(codes(run(s, 'ip netns add a').diags), []);
    const r = run(s, 'ip netns add a');
    assert.deepEqual(codes(r.diags), ['NS4004']);
    assert.equal(r.diags[0].message.startsWith('Cannot create namespace file "/run/netns/a": File exists'), true);
    assert.equal(r.diags[0].related?.length, 1);
    assert.deepEqual(codes(run(s, 'ip netns add root').diags), ['NS4004']);
    assert.deepEqual(codes(run(s, 'ip netns add').diags), ['NS4002']);
    assert.deepEqual(codes(run(s, 'ip netns add a/b').diags), ['NS1010']);
  });

  it('in a whole file, an added namespace is usable before and after its line', () => {
    const m = buildModel('probe p from x icmp 10.0.0.1\nip netns add x\nip netns add x\n');
    assert.deepEqual(codes(m.diagnostics).filter((c) => c !== 'NS5007'), ['NS4004']);
    assert.ok(m.symbols.some((x) => x.key === 'netns:x' && x.isDefinition));
  });
});

describe('model: probe', () => {
  it('parses the from form with every option', () => {
    const s = fresh();
    const r = run(s, 'probe web from a jail 10.0.0.1 tcp 10.0.0.2:80 sport 4000 src 10.0.0.1 ttl 3 mark 0x10 expect delivered in b');
    assert.deepEqual(codes(r.diags), []);
    assert.deepEqual(s.probes, [{
      name: 'web', origin: 0, from: { netns: 'a', jail: ip('10.0.0.1') }, proto: 'tcp', dst: ip('10.0.0.2'), dport: 80,
      sport: 4000, src: ip('10.0.0.1'), ttl: 3, mark: 16, expect: { kind: 'delivered', netns: 'b' },
    }]);
    assert.deepEqual(r.info.roles, ['command', 'probe', 'keyword', 'netns', 'keyword', 'address', 'proto', 'address',
      'keyword', 'port', 'keyword', 'address', 'keyword', 'number', 'keyword', 'number', 'keyword', 'outcome', 'keyword', 'netns']);
    assert.ok(s.symbols.some((x) => x.key === 'probe:web' && x.isDefinition));
    assert.equal(s.symbols.filter((x) => x.kind === 'netns').length, 2);
  });

  it('parses the on form and refers to the device', () => {
    const s = fresh();
    const r = run(s, 'probe in1 on a eth0 udp 10.0.0.1:53 src 10.0.0.2 expect refused');
    assert.deepEqual(codes(r.diags), []);
    const dev = s.topology.namespaces.get('a')!.devices.get('eth0')!;
    assert.deepEqual(s.probes[0].on, { netns: 'a', devId: dev.id });
    assert.ok(s.symbols.some((x) => x.key === `device:${dev.id}` && !x.isDefinition && x.netns === 'a'));
    assert.equal(s.probes[0].from, undefined);
  });

  it('icmp without a port', () => {
    const s = fresh();
    assert.deepEqual(codes(run(s, 'probe ping from a icmp 10.0.0.2 expect dropped').diags), []);
    assert.equal(s.probes[0].dport, undefined);
  });

  const errors: Array<[string, string[]]> = [
    ['probe', ['NS4040']],
    ['probe x', ['NS4040']],
    ['probe x to a tcp 1.2.3.4:1', ['NS4040']],
    ['probe x from nowhere tcp 1.2.3.4:1', ['NS4001']],
    ['probe x from a sctp 1.2.3.4:1', ['NS4042']],
    ['probe x from a tcp 1.2.3.4', ['NS4043']],
    ['probe x from a icmp 1.2.3.4:7', ['NS4044']],
    ['probe x from a icmp 1.2.3.4 sport 5', ['NS4044']],
    ['probe x from a tcp 1.2.3.4:1 expect delivred', ['NS4045']],
    ['probe x from a tcp 1.2.3.4:1 expect delivered in nowhere', ['NS4001']],
    ['probe x from a tcp 1.2.3.4:1 ttl 0', ['NS4046']],
    ['probe x from a tcp 1.2.3.4:1 mark 0x100000000', ['NS4046']],
    ['probe x from a tcp 1.2.3.4:1 sport 70000', ['NS4046']],
    ['probe x on a eth9 tcp 1.2.3.4:1 src 1.1.1.1', ['NS4047']],
    ['probe x on a eth0 tcp 1.2.3.4:1', ['NS4048']],
    ['probe x from a tcp 1.2.3.4:1 ttl 3 ttl 4', ['NS4049']],
    ['probe x from a tcp 1.2.3.400:1', ['NS4021']],
    ['probe x from a tcp 1.2.3.4:1 src 1.2.3', ['NS4021']],
    ['probe x from a jail 0.0.0.0 tcp 1.2.3.4:1', ['NS4030']],
    ['probe x from a tcp 1.2.3.4:1 bogus 1', ['NS4040']],
    ['probe x from a tcp 1.2.3.4:1 ttl', ['NS4040']],
  ];
  for (const [line, want] of errors) {
    it(`error: ${line}`, () => {
      const s = fresh();
      const r = run(s, line);
      assert.deepEqual(codes(r.diags), want);
      assert.equal(s.probes.length, 0, 'a failing probe is not added');
    });
  }

  it('suggests the nearest outcome and device', () => {
    const s = fresh();
    assert.match(run(s, 'probe x from a tcp 1.2.3.4:1 expect delivred').diags[0].message, /did you mean 'delivered'/);
    assert.match(run(s, 'probe y on a eth1 tcp 1.2.3.4:1 src 1.1.1.1').diags[0].message, /^Cannot find device "eth1" in a \(did you mean 'eth0'\?\)/);
  });

  it('a duplicate name is an error pointing at the first', () => {
    const s = fresh();
    run(s, 'probe p from a icmp 10.0.0.2');
    const r = run(s, 'probe p from a icmp 10.0.0.3');
    assert.deepEqual(codes(r.diags), ['NS4041']);
    assert.equal(r.diags[0].related?.[0].message, "probe 'p' is defined here");
    assert.equal(s.probes.length, 1);
  });
});

// Tests of the sysctl executor (core/model/sysctl.ts): parsing of sysctl(8)'s forms, the
// kernel's write semantics (forwarding propagation, per-device copies), value checks and the
// diagnostics. Expected behaviour was verified with procps sysctl on Linux 6.18 in throwaway
// namespaces (see the header of core/model/sysctl.ts).
import * as assert from 'node:assert/strict';
import type { Diagnostic } from '../../core/diagnostics/types';
import { ExecContext, ModelState, StatementInfo } from '../../core/model/context';
import { addDevice, ensureNetns, newModelState } from '../../core/model/state';
import { buildModel } from '../../core/model/index';
import { execSysctl, parseSysctlValue, resolveKey, splitKey } from '../../core/model/sysctl';
import { CONF_KEYS, GLOBAL_KEYS } from '../../core/model/sysctl-defaults';
import { parse } from '../../core/syntax/parser';
import type { CommandNode } from '../../core/syntax/tree';

function fresh(): ModelState {
  const s = newModelState();
  ensureNetns(s, 'root');
  return s;
}

/** Runs one sysctl line in namespace `netns`; returns its diagnostics and statement info. */
function run(state: ModelState, line: string, netns = 'root'): { diags: Diagnostic[]; info: StatementInfo; text: string } {
  const cmd = parse(line).items[0] as CommandNode;
  cmd.id = state.statements.length;
  const info = new StatementInfo(cmd, netns);
  state.statements[cmd.id] = info;
  const before = state.diagnostics.length;
  execSysctl(new ExecContext(state, info, cmd.words, cmd.words.map((_, i) => i)));
  return { diags: state.diagnostics.slice(before), info, text: line };
}

const codes = (ds: Diagnostic[]) => ds.map((d) => d.code);
const get = (s: ModelState, k: string, ns = 'root') => s.topology.namespaces.get(ns)!.sysctl.get(k);

describe('model: sysctl', () => {
  it('a fresh namespace has the defaults, also for lo', () => {
    const s = fresh();
    for (const [k, v] of GLOBAL_KEYS) assert.equal(get(s, k), v, k);
    for (const [k, v] of CONF_KEYS) assert.equal(get(s, `net.ipv4.conf.lo.${k}`), v);
    assert.equal(get(s, 'net.ipv4.ip_default_ttl'), '64');
    assert.equal(get(s, 'net.bridge.bridge-nf-call-iptables'), '1');
  });

  it('ip_forward=1 sets all, default and every existing device (kernel: conf.eth0.forwarding follows)', () => {
    const s = fresh();
    const ns = s.topology.namespaces.get('root')!;
    addDevice(s, ns, 'eth0', 'veth', 0);
    const r = run(s, 'sysctl -w net.ipv4.ip_forward=1');
    assert.deepEqual(codes(r.diags), []);
    for (const k of ['net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding', 'net.ipv4.conf.default.forwarding',
      'net.ipv4.conf.eth0.forwarding', 'net.ipv4.conf.lo.forwarding']) assert.equal(get(s, k), '1', k);
    // A device created later copies conf.default.
    addDevice(s, ns, 'eth1', 'veth', 1);
    assert.equal(get(s, 'net.ipv4.conf.eth1.forwarding'), '1');
  });

  it('conf.all.forwarding=0 is the same switch as ip_forward', () => {
    const s = fresh();
    const ns = s.topology.namespaces.get('root')!;
    addDevice(s, ns, 'eth0', 'veth', 0);
    run(s, 'sysctl -w net.ipv4.ip_forward=1');
    run(s, 'sysctl -w net.ipv4.conf.all.forwarding=0');
    for (const k of ['net.ipv4.ip_forward', 'net.ipv4.conf.default.forwarding', 'net.ipv4.conf.eth0.forwarding']) assert.equal(get(s, k), '0', k);
  });

  it('conf.default changes only default; new devices copy it; conf.DEV changes only that device', () => {
    const s = fresh();
    const ns = s.topology.namespaces.get('root')!;
    addDevice(s, ns, 'eth0', 'veth', 0);
    run(s, 'sysctl -w net.ipv4.conf.default.forwarding=1');
    assert.equal(get(s, 'net.ipv4.ip_forward'), '0');
    assert.equal(get(s, 'net.ipv4.conf.eth0.forwarding'), '0');
    addDevice(s, ns, 'eth1', 'veth', 1);
    assert.equal(get(s, 'net.ipv4.conf.eth1.forwarding'), '1');
    run(s, 'sysctl -w net.ipv4.conf.eth0.rp_filter=2');
    assert.equal(get(s, 'net.ipv4.conf.eth0.rp_filter'), '2');
    assert.equal(get(s, 'net.ipv4.conf.eth1.rp_filter'), '0');
    assert.equal(get(s, 'net.ipv4.conf.all.rp_filter'), '0');
  });

  it('conf.all.rp_filter does not touch the devices', () => {
    const s = fresh();
    addDevice(s, s.topology.namespaces.get('root')!, 'eth0', 'veth', 0);
    run(s, 'sysctl -w net.ipv4.conf.all.rp_filter=1');
    assert.equal(get(s, 'net.ipv4.conf.all.rp_filter'), '1');
    assert.equal(get(s, 'net.ipv4.conf.eth0.rp_filter'), '0');
  });

  it('KEY=VALUE without -w is a write; slash separators and quotes work', () => {
    const s = fresh();
    assert.deepEqual(codes(run(s, 'sysctl net.ipv4.ip_forward=1').diags), []);
    assert.equal(get(s, 'net.ipv4.ip_forward'), '1');
    assert.deepEqual(codes(run(s, 'sysctl -w net/ipv4/ip_forward=0').diags), []);
    assert.equal(get(s, 'net.ipv4.ip_forward'), '0');
    assert.deepEqual(codes(run(s, 'sysctl -q -w net.ipv4.ip_default_ttl="32"').diags), []);
    assert.equal(get(s, 'net.ipv4.ip_default_ttl'), '32');
    assert.deepEqual(codes(run(s, "sysctl -w 'net.ipv4.ip_default_ttl = 33'").diags), []);
    assert.equal(get(s, 'net.ipv4.ip_default_ttl'), '33');
  });

  it('-w KEY without a value is invalid syntax; a bare KEY is a read (info)', () => {
    const s = fresh();
    const r = run(s, 'sysctl -w net.ipv4.ip_forward');
    assert.deepEqual(codes(r.diags), ['NS4012']);
    assert.equal(r.info.failed, true);
    const read = run(s, 'sysctl net.ipv4.ip_forward');
    assert.deepEqual(codes(read.diags), ['NS4016']);
    assert.equal(read.diags[0].severity, 'info');
    assert.equal(read.info.failed, false);
    assert.deepEqual(codes(run(s, 'sysctl -w =1').diags), ['NS4012']);
  });

  it('an unknown key is an error in sysctl\'s words', () => {
    const s = fresh();
    const r = run(s, 'sysctl -w net.ipv4.foo=1');
    assert.deepEqual(codes(r.diags), ['NS4010']);
    assert.equal(r.diags[0].message, 'sysctl: cannot stat /proc/sys/net/ipv4/foo: No such file or directory');
    const f = run(s, 'sysctl -w net.ipv4.ip_forwrd=1');
    assert.match(f.diags[0].message, /did you mean 'net\.ipv4\.ip_forward'\?/);
    const c = run(s, 'sysctl -w net.ipv4.conf.all.bogus=1');
    assert.equal(c.diags[0].message, 'sysctl: cannot stat /proc/sys/net/ipv4/conf/all/bogus: No such file or directory');
  });

  it('conf.DEV of a device absent at that line is an unknown key', () => {
    const s = fresh();
    const r = run(s, 'sysctl -w net.ipv4.conf.eth0.rp_filter=1');
    assert.deepEqual(codes(r.diags), ['NS4010']);
    assert.match(r.diags[0].message, /^sysctl: cannot stat \/proc\/sys\/net\/ipv4\/conf\/eth0\/rp_filter: No such file or directory; there is no device "eth0"/);
    addDevice(s, s.topology.namespaces.get('root')!, 'eth0', 'veth', 0);
    assert.deepEqual(codes(run(s, 'sysctl -w net.ipv4.conf.eth0.rp_filter=1').diags), []);
  });

  it('a key that exists but is not simulated is a warning and changes nothing', () => {
    const s = fresh();
    const r = run(s, 'sysctl -w net.ipv4.tcp_syncookies=1');
    assert.deepEqual(codes(r.diags), ['NS9001']);
    assert.equal(r.diags[0].severity, 'warning');
    assert.equal(r.info.failed, false);
    assert.equal(get(s, 'net.ipv4.tcp_syncookies'), undefined);
    assert.deepEqual(codes(run(s, 'sysctl -w net.ipv4.conf.lo.arp_ignore=1').diags), ['NS9001']);
    assert.deepEqual(codes(run(s, 'sysctl -w net.ipv6.conf.all.disable_ipv6=1').diags), ['NS9001']);
    // the simulator's conntrack is always loose (the kernel default 1): writing it is not simulated
    assert.deepEqual(codes(run(s, 'sysctl -w net.netfilter.nf_conntrack_tcp_loose=0').diags), ['NS9001']);
    const host = run(s, 'sysctl -w kernel.panic=1');
    assert.deepEqual(codes(host.diags), ['NS4017']);
    assert.equal(host.diags[0].severity, 'warning');
    assert.equal(get(s, 'kernel.panic'), undefined);
  });

  it('values: what the kernel accepts and stores', () => {
    const s = fresh();
    addDevice(s, s.topology.namespaces.get('root')!, 'eth0', 'veth', 0);
    // proc_dointvec: any integer (verified: rp_filter=3 and -1 are accepted)
    assert.deepEqual(codes(run(s, 'sysctl -w net.ipv4.conf.eth0.rp_filter=3').diags), []);
    assert.equal(get(s, 'net.ipv4.conf.eth0.rp_filter'), '3');
    assert.deepEqual(codes(run(s, 'sysctl -w net.ipv4.ip_forward=7').diags), []);
    assert.equal(get(s, 'net.ipv4.conf.eth0.forwarding'), '7');
    // minmax ranges
    for (const bad of ['net.ipv4.ip_default_ttl=0', 'net.ipv4.ip_default_ttl=256', 'net.ipv4.icmp_echo_ignore_all=2',
      'net.ipv4.ip_nonlocal_bind=256', 'net.ipv4.ip_nonlocal_bind=-1',
      'net.ipv4.ip_forward=abc', 'net.ipv4.ip_forward=', 'net.ipv4.ip_forward=1x', 'net.ipv4.ip_forward=99999999999']) {
      const r = run(s, `sysctl -w ${bad}`);
      assert.deepEqual(codes(r.diags), ['NS4011'], bad);
    }
    assert.match(run(s, 'sysctl -w net.ipv4.ip_default_ttl=0').diags[0].message,
      /^sysctl: setting key "net.ipv4.ip_default_ttl": Invalid argument \(expected an integer from 1 to 255\)$/);
    assert.equal(get(s, 'net.ipv4.ip_default_ttl'), '64');
    // bridge-nf-call-iptables stores a boolean (verified: 2 reads back 1)
    run(s, 'sysctl -w net.bridge.bridge-nf-call-iptables=2');
    assert.equal(get(s, 'net.bridge.bridge-nf-call-iptables'), '1');
    run(s, 'sysctl -w net.bridge.bridge-nf-call-iptables=0');
    assert.equal(get(s, 'net.bridge.bridge-nf-call-iptables'), '0');
  });

  it('several arguments are applied one by one; a bad one fails alone', () => {
    const s = fresh();
    const r = run(s, 'sysctl -w net.ipv4.ip_forward=abc net.ipv4.conf.all.rp_filter=2');
    assert.deepEqual(codes(r.diags), ['NS4011']);
    assert.equal(get(s, 'net.ipv4.conf.all.rp_filter'), '2');
    assert.equal(r.info.failed, true);
  });

  it('options: -e skips unknown keys with a warning, unknown options and missing arguments are errors', () => {
    const s = fresh();
    const e = run(s, 'sysctl -e -w net.ipv4.foo=1');
    assert.deepEqual(codes(e.diags), ['NS4014']);
    assert.equal(e.info.failed, false);
    assert.deepEqual(codes(run(s, 'sysctl -z net.ipv4.ip_forward=1').diags), ['NS4013']);
    assert.equal(run(s, 'sysctl -z net.ipv4.ip_forward=1').diags[0].message.startsWith("sysctl: invalid option -- 'z'"), true);
    assert.deepEqual(codes(run(s, 'sysctl -w').diags), ['NS4015']);
    assert.deepEqual(codes(run(s, 'sysctl -p').diags), ['NS9001']);
    assert.deepEqual(codes(run(s, 'sysctl --write net.ipv4.ip_forward=1').diags), []);
    assert.deepEqual(codes(run(s, 'sysctl -qw net.ipv4.ip_forward=1').diags), []);
  });

  it('roles and the device reference inside a conf key', () => {
    const s = fresh();
    const dev = addDevice(s, s.topology.namespaces.get('root')!, 'eth0', 'veth', 0);
    const line = 'sysctl -w net.ipv4.conf.eth0.rp_filter=1';
    const r = run(s, line);
    assert.deepEqual(r.info.roles, ['command', 'option', 'sysctl-key']);
    const sym = s.symbols.find((x) => x.key === `device:${dev.id}`);
    assert.ok(sym);
    assert.equal(line.slice(sym.start, sym.end), 'eth0');
    assert.equal(sym.isDefinition, false);
  });

  it('helpers: splitKey, resolveKey, parseSysctlValue', () => {
    assert.deepEqual(splitKey('net/ipv4/conf/eth0.100/rp_filter'), ['net', 'ipv4', 'conf', 'eth0.100', 'rp_filter']);
    assert.deepEqual(splitKey('net.ipv4.ip_forward'), ['net', 'ipv4', 'ip_forward']);
    const devs = new Map([['lo', 1]]);
    assert.equal(resolveKey(splitKey('net.ipv4.conf.lo.forwarding'), devs).kind, 'conf');
    assert.equal(resolveKey(splitKey('net.ipv4.neigh.lo.locktime'), devs).kind, 'exists');
    assert.equal(resolveKey(splitKey('net.ipv4.neigh.default.locktime'), devs).kind, 'unknown');
    assert.deepEqual(parseSysctlValue(' 5 ', { kind: 'int' }), { value: '5' });
    assert.deepEqual(parseSysctlValue('-1', { kind: 'bool' }), { value: '1' });
    assert.ok('error' in parseSysctlValue('2', { kind: 'range', min: 0, max: 1 }));
  });

  describe('with the ip executor (whole files)', () => {
    it('devices created after ip_forward=1 copy forwarding from conf.default', () => {
      const m = buildModel('namespace r {\n  ip link add eth0 type veth peer name eth1\n  sysctl -w net.ipv4.ip_forward=1\n  ip link add eth2 type veth peer name eth3\n}\n');
      assert.deepEqual(m.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), []);
      const sc = m.topology.namespaces.get('r')!.sysctl;
      for (const d of ['eth0', 'eth1', 'eth2', 'eth3', 'lo']) assert.equal(sc.get(`net.ipv4.conf.${d}.forwarding`), '1', d);
    });

    it('a device moved into a namespace takes that namespace\'s conf.default (verified on the kernel)', () => {
      const m = buildModel([
        'namespace a {', '  ip link add v0 type veth peer name v1', '  sysctl -w net.ipv4.conf.v1.rp_filter=1', '}',
        'namespace b {', '  sysctl -w net.ipv4.conf.default.rp_filter=2', '}',
        'namespace a {', '  ip link set v1 netns b', '  sysctl -w net.ipv4.conf.v1.rp_filter=1', '}', '',
      ].join('\n'));
      assert.equal(m.topology.namespaces.get('b')!.sysctl.get('net.ipv4.conf.v1.rp_filter'), '2');
      assert.equal(m.topology.namespaces.get('a')!.sysctl.get('net.ipv4.conf.v1.rp_filter'), undefined);
      // after the move, conf.v1 no longer exists in a
      assert.deepEqual(m.diagnostics.map((d) => d.code), ['NS4010']);
    });
  });
});

// Unit tests of `netns-dbg import` on recorded tool outputs (test/fixtures/import/*.json, captured
// once from throwaway namespaces on the real kernel by capture-fixtures.ts): the .netns text
// (goldens), that it checks without errors, that the simulator gives the original file's probes
// the same outcome and trace, what is left out and what is kept as a `not imported` comment, the
// sysctl correction and checker safety net, and the CLI command with a fake tool runner
// (refusals: no names, unknown names, the host's own namespace). No root needed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, UsageError } from '../../cli/args';
import { IMPORT_OPTIONS, importCommand, refuseName, snapshotNamespace, ToolResult, ToolRunner } from '../../cli/import';
import type { Io } from '../../cli/io';
import { run } from '../../cli/run';
import { importNamespaces, outName, sysctlPaths } from '../../core/import/index';
import { NamespaceSnapshot, readListeners, readSysctl } from '../../core/import/snapshot';
import { formatText } from '../../core/ide/format';
import { buildModel } from '../../core/model/index';
import { assertGolden, fixturePath, repoRoot } from '../util/golden';
import { traceDifferences, withProbes } from './roundtrip';

interface Fixture {
  source: string;
  prefix: string;
  snapshots: NamespaceSnapshot[];
}

const FIXTURES = ['nat-router', 'bridge', 'policy-routing', 'static-neigh', 'user-chain', 'edits', 'router-only', 'odd'];

function load(name: string): Fixture {
  return JSON.parse(fs.readFileSync(fixturePath('import', `${name}.json`), 'utf8')) as Fixture;
}

function imported(name: string): string {
  const f = load(name);
  return importNamespaces(f.snapshots, { prefix: f.prefix }).text;
}

function errorsOf(text: string): string[] {
  return buildModel(text).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`);
}

/** A snapshot of one namespace with only what a test sets; the rest as an empty namespace prints it. */
function snap(name: string, parts: Partial<NamespaceSnapshot>): NamespaceSnapshot {
  return {
    name,
    link: '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK"],"mtu":65536,"link_type":"loopback"}]',
    addr: '[]',
    route: '[]',
    rule: '[{"priority":0,"src":"all","table":"local"},{"priority":32766,"src":"all","table":"main"},{"priority":32767,"src":"all","table":"default"}]',
    neigh: '[]',
    nsids: '[]',
    iptablesSave: '',
    sysctl: '',
    ...parts,
  };
}

describe('import: recorded snapshots to .netns', () => {
  for (const name of FIXTURES) {
    it(`${name}: golden text, and it checks without errors`, () => {
      const text = imported(name);
      assertGolden(fixturePath('import', `${name}.netns`), text);
      assert.deepEqual(errorsOf(text), []);
      assert.deepEqual(importNamespaces(load(name).snapshots, { prefix: load(name).prefix }).rejected, []);
    });
  }

  it('writes the canonical layout (netns-dbg fmt leaves the files unchanged)', () => {
    for (const name of FIXTURES) {
      const text = imported(name);
      assert.equal(formatText(text), text, name);
    }
  });

  for (const name of FIXTURES.filter((n) => n !== 'odd' && n !== 'router-only')) {
    it(`${name}: the simulator gives the original's probes the same outcomes and traces`, () => {
      const f = load(name);
      const original = buildModel(fs.readFileSync(path.join(repoRoot, f.source), 'utf8'));
      assert.ok(original.probes.length > 0);
      const model = buildModel(withProbes(imported(name), original));
      assert.equal(model.probes.length, original.probes.length);
      assert.deepEqual(traceDifferences(original, model), []);
    });
  }

  it('the trace comparison notices a lost rule (it can fail)', () => {
    const f = load('nat-router');
    const original = buildModel(fs.readFileSync(path.join(repoRoot, f.source), 'utf8'));
    const text = imported('nat-router').replace(/^.*MASQUERADE.*$/m, '');
    const diffs = traceDifferences(original, buildModel(withProbes(text, original)));
    assert.ok(diffs.length > 0);
    assert.match(diffs.join('\n'), /probe web/);
  });

  it('creates a veth pair once, from the namespace that comes first, and strips the prefix', () => {
    const text = imported('nat-router');
    assert.equal((text.match(/type veth/g) ?? []).length, 2);
    assert.match(text, /namespace client \{\n {4}ip link add eth0 type veth peer name c0 netns router\n/);
    assert.match(text, /^ {4}ip link add s0 type veth peer name eth0 netns server$/m);
    assert.doesNotMatch(text, /ndimp\d+c0-(client|router|server|root) \{/);
    assert.match(text, /^namespace router \{$/m);
  });

  it('leaves out what the system made itself: lo\'s 127.0.0.1/8, connected and local routes, default rules, link-local IPv6', () => {
    for (const name of FIXTURES) {
      const text = imported(name).split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
      assert.doesNotMatch(text, /127\.0\.0\.1/);
      assert.doesNotMatch(text, /^\s*ip route add 10\.0\.\d\.0\/24 dev/m, name);
      assert.doesNotMatch(text, /table local.*proto kernel|broadcast 10\./);
      assert.doesNotMatch(text, /pref (0|32766|32767)\b/);
      assert.doesNotMatch(text, /fe80::/);
    }
  });

  it('keeps the rest: bridges and ports, sysctls that differ, rules, routes in tables, neighbours with the MAC they name', () => {
    const bridge = imported('bridge');
    assert.match(bridge, /ip link add br0 type bridge\n(.*\n)*? {4}ip link set p1 master br0\n/);
    assert.match(bridge, /iptables -A FORWARD -d 10\.0\.0\.3\/32 -i br0 -o br0 -j DROP/);
    const pr = imported('policy-routing');
    assert.match(pr, /ip route add default via 10\.2\.0\.1 dev eth1 table 100/);
    assert.match(pr, /ip rule add fwmark 0x1 pref 1000 lookup 100/);
    assert.match(pr, /iptables -t mangle -A OUTPUT -p tcp -m tcp --dport 443 -j MARK --set-xmark 0x1\/0xffffffff/);
    assert.match(pr, /ip addr add 198\.51\.100\.1\/32 dev lo/);
    const sn = imported('static-neigh');
    assert.match(sn, /sysctl -w net\.ipv4\.conf\.all\.rp_filter=1/);
    assert.match(sn, /ip link set c0 address 02:00:00:00:01:01/);
    assert.match(sn, /ip neigh add 10\.0\.1\.1 lladdr 02:00:00:00:01:01 dev eth0/);
    // Only the MAC a neighbour names is pinned; veths keep their random ones otherwise.
    assert.equal((sn.match(/ address /g) ?? []).length, 1);
    const uc = imported('user-chain');
    assert.match(uc, /iptables -N \S+/);
  });

  it('keeps what it cannot represent as "not imported" comments', () => {
    const f = load('odd');
    const r = importNamespaces(f.snapshots, { prefix: f.prefix });
    const text = r.text;
    for (const re of [
      /# not imported: device mv0 \(type macvlan\)/,
      /# not imported: IPv6 address 2001:db8::1\/64 on v0/,
      /# not imported: route 10\.8\.0\.0\/16 \(nexthops:/,
      /# not imported: IPv6 route: ip route add 2001:db8:1::\/64/,
      /# not imported: rule pref 1003 \(ipproto/,
      /# not imported: nftables table inet other/,
      /# not imported: udp socket \*:53 \(not IPv4\)/,
      /# not imported: veth x0's peer: its peer is in namespace b, which is not imported/,
    ]) assert.match(text, re);
    assert.equal(r.notImported.length, (text.match(/^\s*# not imported/gm) ?? []).length);
    // ...and what it can.
    for (const line of [
      'ip link add x0 type veth peer name if2 netns b',
      'ip link set v0 mtu 1400',
      'sysctl -w net.ipv4.icmp_echo_ignore_all=1',
      'sysctl -w net.ipv4.conf.all.rp_filter=2',
      'sysctl -w net.ipv4.conf.v0.accept_local=1',
      'ip addr add 10.0.0.5/24 dev v0',
      'ip route add unreachable 10.7.0.0/16 table 100',
      'ip route add local 10.6.0.0/16 dev lo table local',
      'ip route add 10.9.0.0/16 via 10.0.0.2 dev v0 proto static metric 5',
      'ip rule add not from 10.0.0.0/24 fwmark 0x1/0xff pref 1002 prohibit',
      'ip neigh add 10.0.0.9 lladdr 02:00:00:00:00:09 dev v0',
      'iptables -N LOGDROP',
      'iptables -A LOGDROP -m comment --comment "two words" -j DROP',
      'listen tcp 10.0.0.1:8080',
    ]) assert.ok(text.includes(`    ${line}\n`), line);
    // The veth pair inside one namespace is created once.
    assert.equal((text.match(/peer name v[01]\b/g) ?? []).length, 1);
  });

  it('a namespace imported alone gets stub blocks for its veth peers', () => {
    const text = imported('router-only');
    assert.match(text, /^namespace client \{\n {4}# not imported: namespace client: only the peer ends/m);
    assert.match(text, /ip link add c0 type veth peer name if2 netns client/);
    assert.deepEqual(errorsOf(text), []);
  });

  it('a veth whose peer is in a namespace without an ip netns name (the host\'s) gets an "outside" stub', () => {
    const s = snap('c1', {
      link: '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK"],"mtu":65536,"link_type":"loopback"},{"ifindex":2,"link_index":7,"ifname":"eth0","flags":["UP"],"mtu":1500,"link_netnsid":0,"linkinfo":{"info_kind":"veth"}}]',
      nsids: '[{"nsid":0}]',
      addr: '[{"ifindex":2,"ifname":"eth0","addr_info":[{"family":"inet","local":"172.17.0.2","prefixlen":16,"scope":"global","label":"eth0"}]}]',
      route: '[{"dst":"default","gateway":"172.17.0.1","dev":"eth0","flags":[]}]',
    });
    const r = importNamespaces([s]);
    assert.match(r.text, /ip link add eth0 type veth peer name if7 netns outside/);
    assert.match(r.text, /# not imported: veth eth0's peer: its peer is in a namespace without an ip netns name/);
    assert.match(r.text, /^namespace outside \{$/m);
    assert.match(r.text, /ip route add default via 172\.17\.0\.1 dev eth0/);
    assert.deepEqual(r.namespaces, ['c1', 'outside']);
    assert.deepEqual(errorsOf(r.text), []);
  });

  it('without --prefix the names stay as ip netns shows them', () => {
    const f = load('nat-router');
    const r = importNamespaces(f.snapshots);
    assert.ok(r.namespaces.every((n) => n.startsWith(`${f.prefix}-`)), r.namespaces.join(' '));
    assert.deepEqual(errorsOf(r.text), []);
  });

  it('outName strips PREFIX- (or a prefix ending in - or .) and nothing else', () => {
    assert.equal(outName('nd1-router', 'nd1'), 'router');
    assert.equal(outName('nd1.router', 'nd1.'), 'router');
    assert.equal(outName('other', 'nd1'), 'other');
    assert.equal(outName('nd1-', 'nd1'), 'nd1-');
    assert.equal(outName('nd1-router', undefined), 'nd1-router');
  });

  it('reads sysctl output, dots inside device names included (sysctl prints them as /)', () => {
    const m = readSysctl('net.ipv4.conf.a/5.rp_filter = 2\nnet.ipv4.ip_forward = 1\ngarbage\n');
    assert.equal(m.get('net.ipv4.conf.a.5.rp_filter'), '2');
    assert.equal(m.get('net.ipv4.ip_forward'), '1');
    assert.equal(m.size, 2);
    const paths = sysctlPaths('[{"ifindex":1,"ifname":"lo"},{"ifindex":2,"ifname":"a.5"}]');
    assert.ok(paths.includes('net/ipv4/conf/a.5/rp_filter'));
    assert.ok(paths.includes('net/ipv4/ip_forward'));
    assert.ok(paths.includes('net/bridge/bridge-nf-call-iptables'));
  });

  it('reads ss listeners', () => {
    assert.deepEqual(readListeners('tcp LISTEN 0 64 0.0.0.0:80 0.0.0.0:*\nudp UNCONN 0 0 *:53 *:*\n\n'), [
      { proto: 'tcp', local: '0.0.0.0:80' },
      { proto: 'udp', local: '*:53' },
    ]);
  });

  it('corrects sysctls the propagation of ip_forward would get wrong', () => {
    // ip_forward=1 sets conf.default.forwarding too; here default was set back to 0 afterwards.
    const s = snap('r', {
      link: '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK"],"mtu":65536,"link_type":"loopback"},{"ifindex":2,"link":"v1","ifname":"v0","flags":["UP"],"mtu":1500,"linkinfo":{"info_kind":"veth"}},{"ifindex":3,"link":"v0","ifname":"v1","flags":["UP"],"mtu":1500,"linkinfo":{"info_kind":"veth"}}]',
      sysctl: 'net.ipv4.ip_forward = 1\nnet.ipv4.conf.all.forwarding = 1\nnet.ipv4.conf.default.forwarding = 0\nnet.ipv4.conf.v0.forwarding = 1\nnet.ipv4.conf.v1.forwarding = 0\nnet.ipv4.conf.lo.forwarding = 1\n',
    });
    const r = importNamespaces([s]);
    assert.deepEqual(errorsOf(r.text), []);
    const sys = buildModel(r.text).topology.namespaces.get('r')!.sysctl;
    assert.equal(sys.get('net.ipv4.ip_forward'), '1');
    assert.equal(sys.get('net.ipv4.conf.default.forwarding'), '0');
    assert.equal(sys.get('net.ipv4.conf.v0.forwarding'), '1');
    assert.equal(sys.get('net.ipv4.conf.v1.forwarding'), '0');
    assert.equal(sys.get('net.ipv4.conf.lo.forwarding'), '1');
  });

  it('turns a line the checker rejects into a comment, so the file always checks', () => {
    // A route through a gateway that no connected route reaches (the device is down here).
    const s = snap('x', {
      link: '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK"],"mtu":65536,"link_type":"loopback"},{"ifindex":2,"link":"v1","ifname":"v0","flags":[],"mtu":1500,"linkinfo":{"info_kind":"veth"}},{"ifindex":3,"link":"v0","ifname":"v1","flags":[],"mtu":1500,"linkinfo":{"info_kind":"veth"}}]',
      route: '[{"dst":"10.9.0.0/16","gateway":"10.0.0.2","dev":"v0","flags":[]}]',
    });
    const r = importNamespaces([s]);
    assert.equal(r.rejected.length, 1);
    assert.match(r.text, /# not imported \(the checker rejects it: .*\): ip route add 10\.9\.0\.0\/16 via 10\.0\.0\.2 dev v0/);
    assert.deepEqual(errorsOf(r.text), []);
  });

  it('never throws on bad tool output: each problem is a comment', () => {
    const s = snap('bad', { link: 'not json', addr: '{"a":1}', route: '[1,', rule: '', iptablesSave: '*weird\n-A X\nCOMMIT\n', failures: ['iptables-save: exit 1: boom'] });
    const r = importNamespaces([s]);
    assert.match(r.text, /# not imported: ip -j -d link show: not JSON/);
    assert.match(r.text, /# not imported: ip -j addr show: expected a JSON array/);
    assert.match(r.text, /# not imported: iptables table weird/);
    assert.match(r.text, /# not imported: could not read: iptables-save: exit 1: boom/);
    assert.match(r.text, /# not imported: sysctls \(nothing was read\)/);
    assert.deepEqual(errorsOf(r.text), []);
    assert.doesNotThrow(() => importNamespaces([]));
  });

  it('carries what later commands left behind: a deleted connected route, default conf vs older devices, an emptied table', () => {
    const text = imported('edits');
    assert.match(text, /ip addr add 10\.0\.3\.1\/24 dev s0\n\n {4}# kernel routes .*\n {4}ip route del 10\.0\.3\.0\/24 dev s0\n/);
    assert.match(text, /sysctl -w net\.ipv4\.conf\.default\.rp_filter=2\n/);
    assert.match(text, /sysctl -w net\.ipv4\.conf\.s0\.rp_filter=0\n/);
    assert.doesNotMatch(text, /tmp[01]|--dport 22|MASQUERADE/);
    assert.match(text, /iptables -t nat -P PREROUTING ACCEPT/);
    const router = buildModel(text).topology.namespaces.get('router')!;
    assert.ok(router.xtables.has('nat'));
    assert.ok(!router.routes.some((r) => r.proto === 'kernel' && r.table === 254 && r.dst.len === 24 && (r.dst.addr >>> 8) === ((10 << 16) | 3)));
  });

  it('an existing iptables table without rules is kept existing', () => {
    const s = snap('t', { iptablesSave: '*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n' });
    const r = importNamespaces([s]);
    assert.match(r.text, /iptables -t nat -P PREROUTING ACCEPT/);
    assert.ok(buildModel(r.text).topology.namespaces.get('t')!.xtables.has('nat'));
  });
});

// ------------------------------------------------------------------ the CLI command

function memIo(): Io & { stdout: string; stderr: string; files: Map<string, string> } {
  const io = {
    stdout: '',
    stderr: '',
    files: new Map<string, string>(),
    isTty: false,
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    read(): string {
      throw new Error('no reads');
    },
    write(f: string, t: string) {
      io.files.set(f, t);
    },
  };
  return io;
}

/** Answers the tool runs of snapshotNamespace from a fixture; namespace identities from a table. */
function fakeRunner(f: Fixture, ids: Record<string, string>): ToolRunner & { calls: string[] } {
  const byName = new Map(f.snapshots.map((s) => [s.name, s]));
  const calls: string[] = [];
  return {
    calls,
    nsIdentity: (p) => ids[p],
    run(cmd, args): ToolResult {
      calls.push([cmd, ...args].join(' '));
      const ok = (stdout: string | undefined): ToolResult => ({ status: 0, stdout: stdout ?? '', stderr: '' });
      if (args[0] === '-n') {
        const s = byName.get(args[1])!;
        const what = args.slice(3).filter((a) => a !== '-d').join(' ');
        const field = ({ 'link show': 'link', 'addr show': 'addr', 'route show table all': 'route', 'rule show': 'rule', 'neigh show nud permanent': 'neigh', 'netns list-id': 'nsids' } as const)[what];
        return ok(field ? s[field] : undefined);
      }
      const s = byName.get(args[2])!;
      const tool = args[3];
      if (tool === 'iptables-save') return ok(s.iptablesSave);
      if (tool === 'nft') return ok(s.nftTables);
      if (tool === 'sysctl') return ok(s.sysctl);
      if (tool === 'ss') return ok(s.listeners);
      return { status: 127, stdout: '', stderr: `${tool}: not found` };
    },
  };
}

describe('import: the CLI command', () => {
  const f = load('nat-router');
  const names = f.snapshots.map((s) => s.name);
  const ids: Record<string, string> = { '/proc/self/ns/net': '4:4026531840' };
  names.forEach((n, i) => (ids[`/run/netns/${n}`] = `4:${4026532000 + i}`));

  it('refuses to run without names (the host namespace is never imported)', () => {
    assert.throws(() => importCommand(parseArgs([], IMPORT_OPTIONS), memIo(), fakeRunner(f, ids)), (e: unknown) => e instanceof UsageError && /name at least one namespace/.test(e.message));
    const io = memIo();
    assert.equal(run(['import'], io), 2);
    assert.match(io.stderr, /netns-dbg import: name at least one namespace .*host's own namespace is never imported/);
  });

  it('refuses a name that is the host namespace, and unknown names, before reading anything', () => {
    const runner = fakeRunner(f, { ...ids, '/run/netns/hostalias': ids['/proc/self/ns/net'] });
    const io = memIo();
    assert.equal(importCommand(parseArgs(['hostalias', 'nosuch', names[0]], IMPORT_OPTIONS), io, runner), 1);
    assert.match(io.stderr, /'hostalias' is the host's own network namespace: netns-dbg import never reads it/);
    assert.match(io.stderr, /no network namespace 'nosuch'/);
    assert.deepEqual(runner.calls, []);
    assert.equal(io.stdout, '');
    assert.match(refuseName('../x', runner) ?? '', /not a namespace name/);
  });

  it('reads each namespace with the real tools and prints the import', () => {
    const runner = fakeRunner(f, ids);
    const io = memIo();
    assert.equal(importCommand(parseArgs(['--prefix', f.prefix, '--listeners', ...names], IMPORT_OPTIONS), io, runner), 0);
    assert.equal(io.stdout, importNamespaces(f.snapshots, { prefix: f.prefix, source: `namespaces ${names.join(' ')}` }).text);
    assert.match(io.stderr, /4 namespaces imported/);
    const router = `${f.prefix}-router`;
    for (const c of [
      `ip -n ${router} -j -d link show`, `ip -n ${router} -j addr show`, `ip -n ${router} -j route show table all`,
      `ip -n ${router} -j rule show`, `ip -n ${router} -j neigh show nud permanent`, `ip -n ${router} -j netns list-id`,
      `ip netns exec ${router} iptables-save`, `ip netns exec ${router} ss -Hltnu`,
    ]) assert.ok(runner.calls.includes(c), c);
    assert.ok(runner.calls.some((c) => c.startsWith(`ip netns exec ${router} sysctl net/ipv4/ip_forward `) && c.includes('net/ipv4/conf/c0/rp_filter')));
  });

  it('writes -o FILE, and without --listeners reads no sockets', () => {
    const runner = fakeRunner(f, ids);
    const io = memIo();
    assert.equal(importCommand(parseArgs(['-o', 'out.netns', names[1]], IMPORT_OPTIONS), io, runner), 0);
    assert.ok(io.files.get('out.netns')?.includes('namespace '));
    assert.equal(io.stdout, '');
    assert.ok(!runner.calls.some((c) => c.includes(' ss ')));
    assert.match(io.stderr, /into out\.netns/);
  });

  it('a tool that fails is reported and the exit status is 1', () => {
    const runner = fakeRunner(f, ids);
    const orig = runner.run;
    runner.run = (cmd, args) => (args[3] === 'iptables-save' ? { status: 1, stdout: '', stderr: 'iptables-save: boom\n' } : orig(cmd, args));
    const io = memIo();
    assert.equal(importCommand(parseArgs([names[1]], IMPORT_OPTIONS), io, runner), 1);
    assert.match(io.stderr, /could not read .*iptables-save: exit 1: iptables-save: boom/);
    assert.match(io.stdout, /# not imported: could not read: iptables-save: exit 1/);
  });

  it('snapshotNamespace fills every field from its tool', () => {
    const s = snapshotNamespace(names[1], fakeRunner(f, ids), true);
    const want = f.snapshots[1];
    for (const k of ['link', 'addr', 'route', 'rule', 'neigh', 'nsids', 'iptablesSave', 'sysctl', 'listeners'] as const) assert.equal(s[k], want[k], k);
  });

  it('is listed in the usage and has help', () => {
    const io = memIo();
    assert.equal(run(['help', 'import'], io), 0);
    assert.match(io.stdout, /Usage: netns-dbg import/);
    const io2 = memIo();
    run(['--help'], io2);
    assert.match(io2.stdout, /import NAME\.\.\./);
  });
});

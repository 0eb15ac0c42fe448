// Captures the import fixtures (test/fixtures/import/*.json) from the real kernel, once, as root:
//   node out/test/import/capture-fixtures.js [FIXTURE...]
// Each fixture is the real tools' output (cli/import.ts snapshotNamespace) for namespaces built
// from a .netns file by the export (core/export) under a unique prefix, or by a shell setup for
// what a .netns file cannot express (IPv6, macvlan, nft tables, multipath). Namespaces are
// always removed afterwards. Not a test: the unit tests (import.test.ts) read what this wrote.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildModel } from '../../core/model/index';
import { nodeRunner, snapshotNamespace } from '../../cli/import';
import { buildOnKernel, cleanupAll, cleanupOnKernel, installInterruptCleanup, repoRoot } from '../kernel/harness';

const FROM_FILES: Array<{ fixture: string; file: string; only?: string[] }> = [
  { fixture: 'nat-router', file: 'examples/02-nat-router.netns' },
  { fixture: 'bridge', file: 'examples/04-bridge.netns' },
  { fixture: 'policy-routing', file: 'examples/05-policy-routing.netns' },
  { fixture: 'static-neigh', file: 'test/kernel/cases/29b-rp-filter-strict-static-neigh.netns' },
  { fixture: 'user-chain', file: 'test/kernel/cases/15-user-chain-goto.netns' },
  { fixture: 'router-only', file: 'examples/02-nat-router.netns', only: ['router'] },
  { fixture: 'edits', file: 'test/fixtures/import/sources/edits.netns' },
];

/** What a .netns file cannot say, set up with the real tools in namespaces P-a and P-b. */
const ODD_SETUP = (p: string): string => `set -e
ip netns add ${p}-a; ip netns add ${p}-b
ip -n ${p}-a link set lo up
ip -n ${p}-a link add v0 type veth peer name v1
ip -n ${p}-a link add x0 type veth peer name y0 netns ${p}-b
ip -n ${p}-a link add mv0 link v0 type macvlan mode bridge
ip -n ${p}-a link set v0 mtu 1400
ip -n ${p}-a link set v0 up; ip -n ${p}-a link set x0 up; ip -n ${p}-b link set y0 up
ip -n ${p}-a addr add 10.0.0.1/24 dev v0
ip -n ${p}-a addr add 10.0.0.5/24 dev v0
ip -n ${p}-a addr add 2001:db8::1/64 dev v0 nodad
ip -n ${p}-a addr add 10.1.0.1/30 dev x0
ip -n ${p}-b addr add 10.1.0.2/30 dev y0
ip -n ${p}-a route add 10.9.0.0/16 via 10.0.0.2 dev v0 metric 5 proto static
ip -n ${p}-a route add 10.8.0.0/16 nexthop via 10.0.0.2 dev v0 nexthop via 10.0.0.3 dev v0
ip -n ${p}-a route add unreachable 10.7.0.0/16 table 100
ip -n ${p}-a route add local 10.6.0.0/16 dev lo table local
ip -n ${p}-a route add 2001:db8:1::/64 via 2001:db8::2 dev v0
ip -n ${p}-a rule add not from 10.0.0.0/24 fwmark 0x1/0xff pref 1002 prohibit
ip -n ${p}-a rule add from 10.0.0.0/24 lookup 100 pref 1001
ip -n ${p}-a rule add ipproto tcp lookup 100 pref 1003
ip -n ${p}-a neigh add 10.0.0.9 lladdr 02:00:00:00:00:09 dev v0 nud permanent
ip netns exec ${p}-a sysctl -q -w net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.v0.accept_local=1 net.ipv4.icmp_echo_ignore_all=1
ip netns exec ${p}-a iptables -N LOGDROP
ip netns exec ${p}-a iptables -A LOGDROP -m comment --comment "two words" -j DROP
ip netns exec ${p}-a iptables -A INPUT -p tcp --dport 22 -j LOGDROP
ip netns exec ${p}-a iptables -t mangle -F
ip netns exec ${p}-a nft add table inet other
ip netns exec ${p}-a nft add chain inet other c '{ type filter hook input priority 10; }'
ip netns exec ${p}-a /usr/bin/python3 -c 'import socket,os,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("10.0.0.1",8080)); s.listen()
u=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u.bind(("::",53))
if os.fork(): os._exit(0)
time.sleep(30)'
`;

async function main(): Promise<void> {
  installInterruptCleanup();
  const dir = path.join(repoRoot(), 'test', 'fixtures', 'import');
  fs.mkdirSync(dir, { recursive: true });
  const runner = nodeRunner();
  let n = 0;
  const only = process.argv.slice(2);
  for (const f of FROM_FILES.filter((x) => !only.length || only.includes(x.fixture))) {
    const prefix = `ndimp${process.pid}c${n++}`;
    const model = buildModel(fs.readFileSync(path.join(repoRoot(), f.file), 'utf8'));
    try {
      const b = await buildOnKernel(model, prefix, f.file);
      const names = b.namespaces.filter((x) => !f.only || f.only.includes(x)).map((x) => `${prefix}-${x}`);
      const snapshots = names.map((x) => snapshotNamespace(x, runner, true));
      fs.writeFileSync(path.join(dir, `${f.fixture}.json`), JSON.stringify({ source: f.file, prefix, snapshots }, null, 1) + '\n');
      process.stdout.write(`${f.fixture}: ${names.join(' ')}\n`);
    } finally {
      await cleanupOnKernel(prefix);
    }
  }
  if (only.length && !only.includes('odd')) return cleanupAll();
  const p = `ndimp${process.pid}odd`;
  try {
    execFileSync('bash', ['-c', ODD_SETUP(p)], { stdio: 'inherit' });
    const snapshots = [`${p}-a`].map((x) => snapshotNamespace(x, runner, true));
    fs.writeFileSync(path.join(dir, 'odd.json'), JSON.stringify({ source: 'capture-fixtures.ts ODD_SETUP', prefix: p, snapshots }, null, 1) + '\n');
    process.stdout.write('odd: a\n');
  } finally {
    for (const x of ['a', 'b']) {
      try {
        const pids = execFileSync('ip', ['netns', 'pids', `${p}-${x}`]).toString().split(/\s+/).filter(Boolean);
        for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
        execFileSync('ip', ['netns', 'del', `${p}-${x}`]);
      } catch {
        /* gone */
      }
    }
  }
  cleanupAll();
}

main().catch((e) => {
  process.stderr.write(String((e as Error).stack ?? e) + '\n');
  cleanupAll();
  process.exit(1);
});

// Kernel agreement of the ip executor (needs root and `ip netns`; selected by `--grep kernel`):
// each script runs line by line in fresh namespaces (nd<pid>-<n>-NAME) through the real iproute2,
// and the model must reject exactly the lines the real tool rejects, and end with the same
// devices (name, UP, mtu), IPv4 addresses, routes of every table and rule preferences. The NS2xxx
// checker fixtures run the same way, so each `# kernel:` note in them is checked here too.
// Never touches the host's own namespace: every command gets `ip -n nd...`.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { ipv4ToString } from '../../core/kernel/config';
import { buildModel } from '../../core/model';
import { fixturePath } from '../util/golden';

const SCRIPTS: Record<string, string> = {
  "link, addr, route, rule and neigh basics": "namespace b {\n    ip link add eth0 type veth peer name p0\n}\nnamespace a {\n    ip link add v0 type veth peer name v1\n    ip link add c0 type veth peer name eth0 netns b\n    ip link add c0 type veth peer name eth1 netns b\n    ip link add c1 type veth peer name c1 netns b\n    ip link add name n1 type veth peer n2\n    ip link add n3 type veth peer name n4 mtu 1400\n    ip link add n5 type veth\n    ip link add br0 type bridge\n    ip link add br0 type veth peer name zz\n    ip link set v0 up down\n    ip link set v0 up\n    ip link set dev v1 up\n    ip link set v1 down\n    ip addr add 10.0.1.1/24 dev v1\n    ip route add 10.50.0.0/16 via 10.0.1.254\n    ip link set v1 up\n    ip route add 10.50.0.0/16 via 10.0.1.254\n    ip addr add 10.0.1.1/24 dev v0\n    ip addr add 10.0.1.2/24 dev v0\n    ip addr add 10.0.1.1/16 dev v0\n    ip addr add 10.0.9.1 dev v0\n    ip addr del 10.0.9.1 dev v0\n    ip addr del 10.0.9.1/32 dev v0\n    ip address add 10.0.5.5/24 brd + dev v0\n    ip a d 10.0.5.5/24 dev v0\n    ip route add 10.9.0.0/16 via 10.0.1.254\n    ip route add 10.9.0.0/16 via 10.0.1.254 dev v1\n    ip route add 10.9.0.0/16 via 10.0.1.254 dev v0 metric 3\n    ip route add 10.9.0.0/16 via 10.0.1.254 dev v1 metric 4\n    ip route add 10.9.0.0/16 dev c0 metric 5\n    ip link set c0 up\n    ip route add 10.9.0.0/16 dev c0 metric 5\n    ip route add 10.9.0.0/16 dev c0 metric 5 table 7\n    ip route del 10.9.0.0/16 table 7\n    ip route del 10.9.0.0/16 table 7\n    ip route del 10.9.0.0/16 metric 99\n    ip route del 10.9.0.0/16 metric 5\n    ip route add 10.3.0.0/16 via 10.0.1.2 dev c0\n    ip route add 10.3.0.0/16 via 10.0.1.2 dev c0 onlink\n    ip route add default via 10.0.1.254 dev eth9\n    ip route add local 10.12.0.0/16 dev v0\n    ip route add local 10.13.0.0/16 dev c1\n    ip route add 10.14.0.0/16 dev v0 scope host\n    ip route add 10.15.0.0/16 via 10.12.0.5\n    ip route add 10.16.0.0/16 via 10.0.1.2 table 100\n    ip route add 10.17.0.0/16 via 10.14.0.1\n    ip route add unreachable default table 100\n    ip route add prohibit default table 100\n    ip route add prohibit default table 100 metric 1\n    ip route replace default via 10.0.1.3\n    ip route change default via 10.0.1.4\n    ip route append default via 10.0.1.4\n    ip route prepend default via 10.0.1.5\n    ip rule add from 10.1.0.0/16 lookup 100\n    ip rule add pref 100 to 10.2.0.0/16 lookup 100\n    ip rule add pref 100 to 10.2.0.0/16 lookup 100\n    ip rule add pref 100 to 10.2.0.0/16 lookup 101\n    ip rule add pref 100 to 10.2.0.0/16 lookup 100 not\n    ip rule add fwmark 7 table main\n    ip rule add fwmark 0x7/0xf table main prio 8\n    ip rule add fwmark 0x7/0xf table main prio 8\n    ip rule del fwmark 0x7/0xf\n    ip rule del fwmark 0x7/0xf\n    ip rule add iif c0 oif v0 unreachable\n    ip rule add lookup nope\n    ip rule del table 100\n    ip rule del table 100\n    ip rule del table 100\n    ip neigh add 10.0.1.9 lladdr 02:00:00:00:00:09 dev v0\n    ip neigh add 10.0.1.9 lladdr 02:00:00:00:00:09 dev v0\n    ip neigh change 10.0.1.9 lladdr 02:00:00:00:00:0a dev v0\n    ip neigh change 10.0.1.10 lladdr 02:00:00:00:00:0a dev v0\n    ip neigh del 10.0.1.9 dev v0\n    ip neigh del 10.0.1.9 dev v0\n    ip link set v0 master br0\n    ip link set v0 nomaster\n    ip link set v0 master br0 mtu 1400\n    ip link set br0 up\n    ip link set c0 netns b\n    ip link set c0 up\n    ip link set n1 netns b\n    ip link set n1 netns b\n    ip link del n2\n    ip link del n1\n    ip link del br0\n    ip link show v0\n    ip link set v0 mtu 68\n    ip link set v0 mtu 65535\n    ip link set lo mtu 65536\n    ip link set lo mtu 65537\n    ip link set lo up\n    ip link set lo address 02:00:00:00:00:01\n    ip route add 127.1.0.0/16 dev lo\n    ip link del veth0\n    ip link del dev n5\n    ip link add v0.1 type veth peer name v0:1\n    ip link add a/b type veth peer name ab\n    ip link set abcdefghijklmnop up\n",
  "gateways, tables, kernel routes, moves": "namespace b {\n}\nnamespace a {\n    ip link add v0 type veth peer name v1\n    ip link add w0 type veth peer name w1 netns b\n    ip link set v0 up\n    ip link set v1 up\n    ip addr add 10.0.1.1/24 dev v0\n    ip addr add 10.0.2.1/24 dev v1\n    ip route add to 10.20.0.0/16 via 10.0.1.9\n    ip route add default dev v0\n    ip route add 0.0.0.0/0 via 10.0.1.9\n    ip route add 0.0.0.0/0 via 10.0.1.9 metric 1\n    ip route add 10.21.0.0/16 via 10.0.2.9 dev v0\n    ip route add 10.22.0.0/16 via 10.0.1.9 dev v1\n    ip route add 10.30.0.0/16 dev v1 table 100\n    ip route add 10.31.0.0/16 via 10.30.0.1 table 100\n    ip route add 10.32.0.0/16 via 10.30.0.1\n    ip route add 10.33.0.0/16 via 10.0.1.9 table 100\n    ip route del 10.0.1.0/24 dev v0\n    ip route add 10.34.0.0/16 via 10.0.1.9\n    ip route add 10.0.1.0/24 dev v0 proto kernel scope link src 10.0.1.1\n    ip route del local 10.0.1.1 table local\n    ip route del 10.0.2.255 table local\n    ip route del broadcast 10.0.2.255 table local\n    ip route add 10.35.0.0/16 dev v0 via 10.0.1.9 onlink\n    ip route add 10.36.0.0/16 via 127.0.0.1 dev v0 onlink\n    ip route add 10.37.0.0/16 via 10.0.2.1 dev v0 onlink\n    ip link set w0 netns b up\n    ip link set v0 down\n    ip route add 10.40.0.0/16 via 10.0.1.1\n    ip route add 10.41.0.0/16 via 10.0.2.1\n    ip route add 10.42.0.0/16 via 10.0.1.1 dev v0 onlink\n    ip link set v0 up\n    ip addr del 10.0.1.1 dev v0\n    ip addr del 10.0.2.1 dev v0\n    ip addr del 10.0.2.1/24 dev v1\n    ip addr add 10.0.3.1/24 dev lo\n    ip route add 10.43.0.0/16 via 10.0.3.5\n    ip link set lo up\n    ip route add 10.43.0.0/16 via 10.0.3.5\n    ip rule add pref 5 lookup 5\n    ip rule add pref 5 lookup 5\n    ip rule add lookup 6\n    ip rule del pref 5\n    ip rule del pref 5\n    ip rule add from all to all lookup 7\n    ip rule add from 10.1.2.3 lookup 8\n    ip rule add to 10.1.2.3/33 lookup 8\n    ip rule add blackhole pref 3\n    ip rule add pref 0 lookup 9\n    ip rule add lookup 10\n    ip neigh add 10.0.1.50 dev v0\n    ip neigh add 10.0.1.51 lladdr 02:00:00:00:00:01 dev v0 nud permanent\n    ip neigh replace 10.0.1.52 lladdr 02:00:00:00:00:01 dev v0\n    ip neigh add 10.0.1.53 lladdr 02:00:00:00:00 dev v0\n    ip neigh add 10.0.1.54/24 lladdr 02:00:00:00:00:01 dev v0\n    ip link set v0 netns b\n    ip link set v0 netns b\n    ip link set dev v1 netns b\n}\nnamespace b {\n    ip link set w1 up\n    ip link set w0 down\n    ip link set v0 up\n    ip addr add 10.0.1.1/24 dev v0\n    ip link set w1 name x9\n    ip link add q0 type veth peer name q1 netns a\n    ip link del q1\n    ip link del q0\n}\n",
  "abbreviations, options and usage errors": "namespace a {\n    ip l a v0 type veth peer name v1\n    ip link s v0 up\n    ip link ch v1 up\n    ip -4 a a 10.0.1.1/24 dev v0\n    ip -br a\n    ip -o -4 addr show dev v0\n    ip -s link\n    ip -d l sh\n    ip -j r\n    ip -f inet r\n    ip -family inet route show\n    ip -x link\n    ip addr ch 10.0.1.1/24 dev v0\n    ip addr repl 10.0.1.2/24 dev v0\n    ip ad del 10.0.1.2/24 dev v0\n    ip r a 10.9.0.0/16 via 10.0.1.9\n    ip r r 10.9.0.0/16 via 10.0.1.8\n    ip r ch 10.9.0.0/16 via 10.0.1.7\n    ip r d 10.9.0.0/16\n    ip r app 10.9.0.0/16 via 10.0.1.7\n    ip r pre 10.10.0.0/16 via 10.0.1.7\n    ip r g 10.9.1.1\n    ip ru a lookup 5\n    ip ru d lookup 5\n    ip rule list\n    ip n a 10.0.1.9 lladdr 02:00:00:00:00:01 dev v0\n    ip n r 10.0.1.9 lladdr 02:00:00:00:00:02 dev v0\n    ip n d 10.0.1.9 dev v0\n    ip neighbour add 10.0.1.9 lladdr 02:00:00:00:00:01 dev v0\n    ip neighbor del 10.0.1.9 dev v0\n    ip ne sh\n    ip link dele v1\n    ip route\n    ip\n    ip foo\n    ip link foo\n    ip address add 10.0.1.3/24 dev v0 foo\n    ip route add 10.11.0.0/16 dev v0 foo\n    ip rule add foo\n    ip route add 10.12.0.0/16 dev v0 metric\n    ip link set\n    ip link set v0 mtu\n    ip addr add dev v0\n    ip route add\n    ip neigh add 10.0.1.20\n",
  "bridges, moves, deletes, lo and secondaries": "namespace h1 {\n}\nnamespace h2 {\n}\nnamespace sw {\n    ip link add br0 type bridge\n    ip link add p1 type veth peer name eth0 netns h1\n    ip link add p2 type veth peer name eth0 netns h2\n    ip link set p1 master br0\n    ip link set p2 master br0\n    ip link set p1 up\n    ip link set p2 up\n    ip link set br0 up\n    ip addr add 192.168.1.1/24 dev br0\n    ip addr add 192.168.1.1/24 dev p1\n    ip route add 10.0.0.0/8 via 192.168.1.254 dev br0\n    ip route add 10.0.0.0/8 via 192.168.1.254 dev p1\n    ip link set br0 down\n    ip route add 10.0.0.0/8 via 192.168.1.254\n    ip link set br0 up\n    ip route add 10.0.0.0/8 via 192.168.1.254\n    ip link set p1 netns h2\n    ip link set p1 netns h1\n    ip link del p2\n    ip link add p2 type veth peer name eth1 netns h2\n    ip addr add 172.16.0.1/30 dev p2\n    ip addr add 172.16.0.2/30 dev p2\n    ip addr add 172.16.0.5/32 dev p2\n    ip addr add 0.0.0.0/0 dev p2\n    ip addr del 172.16.0.1/30 dev p2\n    ip link set p2 up mtu 9000\n    ip link set p2 mtu 65535 address 02:11:22:33:44:55\n    ip link set p2 down\n    ip link set p2 up\n    ip route add 172.20.0.0/16 via 172.16.0.5\n    ip route add 172.21.0.0/16 via 172.16.0.6 dev p2 onlink\n    ip route add 172.22.0.0/16 dev p2 src 172.16.0.5\n    ip route add 172.23.0.0/16 dev p2 src 192.168.1.1\n    ip route add 172.24.0.0/16 dev p2 src 1.2.3.4\n    ip route add throw 172.25.0.0/16 table 7\n    ip route del throw 172.25.0.0/16 table 7\n    ip route add 172.26.0.0/16 via 192.168.1.10 table 7\n    ip route add 172.27.0.0/16 via 172.20.0.9 table 7\n    ip route add 172.27.0.0/16 dev p2 table 7 metric 100\n    ip route add 172.27.0.0/16 dev br0 table 7 metric 100\n    ip route replace 172.27.0.0/16 dev br0 table 7 metric 100\n    ip route del 172.27.0.0/16 dev p2 table 7\n    ip route del 172.27.0.0/16 table 7\n    ip rule add to 172.27.0.0/16 lookup 7 pref 10\n    ip rule add to 172.27.0.0/16 lookup 7 pref 10\n    ip rule add to 172.27.0.0/16 lookup 7 pref 11\n    ip rule del to 172.27.0.0/16\n    ip rule del pref 11 lookup 7\n    ip rule del pref 11 lookup 7\n    ip rule add from 192.168.1.0/24 iif br0 lookup 8\n    ip rule add fwmark 0x10 lookup 9\n    ip rule add fwmark 0x10 lookup 9\n    ip rule del fwmark 0x10\n    ip rule del fwmark 0x10 lookup 8\n    ip rule del not fwmark 0x10\n}\nnamespace h1 {\n    ip link set eth0 up\n    ip link set p1 up\n    ip addr add 192.168.1.10/24 dev eth0\n    ip addr add 192.168.1.11/24 dev p1\n    ip route add default via 192.168.1.1\n    ip route add default via 192.168.1.1 metric 10 dev p1\n    ip link set lo up\n    ip route add 10.1.0.0/16 via 127.0.0.1\n    ip route add 10.1.0.0/16 dev lo\n    ip route add local 10.2.0.0/16 dev lo\n    ip route add local 10.3.0.0/16 dev lo table 100\n    ip route add 10.4.0.0/16 via 192.168.1.1 scope link\n    ip route add 10.5.0.0/16 dev eth0 scope host\n    ip route add 10.6.0.0/16 via 10.5.0.1\n    ip route add 10.7.0.0/16 via 10.2.0.1\n    ip link set eth0 down\n    ip link set eth0 up\n    ip link del eth0\n    ip link del p1\n}\nnamespace h2 {\n    ip link set eth0 up\n    ip link set eth1 up\n    ip addr add 172.16.0.6/30 dev eth1\n    ip route add default via 172.16.0.5\n    ip route add default via 172.16.0.2\n    ip link set lo down\n    ip addr add 127.0.0.2/8 dev lo\n    ip link set lo up\n    ip addr del 127.0.0.1/8 dev lo\n}\n",
  "veth peers, moves with a new name, link add options": "namespace b {\n}\nnamespace a {\n    ip link add v0 netns b type veth peer name v1\n    ip link add br1 up type bridge\n    ip link add v5 mtu 9000 type veth peer name v6\n    ip link add v7 address 02:00:00:00:07:07 type veth peer name v8 address 02:00:00:00:08:08 netns b\n    ip link add v9 type veth peer name v10 mtu 1280 netns b\n    ip link add type veth peer name v11\n    ip link add type bridge\n    ip link add v12 type veth peer name v12 netns b\n    ip link set v12 netns b\n    ip link set v12 name v13 netns b\n    ip link set v1 up\n    ip link set v5 master br1 up\n    ip link set v6 master br1 up\n    ip addr add 10.5.0.1/24 dev br1\n    ip link set br1 down\n    ip link set br1 up\n    ip route add 10.6.0.0/16 via 10.5.0.2 dev br1\n    ip link del br1\n    ip route add 10.6.0.0/16 via 10.5.0.2\n    ip link set v5 up\n    ip link set v5 nomaster\n}\nnamespace b {\n    ip link set v0 up\n    ip link set v13 up\n    ip addr add 10.9.0.1/24 dev v13\n    ip route add 10.10.0.0/16 via 10.9.0.2\n    ip link set v13 netns a\n    ip route add 10.10.0.0/16 via 10.9.0.2\n}\n"
};

let run = 0;

function ip(args: string[]): { status: number; out: string; stdout: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

/** Runs `text` on the kernel; returns the disagreements (empty when the model agrees). */
function agree(text: string): string[] {
  const m = buildModel(text);
  const lineOf = (off: number) => text.slice(0, off).split('\n').length;
  const rejected = new Set(m.diagnostics.filter((d) => d.severity === 'error').map((d) => lineOf(d.start)));
  const pre = `nd${process.pid}-${run++}-`;
  const nss = new Set(['root', ...[...text.matchAll(/^\s*namespace\s+(\S+)\s*\{/gm)].map((x) => x[1])]);
  const diffs: string[] = [];
  for (const n of nss) assert.equal(ip(['netns', 'add', pre + n]).status, 0, `ip netns add ${pre + n} (root needed)`);
  try {
    let cur = 'root';
    text.split('\n').forEach((line, k) => {
      const l = line.trim();
      const block = /^namespace\s+(\S+)\s*\{/.exec(l);
      if (block) return void (cur = block[1]);
      if (l === '}') return void (cur = 'root');
      const w = l.split(/\s+/);
      if (w[0] !== 'ip') return;
      const args = w.slice(1).map((x, i) => (w[i] === 'netns' && nss.has(x) ? pre + x : x.replace(/^"(.*)"$/, '$1')));
      const r = ip(['-n', pre + cur, ...args]);
      if ((r.status !== 0) !== rejected.has(k + 1)) diffs.push(`line ${k + 1} '${l}': kernel rc=${r.status} ${r.out.trim()}; model ${rejected.has(k + 1) ? 'rejects' : 'accepts'}`);
    });
    const T = (t: number) => (t === 255 ? 'local' : t === 253 ? 'default' : String(t));
    for (const n of nss) {
      const ns = m.topology.namespaces.get(n)!;
      const dn = (id: number) => m.topology.devices.get(id)!.name;
      const routes = ns.routes.map((r) => {
        const w: string[] = [];
        if (r.type !== 'unicast') w.push(r.type);
        w.push(r.dst.len === 0 ? 'default' : r.dst.len === 32 ? ipv4ToString(r.dst.addr) : `${ipv4ToString(r.dst.addr)}/${r.dst.len}`);
        if (r.gateway !== undefined) w.push('via', ipv4ToString(r.gateway));
        if (r.devId !== undefined) w.push('dev', dn(r.devId));
        if (r.table !== 254) w.push('table', T(r.table));
        if (r.proto !== 'boot') w.push('proto', r.proto);
        if (r.scope !== 'universe') w.push('scope', r.scope);
        if (r.prefsrc !== undefined) w.push('src', ipv4ToString(r.prefsrc));
        if (r.metric) w.push('metric', String(r.metric));
        if (r.onlink) w.push('onlink');
        return w.join(' ');
      }).sort();
      const kRoutes = ip(['-n', pre + n, '-4', 'route', 'show', 'table', 'all']).stdout.split('\n')
        .map((l) => l.replace(/ linkdown/g, '').trim()).filter(Boolean).sort();
      const addrs = ns.addresses.map((a) => `${ipv4ToString(a.addr)}/${a.plen} ${dn(a.devId)}${a.secondary ? ' secondary' : ''}`).sort();
      const kAddrs = ip(['-n', pre + n, '-4', '-o', 'addr']).stdout.split('\n').filter(Boolean)
        .map((l) => { const w = l.split(/\s+/); return `${w[3]} ${w[1]}${/ secondary /.test(l) ? ' secondary' : ''}`; }).sort();
      const devs = [...ns.devices.values()].map((d) => `${d.name}${d.up ? ' UP' : ''} ${d.mtu}`).sort();
      const kDevs = ip(['-n', pre + n, '-o', 'link']).stdout.split('\n').filter(Boolean)
        .map((l) => { const w = l.split(/\s+/); return `${w[1].replace(/@.*$/, '').replace(/:$/, '')}${/[<,]UP[,>]/.test(l) ? ' UP' : ''} ${w[w.indexOf('mtu') + 1]}`; }).sort();
      const prefs = ns.rules.map((r) => r.pref).join(',');
      const kPrefs = ip(['-n', pre + n, 'rule']).stdout.split('\n').filter(Boolean).map((l) => l.split(':')[0]).join(',');
      for (const [what, a, b] of [['routes', routes, kRoutes], ['addresses', addrs, kAddrs], ['devices', devs, kDevs], ['rule prefs', [prefs], [kPrefs]]] as const) {
        if (JSON.stringify(a) !== JSON.stringify(b)) diffs.push(`${n} ${what}: model only [${a.filter((x) => !b.includes(x)).join(' | ')}], kernel only [${b.filter((x) => !a.includes(x)).join(' | ')}]`);
      }
    }
  } finally {
    for (const n of nss) ip(['netns', 'del', pre + n]);
  }
  return diffs;
}

describe('kernel: ip executor agrees with iproute2 on this kernel', function () {
  this.timeout(120000);
  for (const [name, text] of Object.entries(SCRIPTS)) {
    it(name, () => assert.deepEqual(agree(text), []));
  }
  for (const f of fs.readdirSync(fixturePath('checker')).filter((x) => /^NS2\d{3}-.*\.netns$/.test(x)).sort()) {
    it(`checker fixture ${f}`, () => assert.deepEqual(agree(fs.readFileSync(fixturePath('checker', f), 'utf8')), []));
  }
});

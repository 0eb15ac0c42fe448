// Unit tests of core/export: the script text (quoting, namespace rewriting, sysctl pins, file
// order, listeners, jails, probes). No root needed; `bash -n` checks the syntax of every script.
// Running the scripts for real is the kernel suite's job (test/kernel/).

import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportScript, jailedBind, renderCommandWords, shellQuote } from '../../core/export/index';
import { buildModel } from '../../core/model/index';
import { CONF_KEYS, GLOBAL_KEYS } from '../../core/model/sysctl-defaults';

function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

function bashSyntaxOk(script: string): void {
  execFileSync('bash', ['-n'], { input: script, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** The `nd LINE NS ...` lines of a script, in order. */
function ndLines(script: string): string[] {
  return script.split('\n').filter((l) => /^nd(_listen|_note)? \d+ /.test(l));
}

const ROUTED = `namespace router {
    sysctl -w net.ipv4.ip_forward=1
    ip link add c0 type veth peer name eth0 netns client
    ip addr add 10.0.1.1/24 dev c0
    ip link set c0 up
    iptables -A FORWARD -m comment --comment "it's a # test" -j ACCEPT
}
namespace client {
    ip addr add 10.0.1.2/24 dev eth0
    ip link set eth0 up
    ip route add default via 10.0.1.1
}
ip -n client link set lo up
ip netns exec router ip link set lo up
tc qdisc show
listen tcp 0.0.0.0:80
probe web from client tcp 10.0.1.1:80 expect refused in router
`;

describe('export: shell quoting', () => {
  it('leaves plain words alone and quotes everything else', () => {
    assert.equal(shellQuote('10.0.0.1/24'), '10.0.0.1/24');
    assert.equal(shellQuote('net.ipv4.conf.all.rp_filter=1'), 'net.ipv4.conf.all.rp_filter=1');
    assert.equal(shellQuote(''), "''");
    assert.equal(shellQuote('a b'), "'a b'");
    assert.equal(shellQuote("it's"), "'it'\\''s'");
    assert.equal(shellQuote('$HOME'), "'$HOME'");
    assert.equal(shellQuote('a;rm -rf /'), "'a;rm -rf /'");
    assert.equal(shellQuote('x`y`'), "'x`y`'");
  });

  it('round-trips arbitrary words through bash', () => {
    const words = ['plain', 'a b', "it's", '$(id)', '"q"', '\\', '*', '#', '', 'tab\there', 'new\nline'];
    const out = execFileSync('bash', ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`]).toString();
    assert.deepEqual(out.split('\0').slice(0, -1), words);
  });
});

describe('export: namespace names in arguments', () => {
  it('rewrites ip -n NS, ip netns exec NS and netns NS of ip link', () => {
    assert.equal(renderCommandWords(['ip', '-n', 'client', 'link', 'set', 'lo', 'up']), 'ip -n "$P"-client link set lo up');
    assert.equal(renderCommandWords(['ip', 'netns', 'exec', 'r', 'ip', '-n', 'c', 'addr']), 'ip netns exec "$P"-r ip -n "$P"-c addr');
    assert.equal(renderCommandWords(['ip', 'link', 'add', 'a', 'type', 'veth', 'peer', 'name', 'b', 'netns', 'x']), 'ip link add a type veth peer name b netns "$P"-x');
    assert.equal(renderCommandWords(['ip', 'link', 'set', 'eth0', 'netns', 'x']), 'ip link set eth0 netns "$P"-x');
    assert.equal(renderCommandWords(['ip', 'netns', 'del', 'x']), 'ip netns del "$P"-x');
    assert.equal(renderCommandWords(['ip', 'netn', 'exec', 'x', 'true']), 'ip netn exec "$P"-x true');
  });

  it('prefixes a numeric netns too, so no command can reach the host namespace (PID 1)', () => {
    assert.equal(renderCommandWords(['ip', 'link', 'set', 'eth0', 'netns', '1']), 'ip link set eth0 netns "$P"-1');
  });

  it('does not touch words of other tools', () => {
    assert.equal(renderCommandWords(['iptables', '-A', 'INPUT', '-m', 'comment', '--comment', 'netns x', '-j', 'ACCEPT']), "iptables -A INPUT -m comment --comment 'netns x' -j ACCEPT");
    assert.equal(renderCommandWords(['sysctl', '-w', 'net.ipv4.ip_forward=1']), 'sysctl -w net.ipv4.ip_forward=1');
  });
});

describe('export: the script', () => {
  const script = exportScript(buildModel(ROUTED), { fileName: 'routed.netns' });

  it('is valid bash', () => bashSyntaxOk(script));

  it('is the same text for the same model (pure)', () => {
    assert.equal(exportScript(buildModel(ROUTED), { fileName: 'routed.netns' }), script);
  });

  it('generates the prefix at run time from $$ unless one is given', () => {
    assert.match(script, /^P="\$\{NETNS_DBG_PREFIX:-nd\$\$\}"$/m);
    const fixed = exportScript(buildModel(ROUTED), { prefix: 'demo1' });
    assert.match(fixed, /^P="\$\{NETNS_DBG_PREFIX:-demo1\}"$/m);
    // A prefix that is not usable in a namespace name falls back to the generated one.
    assert.match(exportScript(buildModel(ROUTED), { prefix: 'a b$(x)' }), /^P="\$\{NETNS_DBG_PREFIX:-nd\$\$\}"$/m);
  });

  it('creates every namespace of the file, root included, before any command', () => {
    assert.match(script, /^ND_NAMESPACES=\(root router client\)$/m);
    assert.ok(script.indexOf('ip netns add "$P-$ns"') < script.indexOf('\nnd 2 '));
  });

  it('pins every sysctl the simulator reads, for all, default and lo', () => {
    for (const [k, v] of GLOBAL_KEYS) assert.ok(script.includes(`\n  ${k}=${v}\n`), `${k} not pinned`);
    for (const scope of ['all', 'default', 'lo']) {
      for (const [k, v] of CONF_KEYS) assert.ok(script.includes(`\n  net.ipv4.conf.${scope}.${k}=${v}\n`), `${scope}.${k} not pinned`);
    }
    assert.ok(script.indexOf('ND_PINS=(') < script.indexOf('\nnd 2 '), 'pins come before the commands');
  });

  it('runs every command in file order in its namespace, with its source line', () => {
    assert.deepEqual(ndLines(script), [
      'nd 2 router sysctl -w net.ipv4.ip_forward=1',
      'nd 3 router ip link add c0 type veth peer name eth0 netns "$P"-client',
      'nd 4 router ip addr add 10.0.1.1/24 dev c0',
      'nd 5 router ip link set c0 up',
      "nd 6 router iptables -A FORWARD -m comment --comment 'it'\\''s a # test' -j ACCEPT",
      'nd 9 client ip addr add 10.0.1.2/24 dev eth0',
      'nd 10 client ip link set eth0 up',
      'nd 11 client ip route add default via 10.0.1.1',
      'nd 13 root ip -n "$P"-client link set lo up',
      'nd 14 root ip netns exec "$P"-router ip link set lo up',
      'nd 15 root tc qdisc show',
      'nd_listen 16 root tcp 0.0.0.0 80',
    ]);
  });

  it('reports a failing line as `line N: exit S` and goes on', () => {
    assert.ok(script.includes('echo "line $line: exit $status: $*" >&2'));
    assert.ok(!/^set -e/m.test(script));
  });

  it('leaves probes to the suite and says so', () => {
    assert.match(script, /^# line 17: probe web from client/m);
    assert.ok(!ndLines(script).some((l) => l.includes('probe')));
  });

  it('has a cleanup mode and removes everything on exit', () => {
    assert.match(script, /--cleanup\) ND_MODE=cleanup/);
    assert.match(script, /trap 'nd_cleanup; rm -rf "\$ND_LOGDIR"' EXIT/);
    assert.match(script, /ip netns del "\$P-\$ns"/);
  });

  it('never names a namespace without the prefix in a command', () => {
    for (const l of ndLines(script)) {
      const m = /(?:netns (?:exec |del )?|-n )(\S+)/.exec(l.replace(/^nd \d+ \S+ /, ''));
      if (m) assert.ok(m[1].startsWith('"$P"-'), l);
    }
  });

  it('turns `ip netns add NS` into a comment (the namespace exists from the start)', () => {
    const s = exportScript(buildModel('ip netns add extra\nip -n extra link set lo up\n'));
    assert.match(s, /^ND_NAMESPACES=\(root extra\)$/m);
    assert.deepEqual(ndLines(s), ['nd 2 root ip -n "$P"-extra link set lo up']);
    assert.match(s, /namespace "\$P"-extra was created above/);
  });

  it('exports listeners as the jail allows and notes the ones bsdjail would refuse', () => {
    const s = exportScript(buildModel(`namespace srv {
    ip link set lo up
    jail 127.0.0.1 {
        listen tcp 127.0.0.1:22
        listen tcp 0.0.0.0:23
        listen udp 0.0.0.0:53
        listen tcp 10.0.0.9:24
    }
}
`));
    bashSyntaxOk(s);
    assert.deepEqual(ndLines(s), [
      'nd 2 srv ip link set lo up',
      'nd_listen 4 srv tcp 127.0.0.1 22',
      "nd_note 5 'bsdjail would refuse this listener (listen() needs the jail address: EPERM); not started'",
      'nd_listen 6 srv udp 0.0.0.0 53',
      "nd_note 7 'bsdjail would refuse this listener (bind(10.0.0.9) outside the jail address: EPERM); not started'",
    ]);
    assert.match(s, /bsdjail \(the jail blocks\) is an LSM that a stock kernel does not have/);
  });

  it('follows bsdjail for jailed binds', () => {
    assert.equal(jailedBind('tcp', '10.0.0.5', '10.0.0.5'), undefined);
    assert.match(jailedBind('tcp', '0.0.0.0', '10.0.0.5') ?? '', /EPERM/);
    assert.equal(jailedBind('udp', '0.0.0.0', '10.0.0.5'), undefined);
    assert.equal(jailedBind('udp', '127.0.0.1', '10.0.0.5'), undefined);
    assert.match(jailedBind('udp', '10.0.0.6', '10.0.0.5') ?? '', /EPERM/);
  });

  it('exports every example and kernel case as valid bash', function () {
    this.timeout(20000);
    const root = repoRoot();
    const all: string[] = [];
    const dirs = ['examples', 'test/kernel/cases'].map((d) => path.join(root, d)).filter((d) => fs.existsSync(d));
    let n = 0;
    for (const d of dirs) {
      for (const f of fs.readdirSync(d).filter((x) => x.endsWith('.netns'))) {
        const one = exportScript(buildModel(fs.readFileSync(path.join(d, f), 'utf8')), { fileName: f });
        assert.match(one, /^ND_PINS=\(/m, f);
        all.push(one);
        n++;
      }
    }
    // One bash -n over all of them (each script is complete on its own, so the concatenation parses
    // exactly when every one does).
    bashSyntaxOk(all.join('\n'));
    assert.ok(n >= 40, `only ${n} files exported`);
  });
});

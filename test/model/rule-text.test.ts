// Rules render their iptables-save text on first read, from their matches and target
// (core/model/iptables-save.ts ModelRule), unless the line had something the configuration does
// not carry; then the text is made at once, as every text was before. These tests build the same
// files both ways and require the same text for every rule: every fixture and example, the bench
// generator's topology, and seeded random iptables lines made of option fragments (the texts
// themselves are checked against the real iptables-save in iptables.test.ts).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateTopology } from '../../bench/generate';
import { buildModel } from '../../core/model/index';
import { ModelRule, setEagerRuleText } from '../../core/model/iptables-save';
import { repoRoot } from '../util/golden';
import { prng } from '../util/prng';

/** Every rule's text, namespace by namespace, table by table, chain by chain. */
function ruleTexts(text: string, eager: boolean): string[] {
  setEagerRuleText(eager);
  try {
    const m = buildModel(text);
    const out: string[] = [];
    for (const ns of m.topology.namespaces.values()) {
      for (const t of ns.xtables.values()) for (const c of t.chains.values()) for (const r of c.rules) out.push(`${ns.name} ${t.name} ${r.text}`);
    }
    return out;
  } finally {
    setEagerRuleText(false);
  }
}

function netnsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...netnsFiles(p));
    else if (e.name.endsWith('.netns')) out.push(p);
  }
  return out.sort();
}

/** Fragments of a rule line: options iptables accepts alone or with the protocol they name. */
const FRAGMENTS = [
  '-p tcp', '-p udp', '-p icmp', '! -p tcp', '-p all', '-p 47',
  '-s 10.0.0.0/8', '! -s 10.1.2.3', '-d 192.168.1.0/24', '! -d 172.16.0.0/12', '-s 10.0.0.1,10.0.0.2', '-d 1.1.1.1,2.2.2.0/24',
  '-i eth0', '! -i eth1', '-i veth+', '-o eth0', '! -o lo', '-i +',
  '--dport 22', '--sport 1024:65535', '! --dport 80', '--dport 8000:8080', '--syn', '--tcp-flags SYN,ACK SYN', '! --sport 53',
  '-m tcp', '-m tcp --dport 443', '-m udp --dport 53', '-m tcp --sport 1 -m tcp --dport 2',
  '--icmp-type echo-request', '-m icmp --icmp-type 3/4', '--icmp-type any',
  '-m conntrack --ctstate ESTABLISHED,RELATED', '-m conntrack ! --ctstate INVALID', '-m state --state NEW', '-m conntrack --ctstate NEW,DNAT',
  '-m multiport --dports 80,443', '-m multiport --sports 1000:2000,3000', '-m multiport ! --ports 5',
  '-m mark --mark 0x1', '-m mark ! --mark 2/0xff', '-m connmark --mark 0x10/0xf0',
  '-m comment --comment "allow web"', '-m comment --comment plain',
  '-m addrtype --dst-type LOCAL', '-m addrtype --src-type UNICAST ! --dst-type BROADCAST --limit-iface-in',
  '-m iprange --src-range 10.0.0.1-10.0.0.9', '-m iprange ! --dst-range 1.2.3.4-1.2.3.5',
];
const TARGETS: Array<{ table: string; chain: string; target: string }> = [
  { table: 'filter', chain: 'INPUT', target: '-j ACCEPT' },
  { table: 'filter', chain: 'FORWARD', target: '-j DROP' },
  { table: 'filter', chain: 'INPUT', target: '' },
  { table: 'filter', chain: 'OUTPUT', target: '-j RETURN' },
  { table: 'filter', chain: 'INPUT', target: '-j REJECT --reject-with icmp-host-prohibited' },
  { table: 'filter', chain: 'INPUT', target: '-j REJECT' },
  { table: 'filter', chain: 'INPUT', target: '-j LOG --log-prefix "in: " --log-level 6' },
  { table: 'filter', chain: 'INPUT', target: '-j LOG --log-tcp-options' },
  { table: 'filter', chain: 'INPUT', target: '-j mine' },
  { table: 'filter', chain: 'INPUT', target: '-g mine' },
  { table: 'filter', chain: 'mine', target: '-j ACCEPT' },
  { table: 'mangle', chain: 'PREROUTING', target: '-j MARK --set-mark 0x2' },
  { table: 'mangle', chain: 'PREROUTING', target: '-j MARK --or-mark 0xf' },
  { table: 'mangle', chain: 'PREROUTING', target: '-j CONNMARK --save-mark' },
  { table: 'mangle', chain: 'PREROUTING', target: '-j CONNMARK --set-mark 3' },
  { table: 'nat', chain: 'POSTROUTING', target: '-j MASQUERADE' },
  { table: 'nat', chain: 'POSTROUTING', target: '-j MASQUERADE --random' },
  { table: 'nat', chain: 'POSTROUTING', target: '-j SNAT --to-source 1.2.3.4' },
  { table: 'nat', chain: 'POSTROUTING', target: '-j SNAT --to-source 1.2.3.4-1.2.3.9 --persistent' },
  { table: 'nat', chain: 'PREROUTING', target: '-j DNAT --to-destination 10.0.0.2' },
  { table: 'nat', chain: 'OUTPUT', target: '-j REDIRECT' },
  { table: 'raw', chain: 'PREROUTING', target: '-j NOTRACK' },
  { table: 'raw', chain: 'OUTPUT', target: '-j CT --notrack' },
  { table: 'raw', chain: 'PREROUTING', target: '-j TRACE' },
];

/** A script of random rule lines (many are rejected; the accepted ones are compared). */
function randomScript(seed: number, lines: number): string {
  const rnd = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
  const out = ['iptables -N mine'];
  for (let i = 0; i < lines; i++) {
    const t = pick(TARGETS);
    const parts: string[] = [];
    const n = Math.floor(rnd() * 5);
    for (let k = 0; k < n; k++) parts.push(pick(FRAGMENTS));
    out.push(`iptables${t.table === 'filter' ? '' : ` -t ${t.table}`} -A ${t.chain} ${parts.join(' ')} ${t.target}`.replace(/\s+/g, ' ').trim());
  }
  return out.join('\n') + '\n';
}

function assertSameTexts(name: string, text: string): number {
  const lazy = ruleTexts(text, false);
  const eager = ruleTexts(text, true);
  assert.deepEqual(lazy, eager, `${name}: rule texts rendered later differ from those made at once`);
  return lazy.length;
}

describe('rule text rendered from the configuration', () => {
  it('equals the text made at build time in every fixture and example', () => {
    let rules = 0;
    for (const f of [...netnsFiles(path.join(repoRoot, 'test', 'fixtures')), ...netnsFiles(path.join(repoRoot, 'examples'))]) {
      rules += assertSameTexts(path.relative(repoRoot, f), fs.readFileSync(f, 'utf8'));
    }
    assert.ok(rules > 100, `only ${rules} rules in the corpus`);
  });

  it("equals it in the bench generator's topology", () => {
    const g = generateTopology({ namespaces: 40 });
    assert.equal(assertSameTexts('generated', g.text), g.iptablesRules);
  });

  it('equals it for seeded random rule lines, and most of them are rendered later', () => {
    let rules = 0;
    let later = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const text = randomScript(seed, 150);
      rules += assertSameTexts(`random seed ${seed}`, text);
      const m = buildModel(text);
      for (const ns of m.topology.namespaces.values()) {
        for (const t of ns.xtables.values()) {
          for (const c of t.chains.values()) for (const r of c.rules) if (r instanceof ModelRule && !r.hasText) later++;
        }
      }
    }
    assert.ok(rules > 600, `only ${rules} random rules were accepted`);
    assert.ok(later > rules / 2, `${later} of ${rules} rules render their text later`);
  });

  it('follows -E: the renamed chain and the jumps to it', () => {
    const text = 'iptables -N a\niptables -A INPUT -p tcp --dport 22 -j a\niptables -A a -s 10.0.0.0/8 -j ACCEPT\niptables -E a b\n';
    assert.deepEqual(ruleTexts(text, false), ['root filter -A INPUT -p tcp -m tcp --dport 22 -j b', 'root filter -A b -s 10.0.0.0/8 -j ACCEPT']);
    assert.deepEqual(ruleTexts(text, true), ruleTexts(text, false));
  });

  it('shows the plain rule in JSON', () => {
    const m = buildModel('iptables -A INPUT -p udp --dport 53 -j ACCEPT\n');
    const r = m.topology.namespaces.get('root')!.xtables.get('filter')!.chains.get('INPUT')!.rules[0];
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(r))).sort(), ['matches', 'origin', 'target', 'text']);
    assert.equal(JSON.parse(JSON.stringify(r)).text, '-A INPUT -p udp -m udp --dport 53 -j ACCEPT');
  });
});

// Unit tests of the iptables executor (core/model/iptables*.ts): buildModel on small texts,
// asserting the rules it leaves (XtRule text as iptables-save prints it, matches, targets),
// the tables and chains, the NS3xxx codes and their data, symbols, roles and the two lints.
// Every canonical text and every accept/reject below was checked against iptables v1.8.9
// (nf_tables) in throwaway namespaces on this machine (kernel 6.x).
import * as assert from 'node:assert/strict';
import { parseIpv4, XtChain, XtRule } from '../../core/kernel/config';
import { buildModel, Model } from '../../core/model/index';
import { lintIptables } from '../../core/model/iptables';
import { SHADOW_WINDOW } from '../../core/model/iptables-lint';

function model(text: string): Model {
  const m = buildModel(text);
  lintIptables(m); // idempotent; core/model/lint.ts may already have run it
  return m;
}

function chain(m: Model, table: string, name: string, ns = 'root'): XtChain | undefined {
  return m.topology.namespaces.get(ns)?.xtables.get(table as never)?.chains.get(name);
}

function texts(m: Model, table: string, name: string, ns = 'root'): string[] {
  return (chain(m, table, name, ns)?.rules ?? []).map((r: XtRule) => r.text);
}

const codes = (m: Model) => m.diagnostics.map((d) => d.code);
const errors = (m: Model) => m.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);

/** The one rule a single `iptables -A CHAIN ...` line leaves (filter table unless -t). */
function one(line: string, table = 'filter', chainName = /-A (\S+)/.exec(line)?.[1] ?? 'INPUT'): XtRule {
  const m = model(line);
  assert.deepEqual(errors(m), [], `${line}: ${m.diagnostics.map((d) => d.message).join('; ')}`);
  const rules = chain(m, table, chainName)!.rules;
  assert.equal(rules.length, 1);
  return rules[0];
}

describe('iptables executor', () => {
  describe('rule text as iptables-save prints it', () => {
    const cases: Array<[string, string]> = [
      ['iptables -A INPUT -s 10.0.0.1/8 -j ACCEPT', '-A INPUT -s 10.0.0.0/8 -j ACCEPT'],
      ['iptables -A INPUT -s 1.2.3 -j ACCEPT', '-A INPUT -s 1.2.3.0/32 -j ACCEPT'],
      ['iptables -A INPUT -s 1.2.3.4/255.255.0.0', '-A INPUT -s 1.2.0.0/16'],
      ['iptables -A INPUT -d 10.1.1.1 -s 10.2.2.2 -p tcp -i a -j LOG', '-A INPUT -s 10.2.2.2/32 -d 10.1.1.1/32 -i a -p tcp -j LOG'],
      ['iptables -A INPUT -p tcp ! --dport 80 --sport 1000:2000 -j ACCEPT', '-A INPUT -p tcp -m tcp --sport 1000:2000 ! --dport 80 -j ACCEPT'],
      ['iptables -A INPUT -p udp --sport :1000', '-A INPUT -p udp -m udp --sport 0:1000'],
      ['iptables -A INPUT -p udp --dport 1000:', '-A INPUT -p udp -m udp --dport 1000:65535'],
      ['iptables -A INPUT -p udp --dport 0:0', '-A INPUT -p udp -m udp --dport 0'],
      ['iptables -A INPUT -p 6 --dport 22', '-A INPUT -p tcp -m tcp --dport 22'],
      ['iptables -A INPUT -p TCP --dport http', '-A INPUT -p tcp -m tcp --dport 80'],
      ['iptables -A INPUT -p all -j ACCEPT', '-A INPUT -j ACCEPT'],
      ['iptables -A INPUT ! -p tcp -j ACCEPT', '-A INPUT ! -p tcp -j ACCEPT'],
      ['iptables -A INPUT -p tcp --syn -j ACCEPT', '-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT'],
      ['iptables -A INPUT -p tcp ! --syn -j LOG', '-A INPUT -p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -j LOG'],
      ['iptables -A INPUT -p tcp --tcp-flags ALL NONE -j DROP', '-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE -j DROP'],
      ['iptables -A INPUT -p tcp -j ACCEPT --syn', '-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT'],
      ['iptables -A INPUT -p icmp --icmp-type echo-request -j ACCEPT', '-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT'],
      ['iptables -A INPUT -p icmp --icmp-type Echo-Req', '-A INPUT -p icmp -m icmp --icmp-type 8'],
      ['iptables -A INPUT -p icmp ! --icmp-type 3/1', '-A INPUT -p icmp -m icmp ! --icmp-type 3/1'],
      ['iptables -A INPUT -p icmp --icmp-type port-unreach', '-A INPUT -p icmp -m icmp --icmp-type 3/3'],
      ['iptables -A INPUT -p icmp --icmp-type any', '-A INPUT -p icmp -m icmp --icmp-type any'],
      ['iptables -A INPUT -m state --state NEW,ESTABLISHED -j ACCEPT', '-A INPUT -m state --state NEW,ESTABLISHED -j ACCEPT'],
      ['iptables -A INPUT -m conntrack ! --ctstate RELATED,ESTABLISHED', '-A INPUT -m conntrack ! --ctstate RELATED,ESTABLISHED'],
      ['iptables -A INPUT -m conntrack --ctstate NEW,SNAT,DNAT,UNTRACKED,INVALID', '-A INPUT -m conntrack --ctstate INVALID,NEW,UNTRACKED,SNAT,DNAT'],
      ['iptables -A INPUT -m conntrack --ctstate est', '-A INPUT -m conntrack --ctstate ESTABLISHED'],
      ['iptables -A INPUT -p tcp -m multiport --dports 22,80:90 -j ACCEPT', '-A INPUT -p tcp -m multiport --dports 22,80:90 -j ACCEPT'],
      ['iptables -A INPUT -p tcp -m multiport ! --sports 22', '-A INPUT -p tcp -m multiport ! --sports 22'],
      ['iptables -A INPUT -m mark --mark 0x1/0xff', '-A INPUT -m mark --mark 0x1/0xff'],
      ['iptables -A INPUT -m mark ! --mark 5', '-A INPUT -m mark ! --mark 0x5'],
      ['iptables -A INPUT -m connmark --mark 5/7', '-A INPUT -m connmark --mark 0x5/0x7'],
      ['iptables -A INPUT -m addrtype --src-type LOCAL,UNICAST ! --dst-type BROADCAST --limit-iface-in', '-A INPUT -m addrtype --src-type UNICAST,LOCAL ! --dst-type BROADCAST --limit-iface-in'],
      ['iptables -A INPUT -m addrtype --src-type LOC', '-A INPUT -m addrtype --src-type LOCAL'],
      ['iptables -A INPUT -m iprange --src-range 10.0.0.1-10.0.0.5 ! --dst-range 10.0.0.9-10.0.0.10', '-A INPUT -m iprange --src-range 10.0.0.1-10.0.0.5 ! --dst-range 10.0.0.9-10.0.0.10'],
      ['iptables -A INPUT -m iprange --src-range 10.0.0.5', '-A INPUT -m iprange --src-range 10.0.0.5-10.0.0.5'],
      ['iptables -A INPUT -m comment --comment "hi there" -j ACCEPT', '-A INPUT -m comment --comment "hi there" -j ACCEPT'],
      ['iptables -A INPUT -p tcp --dport 22 -m comment --comment x --sport 1', '-A INPUT -p tcp -m tcp --sport 1 --dport 22 -m comment --comment x'],
      ['iptables -A INPUT -m comment --comment x -p tcp --dport 22', '-A INPUT -p tcp -m comment --comment x -m tcp --dport 22'],
      ['iptables -A INPUT -p tcp -m tcp --dport 22 -m tcp --sport 1', '-A INPUT -p tcp -m tcp --sport 1 --dport 22'],
      ['iptables -A INPUT -m comment --comment a -m comment --comment b', '-A INPUT -m comment --comment a -m comment --comment b'],
      ['iptables -A INPUT -i +', '-A INPUT'],
      ['iptables -A FORWARD -i eth0+ ! -o x -j ACCEPT', '-A FORWARD -i eth0+ ! -o x -j ACCEPT'],
      ['iptables -A INPUT -j LOG --log-prefix "x: " --log-level 4', '-A INPUT -j LOG --log-prefix "x: "'],
      ['iptables -A INPUT -j LOG --log-level info', '-A INPUT -j LOG --log-level 6'],
      ['iptables -A INPUT -j LOG --log-prefix 0123456789012345678901234567890', '-A INPUT -j LOG --log-prefix 01234567890123456789012345678'],
      ['iptables -A INPUT -j REJECT', '-A INPUT -j REJECT --reject-with icmp-port-unreachable'],
      ['iptables -A INPUT -j REJECT --reject-with icmp-host', '-A INPUT -j REJECT --reject-with icmp-host-unreachable'],
      ['iptables -A INPUT -p tcp -j REJECT --reject-with tcp-reset', '-A INPUT -p tcp -j REJECT --reject-with tcp-reset'],
      ['iptables -A INPUT -j MARK --set-mark 1', '-A INPUT -j MARK --set-xmark 0x1/0xffffffff'],
      ['iptables -A INPUT -j MARK --set-mark 0x1/0xf', '-A INPUT -j MARK --set-xmark 0x1/0xf'],
      ['iptables -A INPUT -j MARK --and-mark 0xf', '-A INPUT -j MARK --set-xmark 0x0/0xfffffff0'],
      ['iptables -A INPUT -j MARK --or-mark 0xf', '-A INPUT -j MARK --set-xmark 0xf/0xf'],
      ['iptables -A INPUT -j MARK --xor-mark 0xf', '-A INPUT -j MARK --set-xmark 0xf/0x0'],
      ['iptables -A INPUT -j CONNMARK --set-mark 1', '-A INPUT -j CONNMARK --set-xmark 0x1/0xffffffff'],
      ['iptables -A INPUT -j CONNMARK --and-mark 1', '-A INPUT -j CONNMARK --set-xmark 0x0/0xfffffffe'],
      ['iptables -A INPUT -j CONNMARK --save-mark', '-A INPUT -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff'],
      ['iptables -A INPUT -j CONNMARK --restore-mark', '-A INPUT -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff'],
      ['iptables -A INPUT -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xf', '-A INPUT -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xf'],
      ['iptables -A INPUT -j TRACE', '-A INPUT -j TRACE'],
      ['iptables -A INPUT --protocol tcp --source 1.1.1.1 --destination 2.2.2.2 --in-interface e --jump ACCEPT', '-A INPUT -s 1.1.1.1/32 -d 2.2.2.2/32 -i e -p tcp -j ACCEPT'],
      ['iptables -A INPUT --so 1.2.3.4 -j ACCEPT', '-A INPUT -s 1.2.3.4/32 -j ACCEPT'],
      ['iptables -A INPUT -p tcp --dport=22 -j ACCEPT', '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT'],
      ['iptables -A INPUT -p tcp --dpo 22 -j ACCEPT', '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT'],
      ['iptables -w -A INPUT -j DROP', '-A INPUT -j DROP'],
      ['iptables -w 5 -A INPUT -j DROP', '-A INPUT -j DROP'],
    ];
    for (const [line, text] of cases) {
      it(line, () => assert.equal(one(line).text, text));
    }

    const nat: Array<[string, string, string]> = [
      ['iptables -t nat -A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:1000-2000', 'POSTROUTING', '-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:1000-2000'],
      ['iptables -t nat -A POSTROUTING -j SNAT --to-source 1.2.3.4-1.2.3.9', 'POSTROUTING', '-A POSTROUTING -j SNAT --to-source 1.2.3.4-1.2.3.9'],
      ['iptables -t nat -A POSTROUTING -j SNAT --to 1.2.3.4', 'POSTROUTING', '-A POSTROUTING -j SNAT --to-source 1.2.3.4'],
      ['iptables -t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80', 'PREROUTING', '-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80'],
      ['iptables -t nat -A PREROUTING -p tcp -j REDIRECT --to-ports 8080', 'PREROUTING', '-A PREROUTING -p tcp -j REDIRECT --to-ports 8080'],
      ['iptables -t nat -A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000', 'POSTROUTING', '-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000'],
      ['iptables --table nat --append POSTROUTING --out-interface e --jump MASQUERADE', 'POSTROUTING', '-A POSTROUTING -o e -j MASQUERADE'],
      ['iptables -t nat -A POSTROUTING -o e -j MASQUERADE --random', 'POSTROUTING', '-A POSTROUTING -o e -j MASQUERADE --random'],
      ['iptables -t nat -A POSTROUTING -j MASQUERADE -o eth0 ! -d 10.0.0.0/8', 'POSTROUTING', '-A POSTROUTING ! -d 10.0.0.0/8 -o eth0 -j MASQUERADE'],
    ];
    for (const [line, c, text] of nat) {
      it(line, () => assert.equal(one(line, 'nat', c).text, text));
    }
    it('raw: NOTRACK and CT --notrack', () => {
      assert.equal(one('iptables -t raw -A PREROUTING -j NOTRACK', 'raw', 'PREROUTING').text, '-A PREROUTING -j NOTRACK');
      assert.equal(one('iptables -t raw -A OUTPUT -j CT --notrack', 'raw', 'OUTPUT').text, '-A OUTPUT -j CT --notrack');
      assert.deepEqual(one('iptables -t raw -A OUTPUT -j CT --notrack', 'raw', 'OUTPUT').target, { kind: 'NOTRACK' });
    });
  });

  describe('kernel configuration of a rule', () => {
    it('matches and target', () => {
      const r = one('iptables -A FORWARD -i c0 -o s0 -p tcp --dport 80 -s 10.0.0.0/8 -j ACCEPT', 'filter', 'FORWARD');
      assert.deepEqual(r.matches, [
        { kind: 'src', prefix: { addr: parseIpv4('10.0.0.0'), len: 8 }, invert: false },
        { kind: 'iif', name: 'c0', invert: false },
        { kind: 'oif', name: 's0', invert: false },
        { kind: 'proto', proto: 6, invert: false },
        { kind: 'dport', range: [80, 80], invert: false },
      ]);
      assert.deepEqual(r.target, { kind: 'ACCEPT' });
      assert.equal(typeof r.origin, 'number');
    });
    it('marks, conntrack, icmp, flags, multiport', () => {
      assert.deepEqual(one('iptables -A INPUT -m mark ! --mark 0x1/0xff').matches, [{ kind: 'mark', value: 1, mask: 0xff, invert: true }]);
      assert.deepEqual(one('iptables -A INPUT -m connmark --mark 5').matches, [{ kind: 'connmark', value: 5, mask: 0xffffffff, invert: false }]);
      assert.deepEqual(one('iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED').matches, [{ kind: 'ctstate', states: ['RELATED', 'ESTABLISHED'], invert: false }]);
      assert.deepEqual(one('iptables -A INPUT -p icmp --icmp-type 8').matches[1], { kind: 'icmptype', type: 8, code: undefined, invert: false });
      assert.deepEqual(one('iptables -A INPUT -p tcp --syn').matches[1], { kind: 'tcpflags', mask: 0x17, comp: 0x02, invert: false });
      assert.deepEqual(one('iptables -A INPUT -p udp -m multiport --ports 53,5000:5010').matches[1], { kind: 'multiport', which: 'port', ranges: [[53, 53], [5000, 5010]], invert: false });
    });
    it('targets', () => {
      assert.deepEqual(one('iptables -A INPUT -j MARK --and-mark 0xf').target, { kind: 'MARK', value: 0, mask: 0xfffffff0 });
      assert.deepEqual(one('iptables -A INPUT -j CONNMARK --save-mark --mask 0xff').target, { kind: 'CONNMARK', op: 'save', nfmask: 0xff, ctmask: 0xff });
      assert.deepEqual(one('iptables -A INPUT -j REJECT --reject-with host-prohib').target, { kind: 'REJECT', with: 'icmp-host-prohibited' });
      assert.deepEqual(one('iptables -t nat -A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.2:8080', 'nat', 'PREROUTING').target,
        { kind: 'DNAT', to: { addrLo: parseIpv4('10.0.0.2'), addrHi: parseIpv4('10.0.0.2'), portLo: 8080, portHi: 8080 } });
      assert.deepEqual(one('iptables -t nat -A POSTROUTING -j MASQUERADE', 'nat', 'POSTROUTING').target, { kind: 'MASQUERADE' });
      assert.deepEqual(one('iptables -A INPUT -j LOG --log-prefix "p "').target, { kind: 'LOG', prefix: 'p ', level: undefined });
    });
    it('-s and -d lists expand into one rule per pair, in iptables order', () => {
      const m = model('iptables -A INPUT -s 1.1.1.1,2.2.2.2 -d 3.3.3.3,4.4.4.4 -j ACCEPT');
      assert.deepEqual(texts(m, 'filter', 'INPUT'), [
        '-A INPUT -s 1.1.1.1/32 -d 3.3.3.3/32 -j ACCEPT', '-A INPUT -s 1.1.1.1/32 -d 4.4.4.4/32 -j ACCEPT',
        '-A INPUT -s 2.2.2.2/32 -d 3.3.3.3/32 -j ACCEPT', '-A INPUT -s 2.2.2.2/32 -d 4.4.4.4/32 -j ACCEPT',
      ]);
    });
  });

  describe('tables and chains', () => {
    it('no table exists before an iptables command changes it; -L, -S, -F, -Z, -D of a fresh table create none', () => {
      const m = model('iptables -t nat -L\niptables -t mangle -S\niptables -t raw -F\niptables -Z\niptables -L -n -v\n');
      assert.deepEqual(errors(m), []);
      assert.equal(m.topology.namespaces.get('root')!.xtables.size, 0);
    });
    it('the first change creates the table with all built-in chains, ACCEPT, in hook order', () => {
      const m = model('iptables -t nat -A POSTROUTING -o s0 -j MASQUERADE\n');
      const t = m.topology.namespaces.get('root')!.xtables.get('nat')!;
      assert.deepEqual([...t.chains.keys()], ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING']);
      assert.ok([...t.chains.values()].every((c) => c.builtin && c.policy === 'ACCEPT'));
      assert.equal(m.topology.namespaces.get('root')!.xtables.has('filter'), false);
    });
    it('-P sets the policy and creates the table; -N adds a user chain after the built-ins', () => {
      const m = model('iptables -P FORWARD DROP\niptables -N web\n');
      assert.equal(chain(m, 'filter', 'FORWARD')!.policy, 'DROP');
      assert.deepEqual([...m.topology.namespaces.get('root')!.xtables.get('filter')!.chains.keys()], ['INPUT', 'FORWARD', 'OUTPUT', 'web']);
      assert.equal(chain(m, 'filter', 'web')!.builtin, false);
      assert.equal(chain(m, 'filter', 'web')!.policy, undefined);
    });
    it('namespaces have their own tables', () => {
      const m = model('namespace a {\n  iptables -N x\n}\nnamespace b {\n  iptables -N x\n}\n');
      assert.deepEqual(errors(m), []);
      assert.ok(chain(m, 'filter', 'x', 'a') && chain(m, 'filter', 'x', 'b'));
    });
    it('-I, -R, -D by number and by rule', () => {
      const m = model([
        'iptables -A INPUT -j ACCEPT', 'iptables -I INPUT -j DROP', 'iptables -I INPUT 3 -p tcp', 'iptables -I INPUT 2 -p udp',
        'iptables -R INPUT 1 -j RETURN', 'iptables -D INPUT -p udp', 'iptables -D INPUT 3',
      ].join('\n'));
      assert.deepEqual(errors(m), []);
      assert.deepEqual(texts(m, 'filter', 'INPUT'), ['-A INPUT -j RETURN', '-A INPUT -j ACCEPT']);
    });
    it('-D matches the canonical rule, whatever the spelling', () => {
      const m = model('iptables -A INPUT -p tcp --dport 22 -j ACCEPT\niptables -D INPUT --protocol tcp -m tcp --destination-port ssh --jump ACCEPT\n');
      assert.deepEqual(errors(m), []);
      assert.deepEqual(texts(m, 'filter', 'INPUT'), []);
    });
    it('-F empties chains; -X deletes empty unreferenced user chains', () => {
      const m = model('iptables -N a\niptables -N b\niptables -A a -j b\niptables -A INPUT -j a\niptables -F\niptables -X\n');
      assert.deepEqual(errors(m), []);
      assert.deepEqual([...m.topology.namespaces.get('root')!.xtables.get('filter')!.chains.keys()], ['INPUT', 'FORWARD', 'OUTPUT']);
    });
    it('-X without a chain fails while a built-in chain jumps to a user chain', () => {
      const m = model('iptables -N a\niptables -A INPUT -j a\niptables -X\n');
      assert.deepEqual(errors(m), ['NS3012']);
      assert.ok(chain(m, 'filter', 'a'));
    });
    it('-E renames a user chain; jumps to it and its own rules follow', () => {
      const m = model('iptables -N a\niptables -N b\niptables -N d\niptables -A a -j b\niptables -A d -j a\niptables -A INPUT -g a\niptables -E a c\niptables -A INPUT -j c\niptables -A b -j d\n');
      // The last line closes the loop c -> b -> d -> c, reachable from INPUT: the edges follow the rename.
      assert.deepEqual(errors(m), ['NS3021']);
      assert.deepEqual([...m.topology.namespaces.get('root')!.xtables.get('filter')!.chains.keys()], ['INPUT', 'FORWARD', 'OUTPUT', 'c', 'b', 'd']);
      assert.deepEqual(texts(m, 'filter', 'INPUT'), ['-A INPUT -g c', '-A INPUT -j c']);
      assert.deepEqual(texts(m, 'filter', 'c'), ['-A c -j b']);
      assert.deepEqual(texts(m, 'filter', 'd'), ['-A d -j c']);
      assert.deepEqual(chain(m, 'filter', 'd')!.rules[0].target, { kind: 'jump', chain: 'c' });
      assert.deepEqual(errors(model('iptables -E a b')), ['NS3002']);
      assert.deepEqual(errors(model('iptables -N a\niptables -N b\niptables -E a b')), ['NS3003']);
    });
    it('-X of a non-empty chain and of a referenced chain', () => {
      const m = model('iptables -N a\niptables -A a -j ACCEPT\niptables -X a\niptables -F a\niptables -N b\niptables -A a -j b\niptables -X b\n');
      assert.deepEqual(errors(m), ['NS3012', 'NS3012']);
      assert.equal(m.diagnostics[0].data?.chain, 'a');
    });
  });

  describe('rejections (each verified on the real iptables)', () => {
    const rejected: Array<[string, string]> = [
      ['iptables -t foo -A INPUT -j ACCEPT', 'NS3001'],
      ['iptables -A FOO -j ACCEPT', 'NS3002'],
      ['iptables -F FOO', 'NS3002'],
      ['iptables -X FOO', 'NS3002'],
      ['iptables -I NOPE -j ACCEPT', 'NS3002'],
      ['iptables -D NOPE 1', 'NS3002'],
      ['iptables -D NOPE -j ACCEPT', 'NS3013'],
      ['iptables -D INPUT -j ACCEPT', 'NS3013'],
      ['iptables -N FOO\niptables -N FOO', 'NS3003'],
      ['iptables -N INPUT', 'NS3003'],
      ['iptables -A INPUT -j BAR', 'NS3004'],
      ['iptables -A INPUT -j accept', 'NS3004'],
      ['iptables -A INPUT -j DNAT --to-destination 1.2.3.4', 'NS3005'],
      ['iptables -t nat -A INPUT -j DNAT --to-destination 1.2.3.4', 'NS3005'],
      ['iptables -t nat -A PREROUTING -j SNAT --to-source 1.2.3.4', 'NS3005'],
      ['iptables -t nat -A INPUT -j MASQUERADE', 'NS3005'],
      ['iptables -t nat -A POSTROUTING -j REDIRECT', 'NS3005'],
      ['iptables -t mangle -A INPUT -j REJECT', 'NS3005'],
      ['iptables -t raw -A PREROUTING -j REJECT', 'NS3005'],
      ['iptables -t security -A INPUT -j REJECT', 'NS3005'],
      ['iptables -t mangle -A INPUT -j DNAT --to-destination 1.2.3.4', 'NS3005'],
      ['iptables -A INPUT -j NOTRACK', 'NS3005'],
      ['iptables -A INPUT -j CT --notrack', 'NS3005'],
      ['iptables -N U\niptables -A U -j DNAT --to-destination 1.2.3.4', 'NS3005'],
      ['iptables -A OUTPUT -i eth0 -j ACCEPT', 'NS3006'],
      ['iptables -A INPUT -o eth0 -j ACCEPT', 'NS3006'],
      ['iptables -t nat -A PREROUTING -o eth0 -j ACCEPT', 'NS3006'],
      ['iptables -t nat -A POSTROUTING -i eth0 -j ACCEPT', 'NS3006'],
      ['iptables -A INPUT --foo -j ACCEPT', 'NS3007'],
      ['iptables -t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.1.1.1 --random-fully', 'NS3007'],
      ['iptables -A INPUT -p tcp --d 22 -j ACCEPT', 'NS3007'],
      ['iptables -t nat -A POSTROUTING -j SNAT --to-destination 1.2.3.4', 'NS3007'],
      ['iptables -A INPUT --dport 80 -j ACCEPT', 'NS3008'],
      ['iptables -A INPUT -p icmp --dport 80 -j ACCEPT', 'NS3008'],
      ['iptables -A INPUT ! -p tcp --dport 80 -j ACCEPT', 'NS3008'],
      ['iptables -A INPUT -j REJECT --reject-with tcp-reset', 'NS3009'],
      ['iptables -A INPUT ! -p tcp -j REJECT --reject-with tcp-reset', 'NS3009'],
      ['iptables -N U\niptables -A U -p udp -j REJECT --reject-with tcp-reset', 'NS3009'],
      ['iptables -P FOO DROP', 'NS3010'],
      ['iptables -P INPUT REJECT', 'NS3011'],
      ['iptables -P INPUT RETURN', 'NS3011'],
      ['iptables -P INPUT accept', 'NS3011'],
      ['iptables -t nat -P POSTROUTING DROP', 'NS3011'],
      ['iptables -A INPUT -j ACCEPT\niptables -D INPUT 2', 'NS3014'],
      ['iptables -D INPUT 5', 'NS3014'],
      ['iptables -D INPUT 0', 'NS3014'],
      ['iptables -R INPUT 5 -j ACCEPT', 'NS3014'],
      ['iptables -R INPUT 0 -j ACCEPT', 'NS3014'],
      ['iptables -I INPUT 2 -j ACCEPT', 'NS3014'],
      ['iptables -A INPUT -j INPUT', 'NS3015'],
      ['iptables -A INPUT -g OUTPUT', 'NS3015'],
      ['iptables -A INPUT -m foo -j ACCEPT', 'NS3016'],
      ['iptables -A INPUT -p TcP -m TCP --dport 1', 'NS3016'],
      ['iptables -A INPUT -s 1.2.3.4/33 -j ACCEPT', 'NS3017'],
      ['iptables -A INPUT -s 1.2.3.4/ -j ACCEPT', 'NS3017'],
      ['iptables -A INPUT -s 300.1.1.1 -j ACCEPT', 'NS3017'],
      ['iptables -t nat -A PREROUTING -j DNAT --to-destination 1.2.3', 'NS3017'],
      ['iptables -A INPUT -p tcp --dport 70000 -j ACCEPT', 'NS3018'],
      ['iptables -A INPUT -p tcp --dport abc -j ACCEPT', 'NS3018'],
      ['iptables -A INPUT -p tcp --dport 80:70', 'NS3018'],
      ['iptables -A INPUT -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16', 'NS3018'],
      ['iptables -t nat -A PREROUTING -i lo -p tcp -j REDIRECT --to-ports 70000', 'NS3018'],
      ['iptables -A INPUT -p foo', 'NS3019'],
      ['iptables -A INPUT -p 300', 'NS3019'],
      ['iptables -A INPUT -m conntrack --ctstate FOO', 'NS3019'],
      ['iptables -A INPUT -m state --state NEW,FOO', 'NS3019'],
      ['iptables -A INPUT -p icmp --icmp-type foo', 'NS3019'],
      ['iptables -A INPUT -p icmp --icmp-type echo', 'NS3019'],
      ['iptables -A INPUT -p tcp --tcp-flags FOO SYN', 'NS3019'],
      ['iptables -A INPUT -m mark --mark foo', 'NS3019'],
      ['iptables -A INPUT -m addrtype --src-type FOO', 'NS3019'],
      ['iptables -A INPUT -j REJECT --reject-with icmp-foo', 'NS3019'],
      ['iptables -A INPUT -j MARK --set-mark foo', 'NS3019'],
      ['iptables -A INPUT -i 0123456789abcdefg', 'NS3019'],
      ['iptables -N abcdefghijabcdefghijabcdefghij', 'NS3019'],
      ['iptables -N ACCEPT', 'NS3019'],
      ['iptables -A INPUT -j DROP\niptables -R INPUT 1 -s 1.1.1.1,2.2.2.2 -j ACCEPT', 'NS3019'],
      ['iptables -A', 'NS3020'],
      ['iptables -A INPUT -p', 'NS3020'],
      ['iptables -N', 'NS3020'],
      ['iptables -A INPUT -p tcp --dport', 'NS3020'],
      ['iptables -N L1\niptables -N L2\niptables -A L1 -j L2\niptables -A L2 -j L1\niptables -A INPUT -j L1', 'NS3021'],
      ['iptables -N S\niptables -A S -j S\niptables -A INPUT -j S', 'NS3021'],
      ['iptables -N U\niptables -N V\niptables -A INPUT -j U\niptables -A U -j V\niptables -A V -g U', 'NS3021'],
      ['iptables -X INPUT', 'NS3022'],
      ['iptables -t raw -X PREROUTING', 'NS3022'],
      ['iptables -A INPUT -j DROP -j ACCEPT', 'NS3023'],
      ['iptables -A INPUT -s 1.2.3.4 -s 5.6.7.8', 'NS3023'],
      ['iptables -A INPUT -p tcp --sport 1 --sport 2', 'NS3023'],
      ['iptables -A INPUT -m state ! --state NEW ! --state NEW', 'NS3023'],
      ['iptables -A INPUT -p tcp -m multiport --dports 1 --sports 2', 'NS3023'],
      ['iptables -A INPUT -m multiport --dports 1,2', 'NS3024'],
      ['iptables -A INPUT -m multiport --dports 1 -p tcp', 'NS3024'],
      ['iptables -A INPUT -m tcp --dport 1', 'NS3024'],
      ['iptables -A INPUT -p udp -m tcp --dport 1', 'NS3024'],
      ['iptables -A INPUT -m udp --dport 1', 'NS3024'],
      ['iptables -A INPUT -m icmp --icmp-type 8', 'NS3024'],
      ['iptables -t nat -A POSTROUTING -j SNAT --to-source 1.2.3.4:1000-2000', 'NS3024'],
      ['iptables -t nat -A POSTROUTING -j MASQUERADE --to-ports 1000-2000', 'NS3024'],
      ['iptables -t nat -A PREROUTING -j REDIRECT --to-ports 8080', 'NS3024'],
      ['iptables -t nat -A PREROUTING -j DNAT', 'NS3025'],
      ['iptables -A INPUT -m mark', 'NS3025'],
      ['iptables -A INPUT -m addrtype --limit-iface-out', 'NS3025'],
      ['iptables -A INPUT -s 10.0.0.0/8 -m comment', 'NS3025'],
      ['iptables -A INPUT -j MARK', 'NS3025'],
      ['iptables -A INPUT -j CONNMARK', 'NS3025'],
      ['iptables -A INPUT -p tcp -m multiport', 'NS3025'],
      ['iptables -A INPUT -m conntrack', 'NS3025'],
      ['iptables -A INPUT -p tcp --tcp-flags SYN', 'NS3025'],
      ['iptables -P INPUT', 'NS3025'],
      ['iptables -A INPUT ! -m state --state NEW', 'NS3026'],
      ['iptables -A INPUT ! ! -s 1.2.3.4', 'NS3026'],
      ['iptables -A INPUT -s ! 1.2.3.4', 'NS3026'],
      ['iptables -A INPUT -j ACCEPT extra', 'NS3027'],
      ['iptables -p tcp -j ACCEPT', 'NS3028'],
    ];
    for (const [text, code] of rejected) {
      it(`${code}: ${text.split('\n').pop()}`, () => {
        const m = model(text);
        assert.deepEqual(errors(m), [code], m.diagnostics.map((d) => `${d.code} ${d.message}`).join('; '));
      });
    }

    const accepted = [
      'iptables -t nat -N N1\niptables -t nat -A N1 -j DNAT --to-destination 1.2.3.4\niptables -t nat -A PREROUTING -j N1',
      'iptables -t nat -N N1\niptables -t nat -A N1 -j MASQUERADE\niptables -t nat -A N1 -j DNAT --to-destination 1.2.3.4',
      'iptables -N L1\niptables -N L2\niptables -A L1 -j L2\niptables -A L2 -j L1',
      'iptables -N S\niptables -A S -j S',
      'iptables -N U\niptables -A U -i eth0 -j ACCEPT\niptables -A OUTPUT -j U',
      'iptables -N U\niptables -A INPUT -j U\niptables -D INPUT -j U\niptables -X U',
      'iptables -A INPUT -j TRACE\niptables -t raw -A PREROUTING -j TRACE',
      'iptables -t mangle -A PREROUTING -j MARK --set-mark 1',
      'iptables -A INPUT -I INPUT 1 -j ACCEPT'.replace('-A INPUT ', ''),
      'iptables -A INPUT -j ACCEPT\niptables -I INPUT 2 -j DROP',
      'iptables -A INPUT -p tcp --dport 0',
      'iptables -A INPUT -m conntrack --ctstate E',
      'iptables -A INPUT -nvL'.replace('-A INPUT ', ''),
      'iptables -N abcdefghijabcdefghijabcdefgh',
    ];
    for (const text of accepted) {
      it(`accepted: ${text.replace(/\n/g, ' ; ')}`, () => {
        const m = model(text);
        assert.deepEqual(errors(m), [], m.diagnostics.map((d) => `${d.code} ${d.message}`).join('; '));
      });
    }

    it('a failing line changes nothing (no table, no chain, no rule)', () => {
      const m = model('iptables -t nat -A POSTROUTING -j DNAT --to-destination 1.2.3.4\niptables -A INPUT -s 1.1.1.1,2.2.2.2 -j NOPE\n');
      assert.equal(m.topology.namespaces.get('root')!.xtables.size, 0);
      assert.ok(m.statements.filter(Boolean).every((s) => s.failed));
    });
    it('a DNAT chain stays usable from PREROUTING after a refused jump from POSTROUTING', () => {
      const m = model('iptables -t nat -N N1\niptables -t nat -A N1 -j DNAT --to-destination 1.2.3.4\niptables -t nat -A POSTROUTING -j N1\niptables -t nat -A PREROUTING -j N1\n');
      assert.deepEqual(errors(m), ['NS3005']);
      assert.deepEqual(texts(m, 'nat', 'POSTROUTING'), []);
      assert.deepEqual(texts(m, 'nat', 'PREROUTING'), ['-A PREROUTING -j N1']);
      assert.equal(m.diagnostics[0].related?.length, 1);
    });
    it('a DNAT rule added to a chain POSTROUTING already reaches is refused', () => {
      const m = model('iptables -t nat -N N1\niptables -t nat -A POSTROUTING -j N1\niptables -t nat -A N1 -j DNAT --to-destination 1.2.3.4\n');
      assert.deepEqual(errors(m), ['NS3005']);
    });
    it('a jump into a chain that reaches a loop is refused once a built-in chain reaches it', () => {
      const m = model('iptables -N a\niptables -N b\niptables -A b -j b\niptables -A a -j b\niptables -A INPUT -j a\n');
      assert.deepEqual(errors(m), ['NS3021']);
      assert.deepEqual(m.diagnostics.find((d) => d.code === 'NS3021')!.data?.cycle, ['b', 'b']);
    });
  });

  describe('jump depth (nf_tables: at most 15 user chains below a built-in chain)', () => {
    const chainOf = (n: number) => [
      ...Array.from({ length: n }, (_, i) => `iptables -N c${i + 1}`),
      ...Array.from({ length: n - 1 }, (_, i) => `iptables -A c${i + 1} -j c${i + 2}`),
    ];
    it('15 is accepted, 16 is refused when the jump from INPUT is added', () => {
      assert.deepEqual(errors(model([...chainOf(16), 'iptables -A INPUT -j c2'].join('\n'))), []);
      assert.deepEqual(errors(model([...chainOf(16), 'iptables -A INPUT -j c1'].join('\n'))), ['NS3030']);
    });
    it('and when a reachable path grows at its bottom or its top', () => {
      const base = chainOf(15);
      assert.deepEqual(errors(model([...base, 'iptables -A INPUT -j c1', 'iptables -N c16', 'iptables -A c15 -j c16'].join('\n'))), ['NS3030']);
      assert.deepEqual(errors(model([...base, 'iptables -N c0', 'iptables -A FORWARD -j c0', 'iptables -A c0 -j c1'].join('\n'))), ['NS3030']);
    });
    it('unreachable long paths are accepted (depth counts only from built-in chains)', () => {
      assert.deepEqual(errors(model([...chainOf(20), 'iptables -N top', 'iptables -A top -j c1'].join('\n'))), []);
    });
  });

  describe('quick-fix data', () => {
    it('-i in OUTPUT suggests -o; -o in INPUT suggests -i', () => {
      assert.equal(model('iptables -A OUTPUT -i lo -j ACCEPT').diagnostics[0].data?.suggestOption, '-o');
      assert.equal(model('iptables -A INPUT -o lo -j ACCEPT').diagnostics[0].data?.suggestOption, '-i');
    });
    it('missing chains name the chain and the nearest one', () => {
      const d = model('iptables -N logdrop\niptables -A logdrp -j DROP').diagnostics[0];
      assert.equal(d.code, 'NS3002');
      assert.deepEqual(d.data, { chain: 'logdrp', table: 'filter', nearest: 'logdrop' });
      const j = model('iptables -A INPUT -j accept').diagnostics[0];
      assert.equal(j.data?.nearest, 'ACCEPT');
    });
    it('--port without -p, tcp-reset without -p tcp', () => {
      assert.equal(model('iptables -A INPUT -p udp -j REJECT --reject-with tcp-reset').diagnostics[0].data?.suggestProto, 'tcp');
      assert.deepEqual(model('iptables -A INPUT --dport 22 -j ACCEPT').diagnostics[0].data, { option: '--dport', suggestProto: 'tcp' });
    });
    it('unknown table and match name the nearest', () => {
      assert.deepEqual(model('iptables -t filters -A INPUT').diagnostics[0].data, { table: 'filters', nearest: 'filter' });
      assert.deepEqual(model('iptables -A INPUT -m conntrak --ctstate NEW').diagnostics[0].data, { match: 'conntrak', nearest: 'conntrack' });
    });
    it('a policy in the wrong case offers the right one', () => {
      assert.equal(model('iptables -P INPUT drop').diagnostics[0].data?.replacement, 'DROP');
    });
  });

  describe('not simulated', () => {
    it('a known match or target the simulator does not model is a warning and changes nothing', () => {
      for (const line of ['iptables -A INPUT -m limit --limit 5/min -j LOG', 'iptables -A FORWARD -p tcp -j TCPMSS --clamp-mss-to-pmtu', 'iptables -t raw -A PREROUTING -j CT', 'iptables -A INPUT -m conntrack --ctstate NEW --ctorigdst 10.0.0.1', 'iptables -t raw -A PREROUTING -j CT --zone 1', 'iptables -A INPUT -p tcp --tcp-option 2', 'iptables -A INPUT -s 10.0.0.0/255.0.255.0']) {
        const m = model(line);
        assert.deepEqual(codes(m), ['NS3029'], line);
        assert.equal(m.statements.filter(Boolean)[0].failed, false);
        assert.ok(!chain(m, 'filter', 'INPUT')?.rules.length);
      }
    });
  });

  describe('symbols and roles', () => {
    it('chain definitions and references with chain:<ns>/<table>/<name>', () => {
      const m = model('namespace a {\n  iptables -N web\n  iptables -A INPUT -j web\n  iptables -A web -j ACCEPT\n  iptables -F web\n}\n');
      const s = m.symbols.filter((x) => x.kind === 'chain' && x.name === 'web');
      assert.deepEqual(s.map((x) => [x.key, x.isDefinition]), [
        ['chain:a/filter/web', true], ['chain:a/filter/web', false], ['chain:a/filter/web', false], ['chain:a/filter/web', false],
      ]);
    });
    it('device references for -i/-o when the device exists', () => {
      const m = model('ip link add v0 type veth peer name v1\niptables -A FORWARD -i v0 -o v9 -j ACCEPT\n');
      const dev = m.topology.namespaces.get('root')!.devices.get('v0')!;
      const refs = m.symbols.filter((x) => x.kind === 'device' && x.key === `device:${dev.id}`);
      assert.ok(refs.some((r) => m.file.tokens.find((t) => t.start === r.start)?.value === 'v0' && !r.isDefinition));
      assert.ok(!m.symbols.some((x) => x.kind === 'device' && x.name === 'v9'));
    });
    it('roles for every word', () => {
      const m = model('iptables -t nat -A PREROUTING ! -s 10.0.0.0/8 -i eth0 -p tcp --dport 80 -m comment --comment web -j DNAT --to-destination 10.0.0.2');
      assert.deepEqual(m.statements[0].roles, [
        'command', 'option', 'table', 'option', 'chain', 'keyword', 'option', 'prefix', 'option', 'device', 'option', 'proto',
        'option', 'port', 'option', 'match', 'option', 'string', 'option', 'target', 'option', 'address',
      ]);
    });
  });

  describe('lint: shadowed rules (NS3050)', () => {
    const shadowed = (text: string) => model(text).diagnostics.filter((d) => d.code === 'NS3050');
    it('reports a rule covered by an earlier terminal rule, with related info and the unnecessary tag', () => {
      const d = shadowed('iptables -A INPUT -s 10.0.0.0/8 -j ACCEPT\niptables -A INPUT -s 10.1.0.0/16 -p tcp --dport 22 -j DROP\n');
      assert.equal(d.length, 1);
      assert.deepEqual(d[0].tags, ['unnecessary']);
      assert.equal(d[0].related?.[0].start, 0);
    });
    const yes = [
      'iptables -A INPUT -j DROP\niptables -A INPUT -p tcp -j ACCEPT',
      'iptables -A INPUT -p tcp -m multiport --dports 20:30,80 -j ACCEPT\niptables -A INPUT -p tcp --dport 22 -j DROP',
      'iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\niptables -A INPUT -m conntrack --ctstate ESTABLISHED -j DROP',
      'iptables -A FORWARD -i veth+ -j ACCEPT\niptables -A FORWARD -i veth0 -p udp -j DROP',
      'iptables -A INPUT ! -s 10.0.0.0/8 -j DROP\niptables -A INPUT -s 192.168.0.0/16 -j ACCEPT',
      'iptables -A INPUT -p icmp --icmp-type any -j ACCEPT\niptables -A INPUT -p icmp --icmp-type 8 -j DROP',
      'iptables -N x\niptables -A INPUT -p tcp -g x\niptables -A INPUT -p tcp --dport 1 -j DROP',
      'iptables -A INPUT -m comment --comment all -j RETURN\niptables -A INPUT -j LOG',
    ];
    for (const t of yes) it(`shadowed: ${t.replace(/\n/g, ' ; ')}`, () => assert.equal(shadowed(t).length, 1));
    const no = [
      'iptables -A INPUT -p tcp --dport 22 -j ACCEPT\niptables -A INPUT -p tcp -j DROP',
      'iptables -A INPUT -p tcp -j LOG\niptables -A INPUT -p tcp --dport 22 -j DROP',
      'iptables -N x\niptables -A INPUT -p tcp -j x\niptables -A INPUT -p tcp --dport 22 -j DROP',
      'iptables -A INPUT -m mark --mark 1 -j ACCEPT\niptables -A INPUT -j MARK --set-mark 1\niptables -A INPUT -m mark --mark 1 -j DROP',
      'iptables -A INPUT -s 10.0.0.0/8 -j ACCEPT\niptables -A INPUT ! -s 10.1.0.0/16 -j DROP',
      'iptables -A INPUT -i eth+ -j ACCEPT\niptables -A INPUT -i veth0 -j DROP',
      'iptables -A INPUT -s 1.1.1.1,1.1.1.1 -j ACCEPT',
    ];
    for (const t of no) it(`not shadowed: ${t.replace(/\n/g, ' ; ')}`, () => assert.equal(shadowed(t).length, 0));
    it(`compares only with the last ${SHADOW_WINDOW} terminal rules, plus the first unconditional one`, () => {
      const fill = Array.from({ length: SHADOW_WINDOW }, (_, i) => `iptables -A INPUT -s 10.9.${i}.0/24 -j DROP`);
      // FIXME-free by design: a shadow further back than the window is not reported (the bound keeps the lint linear).
      assert.equal(shadowed(['iptables -A INPUT -p tcp -j ACCEPT', ...fill, 'iptables -A INPUT -p tcp --dport 1 -j DROP'].join('\n')).length, 0);
      assert.equal(shadowed(['iptables -A INPUT -p tcp -j ACCEPT', ...fill.slice(1), 'iptables -A INPUT -p tcp --dport 1 -j DROP'].join('\n')).length, 1);
      assert.equal(shadowed(['iptables -A INPUT -j ACCEPT', ...fill, 'iptables -A INPUT -p tcp --dport 1 -j DROP'].join('\n')).length, SHADOW_WINDOW + 1);
    });
  });

  describe('lint: interfaces that do not exist (NS3051)', () => {
    const warn = (text: string) => model(text).diagnostics.filter((d) => d.code === 'NS3051');
    it('warns at the end of the file, not when the device appears later', () => {
      assert.equal(warn('iptables -A INPUT -i v0 -j ACCEPT\nip link add v0 type veth peer name v1\n').length, 0);
      const d = warn('ip link add v0 type veth peer name v1\niptables -A INPUT -i v2 -j ACCEPT\n');
      assert.equal(d.length, 1);
      assert.deepEqual(d[0].data, { name: 'v2', netns: 'root', nearest: 'v0' });
    });
    it('+ wildcards match by prefix; inverted matches are not reported', () => {
      assert.equal(warn('ip link add veth0 type veth peer name x0\niptables -A INPUT -i veth+ -j ACCEPT\n').length, 0);
      assert.equal(warn('iptables -A INPUT -i br+ -j ACCEPT\n').length, 1);
      assert.equal(warn('iptables -A INPUT ! -i eth0 -j ACCEPT\n').length, 0);
    });
    it('a deleted rule is not linted', () => {
      assert.equal(warn('iptables -A INPUT -i eth9 -j ACCEPT\niptables -D INPUT 1\n').length, 0);
    });
  });
});

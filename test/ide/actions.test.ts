// Quick fixes: each fixture triggers one diagnostic code; the offered fix (by title) is applied
// and the result must no longer have that diagnostic. Also the data-driven table's contract.
import * as assert from 'node:assert/strict';
import { fixesFor, FIXES_BY_KEY, getCodeActions } from '../../core/ide/actions';
import { analyze } from '../../core/ide/analysis';
import { byCode } from '../../core/diagnostics/catalogue';
import { applyEdits } from './util';

interface Case {
  code: string;
  text: string;
  /** Start of the title of the fix to apply. */
  fix: string;
}

const CASES: Case[] = [
  { code: 'NS1001', text: 'iptables -A INPUT -m comment --comment "open -j ACCEPT\n', fix: 'Close the quote' },
  { code: 'NS1002', text: 'ip link set lo up\n}\n', fix: "Remove the '}'" },
  { code: 'NS1003', text: 'namespace a {\n    ip link set lo up\n', fix: 'Close the block' },
  { code: 'NS1005', text: 'namespace a\nip link set lo up\n', fix: 'Make it a block' },
  { code: 'NS1009', text: 'namespace a b {\n}\n', fix: "Remove 'b'" },
  { code: 'NS1010', text: 'namespace a/b {\n}\n', fix: "Rename to 'a-b'" },
  { code: 'NS2001', text: 'namespace a {\n    ip link add v0 type dummy\n    ip link set v9 up\n}\n', fix: "Replace with 'v0'" },
  { code: 'NS2009', text: 'ip link set lo up\nip route add 10.0.0.1/8 dev lo\n', fix: "Replace with '10.0.0.0/8'" },
  { code: 'NS3002', text: 'namespace a {\n    iptables -A FOO -j ACCEPT\n}\n', fix: 'Create chain FOO' },
  { code: 'NS3004', text: 'namespace a {\n    iptables -A INPUT -j BAR\n}\n', fix: 'Create chain BAR' },
  { code: 'NS3006', text: 'namespace a {\n    iptables -A OUTPUT -i lo -j ACCEPT\n}\n', fix: "Replace with '-o'" },
  { code: 'NS3009', text: 'iptables -A INPUT -j REJECT --reject-with tcp-reset\n', fix: "Add '-p tcp'" },
  { code: 'NS3011', text: 'iptables -P INPUT drop\n', fix: "Replace with 'DROP'" },
  { code: 'NS3050', text: 'iptables -A INPUT -j ACCEPT\niptables -A INPUT -p tcp -j DROP\n', fix: 'Delete this line' },
  { code: 'NS4001', text: 'namespace client {\n}\nip -n clinet link set lo up\n', fix: "Replace with 'client'" },
  { code: 'NS4001', text: 'ip -n other link set lo up\n', fix: 'Create namespace other' },
  { code: 'NS5001', text: 'namespace r {\n    ip link add d0 type dummy\n    iptables -A FORWARD -j ACCEPT\n}\n', fix: 'Enable forwarding in r' },
  { code: 'NS5008', text: 'namespace r {\n    ip link add d0 type dummy\n    ip addr add 10.0.0.1/24 dev d0\n}\n', fix: "Add 'ip link set d0 up'" },
  {
    code: 'NS5009',
    text: 'namespace r {\n    ip link add c0 type veth peer name eth0 netns c\n    ip link set c0 up\n}\nnamespace c {\n}\n',
    fix: "Add 'ip -n c link set eth0 up'",
  },
  {
    code: 'NS5002',
    text:
      'namespace r {\n    ip link add c0 type veth peer name eth0 netns c\n    ip addr add 10.0.0.1/24 dev c0\n    ip link set c0 up\n' +
      '    ip link add d0 type dummy\n    ip addr add 10.1.0.1/24 dev d0\n    ip link set d0 up\n}\n' +
      'namespace c {\n    ip addr add 10.0.0.2/24 dev eth0\n    ip link set eth0 up\n    ip route add 10.1.0.0/16 via 10.0.0.1\n}\n',
    fix: 'Enable forwarding in r',
  },
  { code: 'NS9001', text: 'tc qdisc add dev lo root noqueue\n', fix: 'Comment out this line' },
  { code: 'NS9002', text: 'ipp link set lo up\n', fix: "Replace with 'ip'" },
];

describe('ide: quick fixes', () => {
  for (const c of CASES) {
    it(`${c.code}: '${c.fix}' removes the diagnostic`, () => {
      const a = analyze(c.text);
      const d = a.model.diagnostics.find((x) => x.code === c.code);
      assert.ok(d, `fixture does not trigger ${c.code}: ${a.model.diagnostics.map((x) => x.code).join(',')}`);
      const fix = fixesFor(a, d).find((f) => f.title.startsWith(c.fix));
      assert.ok(fix, `no fix '${c.fix}' for ${c.code}; offered: ${fixesFor(a, d).map((f) => f.title).join(' | ')}`);
      const after = applyEdits(c.text, fix.edits);
      const codes = analyze(after).model.diagnostics.map((x) => x.code);
      assert.ok(!codes.includes(c.code), `${c.code} still reported after the fix:\n${after}`);
    });
  }

  it('covers at least 10 distinct diagnostic codes', () => {
    assert.ok(new Set(CASES.map((c) => c.code)).size >= 10);
  });

  it('every key of the fix table is a catalogue key', () => {
    const keys = new Set([...byCode.values()].map((e) => e.key));
    for (const k of Object.keys(FIXES_BY_KEY)) assert.ok(keys.has(k), `FIXES_BY_KEY has '${k}', which the catalogue does not`);
  });

  it('getCodeActions returns only diagnostics overlapping the range, preferred first', () => {
    const text = 'namespace client {\n}\nip -n clinet link set lo up\ntc qdisc\n';
    const a = analyze(text);
    const start = text.indexOf('clinet');
    const acts = getCodeActions(a, start, start);
    assert.ok(acts.length >= 2);
    assert.ok(acts.every((x) => x.diagnostic.code === 'NS4001'));
    assert.equal(acts[0].title, "Replace with 'client'");
    assert.equal(acts[0].isPreferred, true);
  });

  it('data conventions drive fixes for any code', () => {
    const a = analyze('ip link set lo up\n');
    const d = { code: 'NS0000', severity: 'error' as const, message: 'x', start: 0, end: 2, data: { insertBefore: 'sysctl -w net.ipv4.ip_forward=1' } };
    const f = fixesFor(a, d);
    assert.equal(f.length, 1);
    assert.equal(applyEdits(a.text, f[0].edits), 'sysctl -w net.ipv4.ip_forward=1\nip link set lo up\n');
  });
});

// core/ide unit tests: completion by cursor place, the "what exists at this line" heuristic,
// hover, navigation and rename (with the kernel's refusals), outline, folding, selection ranges,
// semantic tokens, code lenses, inlay hints and probe expectation diagnostics. `$0` marks the cursor.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { analyze } from '../../core/ide/analysis';
import { getCompletions } from '../../core/ide/completion';
import { getHover } from '../../core/ide/hover';
import { getCodeLenses, getInlayHints } from '../../core/ide/lens';
import { getDefinition, getHighlights, getReferences, prepareRename, rename } from '../../core/ide/navigation';
import { getFoldingRanges, getOutline, getSelectionRanges, searchSymbols } from '../../core/ide/outline';
import { parseSimMode, probeExpectationDiagnostics, PROBE_EXPECTATION_KEY, runProbes } from '../../core/ide/probes';
import { devicesAt } from '../../core/ide/scope';
import { getSemanticTokens, TOKEN_TYPES } from '../../core/ide/tokens';
import { catalogue } from '../../core/diagnostics/catalogue';
import { fixturePath } from '../util/golden';
import { applyEdits, at } from './util';

const ROUTER = fs.readFileSync(fixturePath('ide', 'router.netns'), 'utf8');
const BASE = 'namespace c {\n}\nnamespace r {\n    ip link add c0 type veth peer name eth0 netns c\n    ip link add d0 type dummy\n    ip addr add 10.0.0.1/24 dev c0\n';

function labels(withCursor: string): string[] {
  const { a, offset } = at(withCursor);
  return getCompletions(a, offset).map((i) => i.label);
}

describe('ide: completion', () => {
  it('offers commands and snippets on an empty line', () => {
    const l = labels(BASE + '    $0\n}\n');
    for (const w of ['ip', 'iptables', 'sysctl', 'listen', 'probe', 'veth pair', 'NAT router', 'probe']) assert.ok(l.includes(w), w);
  });
  it('filters by the typed prefix', () => {
    assert.deepEqual(labels(BASE + '    ip l$0\n}\n'), ['link']);
  });
  it('offers the devices of this namespace at this line', () => {
    assert.deepEqual(labels(BASE + '    ip link set $0\n}\n').sort(), ['c0', 'd0', 'dev', 'lo']);
    assert.deepEqual(labels(BASE + '}\nnamespace c {\n    ip link set $0\n}\n').sort(), ['dev', 'eth0', 'lo']);
  });
  it('drops deleted devices and follows moved ones', () => {
    assert.deepEqual(labels(BASE + '    ip link del d0\n    ip link set $0\n}\n').sort(), ['c0', 'dev', 'lo']);
    assert.deepEqual(labels(BASE + '    ip link set d0 netns c\n}\nnamespace c {\n    ip link set $0\n}\n').sort(), ['d0', 'dev', 'eth0', 'lo']);
  });
  it('does not offer devices created after the line', () => {
    assert.deepEqual(labels('namespace r {\n    ip link set $0\n    ip link add d0 type dummy\n}\n').sort(), ['dev', 'lo']);
  });
  it('ip link set DEV: the settings', () => {
    assert.ok(labels(BASE + '    ip link set c0 $0\n}\n').includes('up'));
  });
  it('iptables: chains of the table, targets and user chains, devices, modules and their options', () => {
    assert.deepEqual(labels(BASE + '    iptables -A $0\n}\n'), ['INPUT', 'FORWARD', 'OUTPUT']);
    assert.deepEqual(labels(BASE + '    iptables -t nat -A $0\n}\n'), ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING']);
    assert.deepEqual(labels(BASE + '    iptables -t $0\n}\n'), ['filter', 'nat', 'mangle', 'raw', 'security']);
    const j = labels(BASE + '    iptables -N WEB\n    iptables -A INPUT -j $0\n}\n');
    assert.ok(j.includes('ACCEPT') && j.includes('WEB') && !j.includes('MASQUERADE'));
    assert.ok(labels(BASE + '    iptables -t nat -A POSTROUTING -j $0\n}\n').includes('MASQUERADE'));
    assert.deepEqual(labels(BASE + '    iptables -A FORWARD -o $0\n}\n').sort(), ['c0', 'd0', 'lo']);
    assert.ok(labels(BASE + '    iptables -A INPUT -m $0\n}\n').includes('conntrack'));
    assert.ok(labels(BASE + '    iptables -A INPUT -m conntrack $0\n}\n').includes('--ctstate'));
    assert.ok(labels(BASE + '    iptables -A INPUT -p tcp $0\n}\n').includes('--dport'));
    assert.ok(labels(BASE + '    iptables -A INPUT -m conntrack --ctstate $0\n}\n').includes('ESTABLISHED,RELATED'));
    assert.ok(labels(BASE + '    iptables -A INPUT -j REJECT $0\n}\n').includes('--reject-with'));
    assert.deepEqual(labels(BASE + '    iptables -P FORWARD $0\n}\n'), ['ACCEPT', 'DROP']);
  });
  it('sysctl: keys (with this namespace devices) and values', () => {
    const k = labels(BASE + '    sysctl -w net.ipv4.conf.c$0\n}\n');
    assert.ok(k.includes('net.ipv4.conf.c0.rp_filter'));
    assert.deepEqual(labels(BASE + '    sysctl -w net.ipv4.ip_forward=$0\n}\n'), ['net.ipv4.ip_forward=0', 'net.ipv4.ip_forward=1']);
  });
  it('namespaces after -n, netns, from and in; outcomes after expect; addresses for listen', () => {
    assert.deepEqual(labels(BASE + '}\nip -n $0\n').sort(), ['c', 'r', 'root']);
    assert.deepEqual(labels(BASE + '    ip link set d0 netns $0\n}\n').sort(), ['c', 'r', 'root']);
    assert.deepEqual(labels(BASE + '}\nprobe p from $0\n').sort(), ['c', 'r', 'root']);
    assert.ok(labels(BASE + '}\nprobe p from r tcp 10.0.0.1:80 expect $0\n').includes('ttl-exceeded'));
    assert.deepEqual(labels(BASE + '    listen tcp $0\n}\n'), ['0.0.0.0:', '10.0.0.1:']);
  });
  it('pasted `ip -n NS` switches the namespace of the device list', () => {
    assert.deepEqual(labels(BASE + '}\nip -n c link set $0\n').sort(), ['dev', 'eth0', 'lo']);
  });
  it('never throws at any offset of a file', () => {
    const a = analyze(ROUTER);
    for (let o = -2; o <= ROUTER.length + 2; o += 3) getCompletions(a, o);
  });
});

describe('ide: scope heuristic', () => {
  it('devicesAt follows veth peers into their namespace', () => {
    const a = analyze(ROUTER);
    const last = a.commands[a.commands.length - 1].id + 1;
    assert.deepEqual(devicesAt(a, 'client', last).sort(), ['eth0', 'lo']);
    assert.deepEqual(devicesAt(a, 'router', last).sort(), ['c0', 'lo', 's0']);
  });
});

describe('ide: hover', () => {
  it('a device: type, peer, namespace, addresses, state', () => {
    const { a, offset } = at(ROUTER.replace('ip link set c0 up', 'ip link set c$00 up'));
    const h = getHover(a, offset)!;
    assert.match(h.markdown, /device \*\*c0\*\* in namespace \*\*router\*\*: veth, up/);
    assert.match(h.markdown, /peer: eth0 in client/);
    assert.match(h.markdown, /10\.0\.1\.1\/24/);
    assert.match(h.markdown, /Device c0 in router: brings it up/);
  });
  it('an address: which namespace and device own it', () => {
    const { a, offset } = at(ROUTER.replace('via 10.0.1.1', 'via 10.0$0.1.1'));
    assert.match(getHover(a, offset)!.markdown, /10\.0\.1\.1\/24 on c0 in namespace \*\*router\*\*/);
  });
  it('a rule: table, chain and position', () => {
    const { a, offset } = at(ROUTER.replace('-A WEB -p tcp', '-A WEB -p t$0cp'));
    assert.match(getHover(a, offset)!.markdown, /Appends a rule to filter\/WEB in router with target ACCEPT; it is rule 1 of WEB/);
  });
  it('a rule names the probes whose simulated path matched it', () => {
    const { a, offset } = at(ROUTER.replace('-A FORWARD -m conntrack', '-A FORW$0ARD -m conntrack'));
    const results = new Map(runProbes(a.model, 'separate').map((r) => [r.name, r]));
    assert.match(getHover(a, offset, results)!.markdown, /it is rule 1 of FORWARD/);
    const web = at(ROUTER.replace('-p tcp --dport 80 -j ACCEPT', '-p tcp --dport 80 -j ACC$0EPT'));
    assert.match(getHover(web.a, web.offset, results)!.markdown, /Matched by probe web \(simulated\)/);
  });
  it('iptables option and sysctl key help', () => {
    const o = at(ROUTER.replace('--ctstate', '--cts$0tate'));
    assert.match(getHover(o.a, o.offset)!.markdown, /\*\*--ctstate\*\*.*match conntrack/);
    const s = at(ROUTER.replace('sysctl -w net.ipv4.ip_forward=1', 'sysctl -w net.ipv4.ip_$0forward=1'));
    const m = getHover(s.a, s.offset)!.markdown;
    assert.match(m, /net\.ipv4\.ip_forward\*\* \(default in a new namespace: 0\)/);
    assert.match(m, /Sets net\.ipv4\.ip_forward to 1 in router \(a new namespace has 0\)/);
  });
  it('a namespace name and a probe (with its simulated outcome)', () => {
    const n = at(ROUTER.replace('namespace client {', 'namespace cli$0ent {'));
    assert.match(getHover(n.a, n.offset)!.markdown, /namespace \*\*client\*\*\s+devices: lo, eth0/);
    const p = at(ROUTER.replace('probe ssh', 'probe s$0sh'));
    const results = new Map(runProbes(p.a.model, 'separate').map((r) => [r.name, r]));
    assert.match(getHover(p.a, p.offset, results)!.markdown, /simulated: \*\*dropped\*\* in router/);
  });
  it('answers undefined on whitespace and never throws', () => {
    const a = analyze(ROUTER);
    assert.equal(getHover(a, ROUTER.indexOf('\n\nnamespace router') + 1), undefined);
    for (let o = -1; o <= ROUTER.length + 1; o += 5) getHover(a, o);
  });
});

describe('ide: navigation and rename', () => {
  const def = (s: string) => {
    const { a, offset } = at(s);
    return getDefinition(a, offset).map((x) => a.text.slice(x.start, x.end) + '@' + x.start);
  };
  it('definition of a device is its creation, scoped to its namespace', () => {
    const text = ROUTER.replace('ip addr add 10.0.1.2/24 dev eth0', 'ip addr add 10.0.1.2/24 dev et$0h0');
    const d = def(text);
    assert.deepEqual(d, [`eth0@${ROUTER.indexOf('eth0 netns client')}`]);
  });
  it('definition of a namespace, a chain and a probe', () => {
    assert.deepEqual(def(ROUTER.replace('eth0 netns client', 'eth0 netns cl$0ient')), [`client@${ROUTER.indexOf('client {')}`]);
    assert.deepEqual(def(ROUTER.replace('-j WEB', '-j W$0EB')), [`WEB@${ROUTER.indexOf('WEB\n')}`]);
  });
  it('references and highlights of eth0 in client do not include eth0 in server', () => {
    const { a, offset } = at(ROUTER.replace('ip link set eth0 up\n    ip route add default via 10.0.1.1', 'ip link set e$0th0 up\n    ip route add default via 10.0.1.1'));
    const refs = getReferences(a, offset, true);
    assert.equal(refs.length, 3);
    assert.ok(refs.every((r) => r.start < a.text.indexOf('namespace server')));
    assert.equal(getReferences(a, offset, false).length, 2);
    const hl = getHighlights(a, offset);
    assert.equal(hl.filter((h) => h.write).length, 1);
  });
  it('rename a device edits every occurrence in its namespace', () => {
    const { a, offset } = at(ROUTER.replace('ip link set c0 up', 'ip link set c$00 up'));
    const r = rename(a, offset, 'lan0');
    assert.ok(r && 'edits' in r);
    const after = applyEdits(a.text, r.edits);
    assert.ok(!/\bc0\b/.test(after));
    assert.equal(analyze(after).model.diagnostics.length, 0);
  });
  it('rename refuses what the kernel refuses', () => {
    const { a, offset } = at(ROUTER.replace('ip link set c0 up', 'ip link set c$00 up'));
    const too = rename(a, offset, 'a-very-long-name-x');
    assert.ok(too && 'error' in too && /15 characters/.test(too.error));
    const clash = rename(a, offset, 's0');
    assert.ok(clash && 'error' in clash && /already has a device/.test(clash.error));
    const ns = at(ROUTER.replace('namespace client {', 'namespace cli$0ent {'));
    const bad = rename(ns.a, ns.offset, 'a/b');
    assert.ok(bad && 'error' in bad && /invalid namespace name/.test(bad.error));
    const exists = rename(ns.a, ns.offset, 'server');
    assert.ok(exists && 'error' in exists && /already exists/.test(exists.error));
    const ok = rename(ns.a, ns.offset, 'lan');
    assert.ok(ok && 'edits' in ok);
    assert.equal(analyze(applyEdits(ns.a.text, ok.edits)).model.diagnostics.length, 0);
    const builtin = at(ROUTER.replace('-P FORWARD', '-P FOR$0WARD'));
    assert.ok('error' in (prepareRename(builtin.a, builtin.offset) ?? {}));
  });
  it('rename a user chain and a probe', () => {
    const c = at(ROUTER.replace('-j WEB', '-j W$0EB'));
    const r = rename(c.a, c.offset, 'WEBIN');
    assert.ok(r && 'edits' in r && r.edits.length === 3);
    const p = at(ROUTER.replace('probe web', 'probe w$0eb'));
    const clash = rename(p.a, p.offset, 'ssh');
    assert.ok(clash && 'error' in clash);
  });
});

describe('ide: structure', () => {
  const a = analyze(ROUTER);
  it('outline: namespaces with their devices, chains, listeners, jails; probes at top level', () => {
    const o = getOutline(a);
    assert.deepEqual(o.map((i) => `${i.kind}:${i.name}`), ['namespace:router', 'namespace:client', 'namespace:server', 'probe:web', 'probe:ssh']);
    assert.deepEqual(o[0].children.map((i) => `${i.kind}:${i.name}`), ['device:c0', 'device:eth0', 'device:s0', 'device:eth0', 'chain:WEB']);
    assert.deepEqual(o[2].children.map((i) => `${i.kind}:${i.name}`), ['listen:tcp 0.0.0.0:80', 'jail:jail 10.0.2.2']);
    assert.deepEqual(o[2].children[1].children.map((i) => i.name), ['tcp 10.0.2.2:22']);
    assert.deepEqual(searchSymbols(a, 'eth').map((i) => i.container), ['router', 'router']);
  });
  it('folding: blocks, the comment run, the continued line', () => {
    const f = getFoldingRanges(a).map((x) => `${x.startLine}-${x.endLine}${x.kind ? ':' + x.kind : ''}`);
    assert.deepEqual(f, ['0-1:comment', '3-17:region', '16-17', '20-24:region', '27-35:region', '33-34:region']);
  });
  it('selection ranges: word, command, block body, block, file', () => {
    const o = ROUTER.indexOf('10.0.2.2:22') + 2;
    const s = getSelectionRanges(a, o).map((x) => ROUTER.slice(x.start, x.end).split('\n')[0]);
    assert.deepEqual(s.slice(0, 2), ['10.0.2.2:22', 'listen tcp 10.0.2.2:22']);
    assert.equal(s.length, 7);
    assert.equal(s[s.length - 1], ROUTER.split('\n')[0]);
  });
  it('semantic tokens from roles: namespace, device, chain, comment', () => {
    const t = getSemanticTokens(a);
    const typeAt = (needle: string) => TOKEN_TYPES[t.find((x) => x.start === ROUTER.indexOf(needle))!.type];
    assert.equal(typeAt('# A router'), 'comment');
    assert.equal(typeAt('router {'), 'namespace');
    assert.equal(typeAt('c0 type veth'), 'variable');
    assert.equal(typeAt('WEB -p'), 'enum');
    assert.equal(typeAt('iptables -t nat'), 'function');
    for (let i = 1; i < t.length; i++) assert.ok(t[i].start >= t[i - 1].start + t[i - 1].length, 'tokens do not overlap');
  });
  it('code lenses on each probe with trace and debug commands', () => {
    const results = new Map(runProbes(a.model, 'separate').map((r) => [r.name, r]));
    const l = getCodeLenses(a, results);
    assert.equal(l.length, 6);
    assert.equal(l[0].title, '✓ delivered in server');
    assert.equal(l[3].title, '✗ dropped in router (expected delivered)');
    assert.deepEqual(l.slice(1, 3).map((x) => [x.command, x.args]), [['netnsDebugger.traceProbe', ['web']], ['netnsDebugger.debugProbe', ['web']]]);
  });
  it('inlay hints: rule positions in their chain, probe source addresses', () => {
    const h = getInlayHints(a, 0, ROUTER.length).map((x) => x.label.trim());
    assert.deepEqual(h, ['#1 in nat/POSTROUTING', '#1 in filter/WEB', '#1 in filter/FORWARD', '#2 in filter/FORWARD']);
    const results = new Map(runProbes(a.model, 'separate').map((r) => [r.name, r]));
    const withSrc = getInlayHints(a, 0, ROUTER.length, results).map((x) => x.label.trim());
    assert.deepEqual(withSrc.slice(4), ['src 10.0.1.2', 'src 10.0.1.2']);
  });
});

describe('ide: probe expectations live', () => {
  it('parses the simulation mode setting', () => {
    assert.deepEqual(parseSimMode('separate'), { kind: 'separate' });
    assert.deepEqual(parseSimMode('shortcut:socket'), { kind: 'shortcut', at: 'socket' });
    assert.deepEqual(parseSimMode('nonsense'), { kind: 'separate' });
  });
  it('a probe whose expect does not hold gets a diagnostic saying what happened and where', () => {
    const a = analyze(ROUTER);
    const results = runProbes(a.model, 'separate');
    const cat = catalogue as unknown as Record<string, unknown>;
    // FIXME: the catalogue has no entry for this yet (requested in the issue 5 report); without
    // one, no diagnostic is made. The test installs a stand-in entry to check the rest.
    const had = PROBE_EXPECTATION_KEY in cat;
    if (!had) assert.deepEqual(probeExpectationDiagnostics(a, results), []);
    if (!had) cat[PROBE_EXPECTATION_KEY] = { code: 'NS4050', severity: 'warning', summary: 'x', message: (e: string, g: string, w: string) => `expected ${e}, got ${g}${w ? ' at ' + w : ''}` };
    try {
      const d = probeExpectationDiagnostics(a, results);
      assert.equal(d.length, 1);
      assert.equal(ROUTER.slice(d[0].start, d[0].end).split(/\s+/).slice(0, 2).join(' '), 'probe ssh');
      assert.match(d[0].message, /delivered in server.*dropped in router.*line 15/);
      assert.equal(ROUTER.slice(d[0].related![0].start, d[0].related![0].end), 'iptables -P FORWARD DROP');
    } finally {
      if (!had) delete cat[PROBE_EXPECTATION_KEY];
    }
  });
});

// Renderings: the JSON trace of debugger.md (outcome, expected, pass, packets with events and
// 1-based rule positions, lines from origins) and the reachability matrix.

import * as assert from 'node:assert';
import { formatMatrix, reachabilityMatrix, simulate, traceToJson } from '../../core/sim';
import { ip, webTopology } from './builder';

describe('sim: JSON trace and matrix', () => {
  it('traceToJson follows the machine-readable shape, with lines from origins', () => {
    const { b, listen80 } = webTopology();
    const p = b.probe({ name: 'web', from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80, expect: { kind: 'delivered', netns: 'server' } });
    const o2l = (o: number): number => o + 100;
    const j = traceToJson(simulate(b.build(), p, { kind: 'separate' }, { originToLine: o2l }), o2l);
    assert.deepStrictEqual(j.outcome, { kind: 'delivered', netns: 'server', errno: null, at: { line: listen80 + 100 }, reason: 'tcp listener 0.0.0.0:80' });
    assert.strictEqual(j.pass, true);
    assert.deepStrictEqual(j.expected, { kind: 'delivered', netns: 'server' });
    assert.strictEqual(j.packets[0].summary, 'TCP 10.0.1.2:40000 > 10.0.2.2:80 [S]');
    assert.strictEqual(j.packets[0].parent, null);
    assert.strictEqual(j.packets[1].parent, 1);
    const accept = j.packets[0].events.find((e) => e.chain === 'FORWARD' && e.verdict === 'accept')!;
    assert.deepStrictEqual([accept.fn, accept.hook, accept.table, accept.rule, accept.netns], ['nf_hook', 'FORWARD', 'filter', 2, 'router']);
    assert.ok(JSON.parse(JSON.stringify(j)));
  });

  it('the matrix probes every listener (wildcards on each address) from every namespace', () => {
    const { b } = webTopology();
    const m = reachabilityMatrix(b.build());
    assert.deepStrictEqual(m.sources, ['root', 'router', 'client', 'server']);
    // 0.0.0.0:80 on 10.0.2.2 and 10.0.2.2:22 (jailed, on the jail address)
    assert.deepStrictEqual(m.targets.map((t) => `${t.proto} ${t.port}`), ['tcp 80', 'tcp 22']);
    const client = m.sources.indexOf('client');
    assert.strictEqual(m.outcomes[client][0].kind, 'delivered');
    assert.strictEqual(m.outcomes[client][1].kind, 'dropped');
    assert.strictEqual(m.outcomes[m.sources.indexOf('root')][0].kind, 'unreachable');
    assert.match(formatMatrix(m), /client -> tcp 10\.0\.2\.2:80 \(server\): delivered in server/);
  });
});

// The views' pure parts in Node: the topology JSON of a model (namespaces, devices, addresses,
// links, source lines), the dagre layout of every example (devices inside their namespace, no
// overlapping namespaces, every link routed), the netns/packet body check, the flow stage of a
// stop, and the matrix computed row by row (same outcomes as core/sim's matrix; cancel between rows).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildModel, Model } from '../../core/model/index';
import { reachabilityMatrix, simulate } from '../../core/sim/index';
import { cellProbe, computeMatrix, matrixCell, readPacket, topologyData } from '../../client/views/data';
import { flowStage } from '../../webview/flow';
import { layoutTopology, MAX_DAGRE_NAMESPACES, Rect } from '../../webview/layout';
import { generateTopology } from '../../bench/generate';
import type { MatrixCell } from '../../webview/protocol';
import { repoRoot } from '../util/golden';

const EXAMPLES = path.join(repoRoot, 'examples');
const examples = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.netns')).sort();

function load(name: string): { model: Model; text: string } {
  const text = fs.readFileSync(path.join(EXAMPLES, name), 'utf8');
  return { model: buildModel(text), text };
}

const lineOf = (text: string, line: number | null): string => (line === null ? '' : text.split('\n')[line].trim());

describe('views: topology data', () => {
  it('the NAT router example: namespaces, devices with addresses and source lines, veth links', () => {
    const { model, text } = load('02-nat-router.netns');
    const d = topologyData(model, '02-nat-router.netns');
    assert.deepEqual(d.namespaces.map((n) => n.name), ['router', 'client', 'server'], 'the empty root namespace is left out');
    const router = d.namespaces[0];
    assert.equal(router.forwarding, true);
    assert.equal(lineOf(text, router.line), 'namespace router {');
    assert.deepEqual(router.devices.map((x) => `${x.id} ${x.kind} ${x.up ? 'up' : 'down'} ${x.addrs.join(',')}`), [
      'router/lo loopback down ', 'router/c0 veth up 10.0.1.1/24', 'router/s0 veth up 10.0.2.1/24',
    ]);
    assert.equal(lineOf(text, router.devices[1].line), 'ip link add c0 type veth peer name eth0 netns client');
    assert.equal(router.devices[0].line, null, "the kernel's lo has no line");
    // The peer created in another namespace points at the line that created it.
    assert.equal(lineOf(text, d.namespaces[1].devices.find((x) => x.name === 'eth0')!.line), 'ip link add c0 type veth peer name eth0 netns client');
    assert.deepEqual(d.namespaces[2].listeners, ['tcp 0.0.0.0:80', 'tcp 0.0.0.0:22']);
    assert.deepEqual(d.links.map((l) => `${l.kind} ${l.a} ${l.b}`), ['veth router/c0 client/eth0', 'veth router/s0 server/eth0']);
    assert.equal(d.errors, 0);
  });

  it('the bridge example: a bridge link from each port to br0, and its veth pairs', () => {
    const d = topologyData(load('04-bridge.netns').model, 'x');
    assert.deepEqual(d.links.filter((l) => l.kind === 'bridge').map((l) => `${l.a}>${l.b}`), ['sw/p1>sw/br0', 'sw/p2>sw/br0', 'sw/p3>sw/br0']);
    assert.equal(d.links.filter((l) => l.kind === 'veth').length, 3);
    assert.equal(d.namespaces[0].devices.find((x) => x.name === 'p1')!.master, 'sw/br0');
  });

  it('a file with errors still gives the topology of the lines that worked, and counts the errors', () => {
    const d = topologyData(buildModel('namespace a {\n    ip link add v0 type veth peer name v1\n    ip addr add 10.0.0.1/24 dev nosuch\n}\n'), 'x');
    assert.deepEqual(d.namespaces.map((n) => n.devices.map((x) => x.name)), [['lo', 'v0', 'v1']]);
    assert.equal(d.errors, 1);
    assert.deepEqual(d.links.map((l) => l.id), ['veth:a/v0']);
  });
});

describe('views: layout (dagre)', () => {
  const within = (inner: Rect, outer: Rect): boolean =>
    inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
  const overlap = (a: Rect, b: Rect): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

  for (const name of examples) {
    it(`${name}: devices inside their namespace, namespaces apart, every link routed, all inside the canvas`, () => {
      const d = topologyData(load(name).model, name);
      const lay = layoutTopology(d);
      const nss = [...lay.namespaces.entries()];
      for (const ns of d.namespaces) for (const dev of ns.devices) assert.ok(within(lay.devices.get(dev.id)!, lay.namespaces.get(ns.name)!), `${dev.id} inside ${ns.name}`);
      for (let i = 0; i < nss.length; i++) for (let j = i + 1; j < nss.length; j++) assert.ok(!overlap(nss[i][1], nss[j][1]), `${nss[i][0]} and ${nss[j][0]} overlap`);
      assert.equal(lay.edges.length, d.links.length);
      for (const e of lay.edges) assert.ok(e.points.length >= 2, e.id);
      for (const r of [...lay.namespaces.values(), ...lay.devices.values()]) assert.ok(r.x >= 0 && r.y >= 0 && r.x + r.width <= lay.width && r.y + r.height <= lay.height);
      // Deterministic: the same data lays out the same.
      assert.deepEqual(layoutTopology(d), lay);
    });
  }

  it('a ring of namespaces (where dagre compound layouts throw) and a file too big for dagre (grid) lay out, quickly, without overlaps', () => {
    for (const n of [10, 40, MAX_DAGRE_NAMESPACES + 1]) {
      const d = topologyData(buildModel(generateTopology({ namespaces: n, linesPerNamespace: 20 }).text), 'ring');
      assert.equal(d.namespaces.length, n);
      const t = Date.now();
      const lay = layoutTopology(d);
      const ms = Date.now() - t;
      assert.ok(ms < (n > MAX_DAGRE_NAMESPACES ? 2000 : 5000), `${n} namespaces took ${ms} ms`);
      assert.equal(lay.edges.length, d.links.length);
      const rs = [...lay.namespaces.values()].sort((a, b) => a.x - b.x);
      // Sweep by x: only boxes whose x ranges meet are compared.
      for (let i = 0; i < rs.length; i++) {
        for (let j = i + 1; j < rs.length && rs[j].x < rs[i].x + rs[i].width; j++) assert.ok(!overlap(rs[i], rs[j]), `${n}: boxes ${i} and ${j} overlap`);
      }
    }
  });
});

describe('views: netns/packet events and the flow diagram', () => {
  it('readPacket keeps the fields of the debug adapter event and rejects what is not one', () => {
    assert.deepEqual(readPacket({ thread: 2, netns: 'router', dev: 'c0', fn: 'nf_hook', hook: 'FORWARD', line: 17, step: 40 }), {
      thread: 2, netns: 'router', dev: 'c0', fn: 'nf_hook', hook: 'FORWARD', line: 17, step: 40,
    });
    assert.deepEqual(readPacket({ thread: 1, netns: 'client', dev: null, fn: 'entry', hook: null }), {
      thread: 1, netns: 'client', dev: null, fn: 'entry', hook: null, line: null, step: undefined,
    });
    assert.equal(readPacket({ netns: 'x' }), undefined);
    assert.equal(readPacket('netns'), undefined);
    assert.equal(readPacket(null), undefined);
  });

  it('flowStage: the hook, routing for FIB lookups, nothing elsewhere', () => {
    assert.equal(flowStage({ fn: 'nf_hook', hook: 'PREROUTING' }), 'PREROUTING');
    assert.equal(flowStage({ fn: 'rule', hook: 'FORWARD' }), 'FORWARD');
    assert.equal(flowStage({ fn: 'ip_route_input', hook: null }), 'routing');
    assert.equal(flowStage({ fn: 'ip_route_output', hook: null }), 'routing');
    assert.equal(flowStage({ fn: 'veth_xmit', hook: null }), null);
    assert.equal(flowStage({ fn: 'x', hook: 'NOT_A_HOOK' }), null);
  });
});

describe('views: matrix computed row by row', () => {
  it('gives the outcomes of core/sim reachabilityMatrix, row by row in source order', async () => {
    const { model } = load('02-nat-router.netns');
    const rows: MatrixCell[][] = [];
    const order: number[] = [];
    const r = await computeMatrix(model, { kind: 'separate' }, (i, row) => {
      order.push(i);
      rows[i] = row;
    }, () => false);
    assert.equal(r.complete, true);
    const m = reachabilityMatrix(model.topology);
    assert.deepEqual(r.sources, m.sources);
    assert.deepEqual(order, m.sources.map((_, i) => i));
    assert.deepEqual(rows, m.outcomes.map((row) => row.map(matrixCell)));
    const client = r.sources.indexOf('client');
    assert.deepEqual(rows[client].map((c) => c.word), ['-', 'ok', '-', 'drop']);
  });

  it('stops between rows when cancelled', async () => {
    const { model } = load('02-nat-router.netns');
    let n = 0;
    const r = await computeMatrix(model, { kind: 'separate' }, () => n++, () => n >= 2);
    assert.equal(r.complete, false);
    assert.equal(n, 2);
  });

  it("a cell's probe, simulated on its own, has the cell's outcome (what the trace shows)", async () => {
    const { model } = load('01-routed-pair.netns');
    const rows: MatrixCell[][] = [];
    const r = await computeMatrix(model, { kind: 'separate' }, (i, row) => (rows[i] = row), () => false);
    r.sources.forEach((s, i) => r.targets.forEach((t, j) => {
      if (!rows[i][j].probed) return;
      assert.equal(simulate(model.topology, cellProbe(s, t), { kind: 'separate' }).outcome.kind, rows[i][j].kind, `${s} -> ${j}`);
    }));
  });
});

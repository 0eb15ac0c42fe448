// The debugged program without the protocol: loading (probe, inline packet, errors), which lines
// hold a breakpoint and why not (blank, comment, failed command, sysctl, probe lines), the
// per-recording indexes, and the kernel pseudo-sources every traced function points at.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { buildModel } from '../../core/model/index';
import { simulate } from '../../core/sim';
import { KERNEL_FUNCTIONS, kernelLine, kernelSource, kernelSourceByRef } from '../../debugger/kernel-sources';
import { Program, loadProgram } from '../../debugger/program';
import { example, fixture } from './client';

function load(file: string, probe: string): Program {
  const r = loadProgram(file, fs.readFileSync(file, 'utf8'), { probe });
  if (!r.ok) throw new Error(r.message);
  return r.program;
}

describe('debugger: program (no protocol)', () => {
  it('loads a named probe, an inline packet, or refuses with the reasons', () => {
    const p = load(example('01-routed-pair.netns'), 'web');
    assert.equal(p.probe.name, 'web');
    assert.equal(p.probeLine, 36);
    const text = fs.readFileSync(example('01-routed-pair.netns'), 'utf8');
    const inl = loadProgram('x.netns', text, { packet: 'from client udp 10.0.2.2:53' });
    assert.ok(inl.ok);
    assert.equal(inl.program.inline, true);
    assert.equal(inl.program.probeLine, undefined);
    assert.equal(inl.program.runtime.result.outcome.kind, 'delivered');
    const two = loadProgram('x.netns', text + 'probe packet from client icmp 10.0.2.2\n', { packet: 'from client icmp 10.0.2.2' });
    assert.ok(two.ok);
    assert.equal(two.program.probe.name, 'packet2');
    const bad = loadProgram('x.netns', text, { packet: 'from client tcp 10.0.2.2:80 { }' });
    assert.ok(!bad.ok);
    const one = loadProgram('one.netns', 'namespace a {\n    ip link set lo up\n}\nprobe only from a icmp 127.0.0.1\n', {});
    assert.ok(one.ok);
    assert.equal(one.program.probe.name, 'only');
    const none = loadProgram('none.netns', 'namespace a {\n}\n', {});
    assert.ok(!none.ok);
    assert.match(none.message, /has no probe/);
    const broken = loadProgram(fixture('broken.netns'), fs.readFileSync(fixture('broken.netns'), 'utf8'), { probe: 'p' });
    assert.ok(!broken.ok);
    assert.deepEqual(broken.diagnostics, [`${fixture('broken.netns')}:5:33: error NS2001: Cannot find device "eth9": no device 'eth9' in namespace a; create it first with 'ip link add'`]);
  });

  it('line targets: what stops on each kind of line, and why other lines hold none', () => {
    // A failed command can only be met inside a program built from a model with errors (the
    // adapter refuses to launch those, so this is checked here).
    const text = 'namespace a {\n    ip link set lo up\n    ip addr add 10.0.0.1/24 dev eth9\n    # comment\n\n    sysctl -w net.ipv4.ip_forward=1\n    iptables -A INPUT -j ACCEPT\n    iptables -P INPUT DROP\n    iptables -N web\n    iptables -Z\n}\nprobe p from a icmp 127.0.0.1\n';
    const model = buildModel(text);
    const p = new Program('t.netns', text, model, model.probes[0], { kind: 'separate' }, false);
    const reason = (line: number): string => {
      const t = p.lineTarget(line);
      return t.ok ? `ok: ${t.what}` : t.reason;
    };
    assert.match(reason(1), /no command on this line/);
    assert.match(reason(2), /^ok: stops when lo@a transmits or receives$/);
    assert.match(reason(3), /^this command failed \(NS2001: Cannot find device "eth9"/);
    assert.match(reason(4), /no command on this line/);
    assert.match(reason(5), /no command on this line/);
    assert.match(reason(6), /sysctl is read, not run/);
    assert.match(reason(7), /^ok: stops when this rule is evaluated/);
    assert.match(reason(8), /^ok: stops when the filter INPUT policy decides$/);
    assert.match(reason(9), /^ok: stops when chain web is entered$/);
    assert.match(reason(10), /changes no rule a packet meets/);
    assert.match(reason(12), /a probe line is where a launch starts/);
    assert.match(reason(0), /not a line of the file/);
    assert.match(reason(99), /past the end of the file/);
  });

  it('threads: the packet of each step, packets in flight, previous step of the same packet', () => {
    const p = load(example('02-nat-router.netns'), 'web');
    const ev = p.runtime.events;
    assert.equal(p.threadOf(-1), 1);
    assert.deepEqual(p.aliveAt(-1), [1]);
    const synack = ev.findIndex((e) => e.fn === 'tcp_v4_send_synack');
    assert.equal(p.threadOf(synack), 2);
    assert.deepEqual(p.aliveAt(synack), [2]);
    assert.deepEqual(p.aliveAt(synack - 1), [1]);
    const prev = p.previousSame(synack + 1);
    assert.equal(prev, synack);
    assert.equal(p.summaryOf(2), 'TCP 10.0.2.2:80 > 10.0.2.1:40000 [S.]');
    assert.equal(p.visits('server'), true);
    assert.equal(p.visits('root'), false);
  });

  it('every function the simulator traces on the examples has a pseudo-source with its line', () => {
    const missing = new Set<string>();
    for (const f of fs.readdirSync(example('.')).filter((x) => x.endsWith('.netns'))) {
      const m = buildModel(fs.readFileSync(example(f), 'utf8'));
      for (const probe of m.probes) for (const e of simulate(m.topology, probe).events) if (!kernelSource(e.fn)) missing.add(e.fn);
    }
    assert.deepEqual([...missing], []);
    for (const [i, fn] of KERNEL_FUNCTIONS.entries()) {
      const k = kernelSourceByRef(i + 1)!;
      assert.equal(k.fn, fn);
      assert.ok(!k.text.includes('«'), `${fn}: a mark was left in the text`);
      const line = kernelLine(k, {});
      assert.ok(line >= 1 && line <= k.text.split('\n').length, fn);
    }
    const fwd = kernelSource('ip_forward')!;
    assert.match(fwd.text.split('\n')[kernelLine(fwd, { verdict: 'ttl exceeded' }) - 1], /ttl <= 1/);
  });
});

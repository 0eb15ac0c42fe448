// The stepping runtime: cursor moves (in/over/out/back, continue with breakpoints), stacks,
// packet snapshots and bytes, live state by replay, setVariable on packet fields and sysctls.

import * as assert from 'node:assert';
import { decodeFrame } from '../../core/netstack';
import { EXCEPTION_FILTERS, SimRuntime, functionBreakpoint, originBreakpoint } from '../../core/sim';
import { ip, webTopology } from './builder';

function web(dport = 80): SimRuntime {
  const { b } = webTopology();
  const p = b.probe({ from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport });
  return new SimRuntime(b.build(), p);
}

describe('sim: stepping runtime', () => {
  it('step in visits every event; step back returns to the previous one', () => {
    const rt = web();
    assert.strictEqual(rt.position, -1);
    const first = rt.stepIn()!;
    assert.strictEqual(first.fn, 'tcp_v4_connect');
    rt.stepIn();
    rt.stepIn();
    const third = rt.current()!;
    rt.stepBack();
    assert.strictEqual(rt.position, 1);
    rt.stepIn();
    assert.strictEqual(rt.current(), third);
  });

  it('step over runs callees; step out leaves the function', () => {
    const rt = web();
    rt.continue(functionBreakpoint('router:PREROUTING'));
    const hook = rt.current()!;
    assert.strictEqual(hook.fn, 'nf_hook');
    const stack = rt.stack().map((f) => f.fn);
    assert.deepStrictEqual(stack, ['nf_hook', 'ip_rcv', 'netif_receive_skb']);
    const over = rt.stepOver()!;
    assert.strictEqual(over.fn, 'ip_rcv_finish');
    assert.strictEqual(over.depth, hook.depth);
    rt.stepIn();
    const out = rt.stepOut()!;
    assert.ok(out.depth < over.depth + 1);
  });

  it('the stack inside a chain reads netif_receive_skb > ip_rcv > nf_hook > table > chain > rule', () => {
    const rt = web();
    rt.continue((e) => e.fn === 'rule' && e.netns === 'router' && e.attrs.chain === 'FORWARD');
    const s = rt.stack().map((f) => f.fn).reverse();
    assert.deepStrictEqual(s.slice(0, 2), ['netif_receive_skb', 'ip_rcv']);
    assert.deepStrictEqual(s.slice(-4), ['nf_hook', 'ipt_do_table', 'chain', 'rule']);
  });

  it('breakpoints: by origin (rule line), by function, exception filters; reverse continue', () => {
    const { b, fwdDrop } = webTopology();
    const p = b.probe({ from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 22 });
    const rt = new SimRuntime(b.build(), p);
    const pol = rt.continue(originBreakpoint(fwdDrop))!;
    assert.strictEqual(pol.fn, 'policy');
    const drop = rt.continue(EXCEPTION_FILTERS.drop)!;
    assert.strictEqual(drop.attrs.reason, 'NETFILTER_DROP');
    const back = rt.reverseContinue(functionBreakpoint('ip_route_input'))!;
    assert.strictEqual(back.netns, 'router');
    assert.strictEqual(rt.continue(functionBreakpoint('veth_xmit')), undefined, 'no more veth_xmit after the drop');
    assert.ok(rt.ended);
  });

  it('packet snapshot and bytes follow NAT; the bytes decode with valid checksums', () => {
    const rt = web();
    rt.continue((e) => e.fn === 'netif_receive_skb' && e.netns === 'server');
    const s = rt.packet()!;
    assert.strictEqual(s.skb.ip.saddr, ip('10.0.2.1'));
    const d = decodeFrame(rt.bytes()!);
    assert.ok(!('error' in d));
    if (!('error' in d)) {
      assert.ok(d.ipCsumOk && d.l4CsumOk);
      assert.strictEqual(d.ip.saddr, ip('10.0.2.1'));
      assert.strictEqual(d.tcp!.dport, 80);
    }
  });

  it('state at an event comes from replay: conntrack appears at confirm, counters grow', () => {
    const rt = web();
    const confirm = rt.continue((e) => e.fn === 'nf_conntrack_confirm')!;
    const before = rt.state(confirm.seq - 1);
    assert.strictEqual(before.conntrack.get('router')?.list().length ?? 0, 0);
    const after = rt.state(confirm.seq);
    assert.strictEqual(after.conntrack.get('router')!.list().length, 1);
    const end = rt.state(rt.length - 1);
    assert.ok(end.conntrack.get('router')!.list()[0].seenReply);
  });

  it('setVariable on a packet field: changing tcp.dport before FORWARD changes the outcome', () => {
    const rt = web(80);
    assert.strictEqual(rt.result.outcome.kind, 'delivered');
    rt.continue(functionBreakpoint('router:FORWARD'));
    const at = rt.position;
    assert.strictEqual(rt.setPacketField('tcp.dport', 22), undefined);
    assert.strictEqual(rt.position, at);
    assert.strictEqual(rt.result.outcome.kind, 'dropped');
    assert.strictEqual(rt.result.outcome.netns, 'router');
    assert.match(rt.setPacketField('tcp.dport', 70000) ?? '', /invalid/);
  });

  it('setVariable on a sysctl mid-flight: turning forwarding off in the router drops the packet', () => {
    const rt = web(80);
    rt.continue((e) => e.fn === 'netif_receive_skb' && e.netns === 'router');
    assert.strictEqual(rt.setSysctl('router', 'net.ipv4.ip_forward', '0'), undefined);
    assert.strictEqual(rt.result.outcome.kind, 'dropped');
    assert.match(rt.result.outcome.reason, /IP_INADDRERRORS/);
    assert.strictEqual(rt.state().sysctl(rt.kernel.net('router'), 'net.ipv4.conf.c0.forwarding'), '0');
  });

  it('replay is deterministic: two runtimes record the same events', () => {
    const a = web();
    const b = web();
    assert.deepStrictEqual(a.events.map((e) => `${e.netns} ${e.fn} ${e.depth}`), b.events.map((e) => `${e.netns} ${e.fn} ${e.depth}`));
  });
});

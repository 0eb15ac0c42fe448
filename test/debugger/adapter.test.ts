// The debug adapter over stdio, driven by @vscode/debugadapter-testsupport's DebugClient: launch
// (and its errors), threads, stack frames and sources, every stepping request, every breakpoint
// kind (line, function, exception, data; conditions, hit counts, logpoints), variables and
// setVariable, evaluate and REPL commands, completions, readMemory, output and custom events,
// malformed requests, and the routing-loop fixture. Outcomes are those of `netns-dbg trace`.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { DebugProtocol } from '@vscode/debugprotocol';
import {
  ADAPTER, Session, children, close, evaluate, example, failure, fixture, frames, isStop, launch, move, open, scopeVars, stopped, topName,
} from './client';

const ROUTED = example('01-routed-pair.netns');
const NAT = example('02-nat-router.netns');
const DNAT = example('03-dnat-port-forward.netns');
const BRIDGE = example('04-bridge.netns');
const POLICY = example('05-policy-routing.netns');
const FILTERS = fixture('filters.netns');
const LOOP = fixture('routing-loop.netns');

describe('debugger: adapter over stdio (DebugClient)', function () {
  this.timeout(15000);
  let s: Session;
  beforeEach(async () => {
    s = await open();
  });
  afterEach(async () => {
    await close(s);
  });

  describe('initialize and launch', () => {
    it('advertises the capabilities it implements', async () => {
      const r = await s.dc.initializeRequest();
      const c = r.body!;
      for (const k of ['supportsConfigurationDoneRequest', 'supportsFunctionBreakpoints', 'supportsConditionalBreakpoints', 'supportsHitConditionalBreakpoints',
        'supportsLogPoints', 'supportsStepBack', 'supportsSetVariable', 'supportsCompletionsRequest', 'supportsExceptionInfoRequest', 'supportsDataBreakpoints',
        'supportsReadMemoryRequest', 'supportsBreakpointLocationsRequest', 'supportsEvaluateForHovers', 'supportsExceptionFilterOptions'] as const) {
        assert.equal(c[k], true, k);
      }
      assert.deepEqual(c.exceptionBreakpointFilters!.map((f) => f.filter), ['drop', 'reject', 'noroute', 'ttl', 'eperm', 'nat']);
    });

    it('stops on entry at the probe line, thread 1 named by the packet summary', async () => {
      const e = await launch(s, { topology: ROUTED, probe: 'web' });
      assert.ok(isStop(e));
      assert.equal(e.body.reason, 'entry');
      assert.equal(e.body.threadId, 1);
      const t = (await s.dc.threadsRequest()).body.threads;
      assert.deepEqual(t.map((x) => [x.id, x.name]), [[1, 'TCP 10.0.1.2:40000 > 10.0.2.2:80 [S]']]);
      const f = await frames(s);
      assert.equal(f.length, 1);
      assert.equal(f[0].name, 'connect web @client');
      assert.equal(f[0].line, 36);
      assert.equal(f[0].source!.path, ROUTED);
      assert.ok(s.threadEvents.some((x) => x.body.reason === 'started' && x.body.threadId === 1));
    });

    it('stopOnEntry false runs to the end; exited and terminated follow the outcome line', async () => {
      const exited = s.dc.waitForEvent('exited');
      const e = await launch(s, { topology: ROUTED, probe: 'https', stopOnEntry: false });
      assert.equal(e.event, 'terminated');
      assert.equal((await exited).body.exitCode, 0);
      const text = s.output.join('');
      assert.match(text, /outcome: refused in server \(ECONNREFUSED\)/);
      assert.match(text, /expected: refused -> PASS/);
    });

    it('noDebug prints the whole trace and ends', async () => {
      const e = await launch(s, { topology: NAT, probe: 'ssh', noDebug: true });
      assert.equal(e.event, 'terminated');
      assert.match(s.output.join(''), /\[router\] policy filter FORWARD \(policy drop\)/);
    });

    it('an inline packet in the probe syntax is debugged like a probe', async () => {
      const e = await launch(s, { topology: ROUTED, packet: 'from client tcp 10.0.2.2:443', stopOnEntry: false });
      assert.equal(e.event, 'terminated');
      assert.match(s.output.join(''), /outcome: refused in server/);
    });

    it('a shortcut mode is passed to the simulator', async () => {
      const e = await launch(s, { topology: example('07-shortcut-savings.netns'), probe: 'web', mode: 'shortcut=route', stopOnEntry: false });
      assert.equal(e.event, 'terminated');
      const text = s.output.join('');
      assert.match(text, /\(shortcut=route\)/);
      assert.match(text, /netns_switch/);
    });

    it('errors in the file stop the launch with the diagnostics, as an error response and as output', async () => {
      await s.dc.initializeRequest();
      const msg = await failure(s.dc.launchRequest({ topology: fixture('broken.netns'), probe: 'p' } as DebugProtocol.LaunchRequestArguments));
      assert.match(msg, /broken\.netns:5:33: error NS2001: Cannot find device "eth9"/);
      assert.match(s.output.join(''), /NS2001/);
    });

    it('launch errors: no topology, unreadable file, unknown probe, probe and packet, bad mode, bad packet', async () => {
      await s.dc.initializeRequest();
      const L = (a: Record<string, unknown>): Promise<string> => failure(s.dc.launchRequest(a as DebugProtocol.LaunchRequestArguments));
      assert.match(await L({}), /needs "topology"/);
      assert.match(await L({ topology: fixture('no-such-file.netns') }), /cannot read the topology file .*ENOENT/);
      assert.match(await L({ topology: ROUTED, probe: 'wbe' }), /No probe "wbe" .*web, dns, ping/);
      assert.match(await L({ topology: ROUTED }), /has 6 probes: say which/);
      assert.match(await L({ topology: ROUTED, probe: 'web', packet: 'from client icmp 10.0.2.2' }), /either "probe" or "packet"/);
      assert.match(await L({ topology: ROUTED, probe: 'web', mode: 'fast' }), /Unknown simulation mode "fast"/);
      assert.match(await L({ topology: ROUTED, packet: 'from nowhere tcp 10.0.2.2:80' }), /packet: NS\d+/);
      assert.match(await L({ topology: ROUTED, probe: 'web', stopOnEntry: 'yes' }), /stopOnEntry/);
      // The adapter is still there and launches a good configuration.
      const e = await launch(s, { topology: ROUTED, probe: 'web' });
      assert.ok(isStop(e));
    });
  });

  describe('stepping', () => {
    it('stepIn walks every kernel function; frames carry the namespace; kernel frames have a pseudo-source', async () => {
      await launch(s, { topology: ROUTED, probe: 'web' });
      await stopped(s, 'stepIn');
      assert.equal(await topName(s), 'tcp_v4_connect @client');
      await stopped(s, 'stepIn');
      const f = await frames(s);
      assert.deepEqual(f.map((x) => x.name), ['ip_route_output eth0 @client', 'tcp_v4_connect @client']);
      // The route line of the file, then the kernel pseudo-source of tcp_v4_connect.
      assert.equal(f[0].source!.path, ROUTED);
      assert.equal(f[0].line, 24);
      const ref = f[1].source!.sourceReference!;
      assert.ok(ref > 0);
      const src = await s.dc.sourceRequest({ sourceReference: ref, source: f[1].source });
      assert.match(src.body.content, /int tcp_v4_connect\(/);
      assert.equal(src.body.content.split('\n')[f[1].line - 1].includes('tcp_v4_connect'), true);
    });

    it('next steps over a hook; stepOut leaves the function; stepBack and reverseContinue replay', async () => {
      await launch(s, { topology: NAT, probe: 'web' }, async (dc) => {
        await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'router:PREROUTING' }] });
      });
      const b = await stopped(s, 'continue');
      assert.equal(b.body.reason, 'function breakpoint');
      assert.deepEqual((await frames(s)).map((x) => x.name), ['nf_hook PREROUTING @router', 'ip_rcv c0 @router', 'netif_receive_skb c0 @router']);
      await stopped(s, 'next');
      assert.equal(await topName(s), 'ip_rcv_finish c0 @router');
      await stopped(s, 'stepIn');
      assert.equal(await topName(s), 'ip_route_input c0 @router');
      await stopped(s, 'stepOut');
      // ip_route_input is a step of ip_rcv_finish: stepping out finishes ip_rcv_finish, which in a
      // router holds the whole forward path; the next step is the receive in the server.
      assert.equal(await topName(s), 'netif_receive_skb eth0 @server');
      await stopped(s, 'stepBack');
      assert.equal(await topName(s), 'veth_xmit s0 @router');
      await stopped(s, 'stepBack');
      assert.equal(await topName(s), 'dev_queue_xmit s0 @router');
      const r = await stopped(s, 'reverseContinue');
      assert.equal(r.body.reason, 'function breakpoint');
      assert.equal(await topName(s), 'nf_hook PREROUTING @router');
      assert.ok(s.output.some((o) => o.startsWith('(back)')));
      const back = await stopped(s, 'reverseContinue');
      assert.equal(back.body.reason, 'entry');
      assert.equal(await topName(s), 'connect web @client');
      await stopped(s, 'stepBack');
      assert.equal(await topName(s), 'connect web @client');
    });

    it('pause answers with a stop where the packet is', async () => {
      await launch(s, { topology: ROUTED, probe: 'web' });
      await stopped(s, 'stepIn');
      const p = await stopped(s, 'pause');
      assert.equal(p.body.reason, 'pause');
      assert.equal(await topName(s), 'tcp_v4_connect @client');
    });

    it('replies are threads: thread 2 starts for the SYN-ACK, the SYN thread exits', async () => {
      await launch(s, { topology: NAT, probe: 'web' }, async (dc) => {
        await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'tcp_v4_send_synack' }] });
      });
      const b = await stopped(s, 'continue');
      assert.equal(b.body.threadId, 2);
      // The SYN was consumed by the listener: only the SYN-ACK is in flight.
      const t = (await s.dc.threadsRequest()).body.threads;
      assert.deepEqual(t.map((x) => x.name), ['TCP 10.0.2.2:80 > 10.0.2.1:40000 [S.]']);
      assert.ok(s.threadEvents.some((x) => x.body.reason === 'exited' && x.body.threadId === 1));
      assert.equal((await frames(s, 2))[0].name, 'tcp_v4_send_synack @server');
      await stopped(s, 'next', 2);
      await stopped(s, 'next', 2);
      const fr = await frames(s, 2);
      assert.ok(fr.length >= 1);
      const end = await move(s, 'continue', 2);
      assert.equal(end.event, 'terminated');
      assert.ok(s.threadEvents.some((x) => x.body.reason === 'started' && x.body.threadId === 2));
      assert.ok(s.threadEvents.some((x) => x.body.reason === 'exited' && x.body.threadId === 1));
    });

    it('one output line per step in the trace format, and a netns/packet event per stop', async () => {
      await launch(s, { topology: ROUTED, probe: 'web' });
      await stopped(s, 'stepIn');
      await stopped(s, 'stepIn');
      assert.ok(s.output.includes('  [client] tcp_v4_connect tcp to 10.0.2.2:80\n') || s.output.some((o) => o.endsWith('  [client] tcp_v4_connect tcp to 10.0.2.2:80\n')));
      assert.ok(s.output.includes('    [client] ip_route_output dev eth0 default via 10.0.1.1 dev eth0 src 10.0.1.2 -> eth0 (unicast)\n'));
      const last = s.packets[s.packets.length - 1];
      assert.deepEqual({ thread: last.thread, netns: last.netns, dev: last.dev, fn: last.fn, hook: last.hook }, { thread: 1, netns: 'client', dev: 'eth0', fn: 'ip_route_output', hook: null });
      assert.equal(s.packets.length, 3);
    });

    it('a routing loop ends with TTL exceeded, not a hang; the ttl filter stops at the expiry', async () => {
      const e = await launch(s, { topology: LOOP, probe: 'loop', stopOnEntry: false }, async (dc) => {
        await dc.setExceptionBreakpointsRequest({ filters: ['ttl'] });
      });
      assert.ok(isStop(e));
      assert.equal(e.body.reason, 'exception');
      assert.match(e.body.text ?? '', /TTL exceeded/);
      const f = await frames(s);
      assert.equal(f[0].name, 'ip_forward @r2');
      const src = await s.dc.sourceRequest({ sourceReference: f[0].source!.sourceReference!, source: f[0].source });
      assert.match(src.body.content.split('\n')[f[0].line - 1], /ttl <= 1/);
      const info = await s.dc.exceptionInfoRequest({ threadId: 1 });
      assert.equal(info.body.exceptionId, 'ttl');
      const end = await move(s, 'continue');
      assert.equal(end.event, 'terminated');
      assert.match(s.output.join(''), /outcome: ttl-exceeded in r2/);
    });
  });

  describe('line breakpoints', () => {
    it('a rule line stops when the rule is evaluated; `matched` restricts to matches; verified lines and reasons', async () => {
      let bps: DebugProtocol.Breakpoint[] = [];
      await launch(s, { topology: NAT, probe: 'web' }, async (dc) => {
        bps = (await dc.setBreakpointsRequest({
          source: { path: NAT },
          breakpoints: [{ line: 22, condition: 'matched' }, { line: 1 }, { line: 19 }, { line: 37 }, { line: 9 }],
        })).body.breakpoints;
      });
      assert.deepEqual(bps.map((b) => b.verified), [true, false, false, true, false]);
      assert.match(bps[1].message!, /no command on this line/);
      assert.match(bps[2].message!, /blank, comment/);
      assert.match(bps[4].message!, /sysctl is read, not run/);
      // Rule 1 does not match the SYN; it matches the SYN-ACK coming back (thread 2).
      const b = await stopped(s, 'continue');
      assert.equal(b.body.reason, 'breakpoint');
      assert.equal(b.body.threadId, 2);
      assert.deepEqual(b.body.hitBreakpointIds, [bps[0].id]);
      const f = await frames(s, 2);
      assert.equal(f[0].name, 'rule filter FORWARD #1 @router');
      assert.equal(f[0].line, 22);
      assert.equal(f[0].source!.path, NAT);
    });

    it('a rule line without a condition also stops where the rule does not match', async () => {
      await launch(s, { topology: NAT, probe: 'web' }, async (dc) => {
        await dc.setBreakpointsRequest({ source: { path: NAT }, breakpoints: [{ line: 22 }] });
      });
      const b = await stopped(s, 'continue');
      assert.equal(b.body.threadId, 1);
      assert.equal(await evaluate(s, 'matched', 'watch'), 'false');
      assert.equal(await evaluate(s, 'why', 'watch'), '-m conntrack --ctstate RELATED,ESTABLISHED');
    });

    it('hit counts and logpoints', async () => {
      await launch(s, { topology: NAT, probe: 'web' }, async (dc) => {
        await dc.setBreakpointsRequest({
          source: { path: NAT },
          breakpoints: [{ line: 11, logMessage: 'never' }, { line: 22, hitCondition: '2' }, { line: 23, logMessage: 'rule 2 saw {ip.saddr}:{tcp.sport} ttl {ip.ttl}' }],
        });
      });
      const b = await stopped(s, 'continue');
      assert.equal(b.body.threadId, 2); // the second evaluation of rule 1 is the SYN-ACK's
      assert.ok(s.output.includes('rule 2 saw 10.0.1.2:40000 ttl 63\n'), s.output.filter((o) => o.startsWith('rule')).join('|'));
    });

    it('route, listen and link lines', async () => {
      await launch(s, { topology: ROUTED, probe: 'web' }, async (dc) => {
        const r = await dc.setBreakpointsRequest({ source: { path: ROUTED }, breakpoints: [{ line: 24 }, { line: 32 }, { line: 13 }] });
        assert.deepEqual(r.body.breakpoints.map((b) => b.verified), [true, true, true]);
      });
      const seen: string[] = [];
      for (let i = 0; i < 4; i++) {
        const b = await stopped(s, 'continue');
        assert.equal(b.body.reason, 'breakpoint');
        const f = (await frames(s))[0];
        seen.push(`${f.name}:${f.line}`);
      }
      // The route line (client), the veth pair's line on both ends (transmit in the router,
      // receive in the server), then the listen line.
      assert.deepEqual(seen, ['ip_route_output eth0 @client:24', 'dev_queue_xmit s0 @router:13', 'netif_receive_skb eth0 @server:13', 'inet_lookup_listener @server:32']);
    });

    it('an ip rule line stops when the policy rule decides the lookup', async () => {
      await launch(s, { topology: POLICY, probe: 'https' }, async (dc) => {
        const r = await dc.setBreakpointsRequest({ source: { path: POLICY }, breakpoints: [{ line: 21 }] });
        assert.equal(r.body.breakpoints[0].verified, true);
      });
      await stopped(s, 'continue');
      const f = await frames(s);
      assert.equal(f[0].name, 'ip_route_output eth1 @host');
      assert.match(await evaluate(s, 'skb.mark', 'watch'), /^1$/);
    });

    it('a line in a namespace the probe never enters is unverified with the reason', async () => {
      let bps: DebugProtocol.Breakpoint[] = [];
      await launch(s, { topology: NAT, probe: 'back' }, async (dc) => {
        bps = (await dc.setBreakpointsRequest({ source: { path: NAT }, breakpoints: [{ line: 30 }, { line: 37 }] })).body.breakpoints;
      });
      assert.equal(bps[0].verified, false);
      assert.match(bps[0].message!, /never reached: probe back never enters namespace client/);
      assert.equal(bps[1].verified, true);
    });

    it('breakpointLocations lists the lines that can hold one', async () => {
      await launch(s, { topology: NAT, probe: 'web' });
      const r = await s.dc.customRequest('breakpointLocations', { source: { path: NAT }, line: 8, endLine: 24 });
      assert.deepEqual((r.body as DebugProtocol.BreakpointLocationsResponse['body']).breakpoints.map((b) => b.line), [10, 11, 12, 13, 14, 15, 18, 21, 22, 23]);
    });

    it('a bad condition or hit count makes the breakpoint unverified with the parser\'s message', async () => {
      await launch(s, { topology: NAT, probe: 'web' }, async (dc) => {
        const r = await dc.setBreakpointsRequest({ source: { path: NAT }, breakpoints: [{ line: 22, condition: 'ip.daddr = 1.2.3.4' }, { line: 23, hitCondition: 'often' }] });
        assert.equal(r.body.breakpoints[0].verified, false);
        assert.match(r.body.breakpoints[0].message!, /use '==' to compare/);
        assert.match(r.body.breakpoints[1].message!, /hit count 'often' is not understood/);
      });
    });
  });

  describe('function, exception and data breakpoints', () => {
    it('function breakpoints by hook, table/hook, namespace:hook and kernel function; bad names are unverified', async () => {
      let bps: DebugProtocol.Breakpoint[] = [];
      await launch(s, { topology: NAT, probe: 'web' }, async (dc) => {
        bps = (await dc.setFunctionBreakpointsRequest({
          breakpoints: [{ name: 'nat/POSTROUTING' }, { name: 'FORWARD', condition: 'ip.saddr == 10.0.2.2' }, { name: 'veth_xmit', hitCondition: '== 2' }, { name: 'nosuch_fn' }, { name: 'mars:INPUT' }, { name: 'ip_route_input' }],
        })).body.breakpoints;
      });
      assert.deepEqual(bps.map((b) => b.verified), [true, true, true, false, false, true]);
      assert.match(bps[3].message!, /not a kernel function, hook or chain/);
      assert.match(bps[4].message!, /no namespace 'mars'/);
      const seen: string[] = [];
      for (let i = 0; i < 10; i++) {
        const e = await move(s, 'continue');
        if (!isStop(e)) break;
        seen.push(`${await topName(s, e.body.threadId!)}`);
      }
      // veth_xmit's second hit is the router's (the first is the client's); FORWARD only for the
      // reply (its condition); the reply does not traverse nat (established connections skip it).
      assert.deepEqual(seen, ['ip_route_input c0 @router', 'ipt_do_table nat/POSTROUTING @router', 'veth_xmit s0 @router', 'ip_route_input eth0 @server',
        'ip_route_input s0 @router', 'nf_hook FORWARD @router', 'ip_route_input eth0 @client']);
    });

    it('exception filters: drop (policy DROP), nat, noroute; exceptionInfo', async () => {
      await launch(s, { topology: NAT, probe: 'ssh' }, async (dc) => {
        await dc.setExceptionBreakpointsRequest({ filters: ['drop', 'nat'] });
      });
      const e = await stopped(s, 'continue');
      assert.equal(e.body.reason, 'exception');
      assert.equal(await topName(s), 'kfree_skb @router');
      const info = await s.dc.exceptionInfoRequest({ threadId: 1 });
      assert.equal(info.body.exceptionId, 'drop');
      assert.equal(info.body.details!.typeName, 'NETFILTER_DROP');
    });

    it('exception filter nat stops at the translation; noroute at the failed lookup', async () => {
      await launch(s, { topology: NAT, probe: 'web' }, async (dc) => {
        await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'nat' }] });
      });
      await stopped(s, 'continue');
      assert.equal(await topName(s), 'nf_nat_packet @router');
      assert.equal(await evaluate(s, 'ip.saddr', 'watch'), '10.0.2.1');
      await close(s);
      s = await open();
      await launch(s, { topology: ROUTED, probe: 'nowhere' }, async (dc) => {
        await dc.setExceptionBreakpointsRequest({ filters: ['noroute'] });
      });
      await stopped(s, 'continue');
      assert.equal(await topName(s), 'ip_route_input c0 @router');
    });

    it('exception filters reject and eperm (OUTPUT drop and jail), with a condition', async () => {
      await launch(s, { topology: FILTERS, probe: 'telnet' }, async (dc) => {
        await dc.setExceptionBreakpointsRequest({ filters: ['reject'] });
      });
      await stopped(s, 'continue');
      assert.equal(await topName(s), 'rule filter FORWARD #1 @router');
      await close(s);
      for (const probe of ['smtp', 'jailed']) {
        s = await open();
        await launch(s, { topology: FILTERS, probe }, async (dc) => {
          await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'eperm', condition: 'netns == client' }] });
        });
        const e = await stopped(s, 'continue');
        assert.equal(e.body.reason, 'exception');
        assert.match(await topName(s), probe === 'smtp' ? /^kfree_skb @client/ : /^security_socket_bind @client/);
        await close(s);
      }
      s = await open();
    });

    it('an unknown exception filter is reported unverified', async () => {
      await launch(s, { topology: NAT, probe: 'web' }, async (dc) => {
        const r = await dc.setExceptionBreakpointsRequest({ filters: ['segfault'] });
        assert.equal(r.body!.breakpoints![0].verified, false);
      });
    });

    it('a data breakpoint on ip.daddr stops where DNAT changes it', async () => {
      await launch(s, { topology: DNAT, probe: 'forwarded' });
      await stopped(s, 'stepIn');
      const ip = (await scopeVars(s, 'Packet')).find((v) => v.name === 'ip')!;
      const info = await s.dc.dataBreakpointInfoRequest({ variablesReference: ip.variablesReference, name: 'daddr' });
      assert.equal(info.body.dataId, 'ip.daddr');
      const bad = await s.dc.dataBreakpointInfoRequest({ name: 'summary', variablesReference: 0 });
      assert.equal(bad.body.dataId, null);
      const r = await s.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: 'ip.daddr' }, { dataId: 'nonsense' }] });
      assert.deepEqual(r.body.breakpoints.map((b) => b.verified), [true, false]);
      const e = await stopped(s, 'continue');
      assert.equal(e.body.reason, 'data breakpoint');
      assert.match(e.body.description!, /ip\.daddr changed: 192\.0\.2\.1 -> 10\.0\.0\.10/);
      assert.equal(await topName(s), 'nf_nat_packet @gw');
    });
  });

  describe('variables, setVariable, evaluate, completions, memory', () => {
    it('Packet, Namespace and Probe scopes', async () => {
      await launch(s, { topology: NAT, probe: 'web' }, async (dc) => {
        await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'router:nf_conntrack_confirm' }] });
      });
      await stopped(s, 'continue');
      const pkt = await scopeVars(s, 'Packet');
      assert.deepEqual(pkt.map((v) => v.name), ['summary', 'skb', 'eth', 'ip', 'tcp', 'ct', 'wire']);
      assert.equal(pkt[0].value, 'TCP 10.0.2.1:40000 > 10.0.2.2:80 [S]');
      const ip = await children(s, pkt.find((v) => v.name === 'ip'));
      assert.equal(ip.find((v) => v.name === 'saddr')!.value, '10.0.2.1');
      assert.equal(ip.find((v) => v.name === 'ttl')!.value, '63');
      const ct = await children(s, pkt.find((v) => v.name === 'ct'));
      assert.equal(ct.find((v) => v.name === 'state')!.value, 'NEW');
      assert.equal(ct.find((v) => v.name === 'snat')!.value, 'true');
      const ns = await scopeVars(s, 'Namespace');
      assert.equal((await scopeVars(s, 'Namespace')).length, ns.length);
      const sys = await children(s, ns.find((v) => v.name === 'sysctl'));
      assert.equal(sys.find((v) => v.name === 'net.ipv4.ip_forward')!.value, '1');
      const ipt = await children(s, ns.find((v) => v.name === 'iptables'));
      const filter = await children(s, ipt.find((v) => v.name === 'filter'));
      const fwd = await children(s, filter.find((v) => v.name === 'FORWARD'));
      assert.match(fwd.find((v) => v.name === '#2')!.value, /^1 pkts 40 bytes {2}-A FORWARD -i c0 -o s0 -p tcp -m tcp --dport 80 -j ACCEPT {2}\(line 23\)$/);
      assert.match(fwd.find((v) => v.name === 'policy')!.value, /^DROP 0 pkts/);
      const routes = await children(s, ns.find((v) => v.name === 'routes'));
      assert.ok(routes.some((v) => v.value === '10.0.1.0/24 dev c0 proto kernel scope link src 10.0.1.1'));
      const devs = await children(s, ns.find((v) => v.name === 'devices'));
      assert.match(devs.find((v) => v.name === 's0')!.value, /veth UP .* peer eth0@server 10\.0\.2\.1\/24/);
      const socks = await children(s, (await scopeVars(s, 'Namespace')).find((v) => v.name === 'sockets'));
      assert.deepEqual(socks, []);
      const probe = await scopeVars(s, 'Probe');
      const pv = Object.fromEntries(probe.map((v) => [v.name, v.value]));
      assert.equal(pv.expected, 'delivered in server');
      assert.equal(pv.pass, 'PASS');
      assert.equal(pv['so far'], 'in flight');
      assert.match(pv.outcome, /^\(at the end\) delivered in server/);
    });

    it('setVariable on a packet field: the packet continues with it, and step back still works', async () => {
      await launch(s, { topology: ROUTED, probe: 'web' });
      await stopped(s, 'stepIn'); // tcp_v4_connect: the SYN exists
      const ip = (await scopeVars(s, 'Packet')).find((v) => v.name === 'ip')!;
      const r = await s.dc.setVariableRequest({ variablesReference: ip.variablesReference, name: 'ttl', value: '1' });
      assert.equal(r.body.value, '1');
      assert.equal(await evaluate(s, 'ip.ttl', 'watch'), '1');
      const tcp = (await scopeVars(s, 'Packet')).find((v) => v.name === 'tcp')!;
      const bad = await failure(s.dc.setVariableRequest({ variablesReference: tcp.variablesReference, name: 'dport', value: '70000' }));
      assert.match(bad, /invalid value for tcp\.dport/);
      const ro = (await scopeVars(s, 'Packet')).find((v) => v.name === 'skb')!;
      assert.match(await failure(s.dc.setVariableRequest({ variablesReference: ro.variablesReference, name: 'netns', value: 'x' })), /not writable|cannot be changed/);
      await stopped(s, 'stepIn');
      assert.equal(await topName(s), 'ip_route_output eth0 @client');
      await stopped(s, 'stepBack');
      assert.equal(await topName(s), 'tcp_v4_connect @client');
      assert.equal(await evaluate(s, 'ip.ttl', 'watch'), '1');
      const end = await move(s, 'continue');
      assert.equal(end.event, 'terminated');
      const text = s.output.join('');
      // TTL 1 leaves the client and expires at the router: ICMP time exceeded comes back.
      assert.match(text, /outcome: ttl-exceeded in router/);
      assert.match(text, /expected: delivered in server -> FAIL/);
    });

    it('setVariable on a sysctl: forwarding off at the router', async () => {
      await launch(s, { topology: ROUTED, probe: 'ping' }, async (dc) => {
        await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'router:netif_receive_skb' }] });
      });
      await stopped(s, 'continue');
      const sys = await children(s, (await scopeVars(s, 'Namespace')).find((v) => v.name === 'sysctl'));
      assert.equal(sys.find((v) => v.name === 'net.ipv4.ip_forward')!.value, '1');
      const ref = (await scopeVars(s, 'Namespace')).find((v) => v.name === 'sysctl')!.variablesReference;
      await s.dc.setVariableRequest({ variablesReference: ref, name: 'net.ipv4.ip_forward', value: '0' });
      assert.equal(await evaluate(s, 'sysctl net.ipv4.ip_forward'), 'net.ipv4.ip_forward = 0');
      assert.match(await failure(s.dc.setVariableRequest({ variablesReference: ref, name: 'net.ipv4.ip_forward', value: 'on' })), /numbers/);
      await s.dc.setFunctionBreakpointsRequest({ breakpoints: [] });
      const end = await move(s, 'continue');
      assert.equal(end.event, 'terminated');
      // The kernel's ip_error drops without an ICMP error when forwarding is off (IP_INADDRERRORS).
      assert.match(s.output.join(''), /outcome: dropped in router: IP_INADDRERRORS/);
    });

    it('evaluate: expressions over the packet and the step, errors as error responses', async () => {
      await launch(s, { topology: NAT, probe: 'web' }, async (dc) => {
        await dc.setBreakpointsRequest({ source: { path: NAT }, breakpoints: [{ line: 23 }] });
      });
      await stopped(s, 'continue');
      assert.equal(await evaluate(s, 'ip.daddr == 10.0.2.2 && tcp.dport == 80', 'watch'), 'true');
      assert.equal(await evaluate(s, 'ct.state == NEW', 'watch'), 'true');
      assert.equal(await evaluate(s, 'skb.mark & 0xff', 'watch'), '0');
      assert.equal(await evaluate(s, 'ip.ttl < 5', 'hover'), 'false');
      assert.equal(await evaluate(s, 'ip.saddr in 10.0.1.0/24', 'repl'), 'true');
      assert.equal(await evaluate(s, 'udp.dport == 53', 'watch'), 'false');
      assert.equal(await evaluate(s, 'ip.daddr', 'hover'), '10.0.2.2');
      assert.equal(await evaluate(s, 'chain', 'watch'), 'FORWARD');
      assert.match(await failure(s.dc.evaluateRequest({ expression: 'ip.daddr ==', context: 'watch' })), /unexpected end of expression/);
      assert.match(await failure(s.dc.evaluateRequest({ expression: 'ip.daddr < NEW', context: 'watch' })), /needs numbers/);
      assert.match(await failure(s.dc.evaluateRequest({ expression: 'c0', context: 'hover' })), /not a packet field/);
      assert.match(await failure(s.dc.evaluateRequest({ expression: '10.0.2.2', context: 'hover' })), /nothing to show/);
      assert.equal(await evaluate(s, '10.0.2.2', 'repl'), '10.0.2.2');
      // An outer frame evaluates at its own step.
      const f = await frames(s);
      const outer = f.find((x) => x.name.startsWith('netif_receive_skb'))!;
      assert.equal(await evaluate(s, 'fn', 'watch', outer.id), 'netif_receive_skb');
    });

    it('REPL commands: ip route get, ip -n NS addr/route/rule, iptables -L -v -n --line-numbers, conntrack -L', async () => {
      await launch(s, { topology: NAT, probe: 'web' }, async (dc) => {
        await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'server:netif_receive_skb' }] });
      });
      await stopped(s, 'continue');
      assert.equal(await evaluate(s, 'ip route get 10.0.1.2'), '10.0.1.2 via 10.0.2.1 dev eth0 src 10.0.2.2 uid 0\n    cache');
      assert.equal(await evaluate(s, 'ip -n router route get 10.0.2.2 from 10.0.1.2 iif c0'), '10.0.2.2 from 10.0.1.2 dev s0\n    cache iif c0');
      assert.equal(await evaluate(s, 'ip -n client route get 10.0.1.2'), 'local 10.0.1.2 dev lo src 10.0.1.2 uid 0\n    cache <local>');
      assert.match(await evaluate(s, 'ip -n client addr'), /^ {4}inet 10\.0\.1\.2\/24 scope global eth0$/m);
      assert.match(await evaluate(s, 'ip netns exec router ip route'), /^10\.0\.1\.0\/24 dev c0 proto kernel scope link src 10\.0\.1\.1$/m);
      assert.equal(await evaluate(s, 'ip rule'), '0:\tfrom all lookup local\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default');
      const ipt = await evaluate(s, 'ip netns exec router iptables -L FORWARD -v -n --line-numbers');
      assert.equal(ipt, [
        'Chain FORWARD (policy DROP 0 packets, 0 bytes)',
        'num   pkts bytes target     prot opt in     out     source               destination',
        '1        0     0 ACCEPT     0    --  *      *       0.0.0.0/0            0.0.0.0/0            ctstate RELATED,ESTABLISHED',
        '2        1    40 ACCEPT     6    --  c0     s0      0.0.0.0/0            0.0.0.0/0            tcp dpt:80',
      ].join('\n'));
      assert.match(await evaluate(s, 'ip netns exec router iptables -t nat -L -v -n'), /^ {4}1 {4}40 MASQUERADE 0 {4}-- {2}\* {6}s0 {6}0\.0\.0\.0\/0 {12}0\.0\.0\.0\/0$/m);
      assert.match(await evaluate(s, 'ip netns exec router conntrack -L'), /^tcp {6}6 src=10\.0\.1\.2 dst=10\.0\.2\.2 sport=40000 dport=80 \[UNREPLIED\] src=10\.0\.2\.2 dst=10\.0\.2\.1 sport=80 dport=40000 mark=0 use=1\nconntrack v1\.4\.7 \(conntrack-tools\): 1 flow entries have been shown\.$/);
      assert.match(await evaluate(s, 'help'), /route get ADDR/);
      assert.match(await failure(s.dc.evaluateRequest({ expression: 'ip -n mars addr', context: 'repl' })), /Cannot open network namespace "mars"/);
      assert.match(await failure(s.dc.evaluateRequest({ expression: 'iptables -A INPUT -j DROP', context: 'repl' })), /only listing/);
      assert.match(await failure(s.dc.evaluateRequest({ expression: 'ip route get 300.1.1.1', context: 'repl' })), /inet prefix is expected/);
      assert.match(await failure(s.dc.evaluateRequest({ expression: 'ip route', context: 'hover' })), /not evaluated on hover/);
    });

    it('completions for commands, namespaces, tables and fields', async () => {
      await launch(s, { topology: NAT, probe: 'web' });
      const c = async (text: string): Promise<string[]> => (await s.dc.completionsRequest({ text, column: text.length + 1 })).body.targets.map((t) => t.label);
      assert.deepEqual(await c('ip -n '), ['root', 'router', 'client', 'server']);
      assert.deepEqual(await c('ip -n r'), ['root', 'router']);
      assert.deepEqual(await c('iptables -t n'), ['nat']);
      assert.ok((await c('ip.')).includes('ip.daddr'));
      assert.ok((await c('ip.d')).every((x) => x.startsWith('ip.d')));
      assert.ok((await c('conn')).includes('conntrack'));
      assert.ok((await c('ct.s')).includes('ct.state'));
    });

    it('readMemory: the packet as encoded on the wire at this step', async () => {
      await launch(s, { topology: NAT, probe: 'web' }, async (dc) => {
        await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'server:netif_receive_skb' }] });
      });
      await stopped(s, 'continue');
      const wire = (await scopeVars(s, 'Packet')).find((v) => v.name === 'wire')!;
      assert.ok(wire.memoryReference);
      const r = await s.dc.customRequest('readMemory', { memoryReference: wire.memoryReference, offset: 0, count: 64 });
      const body = r.body as DebugProtocol.ReadMemoryResponse['body'];
      const b = Buffer.from(body!.data!, 'base64');
      assert.equal(b.length, 54);
      assert.equal(body!.unreadableBytes, 10);
      assert.equal(b.readUInt16BE(12), 0x0800);
      assert.equal(b[14], 0x45);
      assert.equal(b[14 + 8], 63); // TTL after one router
      assert.deepEqual([...b.subarray(14 + 12, 14 + 20)], [10, 0, 2, 1, 10, 0, 2, 2]); // after MASQUERADE
      assert.equal(b.readUInt16BE(34 + 2), 80);
      const ip = (await scopeVars(s, 'Packet')).find((v) => v.name === 'ip')!;
      const r2 = await s.dc.customRequest('readMemory', { memoryReference: ip.memoryReference, count: 1 });
      assert.equal(Buffer.from((r2.body as { data: string }).data, 'base64')[0], 0x45);
      assert.match(await failure(s.dc.customRequest('readMemory', { memoryReference: 'heap@0', count: 4 })), /unknown memory reference/);
    });
  });

  describe('bridges and the shortcut', () => {
    it('a bridged packet stops at br_handle_frame and the FORWARD rule of the bridge', async () => {
      await launch(s, { topology: BRIDGE, probe: 'h1-h3-web' }, async (dc) => {
        await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'br_handle_frame' }] });
        await dc.setBreakpointsRequest({ source: { path: BRIDGE }, breakpoints: [{ line: 23 }] });
      });
      await stopped(s, 'continue');
      assert.equal(await topName(s), 'br_handle_frame p1 @sw');
      await stopped(s, 'continue');
      assert.equal(await topName(s), 'rule filter FORWARD #1 @sw');
    });
  });

  describe('malformed requests', () => {
    it('bad JSON and a request without a command on the wire: an output line or an error response, then it still answers', async () => {
      const child = spawn(process.execPath, [ADAPTER], { stdio: ['pipe', 'pipe', 'ignore'] });
      let got = '';
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (d: string) => { got += d; });
      const frame = (body: string): string => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      child.stdin!.write(frame('{not json'));
      child.stdin!.write(frame(JSON.stringify({ seq: 1, type: 'request' })));
      child.stdin!.write(frame(JSON.stringify({ seq: 2, type: 'request', command: 'initialize', arguments: { adapterID: 'netns', pathFormat: 'path' } })));
      const deadline = Date.now() + 10000;
      while (!got.includes('"command":"initialize"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      child.kill();
      assert.match(got, /"event":"output".*netns debug adapter: Error handling data/s);
      assert.match(got, /"request_seq":1,"success":false/);
      assert.match(got, /"request_seq":2,"command":"initialize","success":true/);
    });

    it('get error responses and the adapter keeps serving', async () => {
      await s.dc.initializeRequest();
      assert.match(await failure(s.dc.customRequest('nonsense', {})), /unrecognized request|nonsense/);
      assert.match(await failure(s.dc.customRequest('next', 'five')), /arguments must be an object/);
      assert.match(await failure(s.dc.stackTraceRequest({ threadId: 1 })), /launch first/);
      assert.match(await failure(s.dc.customRequest('attach', {})), /attach is not supported/);
      await launch(s, { topology: NAT, probe: 'web' });
      assert.match(await failure(s.dc.customRequest('stackTrace', {})), /numeric threadId/);
      assert.match(await failure(s.dc.stackTraceRequest({ threadId: 99 })), /no packet 99/);
      assert.match(await failure(s.dc.scopesRequest({ frameId: 12345 })), /no frame 12345/);
      assert.match(await failure(s.dc.variablesRequest({ variablesReference: 777777 })), /no variables with reference/);
      assert.match(await failure(s.dc.customRequest('setBreakpoints', {})), /needs a source/);
      assert.match(await failure(s.dc.customRequest('setBreakpoints', { source: { path: NAT }, breakpoints: 'line 3' })), /must be an array/);
      assert.match(await failure(s.dc.customRequest('setFunctionBreakpoints', { breakpoints: null })), /breakpoints array/);
      assert.match(await failure(s.dc.customRequest('setExceptionBreakpoints', {})), /needs filters/);
      assert.match(await failure(s.dc.customRequest('evaluate', { expression: 42 })), /needs an expression/);
      assert.match(await failure(s.dc.customRequest('source', { sourceReference: 999 })), /no source with reference 999/);
      assert.match(await failure(s.dc.customRequest('readMemory', { memoryReference: 'packet@5000', count: 4 })), /no packet at step/);
      assert.match(await failure(s.dc.customRequest('setVariable', { variablesReference: 1 })), /needs variablesReference, name and value/);
      assert.match(await failure(s.dc.customRequest('completions', { text: 'ip' })), /needs text and column/);
      assert.match(await failure(s.dc.customRequest('exceptionInfo', { threadId: 1 })), /not stopped on an exception/);
      assert.match(await failure(s.dc.customRequest('dataBreakpointInfo', {})), /needs a name/);
      assert.match(await failure(s.dc.customRequest('breakpointLocations', {})), /needs a line/);
      assert.match(await failure(s.dc.launchRequest({ topology: NAT, probe: 'web' } as DebugProtocol.LaunchRequestArguments)), /already debugs a packet/);
      const bp = await s.dc.setBreakpointsRequest({ source: { path: '/elsewhere/x.netns' }, breakpoints: [{ line: 3 }] });
      assert.match(bp.body.breakpoints[0].message!, /only lines of the debugged topology/);
      const e = await stopped(s, 'stepIn');
      assert.equal(e.body.reason, 'step');
      assert.equal(await topName(s), 'tcp_v4_connect @client');
    });

    it('terminate ends the session; requests after the end are refused', async () => {
      await launch(s, { topology: NAT, probe: 'web' });
      const t = s.dc.waitForEvent('terminated');
      await s.dc.terminateRequest();
      await t;
      assert.match(await failure(s.dc.nextRequest({ threadId: 1 })), /has finished/);
    });
  });
});

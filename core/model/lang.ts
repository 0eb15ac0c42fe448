// Executors for the language's own statements: `listen`, `probe`, jail block headers and the
// pasted `ip netns add NS`. They check what the kernel would refuse at that line (bind/listen
// errno, bsdjail's EPERM, unknown namespaces and devices) and add SocketConfig / ProbeSpec to
// the model. They do not decide what a probe does: that is the simulator's job (core/sim).
//
// Verified on Linux 6.18 with python3 sockets in a throwaway namespace. A listener is a process
// that sets SO_REUSEADDR, as servers do and as the export's listeners do:
// - tcp 0.0.0.0:80 then tcp 10.0.0.1:80 (and the reverse order) -> EADDRINUSE; the same
//   address twice -> EADDRINUSE; with or without SO_REUSEADDR (two sockets in LISTEN conflict);
// - udp: the same overlaps are EADDRINUSE without SO_REUSEADDR but all bind with it (both
//   sockets set it), so for UDP they are a warning; tcp and udp on one port coexist;
// - bind to an address the namespace does not have -> EADDRNOTAVAIL, also 127.0.0.1 while lo is
//   down (a fresh namespace's lo has no address until it is up), and a subnet broadcast address
//   while its device is down; with net.ipv4.ip_nonlocal_bind=1 any address binds;
// - bind to an address of a device that is down works (its local route stays).
// - `ip netns add` of an existing name: `Cannot create namespace file "/run/netns/NS": File exists`.
// bsdjail (kernel-path.md section 7): bind to another address -> EPERM; bind 0.0.0.0 or
// 127.0.0.1 allowed, but TCP listen() then fails EPERM since the socket's address is not the jail's.

import { diagnose } from '../diagnostics/catalogue';
import type { DeviceConfig, Ipv4, NetnsConfig, OutcomeKind, ProbeSpec, SocketConfig } from '../kernel/config';
import { ipv4ToString, parseIpv4, prefixContains, RT_TABLE_LOCAL } from '../kernel/config';
import type { Token } from '../syntax/lexer';
import type { BlockNode } from '../syntax/tree';
import type { ExecContext, ModelState } from './context';
import { nearestName } from './names';
import { ROOT_NETNS } from './state';

export const OUTCOMES: readonly OutcomeKind[] = ['delivered', 'refused', 'unreachable', 'denied', 'ttl-exceeded', 'dropped'];
const LOOPBACK: Ipv4 = 0x7f000001;

/** Facts kept for lints and tools (ModelState.facts). */
export const FACT_SOCKET_ORIGINS = 'lang.socketTokens';
export const FACT_PROBE_DEFS = 'lang.probeDefs';
const FACT_NETNS_ADDED = 'lang.netnsAdded';

function factMap<V>(state: ModelState, key: string): Map<string | number, V> {
  // Probe names are one namespace of their own; `ip netns add` changes what exists from the start.
  if (state.tracker && key !== FACT_SOCKET_ORIGINS) state.tracker.touch(key === FACT_PROBE_DEFS ? '#probes' : '#global');
  let m = state.facts.get(key) as Map<string | number, V> | undefined;
  if (!m) state.facts.set(key, (m = new Map()));
  return m;
}

/** True when `addr` is an address `bind()` accepts in `ns` (inet_addr_type is LOCAL, BROADCAST or MULTICAST). */
export function isLocalAddress(ns: NetnsConfig, addr: Ipv4): boolean {
  if (addr === 0) return true;
  if (addr === 0xffffffff || addr >>> 24 === 0) return true; // limited broadcast and 0.x: RTN_BROADCAST
  if (addr >>> 28 === 0xe) return true; // multicast
  for (const a of ns.addresses) if (a.addr === addr) return true;
  for (const r of ns.routes) {
    if (r.table !== RT_TABLE_LOCAL) continue;
    if (r.type === 'local' && prefixContains(r.dst, addr)) return true;
    if (r.type === 'broadcast' && r.dst.addr === addr) return true;
  }
  return false;
}

/** Parses `ADDR:PORT` (or `ADDR` when the port is optional). */
export function parseEndpoint(text: string): { addr?: Ipv4; port?: number; hasPort: boolean; addrText: string; portText?: string } {
  const c = text.lastIndexOf(':');
  const addrText = c < 0 ? text : text.slice(0, c);
  const portText = c < 0 ? undefined : text.slice(c + 1);
  const addr = parseIpv4(addrText);
  let port: number | undefined;
  if (portText !== undefined && /^\d{1,5}$/.test(portText)) {
    const n = Number(portText);
    if (n >= 1 && n <= 65535) port = n;
  }
  return { addr, port, hasPort: c >= 0, addrText, portText };
}

// ---------------------------------------------------------------- listen

export function execListen(ctx: ExecContext): void {
  const argv = ctx.argv;
  ctx.role(0, 'command');
  ctx.info.what = 'listen';
  if (argv.length < 3) return void ctx.report('listenUsage', argv[0], "'listen' needs a protocol and ADDR:PORT");
  ctx.role(1, 'proto');
  const proto = argv[1].value;
  if (proto !== 'tcp' && proto !== 'udp') return void ctx.report('listenUsage', argv[1], `unknown protocol '${proto}' (expected tcp or udp)`);
  if (argv.length > 3) return void ctx.report('listenUsage', argv[3], `unexpected '${argv[3].value}'`);
  const ep = parseEndpoint(argv[2].value);
  ctx.role(2, 'address');
  if (ep.addr === undefined) return void ctx.report('badEndpoint', argv[2], ep.addrText, 'IPv4 address');
  if (!ep.hasPort) return void ctx.report('listenUsage', argv[2], `'${argv[2].value}' has no port`);
  if (ep.port === undefined) return void ctx.report('badEndpoint', argv[2], ep.portText ?? '', 'port (1-65535)');
  const addr = ep.addr;
  const port = ep.port;
  const ns = ctx.netns;
  const jail = ctx.jail?.addr;
  const addrText = ipv4ToString(addr);
  const endpoint = `${addrText}:${port}`;

  // 1. bsdjail's socket_bind hook runs before inet_bind's own checks.
  const jailed = jail !== undefined && jail !== 0;
  if (jailed && addr !== jail && addr !== 0 && addr !== LOOPBACK) {
    return void ctx.report('jailBindDenied', argv[2], addrText, ipv4ToString(jail));
  }
  // 2. inet_bind: the address must be local unless ip_nonlocal_bind.
  if (!isLocalAddress(ns, addr) && Number(ns.sysctl.get('net.ipv4.ip_nonlocal_bind') ?? '0') === 0) {
    return void ctx.report('addrNotAvail', argv[2], addrText, ctx.netnsName);
  }
  // 3. the port: same protocol, same port, overlapping address (inet_csk_get_port / udp_lib_get_port).
  for (const s of ns.sockets) {
    if (s.proto !== proto || s.port !== port) continue;
    if (s.addr !== addr && s.addr !== 0 && addr !== 0) continue;
    const other = `'listen ${s.proto} ${ipv4ToString(s.addr)}:${s.port}'`;
    const d = proto === 'tcp' ? ctx.report('addrInUse', argv[2], proto, endpoint, other) : ctx.report('udpPortShared', argv[2], endpoint, other);
    const at = factMap<Token>(ctx.state, FACT_SOCKET_ORIGINS).get(s.origin);
    if (at) ctx.relate(d, at, proto === 'tcp' ? 'the socket that holds the port' : 'the other socket');
    if (proto === 'tcp') return;
    break;
  }
  // 4. bsdjail's socket_listen hook: a TCP listener must be bound to the jail address.
  if (jailed && proto === 'tcp' && addr !== jail) {
    return void ctx.report('jailListenDenied', argv[2], addrText, ipv4ToString(jail));
  }
  const sock: SocketConfig = { proto, addr, port, origin: ctx.origin };
  if (jailed) sock.jail = jail;
  ns.sockets.push(sock);
  factMap<Token>(ctx.state, FACT_SOCKET_ORIGINS).set(ctx.origin, ctx.keepToken(2));
}

// ---------------------------------------------------------------- jail blocks

/** Checks a jail block's header (the body runs with the jail through ExecContext.jail). */
export function execJailBlock(state: ModelState, block: BlockNode, netns: string, addr: number | undefined): void {
  const name = block.name;
  if (!name) return; // the parser reported the missing address
  if (addr === undefined || addr === 0) {
    state.diagnostics.push(diagnose('jailBadAddress', name.start, name.end, name.value));
    return;
  }
  const ns = state.topology.namespaces.get(netns);
  if (ns && !ns.addresses.some((a) => a.addr === addr)) {
    state.diagnostics.push(diagnose('jailAddressMissing', name.start, name.end, ipv4ToString(addr), netns));
  }
}

// ---------------------------------------------------------------- ip netns add

export function execNetnsAdd(ctx: ExecContext): void {
  ctx.role(0, 'command');
  ctx.role(1, 'subcommand');
  ctx.role(2, 'subcommand');
  ctx.info.what = 'ip netns add';
  const tok = ctx.argv[3];
  if (!tok) return void ctx.report('missingNetnsArgument', ctx.argv[2], 'ip netns add');
  ctx.role(3, 'netns');
  const name = tok.value;
  if (name === '' || name === '.' || name === '..' || name.includes('/')) {
    return void ctx.report('invalidNamespaceName', tok, name);
  }
  if (ctx.argv.length > 4) return void ctx.report('notSimulated', ctx.argv[4], `'ip netns add ${name} ${ctx.argv[4].value}'`);
  const added = factMap<Token>(ctx.state, FACT_NETNS_ADDED);
  const first = added.get(name);
  if (first || name === ROOT_NETNS) {
    const d = ctx.report('netnsExists', tok, name);
    if (first) ctx.relate(d, first, `${name} was added here`);
    return;
  }
  added.set(name, ctx.keepToken(3));
  ctx.symbol('netns', `netns:${name}`, tok, true);
}

// ---------------------------------------------------------------- probe

const NUMBER_OPTIONS: Record<string, { min: number; max: number; range: string }> = {
  sport: { min: 1, max: 65535, range: 'a port 1-65535' },
  ttl: { min: 1, max: 255, range: 'a TTL 1-255' },
  mark: { min: 0, max: 0xffffffff, range: 'a 32-bit mark (decimal or 0x hex)' },
};

function parseNumber(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16);
  return undefined;
}

/** Looks a namespace up for a probe; reports NS4001 and returns undefined if unknown. */
function probeNetns(ctx: ExecContext, i: number): NetnsConfig | undefined {
  const tok = ctx.argv[i];
  ctx.role(i, 'netns');
  const ns = ctx.topology.namespaces.get(tok.value);
  if (!ns) {
    const near = nearestName(tok.value, ctx.topology.namespaces.keys());
    const d = ctx.report('unknownNetns', tok, tok.value, near);
    d.data = { name: tok.value, nearest: near };
    return undefined;
  }
  ctx.symbol('netns', `netns:${tok.value}`, tok, false);
  return ns;
}

export function execProbe(ctx: ExecContext): void {
  const argv = ctx.argv;
  ctx.role(0, 'command');
  ctx.info.what = 'probe';
  const nameTok = argv[1];
  if (!nameTok) return void ctx.report('probeUsage', argv[0], "'probe' needs a name");
  ctx.role(1, 'probe');
  const defs = factMap<Token>(ctx.state, FACT_PROBE_DEFS);
  const prior = defs.get(nameTok.value);
  let failed = false;
  if (prior) {
    const d = ctx.report('probeDuplicate', nameTok, nameTok.value);
    ctx.relate(d, prior, `probe '${nameTok.value}' is defined here`);
    failed = true;
  } else {
    defs.set(nameTok.value, ctx.keepToken(1));
    ctx.symbol('probe', `probe:${nameTok.value}`, nameTok, true);
  }
  const mode = argv[2];
  if (!mode || (mode.value !== 'from' && mode.value !== 'on')) {
    return void ctx.report('probeUsage', mode ?? nameTok, mode ? `expected 'from' or 'on', not '${mode.value}'` : `probe '${nameTok.value}' needs 'from NS' or 'on NS DEV'`);
  }
  ctx.role(2, 'keyword');
  if (!argv[3]) return void ctx.report('probeUsage', mode, `'${mode.value}' needs a namespace`);
  const ns = probeNetns(ctx, 3);
  if (!ns) failed = true;
  let i = 4;
  const spec: Partial<ProbeSpec> & { name: string } = { name: nameTok.value, origin: ctx.origin };
  if (mode.value === 'on') {
    const devTok = argv[i];
    if (!devTok) return void ctx.report('probeUsage', argv[3], "'on NS' needs a device: 'on NS DEV'");
    ctx.role(i, 'device');
    const dev: DeviceConfig | undefined = ns?.devices.get(devTok.value);
    if (ns && !dev) {
      ctx.report('probeUnknownDevice', devTok, devTok.value, ns.name, nearestName(devTok.value, ns.devices.keys()));
      failed = true;
    }
    if (dev) {
      ctx.symbol('device', `device:${dev.id}`, devTok, false, ns!.name);
      spec.on = { netns: ns!.name, devId: dev.id };
    }
    i++;
  } else {
    spec.from = { netns: argv[3].value };
    if (argv[i]?.value === 'jail') {
      ctx.role(i, 'keyword');
      const a = argv[i + 1];
      if (!a) return void ctx.report('probeUsage', argv[i], "'jail' needs the jail's address");
      ctx.role(i + 1, 'address');
      const addr = parseIpv4(a.value);
      if (addr === undefined || addr === 0) {
        ctx.report('jailBadAddress', a, a.value);
        failed = true;
      } else spec.from.jail = addr;
      i += 2;
    }
  }
  // Protocol and destination.
  const protoTok = argv[i];
  if (!protoTok) return void ctx.report('probeUsage', argv[i - 1], 'missing protocol and destination');
  ctx.role(i, 'proto');
  const proto = protoTok.value;
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'icmp') return void ctx.report('probeBadProto', protoTok, proto);
  spec.proto = proto;
  i++;
  const dstTok = argv[i];
  if (!dstTok) return void ctx.report('probeUsage', protoTok, `missing destination after '${proto}'`);
  ctx.role(i, 'address');
  const ep = parseEndpoint(dstTok.value);
  if (ep.addr === undefined) {
    ctx.report('badEndpoint', dstTok, ep.addrText, 'IPv4 address');
    failed = true;
  } else spec.dst = ep.addr;
  if (proto === 'icmp') {
    if (ep.hasPort) {
      ctx.report('probePortOnIcmp', dstTok, `':${ep.portText}'`);
      failed = true;
    }
  } else if (!ep.hasPort) {
    ctx.report('probeMissingPort', dstTok, proto, ep.addrText);
    failed = true;
  } else if (ep.port === undefined) {
    ctx.report('badEndpoint', dstTok, ep.portText ?? '', 'port (1-65535)');
    failed = true;
  } else spec.dport = ep.port;
  i++;
  // Options in any order.
  const seen = new Set<string>();
  while (i < argv.length) {
    const opt = argv[i].value;
    const tok = argv[i];
    if (opt !== 'sport' && opt !== 'src' && opt !== 'ttl' && opt !== 'mark' && opt !== 'expect') {
      ctx.report('probeUsage', tok, `unexpected '${opt}' (options: sport, src, ttl, mark, expect)`);
      return;
    }
    ctx.role(i, 'keyword');
    if (seen.has(opt)) {
      ctx.report('probeDuplicateOption', tok, opt);
      failed = true;
    }
    seen.add(opt);
    const val = argv[i + 1];
    if (!val) return void ctx.report('probeUsage', tok, `'${opt}' needs a value`);
    if (opt === 'expect') {
      ctx.role(i + 1, 'outcome');
      const o = val.value as OutcomeKind;
      if (!OUTCOMES.includes(o)) {
        ctx.report('probeBadOutcome', val, val.value, nearestName(val.value, OUTCOMES));
        failed = true;
      } else spec.expect = { kind: o };
      i += 2;
      if (argv[i]?.value === 'in') {
        ctx.role(i, 'keyword');
        if (!argv[i + 1]) return void ctx.report('probeUsage', argv[i], "'in' needs a namespace");
        const where = probeNetns(ctx, i + 1);
        if (!where) failed = true;
        else if (spec.expect) spec.expect.netns = where.name;
        i += 2;
      }
      continue;
    }
    if (opt === 'src') {
      ctx.role(i + 1, 'address');
      const a = parseIpv4(val.value);
      if (a === undefined) {
        ctx.report('badEndpoint', val, val.value, 'IPv4 address');
        failed = true;
      } else spec.src = a;
    } else {
      ctx.role(i + 1, opt === 'sport' ? 'port' : 'number');
      const lim = NUMBER_OPTIONS[opt];
      const n = parseNumber(val.value);
      if (n === undefined || n < lim.min || n > lim.max) {
        ctx.report('probeBadNumber', val, opt, val.value, lim.range);
        failed = true;
      } else if (opt === 'sport') {
        if (proto === 'icmp') {
          ctx.report('probePortOnIcmp', tok, "'sport'");
          failed = true;
        } else spec.sport = n;
      } else if (opt === 'ttl') spec.ttl = n;
      else spec.mark = n;
    }
    i += 2;
  }
  if (mode.value === 'on' && spec.src === undefined && !seen.has('src')) {
    ctx.report('probeNeedsSource', argv[0]);
    failed = true;
  }
  if (failed || ctx.failed) return;
  ctx.state.probes.push(spec as ProbeSpec);
}

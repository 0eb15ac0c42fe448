// The debugger's REPL commands, answered from the simulated kernel state at the current step:
// `ip [-n NS] addr|link|route|rule|neigh`, `ip route get ADDR [from ADDR] [iif DEV] [mark M]`,
// `iptables [-t T] -L [CHAIN] [-v] [-n] [--line-numbers]` / `iptables -S`, `conntrack -L`,
// `sysctl KEY`, each optionally prefixed by `ip netns exec NS`; plus their completions. Renders
// text close to the real tools' output (layouts checked against iproute2 and iptables on this
// machine's kernel; the simulator's state is what is listed). Pure over (Kernel, RunState).

import { ipv4ToString, parseIpv4, RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT } from '../core/kernel/config';
import type { XtMatch, XtRule, XtTarget } from '../core/kernel/config';
import {
  CChain, Dev, Kernel, Net, RunState, ipRouteInput, ipRouteOutput, macToString,
} from '../core/netstack';

export interface CommandResult {
  ok: boolean;
  text: string;
}

const TOOLS = ['ip', 'iptables', 'conntrack', 'sysctl', 'help'];

/** True when the REPL line is a command rather than an expression. */
export function isCommand(line: string): boolean {
  const w = line.trim().split(/\s+/)[0];
  return TOOLS.includes(w);
}

const HELP = `Commands (answered from the simulated kernel at the current step; NS defaults to the frame's namespace):
  ip [-n NS] addr | link | route [table T] | rule | neigh
  ip [-n NS] route get ADDR [from ADDR] [iif DEV] [mark M]
  iptables [-t TABLE] -L [CHAIN] [-v] [-n] [--line-numbers]      iptables [-t TABLE] -S
  conntrack -L
  sysctl KEY
  ip netns exec NS COMMAND...
Anything else is an expression over the packet: ip.daddr == 10.0.2.2 && tcp.dport == 80, ct.state, skb.mark & 0xff`;

/** Runs one command line in namespace `netns` (unless the line names one). */
export function runCommand(line: string, kernel: Kernel, run: RunState, netns: string): CommandResult {
  let words = line.trim().split(/\s+/).filter(Boolean);
  if (words[0] === 'help') return { ok: true, text: HELP };
  let ns = netns;
  // ip netns exec NS CMD ...
  while (words[0] === 'ip' && words[1] === 'netns' && words[2] === 'exec') {
    if (!words[3]) return { ok: false, text: 'ip netns exec: missing namespace name' };
    ns = words[3];
    words = words.slice(4);
    if (!words.length) return { ok: false, text: 'ip netns exec NS: missing command' };
  }
  if (words[0] === 'ip' && (words[1] === '-n' || words[1] === '-netns' || words[1] === '--netns')) {
    if (!words[2]) return { ok: false, text: `ip ${words[1]}: missing namespace name` };
    ns = words[2];
    words = ['ip', ...words.slice(3)];
  }
  const net = kernel.nets.get(ns);
  if (!net) {
    return { ok: false, text: `Cannot open network namespace "${ns}": No such file or directory (namespaces: ${[...kernel.nets.keys()].join(', ')})` };
  }
  switch (words[0]) {
    case 'ip': return ipCommand(words.slice(1), kernel, run, net);
    case 'iptables': return iptablesCommand(words.slice(1), run, net);
    case 'conntrack': return conntrackCommand(words.slice(1), run, net);
    case 'sysctl': return sysctlCommand(words.slice(1), run, net);
    default: return { ok: false, text: `unknown command ${words[0] ?? ''}; try 'help'` };
  }
}

// ---------------------------------------------------------------- ip

function abbrev(word: string | undefined, full: string, min = 1): boolean {
  return word !== undefined && word.length >= min && full.startsWith(word);
}

function ipCommand(w: string[], kernel: Kernel, run: RunState, net: Net): CommandResult {
  const obj = w[0] ?? '';
  if (abbrev(obj, 'address') || obj === 'a') return { ok: true, text: ipAddr(kernel, net) };
  if (abbrev(obj, 'link')) return { ok: true, text: ipLink(kernel, net) };
  if (abbrev(obj, 'route') || obj === 'r') {
    if (w[1] === 'get') return ipRouteGet(w.slice(2), run, net);
    const ti = w.indexOf('table');
    let table = RT_TABLE_MAIN;
    if (ti >= 0) {
      const t = w[ti + 1];
      const n = t === 'local' ? RT_TABLE_LOCAL : t === 'main' ? RT_TABLE_MAIN : t === 'default' ? RT_TABLE_DEFAULT : t === 'all' ? -1 : Number(t);
      if (t === undefined || Number.isNaN(n)) return { ok: false, text: `Error: argument "${t ?? ''}" is wrong: table id value is invalid` };
      table = n;
    }
    return { ok: true, text: ipRoute(net, table) };
  }
  if (abbrev(obj, 'rule') || obj === 'ru') return { ok: true, text: ipRule(net) };
  if (abbrev(obj, 'neighbour') || abbrev(obj, 'neighbor')) return { ok: true, text: ipNeigh(net) };
  return { ok: false, text: `Object "${obj}" is unknown, try "ip help" (here: addr, link, route, route get, rule, neigh).` };
}

function linkFlags(d: Dev): string {
  const f: string[] = [];
  if (d.kind === 'loopback') f.push('LOOPBACK');
  else f.push('BROADCAST', 'MULTICAST');
  if (d.up) f.push('UP', 'LOWER_UP');
  return `<${f.join(',')}>`;
}

function linkLine(kernel: Kernel, net: Net, d: Dev): string[] {
  const peer = d.peer;
  const name = peer ? `${d.name}@if${peer.ifindex}` : d.name;
  const master = d.master ? ` master ${d.master.name}` : '';
  const state = d.kind === 'loopback' ? 'UNKNOWN' : d.up ? 'UP' : 'DOWN';
  const out = [`${d.ifindex}: ${name}: ${linkFlags(d)} mtu ${d.mtu}${master} state ${state}`];
  const linkNs = peer && peer.netns !== net.name ? ` link-netns ${peer.netns}` : '';
  out.push(d.kind === 'loopback'
    ? '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00'
    : `    link/ether ${macToString(d.mac)} brd ff:ff:ff:ff:ff:ff${linkNs}`);
  void kernel;
  return out;
}

function ipLink(kernel: Kernel, net: Net): string {
  return net.devs.flatMap((d) => linkLine(kernel, net, d)).join('\n');
}

function ipAddr(kernel: Kernel, net: Net): string {
  const out: string[] = [];
  for (const d of net.devs) {
    out.push(...linkLine(kernel, net, d));
    for (const a of d.addrs) {
      const brd = a.cfg.broadcast !== undefined ? ` brd ${ipv4ToString(a.cfg.broadcast)}` : '';
      const scope = a.scope === 254 ? 'host' : 'global';
      out.push(`    inet ${ipv4ToString(a.addr)}/${a.plen}${brd} scope ${scope}${a.secondary ? ' secondary' : ''} ${d.name}`);
    }
  }
  return out.join('\n');
}

function tableName(t: number): string {
  return t === RT_TABLE_LOCAL ? 'local' : t === RT_TABLE_MAIN ? 'main' : t === RT_TABLE_DEFAULT ? 'default' : String(t);
}

function ipRoute(net: Net, table: number): string {
  const out: string[] = [];
  // Routes in configuration order per table, as `ip route` lists them (kernel order differs only cosmetically).
  for (const rc of net.cfg.routes) {
    if (table !== -1 && rc.table !== table) continue;
    const dst = rc.dst.len === 0 ? 'default' : rc.dst.len === 32 && rc.type !== 'unicast' ? ipv4ToString(rc.dst.addr) : `${ipv4ToString(rc.dst.addr)}/${rc.dst.len}`;
    const p: string[] = [];
    if (rc.type !== 'unicast') p.push(rc.type);
    p.push(dst);
    if (rc.gateway !== undefined) p.push(`via ${ipv4ToString(rc.gateway)}`);
    const dev = rc.devId !== undefined ? net.devs.find((d) => d.id === rc.devId) : undefined;
    if (dev) p.push(`dev ${dev.name}`);
    if (table === -1 && rc.table !== RT_TABLE_MAIN) p.push(`table ${tableName(rc.table)}`);
    if (rc.proto !== 'boot') p.push(`proto ${rc.proto}`);
    if (rc.scope !== 'universe') p.push(`scope ${rc.scope}`);
    if (rc.prefsrc !== undefined) p.push(`src ${ipv4ToString(rc.prefsrc)}`);
    if (rc.metric) p.push(`metric ${rc.metric}`);
    if (rc.onlink) p.push('onlink');
    out.push(p.join(' '));
  }
  return out.join('\n');
}

function ipRule(net: Net): string {
  return net.rules.map((r) => {
    const p: string[] = [`${r.pref}:\t`];
    if (r.invert) p.push('not');
    p.push(r.hasFrom ? `from ${ipv4ToString(r.fromAddr)}/${popcount(r.fromMask)}` : 'from all');
    if (r.hasTo) p.push(`to ${ipv4ToString(r.toAddr)}/${popcount(r.toMask)}`);
    if (r.fwmark) p.push(`fwmark 0x${r.fwmark.value.toString(16)}${r.fwmark.mask !== 0xffffffff ? `/0x${r.fwmark.mask.toString(16)}` : ''}`);
    if (r.iif) p.push(`iif ${r.iif}`);
    if (r.oif) p.push(`oif ${r.oif}`);
    p.push(r.action.type === 'lookup' ? `lookup ${tableName(r.action.table)}` : r.action.type);
    return p[0] + p.slice(1).join(' ');
  }).join('\n');
}

function popcount(m: number): number {
  let n = 0;
  for (let x = m >>> 0; x; x = (x & (x - 1)) >>> 0) n++;
  return n;
}

function ipNeigh(net: Net): string {
  return net.cfg.neighbours.map((n) => {
    const dev = net.devs.find((d) => d.id === n.devId);
    return `${ipv4ToString(n.addr)} dev ${dev?.name ?? '?'} lladdr ${n.lladdr} PERMANENT`;
  }).join('\n');
}

function ipRouteGet(w: string[], run: RunState, net: Net): CommandResult {
  const dst = w[0] !== undefined ? parseIpv4(w[0]) : undefined;
  if (dst === undefined) return { ok: false, text: `Error: inet prefix is expected rather than "${w[0] ?? ''}".` };
  let src = 0;
  let mark = 0;
  let iif: string | undefined;
  for (let i = 1; i < w.length; i += 2) {
    const v = w[i + 1];
    if (v === undefined) return { ok: false, text: `Command line is not complete. Try option "help"` };
    if (w[i] === 'from') {
      const a = parseIpv4(v);
      if (a === undefined) return { ok: false, text: `Error: inet prefix is expected rather than "${v}".` };
      src = a;
    } else if (w[i] === 'mark') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) return { ok: false, text: `Error: argument "${v}" is wrong: invalid mark` };
      mark = n >>> 0;
    } else if (w[i] === 'iif') iif = v;
    else return { ok: false, text: `Error: argument "${w[i]}" is wrong: expected from, iif or mark` };
  }
  const markText = mark ? ` mark 0x${mark.toString(16)}` : '';
  if (iif !== undefined) {
    const dev = net.devByName.get(iif);
    if (!dev) return { ok: false, text: `Cannot find device "${iif}"` };
    const r = ipRouteInput(run, net, dev, dst, src, mark);
    if (r.kind === 'local') return { ok: true, text: `local ${ipv4ToString(dst)} from ${ipv4ToString(src)} dev lo table local${markText}\n    cache <local> iif ${iif}` };
    if (r.kind === 'forward') {
      const via = r.nexthop !== dst ? ` via ${ipv4ToString(r.nexthop)}` : '';
      return { ok: true, text: `${ipv4ToString(dst)} from ${ipv4ToString(src)}${via} dev ${r.dev.name}${markText}\n    cache iif ${iif}` };
    }
    const why = r.kind === 'error' ? r.err : r.reason;
    return { ok: false, text: `RTNETLINK answers: ${errnoText(why)} (${r.why})` };
  }
  const r = ipRouteOutput(run, net, dst, src, mark);
  if (!r.ok) return { ok: false, text: `RTNETLINK answers: ${errnoText(r.err)} (${r.why})` };
  if (r.local) return { ok: true, text: `local ${ipv4ToString(dst)} dev lo src ${ipv4ToString(r.saddr)}${markText} uid 0\n    cache <local>` };
  const via = r.nexthop !== dst ? ` via ${ipv4ToString(r.nexthop)}` : '';
  const table = r.route.table !== RT_TABLE_MAIN ? ` table ${tableName(r.route.table)}` : '';
  return { ok: true, text: `${ipv4ToString(dst)}${via} dev ${r.dev.name}${table} src ${ipv4ToString(r.saddr)}${markText} uid 0\n    cache` };
}

function errnoText(e: string): string {
  switch (e) {
    case 'ENETUNREACH': return 'Network is unreachable';
    case 'EHOSTUNREACH': return 'No route to host';
    case 'EACCES': return 'Permission denied';
    case 'EINVAL': return 'Invalid argument';
    default: return e;
  }
}

// ---------------------------------------------------------------- iptables

function iptablesCommand(w: string[], run: RunState, net: Net): CommandResult {
  let table = 'filter';
  let list = false;
  let save = false;
  let chain: string | undefined;
  let verbose = false;
  let lineNumbers = false;
  for (let i = 0; i < w.length; i++) {
    const a = w[i];
    if (a === '-t' || a === '--table') {
      table = w[++i] ?? '';
      if (!['filter', 'nat', 'mangle', 'raw', 'security'].includes(table)) {
        return { ok: false, text: `iptables v1.8.9 (nf_tables): table '${table}' does not exist` };
      }
    } else if (a === '-L' || a === '--list' || a === '-S' || a === '--list-rules') {
      if (a === '-S' || a === '--list-rules') save = true; else list = true;
      if (w[i + 1] && !w[i + 1].startsWith('-')) chain = w[++i];
    } else if (a === '-v' || a === '--verbose') verbose = true;
    else if (a === '-n' || a === '--numeric') { /* addresses are always numeric here */ }
    else if (a === '--line-numbers') lineNumbers = true;
    else if (/^-[Lvn]+$/.test(a)) { if (a.includes('L')) list = true; if (a.includes('v')) verbose = true; }
    else return { ok: false, text: `iptables: only listing is answered here (-L, -S, -t, -v, -n, --line-numbers); '${a}' is not` };
  }
  if (!list && !save) return { ok: false, text: 'iptables: use -L or -S to list the rules at this step' };
  const t = net.hooks.tables.get(table as never);
  const builtins = ({ raw: ['PREROUTING', 'OUTPUT'], mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'], nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'], filter: ['INPUT', 'FORWARD', 'OUTPUT'], security: ['INPUT', 'FORWARD', 'OUTPUT'] } as Record<string, string[]>)[table];
  const chains: Array<CChain | string> = t ? [...t.chains.values()] : builtins;
  const picked = chain === undefined ? chains : chains.filter((c) => (typeof c === 'string' ? c : c.name) === chain);
  if (chain !== undefined && !picked.length) return { ok: false, text: `iptables: No chain/target/match by that name.` };
  if (save) {
    const out: string[] = [];
    for (const c of picked) {
      if (typeof c === 'string') { out.push(`-P ${c} ACCEPT`); continue; }
      out.push(c.builtin ? `-P ${c.name} ${c.policy ?? 'ACCEPT'}` : `-N ${c.name}`);
    }
    for (const c of picked) if (typeof c !== 'string') for (const r of c.rules) out.push(r.cfg.text);
    return { ok: true, text: out.join('\n') };
  }
  const blocks: string[] = [];
  for (const c of picked) {
    const name = typeof c === 'string' ? c : c.name;
    const lines: string[] = [];
    if (typeof c === 'string' || c.builtin) {
      const pol = typeof c === 'string' ? 'ACCEPT' : c.policy ?? 'ACCEPT';
      const cnt = typeof c === 'string' ? { pkts: 0, bytes: 0 } : run.counters.get(c.id) ?? { pkts: 0, bytes: 0 };
      lines.push(`Chain ${name} (policy ${pol}${verbose ? ` ${cnt.pkts} packets, ${cnt.bytes} bytes` : ''})`);
    } else {
      const refs = [...(t?.chains.values() ?? [])].reduce((n, x) => n + x.rules.filter((r) => r.jumpTo === c).length, 0);
      lines.push(`Chain ${name} (${refs} references)`);
    }
    // Column layout as iptables 1.8.9 (nf_tables) prints it on this machine (protocols as numbers).
    const head = (lineNumbers ? 'num  ' : '') + (verbose ? ' pkts bytes ' : '') + 'target     prot opt ' + (verbose ? 'in     out     ' : '') + 'source               destination';
    lines.push(head);
    if (typeof c !== 'string') {
      for (const r of c.rules) {
        const cnt = run.counters.get(r.id) ?? { pkts: 0, bytes: 0 };
        lines.push(ruleRow(r.cfg, r.pos, cnt, lineNumbers, verbose));
      }
    }
    blocks.push(lines.join('\n'));
  }
  return { ok: true, text: blocks.join('\n\n') };
}

function prefixText(m: XtMatch | undefined): string {
  if (!m || (m.kind !== 'src' && m.kind !== 'dst')) return '0.0.0.0/0';
  const p = `${ipv4ToString(m.prefix.addr)}/${m.prefix.len}`;
  return `${m.invert ? '!' : ''}${p.endsWith('/32') ? p.slice(0, -3) : p}`;
}

function ruleRow(r: XtRule, pos: number, cnt: { pkts: number; bytes: number }, num: boolean, verbose: boolean): string {
  const find = (k: XtMatch['kind']): XtMatch | undefined => r.matches.find((m) => m.kind === k);
  const proto = find('proto') as { proto: number; invert: boolean } | undefined;
  const protoText = proto ? `${proto.invert ? '!' : ''}${proto.proto}` : '0';
  const protoName = proto?.proto === 6 ? 'tcp' : proto?.proto === 17 ? 'udp' : proto?.proto === 1 ? 'icmp' : '';
  const iif = find('iif') as { name: string; invert: boolean } | undefined;
  const oif = find('oif') as { name: string; invert: boolean } | undefined;
  const extras = r.matches.map((m) => matchExtra(m, protoName)).filter(Boolean);
  const tx = targetText(r.target);
  let line = '';
  if (num) line += `${String(pos).padEnd(4)} `;
  if (verbose) line += `${String(cnt.pkts).padStart(5)} ${String(cnt.bytes).padStart(5)} `;
  line += `${tx.name.padEnd(10)} ${protoText.padEnd(5)}--  `;
  if (verbose) line += `${(iif ? `${iif.invert ? '!' : ''}${iif.name}` : '*').padEnd(6)} ${(oif ? `${oif.invert ? '!' : ''}${oif.name}` : '*').padEnd(7)} `;
  line += `${prefixText(find('src')).padEnd(20)} ${prefixText(find('dst')).padEnd(20)} `;
  line += [...extras, tx.extra].filter(Boolean).join(' ');
  return line.trimEnd();
}

function ports(range: [number, number]): string {
  return range[0] === range[1] ? String(range[0]) : `${range[0]}:${range[1]}`;
}

function matchExtra(m: XtMatch, proto: string): string {
  const inv = (b: boolean): string => (b ? '!' : '');
  switch (m.kind) {
    case 'sport': return `${proto} spt:${inv(m.invert)}${ports(m.range)}`.trim();
    case 'dport': return `${proto} dpt:${inv(m.invert)}${ports(m.range)}`.trim();
    case 'ctstate': return `ctstate ${inv(m.invert)}${m.states.join(',')}`;
    case 'multiport': return `multiport ${m.which}s ${inv(m.invert)}${m.ranges.map(ports).join(',')}`;
    case 'mark': return `mark match ${inv(m.invert)}0x${m.value.toString(16)}${m.mask !== 0xffffffff ? `/0x${m.mask.toString(16)}` : ''}`;
    case 'connmark': return `connmark match ${inv(m.invert)}0x${m.value.toString(16)}${m.mask !== 0xffffffff ? `/0x${m.mask.toString(16)}` : ''}`;
    case 'icmptype': return `icmptype ${inv(m.invert)}${m.type}${m.code !== undefined ? ` code ${m.code}` : ''}`;
    case 'tcpflags': return `tcp flags:${inv(m.invert)}0x${m.mask.toString(16).toUpperCase()}/0x${m.comp.toString(16).toUpperCase()}`;
    case 'comment': return `/* ${m.text} */`;
    case 'addrtype': return `ADDRTYPE match${m.src ? ` src-type ${inv(m.src.invert)}${m.src.types.join(',')}` : ''}${m.dst ? ` dst-type ${inv(m.dst.invert)}${m.dst.types.join(',')}` : ''}`;
    case 'iprange': return `${m.src ? `source IP range ${ipv4ToString(m.src.lo)}-${ipv4ToString(m.src.hi)}` : ''}${m.dst ? ` destination IP range ${ipv4ToString(m.dst.lo)}-${ipv4ToString(m.dst.hi)}` : ''}`.trim();
    default: return '';
  }
}

function natTo(r: { addrLo?: number; addrHi?: number; portLo?: number; portHi?: number }): string {
  let s = r.addrLo !== undefined ? ipv4ToString(r.addrLo) : '';
  if (r.addrHi !== undefined && r.addrHi !== r.addrLo) s += `-${ipv4ToString(r.addrHi)}`;
  if (r.portLo !== undefined) s += `:${r.portLo}${r.portHi !== undefined && r.portHi !== r.portLo ? `-${r.portHi}` : ''}`;
  return s;
}

function targetText(t: XtTarget): { name: string; extra: string } {
  switch (t.kind) {
    case 'none': return { name: '', extra: '' };
    case 'jump': return { name: t.chain, extra: '' };
    case 'goto': return { name: t.chain, extra: '[goto]' };
    case 'REJECT': return { name: 'REJECT', extra: `reject-with ${t.with}` };
    case 'LOG': return { name: 'LOG', extra: `LOG flags 0 level ${t.level ?? 4}${t.prefix ? ` prefix "${t.prefix}"` : ''}` };
    case 'MARK': return { name: 'MARK', extra: `MARK xset 0x${t.value.toString(16)}/0x${t.mask.toString(16)}` };
    case 'CONNMARK': return { name: 'CONNMARK', extra: t.op === 'set' ? `CONNMARK xset 0x${t.value.toString(16)}/0x${t.mask.toString(16)}` : `CONNMARK ${t.op}` };
    case 'SNAT': return { name: 'SNAT', extra: `to:${natTo(t.to)}` };
    case 'DNAT': return { name: 'DNAT', extra: `to:${natTo(t.to)}` };
    case 'MASQUERADE': return { name: 'MASQUERADE', extra: t.ports ? `masq ports: ${ports(t.ports)}` : '' };
    case 'REDIRECT': return { name: 'REDIRECT', extra: t.ports ? `redir ports ${ports(t.ports)}` : '' };
    case 'NOTRACK': return { name: 'CT', extra: 'NOTRACK' };
    default: return { name: t.kind, extra: '' };
  }
}

// ---------------------------------------------------------------- conntrack, sysctl

function conntrackCommand(w: string[], run: RunState, net: Net): CommandResult {
  if (w[0] !== '-L' && w[0] !== '--dump' && w[0] !== '-S') return { ok: false, text: 'conntrack: only -L (list the table at this step) is answered here' };
  const t = run.conntrack.get(net.name);
  const list = t ? t.list() : [];
  // conntrack -L's layout without the timeout and TCP state columns (the simulator has no timers).
  const tuple = (t: { proto: number; src: number; dst: number; sport: number; dport: number }): string =>
    `src=${ipv4ToString(t.src)} dst=${ipv4ToString(t.dst)} ${t.proto === 1 ? `type=8 code=0 id=${t.sport}` : `sport=${t.sport} dport=${t.dport}`}`;
  const lines = list.map((ct) => {
    const p = ct.orig.proto === 6 ? 'tcp      6' : ct.orig.proto === 17 ? 'udp      17' : ct.orig.proto === 1 ? 'icmp     1' : `unknown  ${ct.orig.proto}`;
    return `${p} ${tuple(ct.orig)}${ct.seenReply ? '' : ' [UNREPLIED]'} ${tuple(ct.reply)}${ct.seenReply ? ' [ASSURED]' : ''} mark=${ct.mark} use=1`;
  });
  lines.push(`conntrack v1.4.7 (conntrack-tools): ${list.length} flow entries have been shown.`);
  return { ok: true, text: lines.join('\n') };
}

function sysctlCommand(w: string[], run: RunState, net: Net): CommandResult {
  const key = w.find((x) => !x.startsWith('-'));
  if (!key) return { ok: false, text: 'sysctl: give a key, e.g. sysctl net.ipv4.ip_forward (writing is setVariable in the Namespace scope)' };
  if (!/^net\.[\w.-]+$/.test(key)) return { ok: false, text: `sysctl: cannot stat /proc/sys/${key.replace(/\./g, '/')}: No such file or directory` };
  return { ok: true, text: `${key} = ${run.sysctl(net, key)}` };
}

// ---------------------------------------------------------------- completions

export interface Completion {
  label: string;
  type: 'keyword' | 'property' | 'value' | 'module' | 'function';
}

/** Completions for a REPL line at `column` (0-based): command words, options, namespaces, devices, fields. */
export function completeCommand(text: string, column: number, kernel: Kernel, netns: string, fields: readonly string[]): { items: Completion[]; start: number } {
  const before = text.slice(0, column);
  const m = /[\w.\-:/]*$/.exec(before)!;
  const prefix = m[0];
  const start = column - prefix.length;
  const words = before.slice(0, start).trim().split(/\s+/).filter(Boolean);
  const nsNames = [...kernel.nets.keys()];
  let candidates: Completion[];
  const last = words[words.length - 1];
  const ns = kernel.nets.get(words.includes('-n') ? words[words.indexOf('-n') + 1] ?? netns : words.includes('exec') ? words[words.indexOf('exec') + 1] ?? netns : netns);
  if (!words.length) {
    candidates = [...TOOLS.map((t) => ({ label: t, type: 'keyword' as const })), ...fields.map((f) => ({ label: f, type: 'property' as const }))];
  } else if (last === '-n' || last === 'exec') {
    candidates = nsNames.map((n) => ({ label: n, type: 'module' }));
  } else if (words[0] === 'ip' && (last === 'iif' || last === 'dev')) {
    candidates = (ns?.devs ?? []).map((d) => ({ label: d.name, type: 'value' }));
  } else if (words[0] === 'ip' && words.length >= 2 && (words[words.length - 1] === 'route' || words[words.length - 1] === 'r')) {
    candidates = ['get', 'show', 'table'].map((k) => ({ label: k, type: 'keyword' }));
  } else if (words[0] === 'ip' && words[1] === 'netns' && words.length === 2) {
    candidates = [{ label: 'exec', type: 'keyword' }];
  } else if (words[0] === 'ip') {
    candidates = ['-n', 'netns', 'addr', 'link', 'route', 'rule', 'neigh', 'from', 'iif', 'mark'].map((k) => ({ label: k, type: 'keyword' }));
  } else if (words[0] === 'iptables' && last === '-t') {
    candidates = ['filter', 'nat', 'mangle', 'raw', 'security'].map((k) => ({ label: k, type: 'value' }));
  } else if (words[0] === 'iptables' && (last === '-L' || last === '-S')) {
    const chains = new Set<string>(['INPUT', 'FORWARD', 'OUTPUT', 'PREROUTING', 'POSTROUTING']);
    for (const t of ns?.hooks.tables.values() ?? []) for (const c of t.chains.keys()) chains.add(c);
    candidates = [...chains].map((c) => ({ label: c, type: 'value' }));
  } else if (words[0] === 'iptables') {
    candidates = ['-t', '-L', '-S', '-v', '-n', '--line-numbers'].map((k) => ({ label: k, type: 'keyword' }));
  } else if (words[0] === 'conntrack') {
    candidates = [{ label: '-L', type: 'keyword' }];
  } else if (words[0] === 'sysctl') {
    const keys = new Set(['net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding', 'net.ipv4.conf.all.rp_filter', 'net.ipv4.ip_default_ttl', 'net.ipv4.icmp_echo_ignore_all']);
    for (const k of ns?.cfg.sysctl.keys() ?? []) keys.add(k);
    candidates = [...keys].map((k) => ({ label: k, type: 'property' }));
  } else {
    candidates = fields.map((f) => ({ label: f, type: 'property' }));
  }
  return { items: candidates.filter((c) => c.label.startsWith(prefix) && c.label !== prefix), start };
}

// Completion: works out where the cursor is in the line (which tool, which option or keyword came
// last, which namespace and statement) and offers what fits there: commands and subcommands,
// options, devices that exist in this namespace at this line, namespaces, tables, chains of the
// table, targets and user chains, match modules and their options, sysctl keys and values,
// outcomes, addresses of the namespace, and snippets for common blocks. Offsets in, offsets out.
// It does not parse the line the way the executors do: it only needs the previous words.

import { ipv4ToString } from '../kernel/config';
import type { Token } from '../syntax/lexer';
import { Analysis, addressesOf, lastCommandBefore, netnsAt, statementOf } from './analysis';
import { IP_OBJECTS, ipObject, LISTEN_PROTOS, OUTCOMES, PROBE_KEYWORDS, TOP_LEVEL, WordDoc } from './docs-ip';
import { XT_COMMANDS, XT_MATCHES, XT_RULE_OPTIONS, XT_TABLES, XT_TARGETS, XT_BUILTIN_CHAINS_BY_TABLE } from './docs-iptables';
import { sysctlDoc, sysctlKeys } from './docs-sysctl';
import { chainsAt, devicesAt, namespaces, userChainsAt } from './scope';

export type CompletionKind =
  | 'command' | 'keyword' | 'option' | 'namespace' | 'device' | 'table' | 'chain' | 'target' | 'module'
  | 'sysctl' | 'value' | 'outcome' | 'address' | 'snippet';

export interface CompletionItem {
  label: string;
  kind: CompletionKind;
  detail?: string;
  documentation?: string;
  /** Text to insert (defaults to label); a snippet in LSP syntax when `snippet` is true. */
  insertText?: string;
  snippet?: boolean;
  /** Offsets of the text the item replaces (the partial word before the cursor). */
  start: number;
  end: number;
}

/** The cursor's place in its line. */
export interface CursorContext {
  /** Values of the words before the word being typed, pasted prefixes removed. */
  prev: string[];
  /** The part of the current word before the cursor. */
  prefix: string;
  start: number;
  end: number;
  netns: string;
  /** Statement id the line has (or would have): state before it is what exists. */
  stmt: number;
}

export function cursorContext(a: Analysis, offset: number): CursorContext {
  const text = a.text;
  offset = Math.max(0, Math.min(offset, text.length));
  let words: Token[] = [];
  let stmt: number;
  let netns = netnsAt(a, offset);
  const idx = lastCommandBefore(a, offset);
  const cmd = idx >= 0 ? a.commands[idx] : undefined;
  if (cmd && sameLogicalLine(text, cmd.end, offset)) {
    words = cmd.words.filter((w) => w.start < offset);
    stmt = cmd.id;
    const info = statementOf(a, cmd);
    if (info) netns = info.netns;
  } else stmt = cmd ? cmd.id + 0.5 : -0.5;
  let prefix = '';
  let start = offset;
  const last = words[words.length - 1];
  if (last && last.end >= offset) {
    prefix = text.slice(last.start, offset);
    start = last.start;
    words = words.slice(0, -1);
  }
  let prev = words.map((w) => w.value);
  // Pasted prefixes: `ip -n NS`, `ip netns exec NS` (the rest is another command line).
  for (;;) {
    if (prev[0] === 'ip' && (prev[1] === '-n' || prev[1] === '-netns' || prev[1] === '--netns') && prev.length >= 3) {
      netns = prev[2];
      prev = ['ip', ...prev.slice(3)];
      continue;
    }
    if (prev[0] === 'ip' && prev[1] === 'netns' && prev[2] === 'exec' && prev.length >= 4) {
      netns = prev[3];
      prev = prev.slice(4);
      continue;
    }
    break;
  }
  return { prev, prefix, start, end: offset, netns, stmt };
}

/** True when only spaces or line continuations separate `from` and `to` (same statement). */
function sameLogicalLine(text: string, from: number, to: number): boolean {
  if (to < from) return true;
  const gap = text.slice(from, to).replace(/\\\r?\n/g, '');
  return !/[\n{}#]/.test(gap);
}

export function getCompletions(a: Analysis, offset: number): CompletionItem[] {
  const ctx = cursorContext(a, offset);
  const items = completeIn(a, ctx);
  // Filter by the typed prefix (clients filter too; this keeps lists short for big files).
  return items.filter((i) => i.label.startsWith(ctx.prefix));
}

function completeIn(a: Analysis, c: CursorContext): CompletionItem[] {
  const out: CompletionItem[] = [];
  const add = (label: string, kind: CompletionKind, documentation?: string, detail?: string, insertText?: string, snippet?: boolean) =>
    out.push({ label, kind, documentation, detail, insertText, snippet, start: c.start, end: c.end });
  const words = (list: readonly WordDoc[], kind: CompletionKind) => list.forEach((w) => add(w.name, kind, w.doc));
  const prev = c.prev;
  const last = prev[prev.length - 1];
  const devices = () => devicesAt(a, c.netns, c.stmt).forEach((d) => add(d, 'device', undefined, `device in ${c.netns}`));
  const nss = () => namespaces(a).forEach((n) => add(n, 'namespace', undefined, 'namespace'));
  const addrs = (port = '') =>
    addressesOf(a.model.topology, c.netns, c.stmt).forEach((x) => add(ipv4ToString(x.addr) + port, 'address', undefined, `${x.dev} in ${c.netns}`));

  if (prev.length === 0) {
    words(TOP_LEVEL, 'command');
    for (const s of SNIPPETS) add(s.label, 'snippet', s.doc, 'snippet', s.body, true);
    return out;
  }
  const tool = prev[0];
  if ((tool === 'namespace') && prev.length === 1) {
    nss();
    return out;
  }
  if (tool === 'jail' && prev.length === 1) {
    addrs();
    return out;
  }
  if (tool === 'ip') return completeIp(a, c, add, devices, nss, addrs), out;
  if (tool === 'iptables' || tool === 'iptables-nft' || tool === 'iptables-legacy') return completeIptables(a, c, add, devices), out;
  if (tool === 'sysctl') {
    const eq = c.prefix.indexOf('=');
    if (eq >= 0) {
      const key = c.prefix.slice(0, eq);
      const doc = sysctlDoc(key);
      for (const v of doc?.values ?? [doc?.default ?? '1']) {
        out.push({ label: `${key}=${v}`, kind: 'value', documentation: doc?.doc, detail: v === doc?.default ? 'default in a new namespace' : undefined, start: c.start, end: c.end });
      }
      return out;
    }
    if (prev.length === 1) add('-w', 'option', 'Write a value: `sysctl -w KEY=VALUE`.');
    for (const k of sysctlKeys(devicesAt(a, c.netns, c.stmt).filter((d) => d !== 'lo').concat('lo'))) {
      add(k.key, 'sysctl', k.doc, `default ${k.default}`, `${k.key}=`);
    }
    return out;
  }
  if (tool === 'listen') {
    if (prev.length === 1) words(LISTEN_PROTOS, 'keyword');
    else if (prev.length === 2) {
      add('0.0.0.0:', 'address', 'Any address of this namespace.');
      addrs(':');
    }
    return out;
  }
  if (tool === 'probe') {
    if (prev.length === 1) return out; // the probe's name
    if (last === 'from' || last === 'in') return nss(), out;
    if (last === 'on') return nss(), out;
    if (prev[prev.length - 2] === 'on') {
      devicesAt(a, last, c.stmt).forEach((d) => add(d, 'device', undefined, `device in ${last}`));
      return out;
    }
    if (last === 'expect') return words(OUTCOMES, 'outcome'), out;
    if (last === 'tcp' || last === 'udp' || last === 'icmp') {
      for (const ns of a.model.topology.namespaces.values()) {
        for (const x of ns.addresses) add(ipv4ToString(x.addr), 'address', undefined, `${a.model.topology.devices.get(x.devId)?.name ?? '?'} in ${ns.name}`);
      }
      return out;
    }
    if (last === 'jail' || last === 'src') return out;
    const used = new Set(prev);
    for (const k of PROBE_KEYWORDS) if (!used.has(k.name) && !(['tcp', 'udp', 'icmp'].includes(k.name) && (used.has('tcp') || used.has('udp') || used.has('icmp')))) add(k.name, 'keyword', k.doc);
    return out;
  }
  return out;
}

type Add = (label: string, kind: CompletionKind, documentation?: string, detail?: string, insertText?: string, snippet?: boolean) => void;

function completeIp(a: Analysis, c: CursorContext, add: Add, devices: () => void, nss: () => void, addrs: () => void): void {
  const prev = c.prev;
  const last = prev[prev.length - 1];
  if (prev.length === 1) {
    for (const o of IP_OBJECTS) add(o.name, 'keyword', o.doc);
    add('-n', 'option', 'Run in namespace NS: `ip -n NS ...`.');
    return;
  }
  if (last === '-n' || last === '-netns' || last === '--netns') return nss();
  const obj = ipObject(prev[1]);
  if (!obj) return;
  if (prev.length === 2) {
    for (const s of obj.subcommands) add(s.name, 'keyword', s.doc);
    return;
  }
  const sub = prev[2];
  if (obj.name === 'netns') {
    if (sub === 'exec' && prev.length === 3) nss();
    return;
  }
  if (last === 'dev' || last === 'iif' || last === 'oif' || last === 'master') return devices();
  if (last === 'netns') return nss();
  if (last === 'type') {
    for (const t of ['veth', 'bridge', 'dummy']) add(t, 'keyword', obj.keywords.find((k) => k.name === t)?.doc);
    return;
  }
  if (last === 'table' || last === 'lookup') {
    for (const t of ['main', 'local', 'default']) add(t, 'value', `routing table ${t}`);
    return;
  }
  if (last === 'via' || last === 'src' || last === 'from' || last === 'to') return addrs();
  if (['name', 'mtu', 'address', 'lladdr', 'metric', 'pref', 'fwmark', 'brd'].includes(last)) return;
  if (obj.name === 'link' && (sub === 'set' || sub === 'del' || sub === 'delete') && prev.length === 3) {
    add('dev', 'keyword', 'The device to act on.');
    return devices();
  }
  if (obj.name === 'link' && sub === 'add' && prev.length === 3) return; // the new device's name
  if (obj.name === 'route' && prev.length === 3) {
    add('default', 'keyword', 'The prefix 0.0.0.0/0.');
    for (const t of ['blackhole', 'unreachable', 'prohibit', 'throw']) add(t, 'keyword', obj.keywords.find((k) => k.name === t)?.doc);
    return;
  }
  if (obj.name === 'addr' && prev.length === 3) return;
  if (obj.name === 'link' && sub === 'set') {
    for (const k of ['up', 'down', 'master', 'nomaster', 'netns', 'mtu', 'address', 'name']) add(k, 'keyword', obj.keywords.find((x) => x.name === k)?.doc);
    return;
  }
  const used = new Set(prev);
  for (const k of obj.keywords) if (!used.has(k.name)) add(k.name, 'keyword', k.doc);
}

function completeIptables(a: Analysis, c: CursorContext, add: Add, devices: () => void): void {
  const prev = c.prev;
  const last = prev[prev.length - 1];
  const tIdx = Math.max(prev.indexOf('-t'), prev.indexOf('--table'));
  const table = tIdx >= 0 && prev[tIdx + 1] ? prev[tIdx + 1] : 'filter';
  const cmdIdx = prev.findIndex((w) => XT_COMMANDS.some((o) => o.name === w || o.alias === w));
  const command = cmdIdx >= 0 ? XT_COMMANDS.find((o) => o.name === prev[cmdIdx] || o.alias === prev[cmdIdx])!.name : undefined;
  if (last === '-t' || last === '--table') {
    for (const t of XT_TABLES) add(t.name, 'table', t.doc);
    return;
  }
  if (command && cmdIdx === prev.length - 1) {
    if (command === '-N') return;
    const chains = command === '-P' ? [...(XT_BUILTIN_CHAINS_BY_TABLE[table] ?? [])] : chainsAt(a, c.netns, table, c.stmt);
    for (const ch of chains) add(ch, 'chain', undefined, `${table} chain in ${c.netns}`);
    return;
  }
  if (command === '-P' && cmdIdx === prev.length - 2) {
    add('ACCEPT', 'target', 'Packets no rule decided pass.');
    add('DROP', 'target', 'Packets no rule decided are dropped.');
    return;
  }
  if (last === '-j' || last === '--jump') {
    for (const t of XT_TARGETS) if (!t.tables || t.tables.includes(table)) add(t.name, 'target', t.doc);
    for (const ch of userChainsAt(a, c.netns, table, c.stmt)) add(ch, 'chain', 'Jump to this user chain (RETURN comes back).', `user chain in ${table}`);
    return;
  }
  if (last === '-g' || last === '--goto') {
    for (const ch of userChainsAt(a, c.netns, table, c.stmt)) add(ch, 'chain', undefined, `user chain in ${table}`);
    return;
  }
  if (last === '-i' || last === '-o' || last === '--in-interface' || last === '--out-interface') return devices();
  if (last === '-p' || last === '--protocol') {
    for (const p of ['tcp', 'udp', 'icmp', 'all']) add(p, 'value');
    return;
  }
  if (last === '-m' || last === '--match') {
    for (const m of XT_MATCHES) add(m.name, 'module', m.doc);
    return;
  }
  if (last === '-s' || last === '-d' || last === '--source' || last === '--destination') {
    for (const x of addressesOf(a.model.topology, c.netns, c.stmt)) add(ipv4ToString(x.addr), 'address', undefined, `${x.dev} in ${c.netns}`);
    return;
  }
  if (last === '--ctstate' || last === '--state') {
    for (const s of ['NEW', 'ESTABLISHED', 'RELATED', 'ESTABLISHED,RELATED', 'INVALID', 'UNTRACKED', 'DNAT', 'SNAT']) add(s, 'value');
    return;
  }
  if (last === '--reject-with') {
    for (const s of ['icmp-port-unreachable', 'icmp-net-unreachable', 'icmp-host-unreachable', 'icmp-proto-unreachable', 'icmp-net-prohibited', 'icmp-host-prohibited', 'icmp-admin-prohibited', 'tcp-reset']) add(s, 'value');
    return;
  }
  if (last === '--icmp-type') {
    for (const s of ['echo-request', 'echo-reply', 'destination-unreachable', 'time-exceeded', 'any']) add(s, 'value');
    return;
  }
  if (last === '--src-type' || last === '--dst-type') {
    for (const s of ['LOCAL', 'UNICAST', 'BROADCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT']) add(s, 'value');
    return;
  }
  const takesArg = (w: string) => [...XT_RULE_OPTIONS, ...XT_MATCHES.flatMap((m) => m.options), ...XT_TARGETS.flatMap((t) => t.options)].some((o) => (o.name === w || o.alias === w) && o.arg);
  if (last && last.startsWith('-') && takesArg(last)) return; // a free value (port, mark, text ...)
  if (!command) {
    for (const o of XT_COMMANDS) add(o.name, 'option', o.doc, o.arg);
    if (tIdx < 0) add('-t', 'option', 'The table to operate on (filter when omitted).', 'TABLE');
    return;
  }
  if (command === '-N' || command === '-X' || command === '-F' || command === '-P') return;
  const used = new Set(prev);
  for (const o of XT_RULE_OPTIONS) if (o.name !== '-t' && !used.has(o.name)) add(o.name, 'option', o.doc, o.arg);
  const modules = new Set<string>();
  prev.forEach((w, i) => {
    if ((w === '-m' || w === '--match' || w === '-p' || w === '--protocol') && prev[i + 1]) modules.add(prev[i + 1]);
  });
  for (const m of XT_MATCHES) if (modules.has(m.name)) for (const o of m.options) if (!used.has(o.name)) add(o.name, 'option', o.doc, `${o.arg ?? ''} (${m.name})`.trim());
  const jIdx = Math.max(prev.indexOf('-j'), prev.indexOf('--jump'));
  const target = jIdx >= 0 ? XT_TARGETS.find((t) => t.name === prev[jIdx + 1]) : undefined;
  if (target) for (const o of target.options) if (!used.has(o.name)) add(o.name, 'option', o.doc, `${o.arg ?? ''} (${target.name})`.trim());
}

/** Snippets for common blocks (LSP snippet syntax). */
export const SNIPPETS: ReadonlyArray<{ label: string; doc: string; body: string }> = [
  {
    label: 'namespace block',
    doc: 'A namespace block with lo brought up.',
    body: 'namespace ${1:name} {\n    ip link set lo up\n    $0\n}',
  },
  {
    label: 'veth pair',
    doc: 'A veth pair between this namespace and another, with an address on each end, both up.',
    body:
      'ip link add ${1:veth0} type veth peer name ${2:eth0} netns ${3:other}\n' +
      'ip addr add ${4:10.0.0.1/24} dev ${1:veth0}\n' +
      'ip link set ${1:veth0} up\n' +
      'ip -n ${3:other} addr add ${5:10.0.0.2/24} dev ${2:eth0}\n' +
      'ip -n ${3:other} link set ${2:eth0} up\n$0',
  },
  {
    label: 'NAT router',
    doc: 'A router namespace that forwards and masquerades a client subnet toward an uplink.',
    body:
      'namespace ${1:router} {\n' +
      '    sysctl -w net.ipv4.ip_forward=1\n' +
      '    ip link add ${2:lan0} type veth peer name eth0 netns ${3:client}\n' +
      '    ip link add ${4:wan0} type veth peer name eth0 netns ${5:server}\n' +
      '    ip addr add ${6:10.0.1.1/24} dev ${2:lan0}\n' +
      '    ip addr add ${7:10.0.2.1/24} dev ${4:wan0}\n' +
      '    ip link set ${2:lan0} up\n' +
      '    ip link set ${4:wan0} up\n' +
      '    iptables -t nat -A POSTROUTING -o ${4:wan0} -j MASQUERADE\n' +
      '}\n$0',
  },
  {
    label: 'probe',
    doc: 'A probe: a packet from a namespace to a destination, with the expected outcome.',
    body: 'probe ${1:name} from ${2:client} ${3|tcp,udp,icmp|} ${4:10.0.0.2}:${5:80} expect ${6|delivered,refused,unreachable,denied,ttl-exceeded,dropped|}',
  },
];

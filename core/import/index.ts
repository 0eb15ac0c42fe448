// Import, part 2: turns snapshots of live namespaces (snapshot.ts: the text the real ip, iptables-
// save, sysctl and ss printed) into a commented `.netns` file that rebuilds them. Pure: no IO, no
// clock; cli/import.ts runs the tools and writes the file. It does not read namespaces the user
// did not name: a veth whose peer is elsewhere gets a stub namespace block for that peer end.
//
// The file, per namespace (blocks in name order, `root` as top-level commands first):
//   sysctls that differ from the simulator's fresh-namespace values (sysctl-defaults.ts), links
//   (bridges, veth pairs created once from the namespace that comes first, masters, mtu, up),
//   per-device sysctls, addresses (not lo's 127.0.0.1/8), routes (not the kernel's own: proto
//   kernel, in any table), rules (not the three defaults), permanent neighbours, iptables
//   (iptables-save: -N, -P for non-ACCEPT policies, -A verbatim) and listeners.
// What it cannot represent is a `# not imported: ...` comment, never dropped silently. The file is
// checked with the model (buildModel) before it is returned: sysctl values the model would get
// wrong are corrected with explicit lines, and a line the checker rejects is turned into a
// `# not imported (...)` comment, so the result always checks without errors.

import { buildModel } from '../model/index';
import { CONF_KEYS, confKey, GLOBAL_KEYS } from '../model/sysctl-defaults';
import { ipv4ToString, prefixToString, XT_BUILTIN_CHAINS, XtTableName } from '../kernel/config';
import { offsetToPosition } from '../syntax/tree';
import { isValidNamespaceName } from '../syntax/parser';
import {
  AddrRec, LinkRec, NamespaceSnapshot, NeighRec, readJsonArray, readListeners, readNsids, readSysctl, RouteRec, RuleRec,
} from './snapshot';

export type { NamespaceSnapshot } from './snapshot';
export { readSysctl } from './snapshot';

export interface ImportOptions {
  /** Strip `PREFIX-` (or PREFIX itself when it ends in `-` or `.`) from the namespace names. */
  prefix?: string;
  /** Describes where the snapshot came from, for the header comment. */
  source?: string;
}

export interface ImportResult {
  text: string;
  /** Namespace names used in the file, in file order (`root` for top-level commands). */
  namespaces: string[];
  /** Every `not imported` reason, as in the file's comments. */
  notImported: string[];
  /** Lines the checker rejected, turned into comments (should be empty). */
  rejected: string[];
}

/** Root namespace name of the language (top-level commands). */
const ROOT = 'root';
const IFNAMSIZ = 15;

/** The sysctl paths (slash form, safe for device names with dots) to read in a namespace. */
export function sysctlPaths(linkJson: string): string[] {
  const devs = readJsonArray<LinkRec>(linkJson, 'link').items.map((l) => l.ifname).filter((n) => typeof n === 'string');
  const out: string[] = [];
  for (const k of GLOBAL_KEYS.keys()) out.push(k.replace(/\./g, '/'));
  for (const scope of ['all', 'default', ...devs]) for (const k of CONF_KEYS.keys()) out.push(`net/ipv4/conf/${scope}/${k}`);
  return out;
}

/** A namespace's name in the file: the prefix stripped. */
export function outName(full: string, prefix: string | undefined): string {
  if (!prefix) return full;
  if (full.startsWith(prefix + '-') && full.length > prefix.length + 1) return full.slice(prefix.length + 1);
  if (/[-.]$/.test(prefix) && full.startsWith(prefix) && full.length > prefix.length) return full.slice(prefix.length);
  return full;
}

/** One line of output: a command (maybe disabled into a comment) or a comment. */
interface Line {
  text: string;
  kind: 'cmd' | 'comment';
  /** Why the checker rejected it: rendered as a `# not imported (...)` comment. */
  disabled?: string;
}

interface NsOut {
  name: string;
  full?: string;
  stub: boolean;
  header: Line[];
  sysctl: Line[];
  sysctlFix: Line[];
  links: Line[];
  devSysctl: Line[];
  addrs: Line[];
  routeDel: Line[];
  routes: Line[];
  rules: Line[];
  neighs: Line[];
  iptables: Line[];
  listen: Line[];
}

const SECTIONS: Array<keyof Pick<NsOut, 'header' | 'sysctl' | 'sysctlFix' | 'links' | 'devSysctl' | 'addrs' | 'routeDel' | 'routes' | 'rules' | 'neighs' | 'iptables' | 'listen'>> = [
  'header', 'sysctl', 'sysctlFix', 'links', 'devSysctl', 'addrs', 'routeDel', 'routes', 'rules', 'neighs', 'iptables', 'listen',
];

const cmd = (text: string): Line => ({ text, kind: 'cmd' });
const comment = (text: string): Line => ({ text: `# ${text}`, kind: 'comment' });

/** Quotes a word for the .netns lexer (bash-like) when it needs it. */
function q(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

const DEFAULT_MTU: Record<string, number> = { veth: 1500, bridge: 1500, dummy: 1500, loopback: 65536 };
const SUPPORTED_KINDS = new Set(['veth', 'bridge', 'dummy']);

interface Ctx {
  prefix?: string;
  /** full name -> output name of the imported namespaces */
  names: Map<string, string>;
  outs: Map<string, NsOut>;
  notImported: string[];
}

function newNs(name: string, full: string | undefined, stub: boolean): NsOut {
  return { name, full, stub, header: [], sysctl: [], sysctlFix: [], links: [], devSysctl: [], addrs: [], routeDel: [], routes: [], rules: [], neighs: [], iptables: [], listen: [] };
}

function notImported(ctx: Ctx, ns: NsOut, section: Line[], what: string): void {
  ctx.notImported.push(`${ns.name}: ${what}`);
  section.push(comment(`not imported: ${what}`));
}

/**
 * Turns snapshots into `.netns` text. Pure and total: bad or unexpected tool output becomes
 * `not imported` comments.
 */
export function importNamespaces(snaps: readonly NamespaceSnapshot[], opts: ImportOptions = {}): ImportResult {
  const ctx: Ctx = { prefix: opts.prefix, names: new Map(), outs: new Map(), notImported: [] };
  const sorted = [...snaps].sort((a, b) => order(outName(a.name, opts.prefix), outName(b.name, opts.prefix)));
  for (const s of sorted) {
    let n = outName(s.name, opts.prefix);
    if (!isValidNamespaceName(n)) n = n.replace(/[^A-Za-z0-9_.-]/g, '_');
    while ([...ctx.names.values()].includes(n)) n = `${n}_`;
    ctx.names.set(s.name, n);
    ctx.outs.set(n, newNs(n, s.name, false));
  }
  // Device tables of every imported namespace first: veth peers are looked up across them.
  const links = new Map<string, LinkRec[]>();
  for (const s of sorted) {
    const r = readJsonArray<LinkRec>(s.link, 'ip -j -d link show');
    const ns = ctx.outs.get(ctx.names.get(s.name)!)!;
    if (r.problem) notImported(ctx, ns, ns.header, r.problem);
    links.set(s.name, r.items.filter((l) => typeof l.ifname === 'string' && typeof l.ifindex === 'number'));
  }
  const importedDevs = new Map<string, Set<string>>();
  // MACs that a permanent neighbour entry names: those devices keep their address.
  const neighMacs = new Set<string>();
  for (const s of sorted) for (const n of readJsonArray<NeighRec>(s.neigh, 'neigh').items) if (n.lladdr) neighMacs.add(String(n.lladdr).toLowerCase());

  for (const s of sorted) importLinks(ctx, s, links, importedDevs, neighMacs);
  for (const s of sorted) {
    const ns = ctx.outs.get(ctx.names.get(s.name)!)!;
    const devs = importedDevs.get(s.name) ?? new Set<string>();
    for (const f of s.failures ?? []) notImported(ctx, ns, ns.header, `could not read: ${f}`);
    importSysctl(ctx, ns, s, devs);
    importAddrs(ctx, ns, s, devs);
    importRoutes(ctx, ns, s, devs);
    importRules(ctx, ns, s);
    importNeighs(ctx, ns, s, devs);
    importIptables(ctx, ns, s);
    importNftTables(ctx, ns, s);
    if (s.listeners !== undefined) importListeners(ctx, ns, s);
  }

  const nsList = [...ctx.outs.values()].sort((a, b) => order(a.name, b.name) || Number(a.stub) - Number(b.stub));
  const header = [
    `# Imported by \`netns-dbg import\`${opts.source ? ` from ${opts.source.replace(/[\r\n]/g, ' ')}` : ''}.`,
    `# Namespaces: ${sorted.map((s) => (ctx.names.get(s.name) === s.name ? s.name : `${ctx.names.get(s.name)} (${s.name})`)).join(', ') || 'none'}.`,
    '# Kernel-made state is left out (lo\'s 127.0.0.1/8, proto kernel routes, the three default rules);',
    '# sysctls are listed only where they differ from a fresh namespace; MAC addresses only where a',
    '# neighbour entry names them; what a .netns file cannot express is kept as a',
    '# "# not imported: ..." comment. Probes are not kernel state: add your own.',
  ];

  // Correction pass: the model's sysctl values must be the snapshot's.
  const wanted = new Map<string, Map<string, string>>();
  for (const s of sorted) wanted.set(ctx.names.get(s.name)!, readSysctl(s.sysctl));
  for (let round = 0; round < 3; round++) {
    const text = render(header, nsList);
    const model = buildModel(text.text);
    let changed = false;
    for (const ns of nsList) {
      if (ns.stub) continue;
      const want = wanted.get(ns.name)!;
      const have = model.topology.namespaces.get(ns.name)?.sysctl;
      if (!have) continue;
      const devs = importedDevs.get(ns.full!) ?? new Set<string>();
      for (const [k, v] of want) {
        const cur = have.get(k);
        if (cur === undefined || cur === v) continue;
        const m = /^net\.ipv4\.conf\.(.+)\.([a-z_]+)$/.exec(k);
        const dev = m && m[1] !== 'all' && m[1] !== 'default' ? m[1] : undefined;
        if (dev !== undefined && !devs.has(dev)) continue;
        const line = cmd(`sysctl -w ${k}=${v}`);
        if (dev !== undefined) ns.devSysctl.push(line);
        else ns.sysctlFix.push(line);
        changed = true;
      }
    }
    if (round === 0) changed = deletedKernelRoutes(model, nsList, sorted, ctx) || changed;
    if (!changed) break;
  }

  // Safety net: the checker must find no error; a rejected line becomes a comment.
  const rejected: string[] = [];
  for (let round = 0; round < 8; round++) {
    const { text, lineOf } = render(header, nsList);
    const model = buildModel(text);
    const errs = model.diagnostics.filter((d) => d.severity === 'error');
    if (!errs.length) break;
    let progress = false;
    for (const d of errs) {
      const ln = offsetToPosition(model.file.lineStarts, d.start).line;
      const l = lineOf[ln];
      if (!l || l.kind !== 'cmd' || l.disabled) continue;
      l.disabled = `the checker rejects it: ${d.message.split('\n')[0]}`;
      rejected.push(`${l.text}: ${d.message.split('\n')[0]}`);
      ctx.notImported.push(`${l.text} (${l.disabled})`);
      progress = true;
    }
    if (!progress) break;
  }
  return { text: render(header, nsList).text, namespaces: nsList.map((n) => n.name), notImported: ctx.notImported, rejected };
}

/** Table numbers of the names `ip -j route` prints. */
const TABLE_IDS: Record<string, number> = { local: 255, main: 254, default: 253 };

/** `10.0.0.1` -> `10.0.0.1/32`; a prefix stays as it is. */
const withLen = (dst: string): string => (dst === 'default' ? '0.0.0.0/0' : dst.includes('/') ? dst : `${dst}/32`);

/**
 * Kernel routes (proto kernel) that the model makes from the imported addresses but the snapshot
 * does not have: someone deleted them, and the kernel does not bring them back until the address
 * changes. Each gets an `ip route del` after the addresses. True if a line was added.
 */
function deletedKernelRoutes(model: ReturnType<typeof buildModel>, nsList: NsOut[], snaps: readonly NamespaceSnapshot[], ctx: Ctx): boolean {
  let added = false;
  for (const s of snaps) {
    if ((s.failures ?? []).some((f) => f.startsWith('ip route'))) continue;
    const r = readJsonArray<RouteRec>(s.route, 'route');
    if (r.problem) continue;
    const name = ctx.names.get(s.name)!;
    const ns = nsList.find((n) => n.name === name)!;
    const cfg = model.topology.namespaces.get(name);
    if (!cfg) continue;
    const have = new Set<string>();
    for (const rt of r.items) {
      if (rt.protocol !== 'kernel' || String(rt.dst).includes(':')) continue;
      const table = rt.table === undefined ? 254 : TABLE_IDS[rt.table] ?? Number(rt.table);
      have.add(`${table} ${rt.type ?? 'unicast'} ${withLen(String(rt.dst))} ${rt.dev ?? ''}`);
    }
    const devName = new Map<number, string>();
    for (const d of cfg.devices.values()) devName.set(d.id, d.name);
    for (const rt of cfg.routes) {
      if (rt.proto !== 'kernel') continue;
      const dev = rt.devId !== undefined ? devName.get(rt.devId) ?? '' : '';
      const dst = prefixToString(rt.dst);
      if (have.has(`${rt.table} ${rt.type} ${dst} ${dev}`)) continue;
      const tname = rt.table === 255 ? ' table local' : rt.table === 254 ? '' : ` table ${rt.table}`;
      const text = `ip route del ${rt.type === 'unicast' ? '' : `${rt.type} `}${rt.dst.len === 32 ? ipv4ToString(rt.dst.addr) : dst}${dev ? ` dev ${q(dev)}` : ''}${tname}`;
      if (ns.routeDel.some((l) => l.text === text)) continue;
      if (!ns.routeDel.length) ns.routeDel.push(comment('kernel routes of the addresses above that were deleted on the live system'));
      ns.routeDel.push(cmd(text));
      added = true;
    }
  }
  return added;
}

/** `root` first, then by name. */
function order(a: string, b: string): number {
  if (a === b) return 0;
  if (a === ROOT) return -1;
  if (b === ROOT) return 1;
  return a < b ? -1 : 1;
}

function render(header: string[], nsList: NsOut[]): { text: string; lineOf: Array<Line | undefined> } {
  const out: string[] = [...header];
  const lineOf: Array<Line | undefined> = header.map(() => undefined);
  const push = (s: string, l?: Line): void => {
    out.push(s);
    lineOf.push(l);
  };
  for (const ns of nsList) {
    push('');
    const inBlock = ns.name !== ROOT;
    const ind = inBlock ? '    ' : '';
    const empty = SECTIONS.every((sec) => !ns[sec].length);
    if (!inBlock) push(empty ? '# root (top-level commands): nothing differs from a fresh namespace' : '# root: top-level commands run in the root namespace');
    if (inBlock) push(`namespace ${ns.name} {`);
    let first = true;
    for (const sec of SECTIONS) {
      const lines = ns[sec];
      if (!lines.length) continue;
      if (!first && sec !== 'sysctlFix' && sec !== 'devSysctl') push('');
      first = false;
      for (const l of lines) {
        if (l.kind === 'cmd' && l.disabled) push(`${ind}# not imported (${l.disabled}): ${l.text}`, l);
        else push(`${ind}${l.text}`, l);
      }
    }
    if (inBlock) push('}');
  }
  return { text: out.join('\n') + '\n', lineOf };
}

// ------------------------------------------------------------------ links

function importLinks(ctx: Ctx, s: NamespaceSnapshot, links: Map<string, LinkRec[]>, importedDevs: Map<string, Set<string>>, neighMacs: Set<string>): void {
  const ns = ctx.outs.get(ctx.names.get(s.name)!)!;
  const own = links.get(s.name) ?? [];
  const devs = importedDevs.get(s.name) ?? new Set<string>();
  importedDevs.set(s.name, devs);
  const nsids = readNsids(s.nsids);
  const creates: Line[] = [];
  const settings: Line[] = [];
  const ups: Line[] = [];
  const kindOf = (l: LinkRec): string => (l.link_type === 'loopback' ? 'loopback' : l.linkinfo?.info_kind ?? 'none');
  // Bridges first: ports are assigned after every device exists.
  const byKind = [...own].sort((a, b) => Number(kindOf(b) === 'bridge') - Number(kindOf(a) === 'bridge') || a.ifindex - b.ifindex);
  for (const l of byKind) {
    const kind = kindOf(l);
    if (kind === 'loopback') {
      devs.add(l.ifname);
      continue;
    }
    if (!SUPPORTED_KINDS.has(kind)) {
      notImported(ctx, ns, creates, `device ${l.ifname} (${kind === 'none' ? `link/${l.link_type ?? '?'}, no device kind` : `type ${kind}`}): a .netns file creates only veth, bridge and dummy devices`);
      continue;
    }
    devs.add(l.ifname);
    if (kind === 'bridge') {
      const data = l.linkinfo?.info_data ?? {};
      const opts: string[] = [];
      if (data.mcast_snooping === 0) opts.push('mcast_snooping', '0');
      creates.push(cmd(`ip link add ${q(l.ifname)} type bridge${opts.length ? ' ' + opts.join(' ') : ''}`));
      if (typeof data.stp_state === 'number' && data.stp_state !== 0) notImported(ctx, ns, creates, `bridge ${l.ifname} option stp_state ${data.stp_state}`);
      if (typeof data.vlan_filtering === 'number' && data.vlan_filtering !== 0) notImported(ctx, ns, creates, `bridge ${l.ifname} option vlan_filtering ${data.vlan_filtering}`);
    } else if (kind === 'dummy') {
      creates.push(cmd(`ip link add ${q(l.ifname)} type dummy`));
    } else if (kind === 'veth') {
      creates.push(...vethLines(ctx, s, l, own, links, nsids));
    }
  }
  for (const l of [...own].sort((a, b) => a.ifindex - b.ifindex)) {
    if (!devs.has(l.ifname)) continue;
    const kind = kindOf(l);
    if (l.address && neighMacs.has(l.address.toLowerCase()) && kind !== 'loopback') settings.push(cmd(`ip link set ${q(l.ifname)} address ${l.address}`));
    const dm = DEFAULT_MTU[kind];
    if (typeof l.mtu === 'number' && dm !== undefined && l.mtu !== dm) settings.push(cmd(`ip link set ${q(l.ifname)} mtu ${l.mtu}`));
    if (l.master) {
      if (devs.has(l.master) || own.some((o) => o.ifname === l.master && kindOf(o) === 'bridge')) settings.push(cmd(`ip link set ${q(l.ifname)} master ${q(l.master)}`));
      else notImported(ctx, ns, settings, `${l.ifname} master ${l.master} (the master device is not imported)`);
    }
    if ((l.flags ?? []).includes('UP')) ups.push(cmd(`ip link set ${q(l.ifname)} up`));
  }
  ns.links.push(...creates, ...settings, ...ups);
}

/** The `ip link add` line of a veth, or none when its pair is created from the other end. */
function vethLines(ctx: Ctx, s: NamespaceSnapshot, l: LinkRec, own: LinkRec[], links: Map<string, LinkRec[]>, nsids: Map<number, string | undefined>): Line[] {
  const here = ctx.names.get(s.name)!;
  // Peer in the same namespace: "link": PEERNAME (no link_netnsid).
  if (l.link_netnsid === undefined) {
    const peer = typeof l.link === 'string' ? own.find((o) => o.ifname === l.link) : own.find((o) => o.ifindex === l.link_index);
    if (peer && peer.ifindex < l.ifindex) return [];
    if (peer) return [cmd(`ip link add ${q(l.ifname)} type veth peer name ${q(peer.ifname)}`)];
    return stubPeer(ctx, here, l, 'outside', undefined);
  }
  const peerFull = nsids.get(l.link_netnsid);
  const peerOut = peerFull !== undefined ? ctx.names.get(peerFull) : undefined;
  if (peerFull !== undefined && peerOut !== undefined) {
    const peer = (links.get(peerFull) ?? []).find((o) => o.ifindex === l.link_index);
    if (!peer) return stubPeer(ctx, here, l, undefined, `its peer (ifindex ${l.link_index}) is not in ${peerOut}'s link list`);
    if (order(here, peerOut) > 0) return []; // created from the namespace that comes first
    return [cmd(`ip link add ${q(l.ifname)} type veth peer name ${q(peer.ifname)} netns ${peerOut}`)];
  }
  const stubName = peerFull !== undefined ? outName(peerFull, ctx.prefix).replace(/[^A-Za-z0-9_.-]/g, '_') : 'outside';
  return stubPeer(ctx, here, l, stubName, undefined);
}

/** A veth whose peer lives in a namespace that is not imported: the peer end goes to a stub block. */
function stubPeer(ctx: Ctx, here: string, l: LinkRec, stubName: string | undefined, why: string | undefined): Line[] {
  let name = stubName ?? 'outside';
  if (ctx.names.has(name) || (ctx.outs.has(name) && !ctx.outs.get(name)!.stub) || name === ROOT) name = `${name}-outside`;
  let stub = ctx.outs.get(name);
  if (!stub) {
    stub = newNs(name, undefined, true);
    ctx.notImported.push(`namespace ${name}: only the peer ends of imported veths are created here`);
    stub.header.push(comment(`not imported: namespace ${name}: only the peer ends of imported veths are created here`));
    ctx.outs.set(name, stub);
  }
  const peerName = `if${l.link_index ?? l.ifindex}`.slice(0, IFNAMSIZ);
  const reason = why ?? `its peer is in ${name === 'outside' ? 'a namespace without an ip netns name (the host\'s?)' : `namespace ${name}`}, which is not imported`;
  ctx.notImported.push(`${here}: veth ${l.ifname}: ${reason}; its peer end is created as ${peerName} in ${name}, unconfigured`);
  return [
    comment(`not imported: veth ${l.ifname}'s peer: ${reason}; the peer end is created as ${peerName} in ${name}, unconfigured`),
    cmd(`ip link add ${q(l.ifname)} type veth peer name ${peerName} netns ${name}`),
  ];
}

// ------------------------------------------------------------------ sysctl

function importSysctl(ctx: Ctx, ns: NsOut, s: NamespaceSnapshot, devs: Set<string>): void {
  const vals = readSysctl(s.sysctl);
  if (!s.sysctl.trim()) notImported(ctx, ns, ns.sysctl, 'sysctls (nothing was read)');
  for (const [k, fresh] of GLOBAL_KEYS) {
    const v = vals.get(k);
    if (v !== undefined && v !== fresh) ns.sysctl.push(cmd(`sysctl -w ${k}=${v}`));
  }
  for (const scope of ['all', 'default']) {
    for (const [k, fresh] of CONF_KEYS) {
      const key = confKey(scope, k);
      const v = vals.get(key);
      // ip_forward and conf.all.forwarding are one switch (sysctl.ts): written once.
      if (key === 'net.ipv4.conf.all.forwarding' && v === vals.get('net.ipv4.ip_forward')) continue;
      if (key === 'net.ipv4.conf.default.forwarding' && v === vals.get('net.ipv4.ip_forward')) continue;
      if (v !== undefined && v !== fresh) ns.sysctl.push(cmd(`sysctl -w ${key}=${v}`));
    }
  }
  // Per-device values: written where they differ from fresh; the correction pass adds any the
  // model would otherwise get wrong (a device copies conf.default when it appears).
  for (const [key, v] of vals) {
    const m = /^net\.ipv4\.conf\.(.+)\.([a-z_]+)$/.exec(key);
    if (!m || m[1] === 'all' || m[1] === 'default' || !CONF_KEYS.has(m[2])) continue;
    if (!devs.has(m[1])) continue;
    const fresh = CONF_KEYS.get(m[2]);
    const dflt = vals.get(confKey('default', m[2]));
    const fwd = m[2] === 'forwarding' ? vals.get('net.ipv4.ip_forward') : undefined;
    if (v !== fresh && v !== dflt && v !== fwd) ns.devSysctl.push(cmd(`sysctl -w ${key}=${v}`));
  }
}

// ------------------------------------------------------------------ addresses

function importAddrs(ctx: Ctx, ns: NsOut, s: NamespaceSnapshot, devs: Set<string>): void {
  const r = readJsonArray<AddrRec>(s.addr, 'ip -j addr show');
  if (r.problem) notImported(ctx, ns, ns.addrs, r.problem);
  for (const d of r.items) {
    for (const a of d.addr_info ?? []) {
      if (a.family === 'inet6') {
        if (a.scope === 'link' || (a.scope === 'host' && a.local === '::1')) continue; // kernel-made
        notImported(ctx, ns, ns.addrs, `IPv6 address ${a.local}/${a.prefixlen} on ${d.ifname}`);
        continue;
      }
      if (a.family !== 'inet') {
        notImported(ctx, ns, ns.addrs, `${a.family} address ${a.local} on ${d.ifname}`);
        continue;
      }
      if (d.ifname === 'lo' && a.local === '127.0.0.1' && a.prefixlen === 8) continue; // made by `ip link set lo up`
      const text = `ip addr add ${a.local}/${a.prefixlen}` + (a.address ? ` peer ${a.address}` : '') + (a.broadcast ? ` brd ${a.broadcast}` : '') +
        ` dev ${q(d.ifname)}` + (a.scope && a.scope !== 'global' ? ` scope ${a.scope}` : '') +
        (a.label && a.label !== d.ifname ? ` label ${q(a.label)}` : '') + (a.noprefixroute ? ' noprefixroute' : '');
      if (!devs.has(d.ifname)) notImported(ctx, ns, ns.addrs, `${text} (device ${d.ifname} is not imported)`);
      else ns.addrs.push(cmd(text));
    }
  }
}

// ------------------------------------------------------------------ routes

const KNOWN_ROUTE_FIELDS = new Set(['type', 'dst', 'gateway', 'dev', 'table', 'protocol', 'scope', 'prefsrc', 'metric', 'flags', 'pref']);

function importRoutes(ctx: Ctx, ns: NsOut, s: NamespaceSnapshot, devs: Set<string>): void {
  const r = readJsonArray<RouteRec>(s.route, 'ip -j route show table all');
  if (r.problem) notImported(ctx, ns, ns.routes, r.problem);
  const direct: Line[] = [];
  const viaGw: Line[] = [];
  for (const rt of r.items) {
    if (rt.protocol === 'kernel') continue; // made by the kernel from addresses and devices
    const v6 = String(rt.dst ?? '').includes(':') || String(rt.gateway ?? '').includes(':');
    const type = rt.type ?? 'unicast';
    const words: string[] = ['ip route add'];
    if (type !== 'unicast') words.push(type);
    words.push(String(rt.dst));
    if (rt.gateway) words.push('via', rt.gateway);
    if (rt.dev) words.push('dev', q(rt.dev));
    if (rt.protocol && rt.protocol !== 'boot') words.push('proto', q(rt.protocol));
    const dfltScope = type === 'local' || type === 'nat' ? 'host' : type === 'broadcast' || type === 'multicast' || type === 'anycast' || (type === 'unicast' && !rt.gateway) ? 'link' : 'global';
    const scope = rt.scope ?? 'global';
    if (scope !== dfltScope) words.push('scope', q(scope));
    if (rt.prefsrc) words.push('src', rt.prefsrc);
    if (typeof rt.metric === 'number' && rt.metric !== 0) words.push('metric', String(rt.metric));
    if (rt.table && rt.table !== 'main') words.push('table', q(rt.table));
    if ((rt.flags ?? []).includes('onlink')) words.push('onlink');
    const text = words.join(' ');
    const unknown = Object.keys(rt).filter((k) => !KNOWN_ROUTE_FIELDS.has(k));
    if (v6) notImported(ctx, ns, ns.routes, `IPv6 route: ${text}`);
    else if (unknown.length) notImported(ctx, ns, ns.routes, `route ${rt.dst}${rt.table ? ` table ${rt.table}` : ''} (${unknown.join(', ')}: ${JSON.stringify(Object.fromEntries(unknown.map((k) => [k, rt[k]])))})`);
    else if (rt.dev && !devs.has(rt.dev)) notImported(ctx, ns, ns.routes, `${text} (device ${rt.dev} is not imported)`);
    else (rt.gateway ? viaGw : direct).push(cmd(text));
  }
  // Routes without a gateway first: a gateway must be reachable when its route is added.
  ns.routes.push(...direct, ...viaGw);
}

// ------------------------------------------------------------------ rules

const KNOWN_RULE_FIELDS = new Set(['priority', 'not', 'src', 'srclen', 'dst', 'dstlen', 'fwmark', 'fwmask', 'iif', 'oif', 'tos', 'table', 'action', 'goto', 'unresolved', 'suppress_prefixlen', 'protocol']);

function isDefaultRule(r: RuleRec): boolean {
  const keys = Object.keys(r).filter((k) => k !== 'protocol');
  const plain = keys.length === 3 && r.src === 'all';
  return plain && ((r.priority === 0 && r.table === 'local') || (r.priority === 32766 && r.table === 'main') || (r.priority === 32767 && r.table === 'default'));
}

function importRules(ctx: Ctx, ns: NsOut, s: NamespaceSnapshot): void {
  const r = readJsonArray<RuleRec>(s.rule, 'ip -j rule show');
  if (r.problem) notImported(ctx, ns, ns.rules, r.problem);
  for (const ru of r.items) {
    if (isDefaultRule(ru)) continue;
    const w: string[] = ['ip rule add'];
    if ('not' in ru) w.push('not');
    if (ru.src && ru.src !== 'all') w.push('from', ru.srclen !== undefined ? `${ru.src}/${ru.srclen}` : ru.src);
    if (ru.dst && ru.dst !== 'all') w.push('to', ru.dstlen !== undefined ? `${ru.dst}/${ru.dstlen}` : ru.dst);
    if (ru.tos !== undefined) w.push('tos', String(ru.tos));
    if (ru.fwmark !== undefined) w.push('fwmark', ru.fwmask !== undefined ? `${ru.fwmark}/${ru.fwmask}` : String(ru.fwmark));
    if (ru.iif !== undefined) w.push('iif', q(String(ru.iif)));
    if (ru.oif !== undefined) w.push('oif', q(String(ru.oif)));
    w.push('pref', String(ru.priority));
    if (ru.goto !== undefined) w.push('goto', String(ru.goto));
    else if (ru.action !== undefined) w.push(String(ru.action));
    else if (ru.table !== undefined) w.push('lookup', q(String(ru.table)));
    if (ru.suppress_prefixlen !== undefined) w.push('suppress_prefixlength', String(ru.suppress_prefixlen));
    const unknown = Object.keys(ru).filter((k) => !KNOWN_RULE_FIELDS.has(k));
    if (unknown.length) notImported(ctx, ns, ns.rules, `rule pref ${ru.priority} (${unknown.join(', ')}: ${JSON.stringify(Object.fromEntries(unknown.map((k) => [k, ru[k]])))})`);
    else ns.rules.push(cmd(w.join(' ')));
  }
}

// ------------------------------------------------------------------ neighbours

function importNeighs(ctx: Ctx, ns: NsOut, s: NamespaceSnapshot, devs: Set<string>): void {
  const r = readJsonArray<NeighRec>(s.neigh, 'ip -j neigh show nud permanent');
  if (r.problem) notImported(ctx, ns, ns.neighs, r.problem);
  for (const n of r.items) {
    if (String(n.dst).includes(':')) {
      notImported(ctx, ns, ns.neighs, `IPv6 neighbour ${n.dst}${n.dev ? ` dev ${n.dev}` : ''}`);
      continue;
    }
    const text = `ip neigh add ${n.dst}${n.lladdr ? ` lladdr ${n.lladdr}` : ''} dev ${q(String(n.dev))}`;
    if (!n.dev || !devs.has(n.dev)) notImported(ctx, ns, ns.neighs, `${text} (device not imported)`);
    else ns.neighs.push(cmd(text));
  }
}

// ------------------------------------------------------------------ iptables

function importIptables(ctx: Ctx, ns: NsOut, s: NamespaceSnapshot): void {
  let table: string | undefined;
  let tableLines: Line[] = [];
  let emitted = 0;
  const flush = (): void => {
    if (table && !emitted && XT_BUILTIN_CHAINS[table as XtTableName]) {
      // The table exists on the kernel but holds nothing a command would write: keep it existing.
      const first = XT_BUILTIN_CHAINS[table as XtTableName][0];
      tableLines.push(comment(`table ${table} exists with no rules; this line creates it`));
      tableLines.push(cmd(`iptables${tflag(table)} -P ${first} ACCEPT`));
    }
    ns.iptables.push(...tableLines);
    tableLines = [];
    emitted = 0;
  };
  for (const raw of s.iptablesSave.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      if (/^# (Generated by|Completed on)/.test(line)) continue;
      notImported(ctx, ns, ns.iptables, `iptables-save says: ${line.slice(1).trim()}`);
      continue;
    }
    if (line.startsWith('*')) {
      flush();
      table = line.slice(1);
      if (!XT_BUILTIN_CHAINS[table as XtTableName]) {
        notImported(ctx, ns, ns.iptables, `iptables table ${table}`);
        table = undefined;
      }
      continue;
    }
    if (!table) continue;
    if (line === 'COMMIT') {
      flush();
      table = undefined;
      continue;
    }
    const m = /^:(\S+)\s+(\S+)/.exec(line);
    if (m) {
      const builtin = (XT_BUILTIN_CHAINS[table as XtTableName] as string[]).includes(m[1]);
      if (!builtin) {
        tableLines.push(cmd(`iptables${tflag(table)} -N ${q(m[1])}`));
        emitted++;
      } else if (m[2] !== 'ACCEPT') {
        tableLines.push(cmd(`iptables${tflag(table)} -P ${m[1]} ${m[2]}`));
        emitted++;
      }
      continue;
    }
    if (line.startsWith('-A ')) {
      tableLines.push(cmd(`iptables${tflag(table)} ${line}`));
      emitted++;
      continue;
    }
    notImported(ctx, ns, ns.iptables, `iptables-save line: ${line}`);
  }
  flush();
}

/** iptables-nft's tables (family ip); any other nftables table is not imported. */
const IPTABLES_NFT_TABLES = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);

function importNftTables(ctx: Ctx, ns: NsOut, s: NamespaceSnapshot): void {
  for (const line of (s.nftTables ?? '').split('\n')) {
    const m = /^table\s+(\S+)\s+(\S+)/.exec(line.trim());
    if (!m) continue;
    if (m[1] === 'ip' && IPTABLES_NFT_TABLES.has(m[2])) continue;
    notImported(ctx, ns, ns.iptables, `nftables table ${m[1]} ${m[2]} (only iptables rules are imported)`);
  }
}

function tflag(table: string): string {
  return table === 'filter' ? '' : ` -t ${table}`;
}

// ------------------------------------------------------------------ listeners

function importListeners(ctx: Ctx, ns: NsOut, s: NamespaceSnapshot): void {
  const seen = new Set<string>();
  for (const l of readListeners(s.listeners ?? '')) {
    const m = /^(\d{1,3}(?:\.\d{1,3}){3})(%\S+)?:(\d+)$/.exec(l.local);
    if (!m || m[2]) {
      const line = `listen ${l.proto} ${l.local}`;
      if (!seen.has(line)) notImported(ctx, ns, ns.listen, `${l.proto} socket ${l.local}${m?.[2] ? ' (bound to a device)' : ' (not IPv4)'}`);
      seen.add(line);
      continue;
    }
    const line = `listen ${l.proto} ${m[1]}:${m[3]}`;
    if (seen.has(line)) continue;
    seen.add(line);
    ns.listen.push(cmd(line));
  }
}

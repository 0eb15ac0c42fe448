// Import, part 1: what `netns-dbg import` reads from a live namespace (the raw text of the real
// tools' outputs, one NamespaceSnapshot per namespace) and the readers that turn that text into
// typed records. Pure: it runs nothing (cli/import.ts runs the tools) and never throws on bad input
// (a reader returns its records plus the problems it met).
//
// JSON field names verified on this machine (iproute2 6.1.0, Linux 6.18, `ip -j`):
// - link (-d): ifindex, ifname, flags ["UP",...], mtu, address, master, link_type ("loopback"),
//   linkinfo.info_kind ("veth", "bridge"), linkinfo.info_data (bridge: mcast_snooping, stp_state,
//   vlan_filtering ...); a veth whose peer is in another namespace has link_index (the peer's
//   ifindex there) and link_netnsid (an nsid of the viewing namespace); a veth whose peer is in the
//   same namespace has "link": PEERNAME instead.
// - netns list-id: [{"nsid":0,"name":"FULLNAME"}] (name absent for a namespace not in /run/netns).
// - addr: addr_info[] with family, local, prefixlen, scope, label, and only when set: broadcast,
//   address (the peer of a point-to-point address), secondary, noprefixroute.
// - route: type absent for unicast, table absent for main, protocol absent for boot, scope absent
//   for universe (global), plus dst ("default" or a prefix; a /32 prints without /32), gateway,
//   dev, prefsrc, metric, flags ["onlink","linkdown"], nexthops (multipath).
// - rule: priority, src ("all" or an address with srclen), dst/dstlen, fwmark/fwmask (hex text),
//   iif, oif, tos, table, "not": null when inverted, action ("blackhole", "unreachable",
//   "prohibit") instead of table, goto (+ "unresolved"), suppress_prefixlen.
// - neigh: dst, dev, lladdr, state ["PERMANENT"].

/** The raw outputs of the real tools for one namespace, as cli/import.ts collects them. */
export interface NamespaceSnapshot {
  /** The `ip netns` name (prefix included). */
  name: string;
  /** `ip -n NAME -j -d link show` */
  link: string;
  /** `ip -n NAME -j addr show` */
  addr: string;
  /** `ip -n NAME -j route show table all` */
  route: string;
  /** `ip -n NAME -j rule show` */
  rule: string;
  /** `ip -n NAME -j neigh show nud permanent` */
  neigh: string;
  /** `ip -n NAME -j netns list-id` */
  nsids: string;
  /** `ip netns exec NAME iptables-save` (standard output; its warnings go to stderr) */
  iptablesSave: string;
  /** `ip netns exec NAME nft list tables` (tables iptables-save does not show: other families, nft's own) */
  nftTables?: string;
  /** `ip netns exec NAME sysctl PATH...` output (`key = value` lines) for the paths of sysctlPaths() */
  sysctl: string;
  /** `ip netns exec NAME ss -Hltnu`, when listeners are imported */
  listeners?: string;
  /** Tools that failed while reading this namespace (`iptables-save: exit 1: ...`). */
  failures?: string[];
}

export interface LinkRec {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu?: number;
  address?: string;
  master?: string;
  link_type?: string;
  link?: string;
  link_index?: number;
  link_netnsid?: number;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown>; info_slave_kind?: string };
}

export interface AddrInfo {
  family: string;
  local: string;
  prefixlen: number;
  scope?: string;
  label?: string;
  broadcast?: string;
  address?: string;
  secondary?: boolean;
  noprefixroute?: boolean;
  [k: string]: unknown;
}

export interface AddrRec {
  ifindex: number;
  ifname: string;
  addr_info?: AddrInfo[];
}

export interface RouteRec {
  type?: string;
  dst: string;
  gateway?: string;
  dev?: string;
  table?: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  metric?: number;
  flags?: string[];
  [k: string]: unknown;
}

export interface RuleRec {
  priority: number;
  src?: string;
  srclen?: number;
  dst?: string;
  dstlen?: number;
  table?: string;
  action?: string;
  [k: string]: unknown;
}

export interface NeighRec {
  dst: string;
  dev?: string;
  lladdr?: string;
  state?: string[];
  [k: string]: unknown;
}

/** Parses the JSON array an `ip -j` command printed; an empty output is an empty list. */
export function readJsonArray<T>(text: string, what: string): { items: T[]; problem?: string } {
  const t = text.trim();
  if (!t) return { items: [] };
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v)) return { items: v.filter((x) => x && typeof x === 'object') as T[] };
    return { items: [], problem: `${what}: expected a JSON array` };
  } catch (e) {
    return { items: [], problem: `${what}: not JSON (${(e as Error).message})` };
  }
}

/** nsid -> full `ip netns` name, from `ip -n NAME -j netns list-id`. */
export function readNsids(text: string): Map<number, string | undefined> {
  const out = new Map<number, string | undefined>();
  for (const r of readJsonArray<{ nsid?: number; name?: string }>(text, 'netns list-id').items) {
    if (typeof r.nsid === 'number') out.set(r.nsid, typeof r.name === 'string' ? r.name : undefined);
  }
  return out;
}

/**
 * `sysctl PATH...` output to a map keyed as the model keys them (`net.ipv4.conf.eth0.5.rp_filter`
 * for device `eth0.5`): sysctl prints a dot inside a component as `/` (verified:
 * `sysctl net/ipv4/conf/a.5/rp_filter` prints `net.ipv4.conf.a/5.rp_filter = 0`).
 */
export function readSysctl(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const key = m[1].split('.').map((c) => c.replace(/\//g, '.')).join('.');
    out.set(key, m[2]);
  }
  return out;
}

export interface Listener {
  proto: 'tcp' | 'udp';
  local: string;
}

/** `ss -Hltnu` lines: `tcp LISTEN 0 64 0.0.0.0:80 0.0.0.0:*` (Netid State Recv-Q Send-Q Local Peer). */
export function readListeners(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n')) {
    const w = line.trim().split(/\s+/);
    if (w.length < 5) continue;
    const proto = w[0];
    if (proto !== 'tcp' && proto !== 'udp') continue;
    out.push({ proto, local: w[4] });
  }
  return out;
}

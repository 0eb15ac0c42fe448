// Short help for the sysctl keys the simulator honours: what each one does, in this project's own
// words. The default values come from core/model/sysctl-defaults.ts (the single source).
// Used by completion and hover; no logic beyond lookup.

import { CONF_KEYS, GLOBAL_KEYS } from '../model/sysctl-defaults';

const GLOBAL_DOCS: Readonly<Record<string, string>> = {
  'net.ipv4.ip_forward': 'Route packets between devices of this namespace. With 0 a packet for another host is dropped after the routing decision (no FORWARD chain, no ICMP error).',
  'net.ipv4.icmp_echo_ignore_all': 'With 1 the namespace answers no ICMP echo request (ping).',
  'net.ipv4.icmp_echo_ignore_broadcasts': 'With 1 echo requests sent to a broadcast or multicast address are ignored.',
  'net.ipv4.ip_default_ttl': 'TTL of packets this namespace originates.',
  'net.ipv4.ip_nonlocal_bind': 'With 1 a process may bind an address the namespace does not own.',
  'net.bridge.bridge-nf-call-iptables': 'With 1 bridged IPv4 frames also traverse the iptables chains (br_netfilter).',
};

const CONF_DOCS: Readonly<Record<string, string>> = {
  forwarding: 'Per-device forwarding flag; writing conf.all.forwarding sets it on every device and ip_forward.',
  rp_filter: 'Reverse path filter: 0 off, 1 strict (drop if the reply would not leave by the arrival device), 2 loose (drop if the source is unroutable). The highest of conf.all and the device wins.',
  accept_local: 'With 1 accept packets whose source is a local address of this namespace (otherwise they are martians and dropped).',
  route_localnet: 'With 1 addresses in 127.0.0.0/8 may be routed to and from other devices.',
  src_valid_mark: 'With 1 the packet mark is used in the reverse path lookup of rp_filter.',
};

export interface SysctlKeyDoc {
  key: string;
  doc: string;
  /** Value in a new namespace. */
  default: string;
  values?: readonly string[];
}

/** Every key the simulator honours; per-device keys listed with the `all`/`default` scopes and DEV. */
export function sysctlKeys(devices: readonly string[] = []): SysctlKeyDoc[] {
  const out: SysctlKeyDoc[] = [];
  for (const [k, v] of GLOBAL_KEYS) out.push({ key: k, doc: GLOBAL_DOCS[k] ?? '', default: v, values: valuesOf(k) });
  for (const scope of ['all', 'default', ...devices]) {
    for (const [k, v] of CONF_KEYS) out.push({ key: `net.ipv4.conf.${scope}.${k}`, doc: CONF_DOCS[k] ?? '', default: v, values: valuesOf(k) });
  }
  return out;
}

function valuesOf(key: string): readonly string[] | undefined {
  if (key.endsWith('rp_filter')) return ['0', '1', '2'];
  if (key.endsWith('ip_default_ttl')) return undefined;
  return ['0', '1'];
}

/** Help for a full key (`net.ipv4.conf.eth0.rp_filter`, also with `/` separators). */
export function sysctlDoc(rawKey: string): SysctlKeyDoc | undefined {
  const key = rawKey.includes('/') ? rawKey.replace(/\//g, '.') : rawKey;
  const g = GLOBAL_KEYS.get(key);
  if (g !== undefined) return { key, doc: GLOBAL_DOCS[key] ?? '', default: g, values: valuesOf(key) };
  const m = /^net\.ipv4\.conf\.([^.]+)\.([a-z_]+)$/.exec(key);
  if (m && CONF_KEYS.has(m[2])) {
    const scope = m[1];
    const note = scope === 'all' || scope === 'default' ? '' : ` (device ${scope}: copied from conf.default when the device appears)`;
    return { key, doc: (CONF_DOCS[m[2]] ?? '') + note, default: CONF_KEYS.get(m[2])!, values: valuesOf(m[2]) };
  }
  return undefined;
}

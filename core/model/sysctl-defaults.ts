// The sysctls the simulator honours and their values in a fresh network namespace of the
// simulated kernel. The export pins every one of them, so the host's own values (which new
// namespaces copy, kernel-path.md 1.7) never change a result. Per-device `conf` entries are
// copied from `conf.default` when the device appears (inetdev_init).

import type { NetnsConfig } from '../kernel/config';

/** Per-device and all/default IPv4 conf keys that the simulator reads: name -> compiled default. */
export const CONF_KEYS: ReadonlyMap<string, string> = new Map([
  ['forwarding', '0'],
  ['rp_filter', '0'],
  ['accept_local', '0'],
  ['route_localnet', '0'],
  ['src_valid_mark', '0'],
]);

/** Namespace-wide keys the simulator reads, with their value in a new namespace. */
export const GLOBAL_KEYS: ReadonlyMap<string, string> = new Map([
  ['net.ipv4.ip_forward', '0'],
  ['net.ipv4.icmp_echo_ignore_all', '0'],
  ['net.ipv4.icmp_echo_ignore_broadcasts', '1'],
  ['net.ipv4.ip_default_ttl', '64'],
  ['net.ipv4.ip_nonlocal_bind', '0'],
  // br_netfilter is built into the kernels this project checks against (kernel-harness-notes.md).
  ['net.bridge.bridge-nf-call-iptables', '1'],
]);

export function confKey(dev: string, key: string): string {
  return `net.ipv4.conf.${dev}.${key}`;
}

/** Fills a new namespace's sysctl map with the fresh-namespace values. */
export function initNetnsSysctl(ns: NetnsConfig): void {
  for (const [k, v] of GLOBAL_KEYS) ns.sysctl.set(k, v);
  for (const scope of ['all', 'default']) for (const [k, v] of CONF_KEYS) ns.sysctl.set(confKey(scope, k), v);
}

/** Creates the per-device conf entries of a device that appears in `ns`, copied from conf.default. */
export function initDeviceSysctl(ns: NetnsConfig, dev: string): void {
  for (const k of CONF_KEYS.keys()) ns.sysctl.set(confKey(dev, k), ns.sysctl.get(confKey('default', k)) ?? CONF_KEYS.get(k)!);
}

/** Removes a device's conf entries (device deleted or moved to another namespace). */
export function dropDeviceSysctl(ns: NetnsConfig, dev: string): void {
  for (const k of CONF_KEYS.keys()) ns.sysctl.delete(confKey(dev, k));
}

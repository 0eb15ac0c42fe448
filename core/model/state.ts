// Creating the objects a fresh namespace has: lo (down, no address), the three default policy
// rules, the sysctl defaults, no iptables tables. Also device-id allocation over the topology.
// Executors build on these; they hold no command-specific logic.

import {
  DeviceConfig, DeviceKind, KERNEL_ORIGIN, NetnsConfig, Origin, RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN,
} from '../kernel/config';
import type { ModelState } from './context';
import { initDeviceSysctl, initNetnsSysctl } from './sysctl-defaults';

export const ROOT_NETNS = 'root';

export function newModelState(): ModelState {
  return {
    topology: { namespaces: new Map(), devices: new Map() },
    probes: [],
    diagnostics: [],
    symbols: [],
    statements: [],
    nextDeviceId: 1,
    facts: new Map(),
  };
}

/** Creates namespace `name` as the kernel does (idempotent). */
export function ensureNetns(state: ModelState, name: string): NetnsConfig {
  let ns = state.topology.namespaces.get(name);
  if (ns) return ns;
  ns = {
    name,
    devices: new Map(),
    addresses: [],
    routes: [],
    rules: [
      { pref: 0, action: { type: 'lookup', table: RT_TABLE_LOCAL }, origin: KERNEL_ORIGIN },
      { pref: 32766, action: { type: 'lookup', table: RT_TABLE_MAIN }, origin: KERNEL_ORIGIN },
      { pref: 32767, action: { type: 'lookup', table: RT_TABLE_DEFAULT }, origin: KERNEL_ORIGIN },
    ],
    neighbours: [],
    sysctl: new Map(),
    xtables: new Map(),
    sockets: [],
    nextIfindex: 1,
  };
  state.topology.namespaces.set(name, ns);
  initNetnsSysctl(ns);
  addDevice(state, ns, 'lo', 'loopback', KERNEL_ORIGIN, { mtu: 65536, mac: '00:00:00:00:00:00' });
  return ns;
}

/** Adds a device to `ns` (down, conf copied from default), returning it. */
export function addDevice(
  state: ModelState, ns: NetnsConfig, name: string, kind: DeviceKind, origin: Origin,
  opts: { mtu?: number; mac?: string } = {},
): DeviceConfig {
  const id = state.nextDeviceId++;
  const dev: DeviceConfig = {
    id, name, netns: ns.name, ifindex: ns.nextIfindex++, kind, up: false,
    mtu: opts.mtu ?? 1500, mac: opts.mac ?? macForDevice(id), origin,
  };
  ns.devices.set(name, dev);
  state.topology.devices.set(id, dev);
  initDeviceSysctl(ns, name);
  return dev;
}

/** Locally administered, deterministic MAC per device id (02:00:00:xx:xx:xx). */
export function macForDevice(id: number): string {
  const h = (n: number) => n.toString(16).padStart(2, '0');
  return `02:00:00:${h((id >> 16) & 255)}:${h((id >> 8) & 255)}:${h(id & 255)}`;
}

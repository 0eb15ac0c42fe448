// `ip link add|set|del` (iproute2 ip/iplink.c + the kernel's rtnl_newlink/do_setlink): veth pairs
// (the peer may go to another namespace), bridges and dummies; up/down, master/nomaster, netns,
// mtu and address; deleting one veth end deletes its peer. Device types and link options outside
// that set are reported as not simulated. Validates the whole line, then changes the state.
//
// Verified on this project's kernel (throwaway namespaces, iproute2 6.x):
//   ip link add abcdefghijklmnop type veth ...   -> Error: Attribute failed policy validation.
//   ... peer name abcdefghijklmnop                -> Error: argument "..." is wrong: "name" not a valid ifname
//   ... peer name X netns missing                 -> Error: argument "missing" is wrong: Invalid "netns" value
//   ip link add EXISTING ...                      -> RTNETLINK answers: File exists
//   ip link set eth9 up                           -> Cannot find device "eth9"
//   ip link set v0 master v1 (v1 not a bridge)    -> RTNETLINK answers: Operation not supported
//   ip link set v0 master nosuch                  -> Error: argument "nosuch" is wrong: Device does not exist
//   ip link set b9 master b9 (a bridge)           -> Error: Can not enslave a bridge to a bridge.
//   ip link set lo master br                      -> RTNETLINK answers: Invalid argument
//   ip link set lo|BRIDGE netns X                 -> Error: The interface netns is immutable.
//   ip link set v0 netns X (X has v0)             -> Error: An interface with the same name exists in the target netns.
//   ip link set v0 mtu 67 / 65536                 -> Error: mtu less than device minimum. / greater than device maximum.
//   ip link set v0 address zz:00                  -> "zz" is invalid lladdr.
//   ip link set v0 address 02:00:00:00:00         -> Invalid address length 5 - must be 6 bytes
//   ip link set v0 address 01:00:00:00:00:01      -> RTNETLINK answers: Cannot assign requested address
//   ip link del lo                                -> RTNETLINK answers: Operation not supported
//   ip link add n5 type veth                      -> the peer is named veth0 (first free veth%d)
//   ip link add v0 netns b type veth peer name v1 -> v0 in b, v1 where the command runs
//   ip link add v5 mtu 9000 type veth peer ...    -> the peer keeps mtu 1500 (only its own `mtu` counts)
//   ip link set v12 name v13 netns b              -> moved under the new name (checked against b)
//   ip link set v0 name v9 (even while up)        -> renamed; to a taken name: RTNETLINK answers: File exists
//   ip link set name v0 up                        -> `name` names the device when there is no `dev`
// A device moved to another namespace arrives down, without addresses, released from its bridge.

import type { DeviceConfig, DeviceKind, NetnsConfig } from '../kernel/config';
import type { Token } from '../syntax/lexer';
import type { ExecContext } from './context';
import {
  Args, ifnameProblem, lookupDevice, lookupNetns, macToString, matches, parseMac, parseU32, readOnlyVerb, unknownVerb,
} from './ip-args';
import { deviceKey, IFNAMSIZ_MAX } from './names';
import { addDevice, deleteDevice, moveDevice, renameDevice, setDeviceUp } from './state';

/** Link options iproute2 knows that the simulator does not model. */
const UNSIMULATED_LINK_KEYWORDS = [
  'index', 'broadcast', 'brd', 'txqueuelen', 'qlen', 'txqlen', 'xdp', 'multicast', 'allmulticast', 'promisc',
  'trailers', 'arp', 'vf', 'vrf', 'dynamic', 'alias', 'group', 'mode', 'state', 'numtxqueues', 'numrxqueues',
  'gso_max_size', 'gso_max_segs', 'gro_max_size', 'protodown', 'protodown_reason', 'addrgenmode', 'carrier',
  'altname', 'link-netns', 'link-netnsid', 'netnsid', 'noqueue',
];

/** What iplink_parse collected for one device (the main one or a veth peer). */
interface LinkSpec {
  /** The device: `dev NAME` or a bare word. */
  dev?: Token;
  /** `name NAME`: the new device's name (add) or a new name (set); iproute2 checks it itself. */
  newName?: Token;
  /** For add: newName ?? dev. */
  name?: Token;
  nameKeyword: boolean;
  netns?: { tok: Token; ns: NetnsConfig };
  mtu?: { tok: Token; value: number };
  mac?: { tok: Token; text: string };
  up?: boolean;
  master?: { tok: Token; dev: DeviceConfig };
  nomaster?: Token;
  /** Index of the `type` word, when present. */
  typeAt?: number;
}

/** MTU range of each device kind on this kernel (verified: veth and bridge 68..65535; lo has no
 *  limit of its own, iproute2 takes any int). */
const MTU_RANGE: Record<DeviceKind, [number, number]> = {
  veth: [68, 65535], bridge: [68, 65535], dummy: [68, 65535], loopback: [0, 2147483647],
};

export function execLink(ctx: ExecContext, i: number): void {
  const verb = ctx.argv[i];
  if (!verb) return readOnlyVerb(ctx, i);
  const v = verb.value;
  ctx.role(i, 'subcommand');
  if (matches(v, 'add')) {
    ctx.info.what = 'ip link add';
    return linkAdd(ctx, i + 1);
  }
  if (matches(v, 'set') || matches(v, 'change')) {
    ctx.info.what = 'ip link set';
    return linkSet(ctx, i + 1);
  }
  if (matches(v, 'replace')) return void ctx.report('notSimulated', verb, "'ip link replace'");
  if (matches(v, 'delete')) {
    ctx.info.what = 'ip link del';
    return linkDel(ctx, i + 1);
  }
  if (matches(v, 'show') || matches(v, 'lst') || matches(v, 'list')) return readOnlyVerb(ctx, i);
  if (matches(v, 'xstats') || matches(v, 'afstats') || matches(v, 'property') || matches(v, 'help')) {
    return void ctx.report('notSimulated', verb, `'ip link ${v}'`);
  }
  unknownVerb(ctx, i, 'link');
}

/** iplink_parse (the subset the simulator models). Stops at `type` (for add) or the end.
 *  Returns undefined after reporting the first error, as ip stops there. */
function parseLinkSpec(ctx: ExecContext, a: Args, allowType: boolean): LinkSpec | undefined {
  // Every field up front: one object shape, no property store growing per keyword.
  const spec: LinkSpec = {
    dev: undefined, newName: undefined, name: undefined, nameKeyword: false, netns: undefined, mtu: undefined,
    mac: undefined, up: undefined, master: undefined, nomaster: undefined, typeAt: undefined,
  };
  while (!a.done) {
    const t = a.peek()!;
    const w = t.value;
    if (w === 'up' || w === 'down') {
      a.take('keyword');
      spec.up = w === 'up';
    } else if (w === 'name' || w === 'dev') {
      a.take('keyword');
      const n = a.value('device', t);
      if (!n) return undefined;
      if (w === 'name') {
        if (spec.newName) return dupArg(ctx, n, 'name');
        const why = ifnameProblem(n.value);
        if (why === 'long' || why === 'slash') return badName(ctx, n, 'name');
        spec.newName = n;
      } else {
        if (spec.dev) return dupArg(ctx, n, 'dev');
        if (ifnameProblem(n.value) === 'slash') return badName(ctx, n, 'dev');
        spec.dev = n;
      }
    } else if (matches(w, 'link') && w.length >= 2) {
      return notSimulated(ctx, t, `'ip link ... link DEV'`);
    } else if (matches(w, 'address') && w.length >= 2) {
      a.take('keyword');
      const m = a.value('mac', t);
      if (!m) return undefined;
      const p = parseMac(m.value);
      if ('error' in p) {
        ctx.report('ipInvalidLladdr', m, p.error);
        return undefined;
      }
      spec.mac = { tok: m, text: macToString(p.bytes) };
    } else if (w === 'mtu') {
      a.take('keyword');
      const m = a.value('number', t);
      if (!m) return undefined;
      const n = parseU32(m.value);
      if (n === undefined || n > 0x7fffffff) {
        ctx.report('ipBadArgument', m, `Error: argument "${m.value}" is wrong: Invalid "mtu" value`, 'give a number like 1500');
        return undefined;
      }
      spec.mtu = { tok: m, value: n };
    } else if (w === 'netns') {
      a.take('keyword');
      const n = a.value('netns', t);
      if (!n) return undefined;
      const ns = lookupNetns(ctx, n);
      if (!ns) return undefined;
      spec.netns = { tok: n, ns };
    } else if (w === 'master') {
      a.take('keyword');
      const m = a.value('device', t);
      if (!m) return undefined;
      const dev = ctx.netns.devices.get(m.value);
      if (!dev) {
        const d = ctx.report('ipBadArgument', m, `Error: argument "${m.value}" is wrong: Device does not exist`, `create the bridge first with 'ip link add ${m.value} type bridge'`);
        d.data = { name: m.value, netns: ctx.netnsName };
        return undefined;
      }
      ctx.symbol('device', deviceKey(dev.id), m, false, ctx.netnsName);
      spec.master = { tok: m, dev };
    } else if (w === 'nomaster') {
      a.take('keyword');
      spec.nomaster = t;
    } else if (w === 'type') {
      if (!allowType) return notSimulated(ctx, t, `'ip link set ... type'`);
      spec.typeAt = a.i;
      a.take('keyword');
      return finishSpec(spec);
    } else if (UNSIMULATED_LINK_KEYWORDS.includes(w)) {
      return notSimulated(ctx, t, `'ip link ... ${w}'`);
    } else {
      if (spec.dev) return dupArg(ctx, t, 'dev');
      spec.dev = a.take('device');
      if (ifnameProblem(t.value) === 'slash') return badName(ctx, t, 'dev');
    }
  }
  return finishSpec(spec);
}

function finishSpec(spec: LinkSpec): LinkSpec {
  spec.name = spec.newName ?? spec.dev;
  spec.nameKeyword = spec.newName !== undefined;
  return spec;
}

function dupArg(ctx: ExecContext, t: Token, what: string): undefined {
  ctx.report('ipBadArgument', t, `Error: either "${what}" is duplicate, or "${t.value}" is a garbage.`, 'remove the extra word');
  return undefined;
}

function notSimulated(ctx: ExecContext, t: Token, what: string): undefined {
  ctx.report('notSimulated', t, what);
  return undefined;
}

/** A name iproute2 (at `stage` 'name' or 'dev', while parsing) or the kernel refuses. */
function badName(ctx: ExecContext, n: Token, stage: 'name' | 'dev' | 'kernel'): undefined {
  const why = ifnameProblem(n.value);
  const words = stage !== 'kernel'
    ? `Error: argument "${n.value}" is wrong: "${stage}" not a valid ifname`
    : why === 'long' ? 'Error: Attribute failed policy validation.' : 'RTNETLINK answers: Invalid argument';
  if (why === 'long') {
    const d = ctx.report('ipNameTooLong', n, n.value, words);
    d.data = { name: n.value, max: IFNAMSIZ_MAX };
  } else {
    ctx.report('ipBadArgument', n, words, "interface names cannot contain '/', ':' or blanks, nor be '.' or '..'");
  }
  return undefined;
}

/** The first free `PREFIX%d` name in `ns`, as the kernel names unnamed devices. */
function autoName(ns: NetnsConfig, prefix: string, also?: string): string {
  for (let k = 0; ; k++) {
    const n = `${prefix}${k}`;
    if (!ns.devices.has(n) && n !== also) return n;
  }
}

function checkMtu(ctx: ExecContext, kind: DeviceKind, mtu: LinkSpec['mtu']): boolean {
  if (!mtu) return true;
  const [min, max] = MTU_RANGE[kind];
  if (mtu.value < min || mtu.value > max) {
    const d = ctx.report('ipMtuOutOfRange', mtu.tok, mtu.value < min ? 'mtu less than device minimum.' : 'mtu greater than device maximum.', String(min), String(max));
    d.data = { min, max, value: mtu.value };
    return false;
  }
  return true;
}

function checkMac(ctx: ExecContext, mac: LinkSpec['mac']): boolean {
  if (!mac) return true;
  if (parseInt(mac.text.slice(0, 2), 16) & 1 || mac.text === '00:00:00:00:00:00') {
    ctx.report('ipInvalidLladdr', mac.tok, 'RTNETLINK answers: Cannot assign requested address');
    return false;
  }
  return true;
}

function linkAdd(ctx: ExecContext, i: number): void {
  const a = new Args(ctx, i);
  const spec = parseLinkSpec(ctx, a, true);
  if (!spec) return;
  if (spec.newName && spec.dev) {
    ctx.report('ipBadArgument', spec.dev, 'both "name" and "dev" cannot be used when creating devices.', 'keep one of them');
    return;
  }
  if (spec.master || spec.nomaster) return void notSimulated(ctx, (spec.master?.tok ?? spec.nomaster)!, "'ip link add ... master'");
  if (spec.typeAt === undefined) {
    ctx.report('ipBadArgument', ctx.argv[i - 1], 'Not enough information: "type" argument is required', "add 'type veth peer name PEER', 'type bridge' or 'type dummy'");
    return;
  }
  const typeKw = ctx.argv[spec.typeAt];
  const typeTok = a.value('keyword', typeKw);
  if (!typeTok) return;
  const kind = typeTok.value;
  if (kind !== 'veth' && kind !== 'bridge' && kind !== 'dummy') {
    ctx.report('notSimulated', typeTok, `'ip link add type ${kind}' (simulated: veth, bridge, dummy)`);
    return;
  }
  let peer: LinkSpec | undefined;
  if (kind === 'veth' && !a.done) {
    const p = a.peek()!;
    if (p.value !== 'peer') {
      ctx.report('ipBadArgument', p, `Error: argument "${p.value}" is wrong: unknown veth option`, "write 'type veth peer name PEER [netns NS]'");
      return;
    }
    a.take('keyword');
    peer = parseLinkSpec(ctx, a, false);
    if (!peer) return;
    if (peer.newName && peer.dev) {
      ctx.report('ipBadArgument', peer.dev, 'both "name" and "dev" cannot be used when creating devices.', 'keep one of them');
      return;
    }
    if (peer.master || peer.nomaster) return void notSimulated(ctx, (peer.master?.tok ?? peer.nomaster)!, "'peer ... master'");
  } else if (!a.done) {
    ctx.report('notSimulated', a.peek()!, `'${kind}' options (the device is created without them)`);
    // The kernel creates the device with those options; the model creates it without.
  }

  // Kernel-side checks, in the order rtnl_newlink makes them.
  const ns = spec.netns?.ns ?? ctx.netns;
  for (const n of [spec.name, peer?.name]) if (n && ifnameProblem(n.value)) return void badName(ctx, n, 'kernel');
  const prefix = kind === 'bridge' ? 'bridge' : kind;
  const name = spec.name?.value ?? autoName(ns, prefix);
  if (ns.devices.has(name)) {
    const d = ctx.report('ipDeviceExists', spec.name ?? typeTok, name, ns.name);
    d.data = { name, netns: ns.name };
    return;
  }
  const devKind: DeviceKind = kind;
  if (!checkMtu(ctx, devKind, spec.mtu) || !checkMac(ctx, spec.mac)) return;
  let peerNs: NetnsConfig | undefined;
  let peerName = '';
  if (kind === 'veth') {
    // The peer is created where the command runs unless its own `netns` says otherwise, even when
    // the device itself goes elsewhere (`ip link add v0 netns b type veth peer name v1`: v1 stays).
    peerNs = peer?.netns?.ns ?? ctx.netns;
    peerName = peer?.name?.value ?? autoName(peerNs, 'veth', peerNs === ns ? name : undefined);
    if (peerNs.devices.has(peerName) || (peerNs === ns && peerName === name)) {
      const d = ctx.report('ipDeviceExists', peer?.name ?? typeTok, peerName, peerNs.name);
      d.data = { name: peerName, netns: peerNs.name };
      return;
    }
    if (peer && (!checkMtu(ctx, 'veth', peer.mtu) || !checkMac(ctx, peer.mac))) return;
  }

  // Apply.
  const dev = addDevice(ctx.state, ns, name, devKind, ctx.origin, { mtu: spec.mtu?.value, mac: spec.mac?.text });
  if (spec.name) ctx.symbol('device', deviceKey(dev.id), spec.name, true, ns.name);
  if (peerNs) {
    const p = addDevice(ctx.state, peerNs, peerName, 'veth', ctx.origin, { mtu: peer?.mtu?.value, mac: peer?.mac?.text });
    dev.peer = p.id;
    p.peer = dev.id;
    if (peer?.name) ctx.symbol('device', deviceKey(p.id), peer.name, true, peerNs.name);
    if (peer?.up) setDeviceUp(ctx.state, peerNs, p, true, ctx.origin);
  }
  if (spec.up) setDeviceUp(ctx.state, ns, dev, true, ctx.origin);
}

function linkSet(ctx: ExecContext, i: number): void {
  const a = new Args(ctx, i);
  const spec = parseLinkSpec(ctx, a, false);
  if (!spec) return;
  // `ip link set name X up` names the device with `name` when there is no `dev`.
  const devTok = spec.dev ?? spec.newName;
  const rename = spec.dev ? spec.newName : undefined;
  if (!devTok) {
    ctx.report('ipBadArgument', ctx.argv[i - 1], 'Not enough information: "dev" argument is required.', "name the device: 'ip link set DEV up'");
    return;
  }
  const dev = lookupDevice(ctx, devTok);
  if (!dev) return;
  const ns = ctx.netns;
  // do_setlink order: netns, address, mtu, master, flags.
  const target = spec.netns?.ns;
  if (target && target !== ns) {
    if (dev.kind === 'loopback' || dev.kind === 'bridge') {
      const d = ctx.report('ipNetnsImmutable', spec.netns!.tok, dev.name, dev.kind === 'loopback' ? 'lo' : 'bridge');
      d.data = { device: dev.name, kind: dev.kind };
      return;
    }
    const arriving = rename?.value ?? dev.name;
    if (target.devices.has(arriving)) {
      const d = ctx.report('ipSameNameInTarget', spec.netns!.tok, arriving, target.name);
      d.data = { device: arriving, netns: target.name };
      return;
    }
  }
  if (!checkMac(ctx, spec.mac) || !checkMtu(ctx, dev.kind, spec.mtu)) return;
  if (rename && rename.value !== dev.name && !(target && target !== ns) && ns.devices.has(rename.value)) {
    const d = ctx.report('ipDeviceExists', rename, rename.value, (target ?? ns).name);
    d.data = { name: rename.value, netns: (target ?? ns).name };
    return;
  }
  if (spec.master) {
    const br = spec.master.dev;
    if (dev.kind === 'bridge') {
      ctx.report('ipBadMaster', spec.master.tok, 'Error: Can not enslave a bridge to a bridge.', `'${dev.name}' is itself a bridge`);
      return;
    }
    if (br.kind !== 'bridge') {
      const d = ctx.report('ipBadMaster', spec.master.tok, 'RTNETLINK answers: Operation not supported',
        `'${br.name}' is a ${br.kind === 'loopback' ? 'loopback device' : br.kind}, not a bridge; create one with 'ip link add NAME type bridge'`);
      d.data = { device: br.name, kind: br.kind };
      return;
    }
    if (dev.kind === 'loopback') {
      ctx.report('ipBadMaster', spec.master.tok, 'RTNETLINK answers: Invalid argument', 'lo cannot be a bridge port');
      return;
    }
    if (target && target !== ns) return void notSimulated(ctx, spec.master.tok, "'netns' and 'master' in one command");
  }

  // Apply.
  let here = ns;
  if (target && target !== ns) {
    moveDevice(ctx.state, ns, target, dev, ctx.origin, rename?.value);
    here = target;
    if (rename) ctx.symbol('device', deviceKey(dev.id), rename, true, here.name);
  } else if (rename && rename.value !== dev.name) {
    renameDevice(ctx.state, here, dev, rename.value);
    ctx.symbol('device', deviceKey(dev.id), rename, true, here.name);
  }
  if (spec.mac) dev.mac = spec.mac.text;
  if (spec.mtu) dev.mtu = spec.mtu.value;
  if (spec.master) dev.master = spec.master.dev.id;
  if (spec.nomaster) dev.master = undefined;
  if (spec.up !== undefined) setDeviceUp(ctx.state, here, dev, spec.up, ctx.origin);
}

function linkDel(ctx: ExecContext, i: number): void {
  const a = new Args(ctx, i);
  let nameTok: Token | undefined;
  while (!a.done) {
    const t = a.peek()!;
    if (t.value === 'dev' || t.value === 'name') {
      a.take('keyword');
      const n = a.value('device', t);
      if (!n) return;
      if (nameTok) return void dupArg(ctx, n, 'dev');
      nameTok = n;
    } else if (t.value === 'type') {
      a.take('keyword');
      if (!a.value('keyword', t)) return;
    } else if (nameTok) {
      return void dupArg(ctx, t, 'dev');
    } else {
      nameTok = a.take('device');
    }
  }
  if (!nameTok) {
    ctx.report('ipBadArgument', ctx.argv[i - 1], 'Not enough information: "dev" argument is required.', "name the device: 'ip link del DEV'");
    return;
  }
  const dev = lookupDevice(ctx, nameTok);
  if (!dev) return;
  if (dev.kind === 'loopback') {
    ctx.report('ipOperationNotSupported', nameTok, 'lo cannot be deleted; take it down with \'ip link set lo down\' instead');
    return;
  }
  const peer = dev.peer !== undefined ? ctx.topology.devices.get(dev.peer) : undefined;
  deleteDevice(ctx.state, ctx.netns, dev, ctx.origin);
  if (peer) {
    const pns = ctx.topology.namespaces.get(peer.netns);
    if (pns) deleteDevice(ctx.state, pns, peer, ctx.origin);
  }
}

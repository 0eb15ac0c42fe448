// `ip address add|replace|del ADDR[/PLEN] [brd +|ADDR] dev DEV` (iproute2 ip/ipaddress.c + the
// kernel's inet_rtm_newaddr/inet_rtm_deladdr). The kernel's own routes for an address are
// derived in state.ts. Options outside the simulated set are reported as not simulated.
//
// Verified on this project's kernel:
//   same ADDR/PLEN twice on a device      -> Error: ipv4: Address already assigned.
//   same ADDR with another PLEN           -> accepted (a second primary)
//   same subnet, another ADDR             -> accepted as `secondary`
//   ip addr del of a missing ADDR/PLEN    -> Error: ipv4: Address not found.
//   ip addr del ADDR (no /PLEN)           -> wildcard deletion of the first ADDR, with a warning
//   ip addr add ADDR/33 dev v0            -> Error: any valid prefix is expected rather than "ADDR/33".
//   ip addr add ADDR/24 v0 (no `dev`)     -> Error: either "local" is duplicate, or "v0" is a garbage.
//   ip addr add ADDR/24 dev eth9          -> Cannot find device "eth9"
//   deleting a primary deletes its secondaries (promote_secondaries is 0 in a fresh namespace).

import { ipv4ToString, prefixMask } from '../kernel/config';
import type { Token } from '../syntax/lexer';
import type { ExecContext } from './context';
import {
  Args, lookupDevice, matches, ParsedPrefix, parsePrefix, readOnlyVerb, unknownVerb, whatOf,
} from './ip-args';
import { addAddress, removeAddress } from './state';

const UNSIMULATED_ADDR_KEYWORDS = [
  'peer', 'remote', 'anycast', 'label', 'valid_lft', 'preferred_lft', 'home', 'nodad', 'optimistic', 'mngtmpaddr',
  'noprefixroute', 'autojoin', 'metric', 'priority', 'proto',
];

export function execAddr(ctx: ExecContext, i: number): void {
  const verb = ctx.argv[i];
  if (!verb) return readOnlyVerb(ctx, i);
  const v = verb.value;
  ctx.role(i, 'subcommand');
  if (matches(v, 'add')) return addrModify(ctx, i + 1, 'add');
  if (matches(v, 'change') || v === 'chg' || matches(v, 'replace')) return addrModify(ctx, i + 1, 'replace');
  if (matches(v, 'delete')) return addrModify(ctx, i + 1, 'del');
  if (matches(v, 'list') || matches(v, 'show') || matches(v, 'lst') || matches(v, 'showdump')) return readOnlyVerb(ctx, i);
  if (matches(v, 'flush') || matches(v, 'save') || matches(v, 'restore') || matches(v, 'help')) {
    return void ctx.report('notSimulated', verb, `'ip address ${v}'`);
  }
  unknownVerb(ctx, i, 'address');
}

/** `ADDR/PLEN` as messages write it (made only for a message). */
function addrText(addr: number, len: number): string {
  return `${ipv4ToString(addr)}/${len}`;
}

function addrModify(ctx: ExecContext, i: number, op: 'add' | 'replace' | 'del'): void {
  ctx.info.what = whatOf('ip addr', op);
  const a = new Args(ctx, i);
  let local: { tok: Token; p: ParsedPrefix } | undefined;
  let devTok: Token | undefined;
  let brd: Token | undefined;
  let scope: Token | undefined;
  while (!a.done) {
    const t = a.peek()!;
    const w = t.value;
    if (w === 'dev') {
      a.take('keyword');
      const d = a.value('device', t);
      if (!d) return;
      if (devTok) return void ctx.report('ipBadArgument', d, `Error: either "dev" is duplicate, or "${d.value}" is a garbage.`, 'name one device');
      devTok = d;
    } else if (matches(w, 'broadcast') || w === 'brd') {
      a.take('keyword');
      const b = a.value('address', t);
      if (!b) return;
      if (b.value !== '+' && b.value !== '-' && parsePrefix(b.value, false)?.hasLen !== false) {
        ctx.report('ipBadArgument', b, `Error: inet address is expected rather than "${b.value}".`, "write 'brd +' for the subnet broadcast");
        return;
      }
      brd = b;
    } else if (w === 'scope') {
      a.take('keyword');
      const s = a.value('keyword', t);
      if (!s) return;
      scope = s;
    } else if (UNSIMULATED_ADDR_KEYWORDS.includes(w)) {
      return void ctx.report('notSimulated', t, `'ip address ... ${w}'`);
    } else {
      if (w === 'local') {
        a.take('keyword');
        if (a.done) return void a.value('prefix', t);
      }
      const at = a.i;
      const v = a.take('prefix');
      if (local) return void ctx.report('ipBadArgument', v, `Error: either "local" is duplicate, or "${v.value}" is a garbage.`, "write 'dev' before the device name");
      if (v.value.includes(':')) return void ctx.report('notSimulated', v, "IPv6 addresses ('ip -6')");
      const p = parsePrefix(v.value, false);
      if (!p) {
        ctx.report('ipBadArgument', v, `Error: any valid prefix is expected rather than "${v.value}".`, 'write ADDR/PLEN like 10.0.0.1/24');
        return;
      }
      ctx.role(at, 'prefix');
      local = { tok: v, p };
    }
  }
  if (scope && !['global', 'universe', 'link', 'host', 'site'].includes(scope.value) && /^\D/.test(scope.value)) {
    ctx.report('ipBadArgument', scope, `Error: argument "${scope.value}" is wrong: invalid scope value.`, 'use global, link or host');
    return;
  }
  if (scope && scope.value !== 'global' && scope.value !== 'universe') return void ctx.report('notSimulated', scope, `'scope ${scope.value}' on an address`);
  if (!devTok) {
    ctx.report('ipBadArgument', ctx.argv[i - 1], 'Not enough information: "dev" argument is required.', "add 'dev DEV'");
    return;
  }
  const dev = lookupDevice(ctx, devTok);
  if (!dev) return;
  if (!local) {
    ctx.report('ipBadArgument', ctx.argv[i - 1], 'Not enough information: "local" argument is required.', 'give the address as ADDR/PLEN');
    return;
  }
  const ns = ctx.netns;
  const { addr, len } = local.p;
  if (op === 'del') {
    const found = local.p.hasLen
      ? ns.addresses.find((x) => x.devId === dev.id && x.addr === addr && x.plen === len)
      : ns.addresses.find((x) => x.devId === dev.id && x.addr === addr);
    if (!found) {
      const d = ctx.report('ipAddressNotFound', local.tok, local.p.hasLen ? addrText(addr, len) : ipv4ToString(addr), dev.name);
      d.data = { device: dev.name, addresses: ns.addresses.filter((x) => x.devId === dev.id).map((x) => `${ipv4ToString(x.addr)}/${x.plen}`) };
      return;
    }
    removeAddress(ns, dev, found);
    return;
  }
  const existing = ns.addresses.find((x) => x.devId === dev.id && x.addr === addr && x.plen === len);
  if (existing) {
    if (op === 'replace') return;
    const d = ctx.report('ipAddressExists', local.tok, addrText(addr, len), dev.name);
    d.data = { device: dev.name, address: addrText(addr, len) };
    const first = ctx.state.statements[existing.origin];
    if (first) ctx.relate(d, first.cmd, 'first assigned here');
    return;
  }
  // __inet_insert_ifa drops an address 0.0.0.0 without a word (verified: rc 0, nothing added).
  if (addr === 0) return;
  let broadcast: number | undefined;
  if (brd?.value === '+' && len < 31) broadcast = ((addr & prefixMask(len)) | ~prefixMask(len)) >>> 0;
  else if (brd && brd.value !== '+' && brd.value !== '-') broadcast = parsePrefix(brd.value, false)!.addr;
  addAddress(ns, dev, addr, len, broadcast, ctx.origin);
}

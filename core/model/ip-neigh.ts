// `ip neigh add|replace|change|del ADDR [lladdr MAC] dev DEV [nud permanent]` (iproute2
// ip/ipneigh.c + the kernel's neigh_add/neigh_delete). Only permanent entries are simulated.
//
// Verified on this project's kernel:
//   add of an existing ADDR on DEV       -> RTNETLINK answers: File exists
//   lladdr zz                            -> "zz" is invalid lladdr.
//   no dev                               -> Device and destination are required arguments.
//   del of a missing entry               -> RTNETLINK answers: No such file or directory
//   add without lladdr                   -> accepted as `lladdr ff:ff:ff:ff:ff:ff PERMANENT` while the
//                                           namespace has no address at all; else Error: No link layer address given.

import { ipv4ToString } from '../kernel/config';
import type { Token } from '../syntax/lexer';
import type { ExecContext } from './context';
import { addressType } from './state';
import {
  Args, lookupDevice, macToString, matches, parseMac, parsePrefix, readOnlyVerb, unknownVerb, whatOf,
} from './ip-args';

export function execNeigh(ctx: ExecContext, i: number): void {
  const verb = ctx.argv[i];
  if (!verb) return readOnlyVerb(ctx, i);
  const v = verb.value;
  ctx.role(i, 'subcommand');
  if (matches(v, 'add')) return neighModify(ctx, i + 1, 'add');
  if (matches(v, 'change') || v === 'chg') return neighModify(ctx, i + 1, 'change');
  if (matches(v, 'replace')) return neighModify(ctx, i + 1, 'replace');
  if (matches(v, 'delete')) return neighModify(ctx, i + 1, 'del');
  if (matches(v, 'get') || matches(v, 'show') || matches(v, 'list') || matches(v, 'lst')) return readOnlyVerb(ctx, i);
  if (matches(v, 'flush') || matches(v, 'help')) return void ctx.report('notSimulated', verb, `'ip neigh ${v}'`);
  unknownVerb(ctx, i, 'neigh');
}

function neighModify(ctx: ExecContext, i: number, op: 'add' | 'change' | 'replace' | 'del'): void {
  ctx.info.what = whatOf('ip neigh', op);
  const a = new Args(ctx, i);
  let dst: { tok: Token; addr: number } | undefined;
  let devTok: Token | undefined;
  let lladdr: string | undefined;
  while (!a.done) {
    const t = a.peek()!;
    const w = t.value;
    if (w === 'lladdr') {
      a.take('keyword');
      const m = a.value('mac', t);
      if (!m) return;
      const p = parseMac(m.value);
      if ('error' in p) return void ctx.report('ipInvalidLladdr', m, p.error);
      lladdr = macToString(p.bytes);
    } else if (w === 'nud') {
      a.take('keyword');
      const s = a.value('keyword', t);
      if (!s) return;
      if (s.value !== 'permanent') return void ctx.report('notSimulated', s, `'nud ${s.value}' (only permanent entries are simulated)`);
    } else if (w === 'dev') {
      a.take('keyword');
      const d = a.value('device', t);
      if (!d) return;
      devTok = d;
    } else if (w === 'proxy' || w === 'router' || w === 'extern_learn' || w === 'use' || w === 'managed' || w === 'protocol') {
      return void ctx.report('notSimulated', t, `'ip neigh ... ${w}'`);
    } else {
      if (w === 'to') {
        a.take('keyword');
        if (a.done) return void a.value('address', t);
      }
      const v = a.take('address');
      if (dst) return void ctx.report('ipBadArgument', v, `Error: either "to" is duplicate, or "${v.value}" is a garbage.`, "write 'dev' before the device name");
      if (v.value.includes(':')) return void ctx.report('notSimulated', v, 'IPv6 neighbours');
      const p = parsePrefix(v.value, false);
      if (!p || p.hasLen) return void ctx.report('ipBadArgument', v, `Error: inet address is expected rather than "${v.value}".`, 'write a dotted IPv4 address');
      dst = { tok: v, addr: p.addr };
    }
  }
  if (!devTok || !dst) {
    ctx.report('ipBadArgument', ctx.argv[i - 1], 'Device and destination are required arguments.', "write 'ip neigh add ADDR lladdr MAC dev DEV'");
    return;
  }
  const dev = lookupDevice(ctx, devTok);
  if (!dev) return;
  const ns = ctx.netns;
  const idx = ns.neighbours.findIndex((n) => n.devId === dev.id && n.addr === dst!.addr);
  const what = `neighbour ${ipv4ToString(dst.addr)} dev ${dev.name}`;
  if (op === 'del') {
    if (idx < 0) return void ctx.report('ipNoSuchObject', dst.tok, 'RTNETLINK answers: No such file or directory', what);
    ns.neighbours.splice(idx, 1);
    return;
  }
  if (op === 'add' && idx >= 0) {
    const d = ctx.report('ipObjectExists', dst.tok, what, "use 'ip neigh replace' to change it");
    const first = ctx.state.statements[ns.neighbours[idx].origin];
    if (first) ctx.relate(d, first.cmd, 'the existing entry');
    return;
  }
  if (op === 'change' && idx < 0) return void ctx.report('ipNoSuchObject', dst.tok, 'RTNETLINK answers: No such file or directory', what);
  if (lladdr === undefined && idx < 0) {
    // arp_constructor: only an address the kernel takes for broadcast gets a link-layer address
    // by itself (ff:ff:ff:ff:ff:ff; every address is "broadcast" while the namespace has no local
    // table yet); any other needs lladdr (verified on this kernel).
    if (addressType(ns, dst.addr) !== 'broadcast') {
      ctx.report('ipInvalidLladdr', dst.tok, 'Error: No link layer address given.');
      return;
    }
    lladdr = 'ff:ff:ff:ff:ff:ff';
  }
  const entry = { devId: dev.id, addr: dst.addr, lladdr: lladdr ?? ns.neighbours[idx].lladdr, state: 'permanent' as const, origin: ctx.origin };
  if (idx >= 0) ns.neighbours[idx] = entry;
  else ns.neighbours.push(entry);
}

// Executor for `ip` (iproute2): global options and the object word, then dispatch to link
// (ip-link.ts), address (ip-addr.ts), route (ip-route.ts), rule (ip-rule.ts) and neighbour
// (ip-neigh.ts). Objects and options outside the simulated set get NS9001 (not simulated),
// never silence. `ip netns add` is the language executor's (lang.ts); pasted `ip -n NS` and
// `ip netns exec NS` prefixes are stripped before this runs (index.ts).
//
// Abbreviations follow iproute2's rule: an object or verb word may be any prefix of the full
// word, the first match in iproute2's own table order wins (`ip a` = address, `ip r` = route,
// `ip l` = link, `ip n` = neighbor, `ip ru` = rule).

import type { ExecContext } from './context';
import { execAddr } from './ip-addr';
import { matches } from './ip-args';
import { execLink } from './ip-link';
import { execNeigh } from './ip-neigh';
import { execRoute } from './ip-route';
import { execRule } from './ip-rule';
import { nearestName, netnsKey } from './names';

/** iproute2's object table (ip/ip.c), in its order. */
const OBJECTS = [
  'address', 'addrlabel', 'maddress', 'route', 'rule', 'neighbor', 'neighbour', 'ntable', 'ntbl', 'link', 'l2tp',
  'fou', 'ila', 'macsec', 'tunnel', 'tuntap', 'tap', 'token', 'tcpmetrics', 'tcp_metrics', 'monitor', 'xfrm',
  'mroute', 'mrule', 'netns', 'netconf', 'vrf', 'sr', 'nexthop', 'mptcp', 'ioam', 'stats', 'help',
];

/** StatementInfo.what per object (`ip route`), built once. */
const OBJECT_WHAT = new Map(OBJECTS.map((o) => [o, `ip ${o}`]));

/** Options that only change how ip prints: accepted, no effect on the state. */
const DISPLAY_OPTIONS = new Set([
  '-s', '-stats', '-statistics', '-d', '-details', '-o', '-oneline', '-r', '-resolve', '-p', '-pretty', '-j', '-json',
  '-c', '-color', '-br', '-brief', '-t', '-timestamp', '-ts', '-tshort', '-a', '-all', '-h', '-human', '-human-readable',
  '-iec', '-N', '-Numeric',
]);

export function execIp(ctx: ExecContext): void {
  runIp(ctx);
  // Words after an early stop (an error or a not-simulated option) still get a role.
  for (let k = 1; k < ctx.argv.length; k++) if (ctx.roleOf(k) === undefined) ctx.role(k, 'value');
}

function runIp(ctx: ExecContext): void {
  const argv = ctx.argv;
  let i = 1;
  while (i < argv.length && argv[i].value.startsWith('-')) {
    const o = argv[i].value;
    ctx.role(i, 'option');
    if (o === '-n' || o === '-netns' || o === '--netns') {
      // `ip -4 -n NS ...`: the namespace option after another option (index.ts strips it when first).
      const nsTok = argv[i + 1];
      if (!nsTok) return void ctx.report('missingNetnsArgument', argv[i], `ip ${o}`);
      ctx.role(i + 1, 'netns');
      const target = ctx.topology.namespaces.get(nsTok.value);
      if (!target) {
        const nearest = nearestName(nsTok.value, ctx.topology.namespaces.keys());
        const d = ctx.report('unknownNetns', nsTok, nsTok.value, nearest);
        d.data = { name: nsTok.value, nearest };
        return;
      }
      ctx.symbol('netns', netnsKey(target.name), nsTok, false);
      ctx.info.netns = target.name;
      i += 2;
      continue;
    }
    if (o === '-4' || DISPLAY_OPTIONS.has(o)) {
      i++;
      continue;
    }
    if (o === '-6') {
      ctx.report('notSimulated', argv[i], "'ip -6' (IPv6 is not simulated)");
      return;
    }
    if (o === '-f' || o === '-family') {
      const fam = argv[i + 1];
      if (!fam) {
        ctx.report('ipBadArgument', argv[i], 'Command line is not complete. Try option "help"', `'${o}' needs a family`);
        return;
      }
      ctx.role(i + 1, 'keyword');
      if (fam.value !== 'inet') {
        ctx.report('notSimulated', fam, `'ip ${o} ${fam.value}' (only IPv4, family inet, is simulated)`);
        return;
      }
      i += 2;
      continue;
    }
    if (o === '-0' || o === '-M' || o === '-B' || o === '-b' || o === '-batch' || o === '-force' || o === '-l' || o === '-loops' || o === '-rc' || o === '-rcvbuf') {
      ctx.report('notSimulated', argv[i], `'ip ${o}'`);
      return;
    }
    ctx.report('ipBadArgument', argv[i], `Option "${o}" is unknown, try "ip -help".`, 'remove it');
    return;
  }
  const objTok = argv[i];
  if (!objTok) {
    ctx.report('ipBadArgument', argv[0], 'Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }', 'name an object: link, address, route, rule or neigh');
    return;
  }
  let obj: string | undefined;
  for (let k = 0; k < OBJECTS.length && obj === undefined; k++) if (matches(objTok.value, OBJECTS[k])) obj = OBJECTS[k];
  ctx.role(i, 'subcommand');
  if (!obj) {
    ctx.report('ipBadArgument', objTok, `Object "${objTok.value}" is unknown, try "ip help".`, 'use link, address, route, rule or neigh');
    return;
  }
  ctx.info.what = OBJECT_WHAT.get(obj)!;
  dispatch(ctx, obj, i);
}

function dispatch(ctx: ExecContext, obj: string, i: number): void {
  const objTok = ctx.argv[i];
  switch (obj) {
    case 'link':
      return execLink(ctx, i + 1);
    case 'address':
      return execAddr(ctx, i + 1);
    case 'route':
      return execRoute(ctx, i + 1);
    case 'rule':
      return execRule(ctx, i + 1);
    case 'neighbor':
    case 'neighbour':
      return execNeigh(ctx, i + 1);
    default:
      ctx.report('notSimulated', objTok, `'ip ${obj}'`);
  }
}

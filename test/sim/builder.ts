// Test-only builder of TopologyConfig objects by hand, so netstack and sim tests do not depend on
// the model. It computes the kernel-installed routes (local/broadcast in table local, the
// connected prefix in main, 127.0.0.0/8 when lo is up) the way the kernel does for devices that
// are up, and parses a small subset of iptables arguments for readable tests. Not a model: no
// validation beyond what tests need.

import {
  AddrConfig, DeviceConfig, FibRuleConfig, KERNEL_ORIGIN, NetnsConfig, ProbeSpec, RouteConfig, RouteType, SocketConfig,
  TopologyConfig, XtChain, XtMatch, XtRule, XtTable, XtTableName, XtTarget, XT_BUILTIN_CHAINS, parseIpv4, prefixMask,
  RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT,
} from '../../core/kernel/config';

export function ip(s: string): number {
  const v = parseIpv4(s);
  if (v === undefined) throw new Error(`bad address ${s}`);
  return v;
}

export function pfx(s: string): { addr: number; len: number } {
  if (s === 'default') return { addr: 0, len: 0 };
  const [a, l] = s.split('/');
  const len = l === undefined ? 32 : Number(l);
  return { addr: (ip(a) & prefixMask(len)) >>> 0, len };
}

export class TopoBuilder {
  private origin = 0;
  private devId = 1;
  readonly topo: TopologyConfig = { namespaces: new Map(), devices: new Map() };
  private userRoutes: RouteConfig[] = [];
  private userRules: { ns: string; r: FibRuleConfig }[] = [];
  readonly probes: ProbeSpec[] = [];

  constructor(names: string[] = ['root']) {
    for (const n of names) this.netns(n);
  }

  nextOrigin(): number {
    return ++this.origin;
  }

  netns(name: string): NetnsConfig {
    let ns = this.topo.namespaces.get(name);
    if (ns) return ns;
    ns = {
      name, devices: new Map(), addresses: [], routes: [], rules: [], neighbours: [], sysctl: new Map(),
      xtables: new Map(), sockets: [], nextIfindex: 1,
    };
    this.topo.namespaces.set(name, ns);
    this.addDev(name, 'lo', 'loopback', false, KERNEL_ORIGIN);
    return ns;
  }

  private addDev(nsName: string, name: string, kind: DeviceConfig['kind'], up: boolean, origin: number): DeviceConfig {
    const ns = this.netns(nsName);
    const id = this.devId++;
    const d: DeviceConfig = {
      id, name, netns: nsName, ifindex: ns.nextIfindex++, kind, up, mtu: kind === 'loopback' ? 65536 : 1500,
      mac: kind === 'loopback' ? '00:00:00:00:00:00' : `02:00:00:00:${(id >> 8).toString(16).padStart(2, '0')}:${(id & 255).toString(16).padStart(2, '0')}`,
      origin,
    };
    ns.devices.set(name, d);
    this.topo.devices.set(id, d);
    return d;
  }

  dev(nsName: string, name: string): DeviceConfig {
    const d = this.netns(nsName).devices.get(name);
    if (!d) throw new Error(`no device ${name} in ${nsName}`);
    return d;
  }

  /** `ip link set lo up` (adds 127.0.0.1/8). */
  loUp(nsName: string): this {
    const lo = this.dev(nsName, 'lo');
    lo.up = true;
    this.netns(nsName).addresses.push({ devId: lo.id, addr: ip('127.0.0.1'), plen: 8, secondary: false, origin: KERNEL_ORIGIN });
    return this;
  }

  /** `ip link add A type veth peer name B netns NSB` in NSA; both ends up unless told otherwise. */
  veth(nsA: string, a: string, nsB: string, b: string, up = true): [DeviceConfig, DeviceConfig] {
    const o = this.nextOrigin();
    const da = this.addDev(nsA, a, 'veth', up, o);
    const db = this.addDev(nsB, b, 'veth', up, o);
    da.peer = db.id;
    db.peer = da.id;
    return [da, db];
  }

  bridge(nsName: string, name: string, up = true): DeviceConfig {
    return this.addDev(nsName, name, 'bridge', up, this.nextOrigin());
  }

  dummy(nsName: string, name: string, up = true): DeviceConfig {
    return this.addDev(nsName, name, 'dummy', up, this.nextOrigin());
  }

  master(nsName: string, port: string, br: string): this {
    this.dev(nsName, port).master = this.dev(nsName, br).id;
    return this;
  }

  up(nsName: string, dev: string, up = true): this {
    this.dev(nsName, dev).up = up;
    return this;
  }

  /** `ip addr add A/P dev D` */
  addr(nsName: string, dev: string, cidr: string): number {
    const o = this.nextOrigin();
    const [a, l] = cidr.split('/');
    const plen = Number(l);
    const d = this.dev(nsName, dev);
    const ns = this.netns(nsName);
    const addr = ip(a);
    const mask = prefixMask(plen);
    const secondary = ns.addresses.some((x) => x.devId === d.id && ((x.addr & mask) >>> 0) === ((addr & mask) >>> 0) && x.plen === plen);
    const ac: AddrConfig = { devId: d.id, addr, plen, secondary, origin: o };
    if (plen < 31) ac.broadcast = ((addr & mask) | (~mask >>> 0)) >>> 0;
    ns.addresses.push(ac);
    return o;
  }

  /**
   * `ip route add ...`: words after "add": `default via 10.0.1.1`, `10.0.2.0/24 dev eth0`,
   * `blackhole 10.9.0.0/16`, `... table 100`, `... metric 5`, `... src A`.
   */
  route(nsName: string, spec: string): number {
    const o = this.nextOrigin();
    const w = spec.trim().split(/\s+/);
    let type: RouteType = 'unicast';
    if (['blackhole', 'unreachable', 'prohibit', 'throw', 'local', 'broadcast', 'unicast'].includes(w[0])) type = w.shift() as RouteType;
    const dst = pfx(w.shift()!);
    const r: RouteConfig = { table: RT_TABLE_MAIN, type, dst, metric: 0, scope: 'universe', proto: 'boot', origin: o };
    (r as { ns?: string }).ns = nsName;
    for (let i = 0; i < w.length; i += 2) {
      const k = w[i], v = w[i + 1];
      if (k === 'via') r.gateway = ip(v);
      else if (k === 'dev') r.devId = this.dev(nsName, v).id;
      else if (k === 'table') r.table = v === 'main' ? RT_TABLE_MAIN : v === 'local' ? RT_TABLE_LOCAL : Number(v);
      else if (k === 'metric') r.metric = Number(v);
      else if (k === 'src') r.prefsrc = ip(v);
      else throw new Error(`route: unknown ${k}`);
    }
    if (!r.gateway && r.devId !== undefined && type === 'unicast') r.scope = 'link';
    if (type === 'local') r.scope = 'host';
    this.userRoutes.push(r);
    return o;
  }

  /** `ip rule add ...`: `from P`, `to P`, `fwmark V[/M]`, `iif D`, `oif D`, `not`, `pref N`, then `lookup T` | `blackhole` | `unreachable` | `prohibit`. */
  rule(nsName: string, spec: string): number {
    const o = this.nextOrigin();
    const w = spec.trim().split(/\s+/);
    const r: FibRuleConfig = { pref: 0, action: { type: 'unreachable' }, origin: o };
    let pref: number | undefined;
    for (let i = 0; i < w.length; i++) {
      const k = w[i];
      if (k === 'from') r.from = pfx(w[++i]);
      else if (k === 'to') r.to = pfx(w[++i]);
      else if (k === 'fwmark') {
        const [v, m] = w[++i].split('/');
        r.fwmark = { value: Number(v), mask: m === undefined ? 0xffffffff : Number(m) };
      } else if (k === 'iif') r.iif = w[++i];
      else if (k === 'oif') r.oif = w[++i];
      else if (k === 'not') r.invert = true;
      else if (k === 'pref' || k === 'priority') pref = Number(w[++i]);
      else if (k === 'lookup' || k === 'table') {
        const t = w[++i];
        r.action = { type: 'lookup', table: t === 'main' ? RT_TABLE_MAIN : t === 'local' ? RT_TABLE_LOCAL : Number(t) };
      } else if (k === 'blackhole' || k === 'unreachable' || k === 'prohibit') r.action = { type: k };
      else throw new Error(`rule: unknown ${k}`);
    }
    const existing = this.userRules.filter((x) => x.ns === nsName).map((x) => x.r.pref);
    r.pref = pref ?? (existing.length ? Math.min(...existing) - 1 : 32765);
    this.userRules.push({ ns: nsName, r });
    return o;
  }

  neigh(nsName: string, addr: string, mac: string, dev: string): this {
    this.netns(nsName).neighbours.push({ devId: this.dev(nsName, dev).id, addr: ip(addr), lladdr: mac, state: 'permanent', origin: this.nextOrigin() });
    return this;
  }

  sysctl(nsName: string, key: string, value: string): number {
    const ns = this.netns(nsName);
    ns.sysctl.set(key, value);
    if (key === 'net.ipv4.ip_forward' || key === 'net.ipv4.conf.all.forwarding') {
      ns.sysctl.set('net.ipv4.ip_forward', value);
      ns.sysctl.set('net.ipv4.conf.all.forwarding', value);
      ns.sysctl.set('net.ipv4.conf.default.forwarding', value);
      for (const d of ns.devices.keys()) ns.sysctl.set(`net.ipv4.conf.${d}.forwarding`, value);
    }
    return this.nextOrigin();
  }

  forwarding(nsName: string): this {
    this.sysctl(nsName, 'net.ipv4.ip_forward', '1');
    return this;
  }

  listen(nsName: string, proto: 'tcp' | 'udp', addrPort: string, jail?: string): number {
    const o = this.nextOrigin();
    const [a, p] = addrPort.split(':');
    const s: SocketConfig = { proto, addr: ip(a), port: Number(p), origin: o };
    if (jail) s.jail = ip(jail);
    this.netns(nsName).sockets.push(s);
    return o;
  }

  private table(nsName: string, name: XtTableName): XtTable {
    const ns = this.netns(nsName);
    let t = ns.xtables.get(name);
    if (!t) {
      t = { name, chains: new Map() };
      for (const h of XT_BUILTIN_CHAINS[name]) t.chains.set(h, { name: h, builtin: true, policy: 'ACCEPT', rules: [], origin: KERNEL_ORIGIN });
      ns.xtables.set(name, t);
    }
    return t;
  }

  /** An iptables command line (without "iptables"): -t, -A/-I/-N/-P, and the common matches and targets. */
  ipt(nsName: string, line: string): number {
    const o = this.nextOrigin();
    const w = tokenize(line);
    let tableName: XtTableName = 'filter';
    const ti = w.indexOf('-t');
    if (ti >= 0) {
      tableName = w[ti + 1] as XtTableName;
      w.splice(ti, 2);
    }
    const t = this.table(nsName, tableName);
    const cmd = w.shift()!;
    const chainName = w.shift()!;
    if (cmd === '-N') {
      t.chains.set(chainName, { name: chainName, builtin: false, rules: [], origin: o });
      return o;
    }
    if (cmd === '-P') {
      t.chains.get(chainName)!.policy = w[0] as 'ACCEPT' | 'DROP';
      t.chains.get(chainName)!.origin = o;
      return o;
    }
    const chain: XtChain | undefined = t.chains.get(chainName);
    if (!chain) throw new Error(`no chain ${chainName}`);
    let pos: number | undefined;
    if (cmd === '-I' && /^\d+$/.test(w[0] ?? '')) pos = Number(w.shift());
    const rule = parseRule(w, o, `-A ${chainName} ${w.join(' ')}`);
    if (cmd === '-A') chain.rules.push(rule);
    else if (cmd === '-I') chain.rules.splice((pos ?? 1) - 1, 0, rule);
    else throw new Error(`ipt: unsupported ${cmd}`);
    return o;
  }

  probe(p: Omit<ProbeSpec, 'origin' | 'name'> & { name?: string }): ProbeSpec {
    const spec: ProbeSpec = { name: p.name ?? `p${this.probes.length + 1}`, ...p, origin: this.nextOrigin() };
    this.probes.push(spec);
    return spec;
  }

  /** Computes kernel routes and rules and returns the topology. */
  build(): TopologyConfig {
    for (const ns of this.topo.namespaces.values()) {
      const routes: RouteConfig[] = [];
      const lo = ns.devices.get('lo');
      if (lo?.up) {
        routes.push({ table: RT_TABLE_LOCAL, type: 'local', dst: pfx('127.0.0.0/8'), devId: lo.id, prefsrc: ip('127.0.0.1'), metric: 0, scope: 'host', proto: 'kernel', origin: KERNEL_ORIGIN });
      }
      for (const a of ns.addresses) {
        const d = this.topo.devices.get(a.devId)!;
        if (!d.up || d.kind === 'loopback') continue;
        routes.push({ table: RT_TABLE_LOCAL, type: 'local', dst: { addr: a.addr, len: 32 }, devId: d.id, prefsrc: a.addr, metric: 0, scope: 'host', proto: 'kernel', origin: a.origin });
        if (a.broadcast !== undefined) {
          routes.push({ table: RT_TABLE_LOCAL, type: 'broadcast', dst: { addr: a.broadcast, len: 32 }, devId: d.id, prefsrc: a.addr, metric: 0, scope: 'link', proto: 'kernel', origin: a.origin });
        }
        if (a.plen < 32 && !a.secondary) {
          routes.push({ table: RT_TABLE_MAIN, type: 'unicast', dst: pfx(`${fmt(a.addr)}/${a.plen}`), devId: d.id, prefsrc: a.addr, metric: 0, scope: 'link', proto: 'kernel', origin: a.origin });
        }
      }
      for (const r of this.userRoutes) if ((r as { ns?: string }).ns === ns.name) routes.push(r);
      ns.routes = routes;
      const rules: FibRuleConfig[] = [
        { pref: 0, action: { type: 'lookup', table: RT_TABLE_LOCAL }, origin: KERNEL_ORIGIN },
        ...this.userRules.filter((x) => x.ns === ns.name).map((x) => x.r),
        { pref: 32766, action: { type: 'lookup', table: RT_TABLE_MAIN }, origin: KERNEL_ORIGIN },
        { pref: 32767, action: { type: 'lookup', table: RT_TABLE_DEFAULT }, origin: KERNEL_ORIGIN },
      ];
      ns.rules = rules.sort((a, b) => a.pref - b.pref);
    }
    // A new top-level object per build: the simulator treats a topology as immutable and caches
    // its compiled kernel per object, so a test that changes the builder must build again.
    return { namespaces: new Map(this.topo.namespaces), devices: new Map(this.topo.devices) };
  }
}

function fmt(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] ?? m[2]);
  return out;
}

const PROTOS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, all: 0 };
const FLAGS: Record<string, number> = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ALL: 63, NONE: 0 };

function ports(s: string): [number, number] {
  const [a, b] = s.split(':');
  return [Number(a), Number(b ?? a)];
}

function markVal(s: string): { value: number; mask: number } {
  const [v, m] = s.split('/');
  return { value: Number(v), mask: m === undefined ? 0xffffffff : Number(m) };
}

function flagBits(s: string): number {
  return s.split(',').reduce((a, f) => a | FLAGS[f], 0);
}

function parseRule(w: string[], origin: number, text: string): XtRule {
  const matches: XtMatch[] = [];
  let target: XtTarget = { kind: 'none' };
  let inv = false;
  for (let i = 0; i < w.length; i++) {
    const k = w[i];
    if (k === '!') {
      inv = true;
      continue;
    }
    const v = w[i + 1];
    switch (k) {
      case '-p': matches.push({ kind: 'proto', proto: PROTOS[v] ?? Number(v), invert: inv }); i++; break;
      case '-s': matches.push({ kind: 'src', prefix: pfx(v), invert: inv }); i++; break;
      case '-d': matches.push({ kind: 'dst', prefix: pfx(v), invert: inv }); i++; break;
      case '-i': matches.push({ kind: 'iif', name: v, invert: inv }); i++; break;
      case '-o': matches.push({ kind: 'oif', name: v, invert: inv }); i++; break;
      case '--sport': matches.push({ kind: 'sport', range: ports(v), invert: inv }); i++; break;
      case '--dport': matches.push({ kind: 'dport', range: ports(v), invert: inv }); i++; break;
      case '--syn': matches.push({ kind: 'tcpflags', mask: 0x17, comp: 0x02, invert: inv }); break;
      case '--tcp-flags': matches.push({ kind: 'tcpflags', mask: flagBits(v), comp: flagBits(w[i + 2]), invert: inv }); i += 2; break;
      case '--icmp-type': {
        const t = v === 'any' ? 255 : v === 'echo-request' ? 8 : v === 'echo-reply' ? 0 : Number(v.split('/')[0]);
        matches.push({ kind: 'icmptype', type: t, code: v.includes('/') ? Number(v.split('/')[1]) : undefined, invert: inv });
        i++;
        break;
      }
      case '-m': i++; break; // module names carry no meaning here
      case '--ctstate': case '--state': matches.push({ kind: 'ctstate', states: v.split(',') as never, invert: inv }); i++; break;
      case '--dports': case '--sports': case '--ports':
        matches.push({ kind: 'multiport', which: k === '--dports' ? 'dport' : k === '--sports' ? 'sport' : 'port', ranges: v.split(',').map(ports), invert: inv });
        i++;
        break;
      case '--mark':
        matches.push({ kind: w.slice(0, i).includes('connmark') ? 'connmark' : 'mark', ...markVal(v), invert: inv } as XtMatch);
        i++;
        break;
      case '--dst-type': matches.push({ kind: 'addrtype', dst: { types: v.split(',') as never, invert: inv }, limitIfaceIn: false, limitIfaceOut: false }); i++; break;
      case '--src-type': matches.push({ kind: 'addrtype', src: { types: v.split(',') as never, invert: inv }, limitIfaceIn: false, limitIfaceOut: false }); i++; break;
      case '--src-range': case '--dst-range': {
        const [lo, hi] = v.split('-').map(ip);
        matches.push({ kind: 'iprange', [k === '--src-range' ? 'src' : 'dst']: { lo, hi, invert: inv } } as XtMatch);
        i++;
        break;
      }
      case '--comment': matches.push({ kind: 'comment', text: v }); i++; break;
      case '-j': case '-g': {
        i++;
        const rest = w.slice(i + 1);
        target = parseTarget(k, v, rest);
        i = w.length;
        break;
      }
      default: throw new Error(`ipt: unknown option ${k}`);
    }
    inv = false;
  }
  return { matches, target, text, origin };
}

function opt(rest: string[], name: string): string | undefined {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
}

function natRange(s: string): { addrLo?: number; addrHi?: number; portLo?: number; portHi?: number } {
  const [a, p] = s.split(':');
  const r: { addrLo?: number; addrHi?: number; portLo?: number; portHi?: number } = {};
  if (a) {
    const [lo, hi] = a.split('-');
    r.addrLo = ip(lo);
    r.addrHi = ip(hi ?? lo);
  }
  if (p) {
    const [lo, hi] = p.split('-');
    r.portLo = Number(lo);
    r.portHi = Number(hi ?? lo);
  }
  return r;
}

function parseTarget(k: string, v: string, rest: string[]): XtTarget {
  if (k === '-g') return { kind: 'goto', chain: v };
  switch (v) {
    case 'ACCEPT': case 'DROP': case 'RETURN': case 'TRACE': case 'NOTRACK': return { kind: v };
    case 'CT': return { kind: 'NOTRACK' };
    case 'REJECT': return { kind: 'REJECT', with: (opt(rest, '--reject-with') ?? 'icmp-port-unreachable') as never };
    case 'LOG': return { kind: 'LOG', prefix: opt(rest, '--log-prefix') };
    case 'MARK': {
      const x = opt(rest, '--set-xmark');
      if (x) return { kind: 'MARK', ...markVal(x) };
      const s = markVal(opt(rest, '--set-mark')!);
      return { kind: 'MARK', value: s.value, mask: (s.mask | s.value) >>> 0 };
    }
    case 'CONNMARK': {
      if (rest.includes('--save-mark')) return { kind: 'CONNMARK', op: 'save', nfmask: 0xffffffff, ctmask: 0xffffffff };
      if (rest.includes('--restore-mark')) return { kind: 'CONNMARK', op: 'restore', nfmask: 0xffffffff, ctmask: 0xffffffff };
      const s = markVal(opt(rest, '--set-mark')!);
      return { kind: 'CONNMARK', op: 'set', value: s.value, mask: (s.mask | s.value) >>> 0 };
    }
    case 'SNAT': return { kind: 'SNAT', to: natRange(opt(rest, '--to-source')!) };
    case 'DNAT': return { kind: 'DNAT', to: natRange(opt(rest, '--to-destination')!) };
    case 'MASQUERADE': { const p = opt(rest, '--to-ports'); return p ? { kind: 'MASQUERADE', ports: ports(p.replace('-', ':')) } : { kind: 'MASQUERADE' }; }
    case 'REDIRECT': { const p = opt(rest, '--to-ports'); return p ? { kind: 'REDIRECT', ports: ports(p.replace('-', ':')) } : { kind: 'REDIRECT' }; }
    default: return { kind: 'jump', chain: v };
  }
}

/** The design's example: client -- router (MASQUERADE, FORWARD DROP + allow 80) -- server. */
export function webTopology(): { b: TopoBuilder; listen80: number; listen22: number; fwdDrop: number } {
  const b = new TopoBuilder(['root', 'router', 'client', 'server']);
  b.forwarding('router');
  b.veth('router', 'c0', 'client', 'eth0');
  b.veth('router', 's0', 'server', 'eth0');
  b.addr('router', 'c0', '10.0.1.1/24');
  b.addr('router', 's0', '10.0.2.1/24');
  b.ipt('router', '-t nat -A POSTROUTING -o s0 -j MASQUERADE');
  const fwdDrop = b.ipt('router', '-P FORWARD DROP');
  b.ipt('router', '-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT');
  b.ipt('router', '-A FORWARD -i c0 -o s0 -p tcp --dport 80 -j ACCEPT');
  b.loUp('client');
  b.addr('client', 'eth0', '10.0.1.2/24');
  b.route('client', 'default via 10.0.1.1 dev eth0');
  b.addr('server', 'eth0', '10.0.2.2/24');
  b.route('server', 'default via 10.0.2.1 dev eth0');
  const listen80 = b.listen('server', 'tcp', '0.0.0.0:80');
  const listen22 = b.listen('server', 'tcp', '10.0.2.2:22', '10.0.2.2');
  return { b, listen80, listen22, fwdDrop };
}

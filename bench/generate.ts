// Generator of a large, realistic topology for the benchmarks: a ring of N namespaces joined by
// veth pairs, each a small router (forwarding on, lo up, addresses, routes, a policy rule, a
// listener) with a firewall of R iptables rules spread over filter INPUT/FORWARD/OUTPUT, two user
// chains, nat PREROUTING/POSTROUTING and mangle PREROUTING. Also writes the same rules in
// iptables-save format (user chains renamed per namespace, as one table must hold them all) for
// `iptables-restore --test`. Deterministic: same options, same text. Owns no timing.

export interface GenerateOptions {
  /** Number of namespaces (default 1000). */
  namespaces?: number;
  /** Lines per namespace block, padded with comments and blank lines (default 100). */
  linesPerNamespace?: number;
}

export interface Generated {
  text: string;
  lines: number;
  namespaces: number;
  /** `iptables -A/-I` lines (rules) in the file. */
  iptablesRules: number;
  /** The same rules as one iptables-save document (tables filter, nat, mangle). */
  iptablesSave: string;
}

/** Rules per namespace: 4 INPUT + 10 tcp_in + 3 FORWARD + 20 fwd_acl + 3 OUTPUT + 4 DNAT + 2 POSTROUTING + 4 mangle. */
export const RULES_PER_NAMESPACE = 50;

/** Lines after the last namespace block (n0 re-opened, one probe). */
const EPILOGUE_LINES = 6;

/** 10.A.B.C for link i: a /30 per link, .1 on the `v` side, .2 on the `u` side. */
function linkAddr(i: number, host: 1 | 2): string {
  return `10.${i >> 6}.${(i & 63) * 4}.${host}`;
}

export function generateTopology(opts: GenerateOptions = {}): Generated {
  const n = opts.namespaces ?? 1000;
  const perNs = opts.linesPerNamespace ?? 100;
  const out: string[] = [];
  const save = {
    filter: [] as string[],
    filterChains: [] as string[],
    nat: [] as string[],
    mangle: [] as string[],
  };
  let rules = 0;
  const protos = ['tcp', 'udp'];
  const services = [22, 25, 53, 80, 110, 123, 143, 443, 465, 587, 993, 995, 1194, 3306, 5432, 6379, 8080, 8443, 9090, 9100];

  for (let i = 0; i < n; i++) {
    const ns = `n${i}`;
    const next = `n${(i + 1) % n}`;
    const prev = (i + n - 1) % n;
    const v = `v${i}`; // toward next
    const u = `u${prev}`; // toward prev (created by the previous namespace's veth)
    const block: string[] = [];
    const rule = (table: 'filter' | 'nat' | 'mangle', args: string): void => {
      block.push(`    iptables ${table === 'filter' ? '' : `-t ${table} `}${args}`);
      const saved = args.replace(/\b(tcp_in|fwd_acl)\b/g, `${ns}_$1`);
      save[table].push(saved);
      rules++;
    };
    block.push(`# Router ${ns}: link ${v} to ${next}, link ${u} from n${prev}.`);
    block.push(`namespace ${ns} {`);
    block.push('    sysctl -w net.ipv4.ip_forward=1');
    block.push('    ip link set lo up');
    block.push(`    ip link add ${v} type veth peer name u${i} netns ${next}`);
    block.push(`    ip addr add ${linkAddr(i, 1)}/30 dev ${v}`);
    block.push(`    ip link set ${v} up`);
    block.push(`    ip addr add 172.16.${(i + 1) >> 8}.${(i + 1) & 255}/32 dev lo`);
    block.push('');
    block.push('    # Routes: the next hops of the ring; far subnets through the next router.');
    // u{prev} exists once n{prev} has run: for n0 that is the last block, so n0 sets it up there.
    const uReady = i > 0;
    if (uReady) {
      block.push(`    ip addr add ${linkAddr(prev, 2)}/30 dev ${u}`);
      block.push(`    ip link set ${u} up`);
      block.push(`    ip route add default via ${linkAddr(prev, 1)} dev ${u}`);
    }
    for (let k = 0; k < 6; k++) block.push(`    ip route add 10.${100 + ((i + k) % 100)}.${k}.0/24 via ${linkAddr(i, 2)} dev ${v} metric ${10 + k}`);
    const moreRoutesAt = block.length;
    block.push(`    ip route add 192.168.${i & 255}.0/24 via ${linkAddr(i, 2)} dev ${v} table 100`);
    block.push('    ip rule add fwmark 1 lookup 100 pref 1000');
    block.push('    listen tcp 0.0.0.0:22');
    block.push('');
    block.push('    # Filter: stateful, default drop on FORWARD.');
    block.push('    iptables -N tcp_in');
    block.push('    iptables -N fwd_acl');
    block.push('    iptables -P FORWARD DROP');
    rule('filter', '-A INPUT -i lo -j ACCEPT');
    rule('filter', '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT');
    rule('filter', '-A INPUT -p icmp --icmp-type echo-request -j ACCEPT');
    rule('filter', '-A INPUT -p tcp -j tcp_in');
    for (let k = 0; k < 10; k++) {
      rule('filter', `-A tcp_in -s 10.${(i + k) % 16}.${(k * 4) % 256}.0/24 -p tcp --dport ${services[(i + k) % services.length]} -j ACCEPT`);
    }
    rule('filter', '-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT');
    // (n0's u link appears only when the last namespace runs: iptables accepts the name before.)
    rule('filter', `-A FORWARD -i ${u} -o ${v} -j fwd_acl`);
    rule('filter', `-A FORWARD -i ${v} -o ${u} -j fwd_acl`);
    for (let k = 0; k < 20; k++) {
      const p = protos[(i + k) % 2];
      const port = services[(i * 7 + k) % services.length];
      if (k === 19) rule('filter', `-A fwd_acl -p tcp -j REJECT --reject-with tcp-reset`);
      else if (k % 5 === 4) rule('filter', `-A fwd_acl -p ${p} -m multiport --dports ${port},${port + 1000} -d 10.${100 + ((i + k) % 100)}.0.0/16 -j ACCEPT`);
      else rule('filter', `-A fwd_acl -p ${p} -s 10.${(i + k) % 16}.0.0/16 -d 10.${100 + ((i + k) % 100)}.${k}.0/24 --dport ${port} -j ACCEPT`);
    }
    rule('filter', '-A OUTPUT -o lo -j ACCEPT');
    rule('filter', '-A OUTPUT -p udp --dport 53 -j ACCEPT');
    rule('filter', `-A OUTPUT -d ${linkAddr(i, 2)} -p tcp --dport 22 -j ACCEPT`);
    block.push('');
    block.push('    # NAT: a few port forwards to the next router, masquerade toward it.');
    for (let k = 0; k < 4; k++) {
      rule('nat', `-A PREROUTING -p tcp --dport ${8000 + k} -j DNAT --to-destination ${linkAddr(i, 2)}:${services[k + 3]}`);
    }
    rule('nat', `-A POSTROUTING -s 172.16.0.0/16 -o ${v} -j SNAT --to-source ${linkAddr(i, 1)}`);
    rule('nat', `-A POSTROUTING -o ${v} -j MASQUERADE`);
    block.push('');
    block.push('    # Mangle: mark traffic for the policy route.');
    rule('mangle', '-A PREROUTING -p tcp --dport 443 -j MARK --set-mark 1');
    rule('mangle', '-A PREROUTING -p udp --dport 443 -j MARK --set-mark 1');
    rule('mangle', `-A PREROUTING -s 10.${i % 16}.0.0/16 -p tcp --dport 25 -j MARK --set-mark 2`);
    rule('mangle', '-A PREROUTING -m mark --mark 2 -j ACCEPT');
    save.filterChains.push(`:${ns}_tcp_in - [0:0]`, `:${ns}_fwd_acl - [0:0]`);
    block.push('}');
    // Pad to the line budget with more routes (different prefixes), as a real router has.
    const missing = perNs - block.length - (i === n - 1 ? EPILOGUE_LINES : 0);
    const extra: string[] = [];
    for (let k = 6; k < 6 + missing; k++) {
      extra.push(`    ip route add 10.${100 + ((i + k) % 100)}.${k}.0/24 via ${linkAddr(i, 2)} dev ${v} metric ${10 + k}`);
    }
    block.splice(moreRoutesAt, 0, ...extra);
    for (const l of block) out.push(l);
  }
  // n0's link from the last namespace exists only now: set it up (file order is execution order).
  const last = n - 1;
  out.push('namespace n0 {');
  out.push(`    ip addr add ${linkAddr(last, 2)}/30 dev u${last}`);
  out.push(`    ip link set u${last} up`);
  out.push(`    ip route add default via ${linkAddr(last, 1)} dev u${last}`);
  out.push('}');
  out.push(`probe ring from n0 tcp ${linkAddr(0, 2)}:22 expect delivered in n1`);
  const text = out.join('\n') + '\n';
  const iptablesSave =
    '*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n' +
    save.mangle.join('\n') + '\nCOMMIT\n' +
    '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n' +
    save.nat.join('\n') + '\nCOMMIT\n' +
    '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n' + save.filterChains.join('\n') + '\n' +
    save.filter.join('\n') + '\nCOMMIT\n';
  return { text, lines: out.length, namespaces: n, iptablesRules: rules, iptablesSave };
}

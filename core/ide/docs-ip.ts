// Short help and vocabulary for `ip` (iproute2) objects and their subcommands, and for the
// language's own statements (namespace, jail, listen, probe) and probe outcomes. Written for this
// project in its own words. Used by completion and hover; no logic here.

export interface WordDoc {
  name: string;
  doc: string;
}

export const TOP_LEVEL: readonly WordDoc[] = [
  { name: 'ip', doc: 'iproute2: devices (link), addresses (addr), routes (route), policy rules (rule), neighbours (neigh), namespaces (netns).' },
  { name: 'iptables', doc: 'Packet filter and NAT rules (nf_tables backend): tables, chains, rules.' },
  { name: 'sysctl', doc: 'Read or write a kernel parameter of this namespace (`sysctl -w KEY=VALUE`).' },
  { name: 'listen', doc: 'A process holding a socket: `listen tcp|udp ADDR:PORT` (TCP listens, UDP binds).' },
  { name: 'probe', doc: 'A packet to trace and what it should do: `probe NAME from NS tcp|udp|icmp DST[:PORT] [expect OUTCOME [in NS]]`.' },
  { name: 'namespace', doc: 'A block of commands running in network namespace NAME: `namespace NAME { ... }`. The namespace exists from the start of the file.' },
  { name: 'jail', doc: 'Processes confined by the bsdjail LSM to one address: `jail ADDR { listen ... }`.' },
];

export interface IpObjectDoc {
  name: string;
  aliases: readonly string[];
  doc: string;
  subcommands: readonly WordDoc[];
  /** Keywords that may follow the subcommand. */
  keywords: readonly WordDoc[];
}

export const IP_OBJECTS: readonly IpObjectDoc[] = [
  {
    name: 'link', aliases: ['l', 'li', 'lin'], doc: 'Network devices.',
    subcommands: [
      { name: 'add', doc: 'Create a device: `ip link add NAME type veth|bridge|dummy ...`.' },
      { name: 'set', doc: 'Change a device: up, down, master BR, nomaster, netns NS, mtu N, address MAC.' },
      { name: 'del', doc: 'Delete a device (a veth takes its peer with it).' },
      { name: 'delete', doc: 'Delete a device (a veth takes its peer with it).' },
    ],
    keywords: [
      { name: 'type', doc: 'Device type: veth (a pair of linked devices), bridge, dummy.' },
      { name: 'veth', doc: 'A pair of devices: a frame sent on one arrives on the other.' },
      { name: 'bridge', doc: 'A software switch; ports join it with `master`.' },
      { name: 'dummy', doc: 'A device that drops everything it sends; useful to own addresses.' },
      { name: 'peer', doc: 'veth: the other end (`peer name PEER [netns NS]`).' },
      { name: 'name', doc: 'The name of the device (at most 15 characters).' },
      { name: 'netns', doc: 'Put the device in another namespace.' },
      { name: 'up', doc: 'Bring the device administratively up.' },
      { name: 'down', doc: 'Bring the device administratively down.' },
      { name: 'master', doc: 'Enslave the device to a bridge.' },
      { name: 'nomaster', doc: 'Remove the device from its bridge.' },
      { name: 'mtu', doc: 'Maximum transmission unit in bytes.' },
      { name: 'address', doc: 'Link-layer (MAC) address.' },
      { name: 'dev', doc: 'The device to act on.' },
    ],
  },
  {
    name: 'addr', aliases: ['a', 'address'], doc: 'IPv4 addresses of devices.',
    subcommands: [
      { name: 'add', doc: 'Assign ADDR/PLEN to a device; the kernel adds the local and prefix routes when the device is up.' },
      { name: 'del', doc: 'Remove an address from a device.' },
    ],
    keywords: [
      { name: 'dev', doc: 'The device that owns the address.' },
      { name: 'brd', doc: 'Broadcast address (`+` derives it from the prefix).' },
    ],
  },
  {
    name: 'route', aliases: ['r', 'ro', 'rou'], doc: 'Routes of a routing table.',
    subcommands: [
      { name: 'add', doc: 'Add a route; fails with "File exists" if the same destination, metric and table exists.' },
      { name: 'replace', doc: 'Add a route or replace the existing one.' },
      { name: 'del', doc: 'Delete a route.' },
    ],
    keywords: [
      { name: 'default', doc: 'The prefix 0.0.0.0/0.' },
      { name: 'via', doc: 'Gateway: must be reachable on a directly connected prefix.' },
      { name: 'dev', doc: 'Output device.' },
      { name: 'src', doc: 'Preferred source address for packets this namespace originates.' },
      { name: 'metric', doc: 'Priority among routes to the same prefix (lower wins).' },
      { name: 'table', doc: 'Routing table: main (default), local, or a number.' },
      { name: 'onlink', doc: 'Treat the gateway as directly reachable on the device.' },
      { name: 'blackhole', doc: 'Route type: silently drop.' },
      { name: 'unreachable', doc: 'Route type: answer host unreachable.' },
      { name: 'prohibit', doc: 'Route type: answer administratively prohibited.' },
      { name: 'throw', doc: 'Route type: continue with the next policy rule.' },
    ],
  },
  {
    name: 'rule', aliases: ['ru'], doc: 'Policy routing rules: which table a packet looks up.',
    subcommands: [
      { name: 'add', doc: 'Add a policy rule.' },
      { name: 'del', doc: 'Delete a policy rule.' },
    ],
    keywords: [
      { name: 'from', doc: 'Match the source prefix.' },
      { name: 'to', doc: 'Match the destination prefix.' },
      { name: 'fwmark', doc: 'Match the packet mark (MARK[/MASK]).' },
      { name: 'iif', doc: 'Match the input device.' },
      { name: 'oif', doc: 'Match the output device (bound sockets).' },
      { name: 'pref', doc: 'Priority of the rule (lower is consulted first).' },
      { name: 'lookup', doc: 'Consult this routing table.' },
      { name: 'table', doc: 'Consult this routing table.' },
      { name: 'blackhole', doc: 'Drop the packet.' },
      { name: 'unreachable', doc: 'Answer unreachable.' },
      { name: 'prohibit', doc: 'Answer prohibited.' },
      { name: 'not', doc: 'Invert the selector.' },
    ],
  },
  {
    name: 'neigh', aliases: ['n', 'neighbor', 'neighbour'], doc: 'The neighbour (ARP) table.',
    subcommands: [
      { name: 'add', doc: 'Add a permanent neighbour entry: `ip neigh add ADDR lladdr MAC dev DEV`.' },
      { name: 'del', doc: 'Delete a neighbour entry.' },
    ],
    keywords: [
      { name: 'lladdr', doc: 'The link-layer (MAC) address.' },
      { name: 'dev', doc: 'The device the neighbour is on.' },
      { name: 'nud', doc: 'Neighbour state (permanent).' },
    ],
  },
  {
    name: 'netns', aliases: [], doc: 'Network namespaces.',
    subcommands: [
      { name: 'add', doc: 'Create a namespace (it exists from the start of the file).' },
      { name: 'exec', doc: 'Run a command in a namespace: `ip netns exec NS CMD ...`.' },
    ],
    keywords: [],
  },
];

export function ipObject(word: string): IpObjectDoc | undefined {
  return IP_OBJECTS.find((o) => o.name === word || o.aliases.includes(word));
}

export const PROBE_KEYWORDS: readonly WordDoc[] = [
  { name: 'from', doc: 'The namespace of the sending process.' },
  { name: 'on', doc: 'Inject a frame arriving on a device from outside: `on NS DEV`.' },
  { name: 'jail', doc: 'The sending process is jailed to this address.' },
  { name: 'tcp', doc: 'A TCP connect (a SYN).' },
  { name: 'udp', doc: 'One UDP datagram.' },
  { name: 'icmp', doc: 'An ICMP echo request.' },
  { name: 'sport', doc: 'Source port.' },
  { name: 'src', doc: 'Source address (otherwise the route\'s preferred source).' },
  { name: 'ttl', doc: 'IP time to live.' },
  { name: 'mark', doc: 'Packet mark (skb->mark) of the sending socket.' },
  { name: 'expect', doc: 'The outcome the probe should have.' },
  { name: 'in', doc: 'The namespace where the outcome should happen.' },
];

export const OUTCOMES: readonly WordDoc[] = [
  { name: 'delivered', doc: 'Reached a socket; for TCP the SYN-ACK came back, for ICMP the echo reply.' },
  { name: 'refused', doc: 'A RST or ICMP port unreachable came back (ECONNREFUSED).' },
  { name: 'unreachable', doc: 'ICMP net/host/admin unreachable came back, or the local route lookup failed (ENETUNREACH, EHOSTUNREACH).' },
  { name: 'denied', doc: 'The sender\'s own stack refused with EPERM (OUTPUT DROP, or the jail).' },
  { name: 'ttl-exceeded', doc: 'A router answered time exceeded.' },
  { name: 'dropped', doc: 'Silently lost; the trace says where and why.' },
];

export const LISTEN_PROTOS: readonly WordDoc[] = [
  { name: 'tcp', doc: 'A listening TCP socket.' },
  { name: 'udp', doc: 'A bound UDP socket.' },
];

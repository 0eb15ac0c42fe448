// Short man-page style help for iptables: the tables, the command options, the match modules and
// their options, and the targets with their options, as far as this project simulates them.
// Written for this project in its own words. Used by completion and hover; no logic here.

export interface OptionDoc {
  /** The option as typed (`-A`, `--dport`). */
  name: string;
  /** The long or short twin, if any (`--append` for `-A`). */
  alias?: string;
  /** Argument placeholder; undefined for a flag. */
  arg?: string;
  doc: string;
}

export const XT_TABLES: ReadonlyArray<{ name: string; doc: string }> = [
  { name: 'filter', doc: 'The default table: decides whether packets pass (chains INPUT, FORWARD, OUTPUT).' },
  { name: 'nat', doc: 'Address translation, consulted for the first packet of each connection only (PREROUTING, INPUT, OUTPUT, POSTROUTING).' },
  { name: 'mangle', doc: 'Packet alteration such as marks, at every hook.' },
  { name: 'raw', doc: 'Runs before connection tracking (PREROUTING, OUTPUT); used to exempt packets with NOTRACK.' },
  { name: 'security', doc: 'Mandatory access control marks (INPUT, FORWARD, OUTPUT).' },
];

/** Commands of iptables (exactly one per line). */
export const XT_COMMANDS: readonly OptionDoc[] = [
  { name: '-A', alias: '--append', arg: 'CHAIN', doc: 'Append a rule at the end of CHAIN.' },
  { name: '-I', alias: '--insert', arg: 'CHAIN [N]', doc: 'Insert a rule at position N of CHAIN (1 = first, the default).' },
  { name: '-D', alias: '--delete', arg: 'CHAIN RULE|N', doc: 'Delete the rule that matches the given specification, or rule number N.' },
  { name: '-R', alias: '--replace', arg: 'CHAIN N', doc: 'Replace rule number N of CHAIN.' },
  { name: '-N', alias: '--new-chain', arg: 'CHAIN', doc: 'Create a user-defined chain. It is only reached through -j or -g from another chain.' },
  { name: '-X', alias: '--delete-chain', arg: '[CHAIN]', doc: 'Delete an empty user-defined chain that no rule references.' },
  { name: '-F', alias: '--flush', arg: '[CHAIN]', doc: 'Delete every rule of CHAIN (or of every chain of the table).' },
  { name: '-P', alias: '--policy', arg: 'CHAIN TARGET', doc: 'Set the policy of a built-in chain to ACCEPT or DROP: what happens to a packet no rule decided.' },
];

/** Rule options common to all rules. */
export const XT_RULE_OPTIONS: readonly OptionDoc[] = [
  { name: '-t', alias: '--table', arg: 'TABLE', doc: 'The table to operate on (filter when omitted).' },
  { name: '-p', alias: '--protocol', arg: 'PROTO', doc: 'Match the IP protocol: tcp, udp, icmp or all. Also loads the protocol\'s match options (--dport, --icmp-type).' },
  { name: '-s', alias: '--source', arg: 'ADDR[/LEN]', doc: 'Match the source address or prefix.' },
  { name: '-d', alias: '--destination', arg: 'ADDR[/LEN]', doc: 'Match the destination address or prefix.' },
  { name: '-i', alias: '--in-interface', arg: 'DEV', doc: 'Match the device the packet arrived on. A trailing + matches every name with that prefix. Only valid in PREROUTING, INPUT and FORWARD.' },
  { name: '-o', alias: '--out-interface', arg: 'DEV', doc: 'Match the device the packet leaves by. A trailing + matches every name with that prefix. Only valid in FORWARD, OUTPUT and POSTROUTING.' },
  { name: '-j', alias: '--jump', arg: 'TARGET', doc: 'What to do with a matching packet: a verdict (ACCEPT, DROP), an extension target or a user chain to jump to (coming back on RETURN).' },
  { name: '-g', alias: '--goto', arg: 'CHAIN', doc: 'Continue in a user chain without coming back: a RETURN there returns to the chain that called this one.' },
  { name: '-m', alias: '--match', arg: 'MODULE', doc: 'Load a match module, which brings its own options.' },
  { name: '!', doc: 'Invert the option that follows.' },
];

export interface ModuleDoc {
  name: string;
  doc: string;
  options: readonly OptionDoc[];
}

/** Match modules (`-m NAME`) and implicit protocol matches (`-p tcp`). */
export const XT_MATCHES: readonly ModuleDoc[] = [
  {
    name: 'tcp', doc: 'TCP header fields (loaded by -p tcp).',
    options: [
      { name: '--sport', alias: '--source-port', arg: 'PORT[:PORT]', doc: 'Match the TCP source port or range.' },
      { name: '--dport', alias: '--destination-port', arg: 'PORT[:PORT]', doc: 'Match the TCP destination port or range.' },
      { name: '--syn', doc: 'Match only connection-opening segments: SYN set, ACK, RST and FIN clear.' },
      { name: '--tcp-flags', arg: 'MASK COMP', doc: 'Match when, of the flags in MASK, exactly those in COMP are set (for example SYN,ACK SYN).' },
    ],
  },
  {
    name: 'udp', doc: 'UDP header fields (loaded by -p udp).',
    options: [
      { name: '--sport', alias: '--source-port', arg: 'PORT[:PORT]', doc: 'Match the UDP source port or range.' },
      { name: '--dport', alias: '--destination-port', arg: 'PORT[:PORT]', doc: 'Match the UDP destination port or range.' },
    ],
  },
  {
    name: 'icmp', doc: 'ICMP type and code (loaded by -p icmp).',
    options: [{ name: '--icmp-type', arg: 'TYPE[/CODE]', doc: 'Match the ICMP type by name (echo-request, echo-reply, destination-unreachable ...) or number, optionally with a code.' }],
  },
  {
    name: 'conntrack', doc: 'Connection tracking state of the packet.',
    options: [{ name: '--ctstate', arg: 'STATES', doc: 'Comma-separated states: NEW (first packet), ESTABLISHED (seen both ways), RELATED (an ICMP error or expected connection), INVALID, UNTRACKED, SNAT, DNAT.' }],
  },
  {
    name: 'state', doc: 'Older name for the conntrack state match.',
    options: [{ name: '--state', arg: 'STATES', doc: 'Comma-separated states: NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED.' }],
  },
  {
    name: 'multiport', doc: 'Up to 15 ports or ranges in one rule (needs -p tcp or -p udp).',
    options: [
      { name: '--dports', alias: '--destination-ports', arg: 'PORTS', doc: 'Comma-separated destination ports or ranges.' },
      { name: '--sports', alias: '--source-ports', arg: 'PORTS', doc: 'Comma-separated source ports or ranges.' },
      { name: '--ports', arg: 'PORTS', doc: 'Match when either the source or the destination port is listed.' },
    ],
  },
  {
    name: 'mark', doc: 'The packet mark (skb->mark), set by MARK or by `probe ... mark N`.',
    options: [{ name: '--mark', arg: 'VALUE[/MASK]', doc: 'Match when mark & MASK equals VALUE.' }],
  },
  {
    name: 'connmark', doc: 'The mark of the connection the packet belongs to.',
    options: [{ name: '--mark', arg: 'VALUE[/MASK]', doc: 'Match when the connection mark & MASK equals VALUE.' }],
  },
  {
    name: 'addrtype', doc: 'The route type of the source or destination address (LOCAL, UNICAST, BROADCAST ...).',
    options: [
      { name: '--src-type', arg: 'TYPES', doc: 'Comma-separated types the source address must have.' },
      { name: '--dst-type', arg: 'TYPES', doc: 'Comma-separated types the destination address must have (LOCAL = owned by this namespace).' },
      { name: '--limit-iface-in', doc: 'Look the type up on the input device only.' },
      { name: '--limit-iface-out', doc: 'Look the type up on the output device only.' },
    ],
  },
  {
    name: 'iprange', doc: 'Address ranges that are not prefixes.',
    options: [
      { name: '--src-range', arg: 'FROM-TO', doc: 'Match a source address in the inclusive range.' },
      { name: '--dst-range', arg: 'FROM-TO', doc: 'Match a destination address in the inclusive range.' },
    ],
  },
  {
    name: 'comment', doc: 'A comment stored with the rule; matches every packet.',
    options: [{ name: '--comment', arg: 'TEXT', doc: 'Up to 255 characters of text shown by iptables -L.' }],
  },
];

export interface TargetDoc {
  name: string;
  doc: string;
  /** Tables it is valid in (undefined = every table). */
  tables?: readonly string[];
  options: readonly OptionDoc[];
}

export const XT_TARGETS: readonly TargetDoc[] = [
  { name: 'ACCEPT', doc: 'Stop traversing this table and let the packet continue to the next hook.', options: [] },
  { name: 'DROP', doc: 'Discard the packet silently; the sender sees nothing (a timeout).', options: [] },
  { name: 'RETURN', doc: 'Leave this chain: back to the calling chain, or the policy for a built-in chain.', options: [] },
  {
    name: 'REJECT', doc: 'Discard the packet and answer with an ICMP error (port unreachable by default) or a TCP reset.',
    tables: ['filter'],
    options: [{ name: '--reject-with', arg: 'TYPE', doc: 'icmp-port-unreachable (default), icmp-net-unreachable, icmp-host-unreachable, icmp-proto-unreachable, icmp-net-prohibited, icmp-host-prohibited, icmp-admin-prohibited, tcp-reset.' }],
  },
  {
    name: 'LOG', doc: 'Write the packet headers to the kernel log and continue with the next rule.',
    options: [
      { name: '--log-prefix', arg: 'TEXT', doc: 'Text put in front of each log line (up to 29 characters).' },
      { name: '--log-level', arg: 'LEVEL', doc: 'Syslog level of the line.' },
    ],
  },
  { name: 'TRACE', doc: 'Mark the packet so every rule it meets is logged (raw table only).', tables: ['raw'], options: [] },
  {
    name: 'MARK', doc: 'Set the packet mark (skb->mark) and continue.',
    options: [
      { name: '--set-mark', arg: 'VALUE[/MASK]', doc: 'Clear the bits of MASK, then set VALUE.' },
      { name: '--set-xmark', arg: 'VALUE[/MASK]', doc: 'Clear the bits of MASK, then XOR with VALUE.' },
      { name: '--and-mark', arg: 'BITS', doc: 'AND the mark with BITS.' },
      { name: '--or-mark', arg: 'BITS', doc: 'OR the mark with BITS.' },
      { name: '--xor-mark', arg: 'BITS', doc: 'XOR the mark with BITS.' },
    ],
  },
  {
    name: 'CONNMARK', doc: 'Set, save or restore the connection mark.',
    options: [
      { name: '--set-mark', arg: 'VALUE[/MASK]', doc: 'Set the connection mark.' },
      { name: '--save-mark', doc: 'Copy the packet mark to the connection mark.' },
      { name: '--restore-mark', doc: 'Copy the connection mark to the packet mark.' },
    ],
  },
  {
    name: 'SNAT', doc: 'Rewrite the source address of the connection (nat POSTROUTING or INPUT).',
    tables: ['nat'],
    options: [{ name: '--to-source', alias: '--to', arg: 'ADDR[-ADDR][:PORT[-PORT]]', doc: 'The new source address (and port range).' }],
  },
  {
    name: 'DNAT', doc: 'Rewrite the destination address of the connection (nat PREROUTING or OUTPUT).',
    tables: ['nat'],
    options: [{ name: '--to-destination', alias: '--to', arg: 'ADDR[-ADDR][:PORT[-PORT]]', doc: 'The new destination address (and port range).' }],
  },
  {
    name: 'MASQUERADE', doc: 'SNAT to the address of the outgoing device, chosen at the time the connection starts (nat POSTROUTING).',
    tables: ['nat'],
    options: [{ name: '--to-ports', arg: 'PORT[-PORT]', doc: 'Source port range to use (needs -p tcp or udp).' }],
  },
  {
    name: 'REDIRECT', doc: 'DNAT to this namespace itself: the primary address of the incoming device, or 127.0.0.1 for local traffic.',
    tables: ['nat'],
    options: [{ name: '--to-ports', arg: 'PORT[-PORT]', doc: 'The local port to redirect to.' }],
  },
  { name: 'CT', doc: 'Connection tracking settings (raw table); --notrack exempts the packet from tracking.', tables: ['raw'], options: [{ name: '--notrack', doc: 'Do not track this packet.' }] },
  { name: 'NOTRACK', doc: 'Do not track this packet (raw table).', tables: ['raw'], options: [] },
];

export const XT_BUILTIN_CHAINS_BY_TABLE: Readonly<Record<string, readonly string[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export const XT_CHAIN_DOCS: Readonly<Record<string, string>> = {
  PREROUTING: 'Every packet arriving on a device, before the routing decision.',
  INPUT: 'Packets routed to this namespace itself (a local address).',
  FORWARD: 'Packets routed through this namespace to another host (needs ip_forward=1).',
  OUTPUT: 'Packets created by local processes, after their route lookup.',
  POSTROUTING: 'Every packet about to leave by a device, after routing.',
};

/** Finds the doc of an option typed in an iptables line (command, rule, match or target option). */
export function findIptablesOption(word: string): { doc: OptionDoc; where: string } | undefined {
  const same = (o: OptionDoc) => o.name === word || o.alias === word;
  for (const o of XT_COMMANDS) if (same(o)) return { doc: o, where: 'command' };
  for (const o of XT_RULE_OPTIONS) if (same(o)) return { doc: o, where: 'rule' };
  for (const m of XT_MATCHES) for (const o of m.options) if (same(o)) return { doc: o, where: `match ${m.name}` };
  for (const t of XT_TARGETS) for (const o of t.options) if (same(o)) return { doc: o, where: `target ${t.name}` };
  return undefined;
}

// Source of the TextMate grammar for .netns topology files: readable regexes (String.raw) that
// `node scripts/grammar/build.mjs` writes to syntaxes/netns.tmLanguage.json (the file VS Code
// loads). Owns colouring only: it does not validate (the language server does) and it follows
// the lexer's word rules (core/syntax/lexer.ts): words end at whitespace, `{` or `}`; `#` starts
// a comment only at the start of a word; quotes group; a backslash at the end of a line continues
// the statement. Test: test/grammar/*.test.netns (vscode-tmgrammar-test) and grammar.test.ts.

const r = String.raw;

/** A word boundary on the left in the lexer's sense (start of line, whitespace, brace). */
const L = r`(?<=^|[\s{}])`;
/** The end of a word: whitespace, brace, end of line. */
const R = r`(?=[\s{}]|$)`;
/** One bare word (no quotes, no braces, no comment start). */
const WORD = r`[^\s{}#"'][^\s{}"']*`;
/**
 * A command region ends at the end of a line not continued by a backslash, or at a `}`.
 * vscode-textmate feeds lines with their `\n`, and `$` also matches after it: both are excluded.
 */
const END = r`(?<!\\|\\\n)$|(?=\})`;

const words = (list) => list.join('|');

const IP_OBJECTS = words(['link', 'addr', 'address', 'route', 'rule', 'neigh', 'neighbor', 'neighbour', 'netns',
  'maddr', 'maddress', 'tunnel', 'tuntap', 'nexthop', 'vrf', 'monitor', 'mroute', 'ntable', 'xfrm', 'token', 'stats']);
const IP_VERBS = words(['add', 'del', 'delete', 'set', 'change', 'replace', 'append', 'prepend', 'show', 'list',
  'lst', 'flush', 'get', 'save', 'restore', 'exec', 'identify', 'pids', 'attach', 'test']);
const IP_KEYWORDS = words(['dev', 'via', 'src', 'metric', 'table', 'lookup', 'from', 'to', 'pref', 'preference',
  'priority', 'fwmark', 'lladdr', 'master', 'nomaster', 'mtu', 'address', 'type', 'peer', 'name', 'proto', 'scope',
  'iif', 'oif', 'iifname', 'oifname', 'tos', 'dsfield', 'nexthop', 'weight', 'onlink', 'broadcast', 'brd', 'label',
  'alias', 'txqueuelen', 'qlen', 'nud', 'goto', 'realms', 'uidrange', 'ipproto', 'sport', 'dport', 'suppress_prefixlength',
  'suppress_ifgroup', 'not', 'link', 'index', 'group', 'vrf', 'noprefixroute', 'valid_lft', 'preferred_lft', 'arp',
  'multicast', 'promisc', 'allmulticast']);
const ROUTE_TYPES = words(['blackhole', 'unreachable', 'prohibit', 'throw', 'unicast', 'local', 'broadcast', 'anycast',
  'multicast', 'nat']);
const LINK_KINDS = words(['veth', 'bridge', 'dummy', 'vlan', 'macvlan', 'macvtap', 'ipvlan', 'vxlan', 'gre', 'gretap',
  'ipip', 'sit', 'bond', 'team', 'vrf', 'ifb', 'wireguard', 'geneve', 'netkit', 'nlmon', 'veth']);
const XT_TABLES = words(['filter', 'nat', 'mangle', 'raw', 'security']);
const XT_CHAINS = words(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);
const XT_TARGETS = words(['ACCEPT', 'DROP', 'REJECT', 'RETURN', 'QUEUE', 'NFQUEUE', 'LOG', 'NFLOG', 'ULOG', 'MARK',
  'CONNMARK', 'SNAT', 'DNAT', 'MASQUERADE', 'REDIRECT', 'NETMAP', 'TRACE', 'CT', 'NOTRACK', 'TCPMSS', 'TOS', 'DSCP',
  'TTL', 'CLASSIFY', 'TPROXY', 'AUDIT', 'CHECKSUM', 'SET', 'TEE']);
const CT_STATES = words(['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED', 'SNAT', 'DNAT']);
const PROTOCOLS = words(['tcp', 'udp', 'icmp', 'udplite', 'sctp', 'dccp', 'esp', 'ah', 'gre', 'all', 'ipv6-icmp', 'icmpv6']);
const OUTCOMES = words(['delivered', 'refused', 'unreachable', 'denied', 'ttl-exceeded', 'dropped']);
const PROBE_KEYWORDS = words(['from', 'on', 'jail', 'sport', 'src', 'ttl', 'mark', 'expect', 'in', 'dport', 'len', 'flags']);

/** Patterns shared by every command: comments, strings, continuations, addresses, numbers, options. */
const argument = {
  patterns: [
    { include: '#comment' },
    { include: '#string' },
    { include: '#continuation' },
    { include: '#negation' },
    { include: '#mac' },
    { include: '#ipv4' },
    { include: '#number' },
    { include: '#option' },
  ],
};

/** A command whose tool word is `word`, coloured by `patterns` then the shared arguments. */
function command(name, word, patterns) {
  return {
    name: `meta.command.${name}.netns`,
    begin: r`(?:^|\G|(?<=[{}]))\s*(${word})${R}`,
    beginCaptures: { 1: { name: `support.function.command.${name}.netns` } },
    end: END,
    patterns: [...patterns, { include: '#argument' }],
  };
}

const grammar = {
  $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
  name: 'Netns topology',
  scopeName: 'source.netns',
  fileTypes: ['netns'],
  patterns: [{ include: '#comment' }, { include: '#block' }, { include: '#commands' }, { include: '#brace' }],
  repository: {
    comment: {
      // `#` starts a comment only at the start of a word, as in the shell (`a#b` is one word).
      match: r`(?:^|(?<=[\s{}]))(#).*$`,
      name: 'comment.line.number-sign.netns',
      captures: { 1: { name: 'punctuation.definition.comment.netns' } },
    },
    string: {
      patterns: [
        {
          name: 'string.quoted.double.netns',
          begin: '"',
          end: r`"|(?=$)`,
          beginCaptures: { 0: { name: 'punctuation.definition.string.begin.netns' } },
          endCaptures: { 0: { name: 'punctuation.definition.string.end.netns' } },
          patterns: [{ match: r`\\["\\$\x60]`, name: 'constant.character.escape.netns' }],
        },
        {
          name: 'string.quoted.single.netns',
          begin: "'",
          end: r`'|(?=$)`,
          beginCaptures: { 0: { name: 'punctuation.definition.string.begin.netns' } },
          endCaptures: { 0: { name: 'punctuation.definition.string.end.netns' } },
        },
      ],
    },
    continuation: {
      match: r`\\$`,
      name: 'constant.character.escape.line-continuation.netns',
    },
    negation: {
      match: r`${L}!${R}`,
      name: 'keyword.operator.logical.negation.netns',
    },
    brace: {
      patterns: [
        { match: r`\{`, name: 'punctuation.section.block.begin.netns' },
        { match: r`\}`, name: 'punctuation.section.block.end.netns' },
      ],
    },
    block: {
      patterns: [
        {
          // namespace NAME {
          match: r`(?:^|(?<=[{}]))\s*(namespace)${R}(?:\s+(${WORD}))?`,
          captures: { 1: { name: 'keyword.other.namespace.netns' }, 2: { name: 'entity.name.namespace.netns' } },
        },
        {
          // jail ADDR {
          match: r`(?:^|(?<=[{}]))\s*(jail)${R}(?:\s+(${WORD}))?`,
          captures: {
            1: { name: 'keyword.other.jail.netns' },
            2: { name: 'entity.name.jail.netns', patterns: [{ include: '#ipv4' }] },
          },
        },
      ],
    },
    commands: {
      patterns: [
        { include: '#ip' },
        { include: '#iptables' },
        { include: '#sysctl' },
        { include: '#listen' },
        { include: '#probe' },
        { include: '#other-command' },
      ],
    },
    argument,
    mac: {
      match: r`(?<![\w:.-])(?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}(?![\w:.])`,
      name: 'constant.numeric.mac.netns',
    },
    ipv4: {
      // 10.0.0.1, 10.0.0.0/24, 10.0.0.1:80, 10.0.0.1:80-90 (also inside --to-destination ADDR:PORT)
      match: r`(?<![\w.:/])(\d{1,3}(?:\.\d{1,3}){3})(?:(/)(\d{1,2}))?(?:(:)(\d+(?:-\d+)?))?(?![\w.:/])`,
      captures: {
        1: { name: 'constant.numeric.ipv4.netns' },
        2: { name: 'punctuation.separator.prefix.netns' },
        3: { name: 'constant.numeric.prefix-length.netns' },
        4: { name: 'punctuation.separator.port.netns' },
        5: { name: 'constant.numeric.port.netns' },
      },
    },
    number: {
      // 80, 0x1, 0x1/0xff (marks), 1000:2000 (port ranges)
      match: r`(?<![\w.:/-])(?:0x[0-9A-Fa-f]+|\d+)(?:[/:](?:0x[0-9A-Fa-f]+|\d+))?(?![\w.:/])`,
      name: 'constant.numeric.integer.netns',
    },
    option: {
      // -A, -j, --dport, --to-destination=ADDR; never the middle of a word (a-b) or a number (-1).
      match: r`${L}(--?[A-Za-z][\w-]*)(?=[\s{}=]|$)`,
      captures: { 1: { name: 'constant.other.option.netns' } },
    },
    ip: command('ip', 'ip', [
      {
        // ip netns exec NS CMD ...: the rest of the line is another command
        begin: r`${L}(netns)\s+(exec)\s+(${WORD})`,
        beginCaptures: {
          1: { name: 'keyword.other.subcommand.netns' },
          2: { name: 'keyword.other.subcommand.netns' },
          3: { name: 'entity.name.namespace.netns' },
        },
        end: END,
        patterns: [{ include: '#commands' }, { include: '#argument' }],
      },
      {
        // ip -n NS / ip -netns NS
        match: r`${L}(-n|-netns|--netns)\s+(${WORD})`,
        captures: { 1: { name: 'constant.other.option.netns' }, 2: { name: 'entity.name.namespace.netns' } },
      },
      {
        // ip netns add|del NS
        match: r`${L}(netns)\s+(add|del|delete|set|pids|identify|attach)\s+(${WORD})`,
        captures: {
          1: { name: 'keyword.other.subcommand.netns' },
          2: { name: 'keyword.other.subcommand.netns' },
          3: { name: 'entity.name.namespace.netns' },
        },
      },
      {
        // ip link add|set|del DEV
        match: r`${L}(link)\s+(add|set|del|delete|change|show)\s+(?:(dev)\s+)?(?!(?:link|name|dev|type)${R})(${WORD})`,
        captures: {
          1: { name: 'keyword.other.subcommand.netns' },
          2: { name: 'keyword.other.subcommand.netns' },
          3: { name: 'keyword.other.parameter.netns' },
          4: { name: 'variable.other.device.netns', patterns: [{ include: '#ipv4' }] },
        },
      },
      {
        // dev DEV, master BR, iif DEV, oif DEV, peer name DEV
        match: r`${L}(dev|master|iif|oif|iifname|oifname|name)\s+(?!\d{1,3}(?:\.\d{1,3}){3}${R})(${WORD})`,
        captures: { 1: { name: 'keyword.other.parameter.netns' }, 2: { name: 'variable.other.device.netns' } },
      },
      {
        // netns NS (move a device, or the peer of a veth, into NS); not `ip netns list`
        match: r`${L}(netns)\s+(?!(?:${IP_VERBS})${R})(${WORD})`,
        captures: { 1: { name: 'keyword.other.parameter.netns' }, 2: { name: 'entity.name.namespace.netns' } },
      },
      {
        match: r`${L}(type)\s+(${LINK_KINDS})${R}`,
        captures: { 1: { name: 'keyword.other.parameter.netns' }, 2: { name: 'support.type.link-kind.netns' } },
      },
      {
        // table 100, lookup main
        match: r`${L}(table|lookup)\s+(?:(\d+)|(${WORD}))`,
        captures: {
          1: { name: 'keyword.other.parameter.netns' },
          2: { name: 'constant.numeric.integer.netns' },
          3: { name: 'entity.name.type.table.netns' },
        },
      },
      { match: r`${L}(?:${IP_OBJECTS}|${IP_VERBS})${R}`, name: 'keyword.other.subcommand.netns' },
      { match: r`${L}(?:${ROUTE_TYPES})${R}`, name: 'constant.language.route-type.netns' },
      { match: r`${L}(?:up|down)${R}`, name: 'constant.language.state.netns' },
      { match: r`${L}(?:default|all|any)${R}`, name: 'constant.language.netns' },
      { match: r`${L}(?:${IP_KEYWORDS})${R}`, name: 'keyword.other.parameter.netns' },
    ]),
    iptables: command('iptables', 'iptables|ip6tables|iptables-nft|iptables-legacy', [
      {
        match: r`${L}(-t|--table)(?:\s+|=)(?:(${XT_TABLES})|(${WORD}))`,
        captures: {
          1: { name: 'constant.other.option.netns' },
          2: { name: 'support.type.table.netns' },
          3: { name: 'entity.name.type.table.netns' },
        },
      },
      {
        // -A CHAIN, -N CHAIN, -P CHAIN POLICY ...
        match: r`${L}(-[AIDRNXFPLZSE]|--(?:append|insert|delete|replace|new-chain|delete-chain|flush|policy|list|zero|list-rules|rename-chain|check)|-C)(?:\s+|=)(?:(${XT_CHAINS})${R}|(?!-)(${WORD}))`,
        captures: {
          1: { name: 'constant.other.option.netns' },
          2: { name: 'support.type.chain.builtin.netns' },
          3: { name: 'entity.name.function.chain.netns' },
        },
      },
      {
        // -j TARGET, -g CHAIN
        match: r`${L}(-j|--jump|-g|--goto)(?:\s+|=)(?:(${XT_TARGETS})${R}|(${WORD}))`,
        captures: {
          1: { name: 'constant.other.option.netns' },
          2: { name: 'support.constant.target.netns' },
          3: { name: 'entity.name.function.chain.netns' },
        },
      },
      {
        match: r`${L}(-m|--match)(?:\s+|=)(${WORD})`,
        captures: { 1: { name: 'constant.other.option.netns' }, 2: { name: 'support.type.match.netns' } },
      },
      {
        match: r`${L}(-p|--protocol|--proto)(?:\s+|=)(?:(!)\s+)?(?:(${PROTOCOLS})${R}|(\d+)${R}|(${WORD}))`,
        captures: {
          1: { name: 'constant.other.option.netns' },
          2: { name: 'keyword.operator.logical.negation.netns' },
          3: { name: 'support.constant.protocol.netns' },
          4: { name: 'constant.numeric.integer.netns' },
          5: { name: 'support.constant.protocol.netns' },
        },
      },
      {
        match: r`${L}(-i|--in-interface|-o|--out-interface)(?:\s+|=)(?:(!)\s+)?(${WORD})`,
        captures: {
          1: { name: 'constant.other.option.netns' },
          2: { name: 'keyword.operator.logical.negation.netns' },
          3: { name: 'variable.other.device.netns' },
        },
      },
      {
        // --ctstate ESTABLISHED,RELATED / --state NEW
        match: r`${L}(--ctstate|--state)(?:\s+|=)((?:${CT_STATES})(?:,(?:${CT_STATES}))*)${R}`,
        captures: { 1: { name: 'constant.other.option.netns' }, 2: { name: 'constant.language.ctstate.netns' } },
      },
      { match: r`${L}(?:${XT_TARGETS})${R}`, name: 'support.constant.target.netns' },
    ]),
    sysctl: command('sysctl', 'sysctl', [
      {
        // net.ipv4.ip_forward=1, net/ipv4/conf/all/rp_filter = 2
        match: r`${L}([A-Za-z][\w-]*(?:[./][\w@:-]+)+)(?:\s*(=)\s*(${WORD})?)?`,
        captures: {
          1: { name: 'variable.other.sysctl.netns' },
          2: { name: 'keyword.operator.assignment.netns' },
          3: { name: 'constant.other.value.netns', patterns: [{ include: '#number' }] },
        },
      },
    ]),
    listen: command('listen', 'listen', [
      { match: r`${L}(?:${PROTOCOLS})${R}`, name: 'support.constant.protocol.netns' },
    ]),
    probe: command('probe', 'probe', [
      {
        // probe NAME
        match: r`\G\s+(?!(?:from|on)${R})(${WORD})`,
        captures: { 1: { name: 'entity.name.function.probe.netns' } },
      },
      {
        // from NS / in NS / on NS DEV
        match: r`${L}(from|in)\s+(${WORD})`,
        captures: { 1: { name: 'keyword.other.parameter.netns' }, 2: { name: 'entity.name.namespace.netns' } },
      },
      {
        match: r`${L}(on)\s+(${WORD})(?:\s+(?!(?:tcp|udp|icmp)${R})(${WORD}))?`,
        captures: {
          1: { name: 'keyword.other.parameter.netns' },
          2: { name: 'entity.name.namespace.netns' },
          3: { name: 'variable.other.device.netns' },
        },
      },
      {
        match: r`${L}(expect)\s+(${OUTCOMES})${R}`,
        captures: { 1: { name: 'keyword.other.parameter.netns' }, 2: { name: 'constant.language.outcome.netns' } },
      },
      { match: r`${L}(?:${OUTCOMES})${R}`, name: 'constant.language.outcome.netns' },
      { match: r`${L}(?:${PROTOCOLS})${R}`, name: 'support.constant.protocol.netns' },
      { match: r`${L}(?:${PROBE_KEYWORDS})${R}`, name: 'keyword.other.parameter.netns' },
    ]),
    'other-command': {
      // A command the simulator does not know (tc, ethtool, ...): no tool colour, arguments still coloured.
      name: 'meta.command.other.netns',
      begin: r`(?:^|\G|(?<=[{}]))\s*(?=[^\s{}#])`,
      end: END,
      patterns: [{ include: '#argument' }],
    },
  },
};

export default grammar;

// Catalogue section NS4xxx: `sysctl` and the language's own statements (listen, jail, probe),
// and namespace references. Reported by core/model/index.ts, sysctl.ts and lang.ts. Lints on
// the final state are in lint.ts (NS5xxx). Messages quote the real tool where it has words
// (sysctl(8) from procps, ip-netns(8), errno strings of bind/listen), verified on Linux 6.18.
import type { CatalogueEntry } from './types';

export const langCatalogue = {
  unknownNetns: {
    code: 'NS4001', severity: 'error', summary: 'A namespace that no block or `ip netns add` creates.',
    message: (name: string, nearest: string) =>
      `Cannot open network namespace "${name}": No such file or directory${nearest ? ` (did you mean '${nearest}'?)` : ''}; create it with 'namespace ${name} { ... }'`,
  },
  missingNetnsArgument: {
    code: 'NS4002', severity: 'error', summary: '`ip -n` or `ip netns exec` without a namespace name.',
    message: (form: string) => `'${form}' needs a namespace name`,
  },
  commandInJail: {
    code: 'NS4003', severity: 'error', summary: 'A command other than `listen` inside a jail block.',
    message: (word: string) => `'${word}' cannot run inside a jail: a jailed process has no CAP_NET_ADMIN (bsdjail denies it, EPERM); only 'listen' belongs here`,
  },
  netnsExists: {
    code: 'NS4004', severity: 'error', summary: '`ip netns add` of a namespace that an earlier line already added.',
    message: (name: string) => `Cannot create namespace file "/run/netns/${name}": File exists; a namespace is added once (namespace blocks may be reopened)`,
  },

  // ---------------------------------------------------------------- sysctl
  sysctlUnknownKey: {
    code: 'NS4010', severity: 'error', summary: 'A sysctl key that does not exist in the namespace (at that line).',
    message: (path: string, hint: string) => `sysctl: cannot stat /proc/sys/${path}: No such file or directory${hint ? `; ${hint}` : ''}`,
  },
  sysctlInvalidValue: {
    code: 'NS4011', severity: 'error', summary: 'A value the kernel refuses for that key (EINVAL).',
    message: (key: string, expected: string) => `sysctl: setting key "${key}": Invalid argument (${expected})`,
  },
  sysctlSyntax: {
    code: 'NS4012', severity: 'error', summary: '`sysctl -w` with an argument that is not KEY=VALUE.',
    message: (arg: string) => `sysctl: '${arg}': invalid syntax; with -w every argument is KEY=VALUE (e.g. net.ipv4.ip_forward=1)`,
  },
  sysctlUnknownOption: {
    code: 'NS4013', severity: 'error', summary: 'An option sysctl(8) does not have.',
    message: (opt: string) => `sysctl: invalid option -- '${opt}'; the simulated forms are 'sysctl [-w] [-q] [-e] KEY=VALUE...'`,
  },
  sysctlIgnoredKey: {
    code: 'NS4014', severity: 'warning', summary: 'An unknown key that `sysctl -e` silently skips.',
    message: (key: string) => `'${key}' does not exist; sysctl -e skips it without a word, so this argument does nothing`,
  },
  sysctlMissingArgument: {
    code: 'NS4015', severity: 'error', summary: '`sysctl` without any KEY=VALUE.',
    message: () => "sysctl needs at least one KEY=VALUE (e.g. 'sysctl -w net.ipv4.ip_forward=1')",
  },
  sysctlRead: {
    code: 'NS4016', severity: 'info', summary: '`sysctl KEY` without a value: a read that changes nothing.',
    message: (key: string) => `'sysctl ${key}' only prints the value; to change it write 'sysctl -w ${key}=VALUE'`,
  },
  sysctlHostWide: {
    code: 'NS4017', severity: 'warning', summary: 'A sysctl key outside net.*, which no network namespace isolates.',
    message: (key: string) =>
      `'${key}' is not per network namespace: written from inside one it changes the whole machine (the exported script would too); the simulator ignores it, so set it on the host deliberately or remove it`,
  },

  // ---------------------------------------------------------------- listen
  listenUsage: {
    code: 'NS4020', severity: 'error', summary: '`listen` not in the form `listen tcp|udp ADDR:PORT`.',
    message: (what: string) => `${what}; write 'listen tcp|udp ADDR:PORT' (e.g. 'listen tcp 0.0.0.0:80')`,
  },
  badEndpoint: {
    code: 'NS4021', severity: 'error', summary: 'An address or port that is not a dotted IPv4 address or a port 1-65535.',
    message: (text: string, expected: string) => `invalid ${expected} '${text}'`,
  },
  addrInUse: {
    code: 'NS4022', severity: 'error', summary: 'bind() fails: another TCP listener of the namespace holds that address and port.',
    message: (proto: string, endpoint: string, other: string) =>
      `bind ${proto} ${endpoint}: Address already in use (EADDRINUSE): ${other} already holds it; a specific address and 0.0.0.0 on the same port conflict too, even with SO_REUSEADDR`,
  },
  udpPortShared: {
    code: 'NS4026', severity: 'warning', summary: 'Two UDP sockets bound to overlapping addresses on one port (allowed with SO_REUSEADDR).',
    message: (endpoint: string, other: string) =>
      `${endpoint} overlaps ${other}: with SO_REUSEADDR (which listeners set) both bind, but a unicast datagram reaches only one of them; use another port or distinct addresses`,
  },
  addrNotAvail: {
    code: 'NS4023', severity: 'error', summary: 'bind() to an address the namespace does not have at that line.',
    message: (addr: string, netns: string) =>
      `bind ${addr}: Cannot assign requested address (EADDRNOTAVAIL): ${netns} has no address ${addr} at this line; add it with 'ip addr add' earlier, listen on 0.0.0.0, or set net.ipv4.ip_nonlocal_bind=1`,
  },
  jailBindDenied: {
    code: 'NS4024', severity: 'error', summary: 'A jailed bind() to an address other than the jail address, 0.0.0.0 or 127.0.0.1.',
    message: (addr: string, jail: string) => `bind ${addr}: Operation not permitted (EPERM): bsdjail lets a process in jail ${jail} bind only ${jail}, 0.0.0.0 or 127.0.0.1`,
  },
  jailListenDenied: {
    code: 'NS4025', severity: 'error', summary: 'A jailed TCP listen() on a socket not bound to the jail address.',
    message: (addr: string, jail: string) =>
      `listen on ${addr}: Operation not permitted (EPERM): bsdjail allows listen() only on the jail address; bind ${jail} instead`,
  },

  // ---------------------------------------------------------------- jail blocks
  jailBadAddress: {
    code: 'NS4030', severity: 'error', summary: 'A jail header that is not a usable IPv4 address.',
    message: (text: string) => `invalid jail address '${text}': bsdjail needs one IPv4 address (a.b.c.d, not 0.0.0.0); without it the jail does not restrict the network at all`,
  },
  jailAddressMissing: {
    code: 'NS4031', severity: 'warning', summary: 'A jail address that the namespace does not have at that line.',
    message: (addr: string, netns: string) =>
      `jail address ${addr} is not configured in ${netns}: bsdjail needs it on an interface (its sockets use it as source), add it with 'ip addr add ${addr}/32 dev DEV' before the jail`,
  },

  // ---------------------------------------------------------------- probes
  probeUsage: {
    code: 'NS4040', severity: 'error', summary: '`probe` not in one of its two forms.',
    message: (what: string) =>
      `${what}; write 'probe NAME from NS [jail ADDR] tcp|udp|icmp DST[:PORT] [sport N] [src ADDR] [ttl N] [mark N] [expect OUTCOME [in NS]]' or 'probe NAME on NS DEV PROTO DST[:PORT] src ADDR ...'`,
  },
  probeDuplicate: {
    code: 'NS4041', severity: 'error', summary: 'Two probes with the same name.',
    message: (name: string) => `probe '${name}' is already defined: probe names are unique in a file`,
  },
  probeBadProto: {
    code: 'NS4042', severity: 'error', summary: 'A probe protocol other than tcp, udp or icmp.',
    message: (word: string) => `unknown probe protocol '${word}': expected tcp, udp or icmp`,
  },
  probeMissingPort: {
    code: 'NS4043', severity: 'error', summary: 'A tcp or udp probe without a destination port.',
    message: (proto: string, dst: string) => `a ${proto} probe needs a destination port: write ${dst}:PORT`,
  },
  probePortOnIcmp: {
    code: 'NS4044', severity: 'error', summary: 'An icmp probe with a port.',
    message: (what: string) => `icmp has no ports: remove ${what} (an icmp probe is an echo request)`,
  },
  probeBadOutcome: {
    code: 'NS4045', severity: 'error', summary: 'An expected outcome that is not one of the six words.',
    message: (word: string, nearest: string) =>
      `unknown outcome '${word}'${nearest ? ` (did you mean '${nearest}'?)` : ''}: expected delivered, refused, unreachable, denied, ttl-exceeded or dropped`,
  },
  probeBadNumber: {
    code: 'NS4046', severity: 'error', summary: 'A probe option value out of range (sport, ttl, mark).',
    message: (option: string, text: string, range: string) => `invalid ${option} '${text}': expected ${range}`,
  },
  probeUnknownDevice: {
    code: 'NS4047', severity: 'error', summary: '`probe ... on NS DEV` with a device NS does not have at that line.',
    message: (dev: string, netns: string, nearest: string) =>
      `Cannot find device "${dev}" in ${netns}${nearest ? ` (did you mean '${nearest}'?)` : ''}`,
  },
  probeNeedsSource: {
    code: 'NS4048', severity: 'error', summary: 'A probe arriving `on` a device without `src`.',
    message: () => "a probe that arrives 'on' a device comes from outside: give its source with 'src ADDR'",
  },
  probeDuplicateOption: {
    code: 'NS4049', severity: 'error', summary: 'A probe option given twice.',
    message: (option: string) => `'${option}' is given twice`,
  },
  probeExpectationFailed: {
    code: 'NS4050', severity: 'warning', summary: "A probe whose `expect` the simulated kernel does not meet (reported by the editor and `netns-dbg check`, which run the probes).",
    message: (expected: string, got: string, where: string) =>
      `expected ${expected}, got ${got}${where ? ` at ${where}` : ''}: trace the probe to see each step (netns-dbg trace FILE --probe NAME)`,
  },
} satisfies Record<string, CatalogueEntry>;

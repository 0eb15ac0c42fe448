// Catalogue section NS3xxx: reasons the real `iptables` (v1.8.9, nf_tables backend) rejects a
// line, and iptables-specific warnings (shadowed rules, interfaces that do not exist). Reported by
// core/model/iptables*.ts. Messages quote the tool's own words (verified in throwaway namespaces
// on Debian 12, kernel 6.x) and then say what to do. It holds no logic.
import type { CatalogueEntry } from './types';

export const iptablesCatalogue = {
  xtUnknownTable: {
    code: 'NS3001', severity: 'error', summary: '`-t` names a table iptables does not have.',
    message: (table: string, nearest: string) =>
      `table '${table}' does not exist: use one of filter, nat, mangle, raw, security${nearest ? ` (did you mean '${nearest}'?)` : ''}`,
  },
  xtNoSuchChain: {
    code: 'NS3002', severity: 'error', summary: 'The command names a chain that does not exist in that table.',
    message: (chain: string, table: string, nearest: string) =>
      `No chain/target/match by that name: chain '${chain}' does not exist in table ${table}; ` +
      (nearest ? `did you mean '${nearest}'? ` : '') + `create it first with 'iptables${table === 'filter' ? '' : ` -t ${table}`} -N ${chain}'`,
  },
  xtChainExists: {
    code: 'NS3003', severity: 'error', summary: '`-N` of a chain that already exists.',
    message: (chain: string, table: string) =>
      `Chain already exists: '${chain}' is already a chain of table ${table}; remove this line or use another name`,
  },
  xtJumpToMissingChain: {
    code: 'NS3004', severity: 'error', summary: '`-j`/`-g` names neither a target nor an existing user chain.',
    message: (name: string, nearest: string) =>
      `Chain '${name}' does not exist: it is no target iptables knows and no user chain of this table` +
      (nearest ? `; did you mean '${nearest}'?` : `; create it first with 'iptables -N ${name}'`),
  },
  xtTargetNotAllowed: {
    code: 'NS3005', severity: 'error', summary: 'A target used in a table or chain (hook) where the kernel refuses it.',
    message: (target: string, chain: string, where: string) =>
      `RULE_APPEND failed (Invalid argument): rule in chain ${chain}: ${target} is only valid ${where}`,
  },
  xtInterfaceNotInChain: {
    code: 'NS3006', severity: 'error', summary: '`-i` in OUTPUT/POSTROUTING or `-o` in PREROUTING/INPUT.',
    message: (opt: string, chain: string, hint: string) => `Can't use ${opt} with ${chain}: ${hint}`,
  },
  xtUnknownOption: {
    code: 'NS3007', severity: 'error', summary: 'An option no loaded match or target knows.',
    message: (opt: string, hint: string) => `unknown option "${opt}"${hint ? `: ${hint}` : ''}`,
  },
  xtPortNeedsProtocol: {
    code: 'NS3008', severity: 'error', summary: '`--sport`/`--dport` without `-p tcp` or `-p udp` before it.',
    message: (opt: string, proto: string) =>
      `unknown option "${opt}": ${opt} belongs to the tcp and udp matches; ` +
      (proto ? `'-p ${proto}' has no ports, ` : '') + `put '-p tcp' or '-p udp' before it`,
  },
  xtRejectTcpResetNeedsTcp: {
    code: 'NS3009', severity: 'error', summary: '`--reject-with tcp-reset` on a rule that does not match `-p tcp`.',
    message: (chain: string) =>
      `RULE_APPEND failed (Invalid argument): rule in chain ${chain}: REJECT --reject-with tcp-reset needs '-p tcp' in the same rule`,
  },
  xtBadBuiltinChain: {
    code: 'NS3010', severity: 'error', summary: '`-P` on a chain that is not a built-in chain of the table.',
    message: (chain: string, builtins: string) =>
      `Bad built-in chain name: only built-in chains have a policy (${builtins}); for user chain '${chain}' append a final rule such as '-A ${chain} -j DROP'`,
  },
  xtBadPolicy: {
    code: 'NS3011', severity: 'error', summary: 'A policy other than ACCEPT or DROP (or DROP in the nat table).',
    message: (policy: string, why: string) => `Bad policy name '${policy}': ${why}`,
  },
  xtChainInUse: {
    code: 'NS3012', severity: 'error', summary: '`-X` of a chain that still has rules or is still jumped to.',
    message: (chain: string, why: string) => `CHAIN_DEL failed (Device or resource busy): chain ${chain} ${why}`,
  },
  xtBadRule: {
    code: 'NS3013', severity: 'error', summary: '`-D` with a rule specification no rule of the chain has.',
    message: (chain: string) =>
      `Bad rule (does a matching rule exist in that chain?): no rule of ${chain} is exactly this one; compare with the rules as iptables-save prints them`,
  },
  xtBadRuleNumber: {
    code: 'NS3014', severity: 'error', summary: 'A rule number of `-D`/`-R`/`-I` out of range.',
    message: (what: string, hint: string) => `${what}: ${hint}`,
  },
  xtJumpToBuiltin: {
    code: 'NS3015', severity: 'error', summary: '`-j`/`-g` to a built-in chain.',
    message: (chain: string, err: string, opt: string) =>
      `RULE_APPEND failed (${err}): ${opt} ${chain} jumps to a built-in chain, which iptables cannot do; ` +
      `move the shared rules into a user chain ('iptables -N NAME') and jump there`,
  },
  xtUnknownMatch: {
    code: 'NS3016', severity: 'error', summary: '`-m` names a match iptables cannot load.',
    message: (name: string, nearest: string) =>
      `Couldn't load match \`${name}':No such file or directory${nearest ? `; did you mean '${nearest}'?` : ''}`,
  },
  xtBadAddress: {
    code: 'NS3017', severity: 'error', summary: 'An IPv4 address, mask or range iptables cannot parse.',
    message: (toolMessage: string) => `${toolMessage}: write a dotted quad with an optional /PREFIXLEN (0-32)`,
  },
  xtBadPort: {
    code: 'NS3018', severity: 'error', summary: 'A port, port range or port list iptables refuses.',
    message: (toolMessage: string) => `${toolMessage}: ports are 0-65535 (or a service name), ranges are LOW:HIGH with LOW <= HIGH`,
  },
  xtBadValue: {
    code: 'NS3019', severity: 'error', summary: 'A value of an option iptables refuses (protocol, state, flag, mark, type...).',
    message: (toolMessage: string, hint: string) => `${toolMessage}${hint ? `: ${hint}` : ''}`,
  },
  xtMissingArgument: {
    code: 'NS3020', severity: 'error', summary: 'An option given without its argument.',
    message: (opt: string) => `option "${opt}" requires an argument`,
  },
  xtJumpLoop: {
    code: 'NS3021', severity: 'error', summary: 'A jump that makes a loop of chains reachable from a built-in chain.',
    message: (chain: string, cycle: string) =>
      `RULE_APPEND failed (Too many links): rule in chain ${chain}: the jump makes the loop ${cycle} reachable; break the loop`,
  },
  xtDeleteBuiltinChain: {
    code: 'NS3022', severity: 'error', summary: '`-X` of a built-in chain.',
    message: (chain: string) =>
      `CHAIN_DEL failed (Device or resource busy): chain ${chain} is a built-in chain and cannot be deleted; use '-F ${chain}' to empty it`,
  },
  xtDuplicateOption: {
    code: 'NS3023', severity: 'error', summary: 'An option given twice in one rule.',
    message: (toolMessage: string) => `${toolMessage}: give it once (a list such as 'a,b' where the option allows one)`,
  },
  xtMatchNeedsProtocol: {
    code: 'NS3024', severity: 'error', summary: 'A match or target option that needs `-p tcp`/`-p udp` in the rule.',
    message: (toolMessage: string) => `${toolMessage}: add the protocol with '-p' before it`,
  },
  xtMissingOption: {
    code: 'NS3025', severity: 'error', summary: 'A match, target or command without an option it requires.',
    message: (toolMessage: string) => toolMessage,
  },
  xtBadNegation: {
    code: 'NS3026', severity: 'error', summary: '`!` where iptables does not allow it.',
    message: (toolMessage: string) => `${toolMessage}: put '!' directly before an option that can be inverted (e.g. '! -s 10.0.0.0/8')`,
  },
  xtBadArgument: {
    code: 'NS3027', severity: 'error', summary: 'A word that is no option nor the argument of one.',
    message: (word: string) => `Bad argument \`${word}': it is no option nor the argument of one; quote it if it belongs to the previous option`,
  },
  xtNoCommand: {
    code: 'NS3028', severity: 'error', summary: 'No command (-A, -I, -D, -R, -N, -X, -P, -F, -Z, -L, -S) or two of them.',
    message: (toolMessage: string) => `${toolMessage}: give exactly one of -A -I -D -R -N -X -P -F -Z -L -S`,
  },
  xtNotSimulated: {
    code: 'NS3029', severity: 'warning', summary: 'A match, target or command the real iptables has but the simulator does not model.',
    message: (what: string) => `${what} is not simulated: the line is ignored (the real iptables would accept it)`,
  },
  xtJumpTooDeep: {
    code: 'NS3030', severity: 'error', summary: 'A jump that nests user chains deeper than nf_tables allows (15 below a built-in chain).',
    message: (chain: string, depth: string, path: string) =>
      `RULE_APPEND failed (Too many links): rule in chain ${chain}: the jump nests user chains ${depth} deep (${path}); nf_tables allows at most 15 below a built-in chain: flatten some chains`,
  },
  xtShadowedRule: {
    code: 'NS3050', severity: 'warning', summary: 'A rule an earlier rule of the same chain always decides first.',
    message: (chain: string, target: string) =>
      `this rule can never match: every packet it matches is already decided by an earlier rule of ${chain} (${target}); remove it or move it before that rule`,
  },
  xtUnknownInterface: {
    code: 'NS3051', severity: 'warning', summary: '`-i`/`-o` naming a device that does not exist in the namespace.',
    message: (name: string, netns: string, nearest: string) =>
      `no device ${name.endsWith('+') ? `matching '${name}'` : `'${name}'`} in namespace ${netns} at the end of the file: the rule never matches on it` +
      (nearest ? ` (did you mean '${nearest}'?)` : ''),
  },
} satisfies Record<string, CatalogueEntry>;

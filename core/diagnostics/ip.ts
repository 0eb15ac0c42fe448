// Catalogue section NS2xxx: reasons the real `ip` tool (iproute2 + rtnetlink) rejects a line,
// and ip-specific warnings. Reported by core/model/ip*.ts. The quoted part of each message is
// what iproute2 6.x prints on this project's kernel (verified in throwaway namespaces); the rest
// says what to do. Messages never depend on anything but their arguments.
import type { CatalogueEntry } from './types';

const didYouMean = (nearest: string) => (nearest ? ` (did you mean '${nearest}'?)` : '');

/** The real tool's words, then ours: "Error: X." + " Rest." or "RTNETLINK answers: X" + ": rest". */
const then = (words: string, rest: string) =>
  words.endsWith('.') ? `${words} ${rest.charAt(0).toUpperCase()}${rest.slice(1)}` : `${words}: ${rest}`;

export const ipCatalogue = {
  ipCannotFindDevice: {
    code: 'NS2001', severity: 'error', summary: 'A device name that does not exist in the namespace the command runs in.',
    message: (name: string, netns: string, nearest: string, elsewhere: string) =>
      `Cannot find device "${name}"${didYouMean(nearest)}: no device '${name}' in namespace ${netns}` +
      (elsewhere ? `; it exists in namespace ${elsewhere}: move this line into 'namespace ${elsewhere} { ... }'` : '; create it first with \'ip link add\''),
  },
  ipDeviceExists: {
    code: 'NS2002', severity: 'error', summary: '`ip link add` (or a veth peer) with a name already taken in that namespace.',
    message: (name: string, netns: string) =>
      `RTNETLINK answers: File exists: namespace ${netns} already has a device '${name}'; choose another name or delete it first`,
  },
  ipNameTooLong: {
    code: 'NS2003', severity: 'error', summary: 'An interface name longer than 15 characters (IFNAMSIZ).',
    message: (name: string, realWords: string) =>
      then(realWords, `"${name}" is ${name.length} characters, interface names have at most 15; shorten it`),
  },
  ipInvalidNetns: {
    code: 'NS2004', severity: 'error', summary: '`netns NS` naming a namespace that does not exist.',
    message: (name: string, nearest: string) =>
      `Error: argument "${name}" is wrong: Invalid "netns" value${didYouMean(nearest)}; create it with 'namespace ${name} { ... }' or 'ip netns add ${name}'`,
  },
  ipAddressExists: {
    code: 'NS2005', severity: 'error', summary: 'The same address and prefix length is already on the device.',
    message: (addr: string, dev: string) =>
      `Error: ipv4: Address already assigned: ${addr} is already on ${dev}; remove the duplicate line`,
  },
  ipAddressNotFound: {
    code: 'NS2006', severity: 'error', summary: '`ip addr del` of an address the device does not have.',
    message: (addr: string, dev: string) =>
      `Error: ipv4: Address not found: ${dev} has no address ${addr}; check the address and prefix length`,
  },
  ipObjectExists: {
    code: 'NS2007', severity: 'error', summary: 'A route, rule or neighbour that already exists (`add` is exclusive).',
    message: (what: string, hint: string) =>
      `RTNETLINK answers: File exists: ${what} already exists; ${hint}`,
  },
  ipInvalidGateway: {
    code: 'NS2008', severity: 'error', summary: 'A gateway that no connected (link-scope) route reaches.',
    message: (gw: string, why: string) =>
      `Error: Nexthop has invalid gateway: ${gw} ${why}; add an address in its subnet on a device that is up first, or use 'onlink' with 'dev'`,
  },
  ipInvalidPrefix: {
    code: 'NS2009', severity: 'error', summary: 'A route prefix with host bits set.',
    message: (given: string, fixed: string) =>
      `Error: Invalid prefix for given prefix length: ${given} has host bits set; did you mean ${fixed}?`,
  },
  ipInvalidTable: {
    code: 'NS2010', severity: 'error', summary: 'A routing table that is neither main, local, default nor a number.',
    message: (realWords: string) =>
      then(realWords, 'use main, local, default or a number 1..4294967295 (named tables of /etc/iproute2/rt_tables are not known here)'),
  },
  ipNoSuchObject: {
    code: 'NS2011', severity: 'error', summary: 'Deleting or changing a route, rule or neighbour that does not exist.',
    message: (realWords: string, what: string) =>
      then(realWords, `no ${what} matches; check the earlier lines that should have created it`),
  },
  ipBadMaster: {
    code: 'NS2012', severity: 'error', summary: '`master` naming a device that cannot take ports (not a bridge), or a port that cannot be one.',
    message: (realWords: string, why: string) => then(realWords, why),
  },
  ipNetnsImmutable: {
    code: 'NS2013', severity: 'error', summary: 'Moving lo or a bridge to another namespace.',
    message: (dev: string, kind: string) =>
      `Error: The interface netns is immutable: ${kind} '${dev}' cannot change namespace; create a veth pair with 'peer name X netns NS' instead`,
  },
  ipInvalidLladdr: {
    code: 'NS2014', severity: 'error', summary: 'A malformed or unusable MAC address.',
    message: (realWords: string) => then(realWords, 'write six hex bytes like 02:00:00:00:00:01 (the first byte even: not multicast)'),
  },
  ipMtuOutOfRange: {
    code: 'NS2015', severity: 'error', summary: 'An MTU outside the device\'s range (68..65535 for veth and bridge).',
    message: (realWords: string, min: string, max: string) => then(`Error: ${realWords}`, `use an MTU in ${min}..${max}`),
  },
  ipDeviceNotUp: {
    code: 'NS2016', severity: 'error', summary: 'A route through a device that is administratively down.',
    message: (realWords: string, dev: string) =>
      then(`Error: ${realWords}.`, `'${dev}' is down; put 'ip link set ${dev} up' before this line`),
  },
  ipInvalidPrefsrc: {
    code: 'NS2017', severity: 'error', summary: '`src ADDR` that is not an address of this namespace.',
    message: (addr: string, netns: string) =>
      `Error: Invalid prefsrc address: ${addr} is not an address of namespace ${netns}; add it first with 'ip addr add'`,
  },
  ipBadArgument: {
    code: 'NS2018', severity: 'error', summary: 'A command line iproute2 cannot parse (garbage, a missing or invalid value).',
    message: (realWords: string, hint: string) => (hint ? then(realWords, hint) : realWords),
  },
  ipSameNameInTarget: {
    code: 'NS2019', severity: 'error', summary: 'Moving a device into a namespace that already has a device of that name.',
    message: (dev: string, netns: string) =>
      `Error: An interface with the same name exists in the target netns: ${netns} already has '${dev}'; rename one of them`,
  },
  ipOperationNotSupported: {
    code: 'NS2020', severity: 'error', summary: 'An operation the kernel refuses for this kind of device (deleting lo).',
    message: (what: string) => `RTNETLINK answers: Operation not supported: ${what}`,
  },
  ipNoSuchDevice: {
    code: 'NS2021', severity: 'error', summary: 'A route that needs a device but names none (no `dev`, no gateway).',
    message: (what: string) => `RTNETLINK answers: No such device: ${what}; add 'dev DEV' or 'via GATEWAY'`,
  },
  ipRuleDetachedDevice: {
    code: 'NS2022', severity: 'warning', summary: 'A rule `iif`/`oif` naming a device that does not exist: accepted, but it never matches.',
    message: (dev: string, netns: string) =>
      `'${dev}' does not exist in namespace ${netns}: ip accepts the rule but shows it [detached] and it matches nothing until such a device appears`,
  },
} satisfies Record<string, CatalogueEntry>;

// Catalogue section NS5xxx: what the real tools accept but a user almost never wants, found on
// the final state of the topology (core/model/lint.ts) and NS9xxx: commands outside the
// simulated set, never silently ignored. iptables-specific lints (shadowed rules, interface
// matches on missing devices) live in the iptables section (NS3xxx).
import type { CatalogueEntry } from './types';

export const lintCatalogue = {
  forwardRulesWithoutForwarding: {
    code: 'NS5001', severity: 'warning', summary: 'FORWARD rules in a namespace whose forwarding is off.',
    message: (netns: string, why = 'off') =>
      why === 'lo-only'
        ? `FORWARD rules in ${netns} never see a packet: ${netns} has no device but lo, so nothing arrives to be forwarded; add the devices it routes between`
        : `FORWARD rules in ${netns} never see a packet: forwarding is off on every device (net.ipv4.ip_forward = 0); add 'sysctl -w net.ipv4.ip_forward=1' if ${netns} routes`,
  },
  gatewayWithoutForwarding: {
    code: 'NS5002', severity: 'warning', summary: 'Another namespace routes through this one, whose forwarding is off.',
    message: (other: string, gw: string, netns: string, dev: string) =>
      `${other} routes via ${gw}, an address of ${netns}, but forwarding is off on ${dev} in ${netns}: packets that ${netns} should pass on are dropped; add 'sysctl -w net.ipv4.ip_forward=1' in ${netns}`,
  },
  routeDeviceDown: {
    code: 'NS5003', severity: 'warning', summary: 'A route the kernel removed because its device went down, was deleted or moved.',
    message: (dev: string, event: string, fix: string) =>
      `this route goes through ${dev}, which ${event}: the kernel removes the route then and never restores it; ${fix}`,
  },
  loopbackDown: {
    code: 'NS5004', severity: 'warning', summary: 'lo is down while a socket or a probe uses 127.0.0.1.',
    message: (netns: string, effect: string, what: string) =>
      `lo is down in ${netns}: ${effect} (${what}); add 'ip link set lo up' in ${netns}`,
  },
  listenerAddressAbsent: {
    code: 'NS5005', severity: 'warning', summary: 'A socket bound to an address that no device of its namespace has at the end of the file.',
    message: (addr: string, netns: string) =>
      `no device in ${netns} has ${addr} at the end of the file: this socket receives nothing; listen on an address of ${netns} or on 0.0.0.0`,
  },
  jailedUdpAny: {
    code: 'NS5006', severity: 'info', summary: 'A jailed UDP socket bound to 0.0.0.0 or 127.0.0.1.',
    message: (addr: string, jail: string) =>
      `bsdjail lets this UDP socket bind ${addr} (it does not remap it to the jail address ${jail}): it receives datagrams for every address of the namespace; bind ${jail} to confine it`,
  },
  probeNoRoute: {
    code: 'NS5007', severity: 'warning', summary: 'A probe from a namespace that has no route to its destination.',
    message: (netns: string, dst: string) =>
      `${netns} has no route to ${dst}: the probe fails at once with ENETUNREACH (outcome 'unreachable'); add a route or 'expect unreachable'`,
  },
  deviceNeverUp: {
    code: 'NS5008', severity: 'warning', summary: 'A device with addresses that is down at the end of the file.',
    message: (dev: string, netns: string) => `${dev} in ${netns} has addresses but is down: nothing is sent or received on it; add 'ip link set ${dev} up'`,
  },
  vethPeerDown: {
    code: 'NS5009', severity: 'warning', summary: 'An up veth whose peer is down.',
    message: (dev: string, peer: string, peerNetns: string) =>
      `${dev} is up but its veth peer ${peer} in ${peerNetns} is down: the link has no carrier (NO-CARRIER) and drops everything; add 'ip link set ${peer} up' in ${peerNetns}`,
  },
  probeOwnAddressLoopbackDown: {
    code: 'NS5010', severity: 'warning', summary: 'A probe to its own namespace\'s address while lo is down.',
    message: (netns: string, dst: string) =>
      `${dst} is an address of ${netns} itself: the packet goes through lo, which is down, so it is dropped; add 'ip link set lo up' in ${netns}`,
  },  probeSourceNotLocal: {
    code: 'NS5011', severity: 'warning', summary: 'A probe whose `src` is not an address of the sending namespace.',
    message: (src: string, netns: string) =>
      `src ${src} is not an address of ${netns} at the end of the file: the sender's bind() fails with EADDRNOTAVAIL and nothing is sent; use an address of ${netns}, or set net.ipv4.ip_nonlocal_bind=1`,
  },

  notSimulated: {
    code: 'NS9001', severity: 'warning', summary: 'A command outside the simulated set.',
    message: (what: string) => `not simulated: ${what}; the simulator ignores this line and may diverge from the kernel here`,
  },
  unknownCommand: {
    code: 'NS9002', severity: 'error', summary: 'A line that is no known command or statement.',
    message: (word: string) => `unknown command '${word}': expected ip, iptables, sysctl, listen, probe, 'namespace NAME {' or 'jail ADDR {'`,
  },
} satisfies Record<string, CatalogueEntry>;

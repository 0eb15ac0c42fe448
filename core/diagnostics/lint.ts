// Catalogue section NS5xxx: what the real tools accept but a user almost never wants, found on
// the final state of the topology (core/model/lint.ts) and NS9xxx: commands outside the
// simulated set, never silently ignored.
import type { CatalogueEntry } from './types';

export const lintCatalogue = {
  notSimulated: {
    code: 'NS9001', severity: 'warning', summary: 'A command outside the simulated set.',
    message: (what: string) => `not simulated: ${what}; the simulator ignores this line and may diverge from the kernel here`,
  },
  unknownCommand: {
    code: 'NS9002', severity: 'error', summary: 'A line that is no known command or statement.',
    message: (word: string) => `unknown command '${word}': expected ip, iptables, sysctl, listen, probe, 'namespace NAME {' or 'jail ADDR {'`,
  },
} satisfies Record<string, CatalogueEntry>;

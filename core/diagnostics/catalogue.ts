// The one diagnostic catalogue: every code the project reports, merged from its sections
// (syntax NS1xxx, ip NS2xxx, iptables NS3xxx, sysctl/language NS4xxx, lints NS5xxx, not
// simulated NS9xxx). `diagnose` is the only way to make a Diagnostic, so every diagnostic has a
// catalogued code, severity and message.
import { ipCatalogue } from './ip';
import { iptablesCatalogue } from './iptables';
import { langCatalogue } from './lang';
import { lintCatalogue } from './lint';
import { syntaxCatalogue } from './syntax';
import type { CatalogueEntry, Diagnostic } from './types';

export const catalogue = {
  ...syntaxCatalogue,
  ...ipCatalogue,
  ...iptablesCatalogue,
  ...langCatalogue,
  ...lintCatalogue,
};

export type DiagnosticKey = keyof typeof catalogue;

/** Entries by code (`NS2001` -> entry), for hovers, docs and the CLI. */
export const byCode: ReadonlyMap<string, CatalogueEntry & { key: string }> = new Map(
  Object.entries(catalogue as Record<string, CatalogueEntry>).map(([key, e]) => [e.code, { ...e, key }]),
);

export function diagnose(key: DiagnosticKey, start: number, end: number, ...args: string[]): Diagnostic {
  const entry: CatalogueEntry = catalogue[key];
  return { code: entry.code, severity: entry.severity, message: entry.message(...args), start, end };
}

// Catalogue section NS1xxx: errors of the file's own structure (quotes, braces, blocks).
// Reported by core/syntax/parser.ts. Other sections: ip (NS2xxx), iptables (NS3xxx),
// sysctl and language statements (NS4xxx), lints on the final state (NS5xxx), not simulated (NS9xxx).
import type { CatalogueEntry } from './types';

export const syntaxCatalogue = {
  unterminatedQuote: {
    code: 'NS1001', severity: 'error', summary: 'A quote is opened but not closed on the same line.',
    message: () => 'unterminated quote: close it on the same line (a quoted argument cannot span lines)',
  },
  unmatchedCloseBrace: {
    code: 'NS1002', severity: 'error', summary: 'A `}` with no open block.',
    message: () => "'}' closes no block: remove it, or open a block with 'namespace NAME {'",
  },
  unclosedBlock: {
    code: 'NS1003', severity: 'error', summary: 'A block is still open at the end of the file.',
    message: (what: string) => `${what} is not closed: add '}' at its end`,
  },
  expectedBlockName: {
    code: 'NS1004', severity: 'error', summary: '`namespace` or `jail` without its name or address.',
    message: (what: string) => `'${what}' needs ${what === 'jail' ? 'an IPv4 address' : 'a namespace name'} before '{'`,
  },
  expectedOpenBrace: {
    code: 'NS1005', severity: 'error', summary: 'A block header without `{` on the same line.',
    message: (what: string) => `expected '{' after '${what}' on the same line`,
  },
  unexpectedOpenBrace: {
    code: 'NS1006', severity: 'error', summary: 'A `{` that opens no block.',
    message: () => "unexpected '{': only 'namespace NAME {' and 'jail ADDR {' open blocks",
  },
  nestedNamespace: {
    code: 'NS1007', severity: 'error', summary: 'A namespace block inside another block.',
    message: (outer: string) => `namespace blocks cannot be nested (this one is inside ${outer}): close the outer block first`,
  },
  nestedJail: {
    code: 'NS1008', severity: 'error', summary: 'A jail block inside another jail block.',
    message: () => 'a jail cannot be nested in another jail (bsdjail refuses a second jail: EINVAL)',
  },
  extraBlockArguments: {
    code: 'NS1009', severity: 'error', summary: 'More than one name in a block header.',
    message: (what: string) => `'${what}' takes exactly one ${what === 'jail' ? 'address' : 'name'} before '{'`,
  },
  invalidNamespaceName: {
    code: 'NS1010', severity: 'error', summary: 'A namespace name the ip tool refuses.',
    message: (name: string) => `invalid namespace name '${name}': use letters, digits, '-', '_' and '.' (ip netns refuses '/' and names '.' and '..')`,
  },
} satisfies Record<string, CatalogueEntry>;

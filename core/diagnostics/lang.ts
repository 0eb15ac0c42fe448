// Catalogue section NS4xxx: `sysctl` and the language's own statements (listen, jail, probe),
// and namespace references. Reported by core/model/index.ts, sysctl.ts and lang.ts.
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
} satisfies Record<string, CatalogueEntry>;

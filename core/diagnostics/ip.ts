// Catalogue section NS2xxx: reasons the real `ip` tool (iproute2 + rtnetlink) rejects a line,
// and ip-specific warnings. Reported by core/model/ip*.ts.
import type { CatalogueEntry } from './types';

export const ipCatalogue = {
} satisfies Record<string, CatalogueEntry>;

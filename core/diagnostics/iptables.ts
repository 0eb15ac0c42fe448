// Catalogue section NS3xxx: reasons the real `iptables` (nf_tables backend) rejects a line, and
// iptables-specific warnings. Reported by core/model/iptables*.ts.
import type { CatalogueEntry } from './types';

export const iptablesCatalogue = {
} satisfies Record<string, CatalogueEntry>;

// Executor for `iptables`. STUB until the iptables executor lands.
import type { ExecContext } from './context';

export function execIptables(ctx: ExecContext): void {
  ctx.report('notSimulated', ctx.argv[0], "'iptables'");
}

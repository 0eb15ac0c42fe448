// Executor for `ip` (iproute2): link, addr, route, rule, neigh. STUB until the ip executor lands.
import type { ExecContext } from './context';

export function execIp(ctx: ExecContext): void {
  ctx.report('notSimulated', ctx.argv[0], `'ip ${ctx.argv[1]?.value ?? ''}'`);
}

// Executor for `sysctl`. STUB until the sysctl executor lands.
import type { ExecContext } from './context';

export function execSysctl(ctx: ExecContext): void {
  ctx.report('notSimulated', ctx.argv[0], "'sysctl'");
}

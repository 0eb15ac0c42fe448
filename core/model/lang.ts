// Executors for the language's own statements: listen, probe, jail blocks, `ip netns add`.
// STUB until the language executor lands.
import type { BlockNode } from '../syntax/tree';
import type { ExecContext, ModelState } from './context';

export function execListen(ctx: ExecContext): void {
  ctx.report('notSimulated', ctx.argv[0], "'listen'");
}

export function execProbe(ctx: ExecContext): void {
  ctx.report('notSimulated', ctx.argv[0], "'probe'");
}

export function execNetnsAdd(ctx: ExecContext): void {
  ctx.role(1, 'subcommand');
  ctx.role(2, 'subcommand');
  ctx.role(3, 'netns');
}

export function execJailBlock(_state: ModelState, _block: BlockNode, _netns: string, _addr: number | undefined): void {}

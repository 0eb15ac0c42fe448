// The simulator commands of the CLI: `trace` (a probe's path through the simulated kernel) and
// `matrix` (every probe's outcome in a table). They print what core/sim computes; they simulate
// nothing themselves. Until core/sim exists they say so and exit 2.
import type { ParsedArgs } from './args';
import type { Io } from './io';

/** The values of --mode: complete separation, or the short-cut scheme with its switch point. */
export const MODES = ['separate', 'shortcut=route', 'shortcut=postrouting', 'shortcut=socket'];

function notYet(io: Io, what: string): number {
  io.err(`netns-dbg ${what}: not yet implemented (the simulator, core/sim, is not part of this build yet)\n`);
  return 2;
}

export function traceCommand(_args: ParsedArgs, io: Io): number {
  return notYet(io, 'trace');
}

export function matrixCommand(_args: ParsedArgs, io: Io): number {
  return notYet(io, 'matrix');
}

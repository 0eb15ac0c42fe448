// Lints on the final state: what the real tools accept but a user almost never wants.
// STUB until the lints land.
import type { SourceFile } from '../syntax/tree';
import type { ModelState } from './context';

export function runLints(_state: ModelState, _file: SourceFile): void {}

// The diagnostics of an analysed document: the model's (syntax and checker, catalogue codes,
// related lines, tags, data) plus, when probe results are given, the probe expectations that do
// not hold. Offsets; the server converts to the protocol.

import type { Diagnostic } from '../diagnostics/types';
import type { Analysis } from './analysis';
import { ProbeResult, probeExpectationDiagnostics } from './probes';

export function getDiagnostics(a: Analysis, probeResults?: readonly ProbeResult[]): Diagnostic[] {
  const out = a.model.diagnostics.slice();
  if (probeResults?.length) out.push(...probeExpectationDiagnostics(a, probeResults));
  return out;
}

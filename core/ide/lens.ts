// Code lenses and inlay hints. A lens on each probe line shows its simulated outcome (when a
// ProbeRunner gave results) and offers the commands netnsDebugger.traceProbe and
// netnsDebugger.debugProbe with the probe name and the document URI. Inlay hints: the position of
// an iptables rule in its chain (`#2`), and a probe's resolved source address when known.

import { ipv4ToString } from '../kernel/config';
import type { Analysis } from './analysis';
import type { ProbeResult } from './probes';

export interface Lens {
  start: number;
  end: number;
  title: string;
  command: string;
  /** Arguments besides the document URI, which the server appends. */
  args: unknown[];
}

export function getCodeLenses(a: Analysis, results?: ReadonlyMap<string, ProbeResult>): Lens[] {
  const out: Lens[] = [];
  for (const cmd of a.commands) {
    if (cmd.count < 2 || cmd.valueAt(0) !== 'probe') continue;
    const name = cmd.valueAt(1);
    const r = results?.get(name);
    const spec = a.model.probes.find((p) => p.name === name);
    let outcome = r ? `${r.holds === false ? '✗' : '✓'} ${r.outcome}${r.netns ? ' in ' + r.netns : ''}` : spec?.expect ? `expects ${spec.expect.kind}` : 'probe';
    if (r?.holds === false && spec?.expect) outcome += ` (expected ${spec.expect.kind})`;
    out.push({ start: cmd.start, end: cmd.end, title: outcome, command: 'netnsDebugger.traceProbe', args: [name] });
    out.push({ start: cmd.start, end: cmd.end, title: 'Trace', command: 'netnsDebugger.traceProbe', args: [name] });
    out.push({ start: cmd.start, end: cmd.end, title: 'Debug', command: 'netnsDebugger.debugProbe', args: [name] });
  }
  return out;
}

export interface InlayHint {
  offset: number;
  label: string;
  tooltip?: string;
}

/** Hints for statements that overlap [start, end]. */
export function getInlayHints(a: Analysis, start: number, end: number, results?: ReadonlyMap<string, ProbeResult>): InlayHint[] {
  const out: InlayHint[] = [];
  for (const cmd of a.commands) {
    if (cmd.end < start) continue;
    if (cmd.start > end) break;
    const pos = a.rulePositions.get(cmd.id);
    if (pos) out.push({ offset: cmd.end, label: ` #${pos.position} in ${pos.table}/${pos.chain}`, tooltip: `Rule ${pos.position} of chain ${pos.chain} (table ${pos.table}, namespace ${pos.netns}) at the end of the file` });
    if (cmd.count >= 2 && cmd.valueAt(0) === 'probe') {
      const name = cmd.words[1].value;
      const spec = a.model.probes.find((p) => p.name === name);
      const src = spec?.src ?? results?.get(name)?.src;
      if (src !== undefined) out.push({ offset: cmd.words[1].end, label: ` src ${ipv4ToString(src)}`, tooltip: spec?.src !== undefined ? 'Source address given with src' : 'Source address the simulated socket got (route preferred source)' });
    }
  }
  return out;
}

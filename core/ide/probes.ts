// Probe results in the IDE: the shape the simulator's results take here, and the "probe
// expectations live" diagnostics built from them (a probe whose expect does not hold says what
// happened instead and where, linked to that line). runProbes runs every probe of a model on the
// simulator (core/sim) at the fastest detail level; a probe the simulator cannot run has no result.

import { catalogue } from '../diagnostics/catalogue';
import type { CatalogueEntry, Diagnostic } from '../diagnostics/types';
import type { SimMode } from '../kernel/config';
import type { Model } from '../model/index';
import { originOf, simulate } from '../sim/index';
import { offsetToPosition } from '../syntax/tree';
import type { Analysis } from './analysis';

export interface ProbeResult {
  name: string;
  /** What happened (an OutcomeKind word). */
  outcome: string;
  /** Namespace where it happened. */
  netns?: string;
  /** Plain words: where and why ("router filter/FORWARD rule 2"). */
  where?: string;
  /** Statement id of the line responsible (a rule, a route ...), if any. */
  statement?: number;
  /** The probe's expectation held (undefined when the probe expects nothing). */
  holds?: boolean;
  /** Source address the sending socket got (the route's preferred source, or `src`). */
  src?: number;
}

/** Runs every probe of a model in a simulation mode ('separate', 'shortcut:route', ...). */
export type ProbeRunner = (model: Model, mode: string) => ProbeResult[];

/** Parses a mode setting: 'separate' (default), 'shortcut' or 'shortcut:route|postrouting|socket'. */
export function parseSimMode(mode: string): SimMode {
  const m = /^shortcut(?::(route|postrouting|socket))?$/.exec(mode.trim());
  if (m) return { kind: 'shortcut', at: (m[1] as 'route' | 'postrouting' | 'socket' | undefined) ?? 'route' };
  return { kind: 'separate' };
}

/** Runs every probe of the model on the simulator (outcome only). Never throws. */
export const runProbes: ProbeRunner = (model: Model, mode: string): ProbeResult[] => {
  const out: ProbeResult[] = [];
  const simMode = parseSimMode(mode);
  for (const p of model.probes) {
    try {
      const r = simulate(model.topology, p, simMode, { detail: 0 });
      out.push({
        name: p.name, outcome: r.outcome.kind, netns: r.outcome.netns ?? undefined, where: r.outcome.reason || undefined,
        statement: r.outcome.origin !== null && r.outcome.origin >= 0 ? r.outcome.origin : undefined,
        holds: r.pass === null ? undefined : r.pass,
        src: r.client && r.client.saddr ? r.client.saddr : undefined,
      });
    } catch {
      // A simulator failure leaves this probe without a result; the rest still run.
    }
  }
  return out;
};

/** Names of the probes whose simulated path (matched rules, routes, sockets) involves statement `stmt`. */
export function probesThrough(model: Model, stmt: number, mode = 'separate'): string[] {
  const out: string[] = [];
  const simMode = parseSimMode(mode);
  for (const p of model.probes) {
    try {
      const r = simulate(model.topology, p, simMode, { detail: 1 });
      if (r.events.some((e) => originOf(e) === stmt) || r.outcome.origin === stmt) out.push(p.name);
    } catch {
      // No result for this probe.
    }
  }
  return out;
}

/** Catalogue key the expectation diagnostic uses (to be added to the NS4xxx section). */
export const PROBE_EXPECTATION_KEY = 'probeExpectationFailed';

/** Diagnostics for probes whose expectation does not hold; empty if the catalogue lacks the entry. */
export function probeExpectationDiagnostics(a: Analysis, results: readonly ProbeResult[]): Diagnostic[] {
  const entry = (catalogue as Record<string, CatalogueEntry>)[PROBE_EXPECTATION_KEY];
  if (!entry) return [];
  const out: Diagnostic[] = [];
  for (const r of results) {
    if (r.holds !== false) continue;
    const def = a.symbolsByKey.get(`probe:${r.name}`)?.find((s) => s.isDefinition);
    const spec = a.model.probes.find((p) => p.name === r.name);
    const stmt = def?.statement ?? spec?.origin;
    const info = stmt !== undefined ? a.model.statements[stmt] : undefined;
    const range = info ? info.cmd : def;
    if (!range) continue;
    const expected = spec?.expect ? `${spec.expect.kind}${spec.expect.netns ? ' in ' + spec.expect.netns : ''}` : '?';
    const got = `${r.outcome}${r.netns ? ' in ' + r.netns : ''}`;
    let where = r.where ?? '';
    const cause = r.statement !== undefined ? a.model.statements[r.statement] : undefined;
    if (cause) where += `${where ? ', ' : ''}line ${lineOf(a, cause.cmd.start) + 1}`;
    const d: Diagnostic = {
      code: entry.code, severity: entry.severity, message: entry.message(expected, got, where), start: range.start, end: range.end,
      data: { probe: r.name, outcome: r.outcome },
    };
    if (cause) d.related = [{ start: cause.cmd.start, end: cause.cmd.end, message: `the probe ends here: ${got}` }];
    out.push(d);
  }
  return out;
}

function lineOf(a: Analysis, offset: number): number {
  return offsetToPosition(a.model.file.lineStarts, offset).line;
}

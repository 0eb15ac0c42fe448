// Shared by the import tests (unit, on recorded fixtures) and the kernel round trip: the probe lines
// of a file, and each probe's simulated outcome and trace reduced to the steps that must agree
// between an original file and its import: (netns, fn, hook, table, chain, rule, verdict) of every
// event of every packet. Owns no assertion.
import type { Model } from '../../core/model/index';
import { simulate, traceToJson } from '../../core/sim/index';
import { forEachCommand } from '../../core/syntax/tree';

/** The probe statements of a file, as written (continuations folded). */
export function probeLines(model: Model): string[] {
  const out: string[] = [];
  forEachCommand(model.file.items, (cmd) => {
    if (cmd.words[0]?.value === 'probe') out.push(model.file.text.slice(cmd.start, cmd.end).replace(/\\\r?\n/g, ' '));
  });
  return out;
}

/** The imported text with the original's probes appended (probes are not kernel state). */
export function withProbes(imported: string, original: Model): string {
  return imported + '\n# Probes of the original file\n' + probeLines(original).join('\n') + '\n';
}

/** Per probe: `outcome KIND in NS`, then per packet its events as comparable steps. */
export function traces(model: Model): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of model.probes) {
    const j = traceToJson(simulate(model.topology, p));
    const steps = [`outcome ${j.outcome.kind} in ${j.outcome.netns ?? '-'}`];
    for (const pk of j.packets) {
      steps.push(`packet ${pk.id}`);
      for (const e of pk.events) steps.push([e.netns, e.fn, e.hook ?? '', e.table ?? '', e.chain ?? '', e.rule ?? '', e.verdict ?? ''].join(' '));
    }
    out.set(p.name, steps);
  }
  return out;
}

/** The first differing step per probe, as `probe NAME: step I: original '...', imported '...'`. */
export function traceDifferences(original: Model, imported: Model): string[] {
  const want = traces(original);
  const got = traces(imported);
  const diffs: string[] = [];
  for (const [name, a] of want) {
    const b = got.get(name) ?? [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i] !== b[i]) {
        diffs.push(`probe ${name}: step ${i}: original '${a[i] ?? '(end)'}', imported '${b[i] ?? '(end)'}'`);
        break;
      }
    }
  }
  return diffs;
}

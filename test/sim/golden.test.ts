// Golden traces from .netns fixtures: the model lowers the file, the simulator runs every probe
// (separate mode, `nft monitor trace` detail) and the text rendering is compared with
// fixtures/NAME.trace.txt. UPDATE_GOLDEN=1 rewrites the expected files; review them as diffs.

import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildModel } from '../../core/model';
import { formatModeComparison, formatTrace, simulate } from '../../core/sim';

const DIR = path.join(__dirname, '..', '..', '..', 'test', 'sim', 'fixtures');

function lineMapper(text: string, statements: { cmd: { start: number } }[]): (o: number) => number | undefined {
  return (o) => {
    const s = statements[o];
    return s ? text.slice(0, s.cmd.start).split('\n').length : undefined;
  };
}

describe('sim: golden traces', () => {
  for (const f of fs.readdirSync(DIR).filter((x) => x.endsWith('.netns')).sort()) {
    it(f, () => {
      const text = fs.readFileSync(path.join(DIR, f), 'utf8');
      const m = buildModel(text);
      // A fixture may expect some error diagnostics (`# expect-diagnostics: CODE ...`), e.g. a jailed listen on 0.0.0.0.
      const allowed = new Set((/# expect-diagnostics: (.*)/.exec(text)?.[1] ?? '').split(/\s+/).filter(Boolean));
      const errors = m.diagnostics.filter((d) => (d as { severity?: string }).severity === 'error' && !allowed.has((d as { code?: string }).code ?? ''));
      assert.deepStrictEqual(errors, [], 'fixture must be valid');
      const o2l = lineMapper(text, m.statements);
      let out = '';
      for (const p of m.probes) {
        const r = simulate(m.topology, p, { kind: 'separate' }, { detail: 1, originToLine: o2l });
        assert.strictEqual(r.pass, true, `${p.name}: ${r.outcome.kind} in ${r.outcome.netns}: ${r.outcome.reason}`);
        out += formatTrace(r) + '\n';
        const modes = [r, ...(['route', 'postrouting', 'socket'] as const).map((at) => simulate(m.topology, p, { kind: 'shortcut', at }, { detail: 0 }))];
        out += formatModeComparison(modes) + '\n';
      }
      const gold = path.join(DIR, f.replace(/\.netns$/, '.trace.txt'));
      if (process.env.UPDATE_GOLDEN === '1' || !fs.existsSync(gold)) fs.writeFileSync(gold, out);
      assert.strictEqual(out, fs.readFileSync(gold, 'utf8'));
    });
  }
});

// Golden traces: the model lowers each file, the simulator runs every probe (separate mode,
// `nft monitor trace` detail, plus the short-cut modes' cost table) and the text rendering is
// compared with an expected file. Three corpora: the small fixtures here (fixtures/NAME.trace.txt),
// every example (golden/examples/) and every kernel agreement case, one per kernel behaviour
// (golden/kernel-cases/). UPDATE_GOLDEN=1 rewrites the expected files; review them as diffs.

import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildModel } from '../../core/model';
import { formatModeComparison, formatTrace, simulate } from '../../core/sim';

const ROOT = path.join(__dirname, '..', '..', '..');
const CORPORA: Array<{ name: string; dir: string; golden: string }> = [
  { name: 'fixtures', dir: path.join(ROOT, 'test', 'sim', 'fixtures'), golden: path.join(ROOT, 'test', 'sim', 'fixtures') },
  { name: 'examples', dir: path.join(ROOT, 'examples'), golden: path.join(ROOT, 'test', 'sim', 'golden', 'examples') },
  { name: 'kernel cases', dir: path.join(ROOT, 'test', 'kernel', 'cases'), golden: path.join(ROOT, 'test', 'sim', 'golden', 'kernel-cases') },
];

function lineMapper(text: string, statements: { cmd: { start: number } }[]): (o: number) => number | undefined {
  return (o) => {
    const s = statements[o];
    return s ? text.slice(0, s.cmd.start).split('\n').length : undefined;
  };
}

for (const { name, dir: DIR, golden: GOLDEN } of CORPORA) describe(`sim: golden traces (${name})`, () => {
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
      const gold = path.join(GOLDEN, f.replace(/\.netns$/, '.trace.txt'));
      if (process.env.UPDATE_GOLDEN === '1') {
        fs.mkdirSync(GOLDEN, { recursive: true });
        fs.writeFileSync(gold, out);
      }
      assert.ok(fs.existsSync(gold), `missing golden ${gold}: run with UPDATE_GOLDEN=1 and review`);
      assert.strictEqual(out, fs.readFileSync(gold, 'utf8'));
    });
  }
});

// Golden tests of the iptables diagnostics (NS3xxx): for every test/fixtures/checker/NS3*.netns,
// the rendered diagnostics of buildModel (plus lintIptables, which is idempotent, in case
// core/model/lint.ts does not call it yet) must equal NS3*.diag. Each NS3xxx code has a fixture
// that triggers it and an `-ok` variant that must not; every rejected line was run on the real
// iptables (v1.8.9, nf_tables) in a throwaway namespace, as the fixture's `# kernel:` comments say,
// and the test checks that the lines with an error are exactly the lines commented as rejected.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { iptablesCatalogue } from '../../core/diagnostics/iptables';
import { buildModel } from '../../core/model/index';
import { lintIptables } from '../../core/model/iptables';
import { computeLineStarts, offsetToPosition } from '../../core/syntax/tree';
import { assertGolden, listFixtures, renderDiagnostics } from '../util/golden';

const fixtures = listFixtures('checker').filter((f) => path.basename(f).startsWith('NS3'));

describe('iptables golden fixtures (NS3xxx)', () => {
  it('has a triggering and an -ok fixture for every NS3xxx code', () => {
    const names = fixtures.map((f) => path.basename(f));
    for (const e of Object.values(iptablesCatalogue)) {
      assert.ok(names.some((n) => n.startsWith(e.code + '-') && !n.endsWith('-ok.netns')), `no fixture triggers ${e.code}`);
      assert.ok(names.some((n) => n.startsWith(e.code + '-') && n.endsWith('-ok.netns')), `no -ok fixture for ${e.code}`);
    }
  });

  for (const file of fixtures) {
    const base = path.basename(file, '.netns');
    const code = base.slice(0, 6);
    it(base, () => {
      const text = fs.readFileSync(file, 'utf8');
      const model = buildModel(text);
      lintIptables(model);
      assertGolden(file.replace(/\.netns$/, '.diag'), renderDiagnostics(text, model.diagnostics));
      const codes = model.diagnostics.map((d) => d.code);
      if (base.endsWith('-ok')) assert.ok(!codes.includes(code), `${base} must not report ${code}`);
      else assert.ok(codes.includes(code), `${base} must report ${code}`);
      // Lines with an error are exactly the lines the kernel comment says the real tool rejected.
      const ls = computeLineStarts(text);
      const errorLines = new Set(model.diagnostics.filter((d) => d.severity === 'error').map((d) => offsetToPosition(ls, d.start).line));
      const lines = text.split('\n');
      const rejected = new Set<number>();
      lines.forEach((l, i) => {
        if (/# kernel: \S+ exits [1-9]/.test(l)) rejected.add(i + 1);
      });
      assert.deepEqual([...errorLines].sort(), [...rejected].sort(), `${base}: error lines differ from the lines the real tool rejects`);
    });
  }
});

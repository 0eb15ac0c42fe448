// Golden checker fixtures: every test/fixtures/checker/*.netns is checked as `netns-dbg check` and
// the editor check it (buildModel, plus the probes run through the simulator for NS4050) and its
// diagnostics rendered next to it as `<name>.diag` (UPDATE_GOLDEN=1 rewrites them; review the diff).
// Naming convention, enforced here for every section: `NSxxxx-<slug>.netns` must report NSxxxx,
// and its closest correct variant `NSxxxx-<slug>-ok.netns` must not.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, getDiagnostics } from '../../core/ide';
import { runProbes } from '../../core/ide/probes';
import { assertGolden, listFixtures, renderDiagnostics } from '../util/golden';

describe('checker: golden fixtures', () => {
  for (const file of listFixtures('checker')) {
    const name = path.basename(file);
    it(name, () => {
      const text = fs.readFileSync(file, 'utf8');
      const a = analyze(text);
      const diagnostics = getDiagnostics(a, runProbes(a.model, 'separate'));
      const codes = new Set(diagnostics.map((d) => d.code));
      const m = /^(NS\d{4})-.*?(-ok)?\.netns$/.exec(name);
      if (m) {
        if (m[2]) assert.ok(!codes.has(m[1]), `${name} is the correct variant but reports ${m[1]}`);
        else assert.ok(codes.has(m[1]), `${name} should report ${m[1]}; got ${[...codes].join(', ') || 'nothing'}`);
      }
      assertGolden(file.replace(/\.netns$/, '.diag'), renderDiagnostics(text, diagnostics));
    });
  }

  it('every fixture that triggers a code has its -ok variant', () => {
    const names = new Set(listFixtures('checker').map((f) => path.basename(f)));
    for (const n of names) {
      if (/^NS\d{4}-/.test(n) && !n.endsWith('-ok.netns')) {
        assert.ok(names.has(n.replace(/\.netns$/, '-ok.netns')), `${n} has no -ok variant`);
      }
    }
  });
});

// Kernel check of the examples (examples/*.netns): the export of every example builds on the real
// kernel without a single failing command, and every probe an example states is what the kernel
// does (probes sent from a bsdjail cannot be reproduced on a stock kernel: listed, not sent).
// Owns only this wiring; harness.ts runs the kernel side. The simulator comparison is the
// agreement suite's job (agreement.kernel.test.ts).

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  cleanupAll, installInterruptCleanup, kernelUnavailableReason, KernelCaseResult, pool, newPrefix,
  removeStaleNamespaces, repoRoot, runCaseOnKernel,
} from './harness';

const dir = path.join(repoRoot(), 'examples');
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.netns')).sort() : [];
const unavailable = kernelUnavailableReason();
const inCI = process.env.CI === 'true' || process.env.CI === '1';

describe('kernel examples: every example builds and behaves as it says on the real kernel', function () {
  this.timeout(300_000);

  if (unavailable) {
    it('runs on a kernel where it can create network namespaces', () => {
      process.stderr.write(`\n${'!'.repeat(78)}\n!! KERNEL EXAMPLES CHECK NOT RUN: ${unavailable}\n${'!'.repeat(78)}\n`);
      if (inCI) assert.fail(`kernel examples check cannot run in CI: ${unavailable}`);
    });
    return;
  }

  const results = new Map<string, KernelCaseResult>();

  before(async function () {
    installInterruptCleanup();
    removeStaleNamespaces();
    const rs = await pool(files, 7, (f, i) => runCaseOnKernel(fs.readFileSync(path.join(dir, f), 'utf8'), f, newPrefix()));
    files.forEach((f, i) => results.set(f, rs[i]));
  });

  after(() => cleanupAll());

  it('has at least six examples', () => assert.ok(files.length >= 6, `${files.length} examples`));

  for (const file of files) {
    it(`kernel example ${file}`, () => {
      const r = results.get(file)!;
      const problems: string[] = [];
      if (r.error) problems.push(`could not run: ${r.error}`);
      for (const f of r.failures) problems.push(`line ${f.line} fails on the kernel (exit ${f.status})`);
      for (const { probe, obs } of r.probes) {
        if (!probe.expect) continue;
        if (probe.expect.kind !== obs.outcome.kind || (probe.expect.netns !== undefined && probe.expect.netns !== obs.outcome.netns)) {
          problems.push(`probe ${probe.name} (line ${probe.line}) expects ${probe.expect.kind}${probe.expect.netns ? ` in ${probe.expect.netns}` : ''}; the kernel says ${obs.outcome.kind} in ${obs.outcome.netns}\n    ${obs.detail}`);
        }
      }
      for (const n of r.notRun) process.stdout.write(`      (${file}: probe ${n.probe.name} not sent: ${n.why})\n`);
      assert.equal(problems.length, 0, `\n${file}:\n  ${problems.join('\n  ')}`);
    });
  }
});

// Kernel agreement suite: every case in test/kernel/cases/*.netns is built on the real kernel with
// the export, its probes are sent for real and traced, and the simulator must say the same thing
// (outcome and namespace, the listener's peer address, the netfilter path of the probe packet, the
// deciding rule and verdict). Each probe's `expect` must also be what the kernel does: the corpus
// is checked against the kernel, never the other way round. Owns the test wiring and the summary
// table; harness.ts runs the kernel side, sim-adapter.ts the simulator side and the comparison.
//
// Needs root and network namespaces. Without them it says so loudly; under CI=true it fails.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildModel } from '../../core/model/index';
import {
  cleanupAll, installInterruptCleanup, kernelUnavailableReason, KernelCaseResult, pool, newPrefix,
  readProbes, removeStaleNamespaces, repoRoot, runCaseOnKernel,
} from './harness';
import { compareProbe, simulateCase } from './sim-adapter';

/** Cases built at the same time: most of a case's time is waiting for probes to time out. */
const CONCURRENCY = 10;

/**
 * Known disagreements between the simulator and the kernel, asserted as today's behaviour
 * (house rule: a known bug is an asserted current behaviour with a FIXME). Each entry names the
 * case, the probe and a piece of the first differing step; when the simulator is fixed the
 * entry fails and must be removed.
 */
const KNOWN_DISAGREEMENTS: Array<{ file: string; probe: string; first: string; fixme: string }> = [
];

const casesDir = path.join(repoRoot(), 'test/kernel/cases');
const allFiles = fs.existsSync(casesDir) ? fs.readdirSync(casesDir).filter((f) => f.endsWith('.netns')).sort() : [];
/** ND_CASES=REGEX runs only the matching cases (for a developer at work; never set in CI). */
if (process.env.ND_CASES && (process.env.CI === 'true' || process.env.CI === '1')) throw new Error('ND_CASES must not be set in CI: the whole corpus runs there');
const files = process.env.ND_CASES ? allFiles.filter((f) => new RegExp(process.env.ND_CASES!).test(f)) : allFiles;
const unavailable = kernelUnavailableReason();
const inCI = process.env.CI === 'true' || process.env.CI === '1';

interface Row {
  file: string;
  probes: number;
  agreeing: number;
  disagreements: string[];
}

describe('kernel agreement: the simulator against the real kernel', function () {
  this.timeout(600_000);

  if (unavailable) {
    it('runs on a kernel where it can create network namespaces', () => {
      const msg =
        '\n' + '!'.repeat(78) + '\n' +
        `!! KERNEL AGREEMENT SUITE NOT RUN: ${unavailable}\n` +
        '!! It needs root and network namespaces (ip netns), nft, iptables, python3.\n' +
        `!! ${files.length} cases were NOT checked against the kernel.\n` +
        '!'.repeat(78) + '\n';
      process.stderr.write(msg);
      if (inCI) assert.fail(`kernel agreement suite cannot run in CI: ${unavailable}`);
    });
    return;
  }

  const results = new Map<string, KernelCaseResult>();
  const rows: Row[] = [];
  let started = 0;

  before(async function () {
    installInterruptCleanup();
    const stale = removeStaleNamespaces();
    if (stale.length) process.stderr.write(`kernel suite: removed ${stale.length} stale namespaces of earlier runs\n`);
    started = Date.now();
    const rs = await pool(files, CONCURRENCY, (f, i) =>
      runCaseOnKernel(fs.readFileSync(path.join(casesDir, f), 'utf8'), f, newPrefix()));
    files.forEach((f, i) => results.set(f, rs[i]));
  });

  after(() => {
    cleanupAll();
    printTable(rows, (Date.now() - started) / 1000);
  });

  it('has a corpus of at least 40 cases', () => {
    assert.ok(allFiles.length >= 40, `only ${allFiles.length} cases in ${casesDir}`);
  });

  for (const file of files) {
    it(`kernel case ${file}`, () => {
      const r = results.get(file);
      assert.ok(r, 'the case did not run');
      const model = buildModel(fs.readFileSync(path.join(casesDir, file), 'utf8'));
      const probes = readProbes(model);
      const row: Row = { file, probes: probes.length, agreeing: 0, disagreements: [] };
      rows.push(row);
      const problems: string[] = [];
      if (r.error) problems.push(`could not run on the kernel: ${r.error}`);
      for (const f of r.failures) problems.push(`line ${f.line} failed on the kernel (exit ${f.status}): a case must build cleanly`);
      const sims = simulateCase(model);
      for (const n of r.notRun) row.disagreements.push(`${n.probe.name}: not sent (${n.why})`);
      for (const { probe, obs } of r.probes) {
        const where = `probe ${probe.name} (line ${probe.line})`;
        if (probe.expect && (probe.expect.kind !== obs.outcome.kind || (probe.expect.netns !== undefined && probe.expect.netns !== obs.outcome.netns))) {
          problems.push(`${where}: the case expects ${probe.expect.kind}${probe.expect.netns ? ` in ${probe.expect.netns}` : ''} but the KERNEL says ${obs.outcome.kind} in ${obs.outcome.netns} (fix the case: the kernel is the judge)\n    ${obs.detail}`);
        }
        const sim = sims.get(probe.name);
        let first: string | undefined;
        let detail = '';
        if (!sim) first = 'the simulator has no such probe (model.probes)';
        else if ('error' in sim) first = `the simulator threw: ${sim.error.split('\n')[0]}`;
        else {
          const d = compareProbe(probe, obs, sim, r.chains, model);
          if (d) {
            first = d.first;
            detail = d.detail;
          }
        }
        const known = KNOWN_DISAGREEMENTS.find((k) => k.file === file && k.probe === probe.name);
        if (known) {
          if (!first || !first.includes(known.first)) {
            problems.push(`${where}: listed in KNOWN_DISAGREEMENTS (${known.first}) but now ${first ? `differs differently: ${first}` : 'AGREES'}; update the list`);
          }
          row.disagreements.push(`${probe.name}: ${first ?? '?'} [known: ${known.fixme}]`);
          continue;
        }
        if (first) {
          row.disagreements.push(`${probe.name}: ${first}`);
          problems.push(`${where}: kernel and simulator disagree: ${first}\n${detail}`);
        } else row.agreeing++;
      }
      assert.equal(problems.length, 0, `\n${file} (${r.seconds.toFixed(1)} s on the kernel, prefix ${r.prefix}):\n  ${problems.join('\n  ')}`);
    });
  }
});

function printTable(rows: Row[], seconds: number): void {
  if (!rows.length) return;
  const out: string[] = [];
  out.push('');
  out.push('kernel agreement: case                                   probes  agree');
  let p = 0;
  let a = 0;
  for (const r of rows) {
    p += r.probes;
    a += r.agreeing;
    out.push(`  ${r.file.padEnd(54)} ${String(r.probes).padStart(5)}  ${String(r.agreeing).padStart(5)}`);
    for (const d of r.disagreements) out.push(`      differs: ${d}`);
  }
  out.push(`  ${'total: ' + rows.length + ' cases'}`.padEnd(56) + ` ${String(p).padStart(5)}  ${String(a).padStart(5)}   (${seconds.toFixed(0)} s on the kernel)`);
  process.stdout.write(out.join('\n') + '\n');
}

// Tests of the benchmark's input generator (bench/generate.ts) behind `npm run bench`: the sizes
// issue 2 asks for, a file the checker finds clean, probes that pass, and (kernel, as root) an
// iptables-save form the real iptables-restore accepts. No timing here: the bench reports times.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateTopology, RULES_PER_NAMESPACE } from '../../bench/generate';
import { printTable } from '../../bench/harness';
import { buildModel } from '../../core/model/index';
import { simulate } from '../../core/sim/index';

describe('bench: generated topology', function () {
  this.timeout(60000);

  it('has exactly 100,000 lines, 1,000 namespaces and 50,000 iptables rules', () => {
    const g = generateTopology();
    assert.equal(g.lines, 100000);
    assert.equal(g.text.split('\n').length - 1, 100000);
    assert.equal(g.namespaces, 1000);
    assert.equal(g.iptablesRules, 50000);
    assert.equal(g.iptablesRules, 1000 * RULES_PER_NAMESPACE);
    assert.equal((g.text.match(/^\s*iptables (-t \w+ )?-A /gm) ?? []).length, 50000);
    assert.equal((g.iptablesSave.match(/^-A /gm) ?? []).length, 50000);
    assert.equal((g.iptablesSave.match(/^COMMIT$/gm) ?? []).length, 3);
  });

  it('is deterministic', () => {
    assert.equal(generateTopology({ namespaces: 5 }).text, generateTopology({ namespaces: 5 }).text);
  });

  it('a small ring checks clean and its probe passes in the simulator', () => {
    const g = generateTopology({ namespaces: 12 });
    assert.equal(g.lines, 1200);
    const m = buildModel(g.text);
    assert.deepEqual(m.diagnostics.map((d) => `${d.code} ${d.message}`), []);
    assert.equal(m.probes.length, 1);
    assert.equal(simulate(m.topology, m.probes[0]).pass, true);
  });

  it('the table printer aligns columns and lists notes', () => {
    let out = '';
    printTable(
      [
        { name: 'a', figure: '1 ms', goal: '< 2 ms', status: 'ok', notes: ['how'] },
        { name: 'longer name', figure: '-', goal: '', status: 'unavailable' },
      ],
      (s) => (out += s),
    );
    assert.equal(
      out,
      'benchmark    figure  goal    status\n' +
        '-----------  ------  ------  -----------\n' +
        'a            1 ms    < 2 ms  ok\n' +
        'longer name  -               unavailable\n' +
        '\n  a: how\n',
    );
  });

  it('kernel: iptables-restore --test accepts the iptables-save form (throwaway namespace, root)', () => {
    assert.equal(process.getuid?.(), 0, 'the kernel tests need root (CI runs them as root)');
    const g = generateTopology({ namespaces: 30 });
    const ns = `nd-${process.pid}-benchsave`;
    const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
    assert.equal(add.status, 0, add.stderr);
    try {
      const r = spawnSync('ip', ['netns', 'exec', ns, 'iptables-restore', '--test'], { input: g.iptablesSave, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
    }
  });
});

// Checker agreement: scripts with faulty lines are exported and run on the real kernel; the set of
// lines whose command fails (non-zero exit status) must equal the set of lines where the checker
// (buildModel diagnostics of severity error, `not simulated` excluded) reports an error. The
// scripts are hand-written (test/kernel/checker/*.netns) and generated from a seeded generator
// (same seed, same script). Owns the scripts and the comparison; harness.ts runs the export.
//
// Disagreements the checker owners cannot fix yet are asserted as today's behaviour in
// KNOWN_DIFFERENCES (FIXME); when the checker is fixed the entry fails and must be removed.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildModel, Model } from '../../core/model/index';
import { offsetToPosition } from '../../core/syntax/tree';
import {
  buildOnKernel, cleanupAll, cleanupOnKernel, installInterruptCleanup, kernelUnavailableReason, pool, newPrefix,
  removeStaleNamespaces, repoRoot,
} from './harness';
import { prng } from '../util/prng';

const NOT_SIMULATED = 'NS9001';

/** `file:line` -> why the checker and the kernel differ there today (FIXME for the checker owners). */
const KNOWN_DIFFERENCES: Record<string, string> = {};


/**
 * A generated script: a small valid base, then lines drawn from templates whose arguments are
 * sometimes valid and sometimes not (unknown devices, bad prefixes, wrong tables and chains,
 * unreachable gateways, out-of-range sysctl values). Each line runs against the state the earlier
 * lines left, on the kernel and in the checker alike.
 */
export function generateFaultyScript(seed: number, lines = 40): string {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const devs = ['eth0', 'eth1', 'br0', 'lo', 'eth9', 'veth-x'];
  const chains = ['INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING', 'MYCHAIN', 'NOCHAIN'];
  const tables = ['filter', 'nat', 'mangle', 'raw'];
  const targets = ['ACCEPT', 'DROP', 'REJECT', 'MASQUERADE', 'DNAT --to-destination 10.0.0.9', 'SNAT --to-source 10.0.0.1', 'MARK --set-mark 3', 'RETURN', 'MYCHAIN', 'LOG'];
  const out: string[] = [
    `# Generated checker agreement script (seed ${seed}).`,
    'namespace g {',
    '    ip link add eth0 type veth peer name eth1',
    '    ip link add br0 type bridge',
    '    ip addr add 10.0.0.1/24 dev eth0',
    '    ip link set eth0 up',
    '    ip link set eth1 up',
    '    iptables -N MYCHAIN',
  ];
  const templates: Array<() => string> = [
    () => `ip link set ${pick(devs)} ${pick(['up', 'down'])}`,
    () => `ip addr add 10.${Math.floor(r() * 3)}.0.${1 + Math.floor(r() * 3)}/${pick([8, 16, 24, 24, 32, 33])} dev ${pick(devs)}`,
    () => `ip route add 10.${10 + Math.floor(r() * 4)}.0.0/16 via ${pick(['10.0.0.2', '10.0.0.3', '10.9.0.1', '10.0.0.1'])}`,
    () => `ip route add 10.${20 + Math.floor(r() * 3)}.0.0/${pick([16, 16, 8])} dev ${pick(devs)}`,
    () => `ip route add ${pick(['blackhole', 'unreachable', 'prohibit'])} 10.${30 + Math.floor(r() * 2)}.0.0/16`,
    () => `ip link set ${pick(devs)} master ${pick(['br0', 'eth0', 'nobr'])}`,
    () => `iptables -t ${pick(tables)} -A ${pick(chains)} -j ${pick(targets)}`,
    () => `iptables -A ${pick(chains)} ${pick(['-p tcp', '-p udp', '', '-p icmp'])} ${pick(['--dport 80', '', '--sport 53'])} -j ${pick(['ACCEPT', 'DROP'])}`.replace(/\s+/g, ' '),
    () => `iptables -A ${pick(chains)} ${pick(['-i', '-o'])} ${pick(devs)} -j ACCEPT`,
    () => `iptables -D ${pick(chains)} ${1 + Math.floor(r() * 3)}`,
    () => `sysctl -w net.ipv4.conf.${pick(devs)}.rp_filter=${Math.floor(r() * 4)}`,
    () => `sysctl -w net.ipv4.conf.${pick(['all', 'default', 'eth0'])}.${pick(['forwarding', 'accept_local', 'route_localnet'])}=${pick(['0', '1', '2', 'x'])}`,
  ];
  for (let i = 0; i < lines; i++) out.push('    ' + pick(templates)());
  out.push('}');
  return out.join('\n') + '\n';
}

/** 1-based lines of the statements where the checker reports an error. */
function checkerErrorLines(model: Model): Set<number> {
  const lines = new Set<number>();
  const stmts = model.statements.filter(Boolean);
  for (const d of model.diagnostics) {
    if (d.severity !== 'error' || d.code === NOT_SIMULATED) continue;
    // Report on the line where the statement starts (the export numbers commands that way).
    const s = stmts.find((st) => st.cmd.start <= d.start && d.start <= st.cmd.end);
    const off = s ? s.cmd.start : d.start;
    lines.add(offsetToPosition(model.file.lineStarts, off).line + 1);
  }
  return lines;
}

function lineText(text: string, line: number): string {
  return (text.split('\n')[line - 1] ?? '').trim();
}

const dir = path.join(repoRoot(), 'test/kernel/checker');
const handWritten = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.netns')).sort() : [];
const scripts: Array<{ name: string; text: string }> = [
  ...handWritten.map((f) => ({ name: f, text: fs.readFileSync(path.join(dir, f), 'utf8') })),
  ...[1, 2, 3, 4].map((seed) => ({ name: `generated-seed-${seed}`, text: generateFaultyScript(seed) })),
];
const unavailable = kernelUnavailableReason();
const inCI = process.env.CI === 'true' || process.env.CI === '1';

describe('kernel checker agreement: failing lines on the kernel = error lines of the checker', function () {
  this.timeout(300_000);

  if (unavailable) {
    it('runs on a kernel where it can create network namespaces', () => {
      process.stderr.write(`\n${'!'.repeat(78)}\n!! KERNEL CHECKER AGREEMENT NOT RUN: ${unavailable}\n${'!'.repeat(78)}\n`);
      if (inCI) assert.fail(`kernel checker agreement cannot run in CI: ${unavailable}`);
    });
    return;
  }

  const kernelFailing = new Map<string, Map<number, number>>();
  const summary: string[] = [];

  before(async function () {
    installInterruptCleanup();
    removeStaleNamespaces();
    await pool(scripts, 4, async (s, i) => {
      const prefix = newPrefix();
      const model = buildModel(s.text);
      try {
        const b = await buildOnKernel(model, prefix, s.name);
        kernelFailing.set(s.name, new Map(b.failures.map((f) => [f.line, f.status])));
      } finally {
        await cleanupOnKernel(prefix);
      }
    });
  });

  after(() => {
    cleanupAll();
    if (summary.length) process.stdout.write('\nchecker agreement (kernel vs checker):\n' + summary.join('\n') + '\n');
  });

  for (const s of scripts) {
    it(`kernel checker agreement on ${s.name}`, () => {
      const failing = kernelFailing.get(s.name);
      assert.ok(failing, 'the script did not run on the kernel');
      const model = buildModel(s.text);
      const checker = checkerErrorLines(model);
      const diffs: string[] = [];
      const unexpected: string[] = [];
      const all = new Set([...failing.keys(), ...checker]);
      for (const line of [...all].sort((a, b) => a - b)) {
        const k = failing.has(line);
        const c = checker.has(line);
        if (k === c) continue;
        const msg = k
          ? `line ${line}: the kernel FAILS (exit ${failing.get(line)}) but the checker reports no error: ${lineText(s.text, line)}`
          : `line ${line}: the checker reports an error (${model.diagnostics.filter((d) => d.severity === 'error' && offsetToPosition(model.file.lineStarts, d.start).line + 1 === line).map((d) => d.code).join(',')}) but the kernel ACCEPTS it: ${lineText(s.text, line)}`;
        diffs.push(msg);
        if (!KNOWN_DIFFERENCES[`${s.name}:${line}`]) unexpected.push(msg);
      }
      summary.push(`  ${s.name.padEnd(28)} kernel failing ${String(failing.size).padStart(3)}, checker errors ${String(checker.size).padStart(3)}, differ ${diffs.length}`);
      for (const d of diffs) summary.push(`      ${d}`);
      const stale = Object.keys(KNOWN_DIFFERENCES).filter((k) => k.startsWith(`${s.name}:`) && !diffs.some((d) => d.startsWith(`line ${k.split(':')[1]}:`)));
      assert.deepEqual({ unexpected, stale }, { unexpected: [], stale: [] }, `\n${s.name}:\n  ${diffs.join('\n  ')}`);
    });
  }
});

// CLI tests: run `netns-dbg` as a child process (the tsc output out/cli/main.js, always as fresh as
// the test itself; and the bundled dist/cli.js that `npm test` builds first) on fixtures and the
// examples, asserting output and exit codes.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatText } from '../../core/ide/format';
import { fixturePath, repoRoot } from '../util/golden';

const CLI = path.join(repoRoot, 'out', 'cli', 'main.js');
const DIST_CLI = path.join(repoRoot, 'dist', 'cli.js');

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], input?: string): Result {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: repoRoot, input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function rel(...parts: string[]): string {
  return path.relative(repoRoot, fixturePath(...parts));
}

function examples(): string[] {
  const dir = path.join(repoRoot, 'examples');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.netns')).sort().map((f) => path.join('examples', f));
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'netns-dbg-cli-'));
}

const DIAGNOSTIC_LINE = /^(.+):(\d+):(\d+): (error|warning|info|hint) (NS\d{4}): (.+)$/;

describe('cli: netns-dbg', function () {
  this.timeout(60000); // child processes; slow when the machine is busy
  describe('usage', () => {
    it('--version prints the package version', () => {
      const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
      const r = cli(['--version']);
      assert.equal(r.status, 0);
      assert.equal(r.stdout, `netns-dbg ${pkg.version}\n`);
    });

    it('--help lists every command; no arguments prints it on stderr with status 2', () => {
      const r = cli(['--help']);
      assert.equal(r.status, 0);
      for (const c of ['check', 'fmt', 'export', 'trace', 'matrix']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
      const none = cli([]);
      assert.equal(none.status, 2);
      assert.equal(none.stdout, '');
      assert.equal(none.stderr, r.stdout);
    });

    for (const c of ['check', 'fmt', 'export', 'trace', 'matrix']) {
      it(`${c} --help and help ${c} print the command's usage`, () => {
        const a = cli([c, '--help']);
        const b = cli(['help', c]);
        assert.equal(a.status, 0);
        assert.match(a.stdout, new RegExp(`^Usage: netns-dbg ${c} `));
        assert.equal(b.stdout, a.stdout);
      });
    }

    it('an unknown command, an unknown option and a bad option value are usage errors (status 2)', () => {
      const cmd = cli(['frobnicate']);
      assert.equal(cmd.status, 2);
      assert.match(cmd.stderr, /^netns-dbg: unknown command 'frobnicate'\nTry 'netns-dbg --help'/);
      const opt = cli(['check', '--frob', rel('cli', 'clean.netns')]);
      assert.equal(opt.status, 2);
      assert.match(opt.stderr, /^netns-dbg check: unknown option '--frob'\nTry 'netns-dbg check --help'/);
      const val = cli(['trace', '--mode', 'sideways', rel('cli', 'clean.netns')]);
      assert.equal(val.status, 2);
      assert.match(val.stderr, /invalid value 'sideways' for '--mode': expected one of separate, shortcut=route/);
      const missing = cli(['export', rel('cli', 'clean.netns'), '--prefix']);
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /option '--prefix' needs a value/);
      const noFile = cli(['check']);
      assert.equal(noFile.status, 2);
      assert.match(noFile.stderr, /expected at least one FILE/);
    });

    it('a missing file is reported with the system reason (status 2)', () => {
      const r = cli(['check', 'no/such/file.netns']);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /^netns-dbg: cannot read 'no\/such\/file.netns': No such file or directory$/m);
      const f = cli(['fmt', 'no-such.netns']);
      assert.equal(f.status, 2);
      const e = cli(['export', 'no-such.netns']);
      assert.equal(e.status, 2);
      assert.match(e.stderr, /cannot read 'no-such.netns'/);
    });
  });

  describe('check', () => {
    it('prints compiler-style errors with 1-based positions and exits 1', () => {
      const file = rel('cli', 'errors.netns');
      const r = cli(['check', file]);
      assert.equal(r.status, 1);
      const lines = r.stdout.trimEnd().split('\n');
      const summary = lines.pop()!;
      assert.match(summary, /^\d+ errors?, \d+ warnings? in 1 file$/);
      for (const l of lines) assert.match(l, DIAGNOSTIC_LINE);
      // The syntax errors are the parser's, whatever the executors add.
      assert.ok(lines.includes(`${file}:3:16: error NS1001: unterminated quote: close it on the same line (a quoted argument cannot span lines)`), r.stdout);
      assert.ok(lines.some((l) => l.startsWith(`${file}:5:1: error NS1002: `)), r.stdout);
    });

    it('warnings alone exit 0; a clean file prints only the summary', () => {
      const w = cli(['check', rel('cli', 'warning.netns')]);
      assert.equal(w.status, 0);
      assert.match(w.stdout, /:2:1: warning NS9001: not simulated: 'tcpdump'/);
      assert.match(w.stdout, /^0 errors, 1 warning in 1 file$/m);
      const c = cli(['check', rel('cli', 'clean.netns')]);
      assert.equal(c.status, 0);
      assert.equal(c.stdout, '0 errors, 0 warnings in 1 file\n');
    });

    it('checks several files and exits 1 when any has an error', () => {
      const r = cli(['check', rel('cli', 'clean.netns'), rel('cli', 'errors.netns')]);
      assert.equal(r.status, 1);
      assert.match(r.stdout, / in 2 files\n$/);
    });

    it('reads standard input for -', () => {
      const r = cli(['check', '-'], 'namespace a {\n');
      assert.equal(r.status, 1);
      assert.match(r.stdout, /^<stdin>:1:1: error NS1003: namespace a is not closed/m);
    });

    it('--json gives codes, severities, 0-based ranges that agree with the 1-based locations', () => {
      const file = rel('cli', 'errors.netns');
      const r = cli(['check', '--json', file]);
      assert.equal(r.status, 1);
      const doc = JSON.parse(r.stdout) as {
        version: number;
        errors: number;
        files: Array<{ file: string; errors: number; diagnostics: Array<{ code: string; severity: string; message: string; location: string; range: { start: { line: number; character: number }; end: { line: number; character: number } }; related: unknown[] }> }>;
      };
      assert.equal(doc.version, 1);
      assert.equal(doc.files.length, 1);
      assert.equal(doc.files[0].file, file);
      assert.ok(doc.errors >= 2);
      const q = doc.files[0].diagnostics.find((d) => d.code === 'NS1001')!;
      assert.equal(q.severity, 'error');
      assert.deepEqual(q.range, { start: { line: 2, character: 15 }, end: { line: 2, character: 27 } });
      assert.equal(q.location, `${file}:3:16`);
      for (const d of doc.files[0].diagnostics) {
        const [, line, col] = /:(\d+):(\d+)$/.exec(d.location)!;
        assert.equal(Number(line), d.range.start.line + 1);
        assert.equal(Number(col), d.range.start.character + 1);
        assert.ok(Array.isArray(d.related));
      }
    });

    for (const ex of fs.readdirSync(path.join(repoRoot, 'examples')).filter((f) => f.endsWith('.netns')).sort()) {
      it(`example ${ex} has no errors`, () => {
        const r = cli(['check', path.join('examples', ex)]);
        assert.equal(r.status, 0, r.stdout);
        assert.match(r.stdout, /^0 errors, /m);
      });
    }
  });

  describe('fmt', () => {
    it('prints the formatted text (the formatter golden file)', () => {
      const r = cli(['fmt', rel('format', 'basic.netns')]);
      assert.equal(r.status, 0);
      assert.equal(r.stdout, fs.readFileSync(fixturePath('format', 'basic.formatted'), 'utf8'));
    });

    it('--check lists the files that would change and exits 1; formatted files pass', () => {
      const messy = rel('format', 'basic.netns');
      const neat = rel('cli', 'clean.netns');
      const r = cli(['fmt', '--check', messy, neat]);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, `${messy}\n`);
      assert.match(r.stderr, /1 file would be reformatted/);
      const ok = cli(['fmt', '--check', neat]);
      assert.equal(ok.status, 0);
      assert.equal(ok.stdout, '');
    });

    it('formats every example (no syntax errors) and the result passes --check', () => {
      const dir = tmpDir();
      try {
        for (const ex of examples()) {
          const r = cli(['fmt', ex]);
          assert.equal(r.status, 0, `${ex}: ${r.stderr}`);
          const f = path.join(dir, path.basename(ex));
          fs.writeFileSync(f, r.stdout);
          assert.equal(cli(['fmt', '--check', f]).status, 0, ex);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('--write rewrites changed files in place and names them', () => {
      const dir = tmpDir();
      try {
        const f = path.join(dir, 'messy.netns');
        const text = 'namespace a {\nip link set lo up   \n}';
        fs.writeFileSync(f, text);
        const r = cli(['fmt', '--write', f]);
        assert.equal(r.status, 0);
        assert.equal(r.stdout, `formatted ${f}\n`);
        assert.equal(fs.readFileSync(f, 'utf8'), formatText(text));
        const again = cli(['fmt', '-w', f]);
        assert.equal(again.stdout, '');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('leaves a file with syntax errors unchanged, says why and exits 1', () => {
      const file = rel('format', 'syntax-error.netns');
      const r = cli(['fmt', file]);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, fs.readFileSync(fixturePath('format', 'syntax-error.netns'), 'utf8'));
      assert.match(r.stderr, /not formatted: the file has syntax errors/);
    });

    it('--check with --write is a usage error; --write on stdin too', () => {
      assert.equal(cli(['fmt', '--check', '--write', rel('cli', 'clean.netns')]).status, 2);
      assert.equal(cli(['fmt', '--write', '-'], '').status, 2);
      const s = cli(['fmt', '-'], 'namespace a {ip link set lo up}');
      assert.equal(s.status, 0);
      assert.equal(s.stdout, 'namespace a {\n    ip link set lo up\n}\n');
    });
  });

  describe('export', () => {
    const src = 'namespace a {\n    ip link set lo up\n}\n';

    it('prints a bash script with the prefix baked in', () => {
      const r = cli(['export', '--prefix', 'ndtest', '-'], src);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^#!\/usr\/bin\/env bash\n/);
      assert.match(r.stdout, /ndtest/);
    });

    it('-o writes an executable script', () => {
      const dir = tmpDir();
      try {
        const out = path.join(dir, 'build.sh');
        const r = cli(['export', '-o', out, '-'], src);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, '');
        assert.match(fs.readFileSync(out, 'utf8'), /^#!\/usr\/bin\/env bash\n/);
        assert.equal(fs.statSync(out).mode & 0o111, 0o111);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses a file with errors unless --force, saying why', () => {
      const file = rel('cli', 'errors.netns');
      const r = cli(['export', file]);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /error NS1001/);
      assert.match(r.stderr, /has \d+ errors: the real tools would reject those lines.*--force/);
      const forced = cli(['export', '--force', file]);
      assert.equal(forced.status, 0);
      assert.match(forced.stdout, /^#!\/usr\/bin\/env bash\n/);
    });

    it('rejects a prefix that is not a safe namespace name part', () => {
      const r = cli(['export', '--prefix', 'a/b', '-'], src);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /invalid prefix 'a\/b'/);
    });
  });

  describe('trace', () => {
    it('prints the path of a probe step by step, its outcome and PASS (status 0)', () => {
      const r = cli(['trace', 'examples/01-routed-pair.netns', '--probe', 'web']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^probe web \(separate\)\npacket 1: TCP 10\.0\.1\.2:\d+ > 10\.0\.2\.2:80 \[S\]\n/);
      assert.match(r.stdout, /\[router\] ip_forward/);
      assert.match(r.stdout, /^outcome: delivered in server line \d+: /m);
      assert.match(r.stdout, /^expected: delivered in server -> PASS$/m);
      assert.match(r.stdout, /\n1 probe: 1 of 1 met its expectation\n$/);
    });

    for (const ex of fs.readdirSync(path.join(repoRoot, 'examples')).filter((f) => f.endsWith('.netns')).sort()) {
      it(`every probe of example ${ex} meets its expectation`, () => {
        const r = cli(['trace', path.join('examples', ex)]);
        assert.equal(r.status, 0, r.stdout.split('\n').filter((l) => /^(probe|outcome|expected|\d+ probes?)/.test(l)).join('\n') + r.stderr);
        assert.doesNotMatch(r.stdout, /-> FAIL/);
      });
    }

    it('a probe that misses its expectation says FAIL and exits 1', () => {
      const r = cli(['trace', rel('cli', 'failing-probe.netns')]);
      assert.equal(r.status, 1);
      assert.match(r.stdout, /^outcome: refused in a \(ECONNREFUSED\)/m);
      assert.match(r.stdout, /^expected: delivered in a -> FAIL$/m);
      assert.match(r.stdout, /^expected: refused -> PASS$/m);
      assert.match(r.stdout, /2 probes: 1 of 2 met their expectation; failed: web\n$/);
    });

    it('--json gives the outcome, expectation and events with 1-based lines', () => {
      const r = cli(['trace', '--json', 'examples/01-routed-pair.netns', '--probe', 'web']);
      assert.equal(r.status, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as { version: number; mode: string; probes: Array<{ name: string; pass: boolean; outcome: { kind: string; netns: string; at: { line: number } }; packets: Array<{ events: Array<{ netns: string; fn: string }> }> }> };
      assert.equal(doc.version, 1);
      assert.equal(doc.mode, 'separate');
      assert.equal(doc.probes.length, 1);
      const p = doc.probes[0];
      assert.equal(p.name, 'web');
      assert.equal(p.pass, true);
      assert.equal(p.outcome.kind, 'delivered');
      assert.equal(p.outcome.netns, 'server');
      const lines = fs.readFileSync(path.join(repoRoot, 'examples', '01-routed-pair.netns'), 'utf8').split('\n');
      assert.match(lines[p.outcome.at.line - 1], /^\s*listen tcp 0\.0\.0\.0:80/);
      assert.ok(p.packets[0].events.some((e) => e.netns === 'router'));
    });

    it('--mode and --compare run the short-cut modes and print the cost table', () => {
      const r = cli(['trace', '--mode', 'shortcut=route', '--compare', 'examples/01-routed-pair.netns', '--probe', 'web']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^probe web \(shortcut@route\)$/m);
      assert.match(r.stdout, /^mode +outcome +l2rx +iprx +hooks +routes +layers +xmits$/m);
      for (const m of ['separate', 'shortcut@route', 'shortcut@postrouting', 'shortcut@socket']) assert.match(r.stdout, new RegExp(`^${m} +delivered in server`, 'm'));
    });

    it('an unknown probe is status 2 and names the probes; a file without probes says so', () => {
      const r = cli(['trace', 'examples/01-routed-pair.netns', '--probe', 'nosuch']);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /no probe 'nosuch' in examples\/01-routed-pair\.netns; probes: web, dns, ping/);
      const none = cli(['trace', rel('cli', 'clean.netns')]);
      assert.equal(none.status, 0);
      assert.match(none.stderr, /has no probes/);
    });

    it('a file with errors: reported on stderr, traced anyway, status 1', () => {
      const r = cli(['trace', '-'], 'namespace a {\n    ip link set lo up\n    ip link set eth9 up\n}\nprobe self from a icmp 127.0.0.1 expect delivered in a\n');
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^<stdin>:3:\d+: error NS\d{4}: /m);
      assert.match(r.stdout, /^expected: delivered in a -> PASS$/m);
    });
  });

  describe('matrix', () => {
    it('prints every listener probed from every namespace', () => {
      const r = cli(['matrix', 'examples/01-routed-pair.netns']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^reachability in examples\/01-routed-pair\.netns \(separate\)/);
      assert.match(r.stdout, /^  \[\d+\] tcp 10\.0\.2\.2:80 \(server\)$/m);
      assert.match(r.stdout, /^client +/m);
    });

    it('--json has targets and one row per namespace', () => {
      const r = cli(['matrix', '--json', 'examples/01-routed-pair.netns']);
      assert.equal(r.status, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as { targets: Array<{ label: string }>; rows: Array<{ from: string; outcomes: Array<{ kind: string }> }> };
      const client = doc.rows.find((x) => x.from === 'client')!;
      const web = doc.targets.findIndex((t) => t.label === 'tcp 10.0.2.2:80 (server)');
      assert.ok(web >= 0);
      assert.equal(client.outcomes[web].kind, 'delivered');
      for (const row of doc.rows) assert.equal(row.outcomes.length, doc.targets.length);
    });
  });

  describe('bundle', () => {
    it('dist/cli.js is an executable node script that runs directly (npm test builds it first)', () => {
      assert.ok(fs.existsSync(DIST_CLI), 'dist/cli.js is missing: run `npm run build`');
      assert.ok(fs.readFileSync(DIST_CLI, 'utf8').startsWith('#!/usr/bin/env node\n'));
      assert.equal(fs.statSync(DIST_CLI).mode & 0o111, 0o111);
      const r = spawnSync(DIST_CLI, ['--version'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^netns-dbg \d+\.\d+\.\d+\n$/);
    });
  });
});

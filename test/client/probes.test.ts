// Tests of client/probes.ts, the extension's pure helpers: the probe scan behind F5 and the
// commands, the probe under the cursor, and reading command arguments from lenses and menus.
// The VS Code side (pick lists, debugging) is covered by the code-server suite in test/e2e.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProbes, isSimulationMode, probeAt, readCommandArgs, shellQuote } from '../../client/probes';

const root = join(__dirname, '..', '..', '..');

describe('client: probe scan', () => {
  it('finds the probes of an example with their lines and details', () => {
    const text = readFileSync(join(root, 'examples', '02-nat-router.netns'), 'utf8');
    const probes = findProbes(text);
    assert.deepEqual(
      probes.map((p) => p.name),
      ['web', 'ssh', 'dns', 'ping', 'back'],
    );
    const lines = text.split('\n');
    for (const p of probes) assert.match(lines[p.line], new RegExp(`^probe ${p.name}\\b`));
    assert.equal(probes[0].detail, 'from client tcp 10.0.2.2:80 expect delivered in server');
  });

  it('ignores comments, words that only contain "probe", and a probe keyword inside a comment', () => {
    const text = ['# probe fake from a tcp 1.2.3.4:80', 'listen tcp 0.0.0.0:80 # probe x', 'probes x', '  probe real from a icmp 10.0.0.1 # note'].join('\n');
    assert.deepEqual(findProbes(text), [{ name: 'real', line: 3, endLine: 3, detail: 'from a icmp 10.0.0.1' }]);
  });

  it('joins continuation lines, so the cursor on any line of the statement finds the probe', () => {
    const text = 'namespace a {\n}\nprobe long from a \\\n   tcp 10.0.0.2:80 \\\n   expect refused\nprobe next from a icmp 10.0.0.2\n';
    const probes = findProbes(text);
    assert.deepEqual(probes.map((p) => [p.name, p.line, p.endLine]), [['long', 2, 4], ['next', 5, 5]]);
    assert.equal(probes[0].detail, 'from a tcp 10.0.0.2:80 expect refused');
    assert.equal(probeAt(probes, 3)?.name, 'long');
    assert.equal(probeAt(probes, 5)?.name, 'next');
    assert.equal(probeAt(probes, 0), undefined);
  });

  it('unquotes a quoted probe name and handles CRLF line ends', () => {
    assert.deepEqual(findProbes('probe "a b" from x icmp 10.0.0.1\r\nprobe c from x icmp 10.0.0.1\r\n').map((p) => p.name), ['a b', 'c']);
  });

  it('never throws on odd input', () => {
    for (const text of ['', 'probe', 'probe \\', '\\\n\\\n', 'probe "unterminated', '}}}{{{ probe x']) {
      assert.doesNotThrow(() => findProbes(text));
    }
    assert.deepEqual(findProbes('probe'), []);
    assert.deepEqual(findProbes('}}}{{{ probe x').map((p) => p.name), ['x']);
  });
});

describe('client: command arguments', () => {
  it('reads a probe name from a code lens and a URI from a menu', () => {
    assert.deepEqual(readCommandArgs(['web']), { probe: 'web' });
    assert.deepEqual(readCommandArgs(['web', 'file:///w/a.netns']), { probe: 'web', uri: 'file:///w/a.netns' });
    const uriLike = { scheme: 'file', toString: () => 'file:///w/b.netns' };
    assert.deepEqual(readCommandArgs([uriLike]), { uri: 'file:///w/b.netns' });
    assert.deepEqual(readCommandArgs([{ probe: 'p', uri: 'untitled:/x' }]), { probe: 'p', uri: 'untitled:/x' });
    assert.deepEqual(readCommandArgs([]), {});
    assert.deepEqual(readCommandArgs([undefined, 42, null]), {});
  });
});

describe('client: small helpers', () => {
  it('knows the simulation modes of the CLI and the launch configuration', () => {
    assert.ok(isSimulationMode('separate'));
    assert.ok(isSimulationMode('shortcut=socket'));
    assert.ok(!isSimulationMode('shortcut'));
    assert.ok(!isSimulationMode(undefined));
  });

  it('quotes words for the confirmation text only when needed', () => {
    assert.equal(shellQuote('/usr/bin/node'), '/usr/bin/node');
    assert.equal(shellQuote('a b'), "'a b'");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });
});

describe('package.json and the client agree', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const source = ['commands.ts', 'debug.ts', 'extension.ts'].map((f) => readFileSync(join(root, 'client', f), 'utf8')).join('\n');

  it('every contributed command has a handler, and every handler is contributed', () => {
    const contributed = (pkg.contributes.commands as { command: string }[]).map((c) => c.command).sort();
    const handled = [...source.matchAll(/'(netnsDebugger\.[A-Za-z]+)'/g)].map((m) => m[1]).filter((id) => !/\.(trace|debugAdapter|simulation|cliPath)$/.test(id));
    assert.deepEqual([...new Set(handled)].sort(), contributed);
  });

  it('the launch schema has the attributes the debugger reads, and the modes match the client', () => {
    const dbg = pkg.contributes.debuggers[0];
    assert.equal(dbg.type, 'netns');
    assert.deepEqual(Object.keys(dbg.configurationAttributes.launch.properties).sort(), ['mode', 'packet', 'probe', 'stopOnEntry', 'topology']);
    assert.deepEqual(dbg.configurationAttributes.launch.properties.mode.enum, ['separate', 'shortcut=route', 'shortcut=postrouting', 'shortcut=socket']);
    for (const m of dbg.configurationAttributes.launch.properties.mode.enum) assert.ok(isSimulationMode(m));
    assert.deepEqual(pkg.contributes.configuration.properties['netnsDebugger.simulation.mode'].enum, dbg.configurationAttributes.launch.properties.mode.enum);
  });

  it('activates on .netns files and on debugging, and restricts cliPath in untrusted workspaces', () => {
    assert.ok(pkg.activationEvents.includes('onLanguage:netns'));
    assert.ok(pkg.activationEvents.includes('onDebug'));
    assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ['netnsDebugger.cliPath']);
    assert.deepEqual(pkg.contributes.configuration.properties['netnsDebugger.trace.server'].enum, ['off', 'messages', 'verbose']);
  });
});

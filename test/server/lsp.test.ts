// Protocol tests over stdio against the compiled server (out/server/main.js --stdio), with
// vscode-languageserver-protocol as the client: every feature, bad input (unknown documents,
// out-of-range positions), settings, and the version discipline of published diagnostics.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { fixturePath } from '../util/golden';
import { applyTextEdits, cursor, positionOf, TestClient } from './client';

const ROUTER = fs.readFileSync(fixturePath('ide', 'router.netns'), 'utf8');
let n = 0;
const uri = () => `file:///test/doc${++n}.netns`;

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('server: protocol over stdio', function () {
  let c: TestClient;
  let caps: Any;

  before(async () => {
    c = await TestClient.start({ initializationOptions: { netnsDebugger: { diagnostics: { debounceMs: 5 } } } });
    caps = (c as Any).initResult;
  });
  after(async () => {
    await c.stop();
  });

  it('publishes diagnostics with catalogue codes, source, related information, tags and data', async () => {
    const u = uri();
    const text =
      'namespace r {\n    ip link add c0 type veth peer name eth0 netns c\n    ip addr add 10.0.0.1/24 dev c0\n    ip link set c0 up\n' +
      '    iptables -A INPUT -j ACCEPT\n    iptables -A INPUT -p tcp -j DROP\n    ip link set c9 up\n}\n' +
      'namespace c {\n}\n';
    c.open(u, text);
    const p = await c.diagnostics(u, 1);
    assert.equal(p.version, 1);
    const by = (code: string) => p.diagnostics.find((d) => d.code === code)!;
    assert.ok(p.diagnostics.every((d) => d.source === 'netns'));
    const missing = by('NS2001');
    assert.deepEqual(missing.range, { start: positionOf(text, text.indexOf('c9')), end: positionOf(text, text.indexOf('c9') + 2) });
    assert.equal(missing.severity, 1);
    assert.equal((missing.data as Any).nearest, 'c0');
    assert.deepEqual(by('NS3050').tags, [1]); // Unnecessary
    assert.equal(by('NS3050').severity, 2);
    const shadow = by('NS3050');
    assert.equal(shadow.relatedInformation![0].location.uri, u);
    assert.equal(shadow.relatedInformation![0].location.range.start.line, 4);
    assert.match(shadow.relatedInformation![0].message, /-A INPUT -j ACCEPT/);
  });

  it('incremental changes are applied and re-checked; the last publish is for the last version', async () => {
    const u = uri();
    c.open(u, 'ip link set lo up\n');
    assert.deepEqual((await c.diagnostics(u, 1)).diagnostics, []);
    // Ten quick edits: typo, then fix, in ranges.
    for (let i = 0; i < 10; i++) {
      c.change(u, [{ range: { start: { line: 0, character: 12 }, end: { line: 0, character: 14 } }, text: i % 2 ? 'lo' : 'l9' }]);
    }
    const v = c.version(u);
    const p = await c.diagnostics(u, v);
    assert.equal(p.version, v);
    assert.deepEqual(p.diagnostics, []);
    await new Promise((r) => setTimeout(r, 50));
    const all = c.published.get(u)!;
    for (let i = 1; i < all.length; i++) assert.ok((all[i].version ?? 0) >= (all[i - 1].version ?? 0), 'versions never go back');
    c.change(u, [{ range: { start: { line: 0, character: 12 }, end: { line: 0, character: 14 } }, text: 'l9' }]);
    const bad = await c.diagnostics(u, c.version(u));
    assert.deepEqual(bad.diagnostics.map((d) => d.code), ['NS2001']);
  });

  it('completion: devices of this namespace at this line, snippets', async () => {
    const u = uri();
    const k = cursor(ROUTER.replace('    ip link set s0 up\n', '    ip link set s0 up\n    iptables -A FORWARD -o $0\n'));
    c.open(u, k.text);
    const items: Any[] = await c.request('textDocument/completion', { textDocument: { uri: u }, position: k.position });
    assert.deepEqual(items.map((i) => i.label).sort(), ['c0', 'lo', 's0']);
    assert.deepEqual(items[0].textEdit.range, { start: k.position, end: k.position });
    const top = cursor(ROUTER + '$0');
    const u2 = uri();
    c.open(u2, top.text);
    const t: Any[] = await c.request('textDocument/completion', { textDocument: { uri: u2 }, position: top.position });
    const veth = t.find((i) => i.label === 'veth pair');
    assert.equal(veth.insertTextFormat, 2);
    assert.match(veth.textEdit.newText, /^ip link add \$\{1:veth0\} type veth/);
  });

  it('hover: plain words and the state the line leaves', async () => {
    const u = uri();
    const k = cursor(ROUTER.replace('ip link set c0 up', 'ip link set c$00 up'));
    c.open(u, k.text);
    const h: Any = await c.request('textDocument/hover', { textDocument: { uri: u }, position: k.position });
    assert.equal(h.contents.kind, 'markdown');
    assert.match(h.contents.value, /veth, up/);
    assert.match(h.contents.value, /peer: eth0 in client/);
    assert.deepEqual(h.range.start, positionOf(k.text, k.text.indexOf('c0 up')));
  });

  it('definition, references, document highlight', async () => {
    const u = uri();
    const k = cursor(ROUTER.replace('ip addr add 10.0.1.2/24 dev eth0', 'ip addr add 10.0.1.2/24 dev et$0h0'));
    c.open(u, k.text);
    const def: Any[] = await c.request('textDocument/definition', { textDocument: { uri: u }, position: k.position });
    assert.deepEqual(def, [{ uri: u, range: { start: positionOf(k.text, k.text.indexOf('eth0 netns client')), end: positionOf(k.text, k.text.indexOf('eth0 netns client') + 4) } }]);
    const refs: Any[] = await c.request('textDocument/references', { textDocument: { uri: u }, position: k.position, context: { includeDeclaration: true } });
    assert.equal(refs.length, 3);
    const hl: Any[] = await c.request('textDocument/documentHighlight', { textDocument: { uri: u }, position: k.position });
    assert.deepEqual(hl.map((h) => h.kind).sort(), [2, 2, 3]);
  });

  it('rename: edits every occurrence; refusals are errors with the reason', async () => {
    const u = uri();
    const k = cursor(ROUTER.replace('-j WEB', '-j W$0EB'));
    c.open(u, k.text);
    const prep: Any = await c.request('textDocument/prepareRename', { textDocument: { uri: u }, position: k.position });
    assert.equal(prep.placeholder, 'WEB');
    const edit: Any = await c.request('textDocument/rename', { textDocument: { uri: u }, position: k.position, newName: 'WEBIN' });
    const after = applyTextEdits(k.text, edit.changes[u]);
    assert.equal((after.match(/WEBIN/g) ?? []).length, 3);
    const d = cursor(ROUTER.replace('ip link set c0 up', 'ip link set c$00 up'));
    const u2 = uri();
    c.open(u2, d.text);
    await assert.rejects(c.request('textDocument/rename', { textDocument: { uri: u2 }, position: d.position, newName: 'x'.repeat(16) }), /longer than 15 characters/);
    await assert.rejects(c.request('textDocument/rename', { textDocument: { uri: u2 }, position: d.position, newName: 's0' }), /already has a device/);
  });

  it('document symbols, workspace symbols, folding and selection ranges', async () => {
    const u = uri();
    c.open(u, ROUTER);
    const syms: Any[] = await c.request('textDocument/documentSymbol', { textDocument: { uri: u } });
    assert.deepEqual(syms.map((s) => s.name), ['router', 'client', 'server', 'web', 'ssh']);
    assert.equal(syms[0].kind, 3); // Namespace
    assert.ok(syms[0].children.some((s: Any) => s.name === 'WEB' && s.kind === 5));
    const ws: Any[] = await c.request('workspace/symbol', { query: 'WEB' });
    assert.ok(ws.some((s) => s.name === 'WEB' && s.location.uri === u && s.containerName === 'router'));
    const folds: Any[] = await c.request('textDocument/foldingRange', { textDocument: { uri: u } });
    assert.ok(folds.some((f) => f.startLine === 3 && f.endLine === 17 && f.kind === 'region'));
    assert.ok(folds.some((f) => f.startLine === 0 && f.endLine === 1 && f.kind === 'comment'));
    const pos = positionOf(ROUTER, ROUTER.indexOf('10.0.2.2:22') + 1);
    const sel: Any[] = await c.request('textDocument/selectionRange', { textDocument: { uri: u }, positions: [pos] });
    let r = sel[0];
    let depth = 0;
    while (r) {
      depth++;
      r = r.parent;
    }
    assert.equal(depth, 7);
    assert.deepEqual(sel[0].range.start, positionOf(ROUTER, ROUTER.indexOf('10.0.2.2:22')));
  });

  it('semantic tokens with the advertised legend', async () => {
    const u = uri();
    c.open(u, ROUTER);
    const t: Any = await c.request('textDocument/semanticTokens/full', { textDocument: { uri: u } });
    assert.equal(t.data.length % 5, 0);
    assert.ok(t.data.length > 100);
    const legend = caps.capabilities.semanticTokensProvider.legend.tokenTypes;
    assert.equal(legend[t.data[3]], 'comment'); // first token: the comment on line 0
    assert.deepEqual(t.data.slice(0, 2), [0, 0]);
  });

  it('formatting (document and range) through the formatter', async () => {
    const u = uri();
    const messy = 'namespace a {\nip link set lo up\n      ip link add d0   type dummy\n}\n';
    c.open(u, messy);
    const edits: Any[] = await c.request('textDocument/formatting', { textDocument: { uri: u }, options: { tabSize: 4, insertSpaces: true } });
    assert.equal(applyTextEdits(messy, edits), 'namespace a {\n    ip link set lo up\n    ip link add d0 type dummy\n}\n');
    const ranged: Any[] = await c.request('textDocument/rangeFormatting', { textDocument: { uri: u }, range: { start: { line: 1, character: 0 }, end: { line: 1, character: 3 } }, options: { tabSize: 4, insertSpaces: true } });
    // The formatter's range edits are the whitespace gaps touching those lines: line 1's indentation
    // and the line break after it (which carries line 2's indentation); line 2's inner spacing stays.
    assert.equal(applyTextEdits(messy, ranged), 'namespace a {\n    ip link set lo up\n    ip link add d0   type dummy\n}\n');
  });

  it('code actions: a quick fix whose edit removes the diagnostic', async () => {
    const u = uri();
    const text = 'namespace a {\n    iptables -A INPUT -j WEB\n}\n';
    c.open(u, text);
    const p = await c.diagnostics(u, 1);
    const d = p.diagnostics.find((x) => x.code === 'NS3004')!;
    const acts: Any[] = await c.request('textDocument/codeAction', { textDocument: { uri: u }, range: d.range, context: { diagnostics: [d] } });
    const fix = acts.find((x) => x.title.startsWith('Create chain WEB'));
    assert.equal(fix.kind, 'quickfix');
    assert.deepEqual(fix.diagnostics[0], d);
    const after = applyTextEdits(text, fix.edit.changes[u]);
    assert.equal(after, 'namespace a {\n    iptables -N WEB\n    iptables -A INPUT -j WEB\n}\n');
    c.change(u, [{ text: after }]);
    const again = await c.diagnostics(u, 2);
    assert.ok(!again.diagnostics.some((x) => x.code === 'NS3004'));
  });

  it('code lenses on probes (outcome, trace, debug with name and URI) and inlay hints', async () => {
    const u = uri();
    c.open(u, ROUTER);
    const lenses: Any[] = await c.request('textDocument/codeLens', { textDocument: { uri: u } });
    assert.equal(lenses.length, 6);
    assert.equal(lenses[0].command.title, '✓ delivered in server');
    assert.equal(lenses[3].command.title, '✗ dropped in router (expected delivered)');
    assert.deepEqual(lenses[2].command, { title: 'Debug', command: 'netnsDebugger.debugProbe', arguments: ['web', u] });
    const hints: Any[] = await c.request('textDocument/inlayHint', { textDocument: { uri: u }, range: { start: { line: 0, character: 0 }, end: { line: 40, character: 0 } } });
    assert.deepEqual(hints.map((h) => h.label.trim()), ['#1 in nat/POSTROUTING', '#1 in filter/WEB', '#1 in filter/FORWARD', '#2 in filter/FORWARD', 'src 10.0.1.2', 'src 10.0.1.2']);
    assert.deepEqual(hints[3].position, { line: 17, character: 14 });
  });

  it('every request answers for unknown documents and out-of-range positions', async () => {
    const ghost = { uri: 'file:///nowhere.netns' };
    const far = { line: 9999, character: 9999 };
    const neg = { line: 0, character: 500 };
    assert.deepEqual(await c.request('textDocument/completion', { textDocument: ghost, position: far }), []);
    assert.equal(await c.request('textDocument/hover', { textDocument: ghost, position: far }), null);
    assert.deepEqual(await c.request('textDocument/documentSymbol', { textDocument: ghost }), []);
    assert.equal(await c.request('textDocument/rename', { textDocument: ghost, position: far, newName: 'x' }), null);
    const u = uri();
    c.open(u, ROUTER);
    for (const position of [far, neg]) {
      await c.request('textDocument/completion', { textDocument: { uri: u }, position });
      await c.request('textDocument/hover', { textDocument: { uri: u }, position });
      await c.request('textDocument/definition', { textDocument: { uri: u }, position });
      await c.request('textDocument/references', { textDocument: { uri: u }, position, context: { includeDeclaration: true } });
      await c.request('textDocument/selectionRange', { textDocument: { uri: u }, positions: [position] });
      await c.request('textDocument/codeAction', { textDocument: { uri: u }, range: { start: position, end: position }, context: { diagnostics: [] } });
      await c.request('textDocument/inlayHint', { textDocument: { uri: u }, range: { start: position, end: far } });
    }
    // Still alive and correct afterwards.
    const syms: Any[] = await c.request('textDocument/documentSymbol', { textDocument: { uri: u } });
    assert.equal(syms.length, 5);
  });

  it('probe expectations: published after a pause in the edits, never between two quick edits', async () => {
    const u = uri();
    const text = fs.readFileSync(fixturePath('checker', 'NS4050-probe-expectation.netns'), 'utf8');
    const codes = (p: { diagnostics: Array<{ code?: unknown }> }) => p.diagnostics.map((d) => d.code);
    const waitFor = async (pred: () => boolean, what: string): Promise<void> => {
      const deadline = Date.now() + 5000;
      while (!pred()) {
        if (Date.now() > deadline) assert.fail(what);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    c.open(u, text);
    // First the checker's diagnostics (none), then, after the pause, the probe's expectation.
    assert.deepEqual(codes(await c.diagnostics(u, 1)), []);
    await waitFor(() => c.published.get(u)!.some((p) => codes(p).includes('NS4050')), 'the probe expectation was never published');
    // Edits 20 ms apart (a comment typed at the end, undone): the simulator waits for them to stop.
    const end = positionOf(text, text.length);
    for (let i = 0; i < 6; i++) {
      c.change(u, [i % 2 === 0 ? { range: { start: end, end }, text: '#' } : { range: { start: end, end: { line: end.line, character: end.character + 1 } }, text: '' }]);
      await c.diagnostics(u, c.version(u));
      await new Promise((r) => setTimeout(r, 20));
    }
    const last = c.version(u);
    const during = c.published.get(u)!.filter((p) => (p.version ?? 0) > 1 && (p.version ?? 0) < last);
    assert.ok(during.length >= 5, 'each edit got its diagnostics');
    assert.deepEqual(during.filter((p) => codes(p).includes('NS4050')).map((p) => p.version), [], 'no probe run between quick edits');
    await waitFor(() => c.published.get(u)!.some((p) => p.version === last && codes(p).includes('NS4050')), 'the probe expectation of the last version was never published');
  });

  it('closing a document clears its diagnostics', async () => {
    const u = uri();
    c.open(u, 'ipp\n');
    assert.equal((await c.diagnostics(u, 1)).diagnostics.length, 1);
    c.close(u);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const last = c.published.get(u)!.at(-1)!;
      if (last.diagnostics.length === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail('diagnostics not cleared');
  });
});

describe('server: settings', function () {
  it('reads netnsDebugger.diagnostics.debounceMs from the client: a long debounce delays the publish', async () => {
    const c = await TestClient.start({ initializationOptions: { netnsDebugger: { diagnostics: { debounceMs: 400 } } } });
    try {
      const u = 'file:///settings.netns';
      c.open(u, 'ip link set lo up\n');
      await c.diagnostics(u, 1);
      const t0 = Date.now();
      c.change(u, [{ text: 'ipp\n' }]);
      const p = await c.diagnostics(u, 2);
      assert.equal(p.diagnostics[0].code, 'NS9002');
      assert.ok(Date.now() - t0 >= 350, `published after ${Date.now() - t0} ms`);
    } finally {
      await c.stop();
    }
  });
});

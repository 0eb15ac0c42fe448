// Soak test: 10,000 random incremental edits (seeded PRNG) sent to the server; after each batch
// the diagnostics it publishes for the last version equal a from-scratch check (buildModel) of
// the same text, and random requests at random positions keep answering. Catches drift in
// incremental sync, stale publishes and crashes on odd input (broken quotes, braces, unicode).
// The simulator is switched off in the first test (netnsDebugger.simulation.enabled = false): it is
// about the text and the model. The second sends one change per notification, as editors do (the
// server's fastest path), with the simulator on, and also compares the probes' outcomes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { analyze } from '../../core/ide/analysis';
import { getDiagnostics } from '../../core/ide/diagnostics';
import { getCodeLenses } from '../../core/ide/lens';
import { runProbes } from '../../core/ide/probes';
import { fixturePath } from '../util/golden';
import { offsetOf, positionOf, TestClient } from './client';
import { prng } from '../util/prng';


const SEED = 20261129;
const EDITS = 10000;
const BATCH = 500;
/** Edits per didChange notification (content changes apply in order). */
const PER_NOTIFICATION = 25;

const BASE = (): string => fs.readFileSync(fixturePath('ide', 'router.netns'), 'utf8');

/** Random edits of a text as an editor sends them: a range in the old text and what replaces it. */
function editor(seed: number, structural = true) {
  const base = BASE();
  const pieces = structural
    ? [
      ...base.split('\n').map((l) => l + '\n'),
      ' ', '\n', '{', '}', '"', "'", '\\\n', '#', 'eth0', 'c0', '-j', ' ACCEPT', 'é', '🙂', '10.0.', 'namespace x {\n', 'ip link set ', 'iptables -A ',
    ]
    // Edits the incremental path follows (no braces, no continuations), some of which change
    // what the probes see: rules, ports, addresses, devices, forwarding.
    : [
      ...base.split('\n').filter((l) => !/[{}\\]/.test(l)).map((l) => l + '\n'),
      ' ', '\n', 'eth0', 'c0', ' -j DROP', ' -j ACCEPT', ' 80', ' 53', '10.0.', 'iptables -A FORWARD -j DROP\n',
      'iptables -I INPUT -j DROP\n', 'ip link set c0 down\n', 'sysctl -w net.ipv4.ip_forward=0\n',
    ];
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const next = (text: string) => {
    const len = text.length;
    let start = Math.floor(rnd() * (len + 1));
    // Never split a surrogate pair (an editor would not).
    if (start > 0 && start < len && /[\uDC00-\uDFFF]/.test(text[start])) start--;
    const op = rnd();
    let end = start;
    let insert = '';
    if (op < 0.45 || len < 200) insert = pick(pieces);
    else if (op < 0.85 || len > 4000) end = Math.min(len, start + 1 + Math.floor(rnd() * 12));
    else {
      end = Math.min(len, start + Math.floor(rnd() * 6));
      insert = pick(pieces);
    }
    if (end < len && end > 0 && /[\uDC00-\uDFFF]/.test(text[end])) end++;
    if (!structural && /[{}\\]/.test(text.slice(start, end))) end = start;
    const range = { start: positionOf(text, start), end: positionOf(text, end) };
    return { range, insert, text: text.slice(0, start) + insert + text.slice(end) };
  };
  return { rnd, next };
}

describe('server: soak (10,000 random incremental edits)', function () {
  this.timeout(120000);

  it('published diagnostics always equal a from-scratch check of the same text', async () => {
    const { rnd, next } = editor(SEED);
    const c = await TestClient.start({ initializationOptions: { netnsDebugger: { diagnostics: { debounceMs: 30 }, simulation: { enabled: false } } } });
    const uri = 'file:///soak.netns';
    let text = BASE();
    c.open(uri, text);
    try {
      for (let done = 0; done < EDITS; ) {
        let pending: Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }> = [];
        for (let k = 0; k < BATCH; k++, done++) {
          const e = next(text);
          const { range, insert } = e;
          text = e.text;
          pending.push({ range, text: insert });
          if (pending.length === PER_NOTIFICATION) {
            c.change(uri, pending);
            pending = [];
          }
        }
        if (pending.length) c.change(uri, pending);
        const published = await c.diagnostics(uri, c.version(uri));
        // A few requests at random places must answer without breaking anything.
        const pos = positionOf(text, Math.floor(rnd() * (text.length + 1)));
        await c.request('textDocument/completion', { textDocument: { uri }, position: pos });
        await c.request('textDocument/hover', { textDocument: { uri }, position: pos });
        await c.request('textDocument/documentSymbol', { textDocument: { uri } });
        assert.equal(published.version, c.version(uri));
        const a = analyze(text);
        const expected = getDiagnostics(a).map((d) => `${d.code} ${d.start}-${d.end} ${d.message}`);
        const actual = published.diagnostics.map((d) => `${d.code} ${offsetOf(text, d.range.start)}-${offsetOf(text, d.range.end)} ${d.message}`);
        assert.deepEqual(actual, expected, `after ${done} edits (seed ${SEED})`);
      }
    } finally {
      await c.stop();
    }
    assert.equal(c.stderr.includes('uncaught'), false, c.stderr);
  });

  it('one change per notification, as editors send them, with the simulator on: diagnostics and probe outcomes equal a from-scratch run', async () => {
    // Single ranged changes take the server's fastest path (the reparse is told where the edit is
    // and what it inserted); the probes then run on the updated model.
    const { next } = editor(SEED + 1, false);
    const c = await TestClient.start({ initializationOptions: { netnsDebugger: { diagnostics: { debounceMs: 0 } } } });
    const uri = 'file:///soak-single.netns';
    let text = BASE();
    c.open(uri, text);
    try {
      for (let done = 0; done < 1000; ) {
        for (let k = 0; k < 50; k++, done++) {
          const e = next(text);
          text = e.text;
          // Each edit is published before the next is typed, so each is an update of the last.
          await c.diagnostics(uri, c.change(uri, [{ range: e.range, text: e.insert }]));
        }
        const published = await c.diagnostics(uri, c.version(uri));
        const a = analyze(text);
        const results = runProbes(a.model, 'separate');
        const show = (ds: Array<{ code?: unknown; start: number; end: number; message: string }>) => ds.map((d) => `${d.code} ${d.start}-${d.end} ${d.message}`);
        const actual = show(published.diagnostics.map((d) => ({ code: d.code, start: offsetOf(text, d.range.start), end: offsetOf(text, d.range.end), message: String(d.message) })));
        // The checker's publish comes first, then one with the probe expectations added.
        const withProbes = show(getDiagnostics(a, results));
        assert.ok(
          JSON.stringify(actual) === JSON.stringify(show(getDiagnostics(a))) || JSON.stringify(actual) === JSON.stringify(withProbes),
          `diagnostics after ${done} single edits:\n${actual.join('\n')}\nwant\n${withProbes.join('\n')}`,
        );
        const lenses = (await c.request('textDocument/codeLens', { textDocument: { uri } })) as Array<{ command: { title: string } }>;
        const want = getCodeLenses(a, new Map(results.map((r) => [r.name, r]))).map((l) => l.title);
        assert.deepEqual(lenses.map((l) => l.command.title), want, `probe outcomes after ${done} single edits`);
      }
    } finally {
      await c.stop();
    }
    assert.equal(c.stderr.includes('uncaught'), false, c.stderr);
  });
});

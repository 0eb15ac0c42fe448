// Soak test: 10,000 random incremental edits (seeded PRNG) sent to the server; after each batch
// the diagnostics it publishes for the last version equal a from-scratch check (buildModel) of
// the same text, and random requests at random positions keep answering. Catches drift in
// incremental sync, stale publishes and crashes on odd input (broken quotes, braces, unicode).
// The simulator is switched off here (netnsDebugger.simulation.enabled = false): this test is
// about the text and the model; probe results have their own tests.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { analyze } from '../../core/ide/analysis';
import { getDiagnostics } from '../../core/ide/diagnostics';
import { fixturePath } from '../util/golden';
import { offsetOf, positionOf, TestClient } from './client';
import { prng } from '../util/prng';


const SEED = 20261129;
const EDITS = 10000;
const BATCH = 500;
/** Edits per didChange notification (content changes apply in order). */
const PER_NOTIFICATION = 25;

describe('server: soak (10,000 random incremental edits)', function () {
  this.timeout(120000);

  it('published diagnostics always equal a from-scratch check of the same text', async () => {
    const base = fs.readFileSync(fixturePath('ide', 'router.netns'), 'utf8');
    const pieces = [
      ...base.split('\n').map((l) => l + '\n'),
      ' ', '\n', '{', '}', '"', "'", '\\\n', '#', 'eth0', 'c0', '-j', ' ACCEPT', 'é', '🙂', '10.0.', 'namespace x {\n', 'ip link set ', 'iptables -A ',
    ];
    const rnd = prng(SEED);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
    const c = await TestClient.start({ initializationOptions: { netnsDebugger: { diagnostics: { debounceMs: 30 }, simulation: { enabled: false } } } });
    const uri = 'file:///soak.netns';
    let text = base;
    c.open(uri, text);
    try {
      for (let done = 0; done < EDITS; ) {
        let pending: Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }> = [];
        for (let k = 0; k < BATCH; k++, done++) {
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
          const range = { start: positionOf(text, start), end: positionOf(text, end) };
          text = text.slice(0, start) + insert + text.slice(end);
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
});

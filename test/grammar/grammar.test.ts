// Tests of the TextMate grammar (syntaxes/netns.tmLanguage.json): runs vscode-tmgrammar-test over the
// scope assertions in test/grammar/*.test.netns as a child process, checks the JSON is generated
// from scripts/grammar/netns.grammar.mjs, and tokenizes every example with vscode-textmate directly.
// It does not test the language server or the editor (test/e2e does).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const root = join(__dirname, '..', '..', '..');
const grammarPath = join(root, 'syntaxes', 'netns.tmLanguage.json');
const tool = join(root, 'node_modules', 'vscode-tmgrammar-test', 'dist', 'unit.js');

function runTool(pattern: string) {
  return spawnSync(process.execPath, [tool, '-c', '-g', grammarPath, pattern], { cwd: root, encoding: 'utf8' });
}

let grammarPromise: Promise<textmate.IGrammar> | undefined;
function loadGrammar(): Promise<textmate.IGrammar> {
  grammarPromise ??= (async () => {
    const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new textmate.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (sources: string[]) => new oniguruma.OnigScanner(sources),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async () => textmate.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath),
    });
    const g = await registry.loadGrammar('source.netns');
    if (!g) throw new Error('grammar source.netns did not load');
    return g;
  })();
  return grammarPromise;
}

interface ScopedText {
  line: number;
  text: string;
  scopes: string[];
}

async function tokenize(text: string): Promise<ScopedText[]> {
  const g = await loadGrammar();
  const out: ScopedText[] = [];
  let stack = textmate.INITIAL;
  text.split('\n').forEach((line, i) => {
    const r = g.tokenizeLine(line, stack);
    stack = r.ruleStack;
    for (const t of r.tokens) out.push({ line: i + 1, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
  });
  return out;
}

const has = (t: ScopedText, prefix: string) => t.scopes.some((s) => s.startsWith(prefix));

describe('grammar', function () {
  this.timeout(20000);

  it('syntaxes/netns.tmLanguage.json is generated from scripts/grammar/netns.grammar.mjs', () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'grammar', 'build.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('passes every scope assertion in test/grammar/*.test.netns (vscode-tmgrammar-test)', () => {
    const files = readdirSync(join(root, 'test', 'grammar')).filter((f) => f.endsWith('.test.netns'));
    assert.ok(files.length >= 4, `expected the assertion files, found ${files.join(', ')}`);
    const r = runTool('test/grammar/*.test.netns');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const passed = r.stdout.split('\n').filter((l) => /run successfu/.test(l));
    assert.equal(passed.length, files.length, r.stdout);
  });

  it('the tool fails on a wrong assertion (so the test above can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netns-grammar-'));
    try {
      writeFileSync(join(dir, 'wrong.test.netns'), '# SYNTAX TEST "source.netns"\nip link set lo up\n# <-- comment.line.number-sign.netns\n');
      const r = runTool(join(dir, '*.test.netns'));
      assert.notEqual(r.status, 0, r.stdout);
      assert.match(r.stdout, /Missing required scopes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('examples', () => {
    const dir = join(root, 'examples');
    const examples = readdirSync(dir).filter((f) => f.endsWith('.netns'));
    it('there are examples to check', () => assert.ok(examples.length > 0));
    for (const name of examples) {
      it(`colours ${name}: statements, every address, every outcome, nothing invalid`, async () => {
        const text = readFileSync(join(dir, name), 'utf8');
        const tokens = await tokenize(text);
        const lines = text.split('\n');
        for (const t of tokens) assert.ok(!has(t, 'invalid'), `line ${t.line}: ${t.text} is ${t.scopes.join(' ')}`);
        // The first word of every statement line has a statement colour.
        lines.forEach((line, i) => {
          const m = /^\s*([^\s#{}]+)/.exec(line);
          if (!m) return;
          const first = tokens.find((t) => t.line === i + 1 && t.text.trim() === m[1]);
          assert.ok(first, `line ${i + 1}: no token for ${m[1]}`);
          if (m[1] === 'namespace' || m[1] === 'jail') assert.ok(has(first, `keyword.other.${m[1]}`), `line ${i + 1}`);
          else assert.ok(has(first, 'support.function.command.'), `line ${i + 1}: ${m[1]} is ${first.scopes.join(' ')}`);
        });
        // Every IPv4 address outside comments is one address token.
        for (const t of tokens) {
          if (has(t, 'comment')) continue;
          if (/^\d{1,3}(\.\d{1,3}){3}$/.test(t.text)) assert.ok(has(t, 'constant.numeric.ipv4'), `line ${t.line}: ${t.text}`);
          else assert.doesNotMatch(t.text, /\d+\.\d+\.\d+\.\d+/, `line ${t.line}: address split or unscoped in ${JSON.stringify(t.text)}`);
          if (/^(delivered|refused|unreachable|denied|ttl-exceeded|dropped)$/.test(t.text) && has(t, 'meta.command.probe')) {
            assert.ok(has(t, 'constant.language.outcome'), `line ${t.line}: ${t.text}`);
          }
        }
      });
    }
  });
});

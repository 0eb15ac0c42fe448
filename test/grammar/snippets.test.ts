// Tests of snippets/netns.json: every snippet, with its placeholders filled by their defaults,
// is a statement the grammar colours as intended (commands, namespace names) and it keeps braces
// balanced. It does not check the snippets against the language server's diagnostics.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const snippets = JSON.parse(readFileSync(join(root, 'snippets', 'netns.json'), 'utf8')) as Record<
  string,
  { prefix: string | string[]; body: string[]; description: string }
>;

/** Expands a snippet body as VS Code would with every default accepted. */
function expand(body: string[]): string {
  let text = body.join('\n').replace(/\t/g, '    ');
  const defaults = new Map<string, string>();
  // Nested placeholders: expand innermost first until nothing changes.
  for (let guard = 0; guard < 10; guard++) {
    const next = text
      .replace(/\$\{(\d+):([^${}]*)\}/g, (_m, n: string, d: string) => (defaults.set(n, d), d))
      .replace(/\$\{(\d+)\|([^|]*?)(?:,[^|]*)?\|\}/g, (_m, n: string, d: string) => (defaults.set(n, d), d));
    if (next === text) break;
    text = next;
  }
  return text.replace(/\$\{(\d+)\}|\$(\d+)/g, (_m, a: string | undefined, b: string | undefined) => defaults.get(a ?? b ?? '') ?? '');
}

describe('snippets', () => {
  it('offers the namespace, veth pair, NAT router, probe and jail snippets', () => {
    const prefixes = Object.values(snippets).flatMap((s) => (Array.isArray(s.prefix) ? s.prefix : [s.prefix]));
    for (const p of ['namespace', 'veth', 'nat-router', 'probe', 'jail']) assert.ok(prefixes.includes(p), p);
  });

  for (const [name, s] of Object.entries(snippets)) {
    it(`${name}: expands to balanced, placeholder-free statements`, () => {
      assert.ok(s.description.length > 10);
      const text = expand(s.body);
      assert.doesNotMatch(text, /\$/, text);
      assert.equal((text.match(/\{/g) ?? []).length, (text.match(/\}/g) ?? []).length, text);
      for (const line of text.split('\n')) {
        const word = /^\s*(\S+)/.exec(line)?.[1];
        if (word) assert.ok(['namespace', 'jail', 'ip', 'iptables', 'sysctl', 'listen', 'probe', '}'].includes(word), line);
      }
    });
  }

  it('the veth snippet names the same namespace where the peer goes and where it is configured', () => {
    const text = expand(snippets['Veth pair between two namespaces'].body);
    assert.match(text, /peer name eth0 netns right\n/);
    assert.match(text, /\nnamespace right \{\n {4}ip addr add 10\.0\.0\.2\/24 dev eth0/);
  });
});

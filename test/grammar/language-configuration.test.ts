// Tests of language-configuration.json: it is valid JSON with the fields VS Code reads, and its
// wordPattern keeps addresses, prefixes, MACs, ip:port, sysctl keys and names whole (double-click,
// completion ranges and rename use it). It does not test the grammar (grammar.test.ts does).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const config = JSON.parse(readFileSync(join(root, 'language-configuration.json'), 'utf8'));

/** The words VS Code would see in `line` (it compiles wordPattern with the `g` flag). */
function words(line: string): string[] {
  return line.match(new RegExp(config.wordPattern, 'g')) ?? [];
}

describe('language configuration', () => {
  it('declares # comments, {} brackets and region markers', () => {
    assert.equal(config.comments.lineComment, '#');
    assert.deepEqual(config.brackets, [['{', '}']]);
    assert.match('  # region routers', new RegExp(config.folding.markers.start));
    assert.match('# endregion', new RegExp(config.folding.markers.end));
    assert.doesNotMatch('# regions are fun', new RegExp(config.folding.markers.start));
  });

  it('keeps addresses, prefixes, ip:port and MACs whole', () => {
    assert.deepEqual(words('ip addr add 10.0.0.1/24 dev eth0'), ['ip', 'addr', 'add', '10.0.0.1/24', 'dev', 'eth0']);
    assert.deepEqual(words('listen tcp 0.0.0.0:80'), ['listen', 'tcp', '0.0.0.0:80']);
    assert.deepEqual(words('--to-destination 10.0.0.10:8080-8090'), ['--to-destination', '10.0.0.10:8080-8090']);
    assert.deepEqual(words('ip neigh add 10.0.0.2 lladdr 02:00:5e:00:53:0a dev eth0').slice(3, 6), [
      '10.0.0.2',
      'lladdr',
      '02:00:5e:00:53:0a',
    ]);
  });

  it('keeps sysctl keys, names with - _ . and options whole, and stops at = and {', () => {
    assert.deepEqual(words('sysctl -w net.ipv4.conf.eth0.rp_filter=2'), ['sysctl', '-w', 'net.ipv4.conf.eth0.rp_filter', '2']);
    assert.deepEqual(words('namespace web-1.a_b {'), ['namespace', 'web-1.a_b']);
    assert.deepEqual(words('iptables -N web-in -j ACCEPT'), ['iptables', '-N', 'web-in', '-j', 'ACCEPT']);
    assert.deepEqual(words('probe p from c expect ttl-exceeded'), ['probe', 'p', 'from', 'c', 'expect', 'ttl-exceeded']);
    assert.deepEqual(words('--set-mark 0x1/0xff'), ['--set-mark', '0x1/0xff']);
    assert.deepEqual(words('eth0.'), ['eth0']);
  });

  it('indents after a line that opens a block and dedents a closing brace', () => {
    const inc = new RegExp(config.indentationRules.increaseIndentPattern);
    const dec = new RegExp(config.indentationRules.decreaseIndentPattern);
    assert.match('namespace router {', inc);
    assert.match('jail 10.0.0.3 {   # guest', inc);
    assert.doesNotMatch('# namespace x {', inc);
    assert.match('    }', dec);
  });
});

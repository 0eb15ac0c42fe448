// The debugger's expression language: parsing, precedence, packet-field semantics (addresses,
// missing headers, words such as NEW), hit counts and logpoint interpolation.
import * as assert from 'node:assert/strict';
import { ExprError, Lookup, Value, evalExpr, identifiers, interpolate, parseExpr, parseHitCondition, show, truthy } from '../../debugger/expr';

const FIELDS: Record<string, Value> = {
  'ip.daddr': { t: 'num', v: 0x0a000202, addr: true },
  'ip.saddr': { t: 'num', v: 0x0a000102, addr: true },
  'ip.ttl': { t: 'num', v: 3 },
  'tcp.dport': { t: 'num', v: 80 },
  'udp.dport': { t: 'none' },
  'skb.mark': { t: 'num', v: 0x1234 },
  'ct.state': { t: 'str', v: 'NEW' },
  matched: { t: 'bool', v: true },
};
const lookup: Lookup = (n) => FIELDS[n];
const ev = (src: string): string => show(evalExpr(parseExpr(src), lookup));

describe('debugger: expressions', () => {
  it('compares packet fields with addresses, numbers and words', () => {
    assert.equal(ev('ip.daddr == 10.0.2.2 && tcp.dport == 80'), 'true');
    assert.equal(ev('ip.daddr != 10.0.2.2'), 'false');
    assert.equal(ev('ct.state == NEW'), 'true');
    assert.equal(ev('ct.state == new'), 'true');
    assert.equal(ev('ct.state == ESTABLISHED'), 'false');
    assert.equal(ev('ip.ttl < 5'), 'true');
    assert.equal(ev('ip.saddr in 10.0.1.0/24'), 'true');
    assert.equal(ev('ip.saddr in 10.0.2.0/24'), 'false');
    assert.equal(ev('ip.daddr'), '10.0.2.2');
    assert.equal(ev('matched'), 'true');
  });

  it('arithmetic and bit operations with C precedence', () => {
    assert.equal(ev('skb.mark & 0xff'), String(0x34));
    assert.equal(ev('skb.mark >> 8'), String(0x12));
    assert.equal(ev('1 + 2 * 3'), '7');
    assert.equal(ev('(1 + 2) * 3'), '9');
    assert.equal(ev('skb.mark & 0xff == 0x34'), String(0x1234 & 1)); // == binds tighter than &, as in C
    assert.equal(ev('!(ip.ttl > 2) || tcp.dport == 80'), 'true');
    assert.equal(ev('~0 & 0xf'), '15');
    assert.equal(ev('-ip.ttl + 4'), '1');
    assert.equal(ev('7 % 4'), '3');
  });

  it('a header the packet lacks compares false, whatever the operator', () => {
    assert.equal(ev('udp.dport == 53'), 'false');
    assert.equal(ev('udp.dport != 53'), 'false');
    assert.equal(ev('udp.dport < 53'), 'false');
    assert.equal(ev('udp.dport'), 'not present');
    assert.equal(truthy(evalExpr(parseExpr('udp.dport'), lookup)), false);
  });

  it('reports syntax and type errors with a column', () => {
    const err = (src: string): string => {
      try {
        evalExpr(parseExpr(src), lookup);
      } catch (e) {
        assert.ok(e instanceof ExprError);
        return e.message;
      }
      return 'no error';
    };
    assert.equal(err('ip.daddr = 10.0.2.2'), "'=' at column 10: use '==' to compare");
    assert.equal(err('ip.daddr =='), 'unexpected end of expression');
    assert.equal(err('(ip.ttl'), "expected ')' at column 8");
    assert.equal(err('ip.ttl $ 3'), "unexpected '$' at column 8");
    assert.equal(err('10.0.300.1'), "bad IPv4 address '10.0.300.1' at column 1");
    assert.equal(err('1.2.3.4/33'), 'bad prefix length /33 at column 1');
    assert.equal(err('ct.state < 3'), "'<' needs numbers, got 'NEW' (column 10)");
    assert.equal(err('ip.ttl in 3'), "'in' needs a prefix such as 10.0.0.0/8 on its right (column 8)");
    assert.equal(err('1 / 0'), 'division by zero (column 3)');
    assert.equal(err('"open'), 'unterminated string starting at column 1');
    assert.equal(err(''), 'empty expression');
    assert.equal(err('12abc'), "bad number '12a' at column 1");
  });

  it('lists the identifiers an expression reads', () => {
    assert.deepEqual(identifiers(parseExpr('ip.daddr == 1.2.3.4 && (ct.state == NEW || !matched)')), ['ip.daddr', 'ct.state', 'NEW', 'matched']);
  });

  it('hit conditions as editors write them', () => {
    const h = (src: string, n: number): boolean => {
      const f = parseHitCondition(src);
      assert.equal(typeof f, 'function', String(f));
      return (f as (n: number) => boolean)(n);
    };
    assert.deepEqual([1, 2, 3].map((n) => h('2', n)), [false, true, true]);
    assert.deepEqual([1, 2, 3].map((n) => h('== 2', n)), [false, true, false]);
    assert.deepEqual([1, 2, 3, 4].map((n) => h('% 2', n)), [false, true, false, true]);
    assert.deepEqual([1, 2, 3].map((n) => h('< 3', n)), [true, true, false]);
    assert.deepEqual([1, 2, 3].map((n) => h('> 1', n)), [false, true, true]);
    assert.match(parseHitCondition('often') as string, /not understood/);
    assert.match(parseHitCondition('% 0') as string, /never stops/);
  });

  it('logpoint messages interpolate {expressions} and show errors in place', () => {
    assert.equal(interpolate('to {ip.daddr}:{tcp.dport} ttl {ip.ttl} {ct.state}', lookup), 'to 10.0.2.2:80 ttl 3 NEW');
    assert.equal(interpolate('bad {ip.ttl <}', lookup), 'bad <unexpected end of expression>');
    assert.equal(interpolate('no braces', lookup), 'no braces');
  });
});

// The design's web example end to end on hand-built config: outcomes as the client sees them.

import * as assert from 'node:assert';
import { simulate } from '../../core/sim';
import { ip, webTopology } from './builder';

describe('sim: web example (separate mode)', () => {
  it('tcp to 80 is delivered in server, with the SYN-ACK back', () => {
    const { b, listen80 } = webTopology();
    const p = b.probe({ from: { netns: 'client' }, proto: 'tcp', dst: ip('10.0.2.2'), dport: 80, expect: { kind: 'delivered', netns: 'server' } });
    const r = simulate(b.build(), p);
    assert.strictEqual(r.outcome.kind, 'delivered', r.outcome.reason);
    assert.strictEqual(r.outcome.netns, 'server');
    assert.strictEqual(r.outcome.origin, listen80);
    assert.strictEqual(r.pass, true);
  });
});

// The model's optimized code survives a full garbage collection between two builds
// (core/util/keep-layout.ts): a child node builds the bench generator's topology twice, collects
// fully, builds again, and V8 reports (--trace-deopt) which optimized functions the collection
// threw away because an object layout they were built on was gone ("weak objects"). The child
// runs with --retain-maps-for-n-gc=0, so a layout nothing keeps goes at the first collection
// instead of a few collections later. Before keepLayout this was 20 to 24 functions per build
// (the executors, the symbol and role recorders, the parser); 54 in this test; now none (ten runs).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const out = path.resolve(__dirname, '../..');

/** The child: prints BEGIN before the collection and END after the build that follows it. */
const CHILD = `
const { generateTopology } = require(${JSON.stringify(path.join(out, 'bench/generate.js'))});
const { parse } = require(${JSON.stringify(path.join(out, 'core/syntax/parser.js'))});
const { buildModel } = require(${JSON.stringify(path.join(out, 'core/model/index.js'))});
const text = generateTopology({ namespaces: 150 }).text;
for (let r = 0; r < 3; r++) buildModel(parse(text));
console.log('BEGIN');
gc();
buildModel(parse(text));
console.log('END');
`;

describe('optimized model code across a full collection (util/keep-layout.ts)', function () {
  this.timeout(120000);

  it('keeps the functions V8 optimized for the previous build', () => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--retain-maps-for-n-gc=0', '--trace-deopt', '-e', CHILD], { encoding: 'utf8', maxBuffer: 256 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const begin = lines.indexOf('BEGIN');
    const end = lines.indexOf('END');
    assert.ok(begin >= 0 && end > begin, 'the child printed its markers');
    const weak = lines.slice(begin, end).filter((l) => l.includes('reason: weak objects'));
    const names = weak.map((l) => /SharedFunctionInfo ([^>]*)>/.exec(l)?.[1] ?? l);
    // The trace really reports such deoptimizations: functions of this build were optimized.
    assert.ok(lines.slice(0, begin).some((l) => l.includes('marking dependent code') || l.includes('bailout')), 'the child traced deoptimizations');
    assert.deepEqual(names, [], `${names.length} optimized functions thrown away by one full collection`);
  });
});

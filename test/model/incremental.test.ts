// The incremental model (core/model/incremental.ts) and reparse (core/syntax/reparse.ts) against
// whole-file runs: after every random edit of the examples, the checker fixtures and a generated
// ring of routers, the incremental result must equal parse + buildModel of the new text:
// diagnostics (as a set, with related lines), symbols, statement outcomes, probes and the whole
// topology. Also checks that edits of one namespace's firewall replay only that namespace.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateTopology } from '../../bench/generate';
import { AnalysisCache } from '../../core/ide/analysis';
import { runProbes } from '../../core/ide/probes';
import { IncrementalModel } from '../../core/model/incremental';
import { buildModel, Model } from '../../core/model/index';
import { parse } from '../../core/syntax/parser';
import { reparse } from '../../core/syntax/reparse';
import type { SourceFile } from '../../core/syntax/tree';
import { prng } from '../util/prng';

const ROOT = path.join(__dirname, '..', '..', '..');

function texts(): Array<{ name: string; text: string }> {
  const out: Array<{ name: string; text: string }> = [];
  for (const dir of ['examples', 'test/fixtures/checker']) {
    const full = path.join(ROOT, dir);
    for (const f of fs.readdirSync(full).filter((x) => x.endsWith('.netns')).sort()) out.push({ name: `${dir}/${f}`, text: fs.readFileSync(path.join(full, f), 'utf8') });
  }
  return out;
}

/** Plain JSON of any value with Maps as entry lists (order kept). */
function canon(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x instanceof Map ? { map: [...x.entries()] } : x instanceof Set ? { set: [...x] } : x));
}

function diagKey(d: Model['diagnostics'][number]): string {
  return canon({ s: d.start, e: d.end, c: d.code, m: d.message, sev: d.severity, r: d.related, t: d.tags, data: d.data });
}

function sameModel(got: Model, want: Model, what: string): void {
  assert.equal(got.file.text, want.file.text, `${what}: text`);
  assert.deepEqual(got.diagnostics.map(diagKey).sort(), want.diagnostics.map(diagKey).sort(), `${what}: diagnostics`);
  assert.deepEqual(got.symbols.map((s) => canon(s)).sort(), want.symbols.map((s) => canon(s)).sort(), `${what}: symbols`);
  assert.equal(canon(got.probes), canon(want.probes), `${what}: probes`);
  const st = (m: Model) => m.statements.map((s) => (s ? canon({ id: s.cmd.id, s: s.cmd.start, e: s.cmd.end, ns: s.netns, f: s.failed, r: s.roles, w: s.what }) : '-'));
  assert.deepEqual(st(got), st(want), `${what}: statements`);
  assert.deepEqual([...got.topology.namespaces.keys()], [...want.topology.namespaces.keys()], `${what}: namespaces`);
  for (const [name, ns] of want.topology.namespaces) assert.equal(canon(got.topology.namespaces.get(name)), canon(ns), `${what}: namespace ${name}`);
  assert.deepEqual([...got.topology.devices.keys()].sort((a, b) => a - b), [...want.topology.devices.keys()].sort((a, b) => a - b), `${what}: device ids`);
  // The simulator caches compiled kernels per topology object: an update must not be served one
  // compiled for an earlier version.
  if (want.probes.length) assert.equal(canon(runProbes(got, 'separate')), canon(runProbes(want, 'separate')), `${what}: probe results`);
}

function sameTree(got: SourceFile, want: SourceFile, what: string): void {
  const items = (f: SourceFile) => canon(f.items.map(function strip(it): unknown {
    if (it.kind === 'command') return { id: it.id, s: it.start, e: it.end, w: it.words.map((w) => [w.start, w.end, w.text, w.value, !!w.quoted, !!w.unterminated]) };
    return { k: it.kind, id: it.id, s: it.start, e: it.end, n: it.name && [it.name.start, it.name.value], o: it.open?.start, c: it.close?.start, b: it.body.map(strip) };
  }));
  assert.equal(items(got), items(want), `${what}: items`);
  const errs = (f: SourceFile) => f.errors.map(diagKey).sort();
  assert.deepEqual(errs(got), errs(want), `${what}: syntax errors`);
  assert.deepEqual(got.lineStarts, want.lineStarts, `${what}: line starts`);
}

/** The span an editor would report for the edit `a` -> `b` (naive common prefix and suffix). */
function spanOf(a: string, b: string): { start: number; oldEnd: number; newEnd: number; text: string } {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  return { start: p, oldEnd: a.length - s, newEnd: b.length - s, text: b.slice(p, b.length - s) };
}

const WORDS = ['eth0', 'v1', 'lo', 'up', 'down', '10.0.0.1/24', '-j', 'DROP', 'ACCEPT', '--dport', '80', 'tcp', 'netns', 'a', 'b', 'veth', 'probe', 'listen', '#', '"', 'x', '0', '1'];

/** One random edit of `text`: a character, a word, a line break, or a swap of a word for a common one. */
function mutate(text: string, rnd: () => number): string {
  const at = Math.floor(rnd() * (text.length + 1));
  const r = rnd();
  if (r < 0.25) return text.slice(0, at) + text.slice(at + 1 + Math.floor(rnd() * 3));
  if (r < 0.5) return text.slice(0, at) + 'abcdefgh0123456789 .-/'[Math.floor(rnd() * 22)] + text.slice(at);
  if (r < 0.55) return text.slice(0, at) + '\n' + text.slice(at);
  // Replace the word around `at` with another.
  let s = at;
  while (s > 0 && !/\s/.test(text[s - 1])) s--;
  let e = at;
  while (e < text.length && !/\s/.test(text[e])) e++;
  return text.slice(0, s) + WORDS[Math.floor(rnd() * WORDS.length)] + text.slice(e);
}

interface Run {
  inc: IncrementalModel;
  file: SourceFile;
  model: Model;
}

function step(run: Run, text: string): { run: Run; how: string } {
  const rp = reparse(run.file, text);
  if (rp) {
    const m = run.inc.update(rp);
    if (m) return { run: { inc: run.inc, file: rp.file, model: m }, how: 'update' };
    const inc = new IncrementalModel(parse(text));
    return { run: { inc, file: inc.file, model: inc.model }, how: 'fallback' };
  }
  const inc = new IncrementalModel(parse(text));
  return { run: { inc, file: inc.file, model: inc.model }, how: 'whole' };
}

describe('model: incremental updates equal whole-file runs', function () {
  this.timeout(120000);

  it('builds the same model as buildModel for every example and fixture', () => {
    for (const { name, text } of texts()) {
      const inc = new IncrementalModel(parse(text));
      sameModel(inc.model, buildModel(text), name);
    }
  });

  it('reparse gives the tree parse gives, after random edits', () => {
    const rnd = prng(11);
    let n = 0;
    for (const { name, text } of texts()) {
      let cur = text;
      let file = parse(cur);
      for (let k = 0; k < 20; k++) {
        const next = mutate(cur, rnd);
        // Every other edit comes with its span and inserted text, as an editor's change event does.
        const rp = reparse(file, next, k % 2 ? spanOf(cur, next) : undefined);
        const want = parse(next);
        if (rp) {
          sameTree(rp.file, want, `${name} edit ${k}`);
          file = rp.file;
          n++;
        } else file = want;
        cur = next;
      }
    }
    assert.ok(n > 500, `most edits are reparsed in place (${n})`);
  });

  it('reparse with CRLF line ends, tabs and quotes gives the tree parse gives', () => {
    const rnd = prng(5);
    for (const { name, text } of texts().slice(0, 8)) {
      let cur = text.replace(/\n/g, '\r\n').replace(/    /g, '\t').replace(/ dev (\w+)/, ' dev "$1"');
      let file = parse(cur);
      for (let k = 0; k < 30; k++) {
        const next = mutate(cur, rnd);
        const rp = reparse(file, next);
        const want = parse(next);
        if (rp) sameTree(rp.file, want, `${name} (CRLF) edit ${k}`);
        file = rp ? rp.file : want;
        cur = next;
      }
    }
  });

  it('random edits of every example and fixture: incremental = whole', () => {
    const rnd = prng(7);
    const how = new Map<string, number>();
    for (const { name, text } of texts()) {
      let inc = new IncrementalModel(parse(text));
      let run: Run = { inc, file: inc.file, model: inc.model };
      let cur = text;
      for (let k = 0; k < 12; k++) {
        cur = mutate(cur, rnd);
        const r = step(run, cur);
        run = r.run;
        how.set(r.how, (how.get(r.how) ?? 0) + 1);
        sameModel(run.model, buildModel(cur), `${name} edit ${k} (${r.how}${run.inc.stats.why ? `: ${run.inc.stats.why}` : ''})`);
      }
      inc = run.inc;
    }
    assert.ok((how.get('update') ?? 0) > 1000, `most edits update in place: ${canon(how)}`);
  });

  it('a generated ring of 30 routers: random edits, incremental = whole', () => {
    const g = generateTopology({ namespaces: 30 });
    const rnd = prng(3);
    const inc = new IncrementalModel(parse(g.text));
    let run: Run = { inc, file: inc.file, model: inc.model };
    let cur = g.text;
    let updates = 0;
    for (let k = 0; k < 80; k++) {
      cur = mutate(cur, rnd);
      const r = step(run, cur);
      run = r.run;
      if (r.how === 'update') updates++;
      sameModel(run.model, buildModel(cur), `ring edit ${k} (${r.how})`);
    }
    assert.ok(updates > 50, `updates ${updates}`);
  });

  it('a new statement line and its removal renumber the statements after them, in place', () => {
    const g = generateTopology({ namespaces: 20 });
    const inc = new IncrementalModel(parse(g.text));
    let file = inc.file;
    const at = g.text.indexOf('\n', g.text.indexOf('iptables ', g.text.indexOf('namespace n7 {'))) + 1;
    const added = g.text.slice(0, at) + '    ip link add extra0 type veth peer name extra1 netns n9\n' + g.text.slice(at);
    for (const next of [added, g.text]) {
      const rp = reparse(file, next);
      assert.ok(rp, 'reparsed in place');
      assert.notEqual(rp!.added, rp!.removed);
      const m = inc.update(rp!);
      assert.ok(m, `updated in place (${inc.stats.why ?? ''})`);
      sameModel(m!, buildModel(next), 'line edit');
      file = rp!.file;
    }
  });

  it('the IDE cache updates a document in place and answers what a fresh analysis answers', () => {
    const g = generateTopology({ namespaces: 10 });
    const cache = new AnalysisCache();
    cache.get('doc', 1, g.text);
    assert.equal(cache.lastHow, 'build');
    const at = g.text.indexOf('--dport ', g.text.indexOf('namespace n4 {')) + '--dport '.length;
    const next = g.text.slice(0, at) + '9' + g.text.slice(at);
    const a = cache.get('doc', 2, next, { fromVersion: 1, span: { start: at, oldEnd: at, newEnd: at + 1, text: '9' } });
    assert.equal(cache.lastHow, 'update');
    sameModel(a.model, buildModel(next), 'cache update');
    assert.equal(cache.get('doc', 2, next), a);
    assert.equal(cache.lastHow, 'cached');
    // A span that does not belong to the cached version is not used: the texts are compared instead.
    const back = cache.get('doc', 3, g.text, { fromVersion: 7, span: { start: 0, oldEnd: 0, newEnd: 0, text: '' } });
    assert.equal(cache.lastHow, 'update');
    sameModel(back.model, buildModel(g.text), 'cache update without a usable span');
  });

  it('probes of an updated model see the new rules, not a kernel compiled for the old version', () => {
    const text = [
      'namespace a {', '    ip link set lo up', '    ip link add v0 type veth peer name v1 netns b', '    ip addr add 10.0.0.1/24 dev v0',
      '    ip link set v0 up', '}', 'namespace b {', '    ip link set lo up', '    ip addr add 10.0.0.2/24 dev v1', '    ip link set v1 up',
      '    listen tcp 0.0.0.0:80', '    iptables -A INPUT -p tcp --dport 81 -j DROP', '}', 'probe web from a tcp 10.0.0.2:80 expect delivered in b', '',
    ].join('\n');
    const cache = new AnalysisCache();
    const before = runProbes(cache.get('doc', 1, text).model, 'separate');
    assert.equal(before[0].outcome, 'delivered');
    const next = text.replace('--dport 81', '--dport 80');
    const a = cache.get('doc', 2, next);
    assert.equal(cache.lastHow, 'update');
    assert.deepEqual(runProbes(a.model, 'separate'), runProbes(buildModel(next), 'separate'));
    assert.equal(runProbes(a.model, 'separate')[0].outcome, 'dropped');
  });

  it('an iptables line that restores a namespace on first touch (running an earlier line inside it) runs whole', () => {
    // Found by a fuzz run: the executor's reused runner was cleared by the nested line and threw.
    const before = ['    ip link add v1 type veth peer name v2', ' a {', '    iptables -A INPUT -p tcp --dport 22 -j ACCEPT',
      '    iptables -D INPUT -p tcp --dport 23 DROP ACCEPT', '}', ''].join('\n');
    const after = before.replace(' DROP ACCEPT', ' \nprobe p from a to 10.0.0.1 tcp 80\n ACCEPT');
    const inc = new IncrementalModel(parse(before));
    const rp = reparse(inc.file, after);
    assert.ok(rp, 'reparsed in place');
    const m = inc.update(rp!);
    assert.ok(m, `updated in place (${inc.stats.why ?? ''})`);
    sameModel(m!, buildModel(after), 'nested iptables line');
  });

  it('changing one firewall rule replays only that namespace', () => {
    const g = generateTopology({ namespaces: 30 });
    const inc = new IncrementalModel(parse(g.text));
    const at = g.text.indexOf('--dport', g.text.indexOf('namespace n15 {'));
    const next = g.text.slice(0, at) + '--dport 1' + g.text.slice(at + '--dport '.length);
    const rp = reparse(inc.file, next);
    assert.ok(rp, 'reparsed in place');
    const m = inc.update(rp!);
    assert.ok(m, `updated in place (${inc.stats.why ?? ''})`);
    sameModel(m!, buildModel(next), 'dport edit');
    assert.equal(inc.stats.cells, 1, 'one namespace replayed');
    assert.ok(inc.stats.replayed < 100, `replayed ${inc.stats.replayed} of ${inc.file.items.length} items`);
  });
});

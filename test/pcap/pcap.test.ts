// core/pcap and `netns-dbg pcap`: which frames a trace yields on which device and in which
// direction, the pcapng and classic pcap block structure (read back by a small reader here), and
// Debian's tshark (apt package `tshark`) dissecting every frame of every probe of the examples with
// IP/TCP/UDP/ICMP checksum validation on, fields compared with what the simulator sent.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ipv4ToString } from '../../core/kernel/config';
import { buildModel, Model } from '../../core/model/index';
import { decodeFrame, DecodedFrame } from '../../core/netstack/wire';
import { CapturedFrame, captureFrames, deviceDescriber, writePcap, writePcapng } from '../../core/pcap/index';
import { simulate } from '../../core/sim/index';
import { repoRoot } from '../util/golden';

function example(name: string): Model {
  return buildModel(fs.readFileSync(path.join(repoRoot, 'examples', name), 'utf8'));
}

function framesOf(model: Model, probe: string, mode: Parameters<typeof simulate>[2] = { kind: 'separate' }): CapturedFrame[] {
  const p = model.probes.find((x) => x.name === probe);
  assert.ok(p, `probe ${probe}`);
  return captureFrames(simulate(model.topology, p, mode, { detail: 1 }).events, model.topology);
}

const where = (f: CapturedFrame): string => `${f.direction} ${f.netns}/${f.dev} #${f.packet}`;

interface Block {
  type: number;
  body: Buffer;
}

/** Reads the blocks of a little-endian pcapng file, checking each total length and alignment. */
function readPcapng(b: Buffer): Block[] {
  const out: Block[] = [];
  let o = 0;
  while (o < b.length) {
    const type = b.readUInt32LE(o);
    const len = b.readUInt32LE(o + 4);
    assert.equal(len % 4, 0, `block at ${o}: length ${len} not a multiple of 4`);
    assert.equal(b.readUInt32LE(o + len - 4), len, `block at ${o}: trailing length differs`);
    out.push({ type, body: b.subarray(o + 8, o + len - 4) });
    o += len;
  }
  assert.equal(o, b.length);
  return out;
}

/** Options of a block body from `at`: code -> values. */
function options(body: Buffer, at: number): Map<number, Buffer[]> {
  const m = new Map<number, Buffer[]>();
  let o = at;
  while (o + 4 <= body.length) {
    const code = body.readUInt16LE(o);
    const len = body.readUInt16LE(o + 2);
    if (code === 0) break;
    const v = body.subarray(o + 4, o + 4 + len);
    m.set(code, [...(m.get(code) ?? []), v]);
    o += 4 + Math.ceil(len / 4) * 4;
  }
  return m;
}

function tshark(): string {
  const r = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  assert.equal(r.error, undefined, 'tshark is needed for this test: apt-get install -y tshark (DEBIAN_FRONTEND=noninteractive)');
  return 'tshark';
}

const FIELDS = [
  'frame.interface_name', 'frame.p2p_dir', 'frame.protocols', 'eth.src', 'eth.dst', 'ip.src', 'ip.dst', 'ip.ttl', 'ip.proto', 'ip.checksum.status',
  'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.checksum.status', 'udp.srcport', 'udp.dstport', 'udp.checksum.status',
  'icmp.type', 'icmp.code', 'icmp.checksum.status', '_ws.malformed',
];

/** tshark's fields of every frame (first occurrence: the outer headers of an ICMP error). */
function dissect(file: string): Record<string, string>[] {
  const args = [
    '-r', file, '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE',
    // An empty UDP payload to port 53/5353 is not a DNS message: keep the application dissectors out.
    '--disable-protocol', 'dns', '--disable-protocol', 'mdns',
    '-T', 'fields', '-E', 'occurrence=f', '-E', 'separator=\t', ...FIELDS.flatMap((f) => ['-e', f]),
  ];
  const r = spawnSync(tshark(), args, { encoding: 'utf8', env: { ...process.env, HOME: os.tmpdir() } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l).map((l) => Object.fromEntries(l.split('\t').map((v, i) => [FIELDS[i], v])));
}

function mac(m: number): string {
  return m.toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:');
}

describe('pcap: frames of a trace', () => {
  it('a routed TCP connect: each frame on the sender, both router ports and the server, in event order', () => {
    const f = framesOf(example('02-nat-router.netns'), 'web');
    assert.deepEqual(f.map(where), [
      'out client/eth0 #1', 'in router/c0 #1', 'out router/s0 #1', 'in server/eth0 #1',
      'out server/eth0 #2', 'in router/s0 #2', 'out router/c0 #2', 'in client/eth0 #2',
    ]);
    for (let i = 1; i < f.length; i++) assert.ok(f[i].seq > f[i - 1].seq);
    // MASQUERADE: the source changes between router/c0 and router/s0; the TTL drops by one.
    const d = f.map((x) => decodeFrame(x.bytes) as DecodedFrame);
    assert.equal(ipv4ToString(d[1].ip.saddr), '10.0.1.2');
    assert.equal(ipv4ToString(d[2].ip.saddr), '10.0.2.1');
    assert.equal(d[2].ip.ttl, d[1].ip.ttl - 1);
    assert.ok(d.every((x) => x.ipCsumOk && x.l4CsumOk));
  });

  it('a bridged ping: the frame is received on one port and sent out of the other, MACs unchanged', () => {
    const f = framesOf(example('04-bridge.netns'), 'h1-h2-ping');
    assert.deepEqual(f.slice(0, 4).map(where), ['out h1/eth0 #1', 'in sw/p1 #1', 'out sw/p2 #1', 'in h2/eth0 #1']);
    assert.deepEqual(f[1].bytes.subarray(0, 12), f[2].bytes.subarray(0, 12));
  });

  it('a frame dropped by the FORWARD chain is seen arriving and never leaving', () => {
    assert.deepEqual(framesOf(example('04-bridge.netns'), 'h1-h3-web').map(where), ['out h1/eth0 #1', 'in sw/p1 #1']);
  });

  it('a device that is down transmits nothing (dev_queue_xmit drops before any tap sees the frame)', () => {
    // lo of a new namespace is down: a connect to the namespace's own address is dropped there.
    const m = buildModel('namespace a {\n    ip link add d0 type dummy\n    ip addr add 10.9.0.1/24 dev d0\n    ip link set d0 up\n}\nprobe p from a tcp 10.9.0.1:80\n');
    const r = simulate(m.topology, m.probes[0], { kind: 'separate' }, { detail: 1 });
    assert.ok(r.events.some((e) => e.fn === 'dev_queue_xmit' && e.attrs.dev === 'lo'), 'the packet reached dev_queue_xmit on lo');
    assert.ok(r.events.some((e) => e.fn === 'kfree_skb' && e.attrs.reason === 'QDISC_DROP'), 'and was dropped there');
    assert.deepEqual(captureFrames(r.events, m.topology), []);
  });

  it('loopback traffic is captured once per packet', () => {
    const m = buildModel('namespace a {\n    ip link set lo up\n    listen tcp 127.0.0.1:80\n}\nprobe p from a tcp 127.0.0.1:80\n');
    const f = captureFrames(simulate(m.topology, m.probes[0], { kind: 'separate' }, { detail: 1 }).events, m.topology);
    assert.deepEqual(f.map(where), ['out a/lo #1', 'out a/lo #2']);
  });
});

describe('pcap: file formats', () => {
  const model = example('02-nat-router.netns');
  const frames = framesOf(model, 'web');

  it('pcapng: a section header, one interface per namespace/device in order of appearance, one enhanced packet block per frame', () => {
    const blocks = readPcapng(Buffer.from(writePcapng(frames, { comment: 'probe web', describe: deviceDescriber(model.topology) })));
    assert.equal(blocks[0].type, 0x0a0d0d0a);
    assert.equal(blocks[0].body.readUInt32LE(0), 0x1a2b3c4d);
    const shbOpts = options(blocks[0].body, 16);
    assert.equal(shbOpts.get(1)?.[0].toString(), 'probe web');
    const idbs = blocks.filter((b) => b.type === 1);
    assert.deepEqual(idbs.map((b) => options(b.body, 8).get(2)?.[0].toString()), ['client/eth0', 'router/c0', 'router/s0', 'server/eth0']);
    assert.ok(idbs.every((b) => b.body.readUInt16LE(0) === 1), 'LINKTYPE_ETHERNET');
    assert.match(options(idbs[1].body, 8).get(3)?.[0].toString() ?? '', /^veth c0 in netns router, 02:00:00:00:00:\w\w, 10\.0\.1\.1\/24$/);
    const epbs = blocks.filter((b) => b.type === 6);
    assert.equal(epbs.length, frames.length);
    epbs.forEach((b, i) => {
      const len = b.body.readUInt32LE(12);
      assert.equal(len, frames[i].bytes.length);
      assert.deepEqual(new Uint8Array(b.body.subarray(20, 20 + len)), frames[i].bytes);
      assert.equal(b.body.readUInt32LE(8), frames[i].seq, 'timestamp = event index in microseconds');
      const flags = options(b.body, 20 + Math.ceil(len / 4) * 4).get(2)?.[0].readUInt32LE(0);
      assert.equal(flags, frames[i].direction === 'in' ? 1 : 2);
    });
  });

  it('classic pcap: the libpcap header (LINKTYPE_ETHERNET) and one record per frame', () => {
    const b = Buffer.from(writePcap(frames, { startMicros: 1_700_000_000_000_000 }));
    assert.equal(b.readUInt32LE(0), 0xa1b2c3d4);
    assert.equal(b.readUInt16LE(4), 2);
    assert.equal(b.readUInt16LE(6), 4);
    assert.equal(b.readUInt32LE(20), 1);
    let o = 24;
    for (const f of frames) {
      assert.equal(b.readUInt32LE(o), 1_700_000_000);
      assert.equal(b.readUInt32LE(o + 4), f.seq);
      assert.equal(b.readUInt32LE(o + 8), f.bytes.length);
      o += 16 + f.bytes.length;
    }
    assert.equal(o, b.length);
  });
});

describe('pcap: tshark reads every frame of every probe of the examples', function () {
  this.timeout(60000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netns-pcap-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('protocols, interfaces, directions, addresses, TTL, ports, TCP flags, ICMP type/code as sent; IP/TCP/UDP/ICMP checksums good', () => {
    const all: CapturedFrame[] = [];
    for (const name of fs.readdirSync(path.join(repoRoot, 'examples')).filter((f) => f.endsWith('.netns')).sort()) {
      const m = example(name);
      for (const p of m.probes) for (const mode of [{ kind: 'separate' } as const, { kind: 'shortcut', at: 'route' } as const]) {
        all.push(...captureFrames(simulate(m.topology, p, mode, { detail: 1 }).events, m.topology));
      }
    }
    assert.ok(all.length > 150, `${all.length} frames`);
    const file = path.join(dir, 'all.pcapng');
    fs.writeFileSync(file, writePcapng(all));
    const rows = dissect(file);
    assert.equal(rows.length, all.length);
    const seen = new Set<string>();
    rows.forEach((r, i) => {
      const f = all[i];
      const d = decodeFrame(f.bytes) as DecodedFrame;
      const at = `frame ${i + 1} (${f.netns}/${f.dev} ${f.summary})`;
      assert.equal(r['frame.interface_name'], `${f.netns}/${f.dev}`, at);
      assert.equal(r['frame.p2p_dir'], f.direction === 'in' ? '1' : '0', at);
      assert.equal(r['eth.src'], mac(d.eth.src), at);
      assert.equal(r['eth.dst'], mac(d.eth.dst), at);
      assert.equal(r['ip.src'], ipv4ToString(d.ip.saddr), at);
      assert.equal(r['ip.dst'], ipv4ToString(d.ip.daddr), at);
      assert.equal(r['ip.ttl'], String(d.ip.ttl), at);
      assert.equal(r['ip.checksum.status'], '1', `${at}: IP checksum`);
      if (d.tcp) {
        seen.add('tcp');
        assert.equal(r['frame.protocols'], 'eth:ethertype:ip:tcp', at);
        assert.equal(r['tcp.srcport'], String(d.tcp.sport), at);
        assert.equal(r['tcp.dstport'], String(d.tcp.dport), at);
        assert.equal(Number(r['tcp.flags']), d.tcp.flags, at);
        assert.equal(r['tcp.checksum.status'], '1', `${at}: TCP checksum`);
        assert.equal(r['_ws.malformed'], '', at);
      } else if (d.udp) {
        seen.add('udp');
        assert.match(r['frame.protocols'], /^eth:ethertype:ip:udp(:data)?$/, at);
        assert.equal(r['udp.srcport'], String(d.udp.sport), at);
        assert.equal(r['udp.dstport'], String(d.udp.dport), at);
        assert.equal(r['udp.checksum.status'], '1', `${at}: UDP checksum`);
        assert.equal(r['_ws.malformed'], '', at);
      } else if (d.icmp) {
        seen.add(`icmp ${d.icmp.type}/${d.icmp.code}`);
        assert.equal(r['icmp.type'], String(d.icmp.type), at);
        assert.equal(r['icmp.code'], String(d.icmp.code), at);
        assert.equal(r['icmp.checksum.status'], '1', `${at}: ICMP checksum`);
        if (!d.icmp.inner) {
          assert.equal(r['frame.protocols'], 'eth:ethertype:ip:icmp', at);
          assert.equal(r['_ws.malformed'], '', at);
        } else {
          const inner = d.icmp.inner.ip.protocol === 6 ? 'tcp' : d.icmp.inner.ip.protocol === 17 ? 'udp' : 'icmp';
          assert.equal(r['frame.protocols'], `eth:ethertype:ip:icmp:ip:${inner}`, at);
          // The quoted UDP header carries the datagram's real length, so tshark dissects it cleanly.
          assert.equal(r['_ws.malformed'], '', at);
        }
      } else assert.fail(`${at}: not TCP, UDP or ICMP`);
    });
    for (const k of ['tcp', 'udp', 'icmp 8/0', 'icmp 0/0', 'icmp 3/0', 'icmp 11/0']) assert.ok(seen.has(k), `the examples exercise ${k}: ${[...seen].join(', ')}`);
  });

  it('netns-dbg pcap writes a file tshark reads (pcapng by default, classic pcap by extension)', () => {
    const cli = path.join(repoRoot, 'out', 'cli', 'main.js');
    const out = path.join(dir, 'web.pcapng');
    const r = spawnSync(process.execPath, [cli, 'pcap', 'examples/02-nat-router.netns', '--probe', 'web', '-o', out], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /wrote .*web\.pcapng: 8 frames on 4 devices \(probe web: delivered in server/);
    const rows = dissect(out);
    assert.deepEqual(rows.map((x) => `${x['frame.interface_name']} ${x['ip.src']}>${x['ip.dst']} ${x['tcp.flags']}`), [
      'client/eth0 10.0.1.2>10.0.2.2 0x0002', 'router/c0 10.0.1.2>10.0.2.2 0x0002', 'router/s0 10.0.2.1>10.0.2.2 0x0002', 'server/eth0 10.0.2.1>10.0.2.2 0x0002',
      'server/eth0 10.0.2.2>10.0.2.1 0x0012', 'router/s0 10.0.2.2>10.0.2.1 0x0012', 'router/c0 10.0.2.2>10.0.1.2 0x0012', 'client/eth0 10.0.2.2>10.0.1.2 0x0012',
    ]);
    const classic = path.join(dir, 'web.pcap');
    const c = spawnSync(process.execPath, [cli, 'pcap', 'examples/02-nat-router.netns', '--probe=web', '-o', classic], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
    assert.equal(fs.readFileSync(classic).readUInt32LE(0), 0xa1b2c3d4);
    assert.equal(dissect(classic).length, 8);
  });

  it('netns-dbg pcap: an unknown probe, or several probes and no --probe, is a usage error', () => {
    const cli = path.join(repoRoot, 'out', 'cli', 'main.js');
    const a = spawnSync(process.execPath, [cli, 'pcap', 'examples/02-nat-router.netns', '--probe', 'wbe', '-o', path.join(dir, 'x.pcapng')], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(a.status, 2);
    assert.match(a.stderr, /no probe 'wbe' in examples\/02-nat-router\.netns.*; probes: web, ssh, dns, ping, back\n/);
    const b = spawnSync(process.execPath, [cli, 'pcap', 'examples/02-nat-router.netns'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(b.status, 2);
    assert.match(b.stderr, /has 5 probes: choose one with --probe \(web, ssh, dns, ping, back\)/);
    assert.equal(fs.existsSync(path.join(dir, 'x.pcapng')), false);
  });
});

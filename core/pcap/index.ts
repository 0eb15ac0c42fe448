// Packet capture files from a simulated trace: which frames a capture on each device would have
// seen (captureFrames), and their encoding as pcapng (one Interface Description Block per
// namespace and device, so Wireshark shows "client/eth0") or classic libpcap (one stream).
// Both use LINKTYPE_ETHERNET: every simulated device (veth, bridge, dummy, lo) carries Ethernet
// frames, the skb has the MAC addresses the kernel chose, and Wireshark then shows the L2 hop
// that a bridge or a neighbour entry decided. Pure: no IO and no clock (timestamps are the event
// index in microseconds, so a capture is reproducible and its relative times show event order).
// Does not own running probes (core/sim) or the byte encoding of headers (core/netstack/wire.ts).

import type { DeviceKind, TopologyConfig } from '../kernel/config';
import { ipv4ToString } from '../kernel/config';
import { encodeSkb } from '../netstack/wire';
import { skbSummary } from '../netstack/skb';
import type { SimEvent } from '../sim/record';

/** LINKTYPE_ETHERNET (tcpdump.org link-layer header types). */
export const LINKTYPE_ETHERNET = 1;
const SNAPLEN = 262144;

export interface CapturedFrame {
  /** Event index of the trace where the frame was seen (also its timestamp in microseconds). */
  seq: number;
  packet: number;
  netns: string;
  dev: string;
  /** in: received on dev (netif_receive_skb, bridge pass-up); out: transmitted (dev_queue_xmit). */
  direction: 'in' | 'out';
  /** Kernel function where the capture point is. */
  fn: string;
  summary: string;
  /** The Ethernet frame. */
  bytes: Uint8Array;
}

/**
 * The frames a packet socket on every device would see, in event order. Transmit: at
 * dev_queue_xmit (where the kernel hands a copy to taps), unless the device is down (the frame is
 * dropped before any tap sees it). Receive: at netif_receive_skb, and when a bridge passes a frame
 * up to its own device. Loopback frames are captured once (on transmit), as `tcpdump -i lo`
 * shows each packet once. Short-cut mode namespace switches move no frame and are not captured.
 */
export function captureFrames(events: readonly SimEvent[], topology?: TopologyConfig): CapturedFrame[] {
  const out: CapturedFrame[] = [];
  const kindOf = (netns: string, dev: string): DeviceKind | undefined => topology?.namespaces.get(netns)?.devices.get(dev)?.kind;
  const isLoopback = (netns: string, dev: string): boolean => (kindOf(netns, dev) ?? (dev === 'lo' ? 'loopback' : undefined)) === 'loopback';
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const dev = e.attrs.dev;
    const skb = e.snap?.skb;
    if (!dev || !skb) continue;
    let direction: 'in' | 'out' | undefined;
    if (e.kind === 'enter' && e.fn === 'dev_queue_xmit') {
      if (!droppedRightAfter(events, i, 'QDISC_DROP')) direction = 'out';
    } else if (e.kind === 'enter' && e.fn === 'netif_receive_skb') {
      if (!isLoopback(e.netns, dev)) direction = 'in';
    } else if (e.fn === 'br_pass_frame_up') {
      direction = 'in';
    }
    if (!direction) continue;
    out.push({ seq: e.seq, packet: e.packet, netns: e.netns, dev, direction, fn: e.fn, summary: skbSummary(skb), bytes: encodeSkb(skb) });
  }
  return out;
}

/** Whether the next event of the same packet is its drop with `reason`. */
function droppedRightAfter(events: readonly SimEvent[], i: number, reason: string): boolean {
  const pkt = events[i].packet;
  for (let j = i + 1; j < events.length; j++) {
    const e = events[j];
    if (e.packet !== pkt) continue;
    return e.fn === 'kfree_skb' && e.attrs.reason === reason;
  }
  return false;
}

/** The interface name shown for a device: `netns/dev`. */
export function interfaceName(netns: string, dev: string): string {
  return `${netns}/${dev}`;
}

// ---------------------------------------------------------------- byte writer

class Writer {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.len++] = v & 255;
  }
  u16(v: number): void {
    this.room(2);
    this.view.setUint16(this.len, v, true);
    this.len += 2;
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.len, v >>> 0, true);
    this.len += 4;
  }
  i32(v: number): void {
    this.room(4);
    this.view.setInt32(this.len, v, true);
    this.len += 4;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  pad4(): void {
    while (this.len % 4) this.u8(0);
  }
  patch32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

// ---------------------------------------------------------------- pcapng

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const EPB_FLAGS = 2;

export interface PcapOptions {
  /** Added to every timestamp (microseconds since the epoch); default 0. */
  startMicros?: number;
  /** shb_userappl text of the section header (pcapng only). */
  application?: string;
  /** A comment for the section (pcapng only), e.g. the probe and its outcome. */
  comment?: string;
  /** Per-interface description (pcapng only), keyed by `netns/dev`. */
  describe?: (netns: string, dev: string) => string | undefined;
}

function option(w: Writer, code: number, value: Uint8Array): void {
  w.u16(code);
  w.u16(value.length);
  w.bytes(value);
  w.pad4();
}

/** A block: type, total length, body written by `body`, total length again. */
function block(w: Writer, type: number, body: () => void): void {
  const start = w.len;
  w.u32(type);
  w.u32(0);
  body();
  w.pad4();
  const total = w.len - start + 4;
  w.u32(total);
  w.patch32(start + 4, total);
}

function timestamp(f: CapturedFrame, opts: PcapOptions): number {
  return (opts.startMicros ?? 0) + f.seq;
}

/**
 * pcapng (little-endian): a Section Header Block, one Interface Description Block per
 * (namespace, device) in order of first appearance (if_name `netns/dev`, microsecond resolution),
 * then one Enhanced Packet Block per frame with its direction flag (inbound/outbound) and a
 * comment naming the kernel function and the packet.
 */
export function writePcapng(frames: readonly CapturedFrame[], opts: PcapOptions = {}): Uint8Array {
  const w = new Writer();
  block(w, BT_SHB, () => {
    w.u32(BYTE_ORDER_MAGIC);
    w.u16(1);
    w.u16(0);
    w.i32(-1); // section length: not specified (64-bit -1)
    w.i32(-1);
    if (opts.comment) option(w, OPT_COMMENT, utf8(opts.comment));
    option(w, SHB_USERAPPL, utf8(opts.application ?? 'netns-dbg'));
    option(w, OPT_ENDOFOPT, new Uint8Array(0));
  });
  const ids = new Map<string, number>();
  for (const f of frames) {
    const name = interfaceName(f.netns, f.dev);
    if (ids.has(name)) continue;
    ids.set(name, ids.size);
    block(w, BT_IDB, () => {
      w.u16(LINKTYPE_ETHERNET);
      w.u16(0);
      w.u32(SNAPLEN);
      option(w, IF_NAME, utf8(name));
      const d = opts.describe?.(f.netns, f.dev);
      if (d) option(w, IF_DESCRIPTION, utf8(d));
      option(w, IF_TSRESOL, Uint8Array.of(6));
      option(w, OPT_ENDOFOPT, new Uint8Array(0));
    });
  }
  for (const f of frames) {
    const ts = timestamp(f, opts);
    block(w, BT_EPB, () => {
      w.u32(ids.get(interfaceName(f.netns, f.dev))!);
      w.u32(Math.floor(ts / 2 ** 32));
      w.u32(ts % 2 ** 32);
      w.u32(f.bytes.length);
      w.u32(f.bytes.length);
      w.bytes(f.bytes);
      w.pad4();
      const flags = new Uint8Array(4);
      new DataView(flags.buffer).setUint32(0, f.direction === 'in' ? 1 : 2, true);
      option(w, EPB_FLAGS, flags);
      option(w, OPT_COMMENT, utf8(`${f.fn} ${f.direction === 'in' ? 'on' : 'out of'} ${interfaceName(f.netns, f.dev)}: packet ${f.packet} ${f.summary}`));
      option(w, OPT_ENDOFOPT, new Uint8Array(0));
    });
  }
  return w.result();
}

// ---------------------------------------------------------------- classic pcap

const PCAP_MAGIC_USEC = 0xa1b2c3d4;

/**
 * Classic libpcap (little-endian, microsecond timestamps, LINKTYPE_ETHERNET). It has no notion of
 * interfaces: the frames of every device are in one stream, so each appears once per device it
 * crossed. Prefer pcapng.
 */
export function writePcap(frames: readonly CapturedFrame[], opts: PcapOptions = {}): Uint8Array {
  const w = new Writer();
  w.u32(PCAP_MAGIC_USEC);
  w.u16(2);
  w.u16(4);
  w.i32(0); // thiszone
  w.u32(0); // sigfigs
  w.u32(SNAPLEN);
  w.u32(LINKTYPE_ETHERNET);
  for (const f of frames) {
    const ts = timestamp(f, opts);
    w.u32(Math.floor(ts / 1e6));
    w.u32(ts % 1e6);
    w.u32(f.bytes.length);
    w.u32(f.bytes.length);
    w.bytes(f.bytes);
  }
  return w.result();
}

/** A device description for pcapng IDBs from the topology: kind, MAC and addresses. */
export function deviceDescriber(topology: TopologyConfig): (netns: string, dev: string) => string | undefined {
  return (netns, dev) => {
    const ns = topology.namespaces.get(netns);
    const d = ns?.devices.get(dev);
    if (!ns || !d) return undefined;
    const addrs = ns.addresses.filter((a) => a.devId === d.id).map((a) => `${ipv4ToString(a.addr)}/${a.plen}`);
    return `${d.kind} ${d.name} in netns ${netns}, ${d.mac}${addrs.length ? `, ${addrs.join(' ')}` : ''}`;
  };
}


// The `pcap` command of netns-dbg: runs one probe through the simulated kernel and writes the
// frames as they appeared on each device to a pcapng (default) or classic pcap file. The capture
// and encoding are core/pcap's; this file owns the options, the messages and writing the bytes
// (Io carries text only, so the binary file is written here with node:fs).
import * as fs from 'node:fs';
import type { ProbeSpec } from '../core/kernel/config';
import { buildModel } from '../core/model/index';
import { nearestName } from '../core/model/names';
import { captureFrames, deviceDescriber, writePcap, writePcapng } from '../core/pcap/index';
import { simulate } from '../core/sim/index';
import type { OptionSpec, ParsedArgs } from './args';
import { UsageError } from './args';
import { FileError, Io } from './io';
import { plural, renderText } from './render';
import { MODES, parseMode } from './sim';

export const PCAP_OPTIONS: OptionSpec[] = [
  { name: 'help', aliases: ['-h'] },
  { name: 'probe', value: true },
  { name: 'output', aliases: ['-o'], value: true },
  { name: 'format', value: true, choices: ['pcapng', 'pcap'] },
  { name: 'mode', value: true, choices: MODES },
];

export const PCAP_HELP = `Usage: netns-dbg pcap FILE [--probe NAME] [-o OUT] [--format pcapng|pcap] [--mode MODE]

Runs one probe of FILE through the simulated kernel and writes every frame as a capture on each
device would have seen it: transmitted (dev_queue_xmit) and received (netif_receive_skb), with
Ethernet headers from the devices' MAC addresses and valid IPv4/TCP/UDP/ICMP checksums.
Wireshark and tshark read the file.

Options:
  --probe NAME     the probe to capture (needed when the file has more than one)
  -o, --output OUT the file to write (default: NAME.pcapng, or NAME.pcap with --format pcap)
  --format F       pcapng (default: one interface per namespace and device, named NS/DEV, with
                   direction flags and a comment per frame) or pcap (classic libpcap, one stream);
                   an OUT ending in .pcap selects pcap
  --mode MODE      as for 'trace'
  -h, --help       show this help

Timestamps count trace events in microseconds from the epoch: the capture is the same on every
run, and the relative times show the order of events.

Exit status: 0 written, 1 the file has errors (the capture is still written), 2 usage error,
unknown probe or unwritable file.
`;

export function pcapCommand(args: ParsedArgs, io: Io): number {
  if (args.operands.length !== 1) throw new UsageError(args.operands.length ? `expected one FILE, got ${args.operands.length}` : 'expected one FILE');
  const mode = parseMode(args.options.get('mode'));
  const file = args.operands[0];
  const name = file === '-' ? '<stdin>' : file;
  const model = buildModel(io.read(file));
  const errs = model.diagnostics.filter((d) => d.severity === 'error');
  if (errs.length) {
    io.err(renderText(name, model.file.lineStarts, errs));
    io.err(`${name}: ${plural(errs.length, 'error')}: the simulated topology leaves those lines out, as the kernel would\n`);
  }
  const names = model.probes.map((p) => p.name);
  const wanted = args.options.get('probe');
  let probe: ProbeSpec | undefined;
  if (typeof wanted === 'string') {
    probe = model.probes.find((p) => p.name === wanted);
    if (!probe) {
      const near = nearestName(wanted, names);
      io.err(`netns-dbg pcap: no probe '${wanted}' in ${name}${near ? ` (did you mean '${near}'?)` : ''}; probes: ${names.join(', ') || 'none'}\n`);
      return 2;
    }
  } else if (model.probes.length === 1) {
    probe = model.probes[0];
  } else if (!model.probes.length) {
    io.err(`netns-dbg pcap: ${name} has no probes; add one, e.g. 'probe web from client tcp 10.0.2.2:80 expect delivered'\n`);
    return 2;
  } else {
    throw new UsageError(`${name} has ${model.probes.length} probes: choose one with --probe (${names.join(', ')})`);
  }
  const out = args.options.get('output');
  const format = args.options.get('format') ?? (typeof out === 'string' && /\.pcap$/i.test(out) ? 'pcap' : 'pcapng');
  const target = typeof out === 'string' ? out : `${probe.name}.${format}`;
  const result = simulate(model.topology, probe, mode, { detail: 1 });
  const frames = captureFrames(result.events, model.topology);
  const o = result.outcome;
  const comment = `probe ${probe.name}: ${o.kind}${o.netns ? ` in ${o.netns}` : ''}${o.errno ? ` (${o.errno})` : ''}: ${o.reason}`;
  const bytes = format === 'pcap'
    ? writePcap(frames)
    : writePcapng(frames, { comment, application: 'netns-dbg', describe: deviceDescriber(model.topology) });
  try {
    fs.writeFileSync(target, bytes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException)?.code;
    const why = code === 'ENOENT' ? 'No such file or directory' : code === 'EISDIR' ? 'Is a directory' : code === 'EACCES' ? 'Permission denied' : (e as Error).message;
    throw new FileError(`cannot write '${target}': ${why}`);
  }
  const devices = new Set(frames.map((f) => `${f.netns}/${f.dev}`)).size;
  io.err(`netns-dbg pcap: wrote ${target}: ${plural(frames.length, 'frame')} on ${plural(devices, 'device')} (${comment})\n`);
  return errs.length ? 1 : 0;
}

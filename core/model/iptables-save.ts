// Turning a parsed iptables rule into kernel configuration (XtMatch[] and XtTarget of
// core/kernel/config.ts) and into its canonical text, the line `iptables-save` (1.8.9, nf_tables)
// prints for it: `-s -d -i -o -p`, then each match in load order with its options in the
// extension's own order, then the target. One rule per (source, destination) pair of
// comma lists, as iptables expands them. No validation here: core/model/iptables-parse.ts did it.

import { ipv4ToString, Prefix, prefixToString, RejectWith, XtMatch, XtTarget } from '../kernel/config';
import type { MatchInst, RuleSpec } from './iptables-parse';
import { hex, icmpTypeText, natRangeText, portRangeText, protoText, saveQuote, tcpFlagsText } from './iptables-values';

export interface BuiltRule {
  matches: XtMatch[];
  target: XtTarget;
  /** Everything after `-A CHAIN`. */
  body: string;
}

const neg = (inv: boolean) => (inv ? '! ' : '');

/** The rules one command line stands for (several when -s or -d lists addresses). */
export function buildRules(spec: RuleSpec): BuiltRule[] {
  const srcs: Array<Prefix | undefined> = spec.src ? spec.src.v : [undefined];
  const dsts: Array<Prefix | undefined> = spec.dst ? spec.dst.v : [undefined];
  const target = buildTarget(spec);
  const targetText = renderTarget(spec);
  const tail: XtMatch[] = [];
  let tailText = '';
  // `-i +` matches every device: iptables drops it from the rule.
  if (spec.iif && !(spec.iif.v === '+' && !spec.iif.invert)) {
    tail.push({ kind: 'iif', name: spec.iif.v, invert: spec.iif.invert });
    tailText += ` ${neg(spec.iif.invert)}-i ${spec.iif.v}`;
  }
  if (spec.oif && !(spec.oif.v === '+' && !spec.oif.invert)) {
    tail.push({ kind: 'oif', name: spec.oif.v, invert: spec.oif.invert });
    tailText += ` ${neg(spec.oif.invert)}-o ${spec.oif.v}`;
  }
  if (spec.proto && (spec.proto.v !== 0 || spec.proto.invert)) {
    tail.push({ kind: 'proto', proto: spec.proto.v, invert: spec.proto.invert });
    tailText += ` ${neg(spec.proto.invert)}-p ${protoText(spec.proto.v)}`;
  }
  for (const m of spec.matches) {
    tail.push(...matchConfig(m));
    tailText += renderMatch(m);
  }
  const out: BuiltRule[] = [];
  for (const s of srcs) {
    for (const d of dsts) {
      const matches: XtMatch[] = [];
      let text = '';
      if (s) {
        matches.push({ kind: 'src', prefix: s, invert: spec.src!.invert });
        text += ` ${neg(spec.src!.invert)}-s ${prefixToString(s)}`;
      }
      if (d) {
        matches.push({ kind: 'dst', prefix: d, invert: spec.dst!.invert });
        text += ` ${neg(spec.dst!.invert)}-d ${prefixToString(d)}`;
      }
      out.push({ matches: [...matches, ...tail], target, body: text + tailText + targetText });
    }
  }
  return out;
}

function matchConfig(m: MatchInst): XtMatch[] {
  const out: XtMatch[] = [];
  if (m.sport) out.push({ kind: 'sport', range: m.sport.v, invert: m.sport.invert });
  if (m.dport) out.push({ kind: 'dport', range: m.dport.v, invert: m.dport.invert });
  if (m.flags) out.push({ kind: 'tcpflags', mask: m.flags.v.mask, comp: m.flags.v.comp, invert: m.flags.invert });
  if (m.icmp) out.push({ kind: 'icmptype', type: m.icmp.v.type, code: m.icmp.v.code, invert: m.icmp.invert });
  if (m.states) out.push({ kind: 'ctstate', states: m.states.v, invert: m.states.invert });
  if (m.multi) out.push({ kind: 'multiport', which: m.multi.v.which, ranges: m.multi.v.ranges, invert: m.multi.invert });
  if (m.mark) out.push({ kind: m.name === 'connmark' ? 'connmark' : 'mark', value: m.mark.v.value, mask: m.mark.v.mask, invert: m.mark.invert });
  if (m.name === 'addrtype') {
    out.push({
      kind: 'addrtype',
      src: m.srcType ? { types: m.srcType.v, invert: m.srcType.invert } : undefined,
      dst: m.dstType ? { types: m.dstType.v, invert: m.dstType.invert } : undefined,
      limitIfaceIn: !!m.limitIn, limitIfaceOut: !!m.limitOut,
    });
  }
  if (m.name === 'iprange') {
    out.push({
      kind: 'iprange',
      src: m.srcRange ? { lo: m.srcRange.v.lo, hi: m.srcRange.v.hi, invert: m.srcRange.invert } : undefined,
      dst: m.dstRange ? { lo: m.dstRange.v.lo, hi: m.dstRange.v.hi, invert: m.dstRange.invert } : undefined,
    });
  }
  if (m.comment !== undefined) out.push({ kind: 'comment', text: m.comment });
  return out;
}

function renderMatch(m: MatchInst): string {
  let s = ` -m ${m.name}`;
  switch (m.name) {
    case 'tcp':
    case 'udp':
      if (m.sport) s += ` ${neg(m.sport.invert)}--sport ${portRangeText(m.sport.v)}`;
      if (m.dport) s += ` ${neg(m.dport.invert)}--dport ${portRangeText(m.dport.v)}`;
      if (m.flags) s += ` ${neg(m.flags.invert)}--tcp-flags ${tcpFlagsText(m.flags.v.mask)} ${tcpFlagsText(m.flags.v.comp)}`;
      break;
    case 'icmp':
      if (m.icmp) s += ` ${neg(m.icmp.invert)}--icmp-type ${icmpTypeText(m.icmp.v.type, m.icmp.v.code)}`;
      break;
    case 'conntrack':
      s += ` ${neg(m.states!.invert)}--ctstate ${m.states!.v.join(',')}`;
      break;
    case 'state':
      s += ` ${neg(m.states!.invert)}--state ${m.states!.v.join(',')}`;
      break;
    case 'multiport': {
      const mp = m.multi!;
      s += ` ${neg(mp.invert)}--${mp.v.which}s ${mp.v.ranges.map(portRangeText).join(',')}`;
      break;
    }
    case 'mark':
    case 'connmark': {
      const mk = m.mark!;
      s += ` ${neg(mk.invert)}--mark ${hex(mk.v.value)}${mk.v.mask === 0xffffffff ? '' : '/' + hex(mk.v.mask)}`;
      break;
    }
    case 'addrtype':
      if (m.srcType) s += ` ${neg(m.srcType.invert)}--src-type ${m.srcType.v.join(',')}`;
      if (m.dstType) s += ` ${neg(m.dstType.invert)}--dst-type ${m.dstType.v.join(',')}`;
      if (m.limitIn) s += ' --limit-iface-in';
      if (m.limitOut) s += ' --limit-iface-out';
      break;
    case 'iprange':
      if (m.srcRange) s += ` ${neg(m.srcRange.invert)}--src-range ${ipv4ToString(m.srcRange.v.lo)}-${ipv4ToString(m.srcRange.v.hi)}`;
      if (m.dstRange) s += ` ${neg(m.dstRange.invert)}--dst-range ${ipv4ToString(m.dstRange.v.lo)}-${ipv4ToString(m.dstRange.v.hi)}`;
      break;
    case 'comment':
      s += ` --comment ${saveQuote(m.comment ?? '')}`;
      break;
  }
  return s;
}

function buildTarget(spec: RuleSpec): XtTarget {
  const t = spec.target;
  if (!t) return { kind: 'none' };
  if (t.chain !== undefined) return t.goto ? { kind: 'goto', chain: t.chain } : { kind: 'jump', chain: t.chain };
  switch (t.ext!) {
    case 'ACCEPT': return { kind: 'ACCEPT' };
    case 'DROP': return { kind: 'DROP' };
    case 'RETURN': return { kind: 'RETURN' };
    case 'REJECT': return { kind: 'REJECT', with: (t.rejectWith ?? 'icmp-port-unreachable') as RejectWith };
    case 'LOG': return { kind: 'LOG', prefix: t.logPrefix, level: t.logLevel === undefined ? undefined : String(t.logLevel) };
    case 'TRACE': return { kind: 'TRACE' };
    case 'NOTRACK': case 'CT': return { kind: 'NOTRACK' };
    case 'MARK': return { kind: 'MARK', value: t.xmark!.value, mask: t.xmark!.mask };
    case 'CONNMARK':
      if (t.connmarkOp === 'set') return { kind: 'CONNMARK', op: 'set', value: t.xmark!.value, mask: t.xmark!.mask };
      return { kind: 'CONNMARK', op: t.connmarkOp!, nfmask: t.nfmask ?? 0xffffffff, ctmask: t.ctmask ?? 0xffffffff };
    case 'SNAT': return { kind: 'SNAT', to: { ...t.nat! } };
    case 'DNAT': return { kind: 'DNAT', to: { ...t.nat! } };
    case 'MASQUERADE': return t.ports ? { kind: 'MASQUERADE', ports: t.ports } : { kind: 'MASQUERADE' };
    case 'REDIRECT': return t.ports ? { kind: 'REDIRECT', ports: t.ports } : { kind: 'REDIRECT' };
  }
}

function renderTarget(spec: RuleSpec): string {
  const t = spec.target;
  if (!t) return '';
  if (t.chain !== undefined) return ` ${t.goto ? '-g' : '-j'} ${t.chain}`;
  let s = ` -j ${t.ext}`;
  const flags = (order: string[]) => order.filter((f) => t.flags.includes(f)).map((f) => ` --${f}`).join('');
  const ports = (r: [number, number]) => (r[0] === r[1] ? String(r[0]) : `${r[0]}-${r[1]}`);
  switch (t.ext!) {
    case 'REJECT': s += ` --reject-with ${t.rejectWith ?? 'icmp-port-unreachable'}`; break;
    case 'LOG':
      if (t.logPrefix) s += ` --log-prefix ${saveQuote(t.logPrefix)}`;
      if (t.logLevel !== undefined && t.logLevel !== 4) s += ` --log-level ${t.logLevel}`;
      s += flags(['log-tcp-sequence', 'log-tcp-options', 'log-ip-options', 'log-uid', 'log-macdecode']);
      break;
    case 'MARK': s += ` --set-xmark ${hex(t.xmark!.value)}/${hex(t.xmark!.mask)}`; break;
    case 'CONNMARK':
      if (t.connmarkOp === 'set') s += ` --set-xmark ${hex(t.xmark!.value)}/${hex(t.xmark!.mask)}`;
      else s += ` --${t.connmarkOp}-mark --nfmask ${hex(t.nfmask ?? 0xffffffff)} --ctmask ${hex(t.ctmask ?? 0xffffffff)}`;
      break;
    case 'SNAT': s += ` --to-source ${natRangeText(t.nat!)}` + flags(['random', 'random-fully', 'persistent']); break;
    case 'DNAT': s += ` --to-destination ${natRangeText(t.nat!)}` + flags(['random', 'persistent']); break;
    case 'MASQUERADE': if (t.ports) s += ` --to-ports ${ports(t.ports)}`; s += flags(['random', 'random-fully']); break;
    case 'REDIRECT': if (t.ports) s += ` --to-ports ${ports(t.ports)}`; s += flags(['random']); break;
    case 'CT': s += ' --notrack'; break;
    default: break;
  }
  return s;
}

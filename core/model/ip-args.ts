// Word-level helpers shared by the `ip` executors (ip*.ts): iproute2's keyword abbreviation rule,
// its number, prefix, table and MAC parsers, and device/namespace lookups that report the real
// tool's errors and record symbols and roles. No command logic and no state changes here.

import type { DeviceConfig, Ipv4, NetnsConfig } from '../kernel/config';
import { parseIpv4At, RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../kernel/config';
import type { Token } from '../syntax/lexer';
import type { ExecContext } from './context';
import { deviceKey, IFNAMSIZ_MAX, nearestName, netnsKey } from './names';
import { deviceElsewhere } from './state';

/** iproute2's `matches(word, keyword)`: the word is a non-empty prefix of the keyword. */
export function matches(word: string | undefined, keyword: string): boolean {
  return word !== undefined && word.length > 0 && word.length <= keyword.length && keyword.startsWith(word);
}

/** strtoul(text, 0) as iproute2's get_u32 uses it: decimal, 0x hex or 0 octal, at most 2^32-1. */
export function parseU32(text: string): number | undefined {
  // Plain decimal (the usual case) without regular expressions: [1-9][0-9]*.
  const c0 = text.charCodeAt(0);
  if (c0 >= 0x31 && c0 <= 0x39) {
    let i = 1;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      i++;
    }
    if (i === text.length) {
      const d = Number(text);
      return d <= 0xffffffff ? d : undefined;
    }
  }
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) v = parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) v = parseInt(text, 8);
  else if (/^[1-9][0-9]*$/.test(text)) v = Number(text);
  else return undefined;
  return v <= 0xffffffff ? v : undefined;
}

export interface ParsedPrefix {
  addr: Ipv4;
  len: number;
  /** A `/LEN` was written. */
  hasLen: boolean;
}

/** `A.B.C.D[/LEN]`; `default`, `any` and `all` when allowDefault (route and rule selectors). */
export function parsePrefix(text: string, allowDefault: boolean): ParsedPrefix | undefined {
  return readPrefix(text, allowDefault, PREFIX) ? { addr: PREFIX.addr, len: PREFIX.len, hasLen: PREFIX.hasLen } : undefined;
}

/** parsePrefix's scratch result for readPrefix callers that copy the numbers out at once. */
export const PREFIX: ParsedPrefix = { addr: 0, len: 0, hasLen: false };

/** parsePrefix into `out` (no object made): true when `text` is a prefix; `out` is unchanged otherwise. */
export function readPrefix(text: string, allowDefault: boolean, out: ParsedPrefix): boolean {
  if (allowDefault && (text === 'default' || text === 'any' || text === 'all')) {
    out.addr = 0;
    out.len = 0;
    out.hasLen = true;
    return true;
  }
  const slash = text.indexOf('/');
  const addr = parseIpv4At(text, 0, slash < 0 ? text.length : slash);
  if (addr === undefined) return false;
  if (slash < 0) {
    out.addr = addr;
    out.len = 32;
    out.hasLen = false;
    return true;
  }
  // One or two ASCII digits (/^\d{1,2}$/).
  const n = text.length - slash - 1;
  if (n < 1 || n > 2) return false;
  let len = 0;
  for (let i = slash + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
    len = len * 10 + (c - 0x30);
  }
  if (len > 32) return false;
  out.addr = addr;
  out.len = len;
  out.hasLen = true;
  return true;
}

/** A dotted address without `/LEN` (what parsePrefix(text, false) accepts with hasLen false), or undefined. */
export function parseAddress(text: string): Ipv4 | undefined {
  return text.indexOf('/') < 0 ? parseIpv4At(text, 0, text.length) : undefined;
}

/** Table names iproute2 knows without /etc/iproute2/rt_tables, or a number; 0 means main for routes. */
export function parseTable(text: string): number | undefined {
  if (text === 'main') return RT_TABLE_MAIN;
  if (text === 'local') return RT_TABLE_LOCAL;
  if (text === 'default') return RT_TABLE_DEFAULT;
  return parseU32(text);
}

export function tableName(t: number): string {
  return t === RT_TABLE_MAIN ? 'main' : t === RT_TABLE_LOCAL ? 'local' : t === RT_TABLE_DEFAULT ? 'default' : String(t);
}

/** ll_addr_a2n: colon-separated hex bytes. Returns the bytes, or the real tool's complaint. */
export function parseMac(text: string): { bytes: number[] } | { error: string } {
  const parts = text.split(':');
  const bytes: number[] = [];
  for (const p of parts) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return { error: `"${p}" is invalid lladdr.` };
    bytes.push(parseInt(p, 16));
  }
  if (bytes.length !== 6) return { error: `Invalid address length ${bytes.length} - must be 6 bytes` };
  return { bytes };
}

export function macToString(bytes: number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Why an interface name is refused, if it is: iproute2 itself refuses '/' and blanks (and, after
 *  `name`, more than 15 characters); the kernel (dev_valid_name) refuses the rest: too long, ':',
 *  '.' and '..'. */
export function ifnameProblem(name: string): 'long' | 'slash' | 'kernel' | undefined {
  if (/[/\s]/.test(name) || name.length === 0) return 'slash';
  if (name.length > IFNAMSIZ_MAX) return 'long';
  if (name.includes(':') || name === '.' || name === '..') return 'kernel';
  return undefined;
}

/** StatementInfo.what (`ip route add`) of a verb of an object, one string per pair: a bounded
 *  cache of a pure function (the callers pass constant objects and verbs). */
const WHAT = new Map<string, Map<string, string>>();
export function whatOf(object: string, verb: string): string {
  let byVerb = WHAT.get(object);
  if (!byVerb) WHAT.set(object, (byVerb = new Map()));
  let s = byVerb.get(verb);
  if (s === undefined) {
    s = `${object} ${verb}`;
    if (byVerb.size < 64) byVerb.set(verb, s);
  }
  return s;
}

/** Reads argv; keeps the cursor. */
export class Args {
  constructor(public ctx: ExecContext, public i: number) {}

  /** Points this reader at another command (a hot executor keeps one reader). */
  reset(ctx: ExecContext, i: number): this {
    this.ctx = ctx;
    this.i = i;
    return this;
  }

  get done(): boolean {
    return this.i >= this.ctx.argv.length;
  }

  peek(k = 0): Token | undefined {
    return this.ctx.argv[this.i + k];
  }

  /** The next word as `role`, or reports iproute2's "Command line is not complete" and returns undefined. */
  value(role: Parameters<ExecContext['role']>[1], keyword: Token): Token | undefined {
    const t = this.ctx.argv[this.i];
    if (!t) {
      this.ctx.report('ipBadArgument', keyword, 'Command line is not complete. Try option "help"', `'${keyword.value}' needs a value`);
      return undefined;
    }
    this.ctx.role(this.i, role);
    this.i++;
    return t;
  }

  /** Takes the current word as `role`. */
  take(role: Parameters<ExecContext['role']>[1]): Token {
    const t = this.ctx.argv[this.i];
    this.ctx.role(this.i, role);
    this.i++;
    return t;
  }
}

/** Looks a device up in the command's namespace; reports NS2001 with the nearest name and the
 *  namespace that does have it. Records the role and a reference symbol on success. */
export function lookupDevice(ctx: ExecContext, tok: Token, ns: NetnsConfig = ctx.netns): DeviceConfig | undefined {
  const dev = ns.devices.get(tok.value);
  if (dev) {
    ctx.symbol('device', deviceKey(dev.id), tok, false, ns.name);
    return dev;
  }
  const nearest = nearestName(tok.value, ns.devices.keys());
  const elsewhere = deviceElsewhere(ctx.state, tok.value, ns.name);
  const d = ctx.report('ipCannotFindDevice', tok, tok.value, ns.name, nearest, elsewhere);
  d.data = { name: tok.value, netns: ns.name, nearest, elsewhere: elsewhere || undefined };
  return undefined;
}

/** Resolves `netns NS`; reports NS2004 when no such namespace is in the file. */
export function lookupNetns(ctx: ExecContext, tok: Token): NetnsConfig | undefined {
  const ns = ctx.topology.namespaces.get(tok.value);
  if (ns) {
    ctx.symbol('netns', netnsKey(ns.name), tok, false);
    return ns;
  }
  const nearest = nearestName(tok.value, ctx.topology.namespaces.keys());
  const d = ctx.report('ipInvalidNetns', tok, tok.value, nearest);
  d.data = { name: tok.value, nearest };
  return undefined;
}

/** Reports a verb iproute2 does not know for `object`. */
export function unknownVerb(ctx: ExecContext, i: number, object: string): void {
  const t = ctx.argv[i];
  ctx.report('ipBadArgument', t, `Command "${t.value}" is unknown, try "ip ${object} help".`, 'use add, del, replace or show');
}

/** `show`/`list`/`get`/... : reads only; accepted with no effect on the state. */
export function readOnlyVerb(ctx: ExecContext, i: number): void {
  for (let k = i; k < ctx.argv.length; k++) ctx.role(k, k === i ? 'subcommand' : 'value');
}

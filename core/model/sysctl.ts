// Executor for `sysctl` (procps sysctl(8)): `sysctl [-w] [-q] [-e] KEY=VALUE...` on the keys the
// simulator honours (sysctl-defaults.ts), with the kernel's write semantics. It does not own
// the defaults or the per-device copy on device creation (sysctl-defaults.ts, state.ts).
//
// Verified on Linux 6.18 in throwaway namespaces (procps sysctl):
// - an argument with `=` is a write even without -w; with -w an argument without `=` is
//   "command line(0): invalid syntax"; without -w a bare KEY is a read;
// - each argument is applied on its own: one bad KEY=VALUE fails (exit 1) but the others are set;
// - `.` and `/` both separate components (`net/ipv4/ip_forward=1`); spaces around KEY and VALUE
//   are trimmed;
// - net.ipv4.ip_forward and net.ipv4.conf.all.forwarding are one switch: writing either sets
//   ip_forward, conf.all, conf.default and every existing device's forwarding to the value;
//   conf.default.forwarding changes only default (devices created later copy it);
//   conf.DEV.forwarding changes only DEV; conf.all.rp_filter does not touch devices;
// - a device moved into another namespace gets that namespace's conf.default values;
// - unknown key: "sysctl: cannot stat /proc/sys/net/ipv4/foo: No such file or directory";
//   rejected value: "sysctl: setting key "net.ipv4.ip_default_ttl": Invalid argument";
// - keys outside net.* (kernel.*, vm.*) are visible and writable inside a network namespace and
//   change the host: a warning of their own.

import { type Token } from '../syntax/lexer';
import type { ExecContext } from './context';
import { deviceKey, nearestName } from './names';
import {
  CONF_KEYS, CONF_RULES, confKey, GLOBAL_KEYS, GLOBAL_RULES, KERNEL_CONF4_KEYS, KERNEL_CONF6_KEYS, KERNEL_GLOBAL_KEYS,
  KERNEL_NEIGH_KEYS, ValueRule,
} from './sysctl-defaults';

/** A key resolved against a namespace: what it is and, for conf.DEV, which device. */
export type ResolvedKey =
  | { kind: 'global'; name: string }
  | { kind: 'conf'; scope: string; key: string; name: string; devName?: string }
  | { kind: 'exists'; name: string } // exists in the kernel, not read by the simulator
  | { kind: 'host'; name: string } // outside net.*: not isolated by network namespaces
  | { kind: 'unknown'; name: string; hint: string };

/** Splits a key as sysctl(8) does: by `/` when it has one, else by `.`. */
export function splitKey(key: string): string[] {
  return key.includes('/') ? key.split('/').filter((p) => p !== '') : key.split('.');
}

/** Resolves `parts` in a namespace that has devices `devices`. */
export function resolveKey(parts: string[], devices: ReadonlyMap<string, unknown>): ResolvedKey {
  const name = parts.join('.');
  if (GLOBAL_KEYS.has(name)) return { kind: 'global', name };
  if (parts[0] !== 'net') {
    // Outside net.* (kernel.*, vm.*, fs.*): visible in every network namespace but shared with
    // the host; the simulator has no view of them.
    return { kind: 'host', name };
  }
  const rest = parts.slice(1);
  if ((rest[0] === 'ipv4' || rest[0] === 'ipv6') && (rest[1] === 'conf' || rest[1] === 'neigh') && rest.length === 4) {
    const [fam, tree, scope, key] = rest;
    const isScope = scope === 'all' || scope === 'default';
    const keys = tree === 'neigh' ? KERNEL_NEIGH_KEYS : fam === 'ipv4' ? KERNEL_CONF4_KEYS : KERNEL_CONF6_KEYS;
    if (tree === 'neigh' ? !devices.has(scope) : !isScope && !devices.has(scope)) {
      const near = nearestName(scope, devices.keys());
      return {
        kind: 'unknown', name,
        hint: `there is no device "${scope}" in this namespace at this line${near ? ` (did you mean '${near}'?)` : ''}`,
      };
    }
    if (!keys.has(key)) {
      const near = nearestName(key, keys);
      return { kind: 'unknown', name, hint: near ? `did you mean '${near}'?` : '' };
    }
    if (fam === 'ipv4' && tree === 'conf' && CONF_KEYS.has(key)) {
      return { kind: 'conf', scope, key, name, devName: isScope ? undefined : scope };
    }
    return { kind: 'exists', name };
  }
  const short = rest.join('.');
  if (KERNEL_GLOBAL_KEYS.has(short)) return { kind: 'exists', name };
  const near = nearestName(name, GLOBAL_KEYS.keys());
  return { kind: 'unknown', name, hint: near ? `did you mean '${near}'?` : '' };
}

/** Parses a value as the kernel's proc handlers do; returns the stored text or an explanation. */
export function parseSysctlValue(text: string, rule: ValueRule): { value: string } | { error: string } {
  const t = text.trim();
  const expected =
    rule.kind === 'range' ? `expected an integer from ${rule.min} to ${rule.max}` : 'expected an integer';
  if (!/^-?\d+$/.test(t)) return { error: expected };
  const n = Number(t);
  if (n < -2147483648 || n > 2147483647) return { error: expected };
  if (rule.kind === 'range' && (n < rule.min || n > rule.max)) return { error: expected };
  if (rule.kind === 'bool') return { value: n !== 0 ? '1' : '0' };
  return { value: String(n) };
}

const SHORT_OPTIONS = new Set(['w', 'q', 'e', 'n', 'N']);
const LONG_OPTIONS = new Map([['--write', 'w'], ['--quiet', 'q'], ['--ignore', 'e'], ['--values', 'n'], ['--names', 'N']]);
/** Options that make sysctl(8) do something other than read or write the given keys. */
const NOT_SIMULATED_OPTIONS = new Set(['a', 'A', 'X', 'p', 'f', 'r', '--all', '--load', '--system', '--pattern']);

export function execSysctl(ctx: ExecContext): void {
  const argv = ctx.argv;
  ctx.role(0, 'command');
  ctx.info.what = 'sysctl';
  let write = false;
  let ignore = false;
  const args: number[] = [];
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i].value;
    if (w.startsWith('--')) {
      ctx.role(i, 'option');
      const o = LONG_OPTIONS.get(w);
      if (o === 'w') write = true;
      else if (o === 'e') ignore = true;
      else if (!o) {
        if (NOT_SIMULATED_OPTIONS.has(w)) return void ctx.report('notSimulated', argv[i], `'sysctl ${w}'`);
        return void ctx.report('sysctlUnknownOption', argv[i], w.slice(2));
      }
      continue;
    }
    if (w.startsWith('-') && w.length > 1) {
      ctx.role(i, 'option');
      for (const c of w.slice(1)) {
        if (c === 'w') write = true;
        else if (c === 'e') ignore = true;
        else if (NOT_SIMULATED_OPTIONS.has(c)) return void ctx.report('notSimulated', argv[i], `'sysctl -${c}'`);
        else if (!SHORT_OPTIONS.has(c)) return void ctx.report('sysctlUnknownOption', argv[i], c);
      }
      continue;
    }
    args.push(i);
  }
  if (!args.length) return void ctx.report('sysctlMissingArgument', argv[0]);
  for (const i of args) execArgument(ctx, i, write, ignore);
}

function execArgument(ctx: ExecContext, i: number, write: boolean, ignore: boolean): void {
  const tok = ctx.argv[i];
  ctx.role(i, 'sysctl-key');
  const eq = tok.value.indexOf('=');
  if (eq < 0) {
    if (write) return void ctx.report('sysctlSyntax', tok, tok.value);
    const r = resolveKey(splitKey(tok.value.trim()), ctx.netns.devices);
    if (r.kind === 'unknown') {
      if (ignore) return void ctx.report('sysctlIgnoredKey', tok, r.name);
      return void ctx.report('sysctlUnknownKey', tok, splitKey(tok.value.trim()).join('/'), r.hint);
    }
    if (r.kind === 'host') return void ctx.report('sysctlHostWide', tok, r.name);
    return void ctx.report('sysctlRead', tok, r.name);
  }
  const keyText = tok.value.slice(0, eq).trim();
  const valueText = tok.value.slice(eq + 1);
  // The usual case, a namespace-wide key written with dots, is what resolveKey would make of it.
  let r: ResolvedKey;
  if (GLOBAL_KEYS.has(keyText)) r = { kind: 'global', name: keyText };
  else {
    const parts = splitKey(keyText);
    if (!keyText || parts.some((p) => p === '')) return void ctx.report('sysctlSyntax', tok, tok.value);
    r = resolveKey(parts, ctx.netns.devices);
    if (r.kind === 'unknown') {
      if (ignore) return void ctx.report('sysctlIgnoredKey', tok, r.name);
      return void ctx.report('sysctlUnknownKey', tok, parts.join('/'), r.hint);
    }
  }
  if (r.kind === 'host') return void ctx.report('sysctlHostWide', tok, r.name);
  if (r.kind === 'exists') return void ctx.report('notSimulated', tok, `sysctl key '${r.name}' (the simulator does not read it)`);
  if (r.kind === 'conf' && r.devName !== undefined) deviceReference(ctx, tok, r.devName);
  const rule = r.kind === 'global' ? GLOBAL_RULES.get(r.name)! : CONF_RULES.get(r.key)!;
  const v = parseSysctlValue(valueText, rule);
  if ('error' in v) return void ctx.report('sysctlInvalidValue', tok, r.name, v.error);
  applySysctl(ctx, r, v.value);
}

/** Writes a validated value with the kernel's propagation rules. */
function applySysctl(ctx: ExecContext, r: ResolvedKey, value: string): void {
  const ns = ctx.netns;
  const isForwardingSwitch =
    (r.kind === 'global' && r.name === 'net.ipv4.ip_forward') ||
    (r.kind === 'conf' && r.scope === 'all' && r.key === 'forwarding');
  if (isForwardingSwitch) {
    // devinet_sysctl_forward -> inet_forward_change: all, default and every device.
    ns.sysctl.set('net.ipv4.ip_forward', value);
    ns.sysctl.set(confKey('all', 'forwarding'), value);
    ns.sysctl.set(confKey('default', 'forwarding'), value);
    for (const dev of ns.devices.keys()) ns.sysctl.set(confKey(dev, 'forwarding'), value);
    return;
  }
  ns.sysctl.set(r.name, value);
}

/** Records a reference to the device named inside a conf key (for go-to-definition and rename). */
function deviceReference(ctx: ExecContext, tok: Token, devName: string): void {
  const dev = ctx.netns.devices.get(devName);
  if (!dev || tok.quoted) return;
  // Unquoted word: the value is the text, so the device name's offset is exact.
  const at = tok.text.indexOf(`conf${tok.text.includes('/') ? '/' : '.'}${devName}`);
  if (at < 0) return;
  const start = tok.start + at + 5;
  ctx.symbol('device', deviceKey(dev.id), { ...tok, start, end: start + devName.length, text: devName, value: devName }, false, ctx.netnsName);
}

// The debugger's expression language over packet fields, for breakpoint conditions, logpoints,
// watch, hover and the REPL: `ip.daddr == 10.0.2.2 && tcp.dport == 80`, `ct.state == NEW`,
// `skb.mark & 0xff`, `ip.ttl < 5`, `ip.saddr in 10.0.1.0/24`. A parser to a small tree and an
// evaluator over a field lookup the caller supplies. Pure: no DAP, no kernel state of its own;
// the session decides which fields exist (debugger/session.ts builds the lookup from a step).

import { ipv4ToString } from '../core/kernel/config';

/** A value: numbers (addresses are numbers flagged `addr`), strings, booleans, or missing (a header the packet lacks). */
export type Value =
  | { t: 'num'; v: number; addr?: boolean }
  | { t: 'str'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'net'; addr: number; len: number }
  | { t: 'none' };

export type Expr =
  | { k: 'lit'; value: Value; start: number }
  | { k: 'id'; name: string; start: number }
  | { k: 'un'; op: '!' | '-' | '~'; e: Expr; start: number }
  | { k: 'bin'; op: string; l: Expr; r: Expr; start: number };

export class ExprError extends Error {
  constructor(message: string, readonly column: number) {
    super(message);
  }
}

/** Resolves a field name (`ip.daddr`); undefined when the name is not a field (it then reads as a word, e.g. NEW). */
export type Lookup = (name: string) => Value | undefined;

type Tok = { k: 'num' | 'addr' | 'net' | 'id' | 'str' | 'op' | 'end'; text: string; start: number; value?: Value };

const OPS = ['||', '&&', '==', '!=', '<=', '>=', '<<', '>>', '<', '>', '!', '&', '|', '^', '~', '+', '-', '*', '/', '%', '(', ')'];

function parseQuad(s: string): number | undefined {
  const p = s.split('.');
  if (p.length !== 4) return undefined;
  let v = 0;
  for (const x of p) {
    if (!/^\d{1,3}$/.test(x) || Number(x) > 255) return undefined;
    v = v * 256 + Number(x);
  }
  return v >>> 0;
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    const start = i;
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new ExprError(`unterminated string starting at column ${i + 1}`, i + 1);
      out.push({ k: 'str', text: src.slice(i, end + 1), start, value: { t: 'str', v: src.slice(i + 1, end) } });
      i = end + 1;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^(0x[0-9a-fA-F]+|\d+(?:\.\d+){3}(?:\/\d{1,2})?|\d+)/.exec(src.slice(i))!;
      const text = m[0];
      i += text.length;
      if (/[A-Za-z_]/.test(src[i] ?? '')) throw new ExprError(`bad number '${text}${src[i]}' at column ${start + 1}`, start + 1);
      if (text.includes('.')) {
        const [q, len] = text.split('/');
        const a = parseQuad(q);
        if (a === undefined) throw new ExprError(`bad IPv4 address '${q}' at column ${start + 1}`, start + 1);
        if (len !== undefined) {
          const l = Number(len);
          if (l > 32) throw new ExprError(`bad prefix length /${len} at column ${start + 1}`, start + 1);
          out.push({ k: 'net', text, start, value: { t: 'net', addr: a, len: l } });
        } else out.push({ k: 'addr', text, start, value: { t: 'num', v: a, addr: true } });
      } else {
        const v = Number(text);
        out.push({ k: 'num', text, start, value: { t: 'num', v } });
      }
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(src.slice(i))!;
      i += m[0].length;
      out.push({ k: 'id', text: m[0], start });
      continue;
    }
    // `=` alone is a frequent slip for `==`.
    if (c === '=' && src[i + 1] !== '=') throw new ExprError(`'=' at column ${i + 1}: use '==' to compare`, i + 1);
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprError(`unexpected '${c}' at column ${i + 1}`, i + 1);
    out.push({ k: 'op', text: op, start });
    i += op.length;
  }
  out.push({ k: 'end', text: '', start: src.length });
  return out;
}

// Precedence, loosest first (C-like; `in` binds like a comparison).
const LEVELS: string[][] = [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '<=', '>', '>=', 'in'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

/** Parses an expression; throws ExprError with a 1-based column. */
export function parseExpr(src: string): Expr {
  if (src.length > 2000) throw new ExprError('expression too long', 1);
  const toks = tokenize(src);
  if (toks.length === 1) throw new ExprError('empty expression', 1);
  let p = 0;
  const peek = (): Tok => toks[p];
  const isOp = (t: Tok, op: string): boolean => (t.k === 'op' && t.text === op) || (op === 'in' && t.k === 'id' && t.text === 'in');
  const level = (n: number): Expr => {
    if (n >= LEVELS.length) return unary();
    let l = level(n + 1);
    for (;;) {
      const t = peek();
      const op = LEVELS[n].find((o) => isOp(t, o));
      if (!op) return l;
      p++;
      const r = level(n + 1);
      l = { k: 'bin', op, l, r, start: t.start };
    }
  };
  const unary = (): Expr => {
    const t = peek();
    if (t.k === 'op' && (t.text === '!' || t.text === '-' || t.text === '~')) {
      p++;
      return { k: 'un', op: t.text as '!' | '-' | '~', e: unary(), start: t.start };
    }
    return primary();
  };
  const primary = (): Expr => {
    const t = peek();
    if (t.k === 'op' && t.text === '(') {
      p++;
      const e = level(0);
      if (!isOp(peek(), ')')) throw new ExprError(`expected ')' at column ${peek().start + 1}`, peek().start + 1);
      p++;
      return e;
    }
    if (t.k === 'num' || t.k === 'addr' || t.k === 'net' || t.k === 'str') {
      p++;
      return { k: 'lit', value: t.value!, start: t.start };
    }
    if (t.k === 'id') {
      p++;
      if (t.text === 'true' || t.text === 'false') return { k: 'lit', value: { t: 'bool', v: t.text === 'true' }, start: t.start };
      return { k: 'id', name: t.text, start: t.start };
    }
    if (t.k === 'end') throw new ExprError('unexpected end of expression', t.start + 1);
    throw new ExprError(`unexpected '${t.text}' at column ${t.start + 1}`, t.start + 1);
  };
  const e = level(0);
  if (peek().k !== 'end') throw new ExprError(`unexpected '${peek().text}' at column ${peek().start + 1}`, peek().start + 1);
  return e;
}

/** The field names an expression reads (for validation and data breakpoints). */
export function identifiers(e: Expr, out: string[] = []): string[] {
  if (e.k === 'id') out.push(e.name);
  else if (e.k === 'un') identifiers(e.e, out);
  else if (e.k === 'bin') { identifiers(e.l, out); identifiers(e.r, out); }
  return out;
}

function num(v: Value): number | undefined {
  if (v.t === 'num') return v.v;
  if (v.t === 'bool') return v.v ? 1 : 0;
  if (v.t === 'str' && /^(0x[0-9a-f]+|\d+)$/i.test(v.v)) return Number(v.v);
  if (v.t === 'str') return parseQuad(v.v);
  return undefined;
}

export function truthy(v: Value): boolean {
  switch (v.t) {
    case 'num': return v.v !== 0;
    case 'bool': return v.v;
    case 'str': return v.v !== '';
    case 'net': return true;
    default: return false;
  }
}

function equal(a: Value, b: Value): boolean {
  if (a.t === 'none' || b.t === 'none') return false;
  if (a.t === 'str' && b.t === 'str') return a.v.toLowerCase() === b.v.toLowerCase();
  if (a.t === 'net' || b.t === 'net') return inNet(a.t === 'net' ? b : a, (a.t === 'net' ? a : b) as { t: 'net'; addr: number; len: number });
  const x = num(a);
  const y = num(b);
  if (x !== undefined && y !== undefined) return x === y;
  return String(show(a)).toLowerCase() === String(show(b)).toLowerCase();
}

function inNet(a: Value, n: { addr: number; len: number }): boolean {
  const x = num(a);
  if (x === undefined) return false;
  const mask = n.len === 0 ? 0 : (0xffffffff << (32 - n.len)) >>> 0;
  return ((x & mask) >>> 0) === ((n.addr & mask) >>> 0);
}

const u32 = (x: number): Value => ({ t: 'num', v: x >>> 0 });

/** Evaluates; throws ExprError for type errors (e.g. `<` on words). Missing fields compare false. */
export function evalExpr(e: Expr, lookup: Lookup): Value {
  switch (e.k) {
    case 'lit': return e.value;
    case 'id': {
      const v = lookup(e.name);
      return v ?? { t: 'str', v: e.name };
    }
    case 'un': {
      const v = evalExpr(e.e, lookup);
      if (e.op === '!') return { t: 'bool', v: !truthy(v) };
      const n = num(v);
      if (n === undefined) return { t: 'none' };
      return e.op === '-' ? { t: 'num', v: -n } : u32(~n);
    }
    case 'bin': {
      if (e.op === '&&') {
        const l = evalExpr(e.l, lookup);
        return truthy(l) ? { t: 'bool', v: truthy(evalExpr(e.r, lookup)) } : { t: 'bool', v: false };
      }
      if (e.op === '||') {
        const l = evalExpr(e.l, lookup);
        return truthy(l) ? { t: 'bool', v: true } : { t: 'bool', v: truthy(evalExpr(e.r, lookup)) };
      }
      const l = evalExpr(e.l, lookup);
      const r = evalExpr(e.r, lookup);
      if (e.op === '==') return { t: 'bool', v: equal(l, r) };
      if (e.op === '!=') return { t: 'bool', v: l.t !== 'none' && r.t !== 'none' && !equal(l, r) };
      if (e.op === 'in') {
        if (r.t !== 'net') throw new ExprError(`'in' needs a prefix such as 10.0.0.0/8 on its right (column ${e.start + 1})`, e.start + 1);
        return { t: 'bool', v: l.t !== 'none' && inNet(l, r) };
      }
      const x = num(l);
      const y = num(r);
      if (l.t === 'none' || r.t === 'none') return e.op.length === 1 && '<>'.includes(e.op) || e.op === '<=' || e.op === '>=' ? { t: 'bool', v: false } : { t: 'none' };
      if (x === undefined || y === undefined) {
        const bad = x === undefined ? l : r;
        throw new ExprError(`'${e.op}' needs numbers, got '${show(bad)}' (column ${e.start + 1})`, e.start + 1);
      }
      switch (e.op) {
        case '<': return { t: 'bool', v: x < y };
        case '<=': return { t: 'bool', v: x <= y };
        case '>': return { t: 'bool', v: x > y };
        case '>=': return { t: 'bool', v: x >= y };
        case '&': return u32(x & y);
        case '|': return u32(x | y);
        case '^': return u32(x ^ y);
        case '<<': return u32(x << y);
        case '>>': return u32(x >>> y);
        case '+': return { t: 'num', v: x + y };
        case '-': return { t: 'num', v: x - y };
        case '*': return { t: 'num', v: x * y };
        case '/': if (y === 0) throw new ExprError(`division by zero (column ${e.start + 1})`, e.start + 1); return { t: 'num', v: Math.trunc(x / y) };
        case '%': if (y === 0) throw new ExprError(`division by zero (column ${e.start + 1})`, e.start + 1); return { t: 'num', v: x % y };
      }
      throw new ExprError(`unknown operator ${e.op}`, e.start + 1);
    }
  }
}

/** The text of a value as the Variables view and the REPL show it. */
export function show(v: Value): string {
  switch (v.t) {
    case 'num': return v.addr ? ipv4ToString(v.v) : String(v.v);
    case 'str': return v.v;
    case 'bool': return String(v.v);
    case 'net': return `${ipv4ToString(v.addr)}/${v.len}`;
    default: return 'not present';
  }
}

/** A compiled condition: parse once, evaluate per step; evaluation errors count as false. */
export function compileCondition(src: string): { test: (lookup: Lookup) => boolean; expr: Expr } {
  const expr = parseExpr(src);
  return {
    expr,
    test: (lookup) => {
      try {
        return truthy(evalExpr(expr, lookup));
      } catch {
        return false;
      }
    },
  };
}

/**
 * A hit condition as editors write it: `5` (the 5th hit on), `>= 5`, `> 5`, `== 5`, `% 3` (every 3rd),
 * `< 3`. Returns a test of the 1-based hit count, or an error message.
 */
export function parseHitCondition(src: string): ((n: number) => boolean) | string {
  const m = /^\s*(==|>=|<=|>|<|%)?\s*(\d+)\s*$/.exec(src);
  if (!m) return `hit count '${src}' is not understood: use a number (stop from that hit on), '>= N', '== N', '> N', '< N' or '% N'`;
  const n = Number(m[2]);
  switch (m[1]) {
    case '==': return (k) => k === n;
    case '>': return (k) => k > n;
    case '<': return (k) => k < n;
    case '<=': return (k) => k <= n;
    case '%': return n === 0 ? 'hit count % 0 never stops: use % 1 or more' : (k) => k % n === 0;
    default: return (k) => k >= n;
  }
}

/** Interpolates `{expr}` parts of a logpoint message; a bad part shows its error in place. */
export function interpolate(message: string, lookup: Lookup): string {
  return message.replace(/\{([^{}]*)\}/g, (_, src: string) => {
    try {
      return show(evalExpr(parseExpr(src), lookup));
    } catch (e) {
      return `<${(e as Error).message}>`;
    }
  });
}

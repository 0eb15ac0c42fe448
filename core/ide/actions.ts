// Code actions: quick fixes for diagnostics, data-driven. A fix is chosen by the diagnostic's
// catalogue key (FIXES_BY_KEY: key -> fix builder) and, for any diagnostic, by the generic fields
// of its `data` (DATA_FIXES). Executors that want a quick fix only need to put one of these in
// `data` (conventions, all optional):
//   nearest: string          replace the diagnostic's range with this name ("did you mean")
//   replaceWith: string      replace the diagnostic's range with this text (e.g. '-o' for '-i');
//                            also read under the names the executors use: fixed, replacement, suggestOption
//   insertBefore: string     insert this command as a line before the statement
//   insertAfter: string      insert this command as a line after the statement
//   insertAtBlockStart: string  insert this command as the first line of the namespace's block
//   deleteLine: true         delete the statement's line (shadowed rule ...)
//   netns, device, chain, table: facts the key-specific builders read.
// Every fix is a list of text edits on the one document, in offsets. No IO.

import { byCode } from '../diagnostics/catalogue';
import type { Diagnostic } from '../diagnostics/types';
import { nearestName } from '../model/names';
import { Analysis, commandAt } from './analysis';
import { TOP_LEVEL } from './docs-ip';
import type { Edit } from './navigation';

export interface CodeAction {
  title: string;
  kind: 'quickfix';
  edits: Edit[];
  diagnostic: Diagnostic;
  isPreferred?: boolean;
}

type Fix = { title: string; edits: Edit[]; isPreferred?: boolean };
export type FixBuilder = (a: Analysis, d: Diagnostic) => Fix[];

// ---------------------------------------------------------------- edit helpers

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function lineEndOf(text: string, offset: number): number {
  const e = text.indexOf('\n', offset);
  return e < 0 ? text.length : e;
}

function indentAt(text: string, offset: number): string {
  const s = lineStartOf(text, offset);
  return /^[ \t]*/.exec(text.slice(s))![0];
}

/** The statement (command extent) a diagnostic is on: its command, or the diagnostic range. */
function statementRange(a: Analysis, d: Diagnostic): { start: number; end: number } {
  const c = commandAt(a, d.start);
  return c ? { start: c.start, end: c.end } : { start: d.start, end: d.end };
}

function insertLineBefore(a: Analysis, d: Diagnostic, line: string): Edit {
  const r = statementRange(a, d);
  const s = lineStartOf(a.text, r.start);
  return { start: s, end: s, newText: `${indentAt(a.text, r.start)}${line}\n` };
}

function insertLineAfter(a: Analysis, d: Diagnostic, line: string): Edit {
  const r = statementRange(a, d);
  const e = lineEndOf(a.text, r.end);
  return { start: e, end: e, newText: `\n${indentAt(a.text, r.start)}${line}` };
}

/** Inserts `line` as the first line of the first block of `netns` (or before the statement for root). */
function insertAtBlockStart(a: Analysis, d: Diagnostic, netns: string | undefined, line: string): Edit {
  const block = a.blocks.find((b) => b.block.kind === 'namespace' && b.netns === netns && b.block.open)?.block;
  if (!block || !block.open) return insertLineBefore(a, d, line);
  const after = lineEndOf(a.text, block.open.end);
  const firstInner = block.body[0];
  const indent = firstInner ? indentAt(a.text, firstInner.start) : indentAt(a.text, block.start) + '    ';
  return { start: after, end: after, newText: `\n${indent}${line}` };
}

function deleteLine(a: Analysis, d: Diagnostic): Edit {
  const r = statementRange(a, d);
  const s = lineStartOf(a.text, r.start);
  let e = lineEndOf(a.text, r.end);
  if (e < a.text.length) e++;
  return { start: s, end: e, newText: '' };
}

/** The value of the word after `keyword` in the diagnostic's statement. */
function wordAfter(a: Analysis, d: Diagnostic, keyword: string, from = 0): string | undefined {
  const c = commandAt(a, d.start);
  if (!c) return undefined;
  const w = c.words.map((x) => x.value);
  const i = w.indexOf(keyword, from);
  return i >= 0 ? w[i + 1] : undefined;
}

function netnsOf(a: Analysis, d: Diagnostic): string {
  const fromData = d.data?.netns;
  if (typeof fromData === 'string') return fromData;
  const c = commandAt(a, d.start);
  return (c && a.model.statements[c.id]?.netns) || 'root';
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

// ---------------------------------------------------------------- generic, from data

const DATA_FIXES: FixBuilder[] = [
  (_a, d) => {
    const n = str(d.data?.nearest);
    return n ? [{ title: `Replace with '${n}'`, edits: [{ start: d.start, end: d.end, newText: n }], isPreferred: true }] : [];
  },
  (_a, d) => {
    const r = str(d.data?.replaceWith) ?? str(d.data?.fixed) ?? str(d.data?.replacement) ?? str(d.data?.suggestOption);
    return r ? [{ title: `Replace with '${r}'`, edits: [{ start: d.start, end: d.end, newText: r }], isPreferred: true }] : [];
  },
  (a, d) => {
    const l = str(d.data?.insertBefore);
    return l ? [{ title: `Add '${l}' before this line`, edits: [insertLineBefore(a, d, l)], isPreferred: true }] : [];
  },
  (a, d) => {
    const l = str(d.data?.insertAfter);
    return l ? [{ title: `Add '${l}'`, edits: [insertLineAfter(a, d, l)], isPreferred: true }] : [];
  },
  (a, d) => {
    const l = str(d.data?.insertAtBlockStart);
    return l ? [{ title: `Add '${l}' to namespace ${netnsOf(a, d)}`, edits: [insertAtBlockStart(a, d, netnsOf(a, d), l)], isPreferred: true }] : [];
  },
  (a, d) => (d.data?.deleteLine === true || d.tags?.includes('unnecessary') ? [{ title: 'Delete this line', edits: [deleteLine(a, d)] }] : []),
];

// ---------------------------------------------------------------- by catalogue key

const createChain: FixBuilder = (a, d) => {
  const chain = str(d.data?.chain) ?? a.text.slice(d.start, d.end);
  const table = str(d.data?.table) ?? 'filter';
  if (!chain) return [];
  const line = `iptables${table === 'filter' ? '' : ` -t ${table}`} -N ${chain}`;
  return [{ title: `Create chain ${chain} ('${line}')`, edits: [insertLineBefore(a, d, line)], isPreferred: true }];
};

const linkUp: FixBuilder = (a, d) => {
  const dev = str(d.data?.device) ?? a.text.slice(d.start, d.end);
  if (!dev) return [];
  return [{ title: `Add 'ip link set ${dev} up'`, edits: [insertLineAfter(a, d, `ip link set ${dev} up`)], isPreferred: true }];
};

const loUp: FixBuilder = (a, d) => {
  // On a probe line the namespace is the probe's sender, not the line's.
  const c = commandAt(a, d.start);
  const probe = c && c.words[0]?.value === 'probe' ? a.model.probes.find((p) => p.origin === c.id) : undefined;
  const ns = str(d.data?.netns) ?? probe?.from?.netns ?? netnsOf(a, d);
  return [{ title: `Bring lo up in ${ns}`, edits: [insertAtBlockStart(a, d, ns, 'ip link set lo up')], isPreferred: true }];
};

const enableForwarding: FixBuilder = (a, d) => {
  if (d.data?.why === 'lo-only') return []; // nothing to forward between: a sysctl would not help
  const ns = netnsOf(a, d);
  return [{ title: `Enable forwarding in ${ns}`, edits: [insertAtBlockStart(a, d, ns, 'sysctl -w net.ipv4.ip_forward=1')], isPreferred: true }];
};

/** The device after `dev` in the statement is down: bring it up before (routes) or after (addresses). */
const devWordUp = (where: 'before' | 'after'): FixBuilder => (a, d) => {
  const dev = str(d.data?.device) ?? wordAfter(a, d, 'dev');
  if (!dev) return [];
  const line = `ip link set ${dev} up`;
  return [{ title: `Add '${line}'`, edits: [where === 'before' ? insertLineBefore(a, d, line) : insertLineAfter(a, d, line)], isPreferred: true }];
};

/** A veth whose peer stays down: bring the peer up right after the line that creates the pair. */
const peerUp: FixBuilder = (a, d) => {
  const c = commandAt(a, d.start);
  if (!c) return [];
  const w = c.words.map((x) => x.value);
  const p = w.indexOf('peer');
  if (p < 0) return [];
  const peer = str(d.data?.device) ?? (w[p + 1] === 'name' ? w[p + 2] : w[p + 1]);
  const ns = str(d.data?.netns) ?? (w.indexOf('netns', p) > 0 ? w[w.indexOf('netns', p) + 1] : undefined);
  const here = a.model.statements[c.id]?.netns;
  if (!peer) return [];
  const line = ns && ns !== here ? `ip -n ${ns} link set ${peer} up` : `ip link set ${peer} up`;
  return [{ title: `Add '${line}'`, edits: [insertLineAfter(a, d, line)], isPreferred: true }];
};

/** Forwarding is off in the namespace that owns the gateway (the related line's namespace). */
const enableForwardingAtGateway: FixBuilder = (a, d) => {
  const rel = d.related?.[0];
  const c = rel ? commandAt(a, rel.start) : undefined;
  const ns = str(d.data?.netns) ?? (c && a.model.statements[c.id]?.netns);
  if (!ns) return [];
  return [{ title: `Enable forwarding in ${ns}`, edits: [insertAtBlockStart(a, { ...d, start: rel!.start, end: rel!.end }, ns, 'sysctl -w net.ipv4.ip_forward=1')], isPreferred: true }];
};

/** Adds `-p tcp` before the `-j` of the rule (tcp-reset and port options need it). */
const addProtoTcp: FixBuilder = (a, d) => {
  const c = commandAt(a, d.start);
  const j = c?.words.find((w) => w.value === '-j' || w.value === '--jump');
  if (!c || !j) return [];
  const proto = str(d.data?.suggestProto) ?? 'tcp';
  return [{ title: `Add '-p ${proto}'`, edits: [{ start: j.start, end: j.start, newText: `-p ${proto} ` }], isPreferred: true }];
};

const createNetns: FixBuilder = (a, d) => {
  const name = str(d.data?.name) ?? a.text.slice(d.start, d.end);
  const t = a.text;
  const sep = t === '' || t.endsWith('\n\n') ? '' : t.endsWith('\n') ? '\n' : '\n\n';
  return [{ title: `Create namespace ${name}`, edits: [{ start: t.length, end: t.length, newText: `${sep}namespace ${name} {\n    ip link set lo up\n}\n` }] }];
};

const swapInterfaceOption: FixBuilder = (a, d) => {
  const word = a.text.slice(d.start, d.end);
  const map: Record<string, string> = { '-i': '-o', '-o': '-i', '--in-interface': '--out-interface', '--out-interface': '--in-interface' };
  const to = str(d.data?.replaceWith) ?? str(d.data?.suggestOption) ? undefined : map[word];
  return to ? [{ title: `Change '${word}' to '${to}'`, edits: [{ start: d.start, end: d.end, newText: to }], isPreferred: true }] : [];
};

const deleteShadowed: FixBuilder = (a, d) => (d.tags?.includes('unnecessary') || d.data?.deleteLine === true ? [] : [{ title: 'Delete this rule', edits: [deleteLine(a, d)] }]);

const commentOut: FixBuilder = (a, d) => {
  const r = statementRange(a, d);
  return [{ title: 'Comment out this line', edits: [{ start: r.start, end: r.start, newText: '# ' }] }];
};

/** Quick fixes by catalogue key. Keys not in the catalogue yet are harmless (never matched). */
export const FIXES_BY_KEY: Readonly<Record<string, FixBuilder>> = {
  // syntax (NS1xxx)
  unterminatedQuote: (a, d) => {
    const text = a.text.slice(d.start, d.end);
    let open: string | undefined;
    for (const ch of text) {
      if (open) {
        if (ch === open) open = undefined;
      } else if (ch === '"' || ch === "'") open = ch;
    }
    return open ? [{ title: `Close the quote (${open})`, edits: [{ start: d.end, end: d.end, newText: open }], isPreferred: true }] : [];
  },
  unmatchedCloseBrace: (_a, d) => [{ title: "Remove the '}'", edits: [{ start: d.start, end: d.end, newText: '' }], isPreferred: true }],
  unclosedBlock: (a) => [{ title: "Close the block with '}' at the end of the file", edits: [{ start: a.text.length, end: a.text.length, newText: a.text.endsWith('\n') || a.text === '' ? '}\n' : '\n}\n' }], isPreferred: true }],
  expectedOpenBrace: (a, d) => {
    const e = lineEndOf(a.text, d.end);
    return [{ title: "Make it a block: add '{' and '}'", edits: [{ start: e, end: e, newText: ' {\n}' }] }];
  },
  extraBlockArguments: (a, d) => {
    let s = d.start;
    while (s > 0 && (a.text[s - 1] === ' ' || a.text[s - 1] === '\t')) s--;
    return [{ title: `Remove '${a.text.slice(d.start, d.end)}'`, edits: [{ start: s, end: d.end, newText: '' }], isPreferred: true }];
  },
  invalidNamespaceName: (a, d) => {
    const name = a.text.slice(d.start, d.end);
    let fixed = name.replace(/[^A-Za-z0-9_.-]/g, '-');
    if (fixed === '.' || fixed === '..' || fixed === '') fixed = 'ns';
    return fixed === name ? [] : [{ title: `Rename to '${fixed}'`, edits: [{ start: d.start, end: d.end, newText: fixed }], isPreferred: true }];
  },
  // language (NS4xxx)
  unknownNetns: createNetns,
  // not simulated / unknown (NS9xxx)
  notSimulated: commentOut,
  unknownCommand: (a, d) => {
    const word = a.text.slice(d.start, d.end);
    const n = nearestName(word, TOP_LEVEL.map((t) => t.name));
    const fixes: Fix[] = n ? [{ title: `Replace with '${n}'`, edits: [{ start: d.start, end: d.end, newText: n }], isPreferred: true }] : [];
    return fixes.concat(commentOut(a, d));
  },
  // ip (NS2xxx): misspelled devices and namespaces get `nearest` from data (generic fix).
  ipInvalidNetns: createNetns,
  ipDeviceNotUp: devWordUp('before'),
  // iptables (NS3xxx)
  xtNoSuchChain: createChain,
  xtJumpToMissingChain: createChain,
  xtInterfaceNotInChain: swapInterfaceOption,
  xtRejectTcpResetNeedsTcp: addProtoTcp,
  xtPortNeedsProtocol: addProtoTcp,
  xtShadowedRule: deleteShadowed,
  addrNotAvail: (a, d) => (a.text.slice(d.start, d.end).startsWith('127.') ? loUp(a, d) : []),
  // lints (NS5xxx)
  forwardRulesWithoutForwarding: enableForwarding,
  gatewayWithoutForwarding: enableForwardingAtGateway,
  routeDeviceDown: devWordUp('before'),
  loopbackDown: loUp,
  probeOwnAddressLoopbackDown: loUp,
  deviceNeverUp: devWordUp('after'),
  vethPeerDown: peerUp,
};

/** Quick fixes for the diagnostics overlapping [start, end] (plus `extra` diagnostics, e.g. probe ones). */
export function getCodeActions(a: Analysis, start: number, end: number, extra: readonly Diagnostic[] = []): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of [...a.model.diagnostics, ...extra]) {
    if (d.end < start || d.start > end) continue;
    out.push(...fixesFor(a, d).map((f) => ({ ...f, kind: 'quickfix' as const, diagnostic: d })));
  }
  return out;
}

/** Every fix for one diagnostic: the key's builder first, then the data-driven ones (deduplicated by title). */
export function fixesFor(a: Analysis, d: Diagnostic): Fix[] {
  const key = byCode.get(d.code)?.key;
  const fixes: Fix[] = [];
  try {
    if (key && FIXES_BY_KEY[key]) fixes.push(...FIXES_BY_KEY[key](a, d));
    for (const b of DATA_FIXES) fixes.push(...b(a, d));
  } catch {
    // A fix builder must never take the server down: a broken one offers nothing.
  }
  const seen = new Set<string>();
  fixes.sort((x, y) => Number(!!y.isPreferred) - Number(!!x.isPreferred));
  return fixes.filter((f) => (seen.has(f.title) ? false : (seen.add(f.title), true)));
}

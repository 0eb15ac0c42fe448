// The model: runs a parsed topology file statement by statement, in file order, against the
// defaults of fresh namespaces, and yields the kernel configuration (core/kernel/config.ts), the
// probes, every diagnostic, the symbols and per-statement facts. Dispatch only: each tool has
// its executor (ip.ts, iptables.ts, sysctl.ts, lang.ts); lints on the final state (lint.ts).

import { diagnose } from '../diagnostics/catalogue';
import type { Diagnostic } from '../diagnostics/types';
import { parseIpv4 } from '../kernel/config';
import type { ProbeSpec, TopologyConfig } from '../kernel/config';
import type { Token } from '../syntax/lexer';
import { parse } from '../syntax/parser';
import { BlockNode, CommandNode, forEachBlock, ItemNode, SourceFile } from '../syntax/tree';
import { AFTER_ALL_ITEMS, ExecContext, ModelState, StatementInfo, SymbolOccurrence } from './context';
import { execIp } from './ip';
import { execIptables } from './iptables';
import { execJailBlock, execListen, execProbe, execNetnsAdd } from './lang';
import { runLints } from './lint';
import { nearestName } from './names';
import { ensureNetns, newModelState, ROOT_NETNS } from './state';
import { execSysctl } from './sysctl';

export { ROOT_NETNS } from './state';

export interface Model {
  file: SourceFile;
  topology: TopologyConfig;
  probes: ProbeSpec[];
  /** Syntax errors first, then the model's, in the order found. */
  diagnostics: Diagnostic[];
  symbols: SymbolOccurrence[];
  /** Per command, indexed by CommandNode.id (blocks leave holes). */
  statements: StatementInfo[];
  /** Namespace of each block by BlockNode.id. */
  facts: Map<string, unknown>;
}

/** Tools the language knows by name but does not simulate: a warning, never silence. */
const NOT_SIMULATED_TOOLS = new Set([
  'ip6tables', 'nft', 'tc', 'ethtool', 'ebtables', 'arptables', 'bridge', 'conntrack', 'modprobe', 'echo',
  'iptables-restore', 'ip6tables-restore', 'iptables-save', 'ping', 'curl', 'socat', 'nc', 'tcpdump', 'sleep',
]);

export function buildModel(input: string | SourceFile): Model {
  const file = typeof input === 'string' ? parse(input) : input;
  const state = prepareState(file);
  runItems(state, file.items, ROOT_NETNS, undefined);
  return finishModel(state, file, state.diagnostics);
}

/** A fresh state with every namespace the file names (blocks, `ip netns add`) already created. */
export function prepareState(file: SourceFile): ModelState {
  const state = newModelState();
  ensureNetns(state, ROOT_NETNS);
  // Rule 1 of the language: every namespace a block names exists from the start.
  forEachBlock(file.items, (b) => {
    if (b.kind === 'namespace' && b.name) ensureNetns(state, b.name.value);
  });
  declareNetnsAdds(state, file.items);
  return state;
}

/** Runs the lints on the final state (into a fresh list) and assembles the model. */
export function finishModel(state: ModelState, file: SourceFile, itemDiagnostics: Diagnostic[], iptablesLints = true): Model {
  state.diagnostics = itemDiagnostics;
  state.now = AFTER_ALL_ITEMS;
  runLints(state, file, iptablesLints);
  return {
    file,
    topology: state.topology,
    probes: state.probes,
    diagnostics: file.errors.length ? [...file.errors, ...state.diagnostics] : state.diagnostics.slice(),
    symbols: state.symbols,
    statements: state.statements,
    facts: state.facts,
  };
}

/** `ip netns add NS` anywhere in the file also creates NS from the start (the export creates all first). */
function declareNetnsAdds(state: ModelState, items: ItemNode[]): void {
  for (const item of items) {
    if (item.kind !== 'command') {
      declareNetnsAdds(state, item.body);
      continue;
    }
    if (item.count >= 4 && item.valueAt(0) === 'ip' && item.valueAt(1) === 'netns' && item.valueAt(2) === 'add') ensureNetns(state, item.valueAt(3));
  }
}

/** The jail an item runs under: its address and block. */
export type JailContext = { addr: number | undefined; block: BlockNode } | undefined;

function runItems(state: ModelState, items: ItemNode[], netns: string, jail: JailContext): void {
  for (const item of items) {
    runItem(state, item, netns, jail);
    if (item.kind === 'namespace') runItems(state, item.body, item.name?.value ?? netns, undefined);
    else if (item.kind === 'jail') runItems(state, item.body, netns, jailOf(item));
  }
}

/** The jail context a jail block gives its body. */
export function jailOf(block: BlockNode): JailContext {
  return { addr: block.name ? parseIpv4(block.name.value) : undefined, block };
}

/** Runs one item on its own (a command, or a block's header; not the block's body) at time item.id. */
export function runItem(state: ModelState, item: ItemNode, netns: string, jail: JailContext): void {
  state.now = item.id;
  state.devSeqOrigin = undefined;
  if (item.kind === 'command') return runCommand(state, item, netns, jail);
  if (item.kind === 'namespace') {
    const name = item.name?.value;
    if (name) {
      state.symbols.push({
        kind: 'netns', key: `netns:${name}`, name, start: item.name!.start, end: item.name!.end,
        isDefinition: true, statement: item.id,
      });
    }
  } else execJailBlock(state, item, netns, jailOf(item)!.addr);
}

function runCommand(state: ModelState, cmd: CommandNode, netns: string, jail: JailContext): void {
  const info = new StatementInfo(cmd, netns, jail?.block);
  state.statements[cmd.id] = info;
  // Tokens made for this run only (the tree keeps none): what must outlive it asks ExecContext.keepToken.
  const words = cmd.freshWords();
  let argv: Token[] = words;
  let argIndex = identityIndexes(words.length);

  // Pasted forms: `ip -n NS ...`, `ip -netns NS ...`, `ip netns exec NS CMD ...`.
  for (;;) {
    if (argv[0]?.value !== 'ip') break;
    if (argv[1] && (argv[1].value === '-n' || argv[1].value === '-netns' || argv[1].value === '--netns')) {
      info.setRole(argIndex[0], 'command');
      info.setRole(argIndex[1], 'option');
      const nsTok = argv[2];
      if (!nsTok) {
        state.diagnostics.push(diagnose('missingNetnsArgument', argv[1].start, argv[1].end, `ip ${argv[1].value}`));
        info.failed = true;
        return;
      }
      if (!useNetns(state, info, nsTok, argIndex[2])) return;
      argv = [argv[0], ...argv.slice(3)];
      argIndex = [argIndex[0], ...argIndex.slice(3)];
      continue;
    }
    if (argv[1]?.value === 'netns' && argv[2]?.value === 'exec') {
      info.setRole(argIndex[0], 'command');
      info.setRole(argIndex[1], 'subcommand');
      info.setRole(argIndex[2], 'subcommand');
      const nsTok = argv[3];
      if (!nsTok) {
        state.diagnostics.push(diagnose('missingNetnsArgument', argv[2].start, argv[2].end, 'ip netns exec'));
        info.failed = true;
        return;
      }
      if (!useNetns(state, info, nsTok, argIndex[3])) return;
      argv = argv.slice(4);
      argIndex = argIndex.slice(4);
      if (!argv.length) {
        state.diagnostics.push(diagnose('missingNetnsArgument', cmd.start, cmd.end, 'ip netns exec NS'));
        info.failed = true;
        return;
      }
      continue;
    }
    break;
  }

  const ctx = new ExecContext(state, info, argv, argIndex, jail);
  const tool = argv[0].value;
  ctx.role(0, 'command');
  if (jail && tool !== 'listen') {
    ctx.report('commandInJail', argv[0], tool);
    return;
  }
  switch (tool) {
    case 'ip':
      if (argv[1]?.value === 'netns' && argv[2]?.value === 'add') return execNetnsAdd(ctx);
      return execIp(ctx);
    case 'iptables':
    case 'iptables-nft':
    case 'iptables-legacy':
      return execIptables(ctx);
    case 'sysctl':
      return execSysctl(ctx);
    case 'listen':
      return execListen(ctx);
    case 'probe':
      return execProbe(ctx);
    default:
      if (NOT_SIMULATED_TOOLS.has(tool)) ctx.report('notSimulated', argv[0], `'${tool}'`);
      else ctx.report('unknownCommand', argv[0], tool);
  }
}

/** [0, 1, 2, ...] at least n long, shared by every statement (read only: argIndex[i] = i). */
let IDENTITY: number[] = [];
function identityIndexes(n: number): number[] {
  if (IDENTITY.length < n) {
    const next: number[] = [];
    for (let i = 0; i < Math.max(n, 64, IDENTITY.length * 2); i++) next.push(i);
    IDENTITY = next;
  }
  return IDENTITY;
}

/** Switches the statement to namespace `nsTok`; reports and returns false if it does not exist. */
function useNetns(state: ModelState, info: StatementInfo, nsTok: Token, wordIndex: number): boolean {
  info.setRole(wordIndex, 'netns');
  const name = nsTok.value;
  if (!state.topology.namespaces.has(name)) {
    const d = diagnose('unknownNetns', nsTok.start, nsTok.end, name, nearestName(name, state.topology.namespaces.keys()));
    d.data = { name, nearest: nearestName(name, state.topology.namespaces.keys()) };
    state.diagnostics.push(d);
    info.failed = true;
    return false;
  }
  state.symbols.push({ kind: 'netns', key: `netns:${name}`, name, start: nsTok.start, end: nsTok.end, isDefinition: false, statement: info.cmd.id });
  info.netns = name;
  return true;
}

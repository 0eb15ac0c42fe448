// What a command executor sees while the model runs a file: the topology built so far, the
// namespace the command runs in, its words, and ways to report a diagnostic, give a word a
// semantic role and record a symbol definition or reference. Executors (ip.ts, iptables.ts,
// sysctl.ts, lang.ts) validate a command fully before they change the state, so a failing
// line leaves the state as if it had not run, as the kernel does.

import { diagnose, DiagnosticKey } from '../diagnostics/catalogue';
import type { Diagnostic, Related } from '../diagnostics/types';
import type { Ipv4, NetnsConfig, Origin, ProbeSpec, TopologyConfig } from '../kernel/config';
import type { Token } from '../syntax/lexer';
import { BlockNode, CommandNode, KEPT_COMMAND } from '../syntax/tree';
import { keepLayout } from '../util/keep-layout';

/** What a word of a command is, for semantic tokens, completion, hover and rename. */
export type WordRole =
  | 'command' | 'subcommand' | 'keyword' | 'option' | 'value' | 'number' | 'string'
  | 'netns' | 'device' | 'address' | 'prefix' | 'table' | 'chain' | 'target' | 'match'
  | 'sysctl-key' | 'probe' | 'outcome' | 'proto' | 'port' | 'mac';

export type SymbolKind = 'netns' | 'device' | 'chain' | 'probe';

/** One occurrence of a named thing: the definition or a reference. */
export interface SymbolOccurrence {
  kind: SymbolKind;
  /** Identity: `netns:NAME`, `device:ID`, `chain:NS/TABLE/NAME`, `probe:NAME`. */
  key: string;
  name: string;
  start: number;
  end: number;
  isDefinition: boolean;
  /** The statement it occurs in. */
  statement: number;
  /** Namespace the name is scoped to (devices, chains). */
  netns?: string;
}

/** Every word role, by code - 1 (code 0 is no role). */
const WORD_ROLES: readonly WordRole[] = [
  'command', 'subcommand', 'keyword', 'option', 'value', 'number', 'string', 'netns', 'device', 'address', 'prefix',
  'table', 'chain', 'target', 'match', 'sysctl-key', 'probe', 'outcome', 'proto', 'port', 'mac',
];
const ROLE_CODE = new Map<WordRole, number>(WORD_ROLES.map((r, i) => [r, i + 1]));

/**
 * Role codes of statements' words live in shared chunks (a statement holds a chunk and an offset),
 * not in an array per statement: 100,000 statements would be 100,000 arrays for the collector.
 */
const ROLE_CHUNK = 1 << 16;
let roleChunk = new Uint8Array(ROLE_CHUNK);
let roleAt = 0;

/** What the model keeps for each command of the file. */
export class StatementInfo {
  /** True when the real tool would have rejected the line (state not applied). */
  failed = false;
  /** A short kind for tools: 'ip link add', 'iptables -A', 'sysctl', 'listen', 'probe', ... */
  what: string | undefined = undefined;
  /** The role codes of the words: codes[at + k] for word k. */
  private readonly codes: Uint8Array;
  private readonly at: number;

  constructor(
    readonly cmd: CommandNode,
    /** Namespace the command ran in (after `ip -n NS` / `ip netns exec NS`). */
    public netns: string,
    /** Enclosing jail block, if any. */
    readonly jail?: BlockNode,
  ) {
    const n = cmd.count;
    if (roleAt + n > roleChunk.length) {
      roleChunk = new Uint8Array(Math.max(ROLE_CHUNK, n));
      roleAt = 0;
    }
    this.codes = roleChunk;
    this.at = roleAt;
    roleAt += n;
  }

  /** Semantic role of each word, aligned with cmd.words (a new array on each read). */
  get roles(): Array<WordRole | undefined> {
    const n = this.cmd.count;
    const out: Array<WordRole | undefined> = new Array(n);
    for (let k = 0; k < n; k++) out[k] = this.roleOf(k);
    return out;
  }

  /** The role of word k (0-based), if it has one. */
  roleOf(k: number): WordRole | undefined {
    const c = k >= 0 && k < this.cmd.count ? this.codes[this.at + k] : 0;
    return c === 0 ? undefined : WORD_ROLES[c - 1];
  }

  /** Gives word k a role. */
  setRole(k: number, role: WordRole): void {
    if (k >= 0 && k < this.cmd.count) this.codes[this.at + k] = ROLE_CODE.get(role)!;
  }
}

/**
 * A time after every item of any file (the lints run at it). Within V8's small-integer range:
 * Number.MAX_SAFE_INTEGER made `now` a boxed double, which changed every state's layout once per
 * process and threw away the optimized code built on the old one (util/keep-layout.ts).
 */
export const AFTER_ALL_ITEMS = 2 ** 30 - 1;

export interface ModelState {
  topology: TopologyConfig;
  probes: ProbeSpec[];
  diagnostics: Diagnostic[];
  symbols: SymbolOccurrence[];
  statements: StatementInfo[];
  /** Facts executors keep for later lints (free-form, keyed by executor). */
  facts: Map<string, unknown>;
  /** The item (statement or block, by id) being run; KERNEL_ORIGIN before the first. */
  now: number;
  /** Devices made so far by item `devSeqOrigin` (device ids: state.ts). */
  devSeq: number;
  devSeqOrigin?: number;
  /** Namespace names in creation order. */
  nsOrder: string[];
  /** Per namespace, its device names over time (state.ts). */
  names: Map<string, import('./state').NameHistory>;
  /** Set by the incremental model (incremental.ts) to learn what each item depends on. */
  tracker?: Tracker;
}

/**
 * What an item touched while it ran, for the incremental model: cells (`ns:NAME` for a namespace's
 * whole state, `#probes` for the probe names, `#global` for what only a whole-file run redoes) and
 * device names it asked about or changed.
 */
export interface Tracker {
  touch(cell: string): void;
  readName(name: string): void;
  wroteName(name: string): void;
}

export class ExecContext {
  /** True once an error-severity diagnostic was reported for this command. */
  failed = false;

  constructor(
    readonly state: ModelState,
    readonly info: StatementInfo,
    /** The words the executor interprets, argv[0] being the tool (`ip`, `iptables`, ...);
     *  pasted prefixes like `ip -n NS` / `ip netns exec NS` are already removed. */
    readonly argv: Token[],
    /** For each argv word, its index in info.cmd.words. */
    readonly argIndex: number[],
    readonly jail?: { addr: Ipv4 | undefined; block: BlockNode },
  ) {}

  get topology(): TopologyConfig {
    return this.state.topology;
  }

  get netnsName(): string {
    return this.info.netns;
  }

  /** The namespace this command runs in (always exists: the model creates named ones first). */
  get netns(): NetnsConfig {
    return this.state.topology.namespaces.get(this.info.netns)!;
  }

  get origin(): Origin {
    return this.info.cmd.id;
  }

  get cmd(): CommandNode {
    return this.info.cmd;
  }

  /** Reports a catalogued diagnostic on a word (or the whole command when `at` is undefined). */
  report(key: DiagnosticKey, at: Token | { start: number; end: number } | undefined, ...args: string[]): Diagnostic {
    const range = at ?? this.info.cmd;
    const d = diagnose(key, range.start, range.end, ...args);
    if (d.severity === 'error') {
      this.failed = true;
      this.info.failed = true;
    }
    this.state.diagnostics.push(d);
    return d;
  }

  /** Adds related information (another line involved) to a diagnostic. */
  relate(d: Diagnostic, at: { start: number; end: number }, message: string): void {
    const r: Related = { start: at.start, end: at.end, message };
    (d.related ??= []).push(r);
  }

  /** Gives argv[i] a semantic role. */
  role(i: number, role: WordRole): void {
    if (i >= 0 && i < this.argv.length) this.info.setRole(this.argIndex[i], role);
  }

  /** The role argv[i] has so far, if any. */
  roleOf(i: number): WordRole | undefined {
    return i >= 0 && i < this.argv.length ? this.info.roleOf(this.argIndex[i]) : undefined;
  }

  /**
   * The tree's own token for argv[i], for facts that keep a token beyond this run: argv's tokens
   * are made for the run, while the tree's are kept and moved by an incremental reparse.
   */
  keepToken(i: number): Token {
    return this.info.cmd.wordAt(this.argIndex[i]);
  }

  /** Records a definition or reference of a symbol at argv[i] (or at a token). */
  symbol(kind: SymbolKind, key: string, at: Token, isDefinition: boolean, netns?: string): void {
    this.state.symbols.push({
      kind, key, name: at.value, start: at.start, end: at.end, isDefinition, statement: this.info.cmd.id, netns,
    });
  }
}

// A context per command, all gone after the run: one kept keeps their layout (util/keep-layout.ts).
keepLayout(new ExecContext(undefined as unknown as ModelState, undefined as unknown as StatementInfo, [], []));
// Statements live as long as their model: one kept keeps their layout when no model is left.
keepLayout(new StatementInfo(KEPT_COMMAND, ''));

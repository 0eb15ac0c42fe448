// Hover: what the line does in plain words and the state it leaves, and the help for the word
// under the cursor (a device, namespace, chain, probe, address, iptables option, match, target,
// table, sysctl key, ip keyword). Returns Markdown and the offsets of the hovered word. The state
// shown for devices and namespaces is the final state of the file (the model keeps no history).

import { ipv4ToString, parseIpv4, XtChain } from '../kernel/config';
import type { SymbolOccurrence } from '../model/context';
import type { Token } from '../syntax/lexer';
import { Analysis, commandAt, statementOf, symbolAt, wordAt } from './analysis';
import { ipObject, OUTCOMES, PROBE_KEYWORDS, TOP_LEVEL } from './docs-ip';
import { findIptablesOption, XT_CHAIN_DOCS, XT_MATCHES, XT_TABLES, XT_TARGETS } from './docs-iptables';
import { sysctlDoc } from './docs-sysctl';
import { ProbeResult, probesThrough } from './probes';

export interface Hover {
  markdown: string;
  start: number;
  end: number;
}

/** Hover at `offset`. With probe results (the simulation is on), a rule's hover also names the
 *  probes whose simulated path matched it (`simMode` as in the settings). */
export function getHover(a: Analysis, offset: number, probeResults?: ReadonlyMap<string, ProbeResult>, simMode = 'separate'): Hover | undefined {
  const word = wordAt(a, offset);
  if (!word) return undefined;
  const parts: string[] = [];
  const sym = symbolAt(a, offset);
  if (sym) parts.push(describeSymbol(a, sym, probeResults));
  const cmd = commandAt(a, offset);
  if (!sym) {
    const help = wordHelp(a, word, cmd?.words ?? []);
    if (help) parts.push(help);
  }
  if (cmd) {
    let line = describeStatement(a, cmd.id);
    if (line && probeResults && a.rulePositions.has(cmd.id)) {
      const names = probesThrough(a.model, cmd.id, simMode);
      line += `  \n${names.length ? `Matched by probe${names.length > 1 ? 's' : ''} ${names.join(', ')}` : 'No probe matches this rule'} (simulated).`;
    }
    if (line) parts.push(line);
  } else {
    const b = a.blocks.find((x) => x.block.keyword === word || x.block.name === word);
    if (b && !sym) parts.push(b.block.kind === 'namespace' ? `Commands in this block run in namespace **${b.netns}**.` : `Processes in this block are jailed to ${b.block.name?.value ?? '?'} (bsdjail).`);
  }
  if (!parts.length) return undefined;
  return { markdown: parts.join('\n\n---\n\n'), start: word.start, end: word.end };
}

function describeSymbol(a: Analysis, s: SymbolOccurrence, probeResults?: ReadonlyMap<string, ProbeResult>): string {
  const topo = a.model.topology;
  switch (s.kind) {
    case 'netns': {
      const ns = topo.namespaces.get(s.name);
      if (!ns) return `namespace **${s.name}** (does not exist)`;
      const devs = [...ns.devices.values()].map((d) => `${d.name}${d.up ? '' : ' (down)'}`);
      const addrs = ns.addresses.map((x) => `${ipv4ToString(x.addr)}/${x.plen} on ${topo.devices.get(x.devId)?.name ?? '?'}`);
      return [
        `namespace **${s.name}**`,
        `devices: ${devs.join(', ') || 'none'}`,
        `addresses: ${addrs.join(', ') || 'none'}`,
        `ip_forward: ${ns.sysctl.get('net.ipv4.ip_forward') ?? '0'}`,
        `iptables tables: ${[...ns.xtables.keys()].join(', ') || 'none'}`,
      ].join('  \n');
    }
    case 'device': {
      const id = Number(s.key.slice('device:'.length));
      const d = topo.devices.get(id);
      if (!d) return `device **${s.name}** in ${s.netns ?? '?'} (deleted by the end of the file)`;
      const ns = topo.namespaces.get(d.netns);
      const addrs = ns?.addresses.filter((x) => x.devId === d.id).map((x) => `${ipv4ToString(x.addr)}/${x.plen}`) ?? [];
      const lines = [`device **${d.name}** in namespace **${d.netns}**: ${d.kind}, ${d.up ? 'up' : 'down'}, mtu ${d.mtu}, ${d.mac}`];
      if (d.peer !== undefined) {
        const p = topo.devices.get(d.peer);
        if (p) lines.push(`peer: ${p.name} in ${p.netns}`);
      }
      if (d.master !== undefined) lines.push(`bridge port of ${topo.devices.get(d.master)?.name ?? '?'}`);
      lines.push(`addresses: ${addrs.join(', ') || 'none'}`);
      lines.push('_(state at the end of the file)_');
      return lines.join('  \n');
    }
    case 'chain': {
      const m = /^chain:([^/]*)\/([^/]*)\/(.*)$/.exec(s.key);
      const [netns, table, name] = m ? [m[1], m[2], m[3]] : [s.netns ?? '?', '?', s.name];
      const chain: XtChain | undefined = topo.namespaces.get(netns)?.xtables.get(table as never)?.chains.get(name);
      const lines = [`chain **${name}** of table ${table} in ${netns}`];
      if (XT_CHAIN_DOCS[name]) lines.push(XT_CHAIN_DOCS[name]);
      if (chain) {
        if (chain.policy) lines.push(`policy ${chain.policy}`);
        lines.push(`${chain.rules.length} rule${chain.rules.length === 1 ? '' : 's'}`);
        chain.rules.slice(0, 10).forEach((r, i) => lines.push(`${i + 1}. \`${r.text}\``));
      }
      return lines.join('  \n');
    }
    case 'probe': {
      const p = a.model.probes.find((x) => x.name === s.name);
      const lines = [`probe **${s.name}**`];
      if (p) {
        lines.push(`${p.proto} to ${ipv4ToString(p.dst)}${p.dport !== undefined ? ':' + p.dport : ''} from ${p.from?.netns ?? p.on?.netns ?? '?'}`);
        if (p.expect) lines.push(`expects ${p.expect.kind}${p.expect.netns ? ' in ' + p.expect.netns : ''}`);
      }
      const r = probeResults?.get(s.name);
      if (r) lines.push(`simulated: **${r.outcome}**${r.netns ? ' in ' + r.netns : ''}${r.where ? ' — ' + r.where : ''}`);
      return lines.join('  \n');
    }
  }
}

/** Help for a word that is not a symbol: options, keywords, tables, targets, keys, addresses. */
function wordHelp(a: Analysis, word: Token, words: Token[]): string | undefined {
  const v = word.value;
  const i = words.indexOf(word);
  const prev = i > 0 ? words[i - 1].value : undefined;
  const tool = words[0]?.value;
  if (i === 0) {
    const t = TOP_LEVEL.find((x) => x.name === v);
    if (t) return `**${v}**: ${t.doc}`;
  }
  const block = a.blocks.find((b) => b.block.keyword === word);
  if (block) return `**${v}**: ${TOP_LEVEL.find((x) => x.name === v)?.doc ?? ''}`;
  if (tool === 'iptables' || tool === 'iptables-nft' || tool === 'iptables-legacy') {
    const o = findIptablesOption(v);
    if (o) return `**${o.doc.name}**${o.doc.alias ? ` (${o.doc.alias})` : ''}${o.doc.arg ? ' ' + o.doc.arg : ''} — ${o.where}  \n${o.doc.doc}`;
    if (prev === '-m' || prev === '--match' || prev === '-p') {
      const m = XT_MATCHES.find((x) => x.name === v);
      if (m) return `match **${m.name}**: ${m.doc}  \noptions: ${m.options.map((x) => x.name).join(', ')}`;
    }
    if (prev === '-j' || prev === '--jump') {
      const t = XT_TARGETS.find((x) => x.name === v);
      if (t) return `target **${t.name}**: ${t.doc}${t.options.length ? '  \noptions: ' + t.options.map((x) => x.name).join(', ') : ''}`;
    }
    if (prev === '-t' || prev === '--table') {
      const t = XT_TABLES.find((x) => x.name === v);
      if (t) return `table **${t.name}**: ${t.doc}`;
    }
    if (XT_CHAIN_DOCS[v]) return `chain **${v}**: ${XT_CHAIN_DOCS[v]}`;
    if (prev === '-P') return undefined;
  }
  if (tool === 'sysctl') {
    const key = v.split('=')[0];
    const d = sysctlDoc(key);
    if (d) return `**${d.key}** (default in a new namespace: ${d.default})  \n${d.doc}`;
    if (key.includes('.')) return `**${key}**: not a key the simulator honours; the line is reported and ignored.`;
  }
  if (tool === 'ip') {
    const obj = ipObject(words[1]?.value ?? '');
    if (i === 1 && obj) return `**ip ${obj.name}**: ${obj.doc}`;
    if (obj) {
      const sub = obj.subcommands.find((x) => x.name === v);
      if (i === 2 && sub) return `**ip ${obj.name} ${v}**: ${sub.doc}`;
      const k = obj.keywords.find((x) => x.name === v);
      if (k) return `**${v}**: ${k.doc}`;
    }
  }
  if (tool === 'probe') {
    const o = OUTCOMES.find((x) => x.name === v);
    if (o && prev === 'expect') return `outcome **${v}**: ${o.doc}`;
    const k = PROBE_KEYWORDS.find((x) => x.name === v);
    if (k) return `**${v}**: ${k.doc}`;
  }
  const addrText = v.split('/')[0].split(':')[0];
  const addr = parseIpv4(addrText);
  if (addr !== undefined) return describeAddress(a, addr);
  return undefined;
}

/** Which namespaces and devices own an address. */
export function describeAddress(a: Analysis, addr: number): string {
  const topo = a.model.topology;
  const owners: string[] = [];
  for (const ns of topo.namespaces.values()) {
    for (const x of ns.addresses) {
      if (x.addr === addr) owners.push(`${ipv4ToString(x.addr)}/${x.plen} on ${topo.devices.get(x.devId)?.name ?? '?'} in namespace **${ns.name}**`);
    }
  }
  return owners.length ? `address ${ipv4ToString(addr)}: ${owners.join('; ')}` : `address ${ipv4ToString(addr)}: no namespace owns it`;
}

/** What a statement does, in plain words, and what it leaves (rule position, failure). */
export function describeStatement(a: Analysis, stmt: number): string | undefined {
  const info = a.model.statements[stmt];
  if (!info) return undefined;
  const w = info.cmd.words.map((x) => x.value);
  let args = w;
  // Pasted prefixes.
  while (args[0] === 'ip' && (args[1] === '-n' || args[1] === '-netns' || args[1] === '--netns')) args = ['ip', ...args.slice(3)];
  if (args[0] === 'ip' && args[1] === 'netns' && args[2] === 'exec') args = args.slice(4);
  const ns = info.netns;
  const after = (k: string) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  let text: string | undefined;
  const tool = args[0];
  if (tool === 'ip') {
    const obj = ipObject(args[1] ?? '')?.name;
    const sub = args[2];
    if (obj === 'link' && sub === 'add') {
      const name = args[3] === 'name' || args[3] === 'dev' ? args[4] : args[3];
      const type = after('type');
      if (type === 'veth') {
        const peerNs = after('netns') ?? ns;
        text = `Creates the veth pair ${name} (in ${ns}) — ${after('name') ?? '?'} (in ${peerNs}); both start down.`;
      } else text = `Creates the ${type ?? '?'} device ${name} in ${ns}; it starts down.`;
    } else if (obj === 'link' && sub === 'set') {
      const dev = args[3] === 'dev' ? args[4] : args[3];
      const acts: string[] = [];
      if (args.includes('up')) acts.push('brings it up');
      if (args.includes('down')) acts.push('brings it down');
      if (after('netns')) acts.push(`moves it to namespace ${after('netns')} (it comes out down, without addresses)`);
      if (after('master')) acts.push(`makes it a port of bridge ${after('master')}`);
      if (args.includes('nomaster')) acts.push('removes it from its bridge');
      if (after('mtu')) acts.push(`sets its mtu to ${after('mtu')}`);
      text = `Device ${dev} in ${ns}: ${acts.join(', ') || 'changes its settings'}.`;
    } else if (obj === 'link' && (sub === 'del' || sub === 'delete')) {
      text = `Deletes device ${args[3] === 'dev' ? args[4] : args[3]} from ${ns} (a veth takes its peer with it).`;
    } else if (obj === 'addr') {
      text = `${sub === 'del' ? 'Removes' : 'Assigns'} ${args[3]} ${sub === 'del' ? 'from' : 'to'} ${after('dev') ?? '?'} in ${ns}${sub === 'del' ? '' : '; with the device up, the kernel adds the local route and the subnet route'}.`;
    } else if (obj === 'route') {
      const dst = args[3];
      text = `${sub === 'del' ? 'Deletes' : 'Adds'} a route in ${ns} to ${dst}${after('via') ? ' via ' + after('via') : ''}${after('dev') ? ' on ' + after('dev') : ''}${after('table') ? ' in table ' + after('table') : ''}.`;
    } else if (obj === 'rule') {
      text = `Adds a policy routing rule in ${ns}${after('pref') ? ' at priority ' + after('pref') : ''}.`;
    } else if (obj === 'neigh') {
      text = `Adds a permanent neighbour entry ${args[3]} -> ${after('lladdr') ?? '?'} on ${after('dev') ?? '?'} in ${ns}.`;
    } else if (obj === 'netns' && sub === 'add') text = `Creates namespace ${args[3]} (it exists from the start of the file).`;
  } else if (tool === 'iptables' || tool === 'iptables-nft' || tool === 'iptables-legacy') {
    const table = after('-t') ?? after('--table') ?? 'filter';
    const pos = a.rulePositions.get(stmt);
    const chainOf = (opt: string, long: string) => after(opt) ?? after(long);
    if (chainOf('-A', '--append') || chainOf('-I', '--insert')) {
      const chain = chainOf('-A', '--append') ?? chainOf('-I', '--insert');
      text = `${after('-I') ? 'Inserts' : 'Appends'} a rule to ${table}/${chain} in ${ns}${after('-j') ? ' with target ' + after('-j') : ''}${pos ? `; it is rule ${pos.position} of ${pos.chain} at the end of the file` : ''}.`;
    } else if (chainOf('-P', '--policy')) text = `Sets the policy of ${table}/${chainOf('-P', '--policy')} in ${ns} to ${args[args.indexOf(after('-P') ?? '') + 1] ?? '?'}.`;
    else if (chainOf('-N', '--new-chain')) text = `Creates user chain ${chainOf('-N', '--new-chain')} in table ${table} of ${ns}.`;
    else if (args.includes('-F')) text = `Flushes ${after('-F') ?? 'every chain'} of table ${table} in ${ns}.`;
    else if (args.includes('-X')) text = `Deletes user chain ${after('-X') ?? '(all empty ones)'} of table ${table} in ${ns}.`;
    else if (args.includes('-D')) text = `Deletes a rule from ${table}/${after('-D')} in ${ns}.`;
  } else if (tool === 'sysctl') {
    const kv = args.find((x) => x.includes('='));
    if (kv) {
      const [k, v] = kv.split('=');
      const d = sysctlDoc(k);
      text = `Sets ${k} to ${v} in ${ns}${d ? ` (a new namespace has ${d.default})` : ''}.`;
    }
  } else if (tool === 'listen') {
    text = `A process in ${ns}${info.jail ? ' (jailed to ' + (info.jail.name?.value ?? '?') + ')' : ''} ${args[1] === 'udp' ? 'binds a UDP socket to' : 'listens on TCP'} ${args[2] ?? '?'}.`;
  } else if (tool === 'probe') {
    text = `Probe ${args[1] ?? '?'}: ${args.slice(2).join(' ')}.`;
  }
  if (!text) return undefined;
  if (info.failed) text += '  \n**The real tool rejects this line**: the state is left as if it had not run.';
  return text;
}

export { statementOf };

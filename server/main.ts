// The language server: LSP wiring only. It keeps open documents (incremental sync), asks core/ide
// for every feature on the cached analysis of the document's current version, and converts
// offsets to protocol positions (convert.ts). Diagnostics are recomputed per document after a
// debounce (netnsDebugger.diagnostics.debounceMs, default 50 ms), and probe expectations (the
// simulator) 200 ms later if no change came meanwhile; a computation is dropped when
// the document changed meanwhile, and each publish carries its version, so a stale result is
// never published over a newer one. Every handler answers (null or empty) on unknown documents,
// out-of-range positions or internal errors; nothing here may crash the process.
// Start: `node dist/server.js --stdio` (or out/server/main.js).

import {
  CodeAction, CodeLens, CompletionItem, DocumentSymbol, InitializeParams, InitializeResult, InlayHint, lsp,
  SelectionRange, SymbolInformation, WorkspaceEdit,
} from './lsp';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { EditSpan } from '../core/syntax/reparse';
import { getCodeActions } from '../core/ide/actions';
import { Analysis, AnalysisCache } from '../core/ide/analysis';
import { getCompletions } from '../core/ide/completion';
import { getDiagnostics } from '../core/ide/diagnostics';
import { formatEdits, formatRange } from '../core/ide/format';
import { getHover } from '../core/ide/hover';
import { getCodeLenses, getInlayHints } from '../core/ide/lens';
import { getDefinition, getHighlights, getReferences, prepareRename, rename } from '../core/ide/navigation';
import { getFoldingRanges, getOutline, getSelectionRanges, OutlineItem, searchSymbols } from '../core/ide/outline';
import { PROBE_EXPECTATION_KEY, ProbeResult, runProbes } from '../core/ide/probes';
import { catalogue } from '../core/diagnostics/catalogue';
import { getSemanticTokens, TOKEN_MODIFIERS, TOKEN_TYPES } from '../core/ide/tokens';
import { OUTLINE_KIND, SOURCE, toCompletion, toDiagnostic, toEdit, toRange } from './convert';

export interface Settings {
  diagnostics: { debounceMs: number };
  simulation: { mode: string; enabled: boolean };
}

const DEFAULTS: Settings = { diagnostics: { debounceMs: 50 }, simulation: { mode: 'separate', enabled: true } };

const {
  CodeActionKind, createConnection, DocumentHighlightKind, FoldingRangeKind, ProposedFeatures, ResponseError,
  SemanticTokensBuilder, TextDocumentSyncKind, TextDocuments,
} = lsp;
const Location = lsp.Location;

const connection = createConnection(ProposedFeatures.all);
/** Per document, where its last change replaced text (one ranged change only): the incremental
 *  analysis then need not compare the old and new texts to find it. */
const lastSpan = new Map<string, { from: number; span: EditSpan }>();
const documents = new TextDocuments<TextDocument>({
  create: TextDocument.create,
  update(doc, changes, version) {
    lastSpan.delete(doc.uri);
    type Pos = { line: number; character: number };
    const c = changes.length === 1 ? (changes[0] as { range?: { start: Pos; end: Pos }; text: string }) : undefined;
    if (c?.range) {
      const start = doc.offsetAt(c.range.start);
      lastSpan.set(doc.uri, { from: doc.version, span: { start, oldEnd: doc.offsetAt(c.range.end), newEnd: start + c.text.length, text: c.text } });
    }
    return TextDocument.update(doc, changes, version);
  },
});
const cache = new AnalysisCache();
const probeCache = new Map<string, { version: number; results: ProbeResult[] }>();
const timers = new Map<string, NodeJS.Timeout>();
/**
 * Probe expectations wait for a pause in the typing: the simulator runs PROBE_IDLE_MS after the
 * checker's diagnostics of a version if no change came meanwhile. Run at once, it ran on every
 * keystroke for a result the next keystroke made stale, and the next keystroke's diagnostics
 * waited for it (and for the collections its garbage caused): measured on a 10,000-line file
 * with one probe, edits typed back to back took 12 to 15 ms each instead of 6 to 8, with a 16 to
 * 20 ms young-generation collection every seventh edit.
 */
const PROBE_IDLE_MS = 200;
const probeTimers = new Map<string, NodeJS.Timeout>();
let settings: Settings = DEFAULTS;
let configurationSupport = false;
let snippetSupport = false;

function mergeSettings(raw: unknown): Settings {
  const r = (raw ?? {}) as { diagnostics?: { debounceMs?: unknown }; simulation?: { mode?: unknown; enabled?: unknown } };
  const debounce = Number(r.diagnostics?.debounceMs);
  return {
    diagnostics: { debounceMs: Number.isFinite(debounce) && debounce >= 0 ? Math.min(debounce, 10000) : DEFAULTS.diagnostics.debounceMs },
    simulation: {
      mode: typeof r.simulation?.mode === 'string' ? r.simulation.mode : DEFAULTS.simulation.mode,
      enabled: typeof r.simulation?.enabled === 'boolean' ? r.simulation.enabled : DEFAULTS.simulation.enabled,
    },
  };
}

connection.onInitialize((params: InitializeParams): InitializeResult => {
  configurationSupport = !!params.capabilities.workspace?.configuration;
  snippetSupport = !!params.capabilities.textDocument?.completion?.completionItem?.snippetSupport;
  const init = params.initializationOptions as { netnsDebugger?: unknown } | undefined;
  if (init?.netnsDebugger) settings = mergeSettings(init.netnsDebugger);
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      completionProvider: { triggerCharacters: [' ', '-', '=', '.'], resolveProvider: false },
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      documentHighlightProvider: true,
      renameProvider: { prepareProvider: true },
      documentSymbolProvider: true,
      workspaceSymbolProvider: true,
      foldingRangeProvider: true,
      selectionRangeProvider: true,
      semanticTokensProvider: { legend: { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] }, full: true, range: false },
      documentFormattingProvider: true,
      documentRangeFormattingProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      codeLensProvider: { resolveProvider: false },
      inlayHintProvider: true,
    },
    serverInfo: { name: 'netns-debugger-language-server', version: '0.1.0' },
  };
});

connection.onInitialized(() => {
  void pullSettings();
});

connection.onDidChangeConfiguration((change) => {
  const pushed = (change.settings as { netnsDebugger?: unknown } | undefined)?.netnsDebugger;
  if (pushed) settings = mergeSettings(pushed);
  void pullSettings().then(() => documents.all().forEach((d) => schedule(d, 0)));
});

async function pullSettings(): Promise<void> {
  if (!configurationSupport) return;
  try {
    const s = await connection.workspace.getConfiguration('netnsDebugger');
    if (s) settings = mergeSettings(s);
  } catch {
    // The client could not answer: keep the current settings.
  }
}

// ---------------------------------------------------------------- analyses and diagnostics

function analysisOf(uri: string): { doc: TextDocument; a: Analysis } | undefined {
  const doc = documents.get(uri);
  if (!doc) return undefined;
  return { doc, a: analysisFor(uri, doc) };
}

/** The analysis of the document's current version (an incremental update of the cached one). */
function analysisFor(uri: string, doc: TextDocument): Analysis {
  const s = lastSpan.get(uri);
  return cache.get(uri, doc.version, doc.getText(), s && { fromVersion: s.from, span: s.span });
}

function probeResults(uri: string, doc: TextDocument, a: Analysis): ProbeResult[] {
  if (!settings.simulation.enabled) return [];
  const hit = probeCache.get(uri);
  if (hit && hit.version === doc.version) return hit.results;
  const results = runProbes(a.model, settings.simulation.mode);
  probeCache.set(uri, { version: doc.version, results });
  return results;
}

function probeMap(uri: string, doc: TextDocument, a: Analysis): Map<string, ProbeResult> {
  return new Map(probeResults(uri, doc, a).map((r) => [r.name, r]));
}

function schedule(doc: TextDocument, delay = settings.diagnostics.debounceMs): void {
  const uri = doc.uri;
  const t = timers.get(uri);
  if (t) clearTimeout(t);
  clearProbeTimer(uri);
  timers.set(uri, setTimeout(() => {
    timers.delete(uri);
    publish(uri);
  }, delay));
}

function publish(uri: string): void {
  const doc = documents.get(uri);
  if (!doc) return;
  const version = doc.version;
  try {
    const a = analysisFor(uri, doc);
    // Cancellation: the document moved on while this ran; a newer computation is scheduled.
    if (documents.get(uri)?.version !== version) return;
    const modelDiags = getDiagnostics(a);
    void connection.sendDiagnostics({ uri, version, diagnostics: modelDiags.map((d) => toDiagnostic(doc, d)) });
    // The text was built by concatenation and the incremental analysis did not read it: the engine
    // copies such a string whole on first read, so have that happen now rather than on a request.
    setImmediate(() => void doc.getText().charCodeAt(0));
    // Probe expectations come second, after a pause (PROBE_IDLE_MS): the simulator must not delay
    // the checker's diagnostics, of this version or of the next.
    if (!probeDiagnosticsPossible(a)) return;
    probeTimers.set(uri, setTimeout(() => {
      probeTimers.delete(uri);
      try {
        if (documents.get(uri)?.version !== version) return;
        const all = getDiagnostics(a, probeResults(uri, doc, a));
        if (all.length === modelDiags.length || documents.get(uri)?.version !== version) return;
        void connection.sendDiagnostics({ uri, version, diagnostics: all.map((d) => toDiagnostic(doc, d)) });
      } catch (e) {
        connection.console.error(`netns: probe diagnostics failed for ${uri}: ${String(e)}`);
      }
    }, PROBE_IDLE_MS));
  } catch (e) {
    connection.console.error(`netns: diagnostics failed for ${uri}: ${String(e)}`);
  }
}

function clearProbeTimer(uri: string): void {
  const t = probeTimers.get(uri);
  if (t) clearTimeout(t);
  probeTimers.delete(uri);
}

/** Probe expectation diagnostics need probes, the simulation switched on and their catalogue entry. */
function probeDiagnosticsPossible(a: Analysis): boolean {
  return settings.simulation.enabled && a.model.probes.length > 0 && PROBE_EXPECTATION_KEY in catalogue;
}

documents.onDidOpen((e) => schedule(e.document, 0));
documents.onDidChangeContent((e) => schedule(e.document));
documents.onDidClose((e) => {
  const t = timers.get(e.document.uri);
  if (t) clearTimeout(t);
  timers.delete(e.document.uri);
  clearProbeTimer(e.document.uri);
  cache.delete(e.document.uri);
  lastSpan.delete(e.document.uri);
  probeCache.delete(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

/** Runs a handler; unknown documents and internal errors answer `fallback`. */
function guard<T, F>(uri: string, fallback: F, fn: (doc: TextDocument, a: Analysis) => T): T | F {
  try {
    const x = analysisOf(uri);
    return x ? fn(x.doc, x.a) : fallback;
  } catch (e) {
    connection.console.error(`netns: request failed for ${uri}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    return fallback;
  }
}

const offsetOf = (doc: TextDocument, p: { line: number; character: number }) => doc.offsetAt(p);

// ---------------------------------------------------------------- features

connection.onCompletion((p) =>
  guard(p.textDocument.uri, [] as CompletionItem[], (doc, a) => getCompletions(a, offsetOf(doc, p.position)).map((c) => toCompletion(doc, c, snippetSupport))),
);

connection.onHover((p) =>
  guard(p.textDocument.uri, null, (doc, a) => {
    const h = getHover(a, offsetOf(doc, p.position), settings.simulation.enabled ? probeMap(p.textDocument.uri, doc, a) : undefined, settings.simulation.mode);
    return h ? { contents: { kind: 'markdown' as const, value: h.markdown }, range: toRange(doc, h.start, h.end) } : null;
  }),
);

connection.onDefinition((p) =>
  guard(p.textDocument.uri, [] as import('./lsp').Location[], (doc, a) => getDefinition(a, offsetOf(doc, p.position)).map((s) => Location.create(doc.uri, toRange(doc, s.start, s.end)))),
);

connection.onReferences((p) =>
  guard(p.textDocument.uri, [] as import('./lsp').Location[], (doc, a) =>
    getReferences(a, offsetOf(doc, p.position), p.context?.includeDeclaration ?? true).map((s) => Location.create(doc.uri, toRange(doc, s.start, s.end))),
  ),
);

connection.onDocumentHighlight((p) =>
  guard(p.textDocument.uri, [], (doc, a) =>
    getHighlights(a, offsetOf(doc, p.position)).map((h) => ({ range: toRange(doc, h.start, h.end), kind: h.write ? DocumentHighlightKind.Write : DocumentHighlightKind.Read })),
  ),
);

connection.onPrepareRename((p) => {
  const r = guard(p.textDocument.uri, undefined, (doc, a) => {
    const x = prepareRename(a, offsetOf(doc, p.position));
    if (!x) return undefined;
    if ('error' in x) return x;
    return { range: toRange(doc, x.start, x.end), placeholder: x.placeholder };
  });
  if (r && 'error' in r) return new ResponseError(-32803 /* RequestFailed */, r.error);
  return r ?? null;
});

connection.onRenameRequest((p) => {
  const r = guard(p.textDocument.uri, undefined, (doc, a) => {
    const x = rename(a, offsetOf(doc, p.position), p.newName);
    if (!x) return undefined;
    if ('error' in x) return x;
    const edit: WorkspaceEdit = { changes: { [doc.uri]: x.edits.map((e) => toEdit(doc, e)) } };
    return { edit };
  });
  if (r && 'error' in r) return new ResponseError(-32803, `cannot rename: ${r.error}`);
  return r?.edit ?? null;
});

function toDocumentSymbol(doc: TextDocument, i: OutlineItem): DocumentSymbol {
  return {
    name: i.name, detail: i.detail, kind: OUTLINE_KIND[i.kind], range: toRange(doc, i.start, i.end),
    selectionRange: toRange(doc, i.selStart, i.selEnd), children: i.children.map((c) => toDocumentSymbol(doc, c)),
  };
}

connection.onDocumentSymbol((p) => guard(p.textDocument.uri, [], (doc, a) => getOutline(a).map((i) => toDocumentSymbol(doc, i))));

connection.onWorkspaceSymbol((p) => {
  const out: SymbolInformation[] = [];
  for (const doc of documents.all()) {
    const items = guard(doc.uri, [], (d, a) => searchSymbols(a, p.query ?? '').map((i) => ({ i, d })));
    for (const { i, d } of items) {
      out.push({ name: i.name, kind: OUTLINE_KIND[i.kind], containerName: i.container, location: Location.create(d.uri, toRange(d, i.selStart, i.selEnd)) });
      if (out.length >= 1000) return out;
    }
  }
  return out;
});

connection.onFoldingRanges((p) =>
  guard(p.textDocument.uri, [], (_doc, a) =>
    getFoldingRanges(a).map((f) => ({ startLine: f.startLine, endLine: f.endLine, kind: f.kind === 'comment' ? FoldingRangeKind.Comment : f.kind === 'region' ? FoldingRangeKind.Region : undefined })),
  ),
);

connection.onSelectionRanges((p) =>
  guard(p.textDocument.uri, [] as SelectionRange[], (doc, a) =>
    p.positions.map((pos) => {
      const spans = getSelectionRanges(a, offsetOf(doc, pos));
      let parent: SelectionRange | undefined;
      for (let i = spans.length - 1; i >= 0; i--) parent = { range: toRange(doc, spans[i].start, spans[i].end), parent };
      return parent!;
    }),
  ),
);

connection.languages.semanticTokens.on((p) =>
  guard(p.textDocument.uri, { data: [] as number[] }, (doc, a) => {
    const b = new SemanticTokensBuilder();
    for (const t of getSemanticTokens(a)) {
      const pos = doc.positionAt(t.start);
      b.push(pos.line, pos.character, t.length, t.type, t.modifiers);
    }
    return b.build();
  }),
);

connection.onDocumentFormatting((p) => guard(p.textDocument.uri, [], (doc) => formatEdits(doc.getText()).map((e) => toEdit(doc, e))));

connection.onDocumentRangeFormatting((p) =>
  guard(p.textDocument.uri, [], (doc) => formatRange(doc.getText(), doc.offsetAt(p.range.start), doc.offsetAt(p.range.end)).map((e) => toEdit(doc, e))),
);

connection.onCodeAction((p) =>
  guard(p.textDocument.uri, [] as CodeAction[], (doc, a) => {
    const start = doc.offsetAt(p.range.start);
    const end = doc.offsetAt(p.range.end);
    const extra = getDiagnostics(a, probeResults(doc.uri, doc, a)).slice(a.model.diagnostics.length);
    return getCodeActions(a, start, end, extra).map((x) => {
      const diag = toDiagnostic(doc, x.diagnostic);
      const sent = p.context.diagnostics.find((d) => d.code === diag.code && d.range.start.line === diag.range.start.line && d.range.start.character === diag.range.start.character);
      return {
        title: x.title, kind: CodeActionKind.QuickFix, diagnostics: [sent ?? diag], isPreferred: x.isPreferred,
        edit: { changes: { [doc.uri]: x.edits.map((e) => toEdit(doc, e)) } },
      } satisfies CodeAction;
    });
  }),
);

connection.onCodeLens((p) =>
  guard(p.textDocument.uri, [] as CodeLens[], (doc, a) =>
    getCodeLenses(a, probeMap(doc.uri, doc, a)).map((l) => ({ range: toRange(doc, l.start, l.end), command: { title: l.title, command: l.command, arguments: [...l.args, doc.uri] } })),
  ),
);

connection.languages.inlayHint.on((p) =>
  guard(p.textDocument.uri, [] as InlayHint[], (doc, a) =>
    getInlayHints(a, doc.offsetAt(p.range.start), doc.offsetAt(p.range.end), probeMap(doc.uri, doc, a)).map((h) => ({ position: doc.positionAt(h.offset), label: h.label, tooltip: h.tooltip, paddingLeft: true })),
  ),
);

// Keep running whatever happens in a handler: log and go on.
process.on('uncaughtException', (e) => connection.console.error(`netns: uncaught ${e instanceof Error ? e.stack : String(e)}`));

documents.listen(connection);
connection.listen();

export { SOURCE };

// The IDE facade (in the style of vscode-css-languageservice): each feature is a function of an
// analysed document (see analysis.ts; analyses are cached per document version) returning plain
// results with offsets. The server (server/) converts offsets to protocol positions; the CLI can
// use the same functions. No IO, no protocol, no clock here. Formatting lives in format.ts
// (owned by the formatter) and is re-exported by the server's wiring, not by this file.

export { analyze, AnalysisCache } from './analysis';
export type { Analysis, RulePosition } from './analysis';
export { getDiagnostics } from './diagnostics';
export { getCompletions, cursorContext, SNIPPETS } from './completion';
export type { CompletionItem, CompletionKind } from './completion';
export { getHover, describeStatement, describeAddress } from './hover';
export type { Hover } from './hover';
export { getDefinition, getReferences, getHighlights, prepareRename, rename, renameRefusal } from './navigation';
export type { Span, Edit, RenameResult, PrepareRename } from './navigation';
export { getOutline, searchSymbols, getFoldingRanges, getSelectionRanges } from './outline';
export type { OutlineItem, OutlineKind, Fold } from './outline';
export { getSemanticTokens, TOKEN_TYPES, TOKEN_MODIFIERS } from './tokens';
export type { SemanticToken } from './tokens';
export { getCodeActions, fixesFor, FIXES_BY_KEY } from './actions';
export type { CodeAction, FixBuilder } from './actions';
export { getCodeLenses, getInlayHints } from './lens';
export type { Lens, InlayHint } from './lens';
export { probeExpectationDiagnostics, PROBE_EXPECTATION_KEY } from './probes';
export type { ProbeResult, ProbeRunner } from './probes';
export { devicesAt, chainsAt, userChainsAt } from './scope';

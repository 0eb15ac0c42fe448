// Conversion at the protocol edge: offsets of core/ide results <-> LSP positions (UTF-16, which is
// what JavaScript string offsets already count), and core/ide shapes -> LSP shapes. No analysis.

import { Diagnostic, lsp, Range, TextEdit } from './lsp';

const { CompletionItemKind, DiagnosticSeverity, DiagnosticTag, InsertTextFormat, SymbolKind } = lsp;
type CompletionItemKind = import('vscode-languageserver/lib/node/main').CompletionItemKind;
type DiagnosticSeverity = import('vscode-languageserver/lib/node/main').DiagnosticSeverity;
type SymbolKind = import('vscode-languageserver/lib/node/main').SymbolKind;
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic as CoreDiagnostic } from '../core/diagnostics/types';
import type { CompletionItem as CoreCompletion, CompletionKind } from '../core/ide/completion';
import type { OutlineKind } from '../core/ide/outline';

export const SOURCE = 'netns';

export function toRange(doc: TextDocument, start: number, end: number): Range {
  const len = doc.getText().length;
  const s = Math.max(0, Math.min(start, len));
  const e = Math.max(s, Math.min(end, len));
  return { start: doc.positionAt(s), end: doc.positionAt(e) };
}

export function toEdit(doc: TextDocument, e: { start: number; end: number; newText: string }): TextEdit {
  return { range: toRange(doc, e.start, e.end), newText: e.newText };
}

const SEVERITY: Record<CoreDiagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information, hint: DiagnosticSeverity.Hint,
};

export function toDiagnostic(doc: TextDocument, d: CoreDiagnostic): Diagnostic {
  const out: Diagnostic = { range: toRange(doc, d.start, d.end), severity: SEVERITY[d.severity], code: d.code, source: SOURCE, message: d.message };
  if (d.related?.length) out.relatedInformation = d.related.map((r) => ({ location: { uri: doc.uri, range: toRange(doc, r.start, r.end) }, message: r.message }));
  if (d.tags?.length) {
    out.tags = d.tags.map((t) => (t === 'unnecessary' ? DiagnosticTag.Unnecessary : DiagnosticTag.Deprecated));
  }
  if (d.data) out.data = d.data;
  return out;
}

const COMPLETION_KIND: Record<CompletionKind, CompletionItemKind> = {
  command: CompletionItemKind.Function, keyword: CompletionItemKind.Keyword, option: CompletionItemKind.Property,
  namespace: CompletionItemKind.Module, device: CompletionItemKind.Variable, table: CompletionItemKind.Struct,
  chain: CompletionItemKind.Class, target: CompletionItemKind.EnumMember, module: CompletionItemKind.Interface,
  sysctl: CompletionItemKind.Field, value: CompletionItemKind.Value, outcome: CompletionItemKind.EnumMember,
  address: CompletionItemKind.Constant, snippet: CompletionItemKind.Snippet,
};

export function toCompletion(doc: TextDocument, c: CoreCompletion, snippetSupport: boolean) {
  const insert = c.snippet && !snippetSupport ? stripSnippet(c.insertText ?? c.label) : c.insertText ?? c.label;
  return {
    label: c.label,
    kind: COMPLETION_KIND[c.kind],
    detail: c.detail,
    documentation: c.documentation ? { kind: 'markdown' as const, value: c.documentation } : undefined,
    insertTextFormat: c.snippet && snippetSupport ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
    textEdit: { range: toRange(doc, c.start, c.end), newText: insert },
    filterText: c.label,
  };
}

/** Snippet syntax to plain text for clients without snippet support (`${1:x}` -> `x`). */
export function stripSnippet(s: string): string {
  return s.replace(/\$\{\d+\|([^,|}]*)[^}]*\|\}/g, '$1').replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$\d+/g, '');
}

export const OUTLINE_KIND: Record<OutlineKind, SymbolKind> = {
  namespace: SymbolKind.Namespace, jail: SymbolKind.Package, device: SymbolKind.Variable, chain: SymbolKind.Class,
  listen: SymbolKind.Event, probe: SymbolKind.Function,
};

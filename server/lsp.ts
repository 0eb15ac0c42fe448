// The one place server/ loads vscode-languageserver from (see lsp-modules.d.ts for why its types
// need a shim under the project's module resolution). Everything else in server/ imports from here.

export * from 'vscode-languageserver/node';
import * as LS from 'vscode-languageserver/node';

export const lsp = LS;

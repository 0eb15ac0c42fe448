// Type shims for the LSP packages, which publish their entry points only through package.json
// "exports" (`vscode-languageserver/node`, `vscode-jsonrpc/node`, ...). The project's tsconfig uses
// `moduleResolution: node`, which ignores "exports"; these ambient declarations point TypeScript at
// the declaration files by path. Runtime loading (node, esbuild) honours "exports" and needs none
// of this. Delete this file if tsconfig moves to `module`/`moduleResolution: node16`.

declare module 'vscode-jsonrpc' {
  export * from 'vscode-jsonrpc/lib/common/api';
}
declare module 'vscode-jsonrpc/node' {
  export * from 'vscode-jsonrpc/lib/node/main';
}
declare module 'vscode-languageserver-protocol' {
  export * from 'vscode-languageserver-protocol/lib/common/api';
}
declare module 'vscode-languageserver-protocol/node' {
  export * from 'vscode-languageserver-protocol/lib/node/main';
}
declare module 'vscode-languageserver/node' {
  export * from 'vscode-languageserver/lib/node/main';
}

// Type shim: vscode-languageclient 11 exposes `vscode-languageclient/node` only through package.json
// "exports", which the project's tsconfig (moduleResolution "node") does not read. esbuild does read
// them, so the bundle imports the real subpath; this declaration only tells tsc where its types are.
// Remove it if tsconfig moves to moduleResolution "node16" or "bundler".
declare module 'vscode-languageclient/node' {
  export * from 'vscode-languageclient/lib/node/main';
}

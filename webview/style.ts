// The webview pages' stylesheet, injected by main.ts: VS Code theme variables only (so light,
// dark and high-contrast themes work), focus outlines with --vscode-focusBorder, outcome colours
// that always come with the outcome word. Owns no behaviour.
export const STYLE = `
:root { color-scheme: light dark; }
body { margin: 0; padding: 0; background: var(--vscode-editor-background); color: var(--vscode-editor-foreground);
  font-family: var(--vscode-editor-font-family, monospace); font-size: 12px; }
.bar { display: flex; flex-wrap: wrap; align-items: center; gap: 12px; padding: 6px 10px;
  border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-editorWidget-border, #8884)); }
.status { flex: 1 1 240px; padding: 4px 0; }
.canvas { overflow: auto; padding: 8px; }
svg text { fill: var(--vscode-editor-foreground); font-family: var(--vscode-editor-font-family, monospace); font-size: 12px; }
g.ns > rect { fill: var(--vscode-sideBar-background, transparent); stroke: var(--vscode-editorWidget-border, #888); stroke-width: 1; }
g.ns .ns-title { font-weight: bold; }
g.ns .ns-listen { fill: var(--vscode-descriptionForeground); }
g.dev > rect { fill: var(--vscode-editorWidget-background, #8882); stroke: var(--vscode-foreground, #888); stroke-width: 1; }
g.dev.kind-bridge > rect { stroke-dasharray: 5 2; }
g.dev.kind-loopback > rect { stroke-dasharray: 2 2; opacity: 0.8; }
g.dev.down > rect { stroke: var(--vscode-disabledForeground, #888); }
g.dev .dev-addr { fill: var(--vscode-descriptionForeground); }
g.ns, g.dev { cursor: pointer; outline: none; }
g.ns:focus > rect, g.dev:focus > rect { stroke: var(--vscode-focusBorder); stroke-width: 3; }
.link { fill: none; stroke: var(--vscode-foreground, #888); stroke-width: 1.5; }
.link.bridge { stroke-dasharray: 6 3; }
.link.visited { stroke: var(--vscode-charts-orange, orange); stroke-width: 3; }
g.visited > rect { stroke: var(--vscode-charts-orange, orange); stroke-width: 2; }
g.current > rect { stroke: var(--vscode-debugIcon-stopForeground, var(--vscode-charts-red, red)); stroke-width: 3;
  fill: var(--vscode-editor-stackFrameHighlightBackground, var(--vscode-editor-findMatchHighlightBackground, #ff03)); }
.packet circle { fill: var(--vscode-charts-orange, orange); }
.packet.current circle { fill: var(--vscode-debugIcon-stopForeground, var(--vscode-charts-red, red)); }
.packet text { fill: var(--vscode-editor-background); font-weight: bold; font-size: 11px; }
.flow-box rect { fill: transparent; stroke: var(--vscode-descriptionForeground, #888); }
.flow-box text { font-size: 11px; }
.flow-box.active rect { fill: var(--vscode-debugIcon-stopForeground, var(--vscode-charts-red, red)); stroke-width: 2; }
.flow-box.active text { fill: var(--vscode-editor-background); font-weight: bold; }
.flow-arrow { fill: none; stroke: var(--vscode-descriptionForeground, #888); }
.arrowhead { fill: var(--vscode-descriptionForeground, #888); }
.matrix-wrap { overflow: auto; padding: 8px 10px; }
table.matrix { border-collapse: collapse; }
table.matrix caption { text-align: left; padding: 4px 0 8px; }
table.matrix th, table.matrix td { border: 1px solid var(--vscode-editorWidget-border, #8886); padding: 2px 6px; text-align: left; }
table.matrix th { font-weight: normal; color: var(--vscode-descriptionForeground); }
table.matrix tbody th { color: var(--vscode-editor-foreground); font-weight: bold; }
button.cell { font: inherit; min-width: 6em; border: 1px solid transparent; border-radius: 3px; padding: 2px 6px; cursor: pointer;
  background: transparent; color: var(--vscode-editor-foreground); text-align: left; }
button.cell:focus { outline: 2px solid var(--vscode-focusBorder); outline-offset: 1px; }
button.cell::before { content: ''; display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em; border-radius: 50%; vertical-align: -1px; background: currentColor; }
.o-delivered { color: var(--vscode-testing-iconPassed, var(--vscode-charts-green, green)) !important; }
.o-refused { color: var(--vscode-charts-yellow, var(--vscode-editorWarning-foreground, goldenrod)) !important; }
.o-unreachable, .o-ttl-exceeded { color: var(--vscode-charts-orange, var(--vscode-editorWarning-foreground, orange)) !important; }
.o-denied, .o-dropped { color: var(--vscode-testing-iconFailed, var(--vscode-errorForeground, red)) !important; }
.o-none { color: var(--vscode-disabledForeground, #888) !important; cursor: default; }
td.pending { color: var(--vscode-descriptionForeground); }
.legend { padding: 0 10px; color: var(--vscode-descriptionForeground); max-width: 70em; }
`;

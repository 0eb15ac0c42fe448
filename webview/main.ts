// Entry of the webview bundle (dist/webview.js, an IIFE for the browser): picks the page from
// <body data-view="topology|matrix">, injects the stylesheet, wires the messages from the
// extension to the page and tells the extension it is ready. Holds no drawing or data logic.
import { MatrixPage } from './matrix';
import type { FromWebview, ToWebview } from './protocol';
import { STYLE } from './style';
import { TopologyPage } from './topology';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

function start(): void {
  const api = acquireVsCodeApi();
  const post = (m: FromWebview): void => api.postMessage(m);
  const style = document.createElement('style');
  style.textContent = STYLE;
  document.head.appendChild(style);
  const root = document.getElementById('root') ?? document.body;
  const view = document.body.dataset.view === 'matrix' ? 'matrix' : 'topology';
  const topology = view === 'topology' ? new TopologyPage(root, post) : undefined;
  const matrix = view === 'matrix' ? new MatrixPage(root, post) : undefined;
  window.addEventListener('message', (ev: MessageEvent<ToWebview>) => {
    const m = ev.data;
    if (!m || typeof m !== 'object') return;
    switch (m.type) {
      case 'topology': topology?.setTopology(m.data); break;
      case 'packet': topology?.packet(m.packet); break;
      case 'clearPackets': topology?.clearPackets(); break;
      case 'matrix': matrix?.setMatrix(m.data); break;
    }
  });
  post({ type: 'ready' });
}

start();

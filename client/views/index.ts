// The views' entry point: bundled on its own (dist/views.js) so that activating the extension does
// not load the model and the simulator; commands.ts loads it on first use.
export { showMatrixView } from './matrix';
export { showTopologyView } from './topology';
export { exportPcapCommand } from './pcap';

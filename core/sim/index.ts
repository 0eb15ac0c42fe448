// The simulation layer: runs probes on the simulated kernel, records traces, the stepping runtime
// for the debugger, renderings and the reachability matrix. Public surface only.

export * from './record';
export * from './simulate';
export * from './format';
export * from './runtime';
export * from './matrix';

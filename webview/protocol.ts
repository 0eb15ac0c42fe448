// The messages between the extension (client/views) and the webview pages (webview/), and the
// JSON data they carry: the topology as drawn, a packet position from the debug adapter's
// `netns/packet` event, the reachability matrix. Types only; shared by both sides, no behaviour.

export type DeviceKindName = 'loopback' | 'veth' | 'bridge' | 'dummy';

export interface TopoDevice {
  /** `netns/name`, unique in the topology. */
  id: string;
  name: string;
  netns: string;
  kind: DeviceKindName;
  up: boolean;
  mac: string;
  mtu: number;
  /** `10.0.1.1/24`, primary first. */
  addrs: string[];
  /** Id of the bridge this device is a port of. */
  master: string | null;
  /** 0-based source line of the statement that created the device (null: the kernel's lo). */
  line: number | null;
}

export interface TopoNamespace {
  name: string;
  /** 0-based line of the `namespace NAME {` block (or first mention). */
  line: number | null;
  devices: TopoDevice[];
  /** `tcp 0.0.0.0:80`. */
  listeners: string[];
  forwarding: boolean;
}

export interface TopoLink {
  id: string;
  kind: 'veth' | 'bridge';
  /** Device ids: veth ends, or bridge port (a) and bridge (b). */
  a: string;
  b: string;
}

export interface TopologyData {
  file: string;
  namespaces: TopoNamespace[];
  links: TopoLink[];
  /** Errors in the file (lines the simulated topology leaves out). */
  errors: number;
}

/** The body of the debug adapter's custom event `netns/packet`, sent at each stop. */
export interface PacketPosition {
  thread: number;
  netns: string;
  dev: string | null;
  fn: string;
  hook: string | null;
  line?: number | null;
  step?: number;
}

export interface MatrixCell {
  kind: string;
  /** Short word shown in the cell (ok, refused, unreach, denied, ttl, drop, -). */
  word: string;
  netns: string | null;
  errno: string | null;
  reason: string;
  /** False for cells that were not probed (another namespace's loopback). */
  probed: boolean;
}

export interface MatrixData {
  file: string;
  mode: string;
  sources: string[];
  /** Column labels: `tcp 10.0.2.2:80 (server)`. */
  targets: string[];
  /** rows[s][t]; a row may be missing while the matrix is computed. */
  rows: (MatrixCell[] | null)[];
  done: boolean;
  cancelled: boolean;
}

export type ToWebview =
  | { type: 'topology'; data: TopologyData }
  | { type: 'packet'; packet: PacketPosition }
  | { type: 'clearPackets' }
  | { type: 'matrix'; data: MatrixData };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'open'; line: number }
  | { type: 'trace'; source: number; target: number };

// The shape of a diagnostic and of a catalogue entry. Every diagnostic the project reports has a
// stable code from the one catalogue (catalogue.ts), a default severity and a message that says
// what is wrong and what to do. Offsets only: line/column exist at the protocol edge.

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface CatalogueEntry {
  /** Stable code, `NS` + four digits; never reused for another meaning. */
  code: string;
  severity: Severity;
  /** One line for docs and hovers: when this is reported. */
  summary: string;
  /** The message, built from the arguments the reporter passes. */
  message: (...args: string[]) => string;
}

export interface Related {
  start: number;
  end: number;
  message: string;
}

export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  start: number;
  end: number;
  related?: Related[];
  /** 'unnecessary' for code that can never take effect (a shadowed rule). */
  tags?: Array<'unnecessary' | 'deprecated'>;
  /** Machine-readable facts for quick fixes (e.g. the nearest existing name). */
  data?: Record<string, unknown>;
}

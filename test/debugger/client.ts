// Test helpers for the debug adapter: a DebugClient on the stdio adapter compiled to
// out/debugger/main.js (tests run from out/), launch with breakpoints set between `initialized`
// and `configurationDone`, collected output and custom events, small request shorthands.
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

/** The repository root, from out/test/debugger. */
export const ROOT = path.resolve(__dirname, '../../..');
export const ADAPTER = path.resolve(__dirname, '../../debugger/main.js');

export function example(name: string): string {
  return path.join(ROOT, 'examples', name);
}

export function fixture(name: string): string {
  return path.join(ROOT, 'test', 'fixtures', 'debugger', name);
}

export interface Session {
  dc: DebugClient;
  /** Every output event's text, in order. */
  output: string[];
  /** Every output event (category and text). */
  outputEvents: DebugProtocol.OutputEvent[];
  /** Custom netns/packet events. */
  packets: Array<Record<string, unknown>>;
  threadEvents: DebugProtocol.ThreadEvent[];
}

export async function open(): Promise<Session> {
  const dc = new DebugClient('node', ADAPTER, 'netns');
  await dc.start();
  const s: Session = { dc, output: [], outputEvents: [], packets: [], threadEvents: [] };
  dc.on('output', (e: DebugProtocol.OutputEvent) => {
    s.output.push(e.body.output);
    s.outputEvents.push(e);
  });
  dc.on('netns/packet', (e: DebugProtocol.Event) => s.packets.push(e.body as Record<string, unknown>));
  dc.on('thread', (e: DebugProtocol.ThreadEvent) => s.threadEvents.push(e));
  return s;
}

/**
 * Launches and returns the first stop (or 'terminated'). `setup` runs after `initialized`, before
 * configurationDone: set breakpoints there.
 */
export async function launch(
  s: Session,
  args: Record<string, unknown>,
  setup?: (dc: DebugClient) => Promise<void>,
): Promise<DebugProtocol.StoppedEvent | { event: 'terminated' }> {
  const dc = s.dc;
  const init = dc.waitForEvent('initialized');
  const launched = dc.launch(args);
  await init;
  if (setup) await setup(dc);
  const first = nextStopOrEnd(s);
  await dc.configurationDoneRequest();
  await launched;
  return first;
}

/** The next stopped event, or terminated. */
export function nextStopOrEnd(s: Session): Promise<DebugProtocol.StoppedEvent | { event: 'terminated' }> {
  return Promise.race([
    s.dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>,
    s.dc.waitForEvent('terminated').then(() => ({ event: 'terminated' as const })),
  ]);
}

export function isStop(e: DebugProtocol.StoppedEvent | { event: 'terminated' }): e is DebugProtocol.StoppedEvent {
  return e.event === 'stopped';
}

/** Sends a move (next, stepIn, ...) and returns the stop it causes. */
export async function move(
  s: Session,
  how: 'next' | 'stepIn' | 'stepOut' | 'continue' | 'stepBack' | 'reverseContinue' | 'pause',
  threadId = 1,
): Promise<DebugProtocol.StoppedEvent | { event: 'terminated' }> {
  const stop = nextStopOrEnd(s);
  await s.dc.customRequest(how, { threadId });
  return stop;
}

export async function stopped(s: Session, how: Parameters<typeof move>[1], threadId = 1): Promise<DebugProtocol.StoppedEvent> {
  const e = await move(s, how, threadId);
  if (!isStop(e)) throw new Error(`expected a stop after ${how}, the session terminated`);
  return e;
}

export async function frames(s: Session, threadId = 1): Promise<DebugProtocol.StackFrame[]> {
  return (await s.dc.stackTraceRequest({ threadId })).body.stackFrames;
}

export async function topName(s: Session, threadId = 1): Promise<string> {
  return (await frames(s, threadId))[0].name;
}

/** Variables of a scope by name ('Packet', 'Namespace ...', 'Probe') of the top frame. */
export async function scopeVars(s: Session, scope: string, threadId = 1): Promise<DebugProtocol.Variable[]> {
  const f = (await frames(s, threadId))[0];
  const scopes = (await s.dc.scopesRequest({ frameId: f.id })).body.scopes;
  const sc = scopes.find((x) => x.name.startsWith(scope));
  if (!sc) throw new Error(`no scope ${scope}: ${scopes.map((x) => x.name).join(', ')}`);
  return (await s.dc.variablesRequest({ variablesReference: sc.variablesReference })).body.variables;
}

export async function children(s: Session, v: DebugProtocol.Variable | undefined): Promise<DebugProtocol.Variable[]> {
  if (!v) throw new Error('no such variable');
  return (await s.dc.variablesRequest({ variablesReference: v.variablesReference })).body.variables;
}

export async function evaluate(s: Session, expression: string, context = 'repl', frameId?: number): Promise<string> {
  return (await s.dc.evaluateRequest({ expression, context, frameId })).body.result;
}

/** The error message of a request expected to fail. */
export async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the request succeeded; an error response was expected');
}

export async function close(s: Session): Promise<void> {
  await s.dc.stop();
}

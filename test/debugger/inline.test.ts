// The same module serves the extension's inline adapter: dist/debugAdapter.js (the bundle of
// debugger/main.ts) exports NetnsDebugSession without starting a stdio session when required, and
// a session driven in-process through handleMessage/onDidSendMessage (what
// vscode.DebugAdapterInlineImplementation does) launches and stops on entry.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ROOT, example } from './client';

const BUNDLE = path.join(ROOT, 'dist', 'debugAdapter.js');

interface InlineAdapter {
  handleMessage(m: DebugProtocol.ProtocolMessage): void;
  onDidSendMessage(cb: (m: DebugProtocol.ProtocolMessage) => void): unknown;
  dispose(): void;
}

describe('debugger: inline use of the bundle', function () {
  this.timeout(20000);

  it('requiring the bundle exports the session class and starts nothing', () => {
    const r = spawnSync(process.execPath, ['-e', `const m = require(${JSON.stringify(BUNDLE)}); process.stdout.write(typeof m.NetnsDebugSession)`], { encoding: 'utf8', input: '', timeout: 15000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'function');
  });

  it('an in-process session launches and stops on entry', async () => {
    const { NetnsDebugSession } = require(BUNDLE) as { NetnsDebugSession: new () => InlineAdapter };
    const session = new NetnsDebugSession();
    const got: DebugProtocol.ProtocolMessage[] = [];
    session.onDidSendMessage((m) => got.push(m));
    let seq = 1;
    const send = (command: string, args: unknown): void => session.handleMessage({ seq: seq++, type: 'request', command, arguments: args } as DebugProtocol.Request);
    const waitFor = async (pred: (m: DebugProtocol.ProtocolMessage) => boolean): Promise<DebugProtocol.ProtocolMessage> => {
      const deadline = Date.now() + 10000;
      for (;;) {
        const m = got.find(pred);
        if (m) return m;
        if (Date.now() > deadline) throw new Error(`timeout; got ${got.map((x) => JSON.stringify(x).slice(0, 80)).join('\n')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    send('initialize', { adapterID: 'netns', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
    send('launch', { topology: example('02-nat-router.netns'), probe: 'web' });
    await waitFor((m) => m.type === 'event' && (m as DebugProtocol.Event).event === 'initialized');
    send('configurationDone', {});
    const stop = (await waitFor((m) => m.type === 'event' && (m as DebugProtocol.Event).event === 'stopped')) as DebugProtocol.StoppedEvent;
    assert.equal(stop.body.reason, 'entry');
    send('stackTrace', { threadId: 1 });
    const st = (await waitFor((m) => m.type === 'response' && (m as DebugProtocol.Response).command === 'stackTrace')) as DebugProtocol.StackTraceResponse;
    assert.equal(st.body.stackFrames[0].name, 'connect web @client');
    send('disconnect', {});
    await waitFor((m) => m.type === 'response' && (m as DebugProtocol.Response).command === 'disconnect');
    session.dispose();
  });
});

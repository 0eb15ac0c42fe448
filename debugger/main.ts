// Entry of the packet debugger's adapter (bundled to dist/debugAdapter.js): exports the session
// class for the extension's inline adapter and, when run as a program (`node dist/debugAdapter.js`),
// serves the Debug Adapter Protocol on stdin/stdout. One module for both uses. Owns only the start;
// the protocol is debugger/session.ts.
import { DebugSession } from '@vscode/debugadapter';
import { NetnsDebugSession } from './session';

export { NetnsDebugSession };
export type { LaunchArgs } from './program';

if (require.main === module) {
  // The adapter never dies of a bug in one request: report it on stderr and keep serving.
  process.on('uncaughtException', (e) => process.stderr.write(`netns debug adapter: ${e?.stack ?? String(e)}\n`));
  process.on('unhandledRejection', (e) => process.stderr.write(`netns debug adapter: ${String((e as Error)?.stack ?? e)}\n`));
  DebugSession.run(NetnsDebugSession);
}

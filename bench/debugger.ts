// Bench rows for the packet debugger (debugger/), measured as an editor sees it: the stdio
// adapter (dist/debugAdapter.js) driven by @vscode/debugadapter-testsupport's DebugClient on the
// generated 1,000-namespace topology. Launch to first stop (read, parse, check, simulate, stop on
// entry) and the step round trip an editor makes after each F10: next -> stopped -> stackTrace ->
// scopes -> variables (Packet), p50 and p95. The packet (inline: from n500 tcp 10.104.200.1:110)
// is forwarded by n499 through 50 iptables rules and a user chain to a REJECT, and the RST comes
// back: every step is a real kernel step. `next` alternates with `stepIn` (so `next` also moves rule
// by rule inside chains) and the walk rewinds to the entry with reverseContinue before the end.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { BenchContext, BenchRow, ms } from './harness';

const repoRoot = path.resolve(__dirname, '..', '..');
const STEPS = 300;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export async function debuggerRows(ctx: BenchContext): Promise<BenchRow[]> {
  const adapter = path.join(repoRoot, 'dist', 'debugAdapter.js');
  const names = ['debugger: launch to first stop (1,000 namespaces)', 'debugger: step round trip p50', 'debugger: step round trip p95'];
  if (!fs.existsSync(adapter)) {
    return names.map((name) => ({ name, figure: '-', goal: '', status: 'unavailable', notes: ['dist/debugAdapter.js missing: npm run build'] }));
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netns-dbg-bench-'));
  const dc = new DebugClient(process.execPath, adapter, 'netns');
  try {
    const file = path.join(dir, 'big.netns');
    fs.writeFileSync(file, ctx.topology().text);
    await dc.start();
    const t0 = now();
    const init = dc.waitForEvent('initialized', 60000);
    const launched = dc.launch({ topology: file, packet: 'from n500 tcp 10.104.200.1:110', stopOnEntry: true });
    await init;
    const first = dc.waitForEvent('stopped', 60000);
    await dc.configurationDoneRequest();
    await launched;
    await first;
    const launchMs = now() - t0;

    const rounds: number[] = [];
    const steps: number[] = [];
    let total = 0;
    for (let i = 0; rounds.length < STEPS && i < STEPS * 4; i++) {
      const how = i % 2 === 0 ? 'next' : 'stepIn';
      const s0 = now();
      const stop = dc.waitForEvent('stopped', 10000) as Promise<DebugProtocol.StoppedEvent>;
      await dc.customRequest(how, { threadId: 1 });
      const ev = await stop;
      const thread = ev.body.threadId ?? 1;
      const st = await dc.stackTraceRequest({ threadId: thread, startFrame: 0, levels: 20 });
      const sc = await dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
      await dc.variablesRequest({ variablesReference: sc.body.scopes[0].variablesReference });
      (how === 'next' ? rounds : steps).push(now() - s0);
      // Not timed: where the walk is; rewind before a step could end the session.
      const probe = (await dc.variablesRequest({ variablesReference: sc.body.scopes[2].variablesReference })).body.variables;
      const m = /^(\d+) of (\d+)$/.exec(probe.find((v) => v.name === 'step')?.value ?? '');
      total = m ? Number(m[2]) : total;
      if (!m || Number(m[2]) - Number(m[1]) < 60) {
        const back = dc.waitForEvent('stopped', 10000);
        await dc.reverseContinueRequest({ threadId: thread });
        await back;
      }
    }
    const p50 = percentile(rounds, 50);
    const p95 = percentile(rounds, 95);
    const note = `${rounds.length} 'next' round trips (and ${steps.length} 'stepIn', p50 ${ms(percentile(steps, 50))}, p95 ${ms(percentile(steps, 95))}) on a ${total}-step recording; DebugClient over stdio, IPC included; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`;
    return [
      { name: names[0], figure: ms(launchMs), goal: '', status: 'ok', notes: ['launch request to the stopped event: read, parse and check the 100,000-line file (buildModel), compile the kernel, record the probe; node start-up excluded'] },
      { name: names[1], figure: ms(p50), goal: '< 10 ms', status: p50 < 10 ? 'ok' : 'slow', notes: [note] },
      { name: names[2], figure: ms(p95), goal: '< 10 ms', status: p95 < 10 ? 'ok' : 'slow' },
    ];
  } finally {
    await dc.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

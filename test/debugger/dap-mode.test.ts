// An independent DAP client against the stdio adapter: Emacs dap-mode in batch mode (Debian
// packages emacs-nox and elpa-dap-mode) launches a probe, stops on entry, steps twice with dap-next
// reading the active frame's name, and continues to the end. The script is
// test/fixtures/debugger/dap-check.el.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ADAPTER, example, fixture } from './client';

describe('debugger: Emacs dap-mode as a client', function () {
  this.timeout(60000);

  it('launches, stops on entry, steps with dap-next and reads the frame names, then runs to the end', () => {
    const which = spawnSync('sh', ['-c', 'command -v emacs'], { encoding: 'utf8' });
    assert.equal(which.status, 0, 'emacs is not installed: apt-get install -y emacs-nox elpa-dap-mode');
    // A scratch HOME: dap-mode keeps its breakpoint file in ~/.emacs.d.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'netns-dap-'));
    const r = spawnSync('emacs', ['--batch', '-l', fixture('dap-check.el')], {
      encoding: 'utf8',
      timeout: 50000,
      cwd: path.dirname(ADAPTER),
      env: { ...process.env, NETNS_ADAPTER: ADAPTER, NETNS_FILE: example('01-routed-pair.netns'), NETNS_PROBE: 'web', HOME: home },
    });
    fs.rmSync(home, { recursive: true, force: true });
    const out = r.stdout ?? '';
    assert.equal(r.status, 0, `emacs exited ${r.status}:\n${out}\n${r.stderr}`);
    const lines = out.split('\n').filter((l) => /^(STOP|FRAME|END)/.test(l));
    assert.deepEqual(lines, [
      'STOP 1',
      'FRAME connect web @client line 36',
      'STOP 2',
      'FRAME tcp_v4_connect @client line 1',
      'STOP 3',
      // Stepping over tcp_v4_connect runs the whole send: the next step is the router's receive,
      // whose frame points at the veth line that created c0 (line 12).
      'FRAME netif_receive_skb c0 @router line 12',
      'END terminated',
    ]);
  });
});

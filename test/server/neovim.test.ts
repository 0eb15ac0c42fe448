// A second, independent LSP client: neovim 0.7 headless (Debian package `neovim`) starts the
// compiled server over stdio, attaches a .netns buffer, and must receive the diagnostics and a
// completion list. The recipe follows /work/shared/reference/real-editors.md, section 4
// (0.7 has no vim.lsp.start: start_client + buf_attach_client, run with `-c 'luafile ...'`).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SERVER_JS } from './client';

const LUA = `
local id = vim.lsp.start_client({ name = 'netns', cmd = { os.getenv('NODE_BIN'), os.getenv('LSP_SERVER'), '--stdio' }, root_dir = vim.fn.getcwd() })
local buf = vim.api.nvim_get_current_buf()
vim.bo[buf].filetype = 'netns'
vim.lsp.buf_attach_client(buf, id)
if not vim.wait(15000, function() return #vim.diagnostic.get(buf) > 0 end, 50) then
  io.stdout:write('TIMEOUT\\n')
  vim.cmd('cq!')
end
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or '?'
  io.stdout:write(('DIAG %d:%d %s %s\\n'):format(d.lnum + 1, d.col + 1, tostring(code), d.message))
end
local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = tonumber(os.getenv('CUR_LINE')), character = tonumber(os.getenv('CUR_COL')) } }
local res = vim.lsp.buf_request_sync(buf, 'textDocument/completion', params, 10000)
for _, r in pairs(res or {}) do
  local items = r.result and (r.result.items or r.result) or {}
  for _, it in ipairs(items) do io.stdout:write('COMP ' .. it.label .. '\\n') end
end
vim.lsp.stop_client(id)
vim.wait(2000, function() return vim.lsp.get_client_by_id(id) == nil end)
vim.cmd('qa!')
`;

describe('server: neovim headless client', function () {
  this.timeout(30000);

  it('gets the diagnostics and a completion list (apt package: neovim)', () => {
    const which = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
    assert.equal(which.error, undefined, 'nvim is not installed: apt-get install -y neovim');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netns-nvim-'));
    try {
      const file = path.join(dir, 'router.netns');
      fs.writeFileSync(file, 'namespace router {\n    ip link add c0 type dummy\n    ip link set c9 up\n    ip link set \n}\n');
      fs.writeFileSync(path.join(dir, 'check.lua'), LUA);
      const r = spawnSync('nvim', ['--headless', '--clean', '-c', 'luafile check.lua', 'router.netns'], {
        cwd: dir, encoding: 'utf8', timeout: 25000,
        env: { ...process.env, NODE_BIN: process.execPath, LSP_SERVER: SERVER_JS, CUR_LINE: '3', CUR_COL: '16', HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir, XDG_STATE_HOME: dir, XDG_CACHE_HOME: dir },
      });
      const out = r.stdout;
      assert.equal(r.status, 0, `nvim exited ${r.status}: ${out}\n${r.stderr}`);
      const diags = out.split('\n').filter((l) => l.startsWith('DIAG '));
      // The unfinished last line is an error too (ip needs a device there).
      assert.deepEqual(diags.map((l) => l.split(' ').slice(1, 3).join(' ')), ['3:17 NS2001', '4:13 NS2018']);
      assert.match(diags[0], /Cannot find device "c9"/);
      const labels = out.split('\n').filter((l) => l.startsWith('COMP ')).map((l) => l.slice(5)).sort();
      assert.deepEqual(labels, ['c0', 'dev', 'lo']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

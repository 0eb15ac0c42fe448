// End-to-end smoke test in a real VS Code (code-server 4.100.3 + headless chromium, see harness.ts):
// the extension activates on a .netns file, the grammar colours it, the language server's
// diagnostic shows as a squiggle and in the Problems panel, the topology view opens, F5 on a file with
// errors says to fix them, completion, export. (The debugging story and the README screenshots are
// debug.e2e.ts.) Not part of `npm test`: run with `npm run test:e2e` after scripts/setup-code-server.sh.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { E2E_DIR, Editor, missingPrerequisite, startEditor } from './harness';

const TOPOLOGY = `# A client whose address names a device that does not exist.
namespace client {
    ip link set lo up
    ip addr add 10.0.1.2/24 dev eth9
}

probe web from client tcp 10.0.2.2:80 expect unreachable
`;

describe('e2e: code-server smoke', function () {
  this.timeout(120000);
  let editor: Editor | undefined;

  before(async function () {
    const missing = missingPrerequisite();
    // Not a skip: the e2e tier is run on purpose, so a missing prerequisite is a failure with the fix.
    if (missing) throw new Error(missing);
    editor = await startEditor({ 'web.netns': TOPOLOGY });
  });

  afterEach(async function () {
    // A failing step leaves a screenshot beside the scratch runs, to see what the editor showed.
    if (this.currentTest?.state === 'failed' && editor) {
      const name = (this.currentTest.title.replace(/[^\w]+/g, '-').slice(0, 60) || 'failure') + '.png';
      mkdirSync(join(E2E_DIR, 'failures'), { recursive: true });
      await editor.page.screenshot({ path: join(E2E_DIR, 'failures', name) }).catch(() => undefined);
    }
  });

  after(async () => {
    await editor?.stop();
  });

  it('opens a .netns file as the netns language, coloured by the grammar', async () => {
    const { page } = editor!;
    await editor!.openFromExplorer('web.netns');
    // The status bar names the language the extension contributes.
    await page.locator('.statusbar-item', { hasText: 'Netns topology' }).first().waitFor({ timeout: 20000 });
    // Tokens get different colours: `namespace` (keyword) and `client` (entity name) do not share a class.
    // (The grammar loads asynchronously: the line is first painted in one colour, so wait for the tokens.)
    const line = page.locator('.view-line', { hasText: 'namespace client' }).first();
    await line.waitFor();
    let classes: [string, string][] = [];
    const cls = (text: string) => classes.find(([t]) => t.trim() === text)?.[1];
    for (const deadline = Date.now() + 20000; Date.now() < deadline; await page.waitForTimeout(200)) {
      classes = await line.locator('span > span').evaluateAll((spans) =>
        spans.map((s) => [s.textContent ?? '', s.className] as [string, string]),
      );
      if (cls('namespace') && cls('client')) break;
    }
    assert.ok(cls('namespace'), JSON.stringify(classes));
    assert.notEqual(cls('namespace'), cls('client'), JSON.stringify(classes));
  });

  it('shows the language server diagnostic as a squiggle and in the Problems panel', async () => {
    const { page } = editor!;
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 30000 });
    await page.keyboard.press('Control+Shift+M');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'Cannot find device "eth9"' }).first();
    await row.waitFor({ timeout: 20000 });
    assert.match((await row.textContent()) ?? '', /NS2001/);
  });

  it('opens the topology view beside the editor', async () => {
    const { page } = editor!;
    await editor!.runCommand('Netns: Show Topology');
    await page.locator('.tab', { hasText: 'Topology: web.netns' }).first().waitFor({ timeout: 20000 });
    // Back to the text editor for the next steps.
    await page.locator('.tab', { hasText: /^web\.netns/ }).first().click();
  });

  it('F5 without a launch.json on a file with errors resolves the probe under the cursor and says to fix the file', async () => {
    const { page } = editor!;
    await page.locator('.view-line', { hasText: 'probe web' }).first().click();
    await page.keyboard.press('F5');
    // No pick list (the cursor is on the probe line); the adapter refuses a file with errors and says why.
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'fix it to debug a packet' }).first();
    await dialog.waitFor({ timeout: 20000 });
    assert.match((await dialog.textContent()) ?? '', /Cannot find device "eth9"/);
    assert.equal(await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'web' }).count(), 0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 10000 });
  });

  it('completes a device name of the namespace being edited', async () => {
    const { page } = editor!;
    await page.locator('.view-line', { hasText: 'ip link set lo up' }).first().click();
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('ip link set ');
    await page.keyboard.press('Control+Space');
    const row = page
      .locator('.suggest-widget .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: /^lo$/ }) })
      .first();
    await row.waitFor({ timeout: 20000 });
    await page.keyboard.press('Escape');
  });

  it('exports a script through the CLI, asking first because the file has errors', async () => {
    const { page } = editor!;
    await editor!.runCommand('Netns: Export as Shell Script');
    const toast = page.locator('.notification-toast', { hasText: 'pass --force to export anyway' }).first();
    await toast.waitFor({ timeout: 20000 });
    await toast.getByRole('button', { name: 'Export anyway' }).click();
    // The script opens in a new, unsaved shell script editor; nothing runs.
    await page.locator('.tab', { hasText: 'Untitled' }).first().waitFor({ timeout: 20000 });
    await page.locator('.view-line', { hasText: '#!/usr/bin/env bash' }).first().waitFor({ timeout: 20000 });
  });
});

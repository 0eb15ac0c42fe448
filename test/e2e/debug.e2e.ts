// End-to-end debugging story in a real VS Code (code-server 4.100.3 + headless chromium, harness.ts):
// examples/02-nat-router.netns copied into a scratch workspace with one injected error, the error in
// the Problems panel, the fix made by completing a device name, a breakpoint set by clicking the
// glyph margin of an iptables rule line, F5 on a probe line without a launch.json, the stop at the
// rule (`rule filter FORWARD #2 @router`), steps until the packet is in the next namespace
// (`@server`), packet fields read in the Variables view, and the README screenshots
// docs/images/problems.png and docs/images/debug.png. Also reads the extension's activation time
// from "Developer: Show Running Extensions". Not part of `npm test`: `npm run test:e2e`.
// Holds no harness code (harness.ts) and does not test the adapter's protocol (test/debugger).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Locator, Page } from 'playwright-core';
import { E2E_DIR, Editor, missingPrerequisite, ROOT, startEditor } from './harness';

const EXAMPLE = readFileSync(join(ROOT, 'examples', '02-nat-router.netns'), 'utf8');
/** The injected error: a device the client namespace does not have. Fixed later by completion. */
const BROKEN_LINE = '    ip link set eth9 up';
const TOPOLOGY = EXAMPLE.replace('    ip addr add 10.0.1.2/24 dev eth0\n', `    ip addr add 10.0.1.2/24 dev eth0\n${BROKEN_LINE}\n`);
const RULE = 'iptables -A FORWARD -i c0 -o s0 -p tcp --dport 80 -j ACCEPT';

/** A pane of the Run and Debug view by its title (Variables, Call Stack, Breakpoints). */
function pane(page: Page, title: string): Locator {
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: new RegExp(`^\\s*${title}`, 'i') }) }).first();
}

/**
 * The innermost frame of the stopped packet: the first frame row of the Call Stack (one packet in
 * flight, so VS Code lists its frames without a thread row). Its text is the frame's name.
 */
function focusedFrame(page: Page): Locator {
  return pane(page, 'Call Stack').locator('.stack-frame .label.expression').first();
}

/** A row of the Variables view whose name is exactly `name` (its aria-label is `NAME, value VALUE`). */
function variable(page: Page, name: string): Locator {
  return pane(page, 'Variables').locator(`.monaco-list-row[aria-label^="${name}, value "]`).first();
}

/**
 * Expands variable `name` by its twistie until the row says it is expanded: a click on the row can
 * land on the value and open its hover instead, and the view may re-render under the click.
 */
async function expandVariable(page: Page, name: string): Promise<void> {
  const row = variable(page, name);
  await row.waitFor({ timeout: 20000 });
  for (let k = 0; k < 20; k++) {
    if ((await row.getAttribute('aria-expanded', { timeout: 1000 }).catch(() => null)) === 'true') return;
    await row.locator('.monaco-tl-twistie').first().click({ timeout: 2000 }).catch(() => undefined);
    await page.waitForTimeout(250);
  }
  throw new Error(`variable ${name} did not expand`);
}

/** 1-based number of the first line of the workspace file containing `text`. */
function lineOf(text: string): number {
  const n = TOPOLOGY.split('\n').findIndex((l) => l.includes(text));
  assert.ok(n >= 0, `no line contains ${text}`);
  return n + 1;
}

/**
 * Puts the cursor at the start of line `n` with Go to Line (the editor renders only the visible lines,
 * so a line far down cannot be clicked before it is scrolled into view), and returns that line.
 */
async function goToLine(page: Page, n: number, text: string): Promise<Locator> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10000 });
  await input.fill(`:${n}`);
  await page.locator('.quick-input-widget', { hasText: `line ${n}` }).first().waitFor({ timeout: 10000 }).catch(() => undefined);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 10000 });
  await page.locator('.monaco-editor .line-numbers.active-line-number', { hasText: new RegExp(`^${n}$`) }).first().waitFor({ timeout: 10000 });
  const line = page.locator('.view-line', { hasText: text }).first();
  await line.waitFor({ timeout: 10000 });
  return line;
}

/** Waits until the value of variable `name` matches (the view refreshes after the Call Stack). */
async function waitForValue(page: Page, name: string, value: RegExp, timeout = 20000): Promise<string> {
  const row = variable(page, name);
  let last = '';
  for (const deadline = Date.now() + timeout; Date.now() < deadline; await page.waitForTimeout(100)) {
    last = ((await row.locator('.value').first().textContent({ timeout: 1000 }).catch(() => '')) ?? '').trim();
    if (value.test(last)) return last;
  }
  throw new Error(`variable ${name} did not become ${value} within ${timeout} ms (last value: "${last}")`);
}

describe('e2e: debugging a probe in code-server', function () {
  this.timeout(120000);
  let editor: Editor | undefined;
  const images = join(ROOT, 'docs', 'images');

  before(async function () {
    const missing = missingPrerequisite();
    // Not a skip: the e2e tier is run on purpose, so a missing prerequisite is a failure with the fix.
    if (missing) throw new Error(missing);
    mkdirSync(images, { recursive: true });
    editor = await startEditor({ 'nat-router.netns': TOPOLOGY });
  });

  afterEach(async function () {
    // A failing step leaves a screenshot and the DOM beside the scratch runs.
    if (this.currentTest?.state === 'failed' && editor) {
      const name = 'debug-' + (this.currentTest.title.replace(/[^\w]+/g, '-').slice(0, 60) || 'failure');
      mkdirSync(join(E2E_DIR, 'failures'), { recursive: true });
      await editor.page.screenshot({ path: join(E2E_DIR, 'failures', `${name}.png`) }).catch(() => undefined);
      const html = await editor.page.content().catch(() => '');
      writeFileSync(join(E2E_DIR, 'failures', `${name}.html`), html);
    }
  });

  after(async () => {
    await editor?.stop();
  });

  it('shows the injected error in the Problems panel (docs/images/problems.png)', async () => {
    const { page } = editor!;
    await editor!.openFromExplorer('nat-router.netns');
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 30000 });
    await page.keyboard.press('Control+Shift+M');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'Cannot find device "eth9"' }).first();
    await row.waitFor({ timeout: 20000 });
    assert.match((await row.textContent()) ?? '', /NS2001/);
    // Exactly one problem: the example itself is clean.
    assert.equal(await page.locator('.markers-panel .monaco-list-row[aria-label^="Error"], .markers-panel .monaco-list-row[aria-label^="Warning"]').count(), 1);
    // Opening the problem reveals the squiggle on its line, for the screenshot.
    await row.click();
    await page.locator('.monaco-editor .line-numbers.active-line-number', { hasText: new RegExp(`^${lineOf(BROKEN_LINE)}$`) }).first().waitFor({ timeout: 10000 });
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 10000 });
    await page.screenshot({ path: join(images, 'problems.png') });
  });

  it('fixes it by completing a device name of the client namespace, then saves', async () => {
    const { page } = editor!;
    // Select the word `eth9` from the keyboard and delete it; completion offers client's devices there.
    await goToLine(page, lineOf(BROKEN_LINE), 'ip link set eth9 up');
    await page.keyboard.press('End');
    await page.keyboard.press('Control+ArrowLeft');
    await page.keyboard.press('Control+ArrowLeft');
    await page.keyboard.press('Control+Shift+ArrowRight');
    await page.keyboard.press('Delete');
    await page.locator('.view-line', { hasText: 'ip link set  up' }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Control+Space');
    const suggest = page.locator('.suggest-widget .monaco-list-row');
    const eth0 = suggest.filter({ has: page.locator('.label-name', { hasText: /^eth0$/ }) }).first();
    await eth0.waitFor({ timeout: 20000 });
    // The router's devices are not offered in namespace client.
    assert.equal(await suggest.filter({ has: page.locator('.label-name', { hasText: /^c0$/ }) }).count(), 0);
    await eth0.click();
    await page.locator('.view-line', { hasText: 'ip link set eth0 up' }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Control+S');
    // The tab's dirty mark goes away and the Problems panel empties.
    await page.locator('.tab.dirty', { hasText: 'nat-router.netns' }).waitFor({ state: 'detached', timeout: 10000 });
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'Cannot find device' }).waitFor({ state: 'detached', timeout: 20000 });
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'detached', timeout: 10000 });
  });

  it('sets a breakpoint on an iptables rule by clicking the glyph margin', async () => {
    const { page } = editor!;
    const line = await goToLine(page, lineOf(RULE), RULE);
    const lineBox = await line.boundingBox();
    const glyphBox = await page.locator('.monaco-editor .glyph-margin').first().boundingBox();
    assert.ok(lineBox && glyphBox, 'rule line and glyph margin are laid out');
    await page.mouse.click(glyphBox.x + glyphBox.width / 2, lineBox.y + lineBox.height / 2);
    const bp = page.locator('.monaco-editor .codicon-debug-breakpoint');
    await bp.first().waitFor({ timeout: 10000 });
    assert.equal(await bp.count(), 1);
  });

  it('F5 on the probe line debugs that probe without a launch.json and stops on entry', async () => {
    const { page } = editor!;
    // (An inlay hint `src 10.0.1.2` sits between the probe's name and `from` in the rendered line.)
    await goToLine(page, lineOf('probe web from client'), 'probe web');
    await page.keyboard.press('F5');
    // No pick list and no launch.json prompt: the configuration provider took the probe under the cursor.
    await focusedFrame(page).filter({ hasText: 'connect web @client' }).waitFor({ timeout: 30000 });
    assert.equal(await page.locator('.monaco-dialog-box').count(), 0);
  });

  it('continues to the breakpoint: the rule line is highlighted, the call stack is in router (docs/images/debug.png)', async () => {
    const { page } = editor!;
    await page.keyboard.press('F5');
    const top = focusedFrame(page).filter({ hasText: 'rule filter FORWARD #2 @router' });
    await top.waitFor({ timeout: 20000 });
    // The frames below it are the kernel path that brought the packet here. The adapter marks the
    // simulated-kernel frames subtle, so VS Code folds them into "Show N More: simulated kernel".
    const frames = pane(page, 'Call Stack').locator('.stack-frame .label.expression');
    await frames.filter({ hasText: 'netif_receive_skb c0 @router' }).first().waitFor({ timeout: 10000 });
    await pane(page, 'Call Stack').locator('.monaco-list-row', { hasText: /Show \d+ More/ }).first().click();
    await frames.filter({ hasText: /^ip_forward s0 @router$/ }).first().waitFor({ timeout: 10000 });
    await frames.filter({ hasText: /^nf_hook FORWARD @router$/ }).first().waitFor({ timeout: 10000 });
    // The editor shows the stopped line on the rule itself.
    await page.locator('.view-line', { hasText: RULE }).first().waitFor();
    await page.locator('.monaco-editor .debug-top-stack-frame-line').first().waitFor({ timeout: 10000 });
    // Packet fields: expand `ip`, wait for the field (the Variables view refreshes after the Call Stack).
    await expandVariable(page, 'ip');
    assert.equal(await waitForValue(page, 'daddr', /^10\.0\.2\.2$/), '10.0.2.2');
    assert.equal(await waitForValue(page, 'saddr', /^10\.0\.1\.2$/), '10.0.1.2');
    // Clicks on the twistie in quick succession can select the rows' text; the picture should not show it.
    await page.evaluate('window.getSelection()?.removeAllRanges()');
    await page.screenshot({ path: join(images, 'debug.png') });
  });

  it('steps (F10) until the packet is in the next namespace, and reads the masqueraded packet in Variables', async () => {
    const { page } = editor!;
    const frame = focusedFrame(page);
    let name = ((await frame.textContent()) ?? '').trim();
    const seen = [name];
    for (let i = 0; i < 10 && !/@server/.test(name); i++) {
      const before = name;
      await page.keyboard.press('F10');
      // Wait for the stop after this step: the focused frame changes.
      for (const deadline = Date.now() + 20000; name === before && Date.now() < deadline; await page.waitForTimeout(50)) {
        name = ((await frame.textContent({ timeout: 1000 }).catch(() => before)) ?? before).trim();
      }
      assert.notEqual(name, before, `F10 did not move the packet from ${before}`);
      seen.push(name);
    }
    assert.match(name, /@server/, seen.join('\n'));
    // SNAT happened at router's POSTROUTING: the server sees 10.0.2.1 -> 10.0.2.2. Waiting for the new
    // saddr (not for the row) avoids reading the Variables view before it refreshes.
    assert.equal(await waitForValue(page, 'saddr', /^10\.0\.2\.1$/), '10.0.2.1');
    assert.equal(await waitForValue(page, 'daddr', /^10\.0\.2\.2$/), '10.0.2.2');
  });

  it('reports the activation time of the extension (Developer: Show Running Extensions)', async () => {
    const { page } = editor!;
    await page.keyboard.press('Shift+F5');
    await pane(page, 'Call Stack').locator('.stack-frame').first().waitFor({ state: 'detached', timeout: 20000 });
    await editor!.runCommand('Developer: Show Running Extensions');
    const row = page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: /netns/i }).first();
    await row.waitFor({ timeout: 20000 });
    const time = row.locator('.activation-time').first();
    await time.waitFor({ timeout: 10000 });
    const text = ((await time.textContent()) ?? '').trim();
    const ms = /(\d+)\s*ms/.exec(text);
    assert.ok(ms, `activation time text: "${text}"`);
    // VS Code's figure: the activate() call until its promise settled (activate awaits the language
    // client's start, so the server's spawn and initialize handshake are inside it).
    const why = await row.locator('[title], [aria-label]').evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? e.getAttribute('aria-label')).filter(Boolean).join(' | '));
    console.log(`      activation of netns-debugger: ${ms[1]} ms (${(((await row.textContent()) ?? '') + ' ' + why).replace(/\s+/g, ' ').trim()})`);
  });
});

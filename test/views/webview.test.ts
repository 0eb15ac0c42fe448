// The webview pages in headless chromium (Debian's /usr/bin/chromium driven by playwright-core):
// the bundle built from webview/main.ts (fresh, with esbuild) is loaded into a page with a stubbed
// acquireVsCodeApi and VS Code theme variables; the extension's messages are posted as the
// extension would. Topology: renders the example's namespaces, devices, addresses and links;
// a `packet` message moves the highlighted node, marks the path and the netfilter hook; keyboard
// focus moves with arrows and Enter asks to open the line; a new topology redraws. Matrix: the
// table, outcome words with colour classes and labels, grid keys, a cell asks for its trace.
// Takes docs/images/topology.png. Chromium gets a scratch HOME/XDG and is closed after.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { Browser, chromium, Page } from 'playwright-core';
import { buildModel } from '../../core/model/index';
import { computeMatrix, matrixCell, targetLabel, topologyData } from '../../client/views/data';
import type { FromWebview, MatrixCell, MatrixData, PacketPosition, TopologyData } from '../../webview/protocol';
import { repoRoot } from '../util/golden';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

// The functions passed to page.evaluate run in the browser; the project compiles without the DOM
// library, so the two globals they use are declared here, for this file only.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;

/** Dark theme values for the variables the pages use (VS Code sets these in a real webview). */
const THEME = `
:root {
  --vscode-editor-background: #1e1e1e; --vscode-editor-foreground: #d4d4d4; --vscode-foreground: #cccccc;
  --vscode-descriptionForeground: #9d9d9d; --vscode-focusBorder: #007fd4; --vscode-editorWidget-background: #252526;
  --vscode-editorWidget-border: #454545; --vscode-sideBar-background: #202020; --vscode-charts-orange: #d18616;
  --vscode-charts-red: #f14c4c; --vscode-charts-green: #89d185; --vscode-charts-yellow: #cca700;
  --vscode-debugIcon-stopForeground: #f48771; --vscode-testing-iconPassed: #73c991; --vscode-testing-iconFailed: #f14c4c;
  --vscode-editor-font-family: 'DejaVu Sans Mono', monospace; --vscode-panel-border: #80808059;
  --vscode-editor-stackFrameHighlightBackground: #ffff0033;
}`;

function pageHtml(view: 'topology' | 'matrix'): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><style>${THEME}</style>
<script>
  window.__posted = [];
  window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => {} });
</script></head><body data-view="${view}"><main id="root"></main></body></html>`;
}

function exampleTopology(name: string): TopologyData {
  return topologyData(buildModel(fs.readFileSync(path.join(repoRoot, 'examples', name), 'utf8')), name);
}

async function posted(page: Page): Promise<FromWebview[]> {
  return page.evaluate(() => (window as unknown as { __posted: FromWebview[] }).__posted);
}

async function send(page: Page, message: unknown): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

describe('views: webview pages in headless chromium', function () {
  this.timeout(30000);
  let browser: Browser;
  let bundle: string;
  let scratch: string;

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `chromium is needed: apt-get install -y chromium (looked for ${CHROMIUM})`);
    const built = await esbuild.build({
      entryPoints: [path.join(repoRoot, 'webview', 'main.ts')], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2022', logLevel: 'silent',
    });
    bundle = built.outputFiles[0].text;
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'netns-webview-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      env: { ...process.env, HOME: scratch, XDG_CONFIG_HOME: path.join(scratch, 'config'), XDG_CACHE_HOME: path.join(scratch, 'cache') },
    });
  });

  after(async () => {
    await browser?.close();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  async function open(view: 'topology' | 'matrix', viewport = { width: 1100, height: 640 }): Promise<Page> {
    const page = await browser.newPage({ viewport });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setContent(pageHtml(view));
    await page.addScriptTag({ content: bundle });
    assert.deepEqual(errors, []);
    assert.deepEqual(await posted(page), [{ type: 'ready' }], 'the page says it is ready');
    return page;
  }

  describe('topology', () => {
    let page: Page;
    const data = exampleTopology('02-nat-router.netns');

    before(async () => {
      page = await open('topology', { width: 1100, height: 470 });
      await send(page, { type: 'topology', data });
      await page.waitForSelector('g.dev');
    });
    after(() => page?.close());

    it('draws every namespace, device (with its addresses) and link of the example', async () => {
      const dom = await page.evaluate(() => ({
        ns: [...document.querySelectorAll('g.ns')].map((g) => g.getAttribute('data-netns')),
        devs: [...document.querySelectorAll('g.dev')].map((g) => g.getAttribute('data-id')),
        links: [...document.querySelectorAll('path.link')].map((p) => `${p.getAttribute('data-a')}=${p.getAttribute('data-b')} ${p.getAttribute('class')}`),
        text: document.querySelector('svg[aria-label="Topology"]')!.textContent,
        labels: [...document.querySelectorAll('g.dev')].map((g) => g.getAttribute('aria-label')),
        focusable: [...document.querySelectorAll('g.ns, g.dev')].every((g) => g.getAttribute('tabindex') === '0'),
      }));
      assert.deepEqual(dom.ns, ['router', 'client', 'server']);
      assert.deepEqual(dom.devs.sort(), ['client/eth0', 'client/lo', 'router/c0', 'router/lo', 'router/s0', 'server/eth0', 'server/lo']);
      assert.deepEqual(dom.links.sort(), ['router/c0=client/eth0 link veth', 'router/s0=server/eth0 link veth']);
      for (const a of ['10.0.1.1/24', '10.0.2.1/24', '10.0.1.2/24', '10.0.2.2/24', 'listen tcp 0.0.0.0:80, tcp 0.0.0.0:22', 'router  (ip_forward)']) {
        assert.ok(dom.text!.includes(a), `${a} is drawn`);
      }
      assert.ok(dom.labels.includes('veth device c0 in namespace router, up, addresses 10.0.1.1/24, veth peer client/eth0, MAC 02:00:00:00:00:05'), dom.labels.join('\n'));
      assert.ok(dom.focusable);
      // Devices are inside their namespace box.
      const inside = await page.evaluate(() =>
        [...document.querySelectorAll('g.dev')].every((g) => {
          const ns = document.querySelector(`g.ns[data-netns="${g.getAttribute('data-netns')}"] > rect`)!.getBoundingClientRect();
          const r = g.querySelector('rect')!.getBoundingClientRect();
          return r.left >= ns.left && r.right <= ns.right && r.top >= ns.top && r.bottom <= ns.bottom;
        }),
      );
      assert.ok(inside);
    });

    it('a packet message highlights where the packet is, the path so far and the netfilter hook', async () => {
      const current = (): Promise<{ ids: (string | null)[]; visited: (string | null)[]; stage: (string | null)[]; status: string | null }> =>
        page.evaluate(() => ({
          ids: [...document.querySelectorAll('svg[aria-label="Topology"] g.current:not(.packet)')].map((g) => g.getAttribute('data-id')),
          visited: [...document.querySelectorAll('.visited')].map((g) => g.getAttribute('data-id') ?? g.getAttribute('data-link')),
          stage: [...document.querySelectorAll('.flow-box.active')].map((g) => g.getAttribute('data-stage')),
          status: document.getElementById('status')!.textContent,
        }));
      assert.deepEqual((await current()).ids, []);
      const p1: PacketPosition = { thread: 1, netns: 'client', dev: 'eth0', fn: 'dev_queue_xmit', hook: null, step: 6 };
      await send(page, { type: 'packet', packet: p1 });
      await page.waitForSelector('g.dev.current');
      let c = await current();
      assert.deepEqual(c.ids, ['client/eth0']);
      assert.deepEqual(c.stage, []);
      assert.equal(c.status, 'Packet 1 in client on eth0: dev_queue_xmit');
      await send(page, { type: 'packet', packet: { thread: 1, netns: 'router', dev: 'c0', fn: 'nf_hook', hook: 'PREROUTING', step: 12 } });
      await page.waitForSelector('g.dev.current[data-id="router/c0"]');
      c = await current();
      assert.deepEqual(c.ids, ['router/c0']);
      assert.deepEqual(c.visited.sort(), ['client/eth0', 'router/c0', 'veth:router/c0']);
      assert.deepEqual(c.stage, ['PREROUTING']);
      assert.equal(await page.getAttribute('g.dev[data-id="router/c0"]', 'aria-current'), 'location');
      await send(page, { type: 'packet', packet: { thread: 1, netns: 'router', dev: null, fn: 'ip_route_input', hook: null, step: 20 } });
      await send(page, { type: 'packet', packet: { thread: 1, netns: 'router', dev: 's0', fn: 'nf_hook', hook: 'POSTROUTING', step: 30 } });
      await page.waitForSelector('.flow-box.active[data-stage="POSTROUTING"]');
      c = await current();
      assert.deepEqual(c.ids, ['router/s0']);
      assert.ok(c.visited.includes('ns:router'), 'a stop without a device marks the namespace');
      await page.screenshot({ path: path.join(repoRoot, 'docs', 'images', 'topology.png'), fullPage: true });
      // Stepping back rewinds the path.
      await send(page, { type: 'packet', packet: { thread: 1, netns: 'client', dev: 'eth0', fn: 'dev_queue_xmit', hook: null, step: 6 } });
      await page.waitForSelector('g.dev.current[data-id="client/eth0"]');
      assert.deepEqual((await current()).visited, ['client/eth0']);
      await send(page, { type: 'clearPackets' });
      await page.waitForFunction(() => !document.querySelector('.current, .visited'));
    });

    it('keyboard: arrows move focus between nodes, Enter asks the extension to open the source line', async () => {
      await page.focus('g.dev[data-id="client/eth0"]');
      const focused = (): Promise<string | null> => page.evaluate(() => document.activeElement?.getAttribute('data-id') ?? null);
      assert.equal(await focused(), 'client/eth0');
      const box = async (id: string): Promise<{ x: number; y: number }> => {
        const b = (await page.locator(`[data-id="${id}"] > rect`).boundingBox())!;
        return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
      };
      const start = await box('client/eth0');
      await page.keyboard.press('ArrowLeft');
      const left = await focused();
      assert.notEqual(left, 'client/eth0');
      assert.ok((await box(left!)).x < start.x, `${left} is left of client/eth0`);
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Tab');
      assert.ok(await focused(), 'Tab reaches another node');
      await page.focus('g.dev[data-id="router/c0"]');
      await page.keyboard.press('Enter');
      const line = data.namespaces.find((n) => n.name === 'router')!.devices.find((d) => d.name === 'c0')!.line;
      assert.equal(typeof line, 'number');
      assert.deepEqual((await posted(page)).slice(-1), [{ type: 'open', line }]);
    });

    it('a new topology (the document changed) redraws and keeps nothing stale', async () => {
      const changed: TopologyData = { ...data, namespaces: data.namespaces.filter((n) => n.name !== 'server'), links: data.links.filter((l) => !l.b.startsWith('server/')) };
      await send(page, { type: 'topology', data: changed });
      await page.waitForFunction(() => !document.querySelector('g.ns[data-netns="server"]'));
      assert.equal(await page.locator('path.link').count(), 1);
      await send(page, { type: 'topology', data });
      await page.waitForSelector('g.ns[data-netns="server"]');
    });

    it('a bridge example: bridge links from each port to the bridge', async () => {
      const bridge = exampleTopology('04-bridge.netns');
      await send(page, { type: 'topology', data: bridge });
      await page.waitForSelector('g.dev[data-id="sw/br0"]');
      const kinds = await page.evaluate(() => [...document.querySelectorAll('path.link')].map((p) => p.getAttribute('class')));
      assert.equal(kinds.filter((k) => k === 'link bridge').length, 3);
      assert.equal(kinds.filter((k) => k === 'link veth').length, 3);
    });
  });

  describe('matrix', () => {
    it('shows the outcome table with words and colours, moves by arrow keys, and a cell asks for its trace', async () => {
      const model = buildModel(fs.readFileSync(path.join(repoRoot, 'examples', '02-nat-router.netns'), 'utf8'));
      const rows: MatrixCell[][] = [];
      const r = await computeMatrix(model, { kind: 'separate' }, (i, row) => (rows[i] = row), () => false);
      const data: MatrixData = { file: '02-nat-router.netns', mode: 'separate', sources: r.sources, targets: r.targets.map(targetLabel), rows, done: true, cancelled: false };
      const page = await open('matrix');
      try {
        await send(page, { type: 'matrix', data: { ...data, rows: [rows[0], null, null, null], done: false } });
        await page.waitForSelector('td.pending');
        assert.match((await page.textContent('#status'))!, /Computing… 1 of 4 rows/);
        await send(page, { type: 'matrix', data });
        await page.waitForFunction(() => !document.querySelector('td.pending'));
        const table = await page.evaluate(() => ({
          rows: [...document.querySelectorAll('tbody th')].map((th) => th.textContent),
          cols: [...document.querySelectorAll('thead th')].slice(1).map((th) => th.textContent),
          cells: [...document.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('button.cell')].map((b) => `${b.textContent}|${b.className}`)),
        }));
        assert.deepEqual(table.rows, ['root', 'router', 'client', 'server']);
        assert.deepEqual(table.cols, ['tcp 127.0.0.1:80 (server)', 'tcp 10.0.2.2:80 (server)', 'tcp 127.0.0.1:22 (server)', 'tcp 10.0.2.2:22 (server)']);
        const client = table.rows.indexOf('client');
        assert.deepEqual(table.cells[client], ['-|cell o-none', 'ok|cell o-delivered', '-|cell o-none', 'drop|cell o-dropped']);
        assert.equal(rows[client][1].word, matrixCell({ kind: 'delivered', netns: 'server', errno: null, origin: null, line: null, reason: 'x' }).word);
        const label = await page.getAttribute(`button[data-cell="${client},3"]`, 'aria-label');
        assert.match(label!, /^from client to tcp 10\.0\.2\.2:22 \(server\): dropped in router: /);
        // Only the first cell is in the tab order; arrows move within the grid.
        await page.focus('button[data-cell="0,0"]');
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('End');
        assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-cell')), `${client},3`);
        await page.keyboard.press('Enter');
        assert.deepEqual((await posted(page)).slice(-1), [{ type: 'trace', source: client, target: 3 }]);
        // A cell that was not probed asks for nothing.
        await page.keyboard.press('ArrowLeft');
        await page.keyboard.press('Enter');
        assert.equal((await posted(page)).filter((m) => m.type === 'trace').length, 1);
      } finally {
        await page.close();
      }
    });
  });
});

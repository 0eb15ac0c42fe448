// The reachability matrix page of the webview: a table with one row per source namespace and one
// column per listener; each cell is a button with the outcome word (colour and text, never colour
// alone) whose activation asks the extension for that probe's trace. Arrow keys move between
// cells (a grid), Home/End to the row's ends. Rows arrive as they are computed. Does not compute
// anything: the extension sends MatrixData.
import type { FromWebview, MatrixData } from './protocol';

type Post = (m: FromWebview) => void;

export class MatrixPage {
  private status: HTMLElement;
  private table: HTMLTableElement;
  private data: MatrixData | undefined;

  constructor(private readonly root: HTMLElement, private readonly post: Post) {
    root.textContent = '';
    this.status = document.createElement('div');
    this.status.className = 'status';
    this.status.setAttribute('role', 'status');
    this.status.setAttribute('aria-live', 'polite');
    this.status.id = 'status';
    this.status.textContent = 'Computing the reachability matrix…';
    root.appendChild(this.status);
    const wrap = document.createElement('div');
    wrap.className = 'matrix-wrap';
    root.appendChild(wrap);
    this.table = document.createElement('table');
    this.table.className = 'matrix';
    wrap.appendChild(this.table);
    const legend = document.createElement('p');
    legend.className = 'legend';
    legend.textContent =
      'ok = delivered, refused = RST or port unreachable, unreach = ICMP unreachable or no route, denied = EPERM, ttl = TTL exceeded, drop = silently dropped, - = not probed (another namespace\'s loopback). Enter on a cell shows that probe\'s trace.';
    root.appendChild(legend);
    this.table.addEventListener('click', (ev) => {
      const b = (ev.target as Element).closest('button.cell');
      if (b) this.trace(b);
    });
    this.table.addEventListener('keydown', (ev) => this.onKey(ev));
  }

  setMatrix(data: MatrixData): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.cell;
    this.data = data;
    this.table.textContent = '';
    const cap = document.createElement('caption');
    cap.textContent = `Reachability in ${data.file} (${data.mode}): rows are source namespaces, columns are listeners`;
    this.table.appendChild(cap);
    const thead = this.table.createTHead();
    const hr = thead.insertRow();
    const corner = document.createElement('th');
    corner.textContent = 'from \\ to';
    corner.scope = 'col';
    hr.appendChild(corner);
    for (const t of data.targets) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = t;
      hr.appendChild(th);
    }
    const body = this.table.createTBody();
    data.sources.forEach((s, i) => {
      const tr = body.insertRow();
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = s;
      tr.appendChild(th);
      const row = data.rows[i];
      data.targets.forEach((t, j) => {
        const td = tr.insertCell();
        const c = row?.[j];
        if (!c) {
          td.className = 'pending';
          td.textContent = data.cancelled ? '' : '…';
          td.setAttribute('aria-label', data.cancelled ? 'not computed (cancelled)' : 'computing');
          return;
        }
        const b = document.createElement('button');
        b.className = `cell o-${c.probed ? c.kind : 'none'}`;
        b.textContent = c.word;
        b.dataset.cell = `${i},${j}`;
        b.tabIndex = i === 0 && j === 0 ? 0 : -1;
        const what = c.probed ? `${c.kind}${c.netns ? ` in ${c.netns}` : ''}${c.errno ? ` (${c.errno})` : ''}: ${c.reason}` : 'not probed';
        b.setAttribute('aria-label', `from ${s} to ${t}: ${what}`);
        b.title = what;
        if (!c.probed) b.setAttribute('aria-disabled', 'true');
        td.appendChild(b);
      });
    });
    if (focused) this.focusCell(focused);
    const done = data.rows.filter((r) => r).length;
    this.status.textContent = data.cancelled
      ? `Cancelled: ${done} of ${data.sources.length} rows computed`
      : data.done
        ? `${data.sources.length} sources × ${data.targets.length} listeners`
        : `Computing… ${done} of ${data.sources.length} rows`;
    if (data.done && !data.targets.length) this.status.textContent = "Nothing listens: add 'listen tcp|udp ADDR:PORT' lines to get a matrix";
  }

  private focusCell(key: string): boolean {
    const b = this.table.querySelector<HTMLButtonElement>(`button[data-cell="${key}"]`);
    if (!b) return false;
    for (const x of this.table.querySelectorAll<HTMLButtonElement>('button.cell')) x.tabIndex = -1;
    b.tabIndex = 0;
    b.focus();
    return true;
  }

  private trace(b: Element): void {
    const [i, j] = (b.getAttribute('data-cell') ?? '').split(',').map(Number);
    if (b.getAttribute('aria-disabled') === 'true') return;
    if (Number.isInteger(i) && Number.isInteger(j)) this.post({ type: 'trace', source: i, target: j });
  }

  private onKey(ev: KeyboardEvent): void {
    const b = (ev.target as Element).closest('button.cell');
    if (!b || !this.data) return;
    const [i, j] = (b.getAttribute('data-cell') ?? '').split(',').map(Number);
    const rows = this.data.sources.length;
    const cols = this.data.targets.length;
    let ni = i;
    let nj = j;
    switch (ev.key) {
      case 'ArrowUp': ni = i - 1; break;
      case 'ArrowDown': ni = i + 1; break;
      case 'ArrowLeft': nj = j - 1; break;
      case 'ArrowRight': nj = j + 1; break;
      case 'Home': nj = 0; break;
      case 'End': nj = cols - 1; break;
      default: return;
    }
    ev.preventDefault();
    if (ni < 0 || nj < 0 || ni >= rows || nj >= cols) return;
    this.focusCell(`${ni},${nj}`);
  }
}

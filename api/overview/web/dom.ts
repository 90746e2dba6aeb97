// A few DOM helpers. Text always goes in as text nodes (never innerHTML): subjects,
// labels and team names come from customers and systems.

type Attrs = Record<string, string | number | boolean | undefined | null>;
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Child | Child[]>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.className = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Array<Child | Child[]>): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export interface TableColumn<R> {
  header: string;
  cell: (row: R) => Child | Child[];
  /** Right-aligned numbers. */
  numeric?: boolean;
  /** Names the cell for tests and styles (data-col). */
  key?: string;
}

export interface TableOptions {
  caption?: string;
  className?: string;
  id?: string;
}

export function table<R>(rows: readonly R[], columns: readonly TableColumn<R>[], opts: TableOptions = {}): HTMLTableElement {
  return h(
    'table',
    { class: opts.className ?? 'data', id: opts.id },
    opts.caption ? h('caption', {}, opts.caption) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : undefined }, c.header)))),
    h(
      'tbody',
      {},
      rows.map((r) => h('tr', {}, columns.map((c) => h('td', { class: c.numeric ? 'num' : undefined, 'data-col': c.key }, c.cell(r))))),
    ),
  );
}

let nextId = 0;
export function uid(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/**
 * A chart with its text alternative: the drawing is an image named by aria-label,
 * and the numbers behind it sit in a table (hidden unless `showTable`) that the
 * figure points to with aria-describedby.
 */
export function chartFigure(label: string, dataTable: HTMLTableElement, opts: { className?: string; showTable?: boolean } = {}): { figure: HTMLElement; canvasHost: HTMLElement } {
  const tableId = dataTable.id || uid('chart-data');
  dataTable.id = tableId;
  const canvasHost = h('div', { class: 'chart-canvas', role: 'img', 'aria-label': label, 'aria-describedby': tableId });
  // Hidden in a 1-px box: a table itself would still widen the page (tables ignore width and overflow).
  const numbers = opts.showTable ? dataTable : h('div', { class: 'sr-only' }, dataTable);
  const figure = h('figure', { class: ['chart', opts.className].filter(Boolean).join(' ') }, canvasHost, numbers);
  return { figure, canvasHost };
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

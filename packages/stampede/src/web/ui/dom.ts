/**
 * DOM building for the UI. Text always goes in as text nodes (textContent): endpoint names and error messages come
 * from the target and are hostile, so no data is ever parsed as HTML.
 */

/** Properties of an element made by h(). */
export interface Props {
  class?: string;
  title?: string;
  attrs?: Record<string, string>;
}

/** Creates an element; string children become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props?.class) el.className = props.class;
  if (props?.title) el.title = props.title;
  for (const [k, v] of Object.entries(props?.attrs ?? {})) el.setAttribute(k, v);
  for (const c of children) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** The element with this id (throws when the page lacks it: a bug in index.html). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
}

/** Sets an element's text. */
export function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** Numbers with thousands separators and at most `digits` decimals. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** Milliseconds: whole above 100 ms, one decimal above 10, two below. */
export function fmtMs(ms: number): string {
  return fmt(ms, ms >= 100 ? 0 : ms >= 10 ? 1 : 2);
}

/** Bytes as B / kB / MB / GB. */
export function fmtBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${fmt(n, i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Run time as h:mm:ss or m:ss. */
export function fmtDuration(s: number): string {
  const t = Math.floor(s);
  const hh = Math.floor(t / 3600);
  const mm = Math.floor((t % 3600) / 60);
  const ss = String(t % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** Replaces a table's content: a header row, body rows and an optional footer row. */
export function fillTable(table: HTMLTableElement, head: HTMLTableRowElement, rows: HTMLTableRowElement[], foot?: HTMLTableRowElement): void {
  const thead = h('thead', null, head);
  const tbody = h('tbody', null, ...rows);
  const parts: HTMLElement[] = [thead, tbody];
  if (foot) parts.push(h('tfoot', null, foot));
  table.replaceChildren(...parts);
}

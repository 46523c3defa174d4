/**
 * @module dashboards/web/results-table
 * A query result as a table: sort by a column (click its header, again to reverse), copy as
 * TSV or JSON, objects and lists collapsed to a summary that expands to indented JSON. Every
 * cell renders as text.
 */
import type { QueryResult } from './api-client.ts'
import { h, replace } from './dom.ts'
import { formatCell } from './format.ts'

/** Rows drawn at once; the rest wait for "Show more" so a 100k-row result stays responsive. */
const PAGE_ROWS = 500

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0
  if (a === null || a === undefined) return 1
  if (b === null || b === undefined) return -1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  return String(typeof a === 'object' ? JSON.stringify(a) : a).localeCompare(String(typeof b === 'object' ? JSON.stringify(b) : b))
}

function cell(value: unknown, type: string): HTMLElement {
  if (value !== null && typeof value === 'object') {
    const json = JSON.stringify(value, null, 2)
    const n = Array.isArray(value) ? value.length : Object.keys(value).length
    const summary = Array.isArray(value) ? `[${n} item${n === 1 ? '' : 's'}]` : `{${n} key${n === 1 ? '' : 's'}}`
    const pre = h('pre', { class: 'json', attrs: { hidden: true } }, json)
    const toggle = h('button', { class: 'link-btn json-toggle', attrs: { type: 'button', 'aria-expanded': 'false' } }, summary)
    toggle.addEventListener('click', () => {
      pre.hidden = !pre.hidden
      toggle.setAttribute('aria-expanded', String(!pre.hidden))
    })
    return h('td', null, toggle, pre)
  }
  return h('td', { class: type === 'number' || type === 'duration' ? 'num' : undefined, attrs: { title: type === 'duration' && value !== null ? `${value} ns` : typeof value === 'number' && !Number.isInteger(value) ? String(value) : undefined } }, formatCell(value, type))
}

function tsv(result: QueryResult, rows: unknown[][]): string {
  const esc = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)).replace(/[\t\n]/g, ' ')
  return [result.columns.map((c) => c.name).join('\t'), ...rows.map((r) => r.map(esc).join('\t'))].join('\n')
}

export function resultsTable(result: QueryResult): HTMLElement {
  let rows = result.rows.slice()
  let sortBy = -1
  let desc = false
  let shown = PAGE_ROWS
  const tbody = h('tbody')
  const headers = result.columns.map((c, k) =>
    h(
      'th',
      { attrs: { scope: 'col', 'aria-sort': 'none' } },
      h('button', { class: 'th-btn', attrs: { type: 'button', title: `${c.name} (${c.type}): click to sort` }, on: { click: () => sort(k) } }, c.name),
    ),
  )
  const more = h('button', { class: 'btn', attrs: { type: 'button' }, on: { click: () => ((shown += PAGE_ROWS), draw()) } })
  const draw = (): void => {
    replace(tbody, rows.slice(0, shown).map((r) => h('tr', null, r.map((v, k) => cell(v, result.columns[k]?.type ?? 'any')))))
    more.hidden = rows.length <= shown
    replace(more, `Show ${Math.min(PAGE_ROWS, rows.length - shown)} more of ${rows.length - shown}`)
  }
  const sort = (k: number): void => {
    desc = sortBy === k ? !desc : false
    sortBy = k
    rows = result.rows.slice().sort((a, b) => (desc ? -1 : 1) * compare(a[k], b[k]))
    headers.forEach((th, i) => th.setAttribute('aria-sort', i === k ? (desc ? 'descending' : 'ascending') : 'none'))
    draw()
  }
  const status = h('span', { class: 'muted', attrs: { role: 'status' } })
  const copy = (text: string, what: string): void => {
    navigator.clipboard.writeText(text).then(
      () => replace(status, `Copied ${rows.length} rows as ${what}.`),
      () => replace(status, `Cannot copy: the browser refused clipboard access.`),
    )
  }
  draw()
  return h(
    'div',
    { class: 'results' },
    h(
      'div',
      { class: 'results-tools' },
      h('button', { class: 'btn', attrs: { type: 'button' }, on: { click: () => copy(tsv(result, rows), 'TSV') } }, 'Copy TSV'),
      h('button', { class: 'btn', attrs: { type: 'button' }, on: { click: () => copy(JSON.stringify({ columns: result.columns, rows }), 'JSON') } }, 'Copy JSON'),
      status,
    ),
    h('div', { class: 'table-wrap' }, h('table', { class: 'data' }, h('thead', null, h('tr', null, headers)), tbody)),
    more,
  )
}

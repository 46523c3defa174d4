/**
 * @module dashboards/web/pages/red-table
 * Rate, errors and duration (RED) per key (a service, or an operation of one) from spans: the
 * queries, their rows read into records, and the table the Services pages draw, with
 * sparklines and links to the slowest and failing traces.
 */
import { api } from '../api-client.ts'
import { h } from '../dom.ts'
import { formatDurationNs, formatValue } from '../format.ts'
import { quote, bucketWidth } from '../query-text.ts'
import { linkTo } from '../router.ts'
import { sparkline } from '../sparkline.ts'
import type { ResolvedRange } from '../time-range.ts'

export interface RedRow {
  key: string
  spans: number
  errors: number
  p50: number
  p95: number
  p99: number
  /** Per bucket: spans per second, error ratio, p95 (ns). */
  spark: { rate: number[]; errorRatio: number[]; p95: (number | null)[] }
}

export type RedSort = 'name' | 'rate' | 'errors' | 'p50' | 'p95' | 'p99'
export const RED_SORTS: readonly RedSort[] = ['name', 'rate', 'errors', 'p50', 'p95', 'p99']

const AGGS = 'count() as spans, countif(status = "error") as errors, p50(duration) as p50, p95(duration) as p95, p99(duration) as p99'

/**
 * RED rows keyed by `keyField`, over spans matching `service` when given; sparklines from a
 * second, bucketed query run at the same time; `times` are the buckets' starts (milliseconds).
 */
export async function loadRed(keyField: string, service: string | undefined, range: ResolvedRange, signal: AbortSignal): Promise<{ rows: RedRow[]; times: number[] }> {
  const filter = service === undefined ? '' : ` | where resource.service.name = ${quote(service)}`
  const width = bucketWidth(range.endMs - range.startMs, 30)
  const [totals, buckets] = await Promise.all([
    api.query(`spans${filter} | stats ${AGGS} by ${keyField} as key`, range, signal),
    api.query(`spans${filter} | stats count() as spans, countif(status = "error") as errors, p95(duration) as p95 by ${keyField} as key, bin(time, ${width.text})`, range, signal),
  ])
  const first = Math.floor(range.startMs / width.ms) * width.ms
  const n = Math.max(1, Math.ceil((range.endMs - first) / width.ms))
  const rows = new Map<string, RedRow>()
  const col = (cols: { name: string }[], name: string): number => cols.findIndex((c) => c.name === name)
  const [k, s, e, a, b, c] = ['key', 'spans', 'errors', 'p50', 'p95', 'p99'].map((name) => col(totals.columns, name))
  for (const r of totals.rows) {
    const key = String(r[k] ?? '(none)')
    rows.set(key, { key, spans: Number(r[s]), errors: Number(r[e]), p50: Number(r[a]), p95: Number(r[b]), p99: Number(r[c]), spark: { rate: new Array(n).fill(0), errorRatio: new Array(n).fill(0), p95: new Array(n).fill(null) } })
  }
  const [bk, bt, bs, be, bp] = ['key', 'time', 'spans', 'errors', 'p95'].map((name) => col(buckets.columns, name))
  for (const r of buckets.rows) {
    const row = rows.get(String(r[bk] ?? '(none)'))
    const i = Math.floor((Date.parse(String(r[bt])) - first) / width.ms)
    if (row === undefined || i < 0 || i >= n) continue
    const spans = Number(r[bs])
    row.spark.rate[i] = spans / (width.ms / 1000)
    row.spark.errorRatio[i] = spans > 0 ? Number(r[be]) / spans : 0
    row.spark.p95[i] = typeof r[bp] === 'number' ? (r[bp] as number) : null
  }
  return { rows: [...rows.values()], times: Array.from({ length: n }, (_, i) => first + i * width.ms) }
}

function sortValue(row: RedRow, by: RedSort): number | string {
  if (by === 'name') return row.key
  if (by === 'rate') return row.spans
  if (by === 'errors') return row.spans > 0 ? row.errors / row.spans : 0
  return row[by]
}

export function sortRed(rows: RedRow[], by: RedSort, desc: boolean): RedRow[] {
  return rows.slice().sort((x, y) => {
    const a = sortValue(x, by)
    const b = sortValue(y, by)
    const c = typeof a === 'string' ? a.localeCompare(String(b)) : a - (b as number)
    return (desc ? -c : c) || x.key.localeCompare(y.key)
  })
}

export interface RedTableOptions {
  rows: RedRow[]
  rangeMs: number
  keyLabel: string
  sort: RedSort
  desc: boolean
  onSort(by: RedSort): void
  /** Where a key links to (the service's page), if anywhere. */
  keyHref?(row: RedRow): string
  /** Traces page filters of a row: service, and operation for operations. */
  traceFilters(row: RedRow): Record<string, string>
}

/** The RED table; headers are buttons that sort (state in the URL, by the caller). */
export function redTable(o: RedTableOptions): HTMLElement {
  const head = (label: string, by: RedSort, num = true, title?: string): HTMLElement =>
    h(
      'th',
      { class: num ? 'num' : undefined, attrs: { scope: 'col', 'aria-sort': o.sort === by ? (o.desc ? 'descending' : 'ascending') : 'none' } },
      h('button', { class: 'th-btn', attrs: { type: 'button', 'data-sort': by, title }, on: { click: () => o.onSort(by) } }, label),
    )
  const seconds = o.rangeMs / 1000
  const body = o.rows.map((row) => {
    const ratio = row.spans > 0 ? row.errors / row.spans : 0
    const filters = o.traceFilters(row)
    return h(
      'tr',
      { attrs: { 'data-key': row.key } },
      h('th', { class: 'red-key', attrs: { scope: 'row' } }, o.keyHref ? h('a', { attrs: { href: o.keyHref(row) } }, row.key) : row.key),
      h('td', { class: 'num' }, h('span', { class: 'red-val' }, formatValue(row.spans / seconds, 'rps')), sparkline(row.spark.rate, `${row.key}: requests per second over time`)),
      h('td', { class: `num${ratio > 0 ? ' red-bad' : ''}` }, h('span', { class: 'red-val' }, formatValue(ratio, 'percentunit')), sparkline(row.spark.errorRatio, `${row.key}: error ratio over time`, 'var(--error)')),
      h('td', { class: 'num' }, formatDurationNs(row.p50)),
      h('td', { class: 'num' }, h('span', { class: 'red-val' }, formatDurationNs(row.p95)), sparkline(row.spark.p95, `${row.key}: p95 duration over time`, '#a855f7')),
      h('td', { class: 'num' }, formatDurationNs(row.p99)),
      h(
        'td',
        { class: 'red-links' },
        h('a', { attrs: { href: linkTo('/traces', { ...filters, sort: 'slowest' }) } }, 'slowest'),
        ' · ',
        h('a', { class: row.errors > 0 ? undefined : 'muted', attrs: { href: linkTo('/traces', { ...filters, status: 'error' }) } }, `failing (${row.errors})`),
      ),
    )
  })
  return h(
    'div',
    { class: 'table-wrap red-wrap' },
    h(
      'table',
      { class: 'data red-table' },
      h('thead', null, h('tr', null, head(o.keyLabel, 'name', false), head('Rate', 'rate', true, 'Spans per second'), head('Errors', 'errors', true, 'Share of spans with status error'), head('p50', 'p50'), head('p95', 'p95'), head('p99', 'p99'), h('th', { attrs: { scope: 'col' } }, h('span', { class: 'th-plain' }, 'Traces')))),
      h('tbody', null, body.length > 0 ? body : h('tr', null, h('td', { class: 'muted', attrs: { colspan: 7 } }, 'No spans in this time range.'))),
    ),
  )
}

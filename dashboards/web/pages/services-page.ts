/**
 * @module dashboards/web/pages/services-page
 * Services: every service with request rate, error ratio and p50/p95/p99 from its spans, with
 * sparklines; /services/<name> shows one service over time and its operations. Each row links
 * to the Traces page filtered to its slowest or failing traces.
 * URL: /services?sort=<name|rate|errors|p50|p95|p99>&dir=<asc|desc>, /services/<name>?sort=...
 */
import { timeSeriesChart, type Chart } from '../chart.ts'
import { h, replace } from '../dom.ts'
import type { PageContext, PageDef } from '../page.ts'
import { linkTo, setParams } from '../router.ts'
import { absolutePoint } from '../time-range.ts'
import { loadRed, redTable, sortRed, RED_SORTS, type RedRow, type RedSort } from './red-table.ts'

function sortOf(params: URLSearchParams): { sort: RedSort; desc: boolean } {
  const asked = params.get('sort') as RedSort | null
  const sort = asked !== null && RED_SORTS.includes(asked) ? asked : 'rate'
  const dir = params.get('dir')
  return { sort, desc: dir === null ? sort !== 'name' : dir === 'desc' }
}

function onSort(params: URLSearchParams, by: RedSort): void {
  const { sort, desc } = sortOf(params)
  const nextDesc = sort === by ? !desc : by !== 'name'
  setParams({ sort: by, dir: nextDesc ? 'desc' : 'asc' })
}

/** Charts of one service over time: requests and errors per second, and p50/p95/p99. */
function serviceCharts(own: { rows: RedRow[]; times: number[] }, ctx: PageContext, charts: Chart[]): HTMLElement {
  // The service's own row carries its sparkline buckets; charts draw the same buckets larger.
  const row = own.rows[0]
  if (row === undefined) return h('p', { class: 'muted' }, 'No spans of this service in this time range.')
  const times = own.times
  const zoom = (s: number, e: number): void => ctx.setRange({ from: absolutePoint(s), to: absolutePoint(e) })
  const rate = timeSeriesChart({ times, height: 160, xRange: ctx.resolved, onZoom: zoom, series: [
    { label: 'requests/s', values: row.spark.rate, unit: 'rps' },
    { label: 'error ratio', values: row.spark.errorRatio, unit: 'percentunit' },
  ] })
  const p95 = timeSeriesChart({ times, height: 160, xRange: ctx.resolved, onZoom: zoom, series: [{ label: 'p95', values: row.spark.p95, unit: 'ns' }] })
  charts.push(rate, p95)
  return h('div', { class: 'svc-charts' }, h('div', { class: 'chart-box' }, h('h2', null, 'Requests and errors'), rate.el), h('div', { class: 'chart-box' }, h('h2', null, 'Latency (p95)'), p95.el))
}

export const SERVICES_PAGE: PageDef = {
  id: 'services',
  title: 'Services',
  usesTime: true,
  mount(root, first) {
    const title = h('h1')
    const status = h('div', { class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } })
    const error = h('div', { class: 'error-box', attrs: { role: 'alert', hidden: true } })
    const top = h('div')
    const body = h('div')
    const nav = h('div', { class: 'toolbar' })
    root.append(h('section', { class: 'page services-page' }, h('div', { class: 'toolbar' }, title, status), nav, error, top, body))
    let charts: Chart[] = []
    let seq = 0

    const update = (ctx: PageContext): void => {
      const service = ctx.rest[0]
      const mine = ++seq
      replace(title, service === undefined ? 'Services' : service)
      nav.hidden = service === undefined
      replace(
        nav,
        service === undefined
          ? null
          : [
              h('a', { attrs: { href: linkTo('/services') } }, '← All services'),
              h('a', { attrs: { href: linkTo('/traces', { service }) } }, 'Traces'),
              h('a', { attrs: { href: linkTo('/logs', { service }) } }, 'Logs'),
            ],
      )
      if (ctx.reason !== 'tick') replace(status, 'Loading…')
      const { sort, desc } = sortOf(ctx.params)
      const work =
        service === undefined
          ? loadRed('resource.service.name', undefined, ctx.resolved, ctx.signal).then(({ rows }) => ({ rows, own: undefined }))
          : Promise.all([loadRed('name', service, ctx.resolved, ctx.signal), loadRed('resource.service.name', service, ctx.resolved, ctx.signal)]).then(([ops, own]) => ({ rows: ops.rows, own }))
      work.then(
        ({ rows, own }) => {
          if (mine !== seq) return
          error.hidden = true
          for (const c of charts) c.destroy()
          charts = []
          replace(top, own === undefined ? null : serviceCharts(own, ctx, charts))
          top.hidden = own === undefined
          const noun = service === undefined ? 'service' : 'operation'
          replace(status, `${rows.length} ${noun}${rows.length === 1 ? '' : 's'}`)
          replace(
            body,
            service === undefined ? null : h('h2', null, 'Operations'),
            redTable({
              rows: sortRed(rows, sort, desc),
              rangeMs: ctx.resolved.endMs - ctx.resolved.startMs,
              keyLabel: service === undefined ? 'Service' : 'Operation',
              sort,
              desc,
              onSort: (by) => onSort(ctx.params, by),
              keyHref: service === undefined ? (row) => linkTo(`/services/${encodeURIComponent(row.key)}`) : undefined,
              traceFilters: (row): Record<string, string> => (service === undefined ? { service: row.key } : { service, op: row.key }),
            }),
          )
        },
        (e: unknown) => {
          if (mine !== seq || ctx.signal.aborted) return
          replace(status)
          replace(error, (e as Error).message)
          error.hidden = false
        },
      )
    }
    update(first)
    return { update, dispose: () => charts.forEach((c) => c.destroy()) }
  },
}

/**
 * @module dashboards/web/pages/traces-page
 * Traces: search spans by service, operation, duration range, status and attributes; results
 * as a scatter of duration over time (click a point to open its trace) and a list. A trace
 * opens at /traces/<trace id> as a waterfall (trace-waterfall.ts).
 * URL: /traces?service=&op=&min=&max=&status=&attrs=&sort= (trace-search.ts), /traces/<id>?span=
 */
import { api } from '../api-client.ts'
import { h, replace } from '../dom.ts'
import { formatDurationNs } from '../format.ts'
import type { PageContext, PageDef, PageInstance } from '../page.ts'
import { linkTo, navigate, setParams } from '../router.ts'
import { scatterChart, type Scatter } from '../scatter-chart.ts'
import { absolutePoint, formatLocal } from '../time-range.ts'
import { mountWaterfall } from './trace-waterfall.ts'
import { filtersFrom, searchQuery, STATUSES, type TraceFilters } from './trace-search.ts'

interface Hit {
  time: string
  traceId: string
  spanId: string
  service: string
  name: string
  duration: number
  status: string
}

function field(name: string, label: string, input: HTMLElement): HTMLElement {
  return h('label', { class: `tr-field tr-${name}` }, label, input)
}

function mountSearch(root: HTMLElement, first: PageContext): PageInstance {
  const input = (name: keyof TraceFilters, placeholder: string, list?: string): HTMLInputElement =>
    h('input', { class: 'input', attrs: { name, placeholder, list, autocomplete: 'off', spellcheck: 'false' } })
  const service = input('service', 'any service', 'tr-services')
  const op = input('op', 'any operation', 'tr-ops')
  const min = input('min', 'e.g. 100ms')
  const max = input('max', 'e.g. 2s')
  const attrs = input('attrs', 'http.route=/checkout')
  const status = h('select', { class: 'input', attrs: { name: 'status' } }, STATUSES.map((s) => h('option', { attrs: { value: s } }, s === '' ? 'any status' : s)))
  const sort = h('select', { class: 'input', attrs: { name: 'sort' } }, h('option', { attrs: { value: 'recent' } }, 'most recent'), h('option', { attrs: { value: 'slowest' } }, 'slowest'))
  const services = h('datalist', { attrs: { id: 'tr-services' } })
  const ops = h('datalist', { attrs: { id: 'tr-ops' } })
  const form = h(
    'form',
    { class: 'tr-form card', attrs: { role: 'search', 'aria-label': 'Search traces' } },
    field('service', 'Service', service),
    field('op', 'Operation', op),
    field('min', 'Min duration', min),
    field('max', 'Max duration', max),
    field('status', 'Status', status),
    field('attrs', 'Attributes (key=value …)', attrs),
    field('sort', 'Order', sort),
    h('div', { class: 'tr-actions' }, h('button', { class: 'btn primary', attrs: { type: 'submit' } }, 'Search'), h('button', { class: 'btn', attrs: { type: 'reset' } }, 'Clear')),
    services,
    ops,
  )
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    setParams({ service: service.value.trim(), op: op.value.trim(), min: min.value.trim(), max: max.value.trim(), status: status.value, attrs: attrs.value.trim(), sort: sort.value === 'recent' ? '' : sort.value }, true)
  })
  form.addEventListener('reset', (e) => {
    e.preventDefault()
    setParams({ service: '', op: '', min: '', max: '', status: '', attrs: '', sort: '' }, true)
  })
  const found = h('div', { class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } })
  const error = h('div', { class: 'error-box', attrs: { role: 'alert', hidden: true } })
  const chartBox = h('div', { class: 'chart-box', attrs: { hidden: true } })
  const list = h('div')
  root.append(h('section', { class: 'page traces-page' }, h('div', { class: 'toolbar' }, h('h1', null, 'Traces'), found), form, error, chartBox, list))

  let scatter: Scatter | undefined
  let seq = 0
  const fillLists = (ctx: PageContext): void => {
    api.services(ctx.resolved, ctx.signal).then((names) => replace(services, names.map((n) => h('option', { attrs: { value: n } }))), () => {})
    api.operations(service.value.trim() || undefined, ctx.resolved, ctx.signal).then((names) => replace(ops, names.map((n) => h('option', { attrs: { value: n } }))), () => {})
  }
  service.addEventListener('change', () => fillLists(current))
  let current = first

  const update = (ctx: PageContext): void => {
    current = ctx
    const f = filtersFrom(ctx.params)
    if (ctx.reason !== 'tick') {
      service.value = f.service
      op.value = f.op
      min.value = f.min
      max.value = f.max
      status.value = f.status
      attrs.value = f.attrs
      sort.value = f.sort
      fillLists(ctx)
    }
    const q = searchQuery(f)
    if (q instanceof Error) {
      replace(error, q.message)
      error.hidden = false
      return
    }
    const mine = ++seq
    if (ctx.reason !== 'tick') replace(found, 'Searching…')
    api.query(q, ctx.resolved, ctx.signal).then(
      (result) => {
        if (mine !== seq) return
        error.hidden = true
        const at = (n: string): number => result.columns.findIndex((c) => c.name === n)
        const [t, tr, sp, sv, nm, du, st] = ['time', 'trace_id', 'span_id', 'service', 'name', 'duration', 'status'].map(at)
        // One entry per trace: its first matching span in the chosen order.
        const seen = new Set<string>()
        const hits: Hit[] = []
        for (const r of result.rows) {
          const traceId = String(r[tr])
          if (seen.has(traceId)) continue
          seen.add(traceId)
          hits.push({ time: String(r[t]), traceId, spanId: String(r[sp]), service: String(r[sv] ?? ''), name: String(r[nm] ?? ''), duration: Number(r[du]), status: String(r[st] ?? 'unset') })
        }
        show(hits, ctx, result.stats.truncated || result.rows.length >= 500)
      },
      (e: unknown) => {
        if (mine !== seq || ctx.signal.aborted) return
        replace(found)
        replace(error, (e as Error).message)
        error.hidden = false
      },
    )
  }
  const show = (hits: Hit[], ctx: PageContext, more: boolean): void => {
    replace(found, `${hits.length} trace${hits.length === 1 ? '' : 's'}${more ? ' (first matches; narrow the search)' : ''}`)
    scatter?.destroy()
    scatter = undefined
    if (hits.length > 0) {
      scatter = scatterChart({
        points: hits.map((x) => ({ timeMs: Date.parse(x.time), durationNs: x.duration, error: x.status === 'error' })),
        xRange: ctx.resolved,
        onPick: (i) => navigate(linkTo(`/traces/${encodeURIComponent(hits[i].traceId)}`, { span: hits[i].spanId })),
        onZoom: (s, e) => ctx.setRange({ from: absolutePoint(s), to: absolutePoint(e) }),
      })
      replace(chartBox, h('h2', { class: 'sr-only' }, 'Duration over time'), scatter.el)
    }
    chartBox.hidden = hits.length === 0
    const longest = Math.max(1, ...hits.map((x) => x.duration))
    replace(
      list,
      hits.length === 0
        ? h('p', { class: 'muted' }, 'No spans match in this time range.')
        : h(
            'ol',
            { class: 'tr-list', attrs: { 'aria-label': 'Traces found' } },
            hits.map((x) =>
              h(
                'li',
                { class: 'tr-hit' },
                h('a', { class: 'tr-hit-link', attrs: { href: linkTo(`/traces/${encodeURIComponent(x.traceId)}`, { span: x.spanId }) } }, h('span', { class: 'tr-hit-service' }, x.service), ' ', h('span', { class: 'tr-hit-name' }, x.name)),
                h('span', { class: 'tr-hit-bar', attrs: { 'aria-hidden': 'true' } }, h('span', { class: x.status === 'error' ? 'bar error' : 'bar' })),
                h('span', { class: 'tr-hit-dur mono' }, formatDurationNs(x.duration)),
                h('span', { class: `tr-hit-status st-${x.status}` }, x.status),
                h('time', { class: 'tr-hit-time muted', attrs: { datetime: x.time } }, formatLocal(Date.parse(x.time))),
              ),
            ),
          ),
    )
    // Widths are set as properties (no inline style attribute: the CSP allows none from markup).
    list.querySelectorAll<HTMLElement>('.tr-hit .bar').forEach((bar, i) => (bar.style.width = `${Math.max(1, (hits[i].duration / longest) * 100)}%`))
  }
  update(first)
  return { update, dispose: () => scatter?.destroy() }
}

export const TRACES_PAGE: PageDef = {
  id: 'traces',
  title: 'Traces',
  usesTime: true,
  mount(root, first) {
    // The search and a trace are two views under one page: switch when the path changes.
    let view: { traceId: string | undefined; instance: PageInstance }
    const open = (ctx: PageContext): void => {
      root.replaceChildren()
      const traceId = ctx.rest[0]
      view = { traceId, instance: traceId === undefined ? mountSearch(root, ctx) : mountWaterfall(root, traceId, ctx) }
    }
    open(first)
    return {
      update(ctx) {
        if (ctx.rest[0] !== view.traceId) {
          view.instance.dispose?.()
          open(ctx)
        } else view.instance.update(ctx)
      },
      dispose: () => view.instance.dispose?.(),
    }
  },
}

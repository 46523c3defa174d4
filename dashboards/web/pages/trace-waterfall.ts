/**
 * @module dashboards/web/pages/trace-waterfall
 * One trace at /traces/<trace id>: the span tree as a waterfall (timing bars, critical path
 * highlighted, errors marked), the chosen span's attributes, events and links, and beside it
 * the log records of the trace (a query on trace_id). URL: ?span=<span id> (the chosen span).
 * Keyboard: rows are buttons; Up and Down move through them.
 */
import { api, type SpanNode } from '../api-client.ts'
import { h, replace } from '../dom.ts'
import { formatDurationNs } from '../format.ts'
import { LOG_COLUMNS, logRow, readLogs } from '../log-row.ts'
import type { PageContext, PageInstance } from '../page.ts'
import { quote } from '../query-text.ts'
import { linkTo, setParams } from '../router.ts'
import { formatLocal } from '../time-range.ts'
import { criticalPath, type TimedSpan } from './critical-path.ts'
import { spanDetails } from './span-details.ts'

/** Service colours of the bars: no red or orange, which mark errors and the critical path. */
const SERVICE_COLOURS = ['#3b82f6', '#10b981', '#a855f7', '#06b6d4', '#eab308', '#ec4899', '#84cc16', '#6366f1']

/** How far around the trace its logs are looked for: records may be written after the span ends. */
const LOG_MARGIN_MS = 15 * 60_000

export interface FlatSpan extends TimedSpan {
  node: SpanNode
  depth: number
  service: string
  name: string
  error: boolean
  children: FlatSpan[]
}

/** The tree as rows in tree order, with times in milliseconds. */
export function flatten(roots: SpanNode[]): { rows: FlatSpan[]; roots: FlatSpan[] } {
  const rows: FlatSpan[] = []
  const walk = (node: SpanNode, depth: number): FlatSpan => {
    const startMs = Date.parse(String(node.time))
    const durMs = Number(node.duration ?? 0) / 1e6
    const span: FlatSpan = {
      id: String(node.span_id),
      startMs,
      endMs: startMs + durMs,
      node,
      depth,
      service: String(node['resource.service.name'] ?? node['service.name'] ?? ''),
      name: String(node.name ?? ''),
      error: node.status === 'error',
      children: [],
    }
    rows.push(span)
    span.children = node.children.map((c) => walk(c, depth + 1))
    return span
  }
  return { roots: roots.map((r) => walk(r, 0)), rows }
}

export function mountWaterfall(root: HTMLElement, traceId: string, first: PageContext): PageInstance {
  const status = h('div', { class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } })
  const error = h('div', { class: 'error-box', attrs: { role: 'alert', hidden: true } })
  const summary = h('div', { class: 'wf-summary muted' })
  const waterfall = h('div', { class: 'wf card', attrs: { role: 'tree', 'aria-label': 'Spans of the trace' } })
  const details = h('div', { class: 'wf-details card', attrs: { 'aria-live': 'polite' } })
  const logs = h('div', { class: 'wf-logs card' }, h('h2', null, 'Logs'), h('p', { class: 'muted' }, 'Loading…'))
  root.append(
    h(
      'section',
      { class: 'page trace-page' },
      h('div', { class: 'toolbar' }, h('a', { attrs: { href: linkTo('/traces') } }, '← Search'), h('h1', { class: 'wf-title' }, 'Trace ', h('span', { class: 'mono' }, traceId)), status),
      summary,
      error,
      h('div', { class: 'wf-layout' }, h('div', { class: 'wf-main' }, waterfall, details), logs),
    ),
  )
  let spans: FlatSpan[] = []
  let buttons: HTMLButtonElement[] = []
  let ctx = first
  // Lives as long as the view: choosing a span updates the URL, which aborts ctx.signal.
  const life = new AbortController()

  const select = (spanId: string | null, focus = false): void => {
    const at = spans.findIndex((s) => s.id === spanId)
    buttons.forEach((b, i) => b.setAttribute('aria-selected', String(i === at)))
    if (at < 0) {
      replace(details, h('p', { class: 'muted' }, 'Choose a span to see its attributes, events and links.'))
      return
    }
    if (focus) buttons[at].focus()
    replace(details, spanDetails(spans[at].node, spans[at].startMs))
  }
  const choose = (spanId: string, focus = false): void => {
    setParams({ span: spanId })
    select(spanId, focus)
  }

  const draw = (roots: SpanNode[]): void => {
    const flat = flatten(roots)
    spans = flat.rows
    const start = Math.min(...spans.map((s) => s.startMs))
    const end = Math.max(...spans.map((s) => s.endMs))
    const total = Math.max(end - start, 0.001)
    const critical = criticalPath(flat.roots)
    const services = [...new Set(spans.map((s) => s.service))]
    const errors = spans.filter((s) => s.error).length
    replace(
      summary,
      `${spans.length} span${spans.length === 1 ? '' : 's'} · ${services.length} service${services.length === 1 ? '' : 's'} · ${formatDurationNs(total * 1e6)} · started ${formatLocal(start)}`,
      errors > 0 ? h('span', { class: 'wf-errors' }, ` · ${errors} with errors`) : null,
      ' · ',
      h('span', { class: 'wf-legend-critical' }, 'critical path'),
    )
    const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => h('span', { class: 'wf-tick' }, formatDurationNs(f * total * 1e6)))
    buttons = spans.map((s) => {
      const colour = SERVICE_COLOURS[services.indexOf(s.service) % SERVICE_COLOURS.length]
      const bar = h('span', { class: `wf-bar${s.error ? ' error' : ''}${critical.has(s.id) ? ' critical' : ''}` })
      bar.style.left = `${((s.startMs - start) / total) * 100}%`
      bar.style.width = `${Math.max(0.3, ((s.endMs - s.startMs) / total) * 100)}%`
      if (!s.error) bar.style.background = colour
      const label = h(
        'span',
        { class: 'wf-label' },
        h('span', { class: 'wf-svc' }, s.service),
        ' ',
        h('span', { class: 'wf-name' }, s.name),
        s.error ? h('span', { class: 'wf-err', attrs: { title: String(s.node.status_message ?? 'error') } }, ' ⚠ error') : null,
      )
      label.style.paddingLeft = `${s.depth * 14}px`
      const button = h(
        'button',
        { class: `wf-row${critical.has(s.id) ? ' on-critical' : ''}`, attrs: { type: 'button', role: 'treeitem', 'aria-level': s.depth + 1, 'data-span': s.id, 'aria-selected': 'false' }, on: { click: () => choose(s.id) } },
        label,
        h('span', { class: 'wf-track' }, bar, h('span', { class: 'wf-dur' }, formatDurationNs(Number(s.node.duration ?? 0)))),
      )
      return button
    })
    waterfall.onkeydown = (e: KeyboardEvent): void => {
      const at = buttons.indexOf(document.activeElement as HTMLButtonElement)
      if (at < 0 || (e.key !== 'ArrowDown' && e.key !== 'ArrowUp')) return
      e.preventDefault()
      const next = Math.max(0, Math.min(buttons.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)))
      choose(spans[next].id, true)
    }
    replace(waterfall, h('div', { class: 'wf-head' }, h('span', { class: 'wf-label muted' }, 'Service and operation'), h('span', { class: 'wf-ticks' }, ticks)), buttons)
    select(ctx.params.get('span'))
    loadLogs(start, end)
  }

  const loadLogs = (start: number, end: number): void => {
    const q = `logs | where trace_id = ${quote(traceId)} | sort time | limit 500 | select ${LOG_COLUMNS}`
    api.query(q, { startMs: start - LOG_MARGIN_MS, endMs: end + LOG_MARGIN_MS }, life.signal).then(
      (result) => {
        const recs = readLogs(result)
        replace(
          logs,
          h('h2', null, `Logs (${recs.length})`),
          recs.length === 0 ? h('p', { class: 'muted' }, 'No log records carry this trace id.') : h('ol', { class: 'lg-list' }, recs.map((r) => logRow(r, { onSpan: (id) => choose(id, true) }))),
          h('a', { class: 'small', attrs: { href: linkTo('/logs', { filter: `trace_id = ${quote(traceId)}` }) } }, 'Open in Logs'),
        )
      },
      (e: unknown) => replace(logs, h('h2', null, 'Logs'), h('p', { class: 'error-text' }, (e as Error).message)),
    )
  }

  replace(status, 'Loading…')
  api.trace(traceId, life.signal).then(
    (t) => {
      replace(status)
      draw(t.roots)
    },
    (e: unknown) => {
      if (life.signal.aborted) return
      replace(status)
      replace(error, (e as Error).message)
      error.hidden = false
      replace(logs)
    },
  )
  return {
    update(next) {
      ctx = next
      select(next.params.get('span'))
    },
    dispose: () => life.abort(),
  }
}

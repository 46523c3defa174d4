/**
 * @module dashboards/web/dashboard/panel-kinds
 * How each panel type draws a query result. One function per type in a Record, so a new type
 * does not compile until it can be drawn. Every value from the data is text (h()).
 */
import type { Panel, PanelType } from '../../model/dashboard-model.ts'
import type { QueryResult } from '../api-client.ts'
import { timeSeriesChart, type Chart } from '../chart.ts'
import { h, svg } from '../dom.ts'
import { formatDurationNs, formatValue, type Unit } from '../format.ts'
import { resultToChart } from '../result-chart.ts'
import { resultsTable } from '../results-table.ts'
import { linkTo } from '../router.ts'
import type { ResolvedRange } from '../time-range.ts'
import { thresholdColor } from './thresholds.ts'

export interface DrawContext {
  range: ResolvedRange
  onZoom(startMs: number, endMs: number): void
  /** Links open the full UI in a new tab from embeds. */
  embed: boolean
}

export interface Drawn {
  el: HTMLElement
  destroy?(): void
}

const NUMERIC = new Set(['number', 'duration'])

function col(result: QueryResult, ...names: string[]): number {
  for (const n of names) {
    const k = result.columns.findIndex((c) => c.name === n)
    if (k >= 0) return k
  }
  return -1
}

function empty(text = 'No data in this time range'): Drawn {
  return { el: h('div', { class: 'panel-empty muted' }, text) }
}

/** The value a single-number panel shows: the last number of the first numeric column. */
function singleValue(result: QueryResult): { value: number; unit: Unit } | undefined {
  const k = result.columns.findIndex((c) => NUMERIC.has(c.type))
  if (k < 0) return undefined
  for (let i = result.rows.length - 1; i >= 0; i--) {
    const v = result.rows[i][k]
    if (typeof v === 'number') return { value: v, unit: result.columns[k].type === 'duration' ? 'ns' : '' }
  }
  return undefined
}

function chart(result: QueryResult, panel: Panel, ctx: DrawContext, kind: 'line' | 'bars'): Drawn {
  const data = resultToChart(result)
  if (data === undefined) return kind === 'bars' ? categoryBars(result, panel) : empty('This query has no time buckets: use stats ... by bin(time, 1m)')
  if (data.series.length === 0) return empty()
  const c: Chart = timeSeriesChart({
    times: data.times,
    series: data.series.map((s) => ({ ...s, unit: (panel.unit as Unit | undefined) ?? s.unit })),
    kind,
    xRange: ctx.range,
    thresholds: panel.thresholds,
    onZoom: ctx.onZoom,
    fill: true,
  })
  return { el: c.el, destroy: () => c.destroy() }
}

/** Bars for a result without time: one bar per row, labelled by its first text column. */
function categoryBars(result: QueryResult, panel: Panel): Drawn {
  const v = result.columns.findIndex((c) => NUMERIC.has(c.type))
  if (v < 0) return empty('This query has no numbers to draw')
  const label = result.columns.findIndex((c, k) => k !== v && !NUMERIC.has(c.type))
  const max = Math.max(0, ...result.rows.map((r) => (typeof r[v] === 'number' ? (r[v] as number) : 0)))
  const unit = (panel.unit as Unit | undefined) ?? (result.columns[v].type === 'duration' ? 'ns' : '')
  return {
    el: h(
      'div',
      { class: 'cat-bars' },
      result.rows.slice(0, 50).map((r) => {
        const value = typeof r[v] === 'number' ? (r[v] as number) : 0
        const bar = h('span', { class: 'cat-bar' })
        bar.style.width = `${max > 0 ? (100 * value) / max : 0}%`
        const color = thresholdColor(value, panel.thresholds)
        if (color) bar.style.background = color
        return h('div', { class: 'cat-row' }, h('span', { class: 'cat-label' }, label >= 0 ? String(r[label] ?? '∅') : ''), h('span', { class: 'cat-track' }, bar), h('span', { class: 'cat-value' }, formatValue(value, unit)))
      }),
    ),
  }
}

function stat(result: QueryResult, panel: Panel): Drawn {
  const one = singleValue(result)
  if (one === undefined) return empty()
  const el = h('div', { class: 'stat' }, formatValue(one.value, (panel.unit as Unit | undefined) ?? one.unit))
  const color = thresholdColor(one.value, panel.thresholds)
  if (color) el.style.color = color
  return { el }
}

function gauge(result: QueryResult, panel: Panel): Drawn {
  const one = singleValue(result)
  if (one === undefined) return empty()
  const min = panel.min ?? 0
  const max = panel.max ?? (panel.unit === 'percent' ? 100 : panel.unit === 'percentunit' ? 1 : Math.max(one.value, 1))
  const f = Math.max(0, Math.min(1, (one.value - min) / (max - min || 1)))
  // A half circle from the left (f = 0) to the right (f = 1), radius 40 around (50, 50).
  const point = (t: number): string => `${50 - 40 * Math.cos(Math.PI * t)} ${50 - 40 * Math.sin(Math.PI * t)}`
  const color = thresholdColor(one.value, panel.thresholds) ?? 'var(--accent)'
  const drawing = svg(
    'svg',
    { viewBox: '0 0 100 60', class: 'gauge-svg', role: 'img', 'aria-label': `${formatValue(one.value, panel.unit as Unit)} of ${formatValue(max, panel.unit as Unit)}` },
    svg('path', { d: `M ${point(0)} A 40 40 0 0 1 ${point(1)}`, fill: 'none', stroke: 'var(--grid)', 'stroke-width': 10, 'stroke-linecap': 'round' }),
    svg('path', { d: `M ${point(0)} A 40 40 0 0 1 ${point(f)}`, fill: 'none', stroke: color, 'stroke-width': 10, 'stroke-linecap': 'round' }),
    svg('text', { x: 50, y: 52, 'text-anchor': 'middle', class: 'gauge-text' }, formatValue(one.value, (panel.unit as Unit | undefined) ?? one.unit)),
  )
  return { el: h('div', { class: 'gauge' }, drawing) }
}

function traceLink(traceId: unknown, embed: boolean, ...children: (Node | string)[]): HTMLElement {
  if (typeof traceId !== 'string' || !/^[0-9a-f]{32}$/.test(traceId)) return h('span', null, ...children)
  return h('a', { attrs: { href: linkTo(`/traces/${traceId}`), target: embed ? '_blank' : undefined, rel: embed ? 'noopener' : undefined } }, ...children)
}

function severityClass(n: number): string {
  return n >= 17 ? 'sev-error' : n >= 13 ? 'sev-warn' : n >= 9 ? 'sev-info' : 'sev-debug'
}

function logs(result: QueryResult, _panel: Panel, ctx: DrawContext): Drawn {
  if (result.rows.length === 0) return empty('No log records in this time range')
  const [t, sev, sevText, body, trace, service] = [col(result, 'time'), col(result, 'severity'), col(result, 'severity_text'), col(result, 'body'), col(result, 'trace_id'), col(result, 'resource.service.name', 'service.name')]
  return {
    el: h(
      'ul',
      { class: 'log-list' },
      result.rows.map((r) => {
        const n = typeof r[sev] === 'number' ? (r[sev] as number) : 0
        const b = r[body]
        return h(
          'li',
          { class: 'log-row' },
          h('span', { class: 'log-time mono' }, String(r[t] ?? '').replace('T', ' ').replace(/\.\d+Z$|Z$/, '')),
          h('span', { class: `sev ${severityClass(n)}` }, String((sevText >= 0 ? r[sevText] : '') || n || '—')),
          service >= 0 ? h('span', { class: 'log-service' }, String(r[service] ?? '')) : null,
          h('span', { class: 'log-body mono' }, typeof b === 'string' ? b : JSON.stringify(b)),
          trace >= 0 && r[trace] ? traceLink(r[trace], ctx.embed, 'trace') : null,
        )
      }),
    ),
  }
}

function traces(result: QueryResult, _panel: Panel, ctx: DrawContext): Drawn {
  if (result.rows.length === 0) return empty('No traces in this time range')
  const [t, trace, service, name, dur, status] = [col(result, 'time'), col(result, 'trace_id'), col(result, 'resource.service.name', 'service.name'), col(result, 'name'), col(result, 'duration'), col(result, 'status')]
  const max = Math.max(1, ...result.rows.map((r) => (typeof r[dur] === 'number' ? (r[dur] as number) : 0)))
  return {
    el: h(
      'ul',
      { class: 'trace-list' },
      result.rows.map((r) => {
        const d = typeof r[dur] === 'number' ? (r[dur] as number) : 0
        const bar = h('span', { class: `trace-bar${r[status] === 'error' ? ' error' : ''}` })
        bar.style.width = `${(100 * d) / max}%`
        return h(
          'li',
          { class: 'trace-row' },
          traceLink(r[trace], ctx.embed, h('span', { class: 'trace-name' }, String(r[service] ?? ''), ': ', String(r[name] ?? ''))),
          h('span', { class: 'trace-dur mono' }, formatDurationNs(d)),
          h('span', { class: 'trace-track' }, bar),
          h('span', { class: 'trace-time muted mono' }, String(r[t] ?? '').replace('T', ' ').replace(/\.\d+Z$|Z$/, '')),
          r[status] === 'error' ? h('span', { class: 'sev sev-error' }, 'error') : null,
        )
      }),
    ),
  }
}

export const PANEL_KINDS: Record<PanelType, { label: string; draw(result: QueryResult, panel: Panel, ctx: DrawContext): Drawn }> = {
  timeseries: { label: 'Time series', draw: (r, p, c) => chart(r, p, c, 'line') },
  bar: { label: 'Bar chart', draw: (r, p, c) => chart(r, p, c, 'bars') },
  stat: { label: 'Stat', draw: (r, p) => stat(r, p) },
  gauge: { label: 'Gauge', draw: (r, p) => gauge(r, p) },
  table: { label: 'Table', draw: (r) => ({ el: resultsTable(r) }) },
  logs: { label: 'Logs list', draw: logs },
  traces: { label: 'Trace list', draw: traces },
}

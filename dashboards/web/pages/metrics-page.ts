/**
 * @module dashboards/web/pages/metrics-page
 * Metrics: pick a metric by name (from the catalog), see its series over time: a rate for
 * counters, quantiles for histograms, an average (or min, max, sum) for gauges, grouped by any
 * attribute; a chart and a legend with each series' last, average and maximum.
 * URL: /metrics?metric=<name>&fn=<rate|increase|avg|min|max|sum|quantile>&q=<0.5..0.99>&by=<field>
 */
import { api } from '../api-client.ts'
import { PALETTE, timeSeriesChart, type Chart, type ChartSeries } from '../chart.ts'
import { h, replace } from '../dom.ts'
import { formatValue, type Unit } from '../format.ts'
import type { PageContext, PageDef } from '../page.ts'
import { bucketWidth } from '../query-text.ts'
import { resultToChart } from '../result-chart.ts'
import { linkTo, setParams } from '../router.ts'
import { absolutePoint } from '../time-range.ts'
import { functionsFor, infoQuery, metricQuery, QUANTILES, resultUnit, type MetricInfo } from './metric-query.ts'

function legend(series: ChartSeries[], unit: Unit): HTMLElement {
  const stats = (values: (number | null)[]): { last?: number; avg?: number; max?: number } => {
    const nums = values.filter((v): v is number => typeof v === 'number')
    if (nums.length === 0) return {}
    return { last: nums[nums.length - 1], avg: nums.reduce((a, b) => a + b, 0) / nums.length, max: Math.max(...nums) }
  }
  const fmt = (v: number | undefined): string => (v === undefined ? '—' : formatValue(v, unit))
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data mx-legend' },
      h('thead', null, h('tr', null, ['Series', 'Last', 'Average', 'Max'].map((t, i) => h('th', { class: i > 0 ? 'num' : undefined, attrs: { scope: 'col' } }, h('span', { class: 'th-plain' }, t))))),
      h(
        'tbody',
        null,
        series.map((s, i) => {
          const st = stats(s.values)
          const swatch = h('span', { class: 'mx-swatch', attrs: { 'aria-hidden': 'true' } })
          swatch.style.background = PALETTE[i % PALETTE.length]
          return h('tr', null, h('td', { class: 'mx-series' }, swatch, s.label), h('td', { class: 'num' }, fmt(st.last)), h('td', { class: 'num' }, fmt(st.avg)), h('td', { class: 'num' }, fmt(st.max)))
        }),
      ),
    ),
  )
}

export const METRICS_PAGE: PageDef = {
  id: 'metrics',
  title: 'Metrics',
  usesTime: true,
  mount(root, first) {
    const metric = h('input', { class: 'input mono', attrs: { name: 'metric', placeholder: 'metric name', list: 'mx-names', autocomplete: 'off', spellcheck: 'false' } })
    const names = h('datalist', { attrs: { id: 'mx-names' } })
    const fn = h('select', { class: 'input', attrs: { name: 'fn' } })
    const q = h('select', { class: 'input', attrs: { name: 'q' } }, h('option', { attrs: { value: '' } }, 'p50, p95, p99'), QUANTILES.map((v) => h('option', { attrs: { value: v } }, `p${Math.round(Number(v) * 100)}`)))
    const by = h('select', { class: 'input', attrs: { name: 'by' } })
    const qLabel = h('label', null, 'Quantile', q)
    const fnLabel = h('label', null, 'Function', fn)
    const form = h(
      'form',
      { class: 'mx-form card', attrs: { 'aria-label': 'Choose a metric' } },
      h('label', { class: 'mx-f-metric' }, 'Metric', metric),
      fnLabel,
      qLabel,
      h('label', null, 'Group by', by),
      h('div', { class: 'tr-actions' }, h('button', { class: 'btn primary', attrs: { type: 'submit' } }, 'Show')),
      names,
    )
    const status = h('div', { class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } })
    const info = h('p', { class: 'muted mx-info' })
    const error = h('div', { class: 'error-box', attrs: { role: 'alert', hidden: true } })
    const chartBox = h('div', { class: 'chart-box', attrs: { hidden: true } })
    const below = h('div')
    root.append(h('section', { class: 'page metrics-page' }, h('div', { class: 'toolbar' }, h('h1', null, 'Metrics'), status), form, info, error, chartBox, below))
    const submit = (): void => setParams({ metric: metric.value.trim(), fn: fn.value, q: q.value, by: by.value }, true)
    form.addEventListener('submit', (e) => (e.preventDefault(), submit()))
    // A new metric starts from its type's default function.
    metric.addEventListener('change', () => setParams({ metric: metric.value.trim(), fn: undefined, q: undefined, by: by.value }, true))
    for (const s of [fn, q, by]) s.addEventListener('change', submit)

    let chart: Chart | undefined
    let seq = 0
    const fail = (e: unknown, ctx: PageContext, mine: number): void => {
      if (mine !== seq || ctx.signal.aborted) return
      replace(status)
      replace(error, (e as Error).message)
      error.hidden = false
    }
    const catalog = (ctx: PageContext, mine: number): void => {
      api.attributeValues('metrics', 'metric.name', ctx.resolved, ctx.signal).then((values) => {
        if (mine !== seq) return
        replace(names, values.map((v) => h('option', { attrs: { value: String(v.value) } })))
        if (ctx.params.get('metric')) return
        replace(status, `${values.length} metrics`)
        replace(
          below,
          values.length === 0
            ? h('p', { class: 'muted' }, 'No metric points in this time range.')
            : h('ul', { class: 'mx-catalog card' }, values.map((v) => h('li', null, h('a', { class: 'mono', attrs: { href: linkTo('/metrics', { metric: String(v.value) }) } }, String(v.value)), h('span', { class: 'muted' }, ` ${v.count.toLocaleString('en-US')} points`)))),
        )
      }, (e: unknown) => fail(e, ctx, mine))
    }
    const update = async (ctx: PageContext): Promise<void> => {
      const mine = ++seq
      const name = ctx.params.get('metric') ?? ''
      if (ctx.reason !== 'tick') {
        metric.value = name
        catalog(ctx, mine)
        api.attributeKeys('metrics', ctx.resolved, ctx.signal).then((keys) => {
          const groupable = keys.filter((k) => k.startsWith('attr.') || k.startsWith('resource.') || k.startsWith('scope.'))
          replace(by, h('option', { attrs: { value: '' } }, 'nothing'), groupable.map((k) => h('option', { attrs: { value: k } }, k)))
          by.value = ctx.params.get('by') ?? ''
        }, () => {})
      }
      fnLabel.hidden = name === ''
      if (name === '') {
        qLabel.hidden = true
        chart?.destroy()
        chart = undefined
        chartBox.hidden = true
        error.hidden = true
        replace(info, 'Choose a metric to see its series.')
        return
      }
      try {
        if (ctx.reason !== 'tick') replace(status, 'Loading…')
        const head = await api.query(infoQuery(name), ctx.resolved, ctx.signal)
        if (mine !== seq) return
        if (head.rows.length === 0) throw new Error(`cannot find metric ${JSON.stringify(name)} in this time range`)
        const [type, monotonic, unit, description] = head.rows[0]
        const mi: MetricInfo = { type: String(type ?? ''), monotonic: monotonic === true, unit: String(unit ?? ''), description: String(description ?? '') }
        const fns = functionsFor(mi)
        const chosen = fns.includes(ctx.params.get('fn') ?? '') ? ctx.params.get('fn')! : (fns[0] ?? '')
        replace(fn, fns.map((f) => h('option', { attrs: { value: f } }, f === 'quantile' ? 'histogram_quantile' : f)))
        fn.value = chosen
        q.value = ctx.params.get('q') ?? ''
        qLabel.hidden = chosen !== 'quantile'
        replace(info, h('span', { class: 'badge' }, mi.type === 'sum' && mi.monotonic ? 'counter' : mi.type), ' ', mi.unit ? `unit ${mi.unit} · ` : '', mi.description)
        const width = bucketWidth(ctx.resolved.endMs - ctx.resolved.startMs, 60)
        const text = metricQuery({ metric: name, fn: chosen, q: q.value, by: ctx.params.get('by') ?? '' }, mi, width.text)
        if (text instanceof Error) throw text
        const result = await api.query(text, ctx.resolved, ctx.signal)
        if (mine !== seq) return
        error.hidden = true
        const unitOut = resultUnit(mi, chosen)
        const data = resultToChart(result)
        chart?.destroy()
        chart = undefined
        const series = (data?.series ?? []).map((s) => ({ ...s, unit: unitOut }))
        if (data === undefined || series.length === 0) {
          chartBox.hidden = true
          replace(below, h('p', { class: 'muted' }, 'No points in this time range.'))
        } else {
          chart = timeSeriesChart({ times: data.times, series, unit: unitOut, xRange: ctx.resolved, height: 280, onZoom: (s, e) => ctx.setRange({ from: absolutePoint(s), to: absolutePoint(e) }) })
          replace(chartBox, h('h2', { class: 'mx-title mono' }, name), chart.el)
          chartBox.hidden = false
          replace(below, legend(series, unitOut), h('a', { class: 'small', attrs: { href: linkTo('/explore', { q: text }) } }, 'Open this query in Explore'))
        }
        replace(status, `${series.length} series · ${width.text} buckets`)
      } catch (e) {
        chartBox.hidden = true
        replace(below)
        fail(e, ctx, mine)
      }
    }
    void update(first)
    return { update: (ctx) => void update(ctx), dispose: () => chart?.destroy() }
  },
}

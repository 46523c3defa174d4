/**
 * @module dashboards/web/pages/metric-query
 * What the Metrics page asks for a metric of each type (query/LANGUAGE.md "Aggregate
 * functions"): counters (monotonic sums) as a rate or an increase, gauges and other sums as an
 * average, minimum, maximum or sum, explicit-bucket histograms as quantiles
 * (histogram_quantile), each by time bucket and optionally grouped by one attribute.
 */
import type { Unit } from '../format.ts'
import { fieldPath, quote } from '../query-text.ts'

export interface MetricInfo {
  type: string
  monotonic: boolean
  unit: string
  description: string
}

export interface MetricChoice {
  metric: string
  /** Function: rate, increase, avg, min, max, sum, quantile. */
  fn: string
  /** Quantile for histograms, 0..1. */
  q: string
  /** A field to group by (attr.x, resource.x), or ''. */
  by: string
}

export const QUANTILES = ['0.5', '0.9', '0.95', '0.99'] as const

/** Functions that fit a metric type; the first is the default. */
export function functionsFor(info: MetricInfo): string[] {
  if (info.type === 'sum' && info.monotonic) return ['rate', 'increase']
  if (info.type === 'gauge' || info.type === 'sum') return ['avg', 'max', 'min', 'sum']
  if (info.type === 'histogram') return ['quantile']
  return []
}

/** The unit a result reads in, from the metric's UCUM unit and the function. */
export function resultUnit(info: MetricInfo, fn: string): Unit {
  if (fn === 'rate') return 'rps'
  if (fn === 'increase') return ''
  if (info.unit === 's') return 's'
  if (info.unit === 'ms') return 'ms'
  if (info.unit === 'ns') return 'ns'
  if (info.unit === 'By') return 'bytes'
  return ''
}

/** The query of a choice, or an Error saying what cannot be drawn. */
export function metricQuery(c: MetricChoice, info: MetricInfo, width: string): string | Error {
  const fns = functionsFor(info)
  if (fns.length === 0) return new Error(`cannot chart ${c.metric}: metrics of type ${info.type} are not supported yet (counters, gauges, sums and explicit-bucket histograms are)`)
  const fn = fns.includes(c.fn) ? c.fn : fns[0]
  let by = ''
  if (c.by) {
    const field = fieldPath(c.by)
    if (field === undefined) return new Error(`cannot group by ${JSON.stringify(c.by)}: the name cannot be written in a query`)
    by = `, ${field} as group`
  }
  let aggs: string
  if (fn === 'quantile') {
    // One chosen quantile; without a choice p50/p95/p99, or p95 alone when grouped.
    const chosen = (QUANTILES as readonly string[]).includes(c.q) ? [c.q] : undefined
    const qs = chosen ?? (c.by ? ['0.95'] : ['0.5', '0.95', '0.99'])
    aggs = qs.map((q) => `histogram_quantile(${q}) as p${Math.round(Number(q) * 100)}`).join(', ')
  } else aggs = `${fn}(value) as ${fn}`
  return `metrics | where metric.name = ${quote(c.metric)} | stats ${aggs} by bin(time, ${width})${by}`
}

/** The type, temporality and unit of a metric: its newest point's. */
export function infoQuery(metric: string): string {
  return `metrics | where metric.name = ${quote(metric)} | sort time desc | limit 1 | select metric.type as type, metric.monotonic as monotonic, metric.unit as unit, metric.description as description`
}

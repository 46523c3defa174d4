/**
 * @module dashboards/web/result-chart
 * Turns a `stats ... by bin(time, w)[, keys]` result into chart series: one series per numeric
 * column and combination of the other keys, over the sorted distinct times.
 */
import type { QueryResult } from './api-client.ts'
import type { ChartSeries } from './chart.ts'

/** Most series drawn on one chart; past it the chart would be unreadable. */
export const MAX_SERIES = 30

const NUMERIC = new Set(['number', 'duration'])

export interface ChartData {
  times: number[]
  series: ChartSeries[]
}

/** The chart of a time-bucketed result, or undefined when it has no time column and numbers. */
export function resultToChart(result: QueryResult): ChartData | undefined {
  const timeAt = result.columns.findIndex((c) => c.type === 'time' && c.name === 'time')
  if (timeAt < 0) return undefined
  const valueCols = result.columns.map((c, k) => ({ c, k })).filter(({ c, k }) => k !== timeAt && NUMERIC.has(c.type))
  if (valueCols.length === 0) return undefined
  const keyCols = result.columns.map((c, k) => ({ c, k })).filter(({ c, k }) => k !== timeAt && !NUMERIC.has(c.type))
  const times = [...new Set(result.rows.map((r) => Date.parse(String(r[timeAt]))))].filter((t) => !Number.isNaN(t)).sort((a, b) => a - b)
  const timeIndex = new Map(times.map((t, i) => [t, i]))
  const series = new Map<string, ChartSeries>()
  for (const row of result.rows) {
    const t = timeIndex.get(Date.parse(String(row[timeAt])))
    if (t === undefined) continue
    const key = keyCols.map(({ k }) => String(row[k] ?? '∅')).join(', ')
    for (const { c, k } of valueCols) {
      const label = valueCols.length > 1 || key === '' ? (key ? `${key} · ${c.name}` : c.name) : key
      let s = series.get(label)
      if (s === undefined) {
        if (series.size >= MAX_SERIES) continue
        s = { label, values: new Array<number | null>(times.length).fill(null), unit: c.type === 'duration' ? 'ns' : '' }
        series.set(label, s)
      }
      const v = row[k]
      s.values[t] = typeof v === 'number' ? v : null
    }
  }
  return { times, series: [...series.values()] }
}

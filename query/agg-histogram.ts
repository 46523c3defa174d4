/**
 * @module query/agg-histogram
 * histogram_quantile(q) over explicit-bucket histogram points (cumulative temporality):
 * per series, each point adds its bucket-wise increase over the previous point (resets and
 * the first point handled as in agg-counter.ts); the increases of a group are summed, then
 * the quantile is read with Prometheus histogram_quantile semantics: linear interpolation
 * inside the bucket holding rank q * count, lower bound 0 for the first bucket, the highest
 * finite bound when the rank falls in the +Inf bucket.
 * Algorithm after Prometheus promql/quantile.go (bucketQuantile), Apache-2.0.
 */
import { METRIC_COLUMNS } from '../storage/index.ts'
import type { CallNode } from './ast.ts'
import type { AggContext, Aggregator } from './agg.ts'
import { growTo } from './agg.ts'
import { SERIES_POINT_COLUMNS, SeriesPoints } from './agg-series.ts'
import { QueryError } from './errors.ts'
import { where } from './eval-context.ts'
import { toDoubles } from './i64.ts'

/** The point columns histogram_quantile reads besides the labels. */
export const HISTOGRAM_COLUMNS: readonly string[] = [...SERIES_POINT_COLUMNS, METRIC_COLUMNS.bucketCounts, METRIC_COLUMNS.explicitBounds]

/**
 * The q-quantile of bucket counts (not cumulative) with upper bounds `bounds` (+Inf implied last).
 * @example bucketQuantile(0.5, [1, 2], [10, 10, 0]) // 1
 */
export function bucketQuantile(q: number, bounds: readonly number[], counts: ArrayLike<number>): number | null {
  let total = 0
  for (let i = 0; i < counts.length; i++) total += counts[i]
  if (total === 0) return null
  const rank = q * total
  let cumulative = 0
  for (let i = 0; i < counts.length; i++) {
    const before = cumulative
    cumulative += counts[i]
    if (cumulative < rank || counts[i] === 0) continue
    if (i >= bounds.length) return bounds[bounds.length - 1] ?? null
    const lower = i === 0 ? Math.min(0, bounds[0]) : bounds[i - 1]
    return lower + (bounds[i] - lower) * ((rank - before) / counts[i])
  }
  return bounds[bounds.length - 1] ?? null
}

function sameNumbers(a: readonly number[], b: Float64Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function histogramQuantileAgg(call: CallNode, ctx: AggContext): Aggregator {
  const arg = call.args[0]
  if (call.args.length !== 1 || arg.kind !== 'Literal' || typeof arg.value !== 'number' || arg.value < 0 || arg.value > 1) {
    throw new QueryError('INVALID_ARGUMENT', 'cannot aggregate histogram_quantile: expected one quantile in [0, 1], like histogram_quantile(0.99)', where(ctx, call.at))
  }
  const q = arg.value
  const points = new SeriesPoints()
  let offsets = new Uint32Array(0)
  let widths = new Uint32Array(0)
  let counts = new Float64Array(0)
  let used = 0
  // Bounds are nearly always the same from point to point: each distinct list is kept once.
  const bounds: number[][] = []
  let boundsId = new Uint32Array(0)
  let groupCount = 0
  let sums: { counts: Float64Array; bounds: number[] }[] | undefined

  const finish = () => {
    if (sums !== undefined) return sums
    const out: { counts: Float64Array; bounds: number[] }[] = []
    points.walk(ctx.rangeStart, (k, prev) => {
      if (prev === -2) return
      const g = points.group[k]
      const b = bounds[boundsId[k]]
      const sum = (out[g] ??= { counts: new Float64Array(widths[k]), bounds: b })
      if (sum.bounds !== b) {
        throw new QueryError('INVALID_ARGUMENT', `cannot merge histograms with different bucket bounds ([${sum.bounds}] and [${b}]); group by metric and route`)
      }
      const at = offsets[k]
      const before = prev >= 0 ? offsets[prev] : -1
      let reset = before < 0
      for (let i = 0; i < widths[k] && !reset; i++) reset = counts[at + i] < counts[before + i]
      for (let i = 0; i < widths[k]; i++) sum.counts[i] += counts[at + i] - (reset ? 0 : counts[before + i])
    })
    return (sums = out)
  }

  const boundsIdOf = (values: Float64Array): number => {
    const last = bounds.length - 1
    if (last >= 0 && sameNumbers(bounds[last], values)) return last
    const found = bounds.findIndex((b) => sameNumbers(b, values))
    return found >= 0 ? found : bounds.push(Array.from(values)) - 1
  }

  return {
    add(batch, groups, count) {
      groupCount = count
      const buckets = batch.columns[METRIC_COLUMNS.bucketCounts]
      const boundsColumn = batch.columns[METRIC_COLUMNS.explicitBounds]
      if (buckets?.kind !== 'i64list' || boundsColumn?.kind !== 'f64list') return
      const need = points.length + batch.length
      offsets = growTo(offsets, need)
      widths = growTo(widths, need)
      boundsId = growTo(boundsId, need)
      const values = toDoubles(buckets.values)
      points.add(batch, groups, (row, k) => {
        if (buckets.present !== undefined && buckets.present[row] !== 1) return false
        const from = buckets.offsets[row]
        const width = buckets.offsets[row + 1] - from
        counts = growTo(counts, used + width)
        counts.set(values.subarray(from, from + width), used)
        offsets[k] = used
        widths[k] = width
        used += width
        boundsId[k] = boundsIdOf(boundsColumn.values.subarray(boundsColumn.offsets[row], boundsColumn.offsets[row + 1]))
        return true
      })
    },
    value(g) {
      const sum = g < groupCount ? finish()[g] : undefined
      return sum === undefined ? null : bucketQuantile(q, sum.bounds, sum.counts)
    },
    type: () => 'number',
    bytes: () => points.bytes() + used * 8 + points.length * 12,
  }
}

/**
 * @module query/agg-histogram
 * histogram_quantile(q) (LANGUAGE.md "histogram_quantile") over three kinds of rows:
 * - explicit-bucket histogram points (OTLP histograms, cumulative);
 * - Prometheus classic histogram buckets: sum or gauge points with an `le` attribute (the
 *   `_bucket` series a scrape or remote-write stores, one series per bound);
 * - exponential histogram points (OTLP exponential histograms, Prometheus native histograms).
 * Per series, each cumulative point adds its increase over the previous point of its series
 * (resets and first points as in agg-counter.ts); a gauge `le` series (a gauge histogram)
 * adds its last value instead. A group's increases are summed bucket by bucket (classic ones
 * by `le`), then its quantile is read (hist-quantile.ts) as Prometheus histogram_quantile
 * does. Classic buckets, so, answer as Prometheus's
 * `histogram_quantile(q, sum by (le, ...) (increase(x_bucket[range])))`.
 */
import { ATTR_PREFIX, METRIC_COLUMNS, METRIC_TYPE, type Batch, type Column } from '../storage/index.ts'
import type { CallNode } from './ast.ts'
import type { AggContext, Aggregator } from './agg.ts'
import { growTo } from './agg.ts'
import { SERIES_POINT_COLUMNS, SeriesPoints } from './agg-series.ts'
import { QueryError } from './errors.ts'
import { where } from './eval-context.ts'
import { addExp, emptyExp, expIncrease } from './hist-exponential.ts'
import { bucketQuantile, cumulativeQuantile, exponentialQuantile, type ExpBuckets } from './hist-quantile.ts'
import { toDoubles } from './i64.ts'

export { bucketQuantile } from './hist-quantile.ts'

/** The attribute column of a classic bucket's upper bound (Prometheus's `le` label). */
export const LE_COLUMN = `${ATTR_PREFIX}le`

/** The point columns histogram_quantile reads besides the labels. */
export const HISTOGRAM_COLUMNS: readonly string[] = [
  ...SERIES_POINT_COLUMNS,
  METRIC_COLUMNS.type,
  METRIC_COLUMNS.value,
  METRIC_COLUMNS.bucketCounts,
  METRIC_COLUMNS.explicitBounds,
  METRIC_COLUMNS.scale,
  METRIC_COLUMNS.zeroCount,
  METRIC_COLUMNS.zeroThreshold,
  METRIC_COLUMNS.positiveOffset,
  METRIC_COLUMNS.positiveBucketCounts,
  METRIC_COLUMNS.negativeOffset,
  METRIC_COLUMNS.negativeBucketCounts,
]

/** What a point holds: explicit buckets, one classic cumulative bucket (by `le`), exponential buckets. */
const EXPLICIT = 0
const CLASSIC = 1
const CLASSIC_GAUGE = 2
const EXPONENTIAL = 3

/** A group's sum: one kind of histogram only (the first one seen decides). */
interface GroupSum {
  explicit?: { counts: Float64Array; bounds: number[] }
  classic?: Map<number, number>
  exp?: ExpBuckets
}

function sameNumbers(a: readonly number[], b: Float64Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const has = (c: Column | undefined, row: number): boolean => c !== undefined && (c.present === undefined || c.present[row] === 1)

/** Prometheus parses `le` as a float: `+Inf`, `Inf`, `1e-3`, `0.5`. NaN when it is not one. */
export function parseLe(text: string): number {
  const t = text.trim().toLowerCase()
  if (t === '+inf' || t === 'inf') return Infinity
  if (t === '-inf') return -Infinity
  return t === '' ? NaN : Number(t)
}

/** The `le` of each distinct string of a column, parsed once. */
function leValues(column: Column | undefined, n: number): Float64Array | undefined {
  if (column === undefined) return undefined
  const out = new Float64Array(n).fill(NaN)
  if (column.kind === 'str') {
    const parsed = column.dict.map(parseLe)
    for (let i = 0; i < n; i++) if (has(column, i)) out[i] = parsed[column.codes[i]]
  } else if (column.kind === 'any') {
    for (let i = 0; i < n; i++) if (typeof column.values[i] === 'string') out[i] = parseLe(column.values[i] as string)
  }
  return out
}

function listOf(column: Column | undefined, row: number): Float64Array | undefined {
  if (column?.kind !== 'i64list' || !has(column, row)) return undefined
  return toDoubles(column.values.subarray(column.offsets[row], column.offsets[row + 1]))
}

function numberOf(column: Column | undefined, row: number): number {
  if (column === undefined || !has(column, row)) return 0
  if (column.kind === 'i64') return Number(column.values[row])
  return column.kind === 'i32' || column.kind === 'f64' || column.kind === 'u32' ? column.values[row] : 0
}

function expPoint(batch: Batch, row: number): ExpBuckets | undefined {
  const c = batch.columns
  const positive = listOf(c[METRIC_COLUMNS.positiveBucketCounts], row)
  const negative = listOf(c[METRIC_COLUMNS.negativeBucketCounts], row)
  if (positive === undefined && negative === undefined && !has(c[METRIC_COLUMNS.zeroCount], row)) return undefined
  const h = emptyExp(numberOf(c[METRIC_COLUMNS.scale], row), numberOf(c[METRIC_COLUMNS.zeroThreshold], row))
  h.zero = numberOf(c[METRIC_COLUMNS.zeroCount], row)
  const fill = (to: Map<number, number>, offset: number, counts: Float64Array | undefined) => {
    if (counts !== undefined) for (let i = 0; i < counts.length; i++) if (counts[i] !== 0) to.set(offset + i, counts[i])
  }
  fill(h.positive, numberOf(c[METRIC_COLUMNS.positiveOffset], row), positive)
  fill(h.negative, numberOf(c[METRIC_COLUMNS.negativeOffset], row), negative)
  return h
}

export function histogramQuantileAgg(call: CallNode, ctx: AggContext): Aggregator {
  const arg = call.args[0]
  if (call.args.length !== 1 || arg.kind !== 'Literal' || typeof arg.value !== 'number' || arg.value < 0 || arg.value > 1) {
    throw new QueryError('INVALID_ARGUMENT', 'cannot aggregate histogram_quantile: expected one quantile in [0, 1], like histogram_quantile(0.99)', where(ctx, call.at))
  }
  const q = arg.value
  const points = new SeriesPoints()
  let kind = new Uint8Array(0)
  let offsets = new Uint32Array(0)
  let widths = new Uint32Array(0)
  let counts = new Float64Array(0)
  let used = 0
  // Bounds are nearly always the same from point to point: each distinct list is kept once.
  const bounds: number[][] = []
  let boundsId = new Uint32Array(0)
  // Classic points: the bucket's cumulative count and its `le`.
  let scalar = new Float64Array(0)
  let le = new Float64Array(0)
  const exps: ExpBuckets[] = []
  let groupCount = 0
  let sums: GroupSum[] | undefined

  const sumOf = (out: GroupSum[], g: number, want: keyof GroupSum): GroupSum => {
    const sum = (out[g] ??= {})
    if (sum[want] === undefined && (sum.explicit !== undefined || sum.classic !== undefined || sum.exp !== undefined)) {
      throw new QueryError('INVALID_ARGUMENT', 'cannot merge histograms of different kinds (explicit-bucket, Prometheus classic `le` buckets, exponential) in one group; group by metric.name')
    }
    return sum
  }

  const addExplicit = (out: GroupSum[], k: number, prev: number) => {
    const b = bounds[boundsId[k]]
    const sum = sumOf(out, points.group[k], 'explicit')
    const into = (sum.explicit ??= { counts: new Float64Array(widths[k]), bounds: b })
    if (into.bounds !== b) {
      throw new QueryError('INVALID_ARGUMENT', `cannot merge histograms with different bucket bounds ([${into.bounds}] and [${b}]); group by metric and route`)
    }
    const at = offsets[k]
    const before = prev >= 0 && kind[prev] === EXPLICIT && widths[prev] === widths[k] ? offsets[prev] : -1
    let reset = before < 0
    for (let i = 0; i < widths[k] && !reset; i++) reset = counts[at + i] < counts[before + i]
    for (let i = 0; i < widths[k]; i++) into.counts[i] += counts[at + i] - (reset ? 0 : counts[before + i])
  }

  const addClassic = (out: GroupSum[], g: number, bound: number, increase: number) => {
    const into = (sumOf(out, g, 'classic').classic ??= new Map())
    into.set(bound, (into.get(bound) ?? 0) + increase)
  }

  const finish = () => {
    if (sums !== undefined) return sums
    const out: GroupSum[] = []
    // A gauge `le` series counts with its last point (points come in time order per series).
    const lastOfSeries = new Map<number, number>()
    points.walk(ctx.rangeStart, (k, prev) => {
      if (kind[k] === CLASSIC_GAUGE) {
        lastOfSeries.set(points.series[k], k)
        return
      }
      if (prev === -2) return
      const samePrev = prev >= 0 && kind[prev] === kind[k] ? prev : -1
      if (kind[k] === EXPLICIT) addExplicit(out, k, samePrev)
      else if (kind[k] === CLASSIC) {
        const v = scalar[k]
        addClassic(out, points.group[k], le[k], samePrev < 0 || v < scalar[samePrev] ? v : v - scalar[samePrev])
      } else {
        const sum = sumOf(out, points.group[k], 'exp')
        const increase = samePrev < 0 ? exps[k] : expIncrease(exps[samePrev], exps[k])
        sum.exp = addExp(sum.exp ?? emptyExp(increase.scale, increase.zeroThreshold), increase)
      }
    })
    for (const k of lastOfSeries.values()) addClassic(out, points.group[k], le[k], scalar[k])
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
      const types = batch.columns[METRIC_COLUMNS.type]
      const values = batch.columns[METRIC_COLUMNS.value]
      const les = leValues(batch.columns[LE_COLUMN], batch.length)
      const need = points.length + batch.length
      kind = growTo(kind, need)
      offsets = growTo(offsets, need)
      widths = growTo(widths, need)
      boundsId = growTo(boundsId, need)
      scalar = growTo(scalar, need)
      le = growTo(le, need)
      const bucketValues = buckets?.kind === 'i64list' ? toDoubles(buckets.values) : undefined
      const boundsList = boundsColumn?.kind === 'f64list' ? boundsColumn : undefined
      const explicit = bucketValues !== undefined && buckets!.kind === 'i64list' && boundsList !== undefined ? buckets : undefined
      points.add(batch, groups, (row, k) => {
        if (explicit !== undefined && (explicit.present === undefined || explicit.present[row] === 1)) {
          const from = explicit.offsets[row]
          const width = explicit.offsets[row + 1] - from
          counts = growTo(counts, used + width)
          counts.set(bucketValues!.subarray(from, from + width), used)
          kind[k] = EXPLICIT
          offsets[k] = used
          widths[k] = width
          used += width
          boundsId[k] = boundsIdOf(boundsList!.values.subarray(boundsList!.offsets[row], boundsList!.offsets[row + 1]))
          return true
        }
        const type = types?.kind === 'u32' && has(types, row) ? types.values[row] : 0
        if (type === METRIC_TYPE.exponentialHistogram) {
          const h = expPoint(batch, row)
          if (h === undefined) return false
          kind[k] = EXPONENTIAL
          exps[k] = h
          return true
        }
        if (les === undefined || Number.isNaN(les[row]) || values?.kind !== 'f64' || !has(values, row)) return false
        kind[k] = type === METRIC_TYPE.gauge ? CLASSIC_GAUGE : CLASSIC
        scalar[k] = values.values[row]
        le[k] = les[row]
        return true
      })
    },
    value(g) {
      const sum = g < groupCount ? finish()[g] : undefined
      if (sum?.explicit !== undefined) return bucketQuantile(q, sum.explicit.bounds, sum.explicit.counts)
      if (sum?.classic !== undefined) return cumulativeQuantile(q, sum.classic)
      if (sum?.exp !== undefined) return exponentialQuantile(q, sum.exp)
      return null
    },
    type: () => 'number',
    bytes: () => points.bytes() + used * 8 + points.length * 30 + exps.length * 64,
  }
}

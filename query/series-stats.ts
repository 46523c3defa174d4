/**
 * @module query/series-stats
 * `stats` of counter increases and rates, or of explicit-bucket histogram quantiles, by series
 * labels and at most one `bin(time, w)`: the shape of metric panels (LANGUAGE.md "increase",
 * "rate", "histogram_quantile"). The generic path (op-stats.ts with agg-counter.ts and
 * agg-histogram.ts) turns every row into a group number and copies every point before walking
 * the series; here the batches are kept as they come and, at the end, each series' points are
 * walked once in time order straight from the batch columns. Labels are constant along a run
 * of one series (storage keeps a series' points together: row-order.ts), so a series' label
 * keys are read once, and the bin of a point is recomputed only where time leaves the last
 * one. The answers are the generic path's to the bit: the same points, the same links between
 * them, summed in the same order (series by first appearance, then time).
 * Counters whose input can be read again are walked batch by batch as they come instead, each
 * series from where its last batch left it (Stream), so nothing is kept but per-series and
 * per-group state; that is exact while the values are whole numbers and the sums stay at most
 * 2^52 (any order of adding then gives the same sum). When they are not, or a series' points
 * arrive out of time order, the caller reads the input again and keeps the batches.
 * Anything else (another histogram kind, mixed bounds, a column of an unexpected kind) makes
 * `finish` or `add` return false, and the caller feeds the kept batches to the generic path.
 */
import { METRIC_COLUMNS, METRIC_TYPE, type Batch, type Column } from '../storage/index.ts'
import type { Expr, StatsNode } from './ast.ts'
import type { AggContext } from './agg.ts'
import { secondsOf } from './agg-counter.ts'
import { isLabelColumn, seriesRuns } from './agg-series.ts'
import { LE_COLUMN } from './agg-histogram.ts'
import { evalShared } from './eval-expr.ts'
import { resolveField } from './fields.ts'
import { keepValues } from './group-keys.ts'
import { bucketQuantile } from './hist-quantile.ts'
import { toDoubles } from './i64.ts'
import { BYTES_PER_GROUP, COUNTER_START_LOOKBACK_NS } from './limits.ts'
import { cell, type Scalar, type Vec } from './vec.ts'

/** A `by` item: a label (read once per series) or the time bin. */
type KeyPlan = { readonly label: Expr } | { readonly binWidth: bigint }

/**
 * The series-wise evaluation of `node`, or undefined when its shape is not one this handles:
 * raw metric rows; every aggregate increase(value) / rate(value), or every one
 * histogram_quantile(q); keys that are labels (attributes, metric.name) and at most one
 * bin(time, w). `stream`: counters are walked batch by batch as they come, not kept (Stream).
 */
export function seriesStats(node: StatsNode, ctx: AggContext, stream: boolean | 'summary' = false): SeriesStats | undefined {
  const scope = ctx.scope
  if (scope.signal !== 'metrics' || Object.keys(scope.aliases).length > 0 || Object.keys(scope.columns ?? {}).length > 0 || node.by.length === 0 || node.aggregates.length === 0) return undefined
  const column = (e: Expr): string | undefined => {
    if (e.kind !== 'Field') return undefined
    const ref = resolveField(e.path, scope)
    return ref.kind === 'column' ? ref.column : undefined
  }
  const keys: KeyPlan[] = []
  for (const { expr } of node.by) {
    if (expr.kind === 'Call' && expr.name === 'bin') {
      const [x, w] = expr.args
      if (expr.args.length !== 2 || column(x) !== METRIC_COLUMNS.timeUnixNano || w.kind !== 'Literal' || typeof w.value !== 'number' || !(w.value > 0)) return undefined
      if (keys.some((k) => 'binWidth' in k)) return undefined
      keys.push({ binWidth: BigInt(Math.round(w.value)) })
      continue
    }
    if (expr.kind !== 'Field') return undefined
    const ref = resolveField(expr.path, scope)
    const label = (ref.kind === 'attr' && ref.columns.every(isLabelColumn)) || (ref.kind === 'column' && ref.column === METRIC_COLUMNS.name)
    if (!label) return undefined
    keys.push({ label: expr })
  }
  const calls = node.aggregates.map((a) => a.expr)
  const counters = calls.every((c) => c.kind === 'Call' && (c.name === 'increase' || c.name === 'rate') && c.args.length === 1 && column(c.args[0]) === METRIC_COLUMNS.value)
  const quantiles = calls.map((c) => (c.kind === 'Call' && c.name === 'histogram_quantile' && c.args.length === 1 && c.args[0].kind === 'Literal' && typeof c.args[0].value === 'number' && c.args[0].value >= 0 && c.args[0].value <= 1 ? c.args[0].value : undefined))
  if (counters) {
    // A rate without a bin or a bounded range divides by each group's span of points: generic.
    const hasRate = calls.some((c) => c.kind === 'Call' && c.name === 'rate')
    if (hasRate && ctx.binWidthNs === undefined && (ctx.rangeStart === undefined || ctx.rangeEnd === undefined)) return undefined
    return new SeriesStats(keys, ctx, calls.map((c) => (c.kind === 'Call' && c.name === 'rate' ? 'rate' : 'increase')), stream)
  }
  if (quantiles.every((q) => q !== undefined)) return new SeriesStats(keys, ctx, quantiles as number[])
  return undefined
}

/** Per batch: its columns as the walk reads them, each i64 column as 32-bit halves. */
interface Columns {
  readonly timeLo?: Uint32Array
  readonly timeHi?: Int32Array
  readonly time?: Extract<Column, { kind: 'i64' }>
  readonly start?: Extract<Column, { kind: 'i64' }>
  readonly startWords?: Uint32Array
  readonly value?: Extract<Column, { kind: 'f64' }>
  readonly buckets?: Extract<Column, { kind: 'i64list' }>
  readonly bucketValues?: Float64Array
  readonly bounds?: Extract<Column, { kind: 'f64list' }>
}

/** Bucket counts as doubles, by the column's values (shared by every slice of a cached block). */
const bucketDoubles = new WeakMap<BigInt64Array, Float64Array>()

function doublesOf(values: BigInt64Array): Float64Array {
  let d = bucketDoubles.get(values)
  if (d === undefined) bucketDoubles.set(values, (d = toDoubles(values)))
  return d
}

const words = (a: BigInt64Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length * 2)
const present = (c: Column | undefined, row: number): boolean => c !== undefined && (c.present === undefined || c.present[row] === 1)

/** What one histogram group sums: its bounds and bucket increases. */
interface HistogramSum {
  bounds: Float64Array
  counts: Float64Array
}

export class SeriesStats {
  private readonly batches: Batch[] = []
  private readonly columns: Columns[] = []
  private held = 0
  /** Key values of each group, in `by` order, groups numbered by first appearance (as GroupKeys). */
  readonly values: Scalar[][] = []
  private counterSums?: Float64Array
  private histogramSums?: (HistogramSum | undefined)[]

  private readonly keys: readonly KeyPlan[]
  private readonly ctx: AggContext
  /** Per aggregate: 'increase' or 'rate' (counters), or its quantile (histograms). */
  private readonly what: readonly ('increase' | 'rate' | number)[]
  /** Walks counter batches as they come, keeping only each series' last point (Stream); else keeps them. */
  private readonly stream: Stream | undefined
  /** Whether a batch was walked and let go: then no kept batches can answer instead. */
  dropped = false
  /** Groups by their values' key, when partials are merged (`merge`). */
  private merged?: Map<string, number>

  // Groups as rows make them, in arrival order (numberBatch).
  private readonly labelKeys: readonly { label: Expr }[]
  private readonly bin: { binWidth: bigint } | undefined
  private readonly bins: Bins
  private readonly seriesIds = new SeriesIds()
  private readonly labelGroupIds: LabelGroupIds = { plain: new Map(), encoded: new Map() }
  private labelGroupOf = new Uint32Array(64)
  private readonly labelValues: Scalar[][] = []
  /** Group of (label group, bin): a table per label group, indexed by bin id (-1: none yet). */
  private readonly groupIds: Int32Array[] = []

  /**
   * `stream`: counters are walked as they come (Stream); 'summary' too, for one block's partial
   * (stats-cache.ts): then every started series' first point counts from zero (`partial` takes
   * the pieces' first points out, the merge links them with the query's range).
   */
  constructor(keys: readonly KeyPlan[], ctx: AggContext, what: readonly ('increase' | 'rate' | number)[], stream: boolean | 'summary' = false) {
    this.keys = keys
    this.ctx = ctx
    this.what = what
    this.labelKeys = keys.filter((k): k is { label: Expr } => 'label' in k)
    this.bin = keys.find((k): k is { binWidth: bigint } => 'binWidth' in k)
    this.bins = new Bins(this.bin?.binWidth)
    this.stream = stream !== false && !this.histogram ? new Stream(new CounterWalk(this.bins, this.groupOf, stream === 'summary' ? undefined : ctx.rangeStart, 0)) : undefined
  }

  private get histogram(): boolean {
    return typeof this.what[0] === 'number'
  }

  /** Whether batches are walked as they come (and let go) rather than kept to the end. */
  get streaming(): boolean {
    return this.stream !== undefined
  }

  get count(): number {
    return this.values.length
  }

  /**
   * Takes `batch`; false when its columns are not what the walk reads, or (streaming) when
   * its points cannot be walked as they come: a series' points before ones already walked,
   * values other than whole numbers in [0, 2^52] (`dropped` then tells whether the batches
   * before are gone, and the input must be read again).
   */
  add(batch: Batch): boolean {
    const c = batch.columns
    const time = c[METRIC_COLUMNS.timeUnixNano]
    const start = c[METRIC_COLUMNS.startTimeUnixNano]
    const value = c[METRIC_COLUMNS.value]
    if ((time !== undefined && time.kind !== 'i64') || (start !== undefined && start.kind !== 'i64')) return false
    const cols: Columns = {
      time,
      timeLo: time === undefined ? undefined : words(time.values),
      timeHi: time === undefined ? undefined : new Int32Array(time.values.buffer, time.values.byteOffset, time.values.length * 2),
      start,
      startWords: start === undefined ? undefined : words(start.values),
    }
    if (!this.histogram) {
      if (value !== undefined && value.kind !== 'f64') return false
      if (this.stream !== undefined) {
        const counter = { ...cols, value }
        const stream = this.stream
        stream.runs.length = 0
        stream.runs.segments = 0
        const shape = this.numberBatch(batch, counter, 0, stream.runs)
        if (!stream.walk(counter, shape, this.labelGroupOf, this.values.length)) return false
        this.dropped = true
        return true
      }
      this.columns.push({ ...cols, value })
    } else {
      const buckets = c[METRIC_COLUMNS.bucketCounts]
      const bounds = c[METRIC_COLUMNS.explicitBounds]
      const explicit = buckets?.kind === 'i64list' && bounds?.kind === 'f64list'
      // Classic `le` buckets and exponential histograms are the generic path's.
      if (c[LE_COLUMN] !== undefined) return false
      const type = c[METRIC_COLUMNS.type]
      if (type !== undefined && type.kind !== 'u32') return false
      if (type !== undefined) {
        for (let row = 0; row < batch.length; row++) {
          if (type.values[row] === METRIC_TYPE.exponentialHistogram && present(type, row) && present(time, row) && !(explicit && present(buckets, row))) return false
        }
      }
      this.columns.push(explicit ? { ...cols, buckets, bounds, bucketValues: doublesOf(buckets.values) } : cols)
    }
    this.batches.push(batch)
    for (const name in c) this.held += columnBytes(c[name], batch.length)
    return true
  }

  /** Bytes held: the kept batches' columns (often shared with the block cache), the groups and the series. */
  bytes(): number {
    return this.held + this.values.length * BYTES_PER_GROUP + (this.stream?.bytes() ?? 0)
  }

  /** The kept batches, for the generic path, and nothing kept any more. */
  release(): Batch[] {
    const out = this.batches.splice(0)
    this.columns.length = 0
    this.held = 0
    return out
  }

  /** The value of aggregate `k` for group `g`, after `finish`. */
  value(k: number, g: number): Scalar {
    const what = this.what[k]
    if (typeof what === 'number') {
      const sum = this.histogramSums?.[g]
      return sum === undefined ? null : bucketQuantile(what, Array.from(sum.bounds), sum.counts)
    }
    const increase = this.counterSums?.[g] ?? 0
    if (what === 'increase') return increase
    const seconds = secondsOf(this.ctx, () => {
      throw new Error('a series-wise rate needs a bin or a bounded range')
    }, g)
    return seconds > 0 ? increase / seconds : null
  }

  /** The group of (label group, bin id), numbered at its first row. */
  private readonly groupOf = (labelGroup: number, binId: number): number => {
    const groupIds = this.groupIds
    let table = groupIds[labelGroup]
    if (table === undefined || binId >= table.length) {
      const wider = new Int32Array(Math.max(16, 2 * binId + 2)).fill(-1)
      if (table !== undefined) wider.set(table)
      groupIds[labelGroup] = table = wider
    }
    let g = table[binId]
    if (g < 0) {
      g = table[binId] = this.values.length
      keepValues(this.values, g, keysInOrder(this.keys, this.labelValues[labelGroup], this.bins.starts[binId]))
    }
    return g
  }

  /**
   * Makes the group of every row of `batch` (columns `cols`), in row order, as GroupKeys numbers
   * them, and notes each run of one series in `runs` as from batch `b`: whether its times
   * ascend, its first and last time, its bins. Returns the block's shape.
   */
  private numberBatch(batch: Batch, cols: Columns, b: number, runs: Runs): BlockShape {
    const { seriesIds, bins, bin, groupOf } = this
    const n = batch.length
    const { rows, key } = seriesRuns(batch)
    const vecs = this.labelKeys.map((k) => evalShared(k.label, batch, this.ctx))
    const { timeLo, timeHi, time } = cols
    const tp = time?.present
    const shape = blockShape(rows, n, cols, !this.histogram)
    const shapes = shape.runs
    const segments = segmentsOf(shape, bin?.binWidth)
    // The query's bin id of each of the block's bins (-1: not looked up yet).
    const binIds = new Int32Array(segments?.starts.length ?? 0).fill(-1)
    runs.reserve(rows.length, segments === undefined ? 0 : segments.first[rows.length])
    for (let r = 0; r < rows.length; r++) {
      const from = rows[r]
      const to = r + 1 < rows.length ? rows[r + 1] : n
      const s = seriesIds.id(key[r])
      if (seriesIds.added) {
        if (s >= this.labelGroupOf.length) this.labelGroupOf = grown(this.labelGroupOf)
        this.labelGroupOf[s] = labelGroupIdOf(vecs, from, this.labelGroupIds, this.labelValues)
      }
      const lg = this.labelGroupOf[s]
      if (timeHi === undefined || tp !== undefined) {
        runs.add(b, from, to, s, ...groupRows(timeHi, timeLo, tp, time?.values, from, to, bins, lg, groupOf))
        continue
      }
      // Every row has a time: if they ascend, each bin's rows are found by binary search.
      if ((shapes[r] & SORTED) === 0) {
        runs.add(b, from, to, s, ...groupRows(timeHi, timeLo, tp, time!.values, from, to, bins, lg, groupOf))
        continue
      }
      // Each of the run's bins (its rows found once per block: segmentsOf) makes its group.
      const k0 = runs.segments
      for (let k = segments!.first[r], row = from; k < segments!.first[r + 1]; k++) {
        const local = segments!.bin[k]
        let id = binIds[local]
        if (id < 0) id = binIds[local] = bins.seek(timeHi[2 * row + 1], timeLo![2 * row], time!.values, row)
        runs.segment(segments!.end[k], id, groupOf(lg, id))
        row = segments!.end[k]
      }
      const firstHi = timeHi[2 * from + 1]
      const firstLo = timeLo![2 * from]
      const lastHi = timeHi[2 * to - 1]
      const lastLo = timeLo![2 * to - 2]
      runs.add(b, from, to, s, true, true, firstHi, firstLo, lastHi, lastLo, (shapes[r] & STEADY) !== 0 ? 2 * k0 + ((shapes[r] & RESETS) !== 0 ? 1 : 0) : -1)
    }
    return shape
  }

  /**
   * What the batches added so far leave, to be merged with others' (`merge`): the groups in
   * first-seen order, each group's increases but those of the pieces' first points, and each
   * series' pieces. Undefined when a sum passed 2^52 (it could have rounded).
   */
  partial(): SeriesPartial | undefined {
    const stream = this.stream!
    const sums = stream.walker.sums.slice(0, this.values.length)
    for (let g = 0; g < sums.length; g++) if (sums[g] > STEADY_MAX) return undefined
    const series = stream.pieces.map((pieces, s) => ({ key: this.seriesIds.byId[s], pieces: pieces.map((p) => copyPiece(p, p.headGroup)) }))
    for (const { pieces } of series) for (const p of pieces) sums[p.headGroup] -= p.added
    return { values: this.values, sums, series, bytes: this.values.length * BYTES_PER_GROUP + 8 * sums.length + stream.bytes() }
  }

  /**
   * Adds a partial (`partial` of another SeriesStats, in scan order) to this streaming one:
   * its groups numbered where the scan first meets them (`keyOf`: one string per group's
   * values), its sums added, its series' pieces placed among the ones before. False where a
   * stream would give up (Stream.walk).
   */
  merge(partial: SeriesPartial, keyOf: (row: readonly Scalar[]) => string): boolean {
    const stream = this.stream!
    const ids = (this.merged ??= new Map())
    // A kept partial comes back every refresh: its groups' keys are made once.
    const keys = (partial.keys ??= partial.values.map(keyOf))
    const global = partial.values.map((row, k) => {
      let g = ids.get(keys[k])
      if (g === undefined) {
        ids.set(keys[k], (g = this.values.length))
        keepValues(this.values, g, row)
      }
      return g
    })
    stream.grow(this.values.length)
    const sums = stream.walker.sums
    for (let g = 0; g < global.length; g++) sums[global[g]] += partial.sums[g]
    for (const { key, pieces } of partial.series) {
      const s = this.seriesIds.id(key)
      for (const p of pieces) if (!stream.place(s, copyPiece(p, global[p.headGroup]))) return false
    }
    this.dropped = true
    return true
  }

  /**
   * Groups every row and walks every series; false when the data needs the generic path
   * (histograms of one group with different bounds: its error), which then gets the batches,
   * or, streaming, when a group's increase passed 2^52 (walked in another order than the
   * generic path's, its sum could round otherwise): then the input must be read again.
   */
  finish(): boolean {
    if (this.stream !== undefined) {
      const sums = this.stream.walker.sums.slice(0, this.values.length)
      for (let g = 0; g < sums.length; g++) if (sums[g] > STEADY_MAX) return false
      this.counterSums = sums
      return true
    }
    const { batches, bins, groupOf } = this
    // Every row makes its group, in row order, as GroupKeys numbers them; each run of one
    // series is noted with whether its times ascend, and its first and last time.
    const runs = new Runs()
    const shapeOf: BlockShape[] = []
    for (let b = 0; b < batches.length; b++) shapeOf[b] = this.numberBatch(batches[b], this.columns[b], b, runs)
    const seriesIds = this.seriesIds
    const labelGroupOf = this.labelGroupOf
    const walk = this.histogram ? new HistogramWalk(bins, groupOf, this.ctx.rangeStart) : new CounterWalk(bins, groupOf, this.ctx.rangeStart, this.values.length)
    const bySeries = runs.bySeries(seriesIds.size)
    const pairs = new Points()
    for (let s = 0; s < seriesIds.size; s++) {
      walk.begin(labelGroupOf[s])
      const { runs: order, first } = bySeries
      if (runs.inOrder(order, first[s], first[s + 1])) {
        for (let k = first[s]; k < first[s + 1]; k++) {
          const r = order[k]
          const steady = runs.steady[r]
          const c = this.columns[runs.batch[r]]
          if (steady >= 0) (walk as CounterWalk).runSteady(c, runs.from[r], runs.to[r], runs, steady >>> 1, (steady & 1) === 1 ? shapeOf[runs.batch[r]].increases! : c.value!.values)
          else walk.run(this.columns[runs.batch[r]], runs.from[r], runs.to[r], true)
        }
      } else {
        // Arrived out of time order (parts written apart): sorted by time, ties by arrival.
        pairs.length = 0
        for (let k = first[s]; k < first[s + 1]; k++) {
          const r = order[k]
          walk.collect(this.columns[runs.batch[r]], runs.batch[r], runs.from[r], runs.to[r], pairs)
        }
        pairs.sortByTime((b) => this.columns[b])
        for (let k = 0; k < pairs.length; k++) walk.run(this.columns[pairs.batch[k]], pairs.row[k], pairs.row[k] + 1)
      }
      if (walk.failed) return false
    }
    if (walk instanceof CounterWalk) this.counterSums = walk.sums
    else this.histogramSums = walk.sums
    return true
  }
}

/**
 * Makes the group of every row of [from, to) in row order (rows without a time in the bin of
 * absent times); returns what Runs.add takes: whether the run has a timed row, whether its
 * times ascend, its first and last time as halves.
 */
function groupRows(timeHi: Int32Array | undefined, timeLo: Uint32Array | undefined, tp: Uint8Array | undefined, values: BigInt64Array | undefined, from: number, to: number, bins: Bins, lg: number, groupOf: (labelGroup: number, bin: number) => number): [boolean, boolean, number, number, number, number] {
  let last = -1
  let sorted = true
  let timed = false
  let firstHi = 0
  let firstLo = 0
  let lastHi = 0
  let lastLo = 0
  for (let row = from; row < to; row++) {
    let id: number
    if (timeHi === undefined || (tp !== undefined && tp[row] !== 1)) id = bins.absent()
    else {
      const hi = timeHi[2 * row + 1]
      const lo = timeLo![2 * row]
      if (!timed) {
        firstHi = hi
        firstLo = lo
      } else if (hi < lastHi || (hi === lastHi && lo < lastLo)) sorted = false
      timed = true
      lastHi = hi
      lastLo = lo
      id = bins.holds(hi, lo) ? bins.id : bins.seek(hi, lo, values!, row)
    }
    if (id !== last) groupOf(lg, id)
    last = id
  }
  return [timed, sorted, firstHi, firstLo, lastHi, lastLo]
}

/** Run shape bits (BlockShape.runs): every row has a time, and times ascend. */
const SORTED = 1
/**
 * SORTED, with every value present and an integer in [0, 2^52], and the run's points' increases
 * (each over the point before: its value, or its difference to the one before) summing to at
 * most 2^52. Then the increases of any stretch of the run sum, exactly, to the difference of
 * the running total of increases at its ends (integers below 2^53 add without rounding):
 * BlockShape.increases, or the values themselves for a run without a reset (RESETS clear).
 */
const STEADY = 2
/** STEADY, and some point of the run after its first resets (links as 'zero': Walk.link). */
const RESETS = 4
const STEADY_MAX = 2 ** 52
/** Every point of the run (time and value present) is a whole number in [0, 2^52] (counters; Stream walks only such runs). */
const WHOLE = 8

/**
 * The bins a block's SORTED runs have points in, for one bin width: run r's bins are
 * segments first[r] to first[r + 1], each ending (exclusive) at row end[k], in the block's
 * bin bin[k] (starting at starts[bin[k]]). Without a bin, a run is one segment.
 */
interface Segments {
  readonly first: Uint32Array
  readonly end: Uint32Array
  readonly bin: Uint32Array
  readonly starts: readonly (bigint | null)[]
}

/**
 * What the walk needs to know of a block's series runs that does not depend on the query:
 * each run's shape bits, and its bins for each bin width asked (segmentsOf). A block scanned
 * again (block cache) brings the same runs array (seriesRuns) and column memory, so these
 * passes over its points are made once per block, not once per query.
 */
interface BlockShape {
  /** The column memory it was made from (a block's, whole or viewed). */
  readonly of: readonly (ArrayBufferView | undefined)[]
  readonly rows: Uint32Array
  readonly n: number
  /** The time column, when every row has a time. */
  readonly time: BigInt64Array | undefined
  /** Shape bits of each run (SORTED, STEADY, RESETS, WHOLE). */
  readonly runs: Uint8Array
  /** For each row of a STEADY run with RESETS, the sum of the run's increases up to it. */
  readonly increases: Float64Array | undefined
  /** Segments by bin width (segmentsOf). */
  readonly bySize: Map<bigint | undefined, Segments | undefined>
}

/** The bins of the SORTED runs of `shape` for bins of `width` (undefined: no bin). */
function segmentsOf(shape: BlockShape, width: bigint | undefined): Segments | undefined {
  if (shape.bySize.has(width)) return shape.bySize.get(width)
  const { rows, n, time, runs } = shape
  let segments: Segments | undefined
  if (time !== undefined) {
    const first = new Uint32Array(rows.length + 1)
    const end: number[] = []
    const bin: number[] = []
    const starts: (bigint | null)[] = []
    const local = new Map<bigint | null, number>()
    for (let r = 0; r < rows.length; r++) {
      first[r] = end.length
      if ((runs[r] & SORTED) === 0) continue
      const to = r + 1 < rows.length ? rows[r + 1] : n
      for (let row = rows[r]; row < to; ) {
        let start: bigint | null = null
        let next = to
        if (width !== undefined) {
          const t = time[row]
          const m = t % width
          start = t - (m < 0n ? m + width : m)
          // The first row past the bin (times ascend).
          const past = start + width
          let a = row + 1
          next = to
          while (a < next) {
            const mid = (a + next) >>> 1
            if (time[mid] < past) a = mid + 1
            else next = mid
          }
        }
        let id = local.get(start)
        if (id === undefined) {
          local.set(start, (id = starts.length))
          starts.push(start)
        }
        end.push(next)
        bin.push(id)
        row = next
      }
    }
    first[rows.length] = end.length
    segments = { first, end: Uint32Array.from(end), bin: Uint32Array.from(bin), starts }
  }
  shape.bySize.set(width, segments)
  return segments
}

/** Block shapes, by their runs' first rows (seriesRuns: one array per block view). */
const shapeOfBlock = new WeakMap<Uint32Array, BlockShape>()

/** The shape of the runs `rows` (first rows of the series runs of a batch of `n` rows). */
function blockShape(rows: Uint32Array, n: number, c: Columns, counters: boolean): BlockShape {
  const of = [c.time?.values, c.time?.present, c.value?.values, c.value?.present, c.start?.values, c.start?.present]
  const known = shapeOfBlock.get(rows)
  if (known !== undefined && known.of.every((v, k) => sameView(v, of[k]))) return known
  const shapes = new Uint8Array(rows.length)
  let increases: Float64Array | undefined
  const { timeHi, timeLo, time, value, startWords, start } = c
  const dense = timeHi !== undefined && timeLo !== undefined && time?.present === undefined
  if (dense) {
    const values = counters ? value?.values : undefined
    const vp = value?.present
    const sp = start?.present
    for (let r = 0; r < rows.length; r++) {
      const from = rows[r]
      const to = r + 1 < rows.length ? rows[r + 1] : n
      let sorted = true
      for (let row = from + 1; row < to && sorted; row++) {
        const hi = timeHi[2 * row + 1]
        const before = timeHi[2 * row - 1]
        sorted = hi > before || (hi === before && timeLo[2 * row] >= timeLo[2 * row - 2])
      }
      if (!sorted) continue
      shapes[r] = SORTED
      if (values === undefined) continue
      const shape = steadyShape(values, vp, startWords, sp, from, to)
      shapes[r] |= shape
      if ((shape & RESETS) !== 0) runningIncreases(values, startWords, sp, from, to, (increases ??= new Float64Array(n)))
    }
  }
  if (counters) {
    for (let r = 0; r < rows.length; r++) if (wholeNumbers(c, rows[r], r + 1 < rows.length ? rows[r + 1] : n)) shapes[r] |= WHOLE
  }
  const shape: BlockShape = { of, rows, n, time: dense ? time!.values : undefined, runs: shapes, increases, bySize: new Map() }
  shapeOfBlock.set(rows, shape)
  return shape
}

/** True when the point at `row` resets its series (Walk.link 'zero', or a value below the one before). */
function resets(values: Float64Array, startWords: Uint32Array | undefined, sp: Uint8Array | undefined, row: number): boolean {
  if (values[row] < values[row - 1]) return true
  if (startWords === undefined) return false
  const here = sp === undefined || sp[row] === 1
  const lo = here ? startWords[2 * row] : 0
  const hi = here ? startWords[2 * row + 1] : 0
  const was = sp === undefined || sp[row - 1] === 1
  return (lo !== 0 || hi !== 0) && (lo !== (was ? startWords[2 * row - 2] : 0) || hi !== (was ? startWords[2 * row - 1] : 0))
}

/** STEADY, with RESETS when it has any, or 0: the shape of the SORTED counter run [from, to). */
function steadyShape(values: Float64Array, vp: Uint8Array | undefined, startWords: Uint32Array | undefined, sp: Uint8Array | undefined, from: number, to: number): number {
  if (vp !== undefined) for (let row = from; row < to; row++) if (vp[row] !== 1) return 0
  if (!(Number.isInteger(values[from]) && values[from] >= 0 && values[from] <= STEADY_MAX)) return 0
  let total = 0
  let shape = STEADY
  for (let row = from + 1; row < to; row++) {
    const v = values[row]
    if (!(Number.isInteger(v) && v >= 0 && v <= STEADY_MAX)) return 0
    if (resets(values, startWords, sp, row)) {
      shape = STEADY | RESETS
      total += v
    } else total += v - values[row - 1]
    if (total > STEADY_MAX) return 0
  }
  return shape
}

/** Fills into[from, to) with the running sum of the increases of the STEADY run [from, to). */
function runningIncreases(values: Float64Array, startWords: Uint32Array | undefined, sp: Uint8Array | undefined, from: number, to: number, into: Float64Array): void {
  let total = 0
  into[from] = 0
  for (let row = from + 1; row < to; row++) {
    total += resets(values, startWords, sp, row) ? values[row] : values[row] - values[row - 1]
    into[row] = total
  }
}

function sameView(a: ArrayBufferView | undefined, b: ArrayBufferView | undefined): boolean {
  if (a === b) return true
  return a !== undefined && b !== undefined && a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.byteLength === b.byteLength
}

/**
 * Series numbers by first appearance, keyed by the 53-bit series keys of seriesRuns: an
 * open-addressing table over typed arrays (a Map of doubles costs a boxed number a lookup).
 */
class SeriesIds {
  size = 0
  /** Whether the last `id` gave a new number. */
  added = false
  /** The key of each series number. */
  readonly byId: number[] = []
  private keys = new Float64Array(1024)
  private ids = new Int32Array(1024).fill(-1)

  id(key: number): number {
    let mask = this.ids.length - 1
    let at = slotOf(key) & mask
    while (this.ids[at] >= 0) {
      if (this.keys[at] === key) {
        this.added = false
        return this.ids[at]
      }
      at = (at + 1) & mask
    }
    if (2 * (this.size + 1) > this.ids.length) {
      // Grow before half full: rehash into twice the room.
      const keys = this.keys
      const ids = this.ids
      this.keys = new Float64Array(2 * keys.length)
      this.ids = new Int32Array(2 * ids.length).fill(-1)
      mask = this.ids.length - 1
      for (let j = 0; j < ids.length; j++) {
        if (ids[j] < 0) continue
        let to = slotOf(keys[j]) & mask
        while (this.ids[to] >= 0) to = (to + 1) & mask
        this.keys[to] = keys[j]
        this.ids[to] = ids[j]
      }
      at = slotOf(key) & mask
      while (this.ids[at] >= 0) at = (at + 1) & mask
    }
    this.keys[at] = key
    this.ids[at] = this.size
    this.added = true
    this.byId.push(key)
    return this.size++
  }
}

/** A well-mixed slot number of a series key (an integer below 2^53). */
function slotOf(key: number): number {
  return Math.imul((key >>> 0) ^ Math.floor(key / 4294967296), 0x9e3779b1) >>> 7
}

/** The `by` values of a group: label values in their places, the bin start in its own. */
function keysInOrder(keys: readonly KeyPlan[], labels: readonly Scalar[], binStart: bigint | null): Scalar[] {
  let k = 0
  return keys.map((key) => ('label' in key ? labels[k++] : binStart))
}

/** The label group of the row `row` (its label keys' values), numbered by first appearance. */
function labelGroupIdOf(vecs: readonly Vec[], row: number, ids: LabelGroupIds, values: Scalar[][]): number {
  // One string label (the usual) is its own key; else typed, so that 1, "1" and 1n stay apart.
  const one = vecs.length === 1 ? cell(vecs[0], row) : undefined
  if (typeof one === 'string') {
    let id = ids.plain.get(one)
    if (id === undefined) {
      ids.plain.set(one, (id = values.length))
      values.push([one])
    }
    return id
  }
  const cells = vecs.map((v) => cell(v, row))
  const key = JSON.stringify(cells.map((c) => (c === null || c === undefined ? null : [typeof c, typeof c === 'object' ? JSON.stringify(c) : String(c)])))
  let id = ids.encoded.get(key)
  if (id === undefined) {
    ids.encoded.set(key, (id = values.length))
    values.push(cells)
  }
  return id
}

/** Label groups by their one string label, or by their encoded labels. */
interface LabelGroupIds {
  readonly plain: Map<string, number>
  readonly encoded: Map<string, number>
}

function widened(a: Int32Array): Int32Array<ArrayBuffer> {
  const out = new Int32Array(a.length * 2)
  out.set(a)
  return out
}

function grown(a: Uint32Array): Uint32Array<ArrayBuffer> {
  const out = new Uint32Array(a.length * 2)
  out.set(a)
  return out
}

/** A rough size of a column's arrays over `n` rows, for the memory budget. */
function columnBytes(c: Column, n: number): number {
  switch (c.kind) {
    case 'str':
      return 4 * n
    case 'i64list':
    case 'f64list':
      return 4 * n + 8 * (c.offsets[c.offsets.length - 1] - c.offsets[0])
    case 'bytes':
      return c.width * n
    case 'bool':
      return n
    case 'any':
      return 16 * n
    default:
      return c.values.BYTES_PER_ELEMENT * n
  }
}

/**
 * Bin ids of point times. The bins seen so far are kept sorted by start (as 32-bit halves),
 * so a time that leaves the current bin finds its bin by binary search, and only a time in a
 * bin not seen yet costs BigInt arithmetic. Ids are dense, the bin of an absent time (null)
 * included; without a bin every time is in bin 0.
 */
class Bins {
  /** The start of each bin id (null: absent time). */
  readonly starts: (bigint | null)[] = []
  /** The current bin's id (-1: none yet) and bounds [lo, hi) as 32-bit halves. */
  id = -1
  private loHi = 0
  private loLo = 0
  private hiHi = -1
  private hiLo = 0
  private readonly width: bigint | undefined
  private absentId = -1
  /** Bins seen, by start: their bounds' halves and ids. */
  private known: { loHi: number; loLo: number; hiHi: number; hiLo: number; id: number }[] = []
  private readonly scratch = new BigInt64Array(2)
  private readonly scratchWords = new Uint32Array(this.scratch.buffer)

  constructor(width: bigint | undefined) {
    this.width = width
  }

  absent(): number {
    if (this.absentId < 0) {
      this.absentId = this.starts.length
      this.starts.push(this.width === undefined ? 0n : null)
      // Without a bin, absent and present times share bin 0.
      if (this.width === undefined) this.setBin(-Infinity, 0, Infinity, 0, this.absentId)
    }
    return this.absentId
  }

  /** True when the time with halves (hi, lo) lies in the current bin. */
  holds(hi: number, lo: number): boolean {
    return (hi > this.loHi || (hi === this.loHi && lo >= this.loLo)) && (hi < this.hiHi || (hi === this.hiHi && lo < this.hiLo))
  }

  private setBin(loHi: number, loLo: number, hiHi: number, hiLo: number, id: number): number {
    this.loHi = loHi
    this.loLo = loLo
    this.hiHi = hiHi
    this.hiLo = hiLo
    return (this.id = id)
  }

  /** The first row of [from, to) (times ascending) past the current bin; `to` when none. */
  end(timeHi: Int32Array, timeLo: Uint32Array, from: number, to: number): number {
    let a = from
    let b = to
    while (a < b) {
      const m = (a + b) >>> 1
      const hi = timeHi[2 * m + 1]
      if (hi < this.hiHi || (hi === this.hiHi && timeLo[2 * m] < this.hiLo)) a = m + 1
      else b = m
    }
    return a
  }

  /** Makes the bin of values[row] (halves hi, lo) current; its id. */
  seek(hi: number, lo: number, values: BigInt64Array, row: number): number {
    if (this.width === undefined) return this.id >= 0 ? this.id : this.absent()
    const known = this.known
    // The last known bin starting at or before the time.
    let a = 0
    let b = known.length
    while (a < b) {
      const m = (a + b) >>> 1
      const k = known[m]
      if (k.loHi < hi || (k.loHi === hi && k.loLo <= lo)) a = m + 1
      else b = m
    }
    const k = known[a - 1]
    if (k !== undefined && (hi < k.hiHi || (hi === k.hiHi && lo < k.hiLo))) return this.setBin(k.loHi, k.loLo, k.hiHi, k.hiLo, k.id)
    const w = this.width
    const t = values[row]
    const r = t % w
    const start = t - (r < 0n ? r + w : r)
    this.scratch[0] = start
    this.scratch[1] = start + w
    const s = this.scratchWords
    const bin = { loHi: s[1] | 0, loLo: s[0], hiHi: s[3] | 0, hiLo: s[2], id: this.starts.length }
    this.starts.push(start)
    known.splice(a, 0, bin)
    return this.setBin(bin.loHi, bin.loLo, bin.hiHi, bin.hiLo, bin.id)
  }
}

/** Runs of rows of one series: where, which series, and their times' order and extent. */
class Runs {
  length = 0
  batch = new Int32Array(256)
  from = new Int32Array(256)
  to = new Int32Array(256)
  series = new Int32Array(256)
  /** 1 when the run has a timed row and its times ascend, 0 when they do not; 2 when it has none. */
  kind = new Int32Array(256)
  firstHi = new Int32Array(256)
  firstLo = new Uint32Array(256)
  lastHi = new Int32Array(256)
  lastLo = new Uint32Array(256)
  /**
   * For a STEADY run (BlockShape) walked by CounterWalk.runSteady, twice its first segment,
   * plus 1 when it has RESETS (it walks BlockShape.increases, not the values); else -1.
   */
  steady = new Int32Array(256)
  /** Segments of SORTED runs, one per bin a run has points in: end row, bin id and group. */
  segments = 0
  segmentEnd = new Int32Array(1024)
  segmentBin = new Int32Array(1024)
  segmentGroup = new Int32Array(1024)

  private grow(): void {
    this.batch = widened(this.batch)
    this.from = widened(this.from)
    this.to = widened(this.to)
    this.series = widened(this.series)
    this.kind = widened(this.kind)
    this.firstHi = widened(this.firstHi)
    this.firstLo = grown(this.firstLo)
    this.lastHi = widened(this.lastHi)
    this.lastLo = grown(this.lastLo)
    this.steady = widened(this.steady)
  }

  /** Makes room for `runs` more runs and `segments` more segments. */
  reserve(runs: number, segments: number): void {
    while (this.length + runs > this.batch.length) this.grow()
    while (this.segments + segments > this.segmentEnd.length) {
      this.segmentEnd = widened(this.segmentEnd)
      this.segmentBin = widened(this.segmentBin)
      this.segmentGroup = widened(this.segmentGroup)
    }
  }

  segment(end: number, bin: number, group: number): void {
    const k = this.segments++
    if (k === this.segmentEnd.length) {
      this.segmentEnd = widened(this.segmentEnd)
      this.segmentBin = widened(this.segmentBin)
      this.segmentGroup = widened(this.segmentGroup)
    }
    this.segmentEnd[k] = end
    this.segmentBin[k] = bin
    this.segmentGroup[k] = group
  }

  add(b: number, from: number, to: number, s: number, timed: boolean, sorted: boolean, firstHi: number, firstLo: number, lastHi: number, lastLo: number, steady = -1): void {
    const r = this.length++
    if (r === this.batch.length) this.grow()
    this.steady[r] = steady
    this.batch[r] = b
    this.from[r] = from
    this.to[r] = to
    this.series[r] = s
    this.kind[r] = !timed ? 2 : sorted ? 1 : 0
    this.firstHi[r] = firstHi
    this.firstLo[r] = firstLo
    this.lastHi[r] = lastHi
    this.lastLo[r] = lastLo
  }

  /** Run numbers grouped by series (a counting sort: arrival order within a series). */
  bySeries(count: number): { runs: Uint32Array; first: Uint32Array } {
    const first = new Uint32Array(count + 1)
    for (let r = 0; r < this.length; r++) first[this.series[r] + 1]++
    for (let s = 0; s < count; s++) first[s + 1] += first[s]
    const fill = first.slice(0, count)
    const runs = new Uint32Array(this.length)
    for (let r = 0; r < this.length; r++) runs[fill[this.series[r]]++] = r
    return { runs, first }
  }

  /** True when the timed rows of runs[from, to), one after the other, ascend in time. */
  inOrder(runs: Uint32Array, from: number, to: number): boolean {
    let hi = -Infinity
    let lo = 0
    for (let k = from; k < to; k++) {
      const r = runs[k]
      if (this.kind[r] === 2) continue
      if (this.kind[r] === 0 || this.firstHi[r] < hi || (this.firstHi[r] === hi && this.firstLo[r] < lo)) return false
      hi = this.lastHi[r]
      lo = this.lastLo[r]
    }
    return true
  }
}

/**
 * A stretch of one series' points walked together (Stream): the times of its first and last
 * point; its first point (value, start time halves, whether that start is within the lookback,
 * its group) and what that point's link added to its group; the state its last point leaves
 * (Walk: value and start time halves), which the next piece's first point links to.
 */
interface Piece {
  fromHi: number
  fromLo: number
  toHi: number
  toLo: number
  headValue: number
  headLo: number
  headHi: number
  headRecent: boolean
  headGroup: number
  added: number
  value: number
  lo: number
  hi: number
}

/** What a counter walk over some batches leaves to merge (SeriesStats.partial, SeriesStats.merge). */
export interface SeriesPartial {
  /** Groups' key values, in first-seen order. */
  readonly values: readonly Scalar[][]
  /** Each group's increases, but those of the pieces' first points. */
  readonly sums: Float64Array
  /** Each series' key (seriesRuns) and pieces, whose headGroup numbers a group of `values`. */
  readonly series: readonly { readonly key: number; readonly pieces: readonly Piece[] }[]
  readonly bytes: number
  /** One string per group's values (SeriesStats.merge's `keyOf`), made at the first merge. */
  keys?: readonly string[]
}

/** A copy of `p` whose first point is in group `headGroup`. */
function copyPiece(p: Piece, headGroup: number): Piece {
  const { fromHi, fromLo, toHi, toLo, headValue, headLo, headHi, headRecent, added, value, lo, hi } = p
  return { fromHi, fromLo, toHi, toLo, headValue, headLo, headHi, headRecent, headGroup, added, value, lo, hi }
}

/**
 * Counter series walked batch by batch as the batches come (SeriesStats streaming), keeping per
 * series only its pieces (Piece: stretches of points in time order, usually one, a few when
 * parts or the head bring a series out of time order), not its points: memory grows with
 * series and groups. Increases that are whole numbers in [0, 2^52], summing to at most 2^52 per
 * group, add (and are taken back) exactly in any order, so adding each series' points as they
 * arrive gives the series-by-series walk's sums to the bit. A run of points arriving before the
 * last piece goes into the gap between two pieces, its first point linked to the piece before
 * and the next piece's first point linked again to it (what it added taken back). A run that
 * falls inside a piece (points interleaved with ones walked), or values other than such whole
 * numbers, stop it (walk returns false).
 */
class Stream {
  readonly walker: CounterWalk
  /** The runs of the batch being walked (SeriesStats.numberBatch). */
  readonly runs = new Runs()
  private readonly pairs = new Points()
  /** Per series, its pieces in time order. */
  readonly pieces: Piece[][] = []
  private count = 0

  /** The lookback's start (Walk.earliest) as 32-bit halves, high one signed; none: every start is recent. */
  private readonly earliestHi: number | undefined
  private readonly earliestLo: number

  constructor(walker: CounterWalk) {
    this.walker = walker
    const halves = new Int32Array(BigInt64Array.of(walker.earliest ?? 0n).buffer)
    this.earliestHi = walker.earliest === undefined ? undefined : halves[1]
    this.earliestLo = halves[0] >>> 0
  }

  bytes(): number {
    return this.pieces.length * 16 + this.count * 120 + this.walker.sums.length * 8
  }

  /**
   * Walks the runs of one batch (columns `c`, shape `shape`, runs `this.runs`) in row order,
   * each after its series' points walked before; `groups`: the groups there are now.
   */
  walk(c: Columns, shape: BlockShape, labelGroupOf: Uint32Array, groups: number): boolean {
    const { runs, walker, pairs } = this
    this.grow(groups)
    const { time, value, timeHi, timeLo } = c
    if (time === undefined || value === undefined) return true
    const tp = time.present
    const vp = value.present
    const point = (row: number): boolean => (tp === undefined || tp[row] === 1) && (vp === undefined || vp[row] === 1)
    for (let r = 0; r < runs.length; r++) {
      const kind = runs.kind[r]
      if (kind === 2) continue
      const from = runs.from[r]
      const to = runs.to[r]
      const steady = runs.steady[r]
      if ((shape.runs[r] & WHOLE) === 0) return false
      // The run's first and last point in time order (rows with a time but no value link nothing).
      let head = -1
      let last = -1
      if (steady >= 0) {
        // Every row a point, in time order.
        head = from
        last = to - 1
      } else if (kind === 1) {
        for (let row = from; row < to && head < 0; row++) if (point(row)) head = row
        for (let row = to - 1; row >= from && last < 0; row--) if (point(row)) last = row
      } else {
        // Rows out of time order within the run: its points sorted by time, ties by arrival.
        pairs.length = 0
        walker.collect(c, 0, from, to, pairs)
        pairs.sortByTime(() => c)
        if (pairs.length > 0) {
          head = pairs.row[0]
          last = pairs.row[pairs.length - 1]
        }
      }
      if (head < 0) continue
      const headHi = timeHi![2 * head + 1]
      const headLo = timeLo![2 * head]
      const lastHi = timeHi![2 * last + 1]
      const lastLo = timeLo![2 * last]
      const s = runs.series[r]
      const pieces = (this.pieces[s] ??= [])
      // The gap it goes in: after piece j - 1 (ties after it: it arrived later), before piece j.
      let j = pieces.length
      while (j > 0 && before(headHi, headLo, pieces[j - 1].toHi, pieces[j - 1].toLo)) j--
      const prev = j > 0 ? pieces[j - 1] : undefined
      const next = j < pieces.length ? pieces[j] : undefined
      if (next !== undefined && !before(lastHi, lastLo, next.fromHi, next.fromLo)) return false
      walker.begin(labelGroupOf[s])
      walker.first = prev === undefined
      walker.prevValue = prev?.value ?? 0
      walker.prevLo = prev?.lo ?? 0
      walker.prevHi = prev?.hi ?? 0
      // A run joining the piece before needs no first point of its own.
      const first = prev === undefined ? this.pieceAt(c, head, headHi, headLo, lastHi, lastLo) : undefined
      walker.lastBin = -1
      if (steady >= 0) walker.runSteady(c, from, to, runs, steady >>> 1, (steady & 1) === 1 ? shape.increases! : value.values)
      else if (kind === 1) walker.run(c, from, to, true)
      else for (let k = 0; k < pairs.length; k++) walker.run(c, pairs.row[k], pairs.row[k] + 1)
      let tail: Piece
      if (prev !== undefined) {
        // Joined to the piece before: a later run inside the stretch it spans is out of order.
        tail = prev
        tail.toHi = lastHi
        tail.toLo = lastLo
      } else {
        tail = first!
        pieces.splice(j, 0, tail)
        this.count++
      }
      tail.value = walker.prevValue
      tail.lo = walker.prevLo
      tail.hi = walker.prevHi
      // The next piece's first point now links to this run's last.
      if (next !== undefined && !this.relink(next, tail)) return false
    }
    return true
  }

  /** Makes room for the sums of `groups` groups. */
  grow(groups: number): void {
    const walker = this.walker
    if (walker.sums.length >= groups) return
    const sums = new Float64Array(Math.max(groups, 2 * walker.sums.length))
    sums.set(walker.sums)
    walker.sums = sums
  }

  /**
   * Places a piece of series `s` walked elsewhere (a partial's, SeriesStats.merge) as walk
   * places a run: its first point linked to the piece before (the query's lookback judging a
   * series' first), the piece after linked again to its last. False where walk gives up.
   */
  place(s: number, piece: Piece): boolean {
    const pieces = (this.pieces[s] ??= [])
    let j = pieces.length
    while (j > 0 && before(piece.fromHi, piece.fromLo, pieces[j - 1].toHi, pieces[j - 1].toLo)) j--
    const prev = j > 0 ? pieces[j - 1] : undefined
    const next = j < pieces.length ? pieces[j] : undefined
    if (next !== undefined && !before(piece.toHi, piece.toLo, next.fromHi, next.fromLo)) return false
    piece.headRecent = this.recent(piece.headLo, piece.headHi)
    const added = linked(prev, piece.headValue, piece.headLo, piece.headHi, piece.headRecent)
    this.walker.sums[piece.headGroup] += added
    let tail = piece
    if (prev !== undefined) {
      tail = prev
      tail.toHi = piece.toHi
      tail.toLo = piece.toLo
      tail.value = piece.value
      tail.lo = piece.lo
      tail.hi = piece.hi
    } else {
      piece.added = added
      pieces.splice(j, 0, piece)
      this.count++
    }
    return next === undefined || this.relink(next, tail)
  }

  /** True when a start time (halves lo, hi) is not before the lookback's start (Walk.link's 'zero' for a first point). */
  private recent(lo: number, hi: number): boolean {
    const eHi = this.earliestHi
    return (lo !== 0 || hi !== 0) && (eHi === undefined || (hi | 0) > eHi || ((hi | 0) === eHi && lo >= this.earliestLo))
  }

  /**
   * A piece of the points from `row` (time halves fromHi, fromLo) to the time (toHi, toLo), the
   * series' earliest so far: its first point, and what that adds as the series' first point.
   */
  private pieceAt(c: Columns, row: number, fromHi: number, fromLo: number, toHi: number, toLo: number): Piece {
    const { startWords, start, value } = c
    const walker = this.walker
    const has = startWords !== undefined && (start!.present === undefined || start!.present[row] === 1)
    const headLo = has ? startWords[2 * row] : 0
    const headHi = has ? startWords[2 * row + 1] : 0
    const headRecent = this.recent(headLo, headHi)
    const headValue = value!.values[row]
    const headGroup = walker.groupAt(c, fromHi, fromLo, row)
    const added = linked(undefined, headValue, headLo, headHi, headRecent)
    return { fromHi, fromLo, toHi, toLo, headValue, headLo, headHi, headRecent, headGroup, added, value: 0, lo: 0, hi: 0 }
  }

  /** Links `piece`'s first point to `prev`'s last instead: takes back what it added, adds the new link's increase. */
  private relink(piece: Piece, prev: Piece): boolean {
    const sums = this.walker.sums
    const g = piece.headGroup
    // Exact while the group's sum, only grown since it was last taken from, is at most 2^52.
    if (!(sums[g] <= STEADY_MAX)) return false
    const added = linked(prev, piece.headValue, piece.headLo, piece.headHi, piece.headRecent)
    sums[g] = sums[g] - piece.added + added
    piece.added = added
    return true
  }
}

/** True when time (hi, lo) is before time (toHi, toLo). */
function before(hi: number, lo: number, toHi: number, toLo: number): boolean {
  return hi < toHi || (hi === toHi && lo < toLo)
}

/**
 * The increase a point (value, start time halves lo/hi, start within the lookback: recent) adds
 * after `prev`'s last point, as CounterWalk.run takes it (Walk.link); with no `prev`, as a
 * series' first point ('zero' or 'base').
 */
function linked(prev: Pick<Piece, 'value' | 'lo' | 'hi'> | undefined, v: number, lo: number, hi: number, recent: boolean): number {
  const started = lo !== 0 || hi !== 0
  if (prev === undefined) return started && recent ? v : 0
  return (started && (lo !== prev.lo || hi !== prev.hi)) || v < prev.value ? v : v - prev.value
}

/** True when every point among rows [from, to) (time and value present) is a whole number in [0, 2^52]. */
function wholeNumbers(c: Columns, from: number, to: number): boolean {
  const { time, value } = c
  if (time === undefined || value === undefined) return true
  const tp = time.present
  const vp = value.present
  const values = value.values
  for (let row = from; row < to; row++) {
    if ((tp !== undefined && tp[row] !== 1) || (vp !== undefined && vp[row] !== 1)) continue
    const v = values[row]
    if (!(Number.isInteger(v) && v >= 0 && v <= STEADY_MAX)) return false
  }
  return true
}

/** Points of one series to sort by time: batch and row, in arrival order. */
class Points {
  batch = new Uint32Array(1024)
  row = new Uint32Array(1024)
  length = 0

  push(b: number, row: number): void {
    if (this.length === this.row.length) {
      this.batch = grown(this.batch)
      this.row = grown(this.row)
    }
    this.batch[this.length] = b
    this.row[this.length++] = row
  }

  /** Stable sort by time (ties keep arrival order, as the generic path's merge). */
  sortByTime(columnsOf: (b: number) => Columns): void {
    const keys = Array.from({ length: this.length }, (_, k) => {
      const c = columnsOf(this.batch[k])
      const row = this.row[k]
      return { b: this.batch[k], row, hi: c.timeHi![2 * row + 1], lo: c.timeLo![2 * row], k }
    })
    keys.sort((x, y) => x.hi - y.hi || x.lo - y.lo || x.k - y.k)
    keys.forEach((p, k) => {
      this.batch[k] = p.b
      this.row[k] = p.row
    })
  }
}

/**
 * One series at a time, its points in time order: `begin`, then `run` over runs of rows (a
 * single point is a run of one row). The group of a point is its series' label group and its
 * bin; how a point links to the one before is agg-series.ts links': 'zero' counts from zero
 * (a first point whose series started within the lookback, or a new start time), 'base' only
 * sets the baseline (a first point of a series that started long before), 'prev' takes the
 * increase over the previous point.
 */
abstract class Walk {
  failed = false
  lg = 0
  g = 0
  lastBin = -1
  first = true
  /** Start time halves of the previous point (0, 0: none). */
  prevLo = 0
  prevHi = 0
  readonly bins: Bins
  readonly groupOf: (labelGroup: number, bin: number) => number
  readonly earliest: bigint | undefined

  constructor(bins: Bins, groupOf: (labelGroup: number, bin: number) => number, rangeStart: bigint | undefined) {
    this.bins = bins
    this.groupOf = groupOf
    this.earliest = rangeStart === undefined ? undefined : rangeStart - COUNTER_START_LOOKBACK_NS
  }

  begin(lg: number): void {
    this.lg = lg
    this.lastBin = -1
    this.first = true
  }

  /** The payload column of a point (value, or explicit buckets); rows without one are no points. */
  protected abstract payload(c: Columns): Column | undefined

  /** Walks the points among rows [from, to) of one batch (`sorted`: their times ascend). */
  abstract run(c: Columns, from: number, to: number, sorted?: boolean): void

  /** Adds the points among rows [from, to) of batch `b` to `into`. */
  collect(c: Columns, b: number, from: number, to: number, into: Points): void {
    const payload = this.payload(c)
    if (c.time === undefined || payload === undefined) return
    const tp = c.time.present
    const pp = payload.present
    for (let row = from; row < to; row++) {
      if ((tp === undefined || tp[row] === 1) && (pp === undefined || pp[row] === 1)) into.push(b, row)
    }
  }

  /** The group of the point at (hi, lo), row `row` of `c`. */
  groupAt(c: Columns, hi: number, lo: number, row: number): number {
    const bins = this.bins
    const bin = bins.holds(hi, lo) ? bins.id : bins.seek(hi, lo, c.time!.values, row)
    if (bin !== this.lastBin) {
      this.g = this.groupOf(this.lg, bin)
      this.lastBin = bin
    }
    return this.g
  }

  /** How the point at `row` with start time halves (lo, hi) links to the one before; remembers its start. */
  protected link(c: Columns, row: number, lo: number, hi: number): 'zero' | 'base' | 'prev' {
    const started = lo !== 0 || hi !== 0
    let link: 'zero' | 'base' | 'prev'
    if (this.first) link = started && (this.earliest === undefined || c.start!.values[row] >= this.earliest) ? 'zero' : 'base'
    else link = started && (lo !== this.prevLo || hi !== this.prevHi) ? 'zero' : 'prev'
    this.first = false
    this.prevLo = lo
    this.prevHi = hi
    return link
  }
}

/** increase and rate: each point's increase over the previous one of its series, per group. */
class CounterWalk extends Walk {
  sums: Float64Array
  prevValue = 0

  constructor(bins: Bins, groupOf: (labelGroup: number, bin: number) => number, rangeStart: bigint | undefined, groups: number) {
    super(bins, groupOf, rangeStart)
    this.sums = new Float64Array(groups)
  }

  protected payload(c: Columns): Column | undefined {
    return c.value
  }

  /**
   * As Walk.groupAt and Walk.link would point by point, inlined: this loop is most of a counter
   * panel. In a run whose times ascend (`sorted`, none absent) a bin's rows are found by binary
   * search, and its group's sum is kept in a local meanwhile (the same additions, in order).
   */
  run(c: Columns, from: number, to: number, sorted = false): void {
    const { time, value, timeHi, timeLo, start, startWords } = c
    if (time === undefined || value === undefined) return
    const tp = time.present
    const vp = value.present
    const sp = start?.present
    const values = value.values
    const sums = this.sums
    const bins = this.bins
    const earliest = this.earliest
    const jump = sorted && tp === undefined
    let { g, lastBin, first, prevValue, prevLo, prevHi } = this
    let sum = lastBin >= 0 ? sums[g] : 0
    // Rows before binEnd are in the current bin.
    let binEnd = from
    for (let row = from; row < to; row++) {
      if ((tp !== undefined && tp[row] !== 1) || (vp !== undefined && vp[row] !== 1)) continue
      if (row >= binEnd) {
        const hi = timeHi![2 * row + 1]
        const lo = timeLo![2 * row]
        if (!bins.holds(hi, lo)) bins.seek(hi, lo, time.values, row)
        if (bins.id !== lastBin) {
          if (lastBin >= 0) sums[g] = sum
          lastBin = bins.id
          g = this.groupOf(this.lg, lastBin)
          sum = sums[g]
        }
        binEnd = jump ? bins.end(timeHi!, timeLo!, row + 1, to) : row + 1
      }
      const v = values[row]
      let startLo = 0
      let startHi = 0
      if (startWords !== undefined && (sp === undefined || sp[row] === 1)) {
        startLo = startWords[2 * row]
        startHi = startWords[2 * row + 1]
      }
      const started = startLo !== 0 || startHi !== 0
      if (first) {
        // 'zero' or 'base' (Walk.link).
        first = false
        if (started && (earliest === undefined || start!.values[row] >= earliest)) sum += v
      } else if ((started && (startLo !== prevLo || startHi !== prevHi)) || v < prevValue) sum += v
      else sum += v - prevValue
      prevValue = v
      prevLo = startLo
      prevHi = startHi
    }
    if (lastBin >= 0) sums[g] = sum
    this.g = g
    this.lastBin = lastBin
    this.first = first
    this.prevValue = prevValue
    this.prevLo = prevLo
    this.prevHi = prevHi
  }

  /**
   * As run over a STEADY run (BlockShape) of rows [from, to) whose bins are the segments from
   * k0 on: its first point as any, then per bin the difference of `total` (the running sum of
   * the run's increases, or its values when it has no reset) at its ends, which is the sum of
   * its points' increases to the bit while the group's sum is an integer of at most 2^52
   * (checked; else point by point).
   */
  runSteady(c: Columns, from: number, to: number, runs: Runs, k0: number, total: Float64Array): void {
    const values = c.value!.values
    const sums = this.sums
    const { segmentEnd, segmentGroup } = runs
    // The first point, as run takes it (Walk.link): it links to the series' point before, if any.
    const { startWords, start } = c
    const sp = start?.present
    const has = startWords !== undefined && (sp === undefined || sp[from] === 1)
    const startLo = has ? startWords[2 * from] : 0
    const startHi = has ? startWords[2 * from + 1] : 0
    const started = startLo !== 0 || startHi !== 0
    const v = values[from]
    const g0 = segmentGroup[k0]
    if (this.first) {
      if (started && (this.earliest === undefined || start!.values[from] >= this.earliest)) sums[g0] += v
    } else if ((started && (startLo !== this.prevLo || startHi !== this.prevHi)) || v < this.prevValue) sums[g0] += v
    else sums[g0] += v - this.prevValue
    this.first = false
    // The start time of the run's last point (a restart within the run changes it).
    const last = to - 1
    const hasLast = startWords !== undefined && (sp === undefined || sp[last] === 1)
    this.prevLo = hasLast ? startWords[2 * last] : 0
    this.prevHi = hasLast ? startWords[2 * last + 1] : 0
    // The segment holding the last row counted, and that row.
    let segment = k0
    for (let k = k0, prev = from; prev < to - 1; k++) {
      const end = segmentEnd[k]
      if (end - 1 > prev) {
        const g = segmentGroup[k]
        let sum = sums[g]
        if (Number.isInteger(sum) && Math.abs(sum) <= STEADY_MAX) sum += total[end - 1] - total[prev]
        else for (let row = prev + 1; row < end; row++) sum += total[row] - total[row - 1]
        sums[g] = sum
      }
      prev = end - 1
      segment = k
    }
    this.g = segmentGroup[segment]
    this.lastBin = runs.segmentBin[segment]
    this.prevValue = values[to - 1]
  }
}

/** histogram_quantile: each point's bucket increases over the previous one of its series, per group. */
class HistogramWalk extends Walk {
  readonly sums: (HistogramSum | undefined)[] = []
  private prevCounts: Float64Array | undefined
  private prevAt = 0
  private prevWidth = -1

  protected payload(c: Columns): Column | undefined {
    return c.bounds === undefined ? undefined : c.buckets
  }

  run(c: Columns, from: number, to: number): void {
    const { time, buckets, bounds, bucketValues: counts, timeHi, timeLo, start, startWords } = c
    if (time === undefined || buckets === undefined || bounds === undefined || counts === undefined) return
    const tp = time.present
    const bp = buckets.present
    const sp = start?.present
    const offsets = buckets.offsets
    for (let row = from; row < to && !this.failed; row++) {
      if ((tp !== undefined && tp[row] !== 1) || (bp !== undefined && bp[row] !== 1)) continue
      const g = this.groupAt(c, timeHi![2 * row + 1], timeLo![2 * row], row)
      const at = offsets[row]
      const width = offsets[row + 1] - at
      const has = startWords !== undefined && (sp === undefined || sp[row] === 1)
      const link = this.link(c, row, has ? startWords[2 * row] : 0, has ? startWords[2 * row + 1] : 0)
      if (link !== 'base') this.add(g, counts, at, width, link === 'zero', bounds.values.subarray(bounds.offsets[row], bounds.offsets[row + 1]))
      this.prevCounts = counts
      this.prevAt = at
      this.prevWidth = width
    }
  }

  /** Adds a point's counts (counts[at, at + width)) to group `g`: all of them, or their increases. */
  private add(g: number, counts: Float64Array, at: number, width: number, zero: boolean, bounds: Float64Array): void {
    let sum = this.sums[g]
    if (sum === undefined) sum = this.sums[g] = { bounds, counts: new Float64Array(width) }
    else if (!sameBounds(sum.bounds, bounds) || sum.counts.length !== width) {
      this.failed = true
      return
    }
    const before = this.prevCounts
    const from = this.prevAt
    let reset = zero || this.prevWidth !== width
    for (let i = 0; i < width && !reset; i++) reset = counts[at + i] < before![from + i]
    const into = sum.counts
    if (reset) for (let i = 0; i < width; i++) into[i] += counts[at + i]
    else for (let i = 0; i < width; i++) into[i] += counts[at + i] - before![from + i]
  }
}

function sameBounds(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

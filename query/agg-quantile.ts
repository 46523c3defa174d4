/**
 * @module query/agg-quantile
 * Exact percentiles of a numeric expression per group: percentile(x, p) and the shorthands
 * p50, p75, p90, p95, p99, p999. Definition: nearest rank, the value at rank ceil(p/100 * n)
 * in ascending order (like SQL percentile_disc), so every answer is a value that occurred.
 * Every value is kept until the end (the memory budget bounds how many), then each rank is
 * found by quickselect.
 */
import type { CallNode } from './ast.ts'
import type { AggContext, Aggregator } from './agg.ts'
import { growTo, numbersOf, sharedState } from './agg.ts'
import { QueryError } from './errors.ts'
import { evalShared, where } from './eval-expr.ts'
import { durationTimesOf, type DurationTimes } from './eval-field.ts'
import { resolveField } from './fields.ts'
import { halves } from './i64.ts'
import { BYTES_PER_SAMPLE, SPARE_SAMPLE_BYTES } from './limits.ts'
import { printExpr } from './print-expr.ts'
import type { ValueType, Vec } from './vec.ts'

/** Shorthand names and their percentile. */
export const PERCENTILE_SHORTHANDS: Readonly<Record<string, number>> = { p50: 50, p75: 75, p90: 90, p95: 95, p99: 99, p999: 99.9 }

/**
 * The 0-based index of the nearest-rank p-th percentile among n values: rank ceil(p/100 × n),
 * computed exactly. In doubles, 99.9 / 100 × 50000 is 49950.00000000001, whose ceiling is one
 * rank too high; so p is read as the decimal it was written as (99.9 = 999/10) and the
 * ceiling taken in integers.
 * @example rankIndex(50_000, 99.9) // 49949 (rank 49,950)
 */
export function rankIndex(n: number, p: number): number {
  const [num, den] = decimalFraction(p)
  const whole = 100n * den
  const rank = Number((num * BigInt(n) + whole - 1n) / whole)
  return Math.min(n, Math.max(1, rank)) - 1
}

/** `p` (positive, finite) as numerator and denominator of its shortest decimal text. */
function decimalFraction(p: number): [bigint, bigint] {
  const [mantissa, exp = '0'] = String(p).split('e')
  const [int, frac = ''] = mantissa.split('.')
  let num = BigInt(int + frac)
  let den = 10n ** BigInt(frac.length)
  const e = Number(exp)
  if (e > 0) num *= 10n ** BigInt(e)
  else den *= 10n ** BigInt(-e)
  return [num, den]
}

/**
 * Reorders `a` so that a[k] is the value a full sort would put there, smaller values before
 * it and larger after: Floyd and Rivest's selection, which partitions around a pivot chosen
 * from a small sample so close to rank k that about n + min(k, n - k) comparisons suffice
 * (Hoare's quickselect takes about 3.4n for a median; sorting each group n log n). Only
 * a[lo..hi] is searched: after selecting rank j, a later rank above j lies in a[j+1..] and one
 * below in a[..j-1], so several ranks of one array cost little more than the first.
 * @example const a = Float64Array.of(5, 1, 4, 2, 3); select(a, 1); a[1] // 2
 */
export function select(a: Float64Array, k: number, lo = 0, hi = a.length - 1): number {
  let left = lo
  let right = hi
  while (right > left) {
    if (right - left > SAMPLED_SELECT_ROWS) {
      // Narrow to a sample's range around k first, so the pivot lands near rank k.
      const n = right - left + 1
      const i = k - left + 1
      const z = Math.log(n)
      const s = 0.5 * Math.exp((2 * z) / 3)
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (i - n / 2 < 0 ? -1 : 1)
      select(a, k, Math.max(left, Math.floor(k - (i * s) / n + sd)), Math.min(right, Math.floor(k + ((n - i) * s) / n + sd)))
    }
    const pivot = a[k]
    let i = left
    let j = right
    swap(a, left, k)
    if (a[right] > pivot) swap(a, left, right)
    while (i < j) {
      swap(a, i, j)
      i++
      j--
      while (a[i] < pivot) i++
      while (a[j] > pivot) j--
    }
    if (a[left] === pivot) swap(a, left, j)
    else swap(a, ++j, right)
    if (j <= k) left = j + 1
    if (k <= j) right = j - 1
  }
  return a[k]
}

/** Above this many values, select() first narrows to a sample (Floyd and Rivest's constant). */
const SAMPLED_SELECT_ROWS = 600

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]
  a[i] = a[j]
  a[j] = t
}

/** Values of a group from which its ranks are found through a histogram (selectByHistogram). */
const HISTOGRAM_SELECT_ROWS = 1024

/** Buckets of that histogram: 16 KiB of counts, a few values per bucket for groups this size. */
const HISTOGRAM_BUCKETS = 4096

/** Arrays selectByHistogram reuses from group to group. */
export interface HistogramScratch {
  counts: Uint32Array
  /** Where the next value of each bucket goes while values are copied out, -1 when not copied. */
  slot: Int32Array
  values: Float64Array
}

/**
 * Writes the values of ascending ranks `ranks` of `a` to out[at ...] without reordering `a`,
 * when every value is a finite number >= +0; false otherwise (then nothing is written). Such
 * doubles order as their high 32 bits do (then their low bits): one pass counts the values per
 * bucket of high bits, the buckets holding the ranks follow from the counts, and only their
 * values are copied out and selected among. Each pass is a loop without a data-dependent branch
 * to mispredict, where select() swaps around a pivot about 2n times for three ranks.
 */
export function selectByHistogram(a: Float64Array, ranks: readonly number[], out: Float64Array, at: number, scratch: HistogramScratch): boolean {
  const n = a.length
  const words = new Uint32Array(a.buffer, a.byteOffset, 2 * n)
  let min = 0xffffffff
  let max = 0
  for (let i = 1; i < 2 * n; i += 2) {
    const h = words[i]
    min = h < min ? h : min
    max = h > max ? h : max
  }
  // The sign bit makes a negative number's word at least 0x80000000; all exponent bits set are infinities and NaN.
  if (max >= 0x7ff00000) return false
  let shift = 0
  while ((max - min) >>> shift >= HISTOGRAM_BUCKETS) shift++
  const counts = scratch.counts.fill(0)
  for (let i = 1; i < 2 * n; i += 2) counts[(words[i] - min) >>> shift]++
  // The bucket of each rank and the values before it; then the values of those buckets, copied
  // out in one pass (slot[b] is where bucket b's next value goes, -1 for the others).
  const buckets = new Int32Array(ranks.length)
  const befores = new Float64Array(ranks.length)
  let bucket = 0
  let before = 0
  for (let j = 0; j < ranks.length; j++) {
    while (before + counts[bucket] <= ranks[j]) before += counts[bucket++]
    buckets[j] = bucket
    befores[j] = before
  }
  let room = 0
  for (let j = 0; j < ranks.length; j++) if (j === 0 || buckets[j] !== buckets[j - 1]) room += counts[buckets[j]]
  if (scratch.values.length < room) scratch.values = new Float64Array(Math.max(room, 2 * scratch.values.length))
  const values = scratch.values
  const starts = new Float64Array(ranks.length)
  const slot = scratch.slot.fill(-1)
  let next = 0
  for (let j = 0; j < ranks.length; j++) {
    if (j > 0 && buckets[j] === buckets[j - 1]) starts[j] = starts[j - 1]
    else [starts[j], slot[buckets[j]], next] = [next, next, next + counts[buckets[j]]]
  }
  for (let i = 0; i < n; i++) {
    const to = slot[(words[2 * i + 1] - min) >>> shift]
    if (to >= 0) {
      values[to] = a[i]
      slot[(words[2 * i + 1] - min) >>> shift] = to + 1
    }
  }
  for (let j = 0; j < ranks.length; j++) {
    const from = starts[j]
    out[at + j] = j > 0 && ranks[j - 1] === ranks[j] ? out[at + j - 1] : select(values.subarray(from, from + counts[buckets[j]]), ranks[j] - befores[j])
  }
  return true
}

export function percentileAgg(call: CallNode, ctx: AggContext): Aggregator {
  const shorthand = PERCENTILE_SHORTHANDS[call.name]
  const p = shorthand ?? percentArg(call, ctx)
  if (call.args.length !== (shorthand === undefined ? 2 : 1)) {
    throw new QueryError('INVALID_ARGUMENT', `cannot aggregate ${call.name}: expected ${shorthand === undefined ? 'percentile(expression, p)' : `${call.name}(expression)`}`, where(ctx, call.at))
  }
  // Percentiles of one expression share its values: the first of them collects.
  const { state: samples, owner } = sharedState(ctx, `samples:${printExpr(call.args[0])}`, () => new Samples())
  samples.want(p)
  return {
    add(batch, groups, groupCount, rowsPerGroup) {
      if (!owner) return
      const e = call.args[0]
      // A duration is laid out from its times: no array of doubles per batch.
      const times = e.kind === 'Field' ? durationTimesOf(batch, resolveField(e.path, ctx.scope, where(ctx, e.at))) : undefined
      samples.add(times ?? evalShared(e, batch, ctx), groups, groupCount, rowsPerGroup)
    },
    value(g) {
      const x = samples.rank(g, p)
      if (x === undefined) return null
      return samples.type === 'time' ? samples.base + BigInt(x) : x
    },
    type: () => samples.type,
    bytes: () => (owner ? samples.total * BYTES_PER_SAMPLE : 0),
  }
}

/**
 * The values of one expression per group. Times are kept as nanoseconds after the first time
 * seen (`base`): a double holds those exactly for 2^53 ns (104 days) either side, where epoch
 * nanoseconds themselves would be rounded to 256 ns.
 * Each batch's values are kept as they come and its groups appended to one array (no per-group
 * arrays growing); the first `rank` lays the values out group after group in one array (a
 * counting sort by group).
 */
class Samples {
  /** Each batch's values (or the times durations are the differences of) and where its rows' groups are in `ids`. */
  private batches: { v?: ArrayLike<number>; times?: DurationTimes; p?: Uint8Array; from: number; rows: number }[] = []
  /** The group of every row added, batch after batch (grouping reuses its array). */
  private ids: Uint32Array = new Uint32Array(0)
  private rows = 0
  private groupCount = 0
  private counts = new Uint32Array(0)
  /** All values, group g's in values[starts[g] .. starts[g + 1]), once laid out; `unanswered` groups still need them. */
  private values: Float64Array = new Float64Array(0)
  private starts: Uint32Array | undefined
  private unanswered = 0
  /** The percentiles asked for, ascending, and each group's answers once selected. */
  private readonly wanted: number[] = []
  private answers = new Float64Array(0)
  private answered = new Uint8Array(0)
  private readonly histogram: HistogramScratch = { counts: new Uint32Array(HISTOGRAM_BUCKETS), slot: new Int32Array(HISTOGRAM_BUCKETS), values: new Float64Array(0) }
  total = 0
  type: ValueType = 'number'
  base = 0n

  add(vec: Vec | DurationTimes, groups: Uint32Array, groupCount: number, rowsPerGroup?: Float64Array): void {
    let numbers: { v?: ArrayLike<number>; times?: DurationTimes; p?: Uint8Array }
    if ('start' in vec) {
      this.type = 'duration'
      numbers = { times: vec, p: vec.p }
    } else if (vec.t === 'time') {
      if (this.type !== 'time') {
        const first = vec.p === undefined ? 0 : vec.p.indexOf(1)
        if (first >= 0 && first < vec.v.length) [this.type, this.base] = ['time', vec.v[first]]
      }
      const base = this.base
      numbers = { v: Float64Array.from(vec.v, (t) => Number(t - base)), p: vec.p }
    } else {
      if (vec.t === 'num' && vec.dur === true) this.type = 'duration'
      numbers = numbersOf(vec, groups.length)
    }
    // Values per group, counted while the batch is at hand: group g's values will start at
    // the sum of the counts before it.
    const counts = (this.counts = growTo(this.counts, groupCount))
    const { p } = numbers
    if (p === undefined && rowsPerGroup !== undefined) for (let g = 0; g < rowsPerGroup.length; g++) counts[g] += rowsPerGroup[g]
    else if (p === undefined) for (let i = 0; i < groups.length; i++) counts[groups[i]]++
    else for (let i = 0; i < groups.length; i++) counts[groups[i]] += p[i]
    if (this.rows + groups.length > this.ids.length) this.ids = grown(this.ids, this.rows + groups.length)
    this.ids.set(groups, this.rows)
    this.batches.push({ ...numbers, from: this.rows, rows: groups.length })
    this.rows += groups.length
    this.groupCount = groupCount
    this.total += groups.length
  }

  /** Asks for the p-th percentile of every group (before any rank is read). */
  want(p: number): void {
    if (!this.wanted.includes(p)) this.wanted.push(p)
    this.wanted.sort((a, b) => a - b)
  }

  /**
   * The nearest-rank p-th percentile of group g (one of those wanted), undefined when it has no
   * values. Every wanted rank of a group is selected at once, lowest first, while its values are
   * in cache: each search starts past the rank before it (p95 after p50 looks at the top half).
   */
  rank(g: number, p: number): number | undefined {
    const starts = this.starts ?? this.layOut()
    const from = starts[g]
    const n = starts[g + 1] - from
    if (!(n > 0)) return undefined
    const wanted = this.wanted
    if (this.answered[g] === 0) {
      const a = this.values.subarray(from, from + n)
      const ranks = wanted.map((q) => rankIndex(n, q))
      const at = g * wanted.length
      if (n < HISTOGRAM_SELECT_ROWS || !selectByHistogram(a, ranks, this.answers, at, this.histogram)) {
        let last = -1
        ranks.forEach((k, j) => {
          this.answers[at + j] = k === last ? a[k] : select(a, k, last + 1)
          last = k
        })
      }
      this.answered[g] = 1
      // Every group answered: the values are let go, their array kept for the next query.
      if (--this.unanswered === 0) {
        keepSpare(this.values)
        this.values = new Float64Array(0)
      }
    }
    return this.answers[g * wanted.length + wanted.indexOf(p)]
  }

  private layOut(): Uint32Array {
    const groups = this.groupCount
    const starts = new Uint32Array(groups + 1)
    for (let g = 0; g < groups; g++) starts[g + 1] = starts[g] + this.counts[g]
    const next = starts.slice(0, groups)
    const values = takeSpare(starts[groups])
    for (const { v, times, p, from, rows } of this.batches) {
      const ids = this.ids.subarray(from, from + rows)
      if (times !== undefined) scatterDurations(times, ids, next, values)
      else if (p === undefined) for (let i = 0; i < ids.length; i++) values[next[ids[i]]++] = v![i]
      else for (let i = 0; i < ids.length; i++) if (p[i] === 1) values[next[ids[i]]++] = v![i]
    }
    this.batches = []
    keepSpare(this.ids)
    this.ids = new Uint32Array(0)
    this.values = values
    for (let g = 0; g < groups; g++) if (this.counts[g] > 0) this.unanswered++
    this.answers = new Float64Array(groups * this.wanted.length)
    this.answered = new Uint8Array(groups)
    this.starts = starts
    return starts
  }
}

/**
 * Arrays percentiles lay values and groups out in, kept from one query to the next on a thread,
 * one of each kind: a million values are 8 MB of fresh memory outside the heap each query,
 * which V8 counts toward its next full collection (marking the whole heap, every cached
 * block's objects): at that size, most queries paid one. An array is taken by one `Samples` at
 * a time (a query interleaved on the same thread makes its own) and kept only up to
 * SPARE_SAMPLE_BYTES.
 */
const spares: { values?: Float64Array; ids?: Uint32Array } = {}

/** An array of at least n doubles (a view of the spare one when it is large enough). */
function takeSpare(n: number): Float64Array {
  const spare = spares.values
  if (spare === undefined || spare.length < n) return new Float64Array(n)
  spares.values = undefined
  return spare.subarray(0, n)
}

/** Keeps the whole array under `a` for the next takeSpare or grown, the larger of two. */
function keepSpare(a: Float64Array | Uint32Array): void {
  if (a.buffer.byteLength > SPARE_SAMPLE_BYTES || a.buffer instanceof SharedArrayBuffer) return
  if (a instanceof Float64Array) {
    const whole = new Float64Array(a.buffer)
    if (spares.values === undefined || spares.values.length < whole.length) spares.values = whole
  } else {
    const whole = new Uint32Array(a.buffer)
    if (spares.ids === undefined || spares.ids.length < whole.length) spares.ids = whole
  }
}

/** `ids` with room for n (doubling), its contents kept: the spare array when it has the room. */
function grown(ids: Uint32Array, n: number): Uint32Array {
  let size = Math.max(16, ids.length * 2)
  while (size < n) size *= 2
  const spare = spares.ids
  const next = spare !== undefined && spare.length >= n && spare !== ids ? spare : new Uint32Array(size)
  if (next === spare) spares.ids = undefined
  next.set(ids)
  return next
}

/** Lays out end - start of each row (present in both) at its group's next place, exact below 2^53 ns. */
function scatterDurations({ start, end, p }: DurationTimes, ids: Uint32Array, next: Uint32Array, values: Float64Array): void {
  const s = halves(start)
  const e = halves(end)
  for (let i = 0; i < ids.length; i++) {
    if (p !== undefined && p[i] !== 1) continue
    values[next[ids[i]]++] = (e.hi[2 * i + 1] - s.hi[2 * i + 1]) * 4294967296 + (e.lo[2 * i] - s.lo[2 * i])
  }
}

function percentArg(call: CallNode, ctx: AggContext): number {
  const arg = call.args[1]
  if (arg?.kind !== 'Literal' || typeof arg.value !== 'number' || !(arg.value > 0 && arg.value <= 100)) {
    throw new QueryError('INVALID_ARGUMENT', 'cannot aggregate percentile: the second argument must be a number in (0, 100], like percentile(duration, 99.9)', where(ctx, (arg ?? call).at))
  }
  return arg.value
}

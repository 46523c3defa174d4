/**
 * @module query/agg-quantile
 * Exact percentiles of a numeric expression per group: percentile(x, p) and the shorthands
 * p50, p75, p90, p95, p99, p999. Definition: nearest rank, the value at rank ceil(p/100 * n)
 * in ascending order (like SQL percentile_disc), so every answer is a value that occurred.
 * Every value is kept until the end, a duration in 4 bytes (Samples), and the bytes kept are
 * charged to the query's memory budget: past it the query fails with MEMORY_LIMIT. Then each
 * group's ranks are selected (a histogram, then Floyd–Rivest).
 */
import type { CallNode } from './ast.ts'
import type { AggContext, Aggregator } from './agg.ts'
import { growTo, numbersOf, sharedState } from './agg.ts'
import { QueryError } from './errors.ts'
import { evalShared, where } from './eval-expr.ts'
import { durationTimesOf, type DurationTimes } from './eval-field.ts'
import { resolveField } from './fields.ts'
import { halves } from './i64.ts'
import { SAMPLE_PAGE_BYTES, SPARE_SAMPLE_BYTES } from './limits.ts'
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

/** Most buckets of a histogram of 32-bit whole numbers (selectWholeByHistogram): 33 lengths of 128 each. */
const WHOLE_BUCKETS = 33 << 7

/** Arrays selectByHistogram reuses from group to group. */
export interface HistogramScratch {
  counts: Uint32Array
  /** Where the next value of each bucket goes while values are copied out, -1 when not copied. */
  slot: Int32Array
  values: Float64Array
}

/** Scratch for histograms of up to `buckets` buckets. */
export function histogramScratch(buckets = Math.max(HISTOGRAM_BUCKETS, WHOLE_BUCKETS)): HistogramScratch {
  return { counts: new Uint32Array(buckets), slot: new Int32Array(buckets), values: new Float64Array(0) }
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
  const plan = planBuckets(ranks, scratch)
  const { values, slot } = scratch
  for (let i = 0; i < n; i++) {
    const b = (words[2 * i + 1] - min) >>> shift
    const to = slot[b]
    if (to >= 0) {
      values[to] = a[i]
      slot[b] = to + 1
    }
  }
  selectPlanned(plan, ranks, scratch, out, at)
  return true
}

/**
 * selectByHistogram for whole numbers in [0, 2^32). A value's bucket is its bit length and as
 * many of the bits after its leading one as let the lengths from the smallest value's to the
 * largest's fill WHOLE_BUCKETS, the way a double's high word orders it: latencies spread over
 * several orders of magnitude still fall a few to a bucket. `a` is read as 32-bit signed words:
 * a value of 2^31 or more read unsigned would be a double.
 */
export function selectWholeByHistogram(a: Uint32Array, ranks: readonly number[], out: Float64Array, at: number, scratch: HistogramScratch): void {
  const words = new Int32Array(a.buffer, a.byteOffset, a.length)
  const n = words.length
  // The least value (unsigned order is signed order with the top bit flipped) and the bits any value has.
  let least = 0x7fffffff
  let any = 0
  for (let i = 0; i < n; i++) {
    const v = words[i]
    const flipped = v ^ -0x80000000
    least = flipped < least ? flipped : least
    any |= v
  }
  const low = 32 - Math.clz32(least ^ -0x80000000)
  const high = 32 - Math.clz32(any)
  let bits = 0
  while ((high - low + 1) << (bits + 1) <= WHOLE_BUCKETS && bits < 31) bits++
  const right = 32 - bits
  const counts = scratch.counts.fill(0)
  for (let i = 0; i < n; i++) {
    const v = words[i]
    const z = Math.clz32(v)
    counts[((32 - z - low) << bits) | (((v << z) << 1) >>> right)]++
  }
  const plan = planBuckets(ranks, scratch)
  const { values, slot } = scratch
  for (let i = 0; i < n; i++) {
    const v = words[i]
    const z = Math.clz32(v)
    const b = ((32 - z - low) << bits) | (((v << z) << 1) >>> right)
    const to = slot[b]
    if (to >= 0) {
      values[to] = v >>> 0
      slot[b] = to + 1
    }
  }
  selectPlanned(plan, ranks, scratch, out, at)
}

/** Where the buckets of a histogram's ranks are: bucket, values before it, and where its values are copied to. */
interface BucketPlan {
  buckets: Int32Array
  befores: Float64Array
  starts: Float64Array
}

/**
 * From `scratch.counts`, the bucket of each rank and the values before it; sets `scratch.slot`
 * so the values of those buckets are copied out in one pass (slot[b] is where bucket b's next
 * value goes, -1 for the others) and gives `scratch.values` the room.
 */
function planBuckets(ranks: readonly number[], scratch: HistogramScratch): BucketPlan {
  const counts = scratch.counts
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
  const starts = new Float64Array(ranks.length)
  const slot = scratch.slot.fill(-1)
  let next = 0
  for (let j = 0; j < ranks.length; j++) {
    if (j > 0 && buckets[j] === buckets[j - 1]) starts[j] = starts[j - 1]
    else [starts[j], slot[buckets[j]], next] = [next, next, next + counts[buckets[j]]]
  }
  return { buckets, befores, starts }
}

/** Selects each rank among the values copied out of its bucket. */
function selectPlanned({ buckets, befores, starts }: BucketPlan, ranks: readonly number[], scratch: HistogramScratch, out: Float64Array, at: number): void {
  for (let j = 0; j < ranks.length; j++) {
    const from = starts[j]
    out[at + j] = j > 0 && ranks[j - 1] === ranks[j] ? out[at + j - 1] : select(scratch.values.subarray(from, from + scratch.counts[buckets[j]]), ranks[j] - befores[j])
  }
}

/** Writes the values of ascending ranks `ranks` of `a` (reordered) to out[at ...]. */
function selectRanks(a: Float64Array, ranks: readonly number[], out: Float64Array, at: number, scratch: HistogramScratch): void {
  if (a.length >= HISTOGRAM_SELECT_ROWS && selectByHistogram(a, ranks, out, at, scratch)) return
  let last = -1
  ranks.forEach((k, j) => {
    out[at + j] = k === last ? a[k] : select(a, k, last + 1)
    last = k
  })
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
      // A duration is read from its times: no array of doubles per batch.
      const times = e.kind === 'Field' ? durationTimesOf(batch, resolveField(e.path, ctx.scope, where(ctx, e.at))) : undefined
      samples.add(times ?? evalShared(e, batch, ctx), groups, groupCount, rowsPerGroup)
    },
    value(g) {
      const x = samples.rank(g, p)
      if (x === undefined) return null
      return samples.type === 'time' ? samples.base + BigInt(x) : x
    },
    type: () => samples.type,
    bytes: () => (owner ? samples.bytes() : 0),
  }
}

/**
 * Marks a kept value that is no whole number in [0, 2^32 - 2] (a span over 4.3 s, a fraction,
 * a negative number, NaN): the value itself is kept as a double beside, with its group.
 */
const OVER = 0xffffffff

/**
 * The values of one expression per group. Times are kept as nanoseconds after the first time
 * seen (`base`): a double holds those exactly for 2^53 ns (104 days) either side, where epoch
 * nanoseconds themselves would be rounded to 256 ns.
 * Each batch's values are kept as they come, in as few bytes as they need: a whole number
 * below 2^32 - 1 (a duration under 4.3 s) in 4 bytes, others as doubles beside (`over`), and
 * laid out group after group within the batch's own region of a page (SamplePages; a counting
 * sort by the batch's rows per group), with a record of where each group's values start: 4
 * bytes a span plus a record per group and batch, where keeping each batch's start and end
 * times held 16, their groups 4 to 8 (an array doubling) and laying them all out at the end 8
 * more. At the end each group's runs are copied together into one array (as whole numbers,
 * or as doubles for a small group or one with values no whole number orders) and its ranks
 * selected there.
 */
class Samples {
  private readonly pages = new SamplePages()
  /** Each batch's values, group after group, in a page. */
  private regions: Uint32Array[] = []
  /** Where a group's values are in a batch's region: its group, region, first value and count. */
  private runs = new Uint32Array(0)
  private runCount = 0
  /** Per group: values, next place in the batch's region (while adding), OVER values, and whether one is no finite number >= OVER (then the group is selected among doubles). */
  private counts = new Float64Array(0)
  private next = new Uint32Array(0)
  private overCounts = new Uint32Array(0)
  private mixed = new Uint8Array(0)
  /** OVER values and their groups as they came; laid out group after group (overStarts) at the end. */
  private over = new Float64Array(0)
  private overGroups = new Uint32Array(0)
  private overTotal = 0
  private overStarts = new Uint32Array(0)
  /** Each group's runs (runs[4 * order[runStarts[g]] ...]), once all values are in. */
  private runStarts: Uint32Array | undefined
  private order = new Uint32Array(0)
  private groupCount = 0
  private unanswered = 0
  /** The percentiles asked for, ascending, and each group's answers once selected. */
  private readonly wanted: number[] = []
  private answers = new Float64Array(0)
  private answered = new Uint8Array(0)
  private readonly histogram = histogramScratch()
  /** A group's values as doubles or as whole numbers, in one array, while its ranks are selected. */
  private flat = new Float64Array(0)
  private whole = new Uint32Array(0)
  private readonly places = new Uint32Array(2)
  private batchCounts = new Float64Array(0)
  type: ValueType = 'number'
  base = 0n

  add(vec: Vec | DurationTimes, groups: Uint32Array, groupCount: number, rowsPerGroup?: Float64Array): void {
    if (groupCount > this.groupCount) {
      this.counts = growTo(this.counts, groupCount)
      this.next = growTo(this.next, groupCount)
      this.overCounts = growTo(this.overCounts, groupCount)
      this.mixed = growTo(this.mixed, groupCount)
      this.groupCount = groupCount
    }
    if ('start' in vec) {
      this.type = 'duration'
      const region = this.lay(groups, groupCount, vec.p, rowsPerGroup)
      if (region !== undefined) this.keepDurations(vec, groups, region)
      return
    }
    let numbers: { v: ArrayLike<number>; p?: Uint8Array }
    if (vec.t === 'time') {
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
    const region = this.lay(groups, groupCount, numbers.p, rowsPerGroup)
    if (region !== undefined) this.keepNumbers(numbers.v, numbers.p, groups, region)
  }

  /**
   * Makes this batch's region: each group's present rows counted (or taken from grouping),
   * its place in the region set in `next` and recorded as a run. Undefined when no row is present.
   */
  private lay(groups: Uint32Array, groupCount: number, p: Uint8Array | undefined, rowsPerGroup: Float64Array | undefined): Uint32Array | undefined {
    let per = rowsPerGroup
    if (p !== undefined || per === undefined) {
      per = this.batchCounts = growTo(this.batchCounts, groupCount)
      per.fill(0, 0, groupCount)
      if (p === undefined) for (let i = 0; i < groups.length; i++) per[groups[i]]++
      else for (let i = 0; i < groups.length; i++) per[groups[i]] += p[i]
    }
    const region = this.regions.length
    const { counts, next } = this
    let at = 0
    for (let g = 0; g < Math.min(per.length, groupCount); g++) {
      const c = per[g]
      if (c === 0) continue
      const run = 4 * this.runCount++
      if (run === this.runs.length) this.runs = growTo(this.runs, run + 4)
      const runs = this.runs
      runs[run] = g
      runs[run + 1] = region
      runs[run + 2] = at
      runs[run + 3] = c
      next[g] = at
      counts[g] += c
      at += c
    }
    if (at === 0) return undefined
    const room = this.pages.take(4 * at)
    const values = new Uint32Array(this.pages.buffer(room.page), room.at, at)
    this.regions.push(values)
    return values
  }

  /** Keeps end - start of each row holding both (exact below 2^53 ns) at its group's next place in `region`. */
  private keepDurations({ start, end, p }: DurationTimes, groups: Uint32Array, region: Uint32Array): void {
    const { lo: startLo, hi: startHi } = halves(start)
    const { lo: endLo, hi: endHi } = halves(end)
    const next = this.next
    for (let i = 0; i < groups.length; i++) {
      if (p !== undefined && p[i] !== 1) continue
      const d = (endHi[2 * i + 1] - startHi[2 * i + 1]) * 4294967296 + (endLo[2 * i] - startLo[2 * i])
      const g = groups[i]
      // A whole number: no fraction, and never -0 (x - x is +0).
      if (d >= 0 && d < OVER) region[next[g]++] = d
      else region[next[g]++] = this.keepOver(d, g)
    }
  }

  /** Keeps the present values of `v` at their group's next place in `region`. */
  private keepNumbers(v: ArrayLike<number>, p: Uint8Array | undefined, groups: Uint32Array, region: Uint32Array): void {
    const next = this.next
    for (let i = 0; i < groups.length; i++) {
      if (p !== undefined && p[i] !== 1) continue
      const d = v[i]
      const g = groups[i]
      if (d >= 0 && d < OVER && Math.floor(d) === d && (d !== 0 || 1 / d > 0)) region[next[g]++] = d
      else region[next[g]++] = this.keepOver(d, g)
    }
  }

  /** Keeps `d` of group g beside; returns the mark its place holds. */
  private keepOver(d: number, g: number): number {
    if (this.overTotal === this.over.length) {
      this.over = growTo(this.over, this.overTotal + 1)
      this.overGroups = growTo(this.overGroups, this.overTotal + 1)
    }
    this.over[this.overTotal] = d
    this.overGroups[this.overTotal++] = g
    this.overCounts[g]++
    // Above every whole number kept in 4 bytes, and ordered like one: else the group is selected among doubles.
    if (!(d >= OVER && d < Infinity)) this.mixed[g] = 1
    return OVER
  }

  /** Bytes held now and to be held at the end (the memory budget's figure). */
  bytes(): number {
    return this.pages.bytes + 2 * this.runs.byteLength + 20 * this.over.length + BYTES_PER_SAMPLE_GROUP * this.groupCount
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
    const runStarts = this.runStarts ?? this.finish()
    const n = this.counts[g]
    if (!(n > 0)) return undefined
    const wanted = this.wanted
    if (this.answered[g] === 0) {
      this.select(g, n, wanted.map((q) => rankIndex(n, q)), g * wanted.length)
      this.answered[g] = 1
      // Every group answered: the pages are let go, kept for the next query.
      if (--this.unanswered === 0) {
        this.pages.releaseAll()
        this.regions = []
        this.whole = new Uint32Array(0)
      }
    }
    return this.answers[g * wanted.length + wanted.indexOf(p)]
  }

  /**
   * Writes group g's values of ascending ranks to answers[at ...]. Its OVER values, when all are
   * finite numbers >= OVER, are its highest: the ranks below them are selected among the 4-byte
   * values (where their marks are the highest), the others among them. Else, and in a small
   * group, the group's values are copied as doubles in the order they came and selected among.
   */
  private select(g: number, n: number, ranks: number[], at: number): void {
    const over = this.over.subarray(this.overStarts[g], this.overStarts[g + 1])
    const { order, runs, regions } = this
    const first = this.runStarts![g]
    const end = this.runStarts![g + 1]
    // A small group's runs are copied by a call each (V8 compiles a loop nested in another badly), with no view made of them.
    if (this.mixed[g] === 1 || n < HISTOGRAM_SELECT_ROWS) {
      if (this.flat.length < n) this.flat = new Float64Array(Math.max(n, 2 * this.flat.length))
      const doubles = this.flat.subarray(0, n)
      const places = this.places.fill(0)
      for (let r = first; r < end; r++) {
        const run = 4 * order[r]
        copyDoubles(regions[runs[run + 1]], runs[run + 2], runs[run + 3], over, doubles, places)
      }
      selectRanks(doubles, ranks, this.answers, at, this.histogram)
      return
    }
    const whole = n - over.length
    const low = ranks.filter((k) => k < whole)
    if (low.length > 0) {
      // One array, read by one loop a pass: V8 compiles a loop over the runs in turn far worse.
      if (this.whole.length < n) this.whole = new Uint32Array(Math.max(n, 2 * this.whole.length))
      const values = this.whole.subarray(0, n)
      for (let r = first, to = 0; r < end; r++) {
        const run = 4 * order[r]
        const from = runs[run + 2]
        values.set(regions[runs[run + 1]].subarray(from, from + runs[run + 3]), to)
        to += runs[run + 3]
      }
      selectWholeByHistogram(values, low, this.answers, at, this.histogram)
    }
    if (low.length < ranks.length) {
      selectRanks(
        over,
        ranks.slice(low.length).map((k) => k - whole),
        this.answers,
        at + low.length,
        this.histogram,
      )
    }
  }

  /** Orders the runs by group and lays the OVER values out group after group (each in the order they came, both). */
  private finish(): Uint32Array {
    const groups = this.groupCount
    const overStarts = new Uint32Array(groups + 1)
    for (let g = 0; g < groups; g++) overStarts[g + 1] = overStarts[g] + this.overCounts[g]
    const overNext = overStarts.slice(0, groups)
    const over = new Float64Array(this.overTotal)
    for (let i = 0; i < this.overTotal; i++) over[overNext[this.overGroups[i]]++] = this.over[i]
    const runStarts = new Uint32Array(groups + 1)
    for (let r = 0; r < this.runCount; r++) runStarts[this.runs[4 * r] + 1]++
    for (let g = 0; g < groups; g++) runStarts[g + 1] += runStarts[g]
    const runNext = runStarts.slice(0, groups)
    const order = new Uint32Array(this.runCount)
    for (let r = 0; r < this.runCount; r++) order[runNext[this.runs[4 * r]]++] = r
    for (let g = 0; g < groups; g++) if (this.counts[g] > 0) this.unanswered++
    Object.assign(this, { over, overGroups: new Uint32Array(0), overStarts, order, runStarts })
    this.answers = new Float64Array(groups * this.wanted.length)
    this.answered = new Uint8Array(groups)
    return runStarts
  }
}

/** Appends a[from .. from + count) to doubles[places[0] ...], each OVER mark replaced by over[places[1]++]. */
function copyDoubles(a: Uint32Array, from: number, count: number, over: Float64Array, doubles: Float64Array, places: Uint32Array): void {
  let i = places[0]
  let x = places[1]
  for (let j = from; j < from + count; j++) doubles[i++] = a[j] === OVER ? over[x++] : a[j]
  places[0] = i
  places[1] = x
}

/** Bytes a group costs besides its values: counters while adding, where its runs and answers are at the end. */
const BYTES_PER_SAMPLE_GROUP = 64

/**
 * Pages batches' values are kept in, so what a query holds grows a page at a time, with at
 * most the end of a page unused, not by doubling one array. Pages double from
 * FIRST_PAGE_BYTES to SAMPLE_PAGE_BYTES, so a query over a few thousand rows holds little. A
 * thread keeps let-go pages for its next query (up to SPARE_SAMPLE_BYTES): a fresh page is
 * memory outside the heap that V8 counts toward its next full collection (marking the whole
 * heap, every cached block's objects); fresh arrays of a million values each query made most
 * queries pay one.
 */
class SamplePages {
  private buffers: ArrayBuffer[] = []
  /** Bytes of the last page in use. */
  private used = 0
  /** Bytes of the pages held. */
  bytes = 0

  /** Room for `size` bytes: the page and where in it (the last page, or a new one: a spare one when one is large enough). */
  take(size: number): { page: number; at: number } {
    const room = (size + 7) & ~7
    const last = this.buffers.at(-1)
    if (last === undefined || this.used + room > last.byteLength) {
      const want = Math.max(room, Math.min(SAMPLE_PAGE_BYTES, FIRST_PAGE_BYTES * 2 ** this.buffers.length))
      // Spare pages are kept smallest first: the largest one, when it holds `room`.
      const spare = sparePages.at(-1)
      const buffer = spare !== undefined && spare.byteLength >= room ? sparePages.pop()! : new ArrayBuffer(want)
      this.buffers.push(buffer)
      this.bytes += buffer.byteLength
      this.used = 0
    }
    const at = this.used
    this.used += room
    return { page: this.buffers.length - 1, at }
  }

  buffer(page: number): ArrayBuffer {
    return this.buffers[page]
  }

  /** Lets every page go, kept for the thread's next query up to SPARE_SAMPLE_BYTES in all (the largest). */
  releaseAll(): void {
    sparePages.push(...this.buffers)
    sparePages.sort((a, b) => a.byteLength - b.byteLength)
    let bytes = sparePages.reduce((n, b) => n + b.byteLength, 0)
    while (bytes > SPARE_SAMPLE_BYTES) bytes -= sparePages.shift()!.byteLength
    this.buffers = []
    this.bytes = 0
  }
}

/** The first page of a query's values (SamplePages). */
const FIRST_PAGE_BYTES = 64 * 1024

/** Pages a thread keeps for its next query (SamplePages), smallest first. */
const sparePages: ArrayBuffer[] = []

/** Lets go of the pages kept for the next query (memory measurements start from none). */
export function releaseSpareSamples(): void {
  sparePages.length = 0
}

function percentArg(call: CallNode, ctx: AggContext): number {
  const arg = call.args[1]
  if (arg?.kind !== 'Literal' || typeof arg.value !== 'number' || !(arg.value > 0 && arg.value <= 100)) {
    throw new QueryError('INVALID_ARGUMENT', 'cannot aggregate percentile: the second argument must be a number in (0, 100], like percentile(duration, 99.9)', where(ctx, (arg ?? call).at))
  }
  return arg.value
}

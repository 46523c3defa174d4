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
import { BYTES_PER_SAMPLE } from './limits.ts'
import { printExpr } from './printer.ts'
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
 * it and larger after (Hoare's quickselect, median-of-three pivots): O(n) on average, where
 * sorting each group would be O(n log n). Selecting several ranks of one array is fine.
 * @example const a = Float64Array.of(5, 1, 4, 2, 3); select(a, 1); a[1] // 2
 */
export function select(a: Float64Array, k: number): number {
  let lo = 0
  let hi = a.length - 1
  while (hi > lo) {
    const mid = (lo + hi) >>> 1
    // Median of three as the pivot, so sorted or reversed input stays linear.
    if (a[mid] < a[lo]) swap(a, mid, lo)
    if (a[hi] < a[lo]) swap(a, hi, lo)
    if (a[hi] < a[mid]) swap(a, hi, mid)
    const pivot = a[mid]
    let i = lo
    let j = hi
    while (i <= j) {
      while (a[i] < pivot) i++
      while (a[j] > pivot) j--
      if (i <= j) swap(a, i++, j--)
    }
    if (k <= j) hi = j
    else if (k >= i) lo = i
    else break
  }
  return a[k]
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]
  a[i] = a[j]
  a[j] = t
}

export function percentileAgg(call: CallNode, ctx: AggContext): Aggregator {
  const shorthand = PERCENTILE_SHORTHANDS[call.name]
  const p = shorthand ?? percentArg(call, ctx)
  if (call.args.length !== (shorthand === undefined ? 2 : 1)) {
    throw new QueryError('INVALID_ARGUMENT', `cannot aggregate ${call.name}: expected ${shorthand === undefined ? 'percentile(expression, p)' : `${call.name}(expression)`}`, where(ctx, call.at))
  }
  // Percentiles of one expression share its values: the first of them collects.
  const { state: samples, owner } = sharedState(ctx, `samples:${printExpr(call.args[0])}`, () => new Samples())
  return {
    add(batch, groups, groupCount) {
      if (owner) samples.add(evalShared(call.args[0], batch, ctx), groups, groupCount)
    },
    value(g) {
      const values = samples.of(g)
      if (values.length === 0) return null
      const x = select(values, rankIndex(values.length, p))
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
 */
class Samples {
  values: Float64Array[] = []
  lengths = new Uint32Array(0)
  total = 0
  type: ValueType = 'number'
  base = 0n

  add(vec: Vec, groups: Uint32Array, groupCount: number): void {
    if (vec.t === 'num' && vec.dur === true) this.type = 'duration'
    let numbers: { v: ArrayLike<number>; p?: Uint8Array }
    if (vec.t === 'time') {
      if (this.type !== 'time') {
        const first = vec.p === undefined ? 0 : vec.p.indexOf(1)
        if (first >= 0 && first < vec.v.length) [this.type, this.base] = ['time', vec.v[first]]
      }
      const base = this.base
      numbers = { v: Float64Array.from(vec.v, (t) => Number(t - base)), p: vec.p }
    } else numbers = numbersOf(vec, groups.length)
    const { v, p } = numbers
    this.lengths = growTo(this.lengths, groupCount)
    while (this.values.length < groupCount) this.values.push(new Float64Array(8))
    const { values, lengths } = this
    for (let i = 0; i < groups.length; i++) {
      if (p !== undefined && p[i] !== 1) continue
      const g = groups[i]
      const at = lengths[g]++
      if (at >= values[g].length) values[g] = growTo(values[g], at + 1)
      values[g][at] = v[i]
    }
    this.total += groups.length
  }

  /** The values of group g, which `select` may reorder. */
  of(g: number): Float64Array {
    return this.values[g]?.subarray(0, this.lengths[g]) ?? new Float64Array(0)
  }
}

function percentArg(call: CallNode, ctx: AggContext): number {
  const arg = call.args[1]
  if (arg?.kind !== 'Literal' || typeof arg.value !== 'number' || !(arg.value > 0 && arg.value <= 100)) {
    throw new QueryError('INVALID_ARGUMENT', 'cannot aggregate percentile: the second argument must be a number in (0, 100], like percentile(duration, 99.9)', where(ctx, (arg ?? call).at))
  }
  return arg.value
}

/**
 * @module query/agg-counter
 * increase(x) and rate(x) of monotonic cumulative sums (counters), per series then summed
 * per group: each point adds its increase over the previous point of its series; a drop in
 * value or a new start time is a counter reset, after which the point counts from zero.
 * The first point of a series counts from zero only if the series started at most
 * COUNTER_START_LOOKBACK_NS before the window; otherwise it is the baseline.
 * rate = increase / seconds of the time bucket (or the range, or the group's points).
 */
import type { CallNode } from './ast.ts'
import type { AggContext, Aggregator } from './agg.ts'
import type { Batch } from '../storage/index.ts'
import { growTo, numbersOf, sharedState } from './agg.ts'
import { expectArgs } from './agg-basic.ts'
import { SeriesPoints } from './agg-series.ts'
import { evalShared } from './eval-expr.ts'
import { printExpr } from './print-expr.ts'

export function counterAgg(call: CallNode, ctx: AggContext): Aggregator {
  expectArgs(call, ctx, 1, `${call.name}(value)`)
  // increase(x) and rate(x) of one `stats` walk the same series once.
  const { state, owner } = sharedState(ctx, `counter:${printExpr(call.args[0])}`, () => new CounterState())
  return {
    add(batch, groups, count) {
      state.groupCount = count
      if (owner) state.add(numbersOf(evalShared(call.args[0], batch, ctx), batch.length), batch, groups)
    },
    value(g) {
      const increase = state.finish(ctx.rangeStart)[g] ?? 0
      if (call.name === 'increase') return increase
      if (g >= state.groupCount) return null
      const seconds = secondsOf(ctx, () => state.timeSpan(), g)
      return seconds > 0 ? increase / seconds : null
    },
    type: () => 'number',
    bytes: () => (owner ? state.points.bytes() + state.values.length * 8 : 0),
  }
}

/** Points of the counter series, then each group's increase and time span. */
class CounterState {
  readonly points = new SeriesPoints()
  values = new Float64Array(0)
  groupCount = 0
  sums?: Float64Array
  span?: { first: BigInt64Array; last: BigInt64Array }

  add({ v, p }: { v: ArrayLike<number>; p?: Uint8Array }, batch: Batch, groups: Uint32Array): void {
    const at = this.points.length
    const rows = this.points.addRows(batch, groups, p)
    const values = (this.values = growTo(this.values, at + rows.length))
    for (let j = 0; j < rows.length; j++) values[at + j] = v[rows[j]]
  }

  finish(rangeStart: bigint | undefined): Float64Array {
    if (this.sums !== undefined) return this.sums
    const { points, values } = this
    const { group } = points
    const out = new Float64Array(this.groupCount)
    const { order, prev } = points.links(rangeStart)
    for (let j = 0; j < order.length; j++) {
      const before = prev[j]
      if (before === -2) continue
      const k = order[j]
      const value = values[k]
      if (before === -1 || value < values[before]) out[group[k]] += value
      else out[group[k]] += value - values[before]
    }
    return (this.sums = out)
  }

  /** Each group's first and last point time (-1n when it has none), for rates without a bucket or range. */
  timeSpan(): { first: BigInt64Array; last: BigInt64Array } {
    if (this.span !== undefined) return this.span
    const { points } = this
    const first = new BigInt64Array(this.groupCount).fill(-1n)
    const last = new BigInt64Array(this.groupCount)
    for (let k = 0; k < points.length; k++) {
      const g = points.group[k]
      const t = points.time[k]
      if (first[g] < 0n || t < first[g]) first[g] = t
      if (t > last[g]) last[g] = t
    }
    return (this.span = { first, last })
  }
}

/**
 * Seconds a rate divides by: the bucket, else the bounded range, else group `g`'s first to last
 * point (`span` is asked only then).
 */
export function secondsOf(ctx: AggContext, span: () => { first: BigInt64Array; last: BigInt64Array }, g: number): number {
  if (ctx.binWidthNs !== undefined) return ctx.binWidthNs / 1e9
  if (ctx.rangeStart !== undefined && ctx.rangeEnd !== undefined) return Number(ctx.rangeEnd - ctx.rangeStart) / 1e9
  const { first, last } = span()
  return first[g] >= 0n ? Number(last[g] - first[g]) / 1e9 : 0
}

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
      const seconds = secondsOf(ctx, state.first![g], state.last![g])
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
  first?: BigInt64Array
  last?: BigInt64Array

  add({ v, p }: { v: ArrayLike<number>; p?: Uint8Array }, batch: Batch, groups: Uint32Array): void {
    this.values = growTo(this.values, this.points.length + batch.length)
    this.points.add(batch, groups, (row, k) => {
      if (p !== undefined && p[row] !== 1) return false
      this.values[k] = v[row]
      return true
    })
  }

  finish(rangeStart: bigint | undefined): Float64Array {
    if (this.sums !== undefined) return this.sums
    const { points, values } = this
    const out = new Float64Array(this.groupCount)
    const first = (this.first = new BigInt64Array(this.groupCount).fill(-1n))
    const last = (this.last = new BigInt64Array(this.groupCount))
    points.walk(rangeStart, (k, prev) => {
      const g = points.group[k]
      const t = points.time[k]
      if (first[g] < 0n || t < first[g]) first[g] = t
      if (t > last[g]) last[g] = t
      if (prev === -2) return
      if (prev === -1 || values[k] < values[prev]) out[g] += values[k]
      else out[g] += values[k] - values[prev]
    })
    return (this.sums = out)
  }
}

/** Seconds a rate divides by: the bucket, else the bounded range, else the group's first to last point. */
export function secondsOf(ctx: AggContext, first: bigint, last: bigint): number {
  if (ctx.binWidthNs !== undefined) return ctx.binWidthNs / 1e9
  if (ctx.rangeStart !== undefined && ctx.rangeEnd !== undefined) return Number(ctx.rangeEnd - ctx.rangeStart) / 1e9
  return first >= 0n ? Number(last - first) / 1e9 : 0
}

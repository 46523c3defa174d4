/**
 * @module query/agg-basic
 * count, countif, sum, avg, min, max, dcount and the row rate (LANGUAGE.md "Aggregate functions").
 */
import type { Batch } from '../storage/index.ts'
import type { CallNode } from './ast.ts'
import type { AggContext, Aggregator } from './agg.ts'
import { growTo, numbersOf } from './agg.ts'
import { QueryError } from './errors.ts'
import { evalCondition, evalShared, where } from './eval-expr.ts'
import { GroupKeys } from './group-keys.ts'
import { BYTES_PER_JOIN_KEY } from './limits.ts'
import { pickCoded } from './row-select.ts'
import type { Scalar, ValueType } from './vec.ts'

export function expectArgs(call: CallNode, ctx: AggContext, count: number, shape: string): void {
  if (call.args.length !== count) {
    throw new QueryError('INVALID_ARGUMENT', `cannot aggregate ${call.name}: expected ${shape}, got ${call.args.length} argument(s)`, where(ctx, call.at))
  }
}

/** count() and countif(condition): rows per group. */
export function countAgg(call: CallNode, ctx: AggContext): Aggregator {
  const conditional = call.name === 'countif'
  expectArgs(call, ctx, conditional ? 1 : 0, conditional ? 'countif(condition)' : 'count()')
  let counts = new Float64Array(0)
  return {
    add(batch, groups, groupCount, rowsPerGroup, runs) {
      const c = (counts = growTo(counts, groupCount))
      if (!conditional && rowsPerGroup !== undefined) {
        for (let g = 0; g < rowsPerGroup.length; g++) c[g] += rowsPerGroup[g]
        return
      }
      if (!conditional) {
        for (let i = 0; i < groups.length; i++) c[groups[i]]++
        return
      }
      // A comparison of dictionary strings is decided per entry and read by code, with no mask.
      const condition = evalCondition(call.args[0], batch, ctx)
      if (runs !== undefined) {
        // Rows in long runs of one group: each run's rows are counted, then added to its group
        // once; rows picked by code (ascending, like the runs) are counted as far as the run's end.
        const { starts } = runs
        const picked = condition instanceof Uint8Array ? undefined : pickCoded(condition, batch.length)
        let at = 0
        for (let r = 0; r < runs.count; r++) {
          const [from, to] = [starts[r], starts[r + 1]]
          if (picked === undefined) c[runs.groups[r]] += sumMask(condition as Uint8Array, from, to)
          else {
            const first = at
            while (at < picked.length && picked[at] < to) at++
            c[runs.groups[r]] += at - first
          }
        }
        return
      }
      if (!(condition instanceof Uint8Array)) {
        const { codes, p, table } = condition
        if (p === undefined) for (let i = 0; i < groups.length; i++) c[groups[i]] += table[codes[i]]
        else for (let i = 0; i < groups.length; i++) c[groups[i]] += table[codes[i]] & p[i]
        return
      }
      // A mask holds 0 or 1: adding it needs no branch.
      for (let i = 0; i < groups.length; i++) c[groups[i]] += condition[i]
    },
    value: (g) => counts[g] ?? 0,
    type: () => 'number',
    bytes: () => counts.length * 8,
  }
}

function sumMask(mask: Uint8Array, from: number, to: number): number {
  let sum = 0
  for (let i = from; i < to; i++) sum += mask[i]
  return sum
}

/** rate() without argument: rows per second of the time bucket (or of the query's range). */
export function rowRateAgg(call: CallNode, ctx: AggContext): Aggregator {
  const count = countAgg({ ...call, name: 'count' }, ctx)
  const seconds = ctx.binWidthNs ?? (ctx.rangeStart !== undefined && ctx.rangeEnd !== undefined ? Number(ctx.rangeEnd - ctx.rangeStart) : undefined)
  if (seconds === undefined) {
    throw new QueryError('INVALID_ARGUMENT', 'cannot compute rate(): it needs a time bucket (by bin(time, 1m)) or a bounded time range', where(ctx, call.at))
  }
  return { ...count, value: (g) => (count.value(g) as number) / (seconds / 1e9) }
}

type Fold = 'sum' | 'avg' | 'min' | 'max'

/**
 * sum, avg, min, max of a numeric expression; absent values are skipped. min and max of times
 * fold the epoch nanoseconds as bigints: a double holds only 53 bits, about 256 ns at today's
 * epoch, so folding times as numbers would round them.
 */
export function foldAgg(call: CallNode, ctx: AggContext): Aggregator {
  expectArgs(call, ctx, 1, `${call.name}(expression)`)
  const fold = call.name as Fold
  let acc = new Float64Array(0)
  let timeAcc = new BigInt64Array(0)
  let seen = new Float64Array(0)
  let type: ValueType = 'number'
  return {
    add(batch: Batch, groups, groupCount) {
      const vec = evalShared(call.args[0], batch, ctx)
      seen = growTo(seen, groupCount)
      if (vec.t === 'time' && (fold === 'min' || fold === 'max')) {
        type = 'time'
        timeAcc = growTo(timeAcc, groupCount)
        const { v, p } = vec
        for (let i = 0; i < groups.length; i++) {
          if (p !== undefined && p[i] !== 1) continue
          const g = groups[i]
          const x = v[i]
          if (seen[g] === 0 || (fold === 'min' ? x < timeAcc[g] : x > timeAcc[g])) timeAcc[g] = x
          seen[g]++
        }
        return
      }
      if (vec.t === 'num' && vec.dur === true) type = 'duration'
      const { v, p } = numbersOf(vec, batch.length)
      acc = growTo(acc, groupCount)
      for (let i = 0; i < groups.length; i++) {
        if (p !== undefined && p[i] !== 1) continue
        const g = groups[i]
        const x = v[i]
        if (seen[g] === 0) acc[g] = x
        else if (fold === 'sum' || fold === 'avg') acc[g] += x
        else if (fold === 'min' ? x < acc[g] : x > acc[g]) acc[g] = x
        seen[g]++
      }
    },
    value(g): Scalar {
      if (!(seen[g] > 0)) return fold === 'sum' ? 0 : null
      if (type === 'time') return timeAcc[g]
      return fold === 'avg' ? acc[g] / seen[g] : acc[g]
    },
    type: () => type,
    bytes: () => acc.length * 16 + timeAcc.length * 8,
  }
}

/** dcount(x) (also count_distinct): exact number of distinct present values per group. */
export function distinctAgg(call: CallNode, ctx: AggContext): Aggregator {
  expectArgs(call, ctx, 1, `${call.name}(expression)`)
  // One key per (group, value): the value interned, then paired with the group.
  const pairs = new GroupKeys(2)
  let counts = new Float64Array(0)
  let seenPairs = 0
  return {
    add(batch, groups, groupCount) {
      const vec = evalShared(call.args[0], batch, ctx)
      const n = batch.length
      const ids = pairs.assign([{ t: 'num', v: Float64Array.from(groups) }, vec], n)
      counts = growTo(counts, groupCount)
      for (let i = 0; i < n; i++) {
        // Pair ids are dense in row order: a new pair is exactly the next id.
        if (ids[i] !== seenPairs) continue
        seenPairs++
        if (pairs.values[ids[i]][1] !== null) counts[groups[i]]++
      }
    },
    value: (g) => counts[g] ?? 0,
    type: () => 'number',
    bytes: () => pairs.count * BYTES_PER_JOIN_KEY,
  }
}

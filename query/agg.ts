/**
 * @module query/agg
 * The aggregate function contract and registry (LANGUAGE.md "Aggregate functions").
 * An aggregator keeps partial state per group in flat arrays, takes one batch at a time
 * (streaming), and produces one value per group at the end.
 */
import type { Batch } from '../storage/index.ts'
import type { CallNode } from './ast.ts'
import type { EvalContext } from './eval-expr.ts'
import type { GroupRuns } from './group-keys.ts'
import { cell, type Scalar, type ValueType, type Vec } from './vec.ts'

export interface Aggregator {
  /**
   * Adds the rows of one batch; `groups[i]` is the group of row i, `groupCount` the groups so
   * far, `rowsPerGroup[g]` the rows of group g in this batch when grouping counted them, `runs`
   * the same groups as runs of rows when the rows came in long runs of one group.
   * `groups` and `runs` are reused for the next batch: an aggregator copies what it keeps.
   */
  add(batch: Batch, groups: Uint32Array, groupCount: number, rowsPerGroup?: Float64Array, runs?: GroupRuns): void
  /** The result of one group, once every batch was added. */
  value(group: number): Scalar
  /** The type of the results. */
  type(): ValueType
  /** Bytes of state held, for the memory budget. */
  bytes(): number
}

/** What aggregates know about the query besides the rows. */
export interface AggContext extends EvalContext {
  /** Width of the `bin(time, w)` key of the `stats`, nanoseconds, when it has one. */
  readonly binWidthNs?: number
  /** The query's time range, when bounded. */
  readonly rangeStart?: bigint
  readonly rangeEnd?: bigint
  /**
   * State aggregators of one `stats` share, by key: p50, p95 and p99 of one expression keep
   * its values once; increase and rate of one counter walk its series once.
   */
  readonly shared?: Map<string, unknown>
}

/**
 * The state under `key` in `ctx.shared`, made by `make` for the first aggregator that asks;
 * `owner` tells whether the caller made it (and so feeds it rows).
 */
export function sharedState<T>(ctx: AggContext, key: string, make: () => T): { state: T; owner: boolean } {
  const existing = ctx.shared?.get(key) as T | undefined
  if (existing !== undefined) return { state: existing, owner: false }
  const state = make()
  ctx.shared?.set(key, state)
  return { state, owner: true }
}

export type AggFactory = (call: CallNode, ctx: AggContext) => Aggregator

/** Grows a typed array to hold at least `n` elements (doubling), keeping its contents. */
export function growTo<T extends Float64Array | Uint32Array | BigInt64Array | Uint8Array>(a: T, n: number, fill?: number | bigint): T {
  if (n <= a.length) return a
  let size = Math.max(16, a.length * 2)
  while (size < n) size *= 2
  const next = new (a.constructor as new (n: number) => T)(size)
  if (fill !== undefined) next.fill(fill as never)
  next.set(a as never)
  return next
}

/** Numbers of a vector: values and presence, converting general values where they are numbers. */
export function numbersOf(v: Vec, n: number): { v: ArrayLike<number>; p?: Uint8Array } {
  if (v.t === 'num') return { v: v.v, p: v.p }
  if (v.t === 'const' && typeof v.value === 'number') return { v: new Float64Array(n).fill(v.value) }
  const out = new Float64Array(n)
  const p = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const x = cell(v, i)
    if (typeof x === 'number' || typeof x === 'bigint') {
      out[i] = Number(x)
      p[i] = 1
    } else if (typeof x === 'boolean') {
      out[i] = x ? 1 : 0
      p[i] = 1
    }
  }
  return { v: out, p }
}

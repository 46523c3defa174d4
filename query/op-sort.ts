/**
 * @module query/op-sort
 * `sort k1 [desc], k2 ...` (LANGUAGE.md "sort"), and top-k when a `limit` follows: then only
 * the best rows are kept, compacting the buffer as it grows, and a batch's rows that cannot
 * beat the k-th best value of the first key seen so far (the buffer's, or the batch's own,
 * found by selection) are dropped before they are copied or sorted. Absent values sort last
 * in either direction. The sort is stable.
 */
import { concatBatches, selectNth, takeRows, type Batch } from '../storage/index.ts'
import type { SortKey, SortNode } from './ast.ts'
import type { Budget } from './budget.ts'
import { evalExpr, type EvalContext } from './eval-expr.ts'
import { BYTES_PER_CELL, PACE_ROWS } from './limits.ts'
import { printExpr } from './print-expr.ts'
import type { StageDef } from './stage-def.ts'
import { sortRowsPaced } from './sort-paced.ts'
import { cell, type Vec } from './vec.ts'

export const sortStage: StageDef<SortNode> = {
  words: ['sort'],
  parse(p, _word, at) {
    p.acceptWord('by')
    const keys = p.list(() => {
      const expr = p.expr()
      if (p.acceptWord('desc')) return { expr, desc: true }
      p.acceptWord('asc')
      return { expr, desc: false }
    })
    return { kind: 'Sort', keys, at }
  },
  print: (s) => `sort ${s.keys.map((k) => `${printExpr(k.expr)}${k.desc ? ' desc' : ''}`).join(', ')}`,
  pushdown: () => false,
  plan(node, scope, planner) {
    for (const k of node.keys) planner.expr(k.expr, scope)
    return scope
  },
  // Followed by a limit, only the top rows are kept.
  run: (input, stage, run) => sortOp(input, stage.node.keys, run.ctx, run.budget, run.next?.kind === 'Limit' ? run.next.count : undefined),
}

type Compare = (a: number, b: number) => number

/** A comparator of rows for one key; absent values last. */
function keyCompare(v: Vec, desc: boolean): Compare {
  const dir = desc ? -1 : 1
  const absentLast = (pa: boolean, pb: boolean) => (pa === pb ? 0 : pa ? -1 : 1)
  if (v.t === 'num' || v.t === 'time') {
    const { v: x, p } = v
    return (a, b) => {
      if (p !== undefined && (p[a] !== 1 || p[b] !== 1)) return absentLast(p[a] === 1, p[b] === 1)
      return x[a] < x[b] ? -dir : x[a] > x[b] ? dir : 0
    }
  }
  if (v.t === 'str') {
    const order = [...v.dict.keys()].sort((a, b) => (v.dict[a] < v.dict[b] ? -1 : v.dict[a] > v.dict[b] ? 1 : 0))
    const rank = new Uint32Array(v.dict.length)
    order.forEach((code, r) => (rank[code] = r))
    const { codes, p } = v
    return (a, b) => {
      if (p !== undefined && (p[a] !== 1 || p[b] !== 1)) return absentLast(p[a] === 1, p[b] === 1)
      return (rank[codes[a]] - rank[codes[b]]) * dir
    }
  }
  if (v.t === 'id') {
    // Bytes in order are hex in order; all-zero ids are absent (in p, see vec.ts).
    const { w, v: bytes, p } = v
    return (a, b) => {
      if (p !== undefined && (p[a] !== 1 || p[b] !== 1)) return absentLast(p[a] === 1, p[b] === 1)
      for (let j = 0; j < w; j++) {
        const d = bytes[a * w + j] - bytes[b * w + j]
        if (d !== 0) return d < 0 ? -dir : dir
      }
      return 0
    }
  }
  return (a, b) => {
    const x = cell(v, a)
    const y = cell(v, b)
    if (x === null || y === null) return absentLast(x !== null, y !== null)
    const sx = typeof x === 'object' ? JSON.stringify(x, (_k, z) => (typeof z === 'bigint' ? Number(z) : z)) : x
    const sy = typeof y === 'object' ? JSON.stringify(y, (_k, z) => (typeof z === 'bigint' ? Number(z) : z)) : y
    return (sx as number) < (sy as number) ? -dir : (sx as number) > (sy as number) ? dir : 0
  }
}

/** The row numbers of `batch` in sorted order, at most `limit`; the clock is checked as it sorts. */
async function sortedRows(batch: Batch, keys: readonly SortKey[], ctx: EvalContext, budget: Budget, limit = Infinity): Promise<Uint32Array> {
  const compares = keys.map((k) => keyCompare(evalExpr(k.expr, batch, ctx), k.desc))
  const rows = new Uint32Array(batch.length)
  for (let i = 0; i < rows.length; i++) rows[i] = i
  const order = await sortRowsPaced(
    rows,
    (a, b) => {
      for (const c of compares) {
        const r = c(a, b)
        if (r !== 0) return r
      }
      return a - b
    },
    budget,
  )
  return order.length > limit ? order.subarray(0, limit) : order
}

export async function* sortOp(input: AsyncIterable<Batch>, keys: readonly SortKey[], ctx: EvalContext, budget: Budget, limit?: number): AsyncGenerator<Batch> {
  let buffer: Batch[] = []
  let rows = 0
  let threshold: { value: number | bigint; desc: boolean } | undefined
  const owner = {}
  const compactAt = limit === undefined ? Infinity : Math.max(limit * 4, 10_000)
  /** The buffer as one batch and its sorted row numbers (the best `limit`). */
  const sorted = async (): Promise<{ all: Batch; order: Uint32Array } | undefined> => {
    if (buffer.length === 0) return undefined
    const all = concatBatches(buffer[0].signal, buffer)
    return { all, order: await sortedRows(all, keys, ctx, budget, limit) }
  }
  for await (let batch of input) {
    if (threshold !== undefined) {
      const pruned = beating(batch, keys[0], ctx, threshold)
      if (pruned === undefined) continue
      batch = pruned
    }
    if (limit !== undefined && limit > 0 && batch.length > limit) {
      // A batch with `limit` rows at least as good as its k-th best value on the first key
      // shows that no row worse than that can make the top: prune before copying or sorting.
      const own = kthBest(batch, keys[0], ctx, limit)
      if (own !== undefined && (threshold === undefined || (own.desc ? own.value > threshold.value : own.value < threshold.value))) {
        threshold = own
        batch = beating(batch, keys[0], ctx, threshold) ?? batch
      }
    }
    buffer.push(batch)
    rows += batch.length
    budget.set(owner, rows * Object.keys(batch.columns).length * BYTES_PER_CELL, 'sort')
    if (rows > compactAt) {
      const { all, order } = (await sorted())!
      const kept = takeRows(all, order)
      buffer = [kept]
      rows = kept.length
      if (limit !== undefined && kept.length >= limit && limit > 0) threshold = boundary(kept, keys[0], ctx, limit - 1)
    }
  }
  const result = await sorted()
  if (result !== undefined) {
    // Rows go out in slices: copying a million rows at once would hold the event loop too.
    for (let k = 0; k < result.order.length; k += PACE_ROWS) {
      yield takeRows(result.all, result.order.subarray(k, k + PACE_ROWS))
      await budget.pace()
    }
  }
  budget.set(owner, 0, 'sort')
}

/** The first key's value at row `row` of a sorted batch, if it is a number or time. */
function boundary(sorted: Batch, key: SortKey, ctx: EvalContext, row: number): { value: number | bigint; desc: boolean } | undefined {
  const v = evalExpr(key.expr, sorted, ctx)
  if ((v.t !== 'num' && v.t !== 'time') || (v.p !== undefined && v.p[row] !== 1)) return undefined
  return { value: v.v[row], desc: key.desc }
}

/**
 * The k-th best value of the first key among the rows of `batch` (numbers only, NaN and
 * absent values left out), found by selection in linear time; undefined when fewer than k.
 */
function kthBest(batch: Batch, key: SortKey, ctx: EvalContext, k: number): { value: number; desc: boolean } | undefined {
  const v = evalExpr(key.expr, batch, ctx)
  if (v.t !== 'num') return undefined
  const values = new Float64Array(batch.length)
  let n = 0
  for (let i = 0; i < batch.length; i++) {
    if (v.p !== undefined && v.p[i] !== 1) continue
    const x = v.v[i]
    if (x === x) values[n++] = key.desc ? -x : x
  }
  if (n < k) return undefined
  const best = selectNth(values.subarray(0, n), k - 1)
  return { value: key.desc ? -best : best, desc: key.desc }
}

/** The rows of `batch` that tie or beat the threshold on the first key; undefined when none. */
function beating(batch: Batch, key: SortKey, ctx: EvalContext, t: { value: number | bigint; desc: boolean }): Batch | undefined {
  const v = evalExpr(key.expr, batch, ctx)
  if (v.t !== 'num' && v.t !== 'time') return batch
  const rows: number[] = []
  const { v: x, p } = v
  for (let i = 0; i < batch.length; i++) {
    if (p !== undefined && p[i] !== 1) continue
    if (t.desc ? x[i] >= t.value : x[i] <= t.value) rows.push(i)
  }
  if (rows.length === 0) return undefined
  return rows.length === batch.length ? batch : takeRows(batch, rows)
}

/**
 * @module query/op-stats
 * `stats agg(...), ... by key, ...` (LANGUAGE.md "stats"): groups rows by the key values and
 * keeps streaming partial aggregates per group; one output row per group at the end, keys
 * first. Without keys there is exactly one row, even over no input rows.
 */
import type { Batch, Column } from '../storage/index.ts'
import type { CallNode, StatsNode } from './ast.ts'
import type { AggContext } from './agg.ts'
import { createAggregator } from './agg-registry.ts'
import type { Budget } from './budget.ts'
import { evalShared } from './eval-expr.ts'
import { outputName } from './expr-type.ts'
import { GroupKeys } from './group-keys.ts'
import { BYTES_PER_GROUP } from './limits.ts'
import { columnOf } from './vec.ts'

/** Width in nanoseconds of the first `bin(x, width)` key, if any: rate() divides by it. */
export function binWidth(node: StatsNode): number | undefined {
  for (const item of node.by) {
    const e = item.expr
    if (e.kind === 'Call' && e.name === 'bin' && e.args[1]?.kind === 'Literal' && typeof e.args[1].value === 'number') return e.args[1].value
  }
  return undefined
}

export async function* statsOp(input: AsyncIterable<Batch>, node: StatsNode, ctx: AggContext, budget: Budget): AsyncGenerator<Batch> {
  const keys = new GroupKeys(node.by.length)
  const aggCtx: AggContext = { ...ctx, binWidthNs: binWidth(node), shared: new Map() }
  const aggregators = node.aggregates.map((a) => createAggregator(a.expr as CallNode, aggCtx))
  const owner = {}
  let signal: Batch['signal'] = 'spans'
  for await (const batch of input) {
    signal = batch.signal
    const groups = keys.assign(node.by.map((b) => evalShared(b.expr, batch, ctx)), batch.length)
    let bytes = keys.count * BYTES_PER_GROUP
    for (const a of aggregators) {
      a.add(batch, groups, keys.count)
      bytes += a.bytes()
    }
    budget.set(owner, bytes, 'stats')
  }
  const columns: Record<string, Column> = {}
  const n = keys.count
  node.by.forEach((item, k) => {
    columns[outputName(item)] = columnOf(keys.values.map((v) => v[k]))
  })
  node.aggregates.forEach((item, k) => {
    columns[outputName(item)] = columnOf(Array.from({ length: n }, (_, g) => aggregators[k].value(g)))
  })
  budget.set(owner, 0, 'stats')
  if (n > 0) yield { signal, length: n, columns }
}

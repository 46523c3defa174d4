/**
 * @module query/op-stats
 * `stats agg(...), ... by key, ...` (LANGUAGE.md "stats"): groups rows by the key values and
 * keeps streaming partial aggregates per group; one output row per group at the end, keys
 * first. Without keys there is exactly one row, even over no input rows. With a `bin` key the
 * rows come ordered by bucket (then by the other keys), gap-filled buckets in place.
 */
import { bytesToHex, type Batch, type Column } from '../storage/index.ts'
import type { CallNode, FieldNode, StatsNode } from './ast.ts'
import type { AggContext, Aggregator } from './agg.ts'
import { AGGREGATES, createAggregator, isAggregate } from './agg-registry.ts'
import type { Budget } from './budget.ts'
import { QueryError } from './errors.ts'
import { evalShared } from './eval-expr.ts'
import { fieldVec } from './eval-field.ts'
import { outputName } from './expr-type.ts'
import { SCALAR_ARITY } from './fn-scalar.ts'
import { resolveField } from './fields.ts'
import { GroupKeys } from './group-keys.ts'
import { uniqueNames } from './op-select.ts'
import { matchesIn, prepareMatches } from './op-where.ts'
import { BYTES_PER_GROUP, MAX_FILLED_BUCKETS, PACE_ROWS } from './limits.ts'
import { printNamed } from './print-expr.ts'
import { pickedRows } from './row-select.ts'
import { seriesStats } from './series-stats.ts'
import type { StageDef } from './stage-def.ts'
import { columnOf, type Scalar, type ValueType } from './vec.ts'

export const statsStage: StageDef<StatsNode> = {
  words: ['stats'],
  parse(p, _word, at) {
    const aggregates = p.list(() => p.named())
    const by = p.acceptWord('by') ? p.list(() => p.named()) : []
    return { kind: 'Stats', aggregates, by, at }
  },
  print: (s) => `stats ${s.aggregates.map(printNamed).join(', ')}${s.by.length > 0 ? ` by ${s.by.map(printNamed).join(', ')}` : ''}`,
  pushdown: () => false,
  plan(node, scope, planner) {
    uniqueNames([...node.by, ...node.aggregates], 'compute stats', planner)
    for (const a of node.aggregates) {
      if (a.expr.kind === 'Call' && !isAggregate(a.expr.name) && SCALAR_ARITY[a.expr.name] === undefined) {
        throw new QueryError('UNKNOWN_NAME', `cannot compute stats: unknown aggregate ${a.expr.name}(); aggregates are ${Object.keys(AGGREGATES).join(', ')}`, planner.at(a.expr.at))
      }
      if (a.expr.kind !== 'Call' || !isAggregate(a.expr.name)) {
        throw new QueryError('INVALID_ARGUMENT', 'cannot compute stats: each item before "by" must be an aggregate call, like count() or p99(duration)', planner.at(a.expr.at))
      }
    }
    const types = node.aggregates.map((a) => planner.expr(a.expr, scope, true))
    const columns: Record<string, ValueType> = {}
    for (const item of node.by) columns[outputName(item)] = planner.expr(item.expr, scope)
    node.aggregates.forEach((item, k) => (columns[outputName(item)] = types[k]))
    return { aliases: {}, columns }
  },
  run: (input, stage, run) => statsOp(input, stage.node, { ...run.ctx, rangeStart: run.start, rangeEnd: run.end }, run.budget, run.replay),
}

/** Width in nanoseconds of the first `bin(x, width)` key, if any: rate() divides by it. */
export function binWidth(node: StatsNode): number | undefined {
  for (const item of node.by) {
    const e = item.expr
    if (e.kind === 'Call' && e.name === 'bin' && e.args[1]?.kind === 'Literal' && typeof e.args[1].value === 'number') return e.args[1].value
  }
  return undefined
}

/** `replay`: the input read again, which lets counter panels go through it as it comes (series-stats.ts Stream). */
export async function* statsOp(input: AsyncIterable<Batch>, node: StatsNode, ctx: AggContext, budget: Budget, replay?: () => AsyncIterable<Batch>): AsyncGenerator<Batch> {
  const aggCtx = statsContext(node, ctx)
  const rows = new StatsRows(node, aggCtx)
  const owner = {}
  let signal: Batch['signal'] = 'spans'
  const addRows = async (batch: Batch): Promise<void> => budget.set(owner, await rows.add(batch, budget), 'stats')
  // Counter and histogram panels go series by series (series-stats.ts), else row by row.
  let series = seriesStats(node, aggCtx, replay !== undefined)
  const generic = async (batches: Batch[]): Promise<void> => {
    series = undefined
    for (const b of batches) await addRows(b)
  }
  // Whether batches walked as they came and let go must be read again, kept.
  let again = false
  const add = async (batch: Batch): Promise<void> => {
    signal = batch.signal
    if (series === undefined) return addRows(batch)
    if (series.add(batch)) return budget.set(owner, series.bytes(), 'stats')
    if (!series.streaming) return generic([...series.release(), batch])
    if (series.dropped) again = true
    else {
      series = seriesStats(node, aggCtx)
      await add(batch)
    }
  }
  for await (const batch of input) {
    await add(batch)
    if (again) break
  }
  if (!again && series !== undefined && !series.finish()) {
    if (series.dropped) again = true
    else await generic(series.release())
  }
  if (again) {
    series = seriesStats(node, aggCtx)
    for await (const batch of replay!()) await add(batch)
    if (series !== undefined && !series.finish()) await generic(series.release())
  }
  const final = series
  const out = await statsOutput(node, aggCtx, final ?? rows.keys, (k, g) => (final !== undefined ? final.value(k, g) : rows.aggregators[k].value(g)), signal, budget)
  budget.set(owner, 0, 'stats')
  if (out !== undefined) yield out
}

/** What aggregates of `node` know besides the rows: its bin width, and state they share. */
export function statsContext(node: StatsNode, ctx: AggContext): AggContext {
  return { ...ctx, binWidthNs: binWidth(node), shared: new Map() }
}

/** Groups of `stats` rows and each aggregate's state per group, added batch after batch (row by row, not series by series). */
export class StatsRows {
  readonly keys: GroupKeys
  readonly aggregators: Aggregator[]
  private readonly node: StatsNode
  private readonly ctx: AggContext
  private readonly matches: ReturnType<typeof matchesIn>
  private readonly counted: CountedKey | undefined

  constructor(node: StatsNode, aggCtx: AggContext) {
    this.node = node
    this.ctx = aggCtx
    this.keys = new GroupKeys(node.by.length)
    this.aggregators = node.aggregates.map((a) => createAggregator(a.expr as CallNode, aggCtx))
    this.matches = matchesIn([...node.aggregates, ...node.by].map((i) => i.expr))
    this.counted = countedKey(node)
  }

  /** Adds the rows of `batch`; returns the bytes of state now held. */
  async add(batch: Batch, budget: Budget): Promise<number> {
    const { keys, aggregators, node, ctx } = this
    const counts = this.counted === undefined ? undefined : countPicked(batch, this.counted, keys, ctx)
    if (counts !== undefined) {
      for (const a of aggregators) a.add(batch, NO_GROUPS, keys.count, counts)
      return keys.count * BYTES_PER_GROUP + aggregators.reduce((n, a) => n + a.bytes(), 0)
    }
    const prepared = await prepareMatches(this.matches, batch, ctx, budget)
    const groups = keys.assign(node.by.map((b) => evalShared(b.expr, batch, ctx)), batch.length)
    let bytes = keys.count * BYTES_PER_GROUP
    for (const a of aggregators) {
      a.add(batch, groups, keys.count, keys.rowsPerGroup, keys.runs)
      bytes += a.bytes()
    }
    for (const p of prepared) p.release()
    return bytes
  }
}

/**
 * The one batch `stats` yields: a row per group (keys first, bucket order with a bin key,
 * buckets of the range without rows filled in), `value(k, g)` the k-th aggregate of group g.
 */
export async function statsOutput(
  node: StatsNode,
  aggCtx: AggContext,
  groups: { readonly count: number; readonly values: readonly (readonly unknown[])[] },
  value: (k: number, g: number) => Scalar,
  signal: Batch['signal'],
  budget: Budget,
): Promise<Batch | undefined> {
  const columns: Record<string, Column> = {}
  const empty = emptyBuckets(node, aggCtx, groups.values)
  const n = groups.count + empty.length
  const keyOf = (g: number, k: number): Scalar => (g < groups.count ? (groups.values[g][k] as Scalar) : empty[g - groups.count])
  const order = Array.from({ length: n }, (_, g) => g)
  const bin = node.by.findIndex((b) => b.expr.kind === 'Call' && b.expr.name === 'bin')
  if (bin >= 0) {
    const keyOrder = [bin, ...node.by.keys()].filter((k, i) => i === 0 || k !== bin)
    order.sort((a, b) => {
      for (const k of keyOrder) {
        const c = compareKeys(keyOf(a, k), keyOf(b, k))
        if (c !== 0) return c
      }
      return a - b
    })
  }
  node.by.forEach((item, k) => {
    columns[outputName(item)] = columnOf(order.map((g) => keyOf(g, k)))
  })
  for (const [k, item] of node.aggregates.entries()) {
    const call = item.expr as CallNode
    const none = ZERO_OVER_NO_ROWS.has(call.name) && !(call.name === 'rate' && call.args.length > 0) ? 0 : null
    const values: Scalar[] = new Array(n)
    // Final values cost up to a sort per group (percentiles): the clock is checked as they go.
    for (let i = 0; i < n; i++) {
      const g = order[i]
      values[i] = g >= groups.count ? none : value(k, g)
      if ((i & (PACE_ROWS - 1)) === PACE_ROWS - 1) await budget.pace()
    }
    columns[outputName(item)] = columnOf(values)
  }
  return n > 0 ? { signal, length: n, columns } : undefined
}

const NO_GROUPS = new Uint32Array(0)

/** The key of `stats count(), ... by key` (one key; a field, or bin of a field by a literal), and its bin width. */
interface CountedKey {
  readonly field: FieldNode
  readonly binWidth?: number
}

function countedKey(node: StatsNode): CountedKey | undefined {
  if (node.by.length !== 1 || !node.aggregates.every((a) => a.expr.kind === 'Call' && a.expr.name === 'count' && a.expr.args.length === 0)) return undefined
  const key = node.by[0].expr
  if (key.kind === 'Field') return { field: key }
  const width = binWidth(node)
  if (key.kind === 'Call' && key.name === 'bin' && key.args[0]?.kind === 'Field' && width !== undefined && width > 0) return { field: key.args[0], binWidth: width }
  return undefined
}

/**
 * Rows per group of a batch a `where` picked (row-select.ts pickRows), counted from the block's
 * own codes or times at the picked rows: no column is copied and no group number made per row.
 * Undefined for any other batch, or a key this cannot count (GroupKeys.countRows).
 */
function countPicked(batch: Batch, key: CountedKey, keys: GroupKeys, ctx: AggContext): Float64Array | undefined {
  const picked = pickedRows(batch)
  if (picked === undefined) return undefined
  const ref = resolveField(key.field.path, ctx.scope)
  // An attribute held in several typed columns is merged row by row: over the whole block, that
  // costs more than copying the picked rows.
  if (ref.kind === 'attr' && ref.columns.filter((c) => picked.from.columns[c] !== undefined).length > 1) return undefined
  return keys.countRows(fieldVec(picked.from, ref), picked.rows, key.binWidth)
}

/**
 * Aggregates whose value over no rows is 0 rather than absent (LANGUAGE.md "bin"): counts,
 * sums, and rows per second. The others (avg, min, max, percentiles, counter rates) are absent.
 */
const ZERO_OVER_NO_ROWS = new Set(['count', 'countif', 'dcount', 'count_distinct', 'sum', 'rate'])

/** Ascending order of group key values: absent last, ids by hex, values of one type by value. */
function compareKeys(x: Scalar, y: Scalar): number {
  if (x === null || x === undefined || y === null || y === undefined) return x === y ? 0 : x === null || x === undefined ? 1 : -1
  const a = x instanceof Uint8Array ? bytesToHex(x) : x
  const b = y instanceof Uint8Array ? bytesToHex(y) : y
  if (typeof a !== typeof b) return typeof a < typeof b ? -1 : 1
  if (typeof a === 'object') return 0
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * The buckets with no rows of a time series: when `bin(time, w)` is the only key and the query
 * has a bounded range, every bucket of the range appears, so charts show zero instead of a gap.
 */
function emptyBuckets(node: StatsNode, ctx: AggContext, present: readonly (readonly unknown[])[]): bigint[] {
  const width = binWidth(node)
  if (node.by.length !== 1 || width === undefined || width <= 0 || ctx.rangeStart === undefined || ctx.rangeEnd === undefined) return []
  if (present.some((v) => typeof v[0] !== 'bigint')) return []
  const w = BigInt(Math.round(width))
  const first = ctx.rangeStart - (((ctx.rangeStart % w) + w) % w)
  if ((ctx.rangeEnd - first) / w > BigInt(MAX_FILLED_BUCKETS)) return []
  const seen = new Set(present.map((v) => v[0] as bigint))
  const out: bigint[] = []
  for (let t = first; t < ctx.rangeEnd; t += w) if (!seen.has(t)) out.push(t)
  return out
}

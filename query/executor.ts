/**
 * @module query/executor
 * Runs a plan: scans storage (or looks a trace up), filters rows to the time range, streams
 * the batches through the stages (each run by its StageDef, stage-registry.ts), and gathers
 * execution statistics. Every stage is an async generator over batches, so rows flow through without being collected, except where an
 * operator must (sort, stats, the right side of a join) and then within the memory budget.
 */
import { projectBatch, takeRows, TIME_COLUMN, type Batch, type Scan, type Store } from '../storage/index.ts'
import { isLabelColumn } from './agg-series.ts'
import type { Budget } from './budget.ts'
import { fieldVec } from './eval-field.ts'
import type { EvalContext } from './eval-context.ts'
import { rangeMask, selectRows } from './row-select.ts'
import type { QueryPlan } from './planner.ts'
import { scanTop } from './plan-top.ts'
import { stageDef } from './stage-registry.ts'
import { cachedStats, type CachedPrefix, type PartialCache } from './stats-cache.ts'
import { treeOrder } from './trace-tree.ts'

/** What the engine reads through: a Store, or a query thread's view of scan snapshots. */
export type QueryStore = Pick<Store, 'scan' | 'getTrace'>

/** What one run needs besides the plan. */
export interface RunContext {
  readonly store: QueryStore
  readonly tenant: string
  readonly budget: Budget
  readonly now: bigint
  readonly source: string
  /** Every scan started, for the statistics. */
  readonly scans: Scan[]
  /** Partial aggregates of blocks kept from run to run (stats-cache.ts); none when absent. */
  readonly partials?: PartialCache
}

/**
 * The batches a plan produces. `input`, when given, replaces the scan as the source rows
 * (live subscriptions feed newly stored batches); they are range-filtered all the same.
 */
export async function* runPlan(plan: QueryPlan, run: RunContext, input?: AsyncIterable<Batch>): AsyncGenerator<Batch> {
  const cached = input === undefined && run.partials !== undefined ? cachedStats(plan, run.tenant, run.partials) : undefined
  let stream: AsyncIterable<Batch> = source(plan, run, input, cached)
  const stage = (k: number, input: AsyncIterable<Batch>, replay?: () => AsyncIterable<Batch>): AsyncIterable<Batch> =>
    stageDef(plan.stages[k].node).run(input, plan.stages[k], {
      ctx: { scope: plan.stages[k].scope, now: run.now, source: run.source },
      budget: run.budget,
      start: plan.start,
      end: plan.end,
      next: plan.stages[k + 1]?.node,
      subquery: (right) => runPlan(right, run),
      replay,
    })
  // Stage k's input again: a new scan through the stages before it.
  const again = (k: number): AsyncIterable<Batch> => {
    let s: AsyncIterable<Batch> = source(plan, run)
    for (let j = 0; j < k; j++) s = stage(j, s)
    return s
  }
  for (let k = 0; k < plan.stages.length; k++) {
    if (k !== cached?.from) {
      stream = stage(k, stream, input === undefined && cached === undefined ? () => again(k) : undefined)
      continue
    }
    // Stages from..to run over each block's rows once, and over the partials kept (stats-cache.ts).
    const ctx: EvalContext = { scope: plan.stages[k].scope, now: run.now, source: run.source }
    const apply = (input: AsyncIterable<Batch>): AsyncIterable<Batch> => {
      for (let j = cached.from; j <= cached.to; j++) input = stage(j, input)
      return input
    }
    stream = cached.run(stream, apply, { ...ctx, rangeStart: plan.start, rangeEnd: plan.end }, run.budget, () => apply(again(cached.from)))
    k = cached.to
  }
  yield* stream
}

async function* source(plan: QueryPlan, run: RunContext, input?: AsyncIterable<Batch>, cached?: CachedPrefix): AsyncGenerator<Batch> {
  const time = { kind: 'column', column: TIME_COLUMN[plan.signal], type: 'time' } as const
  if (plan.traceId !== undefined) {
    await run.budget.pace()
    const spans = await run.store.getTrace(run.tenant, plan.traceId, { start: plan.start, end: plan.end })
    const inRange = plan.start === undefined && plan.end === undefined ? spans : selectRows(spans, rangeMask(fieldVec(spans, time), plan.start, plan.end, spans.length))
    if (inRange === undefined || inRange.length === 0) return
    const tree = treeOrder(inRange)
    const ordered = takeRows(inRange, tree.rows)
    yield { ...ordered, columns: { ...ordered.columns, depth: { kind: 'f64', values: Float64Array.from(tree.depth) } } }
    return
  }
  let batches = input
  let scan: Scan | undefined
  if (batches === undefined) {
    // The block the scan decoded and hands on counts against the memory budget until the next.
    const decoding = {}
    scan = run.store.scan({
      tenant: run.tenant,
      signal: plan.signal,
      start: plan.start,
      end: plan.end,
      columns: plan.columns,
      timeForRangeOnly: plan.timeForRangeOnly,
      where: plan.where,
      top: scanTop(plan),
      abort: run.budget.signal,
      holding: (bytes) => run.budget.set(decoding, bytes, 'decoding a block'),
      reuse: cached?.reuse,
    })
    run.scans.push(scan)
    batches = scan
  }
  const keep = plan.seriesColumns === undefined ? undefined : new Set(plan.seriesColumns)
  for await (const scanned of batches) {
    // Batches from memory (the head, cached blocks) arrive without a turn of the event loop.
    await run.budget.pace()
    const batch = keep === undefined ? scanned : projectBatch(scanned, Object.keys(scanned.columns).filter((c) => keep.has(c) || isLabelColumn(c)))
    // Blocks the scan knows to lie inside the range need no filtering by time (nor come with
    // the time column, when it was read for that alone).
    const block = scan?.inRange?.(scanned) === true
    const within = scan !== undefined && (block || (plan.timeForRangeOnly === true && scanned.columns[time.column] === undefined))
    cached?.seen(block)
    if ((plan.start === undefined && plan.end === undefined) || within) {
      yield batch
      continue
    }
    const kept = selectRows(batch, rangeMask(fieldVec(batch, time), plan.start, plan.end, batch.length))
    if (kept !== undefined) yield kept
  }
}

/**
 * @module query/engine
 * The entry point of the engine: text (or a tree) in, columns, rows and statistics out.
 */
import { DEFAULT_TENANT, StorageError } from '../storage/index.ts'
import type { QueryNode } from './ast.ts'
import { Budget } from './budget.ts'
import { QueryError } from './errors.ts'
import { runPlan, type QueryStore, type RunContext } from './executor.ts'
import { DEFAULT_MAX_MEMORY_BYTES, DEFAULT_RESULT_ROWS, DEFAULT_TIMEOUT_MS, MAX_RESULT_ROWS } from './limits.ts'
import { parseQuery } from './parser.ts'
import { planQuery, type PlanOptions, type QueryPlan } from './planner.ts'
import { printQuery } from './printer.ts'
import { ResultBuilder, type ResultColumn } from './result.ts'
import type { PartialCache } from './stats-cache.ts'
import type { QueryMemorySlot } from './query-memory.ts'
import { checkDepth } from './tree-depth.ts'

export interface QueryLimits {
  /** Memory budget of one query, bytes (limits.ts DEFAULT_MAX_MEMORY_BYTES). */
  maxMemoryBytes: number
  /** Time limit of one query, milliseconds. */
  timeoutMs: number
  /** Rows returned when the query has no limit and no stats. */
  defaultRows: number
}

export const DEFAULT_LIMITS: QueryLimits = {
  maxMemoryBytes: DEFAULT_MAX_MEMORY_BYTES,
  timeoutMs: DEFAULT_TIMEOUT_MS,
  defaultRows: DEFAULT_RESULT_ROWS,
}

export interface QueryOptions {
  store: QueryStore
  tenant?: string
  /** Range of the query, epoch nanoseconds [start, end), intersected with the query's own. */
  start?: bigint
  end?: bigint
  /** "Now" for relative ranges; the clock by default. */
  now?: bigint
  /** Cancels the query (the client went away). */
  signal?: AbortSignal
  /** Keeps and reuses partial aggregates of part blocks (stats-cache.ts); none by default. */
  partials?: PartialCache
  limits?: Partial<QueryLimits>
  /** The thread's share of the bound on all running queries' memory (query-memory.ts); none on the event loop. */
  memory?: QueryMemorySlot
  /** Parses query text; parseQuery by default (a query thread keeps recent trees: parseMemo). */
  parse?: (source: string) => QueryNode
  /** Plans a tree; planQuery by default (a query thread keeps recent plans: planMemo). */
  plan?: (query: QueryNode, options: PlanOptions) => QueryPlan
}

/** Execution statistics of one query. */
export interface QueryStats {
  rowsScanned: number
  bytesScanned: number
  blocksTotal: number
  blocksSkipped: number
  rowsReturned: number
  /** True when more rows matched than were returned (the default row cap). */
  truncated: boolean
  elapsedMs: number
}

export interface QueryResult {
  columns: ResultColumn[]
  rows: unknown[][]
  stats: QueryStats
}

/**
 * Parses, plans and runs a query.
 * @example
 * const { columns, rows } = await runQuery('spans | stats count() by service.name', { store })
 */
export async function runQuery(query: string | QueryNode, options: QueryOptions): Promise<QueryResult> {
  const began = performance.now()
  // A tree from the client is checked like parsed text before any recursive pass walks it.
  if (typeof query !== 'string') checkDepth(query)
  const text = typeof query === 'string' ? query : printQuery(query)
  const tree = typeof query === 'string' ? (options.parse ?? parseQuery)(query) : query
  const limits = { ...DEFAULT_LIMITS, ...options.limits }
  const now = options.now ?? BigInt(Date.now()) * 1_000_000n
  const plan = (options.plan ?? planQuery)(tree, { start: options.start, end: options.end, now, source: text })
  const budget = new Budget(limits.maxMemoryBytes, limits.timeoutMs, options.signal, options.memory)
  const run: RunContext = { store: options.store, tenant: options.tenant ?? DEFAULT_TENANT, budget, now, source: text, scans: [], partials: options.partials }
  const result = new ResultBuilder(plan.out, rowCap(plan, limits))
  try {
    for await (const batch of runPlan(plan, run)) if (!result.add(batch)) break
  } catch (error) {
    throw translate(error, budget)
  }
  const stats: QueryStats = { rowsScanned: 0, bytesScanned: 0, blocksTotal: 0, blocksSkipped: 0, rowsReturned: result.rows.length, truncated: result.truncated, elapsedMs: 0 }
  for (const s of run.scans) {
    stats.rowsScanned += s.stats.rowsRead
    stats.bytesScanned += s.stats.bytesRead
    stats.blocksTotal += s.stats.blocksTotal
    stats.blocksSkipped += s.stats.blocksSkipped
  }
  stats.elapsedMs = performance.now() - began
  return { columns: result.columns, rows: result.finish(), stats }
}

/** Most rows to return: the query's own limit, else all groups of stats, else the default cap. */
function rowCap(plan: QueryPlan, limits: QueryLimits): number {
  const last = plan.stages.at(-1)?.node
  if (last?.kind === 'Limit') return last.count
  if (plan.stages.some((s) => s.node.kind === 'Stats')) return MAX_RESULT_ROWS
  return limits.defaultRows
}

/** Storage failures become QueryErrors; an aborted scan is the cancellation or timeout it was. */
function translate(error: unknown, budget: Budget): unknown {
  if (error instanceof QueryError) return error
  if (error instanceof StorageError && error.code === 'ABORTED') {
    try {
      budget.check()
    } catch (reason) {
      return reason
    }
    return new QueryError('CANCELLED', 'cannot finish query: the scan was aborted', { cause: error })
  }
  if (error instanceof StorageError) return new QueryError('STORAGE', `cannot read data: ${error.message}`, { cause: error })
  return error
}

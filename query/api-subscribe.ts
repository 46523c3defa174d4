/**
 * @module query/api-subscribe
 * Live rows: GET /api/v1/subscribe?query=<signal | where ...> streams, as Server-Sent Events,
 * the rows matching a filter as they are stored. It listens with Store.watch, so a batch is
 * filtered (the query's `where` stages, vectorised) right after it became durable; the
 * listener only queues it. Events: `ready` once listening, `rows` with {columns, rows} per
 * stored batch that has matching rows, `error` with {error} before the stream closes (a
 * client too slow to keep up gets one when SUBSCRIBE_MAX_PENDING_ROWS rows are waiting).
 */
import type { Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { Batch, Store } from '../storage/index.ts'
import type { ApiEnv } from './api-auth.ts'
import { Budget } from './budget.ts'
import { DEFAULT_LIMITS, type QueryLimits } from './engine.ts'
import { QueryError } from './errors.ts'
import { runPlan } from './executor.ts'
import { SUBSCRIBE_MAX_PENDING_ROWS } from './limits.ts'
import { parseQuery } from './parser.ts'
import { planQuery, type QueryPlan } from './planner.ts'
import { ResultBuilder } from './result.ts'

/** The plan of a subscription: a signal source and `where` stages only, else INVALID_ARGUMENT. */
export function subscriptionPlan(text: string | undefined): QueryPlan {
  if (text === undefined || text === '') throw new QueryError('INVALID_ARGUMENT', 'cannot subscribe: the query parameter is missing, like ?query=logs | where severity >= 17')
  const q = parseQuery(text)
  const bad = q.stages.find((s) => s.kind !== 'Where')
  if (q.source.kind !== 'SignalSource' || bad !== undefined) {
    throw new QueryError('INVALID_ARGUMENT', `cannot subscribe: a subscription is a filter (a signal and where stages), not ${bad?.kind.toLowerCase() ?? 'a trace lookup'}`)
  }
  return planQuery(q, { now: BigInt(Date.now()) * 1_000_000n, source: text })
}

export function subscribe(c: Context<ApiEnv>, text: string, plan: QueryPlan, store: Store, limits?: Partial<QueryLimits>): Response {
  const tenant = c.get('tenant')
  const { maxMemoryBytes, timeoutMs } = { ...DEFAULT_LIMITS, ...limits }
  return streamSSE(c, async (stream) => {
    const pending: Batch[] = []
    let pendingRows = 0
    let wake: (() => void) | undefined
    const stop = store.watch(tenant, plan.signal, (batch) => {
      pending.push(batch)
      pendingRows += batch.length
      wake?.()
    })
    let closed = false
    stream.onAbort(() => {
      closed = true
      wake?.()
    })
    try {
      await stream.writeSSE({ event: 'ready', data: '{}' })
      while (!closed) {
        if (pending.length === 0) await new Promise<void>((resolve) => (wake = resolve))
        wake = undefined
        if (pendingRows > SUBSCRIBE_MAX_PENDING_ROWS) {
          throw new QueryError('MEMORY_LIMIT', `cannot keep up: more than ${SUBSCRIBE_MAX_PENDING_ROWS} stored rows wait to be sent; subscribe with a narrower filter`)
        }
        const batches = pending.splice(0)
        pendingRows = 0
        const run = { store, tenant, budget: new Budget(maxMemoryBytes, timeoutMs), now: BigInt(Date.now()) * 1_000_000n, source: text, scans: [] }
        const result = new ResultBuilder(plan.out, Number.MAX_SAFE_INTEGER)
        for await (const b of runPlan(plan, run, fromArray(batches))) result.add(b)
        if (result.rows.length > 0) await stream.writeSSE({ event: 'rows', data: JSON.stringify({ columns: result.columns, rows: result.finish() }) })
      }
    } catch (error) {
      const body = error instanceof QueryError ? error.toJSON() : { code: 'INTERNAL', message: String(error) }
      await stream.writeSSE({ event: 'error', data: JSON.stringify({ error: body }) })
    } finally {
      stop()
    }
  })
}

async function* fromArray(batches: Batch[]): AsyncGenerator<Batch> {
  yield* batches
}

/**
 * @module query/testdata/both-ways
 * Runs each query of a test twice, in-process (runQuery) and on a query thread (a query
 * service over the same store, reading snapshots), and expects the same answer or the same
 * error from both: the language and engine tests then cover the thread path case by case.
 */
import { expect } from 'vitest'
import type { Store } from '../../storage/index.ts'
import type { QueryNode } from '../ast.ts'
import { runQuery, type QueryOptions, type QueryResult } from '../engine.ts'
import { QueryError } from '../errors.ts'
import { createQueryService, type QueryService } from '../query-service.ts'

type Outcome = { result: QueryResult } | { error: unknown }

const settle = (p: Promise<QueryResult>): Promise<Outcome> => p.then((result) => ({ result }), (error: unknown) => ({ error }))

const describeError = (e: unknown) => (e instanceof QueryError ? { code: e.code, message: e.message, line: e.line, column: e.column } : { message: String(e) })

export class BothWays {
  private store: Store | undefined
  private service: QueryService | undefined

  /** Starts a query service with one thread over `store`. */
  open(store: Store): void {
    this.store = store
    this.service = createQueryService({ store, threads: 1 })
  }

  /** The in-process answer, after checking that the thread gave the same; throws the in-process error. */
  async run(query: string | QueryNode, options: Omit<Partial<QueryOptions>, 'store'> = {}): Promise<QueryResult> {
    const here = await settle(runQuery(query, { ...options, store: this.store! }))
    const there = await settle(this.service!.run(query, options))
    const label = `${typeof query === 'string' ? query : 'a query tree'} on a query thread`
    if ('error' in here) {
      expect('error' in there ? describeError(there.error) : there.result.rows, label).toEqual(describeError(here.error))
      throw here.error
    }
    expect('result' in there, `${label}: ${'error' in there ? String(there.error) : ''}`).toBe(true)
    const r = (there as { result: QueryResult }).result
    expect(r.columns, label).toEqual(here.result.columns)
    expect(r.rows, label).toEqual(here.result.rows)
    // Block counts may differ: a snapshot leaves out what the store's own scan counts as skipped.
    const rowStats = ({ rowsScanned, rowsReturned, truncated }: QueryResult['stats']) => ({ rowsScanned, rowsReturned, truncated })
    expect(rowStats(r.stats), label).toEqual(rowStats(here.result.stats))
    return here.result
  }

  async close(): Promise<void> {
    await this.service?.close()
  }
}

/**
 * @module query/api-errors
 * One table from QueryError codes to HTTP statuses, and the error body every route answers
 * with: `{ error: { code, message, line?, column? } }`.
 */
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { QueryError, type QueryErrorCode } from './errors.ts'
import { parseTime } from './lexer.ts'

/** Client mistakes are 4xx (do not retry as is); limits and storage trouble say so. */
export const STATUS_OF: Readonly<Record<QueryErrorCode, ContentfulStatusCode>> = {
  SYNTAX: 400,
  UNKNOWN_NAME: 400,
  INVALID_ARGUMENT: 400,
  INVALID_RANGE: 400,
  MEMORY_LIMIT: 422,
  TIMEOUT: 504,
  CANCELLED: 499 as ContentfulStatusCode,
  STORAGE: 503,
  OVERLOADED: 503,
}

/** Seconds a client refused with OVERLOADED waits before it retries: about one query's time. */
export const OVERLOADED_RETRY_AFTER_SECONDS = 1

/** The answer for an error thrown by a route: QueryErrors by the table, anything else 500. */
export function errorResponse(c: Context, error: unknown): Response {
  if (error instanceof QueryError) {
    // RFC 9110 §10.2.3: a 503 may say when to come back.
    if (error.code === 'OVERLOADED') c.header('Retry-After', String(OVERLOADED_RETRY_AFTER_SECONDS))
    return c.json({ error: error.toJSON() }, STATUS_OF[error.code])
  }
  return c.json({ error: { code: 'INTERNAL', message: `cannot answer: ${(error as Error)?.message ?? String(error)}` } }, 500)
}

/** Epoch nanoseconds of an API time: RFC 3339 text or decimal epoch nanoseconds. */
export function parseApiTime(name: string, value: unknown): bigint | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value)
  const fail = (): never => {
    throw new QueryError('INVALID_RANGE', `cannot read ${name}: expected an RFC 3339 time or epoch nanoseconds as a decimal string, got ${JSON.stringify(value)}`)
  }
  return typeof value === 'string' ? parseTime(value, fail) : fail()
}

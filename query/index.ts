/**
 * @module query
 * BlazeDB's query service: one pipe language over spans, logs and metrics (LANGUAGE.md),
 * its engine over the Store scan API, a typed client, and the HTTP API.
 * Other components import only this file.
 */
export type * from './ast.ts'
export { QueryError, type QueryErrorCode } from './errors.ts'
export { parseQuery, parseExpression } from './parser.ts'
export { printQuery, printExpr } from './printer.ts'
export { planQuery, type QueryPlan } from './planner.ts'
export { runQuery, DEFAULT_LIMITS, type QueryLimits, type QueryOptions, type QueryResult, type QueryStats } from './engine.ts'
export type { ResultColumn } from './result.ts'
export type { ValueType } from './vec.ts'
export { connect, duration, Db, QueryBuilder, type Operator, type QueryRunner, type RunOptions, type Value } from './client.ts'
export { createQueryApi, type QueryApiOptions } from './api.ts'
export { createQueryService, defaultQueryThreads, type QueryService, type QueryServiceOptions, type ServiceQueryOptions } from './query-service.ts'
export { requireScope, type AccessToken, type ApiEnv } from './api-auth.ts'
export { traceTree, type SpanNode } from './trace-json.ts'
export { parseApiTime } from './api-errors.ts'
export { compilePattern, type Pattern } from './regex.ts'

/**
 * @module query/client
 * A typed, fluent client that builds the same query trees as the language:
 * `db.query('spans').where('duration', '>', duration('100ms')).orderBy('duration', 'desc').limit(10)`
 * is `spans | where duration > 100ms | sort duration desc | limit 10`. Builders are immutable:
 * every call returns a new one. A query runs in-process against a Store, or over HTTP.
 */
import type { Signal, Store } from '../storage/index.ts'
import { freeze, literal, type BinaryOp, type Expr, type LiteralNode, type NamedExpr, type QueryNode, type SourceNode, type StageNode } from './ast.ts'
import { runQuery, type QueryLimits, type QueryResult } from './engine.ts'
import { QueryError } from './errors.ts'
import { DURATION_UNITS, formatTime } from './lexer.ts'
import { parseExpression } from './parser.ts'
import { printQuery } from './printer.ts'

export type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | 'startswith' | 'endswith' | 'matches' | 'not contains' | 'not startswith' | 'not endswith' | 'not matches' | 'in' | 'not in'
export type Value = string | number | boolean | null | bigint | Date | LiteralNode
export interface RunOptions {
  /** Range, epoch nanoseconds or Date, [start, end). */
  start?: bigint | Date
  end?: bigint | Date
  signal?: AbortSignal
}

/** Runs query text somewhere: in-process or over HTTP. */
export interface QueryRunner {
  run(query: string, options?: RunOptions): Promise<QueryResult>
}

/**
 * A duration literal for `where`: `duration('250ms')`.
 * @example db.query('spans').where('duration', '>', duration('1.5s'))
 */
export function duration(text: string): LiteralNode {
  const m = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h|d|w)$/.exec(text)
  if (m === null) throw new QueryError('INVALID_ARGUMENT', `cannot read duration ${JSON.stringify(text)}: expected a number and a unit, like 250ms`)
  return literal('duration', Number(m[1]) * DURATION_UNITS[m[2]])
}

function valueNode(v: Value): LiteralNode {
  if (v !== null && typeof v === 'object' && 'kind' in v) return v
  if (v instanceof Date) return literal('time', BigInt(v.getTime()) * 1_000_000n)
  if (typeof v === 'bigint') return literal('time', v)
  if (v === null) return literal('null', null)
  return literal(typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : 'string', v)
}

function toNs(t: bigint | Date | undefined): bigint | undefined {
  return t instanceof Date ? BigInt(t.getTime()) * 1_000_000n : t
}

/** An immutable query under construction. */
export class QueryBuilder {
  readonly node: QueryNode
  private readonly runner?: QueryRunner

  constructor(node: QueryNode, runner?: QueryRunner) {
    this.node = freeze(node)
    this.runner = runner
  }

  private with(stage: StageNode): QueryBuilder {
    return new QueryBuilder({ ...this.node, stages: [...this.node.stages, stage] }, this.runner)
  }

  /** `where field op value`, or `where <expression text>` with one argument. */
  where(field: string, op?: Operator, value?: Value | Value[]): QueryBuilder {
    if (op === undefined) return this.with({ kind: 'Where', predicate: parseExpression(field), at: 0 })
    const left = parseExpression(field)
    if (op === 'in' || op === 'not in') {
      const values = (Array.isArray(value) ? value : [value as Value]).map(valueNode)
      return this.with({ kind: 'Where', predicate: { kind: 'In', operand: left, values, negated: op === 'not in', at: 0 }, at: 0 })
    }
    const predicate: Expr = { kind: 'Binary', op: op as BinaryOp, left, right: valueNode(value as Value), at: 0 }
    return this.with({ kind: 'Where', predicate, at: 0 })
  }

  /** `select a, b as c`: fields or expressions, or a record of output name -> expression. */
  select(...columns: (string | Record<string, string>)[]): QueryBuilder {
    return this.with({ kind: 'Select', extend: false, items: named(columns), at: 0 })
  }

  /** `extend expr as name, ...`. */
  extend(columns: Record<string, string>): QueryBuilder {
    return this.with({ kind: 'Select', extend: true, items: named([columns]), at: 0 })
  }

  /** `sort`: consecutive calls add keys to one sort. */
  orderBy(expression: string, direction: 'asc' | 'desc' = 'asc'): QueryBuilder {
    const key = { expr: parseExpression(expression), desc: direction === 'desc' }
    const last = this.node.stages.at(-1)
    if (last?.kind !== 'Sort') return this.with({ kind: 'Sort', keys: [key], at: 0 })
    const stages = [...this.node.stages.slice(0, -1), { ...last, keys: [...last.keys, key] }]
    return new QueryBuilder({ ...this.node, stages }, this.runner)
  }

  limit(count: number): QueryBuilder {
    return this.with({ kind: 'Limit', count, at: 0 })
  }

  /** `stats name = aggregate, ... by key, ...`: aggregates as a record of name -> call text. */
  stats(aggregates: Record<string, string>, by: string[] = []): QueryBuilder {
    return this.with({ kind: 'Stats', aggregates: named([aggregates]), by: named(by), at: 0 })
  }

  /** `join [left] (<other>) as alias on key, ...`: keys are field names on both sides, or [left, right] pairs. */
  join(other: QueryBuilder, alias: string, on: (string | [string, string])[], type: 'inner' | 'left' = 'inner'): QueryBuilder {
    const keys = on.map((k) => (typeof k === 'string' ? [k, `${alias}.${k}`] : k)).map(([l, r]) => ({ left: parseExpression(l), right: parseExpression(r) }))
    return this.with({ kind: 'Join', type, right: other.node, alias, on: keys, at: 0 })
  }

  /** The canonical query text. */
  toString(): string {
    return printQuery(this.node)
  }

  /** Runs the query with the runner of the `Db` that made it. */
  run(options?: RunOptions): Promise<QueryResult> {
    if (this.runner === undefined) throw new QueryError('INVALID_ARGUMENT', 'cannot run query: this builder has no runner; make it with connect(...)')
    return this.runner.run(this.toString(), options)
  }
}

function named(columns: (string | Record<string, string>)[]): NamedExpr[] {
  return columns.flatMap((c) =>
    typeof c === 'string' ? [{ expr: parseExpression(c) }] : Object.entries(c).map(([name, text]) => ({ expr: parseExpression(text), name })),
  )
}

/** Entry point of the client: makes query builders bound to a runner. */
export class Db {
  readonly runner: QueryRunner
  constructor(runner: QueryRunner) {
    this.runner = runner
  }

  /** A query over one signal, optionally over `last` (like '1h') or a range. */
  query(signal: Signal, range?: { last?: string; from?: Date | bigint; to?: Date | bigint }): QueryBuilder {
    const r = range === undefined ? undefined : { kind: 'Range' as const, last: range.last === undefined ? undefined : (duration(range.last).value as number), from: toNs(range.from), to: toNs(range.to), at: 0 }
    const clean = r === undefined ? undefined : (Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as typeof r)
    const source: SourceNode = { kind: 'SignalSource', signal, ...(clean ? { range: clean } : {}), at: 0 }
    return new QueryBuilder({ kind: 'Query', source, stages: [], at: 0 }, this.runner)
  }

  /** Every span of one trace, in tree order. */
  trace(traceId: string): QueryBuilder {
    return new QueryBuilder({ kind: 'Query', source: { kind: 'TraceSource', traceId, at: 0 }, stages: [], at: 0 }, this.runner)
  }

  /** Runs query text. */
  run(query: string, options?: RunOptions): Promise<QueryResult> {
    return this.runner.run(query, options)
  }
}

/**
 * A client over a Store (in-process) or a server URL (HTTP, with an optional bearer token).
 * @example const db = connect('http://127.0.0.1:4319', { token: 'secret-token' })
 */
export function connect(target: Store | string, options: { tenant?: string; token?: string; limits?: Partial<QueryLimits> } = {}): Db {
  if (typeof target !== 'string') {
    return new Db({
      run: (query, o = {}) => runQuery(query, { store: target, tenant: options.tenant, limits: options.limits, start: toNs(o.start), end: toNs(o.end), signal: o.signal }),
    })
  }
  const base = target.replace(/\/$/, '')
  return new Db({
    async run(query, o = {}) {
      const body = { query, start: o.start === undefined ? undefined : formatTime(toNs(o.start)!), end: o.end === undefined ? undefined : formatTime(toNs(o.end)!) }
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
      const res = await fetch(`${base}/api/v1/query`, { method: 'POST', headers, body: JSON.stringify(body), signal: o.signal })
      const json = (await res.json()) as QueryResult & { error?: { code: string; message: string; line?: number; column?: number } }
      if (!res.ok) {
        const e = json.error
        throw new QueryError((e?.code ?? 'STORAGE') as never, e?.message ?? `cannot run query: HTTP ${res.status}`, { line: e?.line, column: e?.column, source: query })
      }
      return json
    },
  })
}

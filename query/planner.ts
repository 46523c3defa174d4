/**
 * @module query/planner
 * Checks a query tree and plans it: the scope each stage sees, the time range (API range,
 * source range and leading `where time ...` conditions intersected), and what can be pushed
 * into Store.scan: the range, the columns to read, and ScanConditions for block skipping.
 * Pushdown is a hint only: the executor still filters every row.
 */
import { hexToBytes, METRIC_COLUMNS, TIME_COLUMN, type ScanCondition, type Signal } from '../storage/index.ts'
import type { Expr, QueryNode, StageNode } from './ast.ts'
import { AGGREGATES, isAggregate } from './agg-registry.ts'
import { QueryError, positionOf } from './errors.ts'
import { exprType, outputName, refColumns, walkExpr } from './expr-type.ts'
import { resolveField, type Scope } from './fields.ts'
import { SCALAR_ARITY } from './fn-scalar.ts'
import { MAX_RESULT_ROWS } from './limits.ts'
import { printExpr } from './printer.ts'
import { patternOf } from './regex.ts'
import type { ValueType } from './vec.ts'

export interface PlanOptions {
  /** Range from the API, epoch nanoseconds, [start, end). */
  start?: bigint
  end?: bigint
  now: bigint
  /** The query text, for error positions. */
  source: string
}

export interface StagePlan {
  readonly node: StageNode
  /** What the stage's expressions see. */
  readonly scope: Scope
  /** What the stage produces. */
  readonly out: Scope
  /** The planned right side of a join. */
  readonly right?: QueryPlan
}

export interface QueryPlan {
  readonly signal: Signal
  /** A trace lookup instead of a scan. */
  readonly traceId?: Uint8Array
  readonly start?: bigint
  readonly end?: bigint
  /** Columns to read; undefined reads all. */
  readonly columns?: readonly string[]
  /**
   * Counter and histogram aggregates read every label of a point, whose names are not known
   * in advance: the scan reads all columns and the rows keep only these and the labels.
   */
  readonly seriesColumns?: readonly string[]
  readonly where: readonly ScanCondition[]
  readonly stages: readonly StagePlan[]
  readonly out: Scope
}

/** Columns later stages read from a plan's rows; `all` when the raw rows reach the result. */
interface Needs {
  all: boolean
  columns: Set<string>
}

/**
 * Plans `query`; throws QueryError for unknown names, misplaced aggregates and empty ranges.
 * @example planQuery(parseQuery('spans last 1h | where status = "error"'), { now, source })
 */
export function planQuery(query: QueryNode, options: PlanOptions, needs?: Needs): QueryPlan {
  const at = (offset: number) => ({ ...positionOf(options.source, offset), source: options.source })
  const src = query.source
  const signal: Signal = src.kind === 'TraceSource' ? 'spans' : src.signal
  let traceId: Uint8Array | undefined
  if (src.kind === 'TraceSource') {
    traceId = hexToBytes(src.traceId)
    if (traceId?.length !== 16) throw new QueryError('INVALID_ARGUMENT', `cannot look up trace ${JSON.stringify(src.traceId)}: expected 32 hex digits`, at(src.at))
  }
  let scope: Scope = traceId !== undefined ? { signal, aliases: {}, columns: { depth: 'number' } } : { signal, aliases: {} }
  const range = { start: options.start, end: options.end }
  if (src.kind === 'SignalSource' && src.range !== undefined) {
    const r = src.range
    narrow(range, r.last !== undefined ? options.now - BigInt(Math.round(r.last)) : r.from, r.last !== undefined ? options.now + 1n : r.to)
  }
  const where: ScanCondition[] = []
  const leading = query.stages.findIndex((s) => s.kind !== 'Where')
  for (const stage of query.stages.slice(0, leading < 0 ? undefined : leading)) {
    if (stage.kind === 'Where') for (const c of conjuncts(stage.predicate)) pushdown(c, scope, signal, range, where)
  }
  if (range.start !== undefined && range.end !== undefined && range.start >= range.end) {
    throw new QueryError('INVALID_RANGE', 'cannot run query: its time range is empty (start is not before end)', at(query.at))
  }

  const stages: StagePlan[] = []
  for (const node of query.stages) {
    check(node, scope, at)
    let right: QueryPlan | undefined
    if (node.kind === 'Join') right = planQuery(node.right, options, { all: true, columns: new Set() })
    const out = outScope(node, scope, right)
    stages.push({ node, scope, out, right })
    scope = out
  }

  // Second pass: which columns of the source and of each join's rows later stages read.
  const endsRaw = scope.signal !== undefined
  // A join's right side: the outer query says what it reads. A whole query: raw rows show all.
  const own: Needs = { all: needs?.all ?? endsRaw, columns: new Set(needs?.columns) }
  const series = new Set<string>()
  const joined = new Map<string, Needs>()
  const read = (e: Expr, inScope: Scope, alias?: string) => {
    for (const f of walkExpr(e)) {
      if (f.kind !== 'Field') continue
      const head = f.path.length > 1 && joined.has(f.path[0]) && (alias === f.path[0] || inScope.aliases[f.path[0]] !== undefined) ? f.path[0] : undefined
      if (head !== undefined) {
        const right = stages.find((x) => x.node.kind === 'Join' && x.node.alias === head)!.right!
        for (const c of refColumns(resolveField(f.path.slice(1), { signal: right.out.signal, aliases: {}, columns: right.out.columns }))) joined.get(head)!.columns.add(c)
      } else if (inScope.columns?.[f.path.join('.')] === undefined && inScope.signal !== undefined) {
        for (const c of refColumns(resolveField(f.path, inScope))) own.columns.add(c)
      }
    }
  }
  for (const s of stages) {
    if (s.node.kind === 'Join') {
      joined.set(s.node.alias, { all: endsRaw && scope.aliases[s.node.alias] !== undefined, columns: new Set() })
      for (const k of s.node.on) read(k.right, s.scope, s.node.alias)
    }
    for (const e of stageExprs(s.node)) {
      read(e, s.scope)
      if (s.node.kind !== 'Stats' || s.scope.signal === undefined) continue
      for (const x of walkExpr(e)) if (x.kind === 'Call' && SERIES_COLUMNS[x.name] !== undefined && x.args.length > 0) for (const c of SERIES_COLUMNS[x.name]) series.add(c)
    }
  }
  const final = stages.map((s) => (s.node.kind === 'Join' ? { ...s, right: planQuery(s.node.right, options, joined.get(s.node.alias)) } : s))
  own.columns.add(TIME_COLUMN[signal])
  return {
    signal,
    traceId,
    start: range.start,
    end: range.end,
    columns: own.all || series.size > 0 || traceId !== undefined ? undefined : [...own.columns],
    seriesColumns: series.size > 0 && !own.all ? [...own.columns, ...series] : undefined,
    where,
    stages: final,
    out: scope,
  }
}

function narrow(range: { start?: bigint; end?: bigint }, start?: bigint, end?: bigint): void {
  if (start !== undefined && (range.start === undefined || start > range.start)) range.start = start
  if (end !== undefined && (range.end === undefined || end < range.end)) range.end = end
}

function conjuncts(e: Expr): Expr[] {
  return e.kind === 'Binary' && e.op === 'and' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e]
}

/** Turns one conjunct of a leading `where` into a range bound or a scan condition, if it can. */
function pushdown(e: Expr, scope: Scope, signal: Signal, range: { start?: bigint; end?: bigint }, out: ScanCondition[]): void {
  if (e.kind === 'In' && !e.negated && e.operand.kind === 'Field' && e.values.every((v) => v.type === 'string')) {
    const ref = resolveField(e.operand.path, scope)
    const column = ref.kind === 'column' && ref.type === 'string' ? ref.column : ref.kind === 'attr' && ref.columns.length === 1 ? ref.columns[0] : undefined
    if (column !== undefined) out.push({ op: 'in', column, values: e.values.map((v) => v.value as string) })
    return
  }
  if (e.kind !== 'Binary' || !['=', '<', '<=', '>', '>='].includes(e.op)) return
  const flipped = e.left.kind === 'Literal'
  const f = flipped ? e.right : e.left
  const lit = flipped ? e.left : e.right
  if (f.kind !== 'Field' || lit.kind !== 'Literal') return
  const flip: Record<string, string> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' }
  const op = (flipped ? flip[e.op] : e.op) as '=' | '<' | '<=' | '>' | '>='
  const ref = resolveField(f.path, scope)
  const value = lit.value
  if (ref.kind === 'column' && ref.column === TIME_COLUMN[signal] && typeof value === 'bigint') {
    if (op === '>=' || op === '>') narrow(range, value + (op === '>' ? 1n : 0n), undefined)
    else if (op === '<' || op === '<=') narrow(range, undefined, value + (op === '<=' ? 1n : 0n))
    else narrow(range, value, value + 1n)
    return
  }
  const scanOp = ({ '=': 'eq', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' } as const)[op]
  if (ref.kind === 'column' && ref.type === 'number' && typeof value === 'number' && NUMERIC_U32.has(ref.column)) {
    out.push(scanOp === 'eq' ? { op: 'eq', column: ref.column, value } : { op: scanOp, column: ref.column, value })
  } else if (op !== '=') {
    return
  } else if (ref.kind === 'column' && ref.type === 'string' && typeof value === 'string') {
    out.push({ op: 'eq', column: ref.column, value })
  } else if (ref.kind === 'column' && ref.type === 'id' && typeof value === 'string' && hexToBytes(value) !== undefined) {
    out.push({ op: 'eq', column: ref.column, value: hexToBytes(value)! })
  } else if (ref.kind === 'enum' && typeof value === 'string' && ref.names.includes(value)) {
    out.push({ op: 'eq', column: ref.column, value: ref.names.indexOf(value) })
  } else if (ref.kind === 'attr' && ref.columns.length === 1 && typeof value === 'string') {
    out.push({ op: 'eq', column: ref.columns[0], value })
  }
}

/**
 * Point columns each series aggregate reads besides labels (agg-series.ts, agg-histogram.ts);
 * `rate()` without argument counts rows and reads none of them.
 */
const POINT_TIMES = [METRIC_COLUMNS.name, METRIC_COLUMNS.timeUnixNano, METRIC_COLUMNS.startTimeUnixNano]
const SERIES_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  rate: POINT_TIMES,
  increase: POINT_TIMES,
  histogram_quantile: [...POINT_TIMES, METRIC_COLUMNS.bucketCounts, METRIC_COLUMNS.explicitBounds],
}

/** Intrinsic numeric columns stored as u32, whose conditions compare with plain numbers. */
const NUMERIC_U32 = new Set(['statusCode', 'severityNumber', 'kind', 'metric.temporality', 'flags'])

function stageExprs(s: StageNode): Expr[] {
  switch (s.kind) {
    case 'Where':
      return [s.predicate]
    case 'Select':
      return s.items.map((i) => i.expr)
    case 'Sort':
      return s.keys.map((k) => k.expr)
    case 'Limit':
      return []
    case 'Stats':
      return [...s.aggregates, ...s.by].map((i) => i.expr)
    case 'Join':
      return s.on.map((k) => k.left)
  }
}

/** Validates names and the placement of aggregates in one stage. */
function check(s: StageNode, scope: Scope, at: (offset: number) => { line: number; column: number; source: string }): void {
  if (s.kind === 'Limit' && (s.count < 0 || s.count > MAX_RESULT_ROWS)) {
    throw new QueryError('INVALID_ARGUMENT', `cannot limit to ${s.count} rows: expected 0 to ${MAX_RESULT_ROWS}`, at(s.at))
  }
  if (s.kind === 'Stats' || s.kind === 'Select') {
    // One column per name: a second column of the same name would silently replace the first.
    const items = s.kind === 'Stats' ? [...s.by, ...s.aggregates] : s.items
    const seen = new Set<string>()
    for (const item of items) {
      const name = outputName(item)
      if (seen.has(name)) {
        const verb = s.kind === 'Stats' ? 'compute stats' : s.extend ? 'extend' : 'select'
        throw new QueryError('INVALID_ARGUMENT', `cannot ${verb}: two columns would be named ${JSON.stringify(name)}; name one with "as", like ${printExpr(item.expr)} as ${name.replace(/\W/g, '_')}_2`, at(item.expr.at))
      }
      seen.add(name)
    }
  }
  if (s.kind === 'Stats') {
    for (const a of s.aggregates) {
      if (a.expr.kind === 'Call' && !isAggregate(a.expr.name) && SCALAR_ARITY[a.expr.name] === undefined) {
        throw new QueryError('UNKNOWN_NAME', `cannot compute stats: unknown aggregate ${a.expr.name}(); aggregates are ${Object.keys(AGGREGATES).join(', ')}`, at(a.expr.at))
      }
      if (a.expr.kind !== 'Call' || !isAggregate(a.expr.name)) {
        throw new QueryError('INVALID_ARGUMENT', 'cannot compute stats: each item before "by" must be an aggregate call, like count() or p99(duration)', at(a.expr.at))
      }
    }
  }
  for (const e of stageExprs(s)) {
    for (const node of walkExpr(e)) {
      if (node.kind === 'Field') resolveField(node.path, scope, at(node.at))
      if (node.kind === 'Binary' && (node.op === 'matches' || node.op === 'not matches')) patternOf(node.right, at(node.right.at))
      if (node.kind !== 'Call') continue
      const topAggregate = s.kind === 'Stats' && s.aggregates.some((a) => a.expr === node)
      if (isAggregate(node.name) && !topAggregate) {
        throw new QueryError('INVALID_ARGUMENT', `cannot use aggregate ${node.name}() here: aggregates go right after "stats"`, at(node.at))
      }
      if (!isAggregate(node.name) && SCALAR_ARITY[node.name] === undefined) {
        throw new QueryError('UNKNOWN_NAME', `cannot call ${node.name}: unknown function; functions are ${Object.keys(SCALAR_ARITY).join(', ')} and the aggregates of stats`, at(node.at))
      }
    }
  }
}

/** The scope after a stage. */
function outScope(s: StageNode, scope: Scope, right?: QueryPlan): Scope {
  switch (s.kind) {
    case 'Where':
    case 'Sort':
    case 'Limit':
      return scope
    case 'Select': {
      const columns: Record<string, ValueType> = s.extend ? { ...scope.columns } : {}
      for (const item of s.items) columns[outputName(item)] = exprType(item.expr, scope)
      return s.extend ? { ...scope, columns } : { aliases: {}, columns }
    }
    case 'Stats': {
      const columns: Record<string, ValueType> = {}
      for (const item of [...s.by, ...s.aggregates]) columns[outputName(item)] = exprType(item.expr, scope)
      return { aliases: {}, columns }
    }
    case 'Join': {
      const r = right!.out
      const columns: Record<string, ValueType> = { ...scope.columns }
      for (const [name, type] of Object.entries(r.columns ?? {})) columns[`${s.alias}.${name}`] = type
      const aliases = r.signal !== undefined ? { ...scope.aliases, [s.alias]: r.signal } : scope.aliases
      return { ...scope, aliases, columns }
    }
  }
}


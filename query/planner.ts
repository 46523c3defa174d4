/**
 * @module query/planner
 * Checks a query tree and plans it: the scope each stage sees, the time range (API range,
 * source range and leading `where time ...` conditions intersected), and what can be pushed
 * into Store.scan: the range, the columns to read, and ScanConditions for block skipping.
 * Each stage plans itself (its StageDef, stage-registry.ts) through the StagePlanner below:
 * every expression is walked once (expr-check.ts), a join's right side is planned once, and
 * the columns each scan reads are settled when the whole query is planned.
 * Pushdown is a hint only: the executor still filters every row.
 */
import { hexToBytes, TIME_COLUMN, type ScanCondition, type Signal } from '../storage/index.ts'
import type { FieldNode, QueryNode, StageNode } from './ast.ts'
import { QueryError, positionOf } from './errors.ts'
import { checkExpr, type ExprReads } from './expr-check.ts'
import { refColumns, walkExpr } from './expr-type.ts'
import { resolveField, type Scope } from './fields.ts'
import { narrow, type Pushdown } from './plan-pushdown.ts'
import type { QueryPlan } from './query-plan.ts'
import type { StagePlanner } from './stage-def.ts'
import { stageDef } from './stage-registry.ts'

export type { QueryPlan, StagePlan } from './query-plan.ts'

export interface PlanOptions {
  /** Range from the API, epoch nanoseconds, [start, end). */
  start?: bigint
  end?: bigint
  now: bigint
  /** The query text, for error positions. */
  source: string
}

/** A plan being made: what its stages read is known only once the outer query is planned. */
interface Draft {
  readonly signal: Signal
  readonly traceId?: Uint8Array
  readonly range: { start?: bigint; end?: bigint }
  readonly where: ScanCondition[]
  /** `reads`: the columns of scanned rows the stage reads. */
  readonly stages: { node: StageNode; scope: Scope; out: Scope; right?: Draft; alias?: string; reads: Set<string> }[]
  out: Scope
  /** Columns the outer query reads from these rows (a join's right side), in order of use. */
  readonly wanted: Set<string>
  /** Columns the plan's own stages read. */
  readonly reads: Set<string>
  /** Point columns of series aggregates. */
  readonly series: Set<string>
  /** The rows reach the result raw: every column is shown. */
  all: boolean
}

/** Ranges whose plans planMemo keeps per tree (a dashboard moves its range every refresh). */
const MEMO_RANGES = 4

/**
 * planQuery remembering the plans of a tree (parseMemo's trees, frozen: the same object for the
 * same text) by range: plans are never changed once made, so a query run again is not planned
 * again. A plan that read `now` (a `last 1h` range) is not kept: it holds for that moment only.
 * @example const plan = planMemo(); plan(tree, options) === plan(tree, options) // true
 */
export function planMemo(): (query: QueryNode, options: PlanOptions) => QueryPlan {
  const plans = new WeakMap<QueryNode, Map<string, QueryPlan>>()
  return (query, options) => {
    const key = `${options.start}:${options.end}`
    let kept = plans.get(query)
    const known = kept?.get(key)
    if (known !== undefined) return known
    let timeless = true
    const plan = planQuery(query, {
      start: options.start,
      end: options.end,
      source: options.source,
      get now() {
        timeless = false
        return options.now
      },
    })
    if (!timeless) return plan
    if (kept === undefined) plans.set(query, (kept = new Map()))
    if (kept.size >= MEMO_RANGES) kept.delete(kept.keys().next().value!)
    kept.set(key, plan)
    return plan
  }
}

/**
 * Plans `query`; throws QueryError for unknown names, misplaced aggregates and empty ranges.
 * @example planQuery(parseQuery('spans last 1h | where status = "error"'), { now, source })
 */
export function planQuery(query: QueryNode, options: PlanOptions): QueryPlan {
  const draft = analyse(query, options)
  // A whole query: raw rows at the end show all their columns.
  draft.all = draft.out.signal !== undefined
  return finish(draft)
}

function analyse(query: QueryNode, options: PlanOptions): Draft {
  const at = (offset: number) => ({ ...positionOf(options.source, offset), source: options.source })
  const src = query.source
  const signal: Signal = src.kind === 'TraceSource' ? 'spans' : src.signal
  let traceId: Uint8Array | undefined
  if (src.kind === 'TraceSource') {
    traceId = hexToBytes(src.traceId)
    if (traceId?.length !== 16) throw new QueryError('INVALID_ARGUMENT', `cannot look up trace ${JSON.stringify(src.traceId)}: expected 32 hex digits`, at(src.at))
  }
  let scope: Scope = traceId !== undefined ? { signal, aliases: {}, columns: { depth: 'number' } } : { signal, aliases: {} }
  const push: Pushdown = { signal, range: { start: options.start, end: options.end }, where: [] }
  if (src.kind === 'SignalSource' && src.range !== undefined) {
    const r = src.range
    narrow(push.range, r.last !== undefined ? options.now - BigInt(Math.round(r.last)) : r.from, r.last !== undefined ? options.now + 1n : r.to)
  }
  for (const node of query.stages) if (!stageDef(node).pushdown(node, scope, push)) break
  if (push.range.start !== undefined && push.range.end !== undefined && push.range.start >= push.range.end) {
    throw new QueryError('INVALID_RANGE', 'cannot run query: its time range is empty (start is not before end)', at(query.at))
  }

  const draft: Draft = { signal, traceId, range: push.range, where: push.where, stages: [], out: scope, wanted: new Set(), reads: new Set(), series: new Set(), all: false }
  /** The right side of the latest join under each alias. */
  const joined = new Map<string, Draft>()
  let stage: Draft['stages'][number] | undefined
  let unreadable: unknown
  const readJoined = (f: FieldNode, right: Draft) => {
    const ref = resolveField(f.path.slice(1), { signal: right.out.signal, aliases: {}, columns: right.out.columns })
    for (const c of refColumns(ref)) right.wanted.add(c)
  }
  const readOwn = (f: FieldNode, inScope: Scope) => {
    if (inScope.columns?.[f.path.join('.')] !== undefined || inScope.signal === undefined) return
    for (const c of refColumns(resolveField(f.path, inScope))) {
      draft.reads.add(c)
      stage?.reads.add(c)
    }
  }
  const reads: ExprReads = {
    field(f, inScope) {
      const right = f.path.length > 1 && inScope.aliases[f.path[0]] !== undefined ? joined.get(f.path[0]) : undefined
      if (right !== undefined) readJoined(f, right)
      else readOwn(f, inScope)
    },
    series: (columns) => columns.forEach((c) => draft.series.add(c)),
  }
  const planner: StagePlanner = {
    at,
    expr: (e, inScope, aggregate = false) => checkExpr(e, inScope, aggregate, reads, at),
    joinedKey(e, inScope, alias) {
      // Resolved when run, in the joined rows: only what it reads is recorded here. A key the
      // joined rows cannot have is reported after the checks of every stage.
      try {
        for (const x of walkExpr(e)) {
          if (x.kind !== 'Field') continue
          const right = x.path.length > 1 && (x.path[0] === alias || inScope.aliases[x.path[0]] !== undefined) ? joined.get(x.path[0]) : undefined
          if (right !== undefined) readJoined(x, right)
          else readOwn(x, inScope)
        }
      } catch (error) {
        unreadable ??= error
      }
    },
    subquery(q, alias) {
      const right = analyse(q, options)
      joined.set(alias, right)
      stage!.right = right
      stage!.alias = alias
      return right.out
    },
  }
  for (const node of query.stages) {
    stage = { node, scope, out: scope, reads: new Set() }
    stage.out = stageDef(node).plan(node, scope, planner)
    draft.stages.push(stage)
    scope = stage.out
  }
  if (unreadable !== undefined) throw unreadable
  draft.out = scope
  // A joined side's raw columns are all shown when its rows reach the result raw.
  const endsRaw = scope.signal !== undefined
  for (const s of draft.stages) if (s.right !== undefined) s.right.all = endsRaw && scope.aliases[s.alias!] !== undefined
  return draft
}

/**
 * The columns of scanned rows that the stages after stage `k` read, or the outer query reads of
 * them (a join's right side); undefined while every column may be read: the rows reach the
 * result raw, series aggregates read labels, or stage k's rows are not plain scanned rows.
 */
function readAfter(d: Draft, k: number): readonly string[] | undefined {
  const s = d.stages[k]
  if (d.all || d.series.size > 0 || d.traceId !== undefined || s.out.signal === undefined || Object.keys(s.out.aliases).length > 0 || s.out.columns !== undefined) return undefined
  const out = new Set(d.wanted)
  for (const later of d.stages.slice(k + 1)) for (const c of later.reads) out.add(c)
  return [...out]
}

/** The plan of a draft whose needs are settled. */
function finish(d: Draft): QueryPlan {
  const time = TIME_COLUMN[d.signal]
  const own = new Set([...d.wanted, ...d.reads, time])
  const columns = d.all || d.series.size > 0 || d.traceId !== undefined ? undefined : [...own]
  return {
    signal: d.signal,
    traceId: d.traceId,
    start: d.range.start,
    end: d.range.end,
    columns,
    timeForRangeOnly: columns !== undefined && !d.wanted.has(time) && !d.reads.has(time),
    seriesColumns: d.series.size > 0 && !d.all ? [...own, ...d.series] : undefined,
    where: d.where,
    stages: d.stages.map((s, k) => ({ node: s.node, scope: s.scope, out: s.out, right: s.right === undefined ? undefined : finish(s.right), readAfter: readAfter(d, k) })),
    out: d.out,
  }
}

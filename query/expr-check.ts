/**
 * @module query/expr-check
 * The planner's one walk over an expression: every name resolves, every function exists,
 * aggregates stand only where a stage allows them, `matches` patterns compile; on the way it
 * tells the planner which fields are read and which point columns aggregates need, and it
 * works out the expression's type. Nodes are checked before their operands, so the first
 * mistake in reading order is the one reported.
 */
import type { Expr, FieldNode } from './ast.ts'
import { AGGREGATES, isAggregate } from './agg-registry.ts'
import { QueryError } from './errors.ts'
import { refType } from './expr-type.ts'
import { resolveField, type Scope } from './fields.ts'
import { SCALAR_ARITY, SCALAR_RESULT } from './fn-scalar.ts'
import { patternOf } from './regex.ts'
import type { ValueType } from './vec.ts'

type Place = (offset: number) => { line: number; column: number; source: string }

/** What the walk reports to the planner. */
export interface ExprReads {
  /** A field `f` read in `scope` (it resolved). */
  field(f: FieldNode, scope: Scope): void
  /** Point columns an aggregate over raw rows reads besides the labels. */
  series(columns: readonly string[]): void
}

/**
 * Checks `e` in `scope` and returns its type ('any' when only the data can tell). `aggregate`:
 * `e` itself may be an aggregate call (an item of `stats` before `by`).
 * @example checkExpr(parseExpression('p99(duration)'), { signal: 'spans', aliases: {} }, true, reads, at) // 'duration'
 */
export function checkExpr(e: Expr, scope: Scope, aggregate: boolean, reads: ExprReads, at: Place): ValueType {
  switch (e.kind) {
    case 'Literal':
      return e.type === 'null' ? 'any' : e.type
    case 'Field': {
      const ref = resolveField(e.path, scope, at(e.at))
      reads.field(e, scope)
      return refType(ref)
    }
    case 'In':
      checkExpr(e.operand, scope, false, reads, at)
      return 'bool'
    case 'Unary': {
      const t = checkExpr(e.operand, scope, false, reads, at)
      return e.op === 'not' ? 'bool' : t
    }
    case 'Call': {
      if (isAggregate(e.name) && !aggregate) {
        throw new QueryError('INVALID_ARGUMENT', `cannot use aggregate ${e.name}() here: aggregates go right after "stats"`, at(e.at))
      }
      if (!isAggregate(e.name) && SCALAR_ARITY[e.name] === undefined) {
        throw new QueryError('UNKNOWN_NAME', `cannot call ${e.name}: unknown function; functions are ${Object.keys(SCALAR_ARITY).join(', ')} and the aggregates of stats`, at(e.at))
      }
      const args = e.args.map((a) => checkExpr(a, scope, false, reads, at))
      const agg = isAggregate(e.name) ? AGGREGATES[e.name] : undefined
      if (agg !== undefined && scope.signal !== undefined) reads.series(agg.series(e))
      const result = agg?.result ?? SCALAR_RESULT[e.name as keyof typeof SCALAR_RESULT]
      return result === 'arg' ? (args[0] ?? 'any') : result
    }
    case 'Binary': {
      if (e.op === 'matches' || e.op === 'not matches') patternOf(e.right, at(e.right.at))
      const l = checkExpr(e.left, scope, false, reads, at)
      const r = checkExpr(e.right, scope, false, reads, at)
      if (!['+', '-', '*', '/', '%'].includes(e.op)) return 'bool'
      if (l === 'time' && r === 'time') return 'duration'
      if (l === 'time' || r === 'time') return 'time'
      if (l === 'duration' && r === 'duration') return e.op === '/' ? 'number' : 'duration'
      return l === 'duration' || r === 'duration' ? 'duration' : 'number'
    }
  }
}

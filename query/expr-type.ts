/**
 * @module query/expr-type
 * Static facts about expressions: their result type where it is known before running,
 * the output name a column gets without `as`, and the fields they read.
 */
import type { Expr, NamedExpr } from './ast.ts'
import { resolveField, type FieldRef, type Scope } from './fields.ts'
import { printExpr } from './printer.ts'
import type { ValueType } from './vec.ts'

const NUMBER_RESULTS = new Set(['count', 'countif', 'dcount', 'count_distinct', 'rate', 'increase', 'histogram_quantile', 'len'])
const SAME_AS_ARG = new Set(['sum', 'avg', 'min', 'max', 'percentile', 'p50', 'p75', 'p90', 'p95', 'p99', 'p999', 'bin'])

/** The type of `e` in `scope`; 'any' when only the data can tell. */
export function exprType(e: Expr, scope: Scope): ValueType {
  switch (e.kind) {
    case 'Literal':
      return e.type === 'null' ? 'any' : e.type
    case 'Field':
      return refType(resolveField(e.path, scope))
    case 'In':
      return 'bool'
    case 'Unary':
      return e.op === 'not' ? 'bool' : exprType(e.operand, scope)
    case 'Call':
      if (NUMBER_RESULTS.has(e.name)) return 'number'
      if (SAME_AS_ARG.has(e.name) && e.args.length > 0) return exprType(e.args[0], scope)
      return { lower: 'string', upper: 'string', exists: 'bool', now: 'time' }[e.name] as ValueType | undefined ?? 'any'
    case 'Binary': {
      if (!['+', '-', '*', '/', '%'].includes(e.op)) return 'bool'
      const l = exprType(e.left, scope)
      const r = exprType(e.right, scope)
      if (l === 'time' && r === 'time') return 'duration'
      if (l === 'time' || r === 'time') return 'time'
      if (l === 'duration' && r === 'duration') return e.op === '/' ? 'number' : 'duration'
      return l === 'duration' || r === 'duration' ? 'duration' : 'number'
    }
  }
}

function refType(ref: FieldRef): ValueType {
  switch (ref.kind) {
    case 'column':
      return ref.type
    case 'duration':
      return 'duration'
    case 'enum':
      return 'string'
    case 'attr':
      return 'any'
  }
}

/**
 * The output name of a column: `as` if given; a field's name; bin(x, w) is named after x;
 * f() is "f"; f(field) is "f_field"; anything else is its canonical text.
 * @example outputName({ expr: parseExpression('p99(duration)') }) // 'p99_duration'
 */
export function outputName(item: NamedExpr): string {
  if (item.name !== undefined) return item.name
  const e = item.expr
  if (e.kind === 'Field') return e.path.join('.')
  if (e.kind === 'Call') {
    if (e.name === 'bin' && e.args[0]?.kind === 'Field') return e.args[0].path.join('.')
    if (e.args.length === 0) return e.name
    if (e.args.length === 1 && e.args[0].kind === 'Field') return `${e.name}_${e.args[0].path.join('.')}`
  }
  return printExpr(e)
}

/** Every node of `e`, depth first. */
export function* walkExpr(e: Expr): Generator<Expr> {
  yield e
  switch (e.kind) {
    case 'Unary':
      yield* walkExpr(e.operand)
      break
    case 'Binary':
      yield* walkExpr(e.left)
      yield* walkExpr(e.right)
      break
    case 'In':
      yield* walkExpr(e.operand)
      break
    case 'Call':
      for (const a of e.args) yield* walkExpr(a)
      break
  }
}

/** Storage columns a resolved field reads. */
export function refColumns(ref: FieldRef): string[] {
  switch (ref.kind) {
    case 'column':
    case 'enum':
      return [ref.column]
    case 'duration':
      return [ref.start, ref.end]
    case 'attr':
      return [...ref.columns]
  }
}

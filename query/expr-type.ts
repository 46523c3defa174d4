/**
 * @module query/expr-type
 * Static facts about expressions: the type of a resolved field, the output name a column
 * gets without `as`, the nodes of an expression and the storage columns a field reads.
 * (The planner works out types as it checks, expr-check.ts.)
 */
import type { Expr, NamedExpr } from './ast.ts'
import type { FieldRef } from './fields.ts'
import { printExpr } from './print-expr.ts'
import type { ValueType } from './vec.ts'

/** The type of a resolved field's values. */
export function refType(ref: FieldRef): ValueType {
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

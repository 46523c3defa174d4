/**
 * @module query/eval-expr
 * Vectorised evaluation of an expression over one batch: every node yields a vector of the
 * batch's length (or a constant). Predicates yield masks; `where` turns them into selections.
 */
import type { Batch } from '../storage/index.ts'
import type { Expr } from './ast.ts'
import { QueryError } from './errors.ts'
import { where, type EvalContext } from './eval-context.ts'
import { compareVec, dictTable, i64Const, type MatchOp } from './eval-compare.ts'
import { arith } from './eval-arith.ts'
import { fieldVec, i64Numbers } from './eval-field.ts'
import { resolveField } from './fields.ts'
import { callScalar } from './fn-scalar.ts'
import { printExpr } from './print-expr.ts'
import { patternOf, type Pattern } from './regex.ts'
import { present, type Vec } from './vec.ts'

export { where, type EvalContext } from './eval-context.ts'

/**
 * The vector of `e` over `batch`.
 * @example evalExpr(parseExpression('duration / 1ms'), batch, ctx)
 */
export function evalExpr(e: Expr, batch: Batch, ctx: EvalContext): Vec {
  const n = batch.length
  switch (e.kind) {
    case 'Literal':
      return { t: 'const', value: e.value, type: e.type === 'null' ? 'any' : e.type === 'bool' ? 'bool' : e.type }
    case 'Field':
      return fieldVec(batch, resolveField(e.path, ctx.scope, where(ctx, e.at)))
    case 'Unary':
      if (e.op === 'not') return maskVec(not(evalMask(e.operand, batch, ctx)))
      return arith('-', { t: 'const', value: 0, type: 'number' }, evalExpr(e.operand, batch, ctx), n, where(ctx, e.at))
    case 'In': {
      // `x in (a, b)` is `x = a or x = b`; `x not in (a, b)` is `x != a and x != b`, so both
      // are false where x is absent (LANGUAGE.md "Absent values").
      const operand = evalExpr(e.operand, batch, ctx)
      const out = new Uint8Array(n).fill(e.negated ? 1 : 0)
      for (const v of e.values) {
        const m = compareVec(e.negated ? '!=' : '=', operand, evalExpr(v, batch, ctx), n)
        if (e.negated) for (let i = 0; i < n; i++) out[i] &= m[i]
        else for (let i = 0; i < n; i++) out[i] |= m[i]
      }
      if (e.negated && e.values.length === 0) for (let i = 0; i < n; i++) out[i] = present(operand, i) ? 1 : 0
      return maskVec(out)
    }
    case 'Call':
      return callScalar(e, batch, ctx, (arg) => evalExpr(arg, batch, ctx))
    case 'Binary':
      switch (e.op) {
        case 'and':
        case 'or': {
          const l = evalMask(e.left, batch, ctx)
          const r = evalMask(e.right, batch, ctx)
          if (e.op === 'and') for (let i = 0; i < n; i++) l[i] &= r[i]
          else for (let i = 0; i < n; i++) l[i] |= r[i]
          return maskVec(l)
        }
        case '+':
        case '-':
        case '*':
        case '/':
        case '%':
          return arith(e.op, evalExpr(e.left, batch, ctx), evalExpr(e.right, batch, ctx), n, where(ctx, e.at))
        default: {
          const i64 = i64Compare(e.op, e.left, e.right, batch, ctx)
          if (i64 !== undefined) return maskVec(i64)
          return maskVec(compareVec(e.op, evalExpr(e.left, batch, ctx), evalExpr(e.right, batch, ctx), n, regexOf(e.op, e.right, ctx)))
        }
      }
  }
}

/**
 * `field op number` where the field reads an i64 column as numbers (an HTTP status code): the
 * mask straight from the column's halves, with no array of doubles per batch; undefined otherwise.
 */
function i64Compare(op: string, field: Expr, literal: Expr, batch: Batch, ctx: EvalContext): Uint8Array | undefined {
  if (field.kind !== 'Field' || literal.kind !== 'Literal' || typeof literal.value !== 'number' || !(op in FLIPPED)) return undefined
  const raw = i64Numbers(batch, resolveField(field.path, ctx.scope, where(ctx, field.at)))
  return raw === undefined ? undefined : i64Const(op as keyof typeof FLIPPED, raw.values, raw.present, literal.value)
}

const shared = new WeakMap<Batch, Map<string, Vec>>()

/**
 * `evalExpr` remembered per batch by canonical text, for operators that evaluate the same
 * expression several times over one batch (p50, p95 and p99 of `duration` in one `stats`).
 * The vector is shared: callers must not modify it.
 */
export function evalShared(e: Expr, batch: Batch, ctx: EvalContext): Vec {
  let memo = shared.get(batch)
  if (memo === undefined) shared.set(batch, (memo = new Map()))
  const key = printExpr(e)
  let v = memo.get(key)
  if (v === undefined) memo.set(key, (v = evalExpr(e, batch, ctx)))
  return v
}

/** A fresh mask (1 = true) of a predicate; the caller may modify it. */
export function evalMask(e: Expr, batch: Batch, ctx: EvalContext): Uint8Array {
  const v = evalExpr(e, batch, ctx)
  const n = batch.length
  // Comparisons, and, or, not and in build a mask of their own: it needs no copy.
  if (v.t === 'bool' && v.p === undefined && (e.kind === 'Binary' || e.kind === 'Unary' || e.kind === 'In')) return v.v
  if (v.t === 'bool') {
    const out = Uint8Array.from(v.v)
    if (v.p !== undefined) for (let i = 0; i < n; i++) out[i] &= v.p[i]
    return out
  }
  if (v.t === 'const' && (typeof v.value === 'boolean' || v.value === null)) return new Uint8Array(n).fill(v.value === true ? 1 : 0)
  throw new QueryError('INVALID_ARGUMENT', `cannot filter on ${describeKind(e)}: expected a condition, like duration > 100ms`, where(ctx, e.at))
}

/** Rows of a batch a condition holds on, by dictionary code: row i holds when table[codes[i]] is 1 and p, if any, marks it present. */
export interface CodedCondition {
  codes: Uint32Array
  p?: Uint8Array
  table: Uint8Array
}

/**
 * Where `e` holds over `batch`: for a condition `x op literal` (either way round) where x is a
 * dictionary string in this batch, x's codes and the truth of each dictionary entry, so that
 * a caller tests rows by code without a mask; otherwise a fresh mask as evalMask gives. x is
 * evaluated once either way.
 */
export function evalCondition(e: Expr, batch: Batch, ctx: EvalContext): CodedCondition | Uint8Array {
  if (e.kind !== 'Binary' || !MATCH_OPS.has(e.op)) return evalMask(e, batch, ctx)
  const flipped = e.left.kind === 'Literal' && e.op in FLIPPED
  const [field, literal] = flipped ? [e.right, e.left] : [e.left, e.right]
  if (literal.kind !== 'Literal' || literal.value === null) return evalMask(e, batch, ctx)
  const op = flipped ? FLIPPED[e.op as keyof typeof FLIPPED] : (e.op as MatchOp)
  const i64 = i64Compare(op, field, literal, batch, ctx)
  if (i64 !== undefined) return i64
  const v = evalExpr(field, batch, ctx)
  const regex = regexOf(e.op, e.right, ctx)
  if (v.t !== 'str') {
    const lit = evalExpr(literal, batch, ctx)
    return compareVec(e.op as MatchOp, flipped ? lit : v, flipped ? v : lit, batch.length, regex)
  }
  return { codes: v.codes, p: v.p, table: dictTable(op, v, literal.value, regex) }
}

const MATCH_OPS = new Set<string>(['=', '!=', '<', '<=', '>', '>=', 'contains', 'startswith', 'endswith', 'matches', 'not contains', 'not startswith', 'not endswith', 'not matches'])
const FLIPPED = { '=': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const

function describeKind(e: Expr): string {
  return e.kind === 'Field' ? `field ${e.path.join('.')} alone` : 'a value that is not true or false'
}

function not(mask: Uint8Array): Uint8Array {
  for (let i = 0; i < mask.length; i++) mask[i] ^= 1
  return mask
}

function maskVec(mask: Uint8Array): Vec {
  return { t: 'bool', v: mask }
}

function regexOf(op: string, pattern: Expr, ctx: EvalContext): Pattern | undefined {
  return op === 'matches' || op === 'not matches' ? patternOf(pattern, where(ctx, pattern.at)) : undefined
}

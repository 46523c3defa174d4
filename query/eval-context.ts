/**
 * @module query/eval-context
 * What evaluating an expression needs besides the batch, and the place of a node for errors.
 * A leaf: evaluation (eval-expr.ts) and the functions it calls (fn-scalar.ts, agg-*.ts) both
 * import it, so neither has to import the other.
 */
import { positionOf } from './errors.ts'
import type { Scope } from './fields.ts'

/** What evaluation needs besides the batch. */
export interface EvalContext {
  readonly scope: Scope
  /** "Now" of the query, epoch nanoseconds: `now()` and `last 1h` agree within one query. */
  readonly now: bigint
  /** The query text, for error positions. */
  readonly source: string
}

/** The line, column and text of offset `at` of the query, for a QueryError. */
export function where(ctx: { readonly source: string }, at: number): { line: number; column: number; source: string } {
  return { ...positionOf(ctx.source, at), source: ctx.source }
}

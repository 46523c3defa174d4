/**
 * @module query/op-select
 * `select` (keep only the listed columns, computed or not) and `extend` (add computed
 * columns to the row), LANGUAGE.md "select" and "extend". Also the implicit projection of
 * raw rows at the end of a query: every intrinsic field and attribute under its display name.
 */
import type { Batch, Column, Signal } from '../storage/index.ts'
import type { SelectNode } from './ast.ts'
import type { Budget } from './budget.ts'
import { evalExpr, type EvalContext } from './eval-expr.ts'
import { fieldVec } from './eval-field.ts'
import { outputName } from './expr-type.ts'
import { displayName, INTRINSICS, type FieldRef, type Scope } from './fields.ts'
import { matchesIn, prepareMatches } from './op-where.ts'
import { vecColumn, vecType, type ValueType } from './vec.ts'

export async function* selectOp(input: AsyncIterable<Batch>, node: SelectNode, ctx: EvalContext, budget: Budget): AsyncGenerator<Batch> {
  const names = node.items.map(outputName)
  const matches = matchesIn(node.items.map((i) => i.expr))
  for await (const batch of input) {
    const prepared = await prepareMatches(matches, batch, ctx, budget)
    const columns: Record<string, Column> = node.extend ? { ...batch.columns } : {}
    node.items.forEach((item, k) => {
      columns[names[k]] = vecColumn(evalExpr(item.expr, batch, ctx), batch.length)
    })
    for (const p of prepared) p.release()
    yield { signal: batch.signal, length: batch.length, columns }
  }
}

/** Intrinsic fields hidden from raw rows because another name shows the same column. */
const HIDDEN = new Set(['start', 'status_code', 'metric'])

/**
 * The columns raw rows show, in order: intrinsic fields the batch has, then attributes,
 * then the same for each join alias (prefixed `alias.`), then derived columns.
 * Returns the batch of display columns and their types.
 */
export function displayBatch(batch: Batch, scope: Scope): { batch: Batch; types: Record<string, ValueType> } {
  const columns: Record<string, Column> = {}
  const types: Record<string, ValueType> = {}
  const add = (name: string, ref: FieldRef) => {
    const v = fieldVec(batch, ref)
    if (v.t === 'const') return
    columns[name] = vecColumn(v, batch.length)
    types[name] = vecType(v)
  }
  const sides: [string, Signal][] = scope.signal !== undefined ? [['', scope.signal]] : []
  for (const [alias, signal] of Object.entries(scope.aliases)) sides.push([`${alias}.`, signal])
  for (const [prefix, signal] of sides) {
    for (const [name, intrinsic] of Object.entries(INTRINSICS[signal])) {
      if (!HIDDEN.has(name)) add(prefix + name, intrinsic(prefix))
    }
    for (const column of Object.keys(batch.columns).sort()) {
      if (!column.startsWith(prefix)) continue
      const shown = displayName(signal, column.slice(prefix.length))
      if (shown !== undefined) add(prefix + shown, { kind: 'attr', columns: [column] })
    }
  }
  for (const name of Object.keys(scope.columns ?? {})) {
    if (batch.columns[name] !== undefined) add(name, { kind: 'column', column: name, type: scope.columns![name] })
  }
  return { batch: { signal: batch.signal, length: batch.length, columns }, types }
}

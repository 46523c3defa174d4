/**
 * @module query/op-where
 * `where <condition>`: keeps the rows where the condition is true (LANGUAGE.md "where").
 * The mask of a batch becomes a selection vector; a batch where every row passes is passed
 * on as it is, one where none does is dropped.
 */
import { projectBatch, type Batch } from '../storage/index.ts'
import type { BinaryNode, Expr, WhereNode } from './ast.ts'
import type { Budget } from './budget.ts'
import { evalCondition, evalExpr, evalMask, where, type EvalContext } from './eval-expr.ts'
import { walkExpr } from './expr-type.ts'
import { conjuncts, pushConjunct } from './plan-pushdown.ts'
import { joinedIds, rowsWithIds } from './op-join.ts'
import { printExpr } from './print-expr.ts'
import { projectRows, selectCoded, selectRows } from './row-select.ts'
import type { StageDef } from './stage-def.ts'
import { patternOf, type Pattern } from './regex.ts'
import type { Vec } from './vec.ts'

/** `where <condition>`; leading ones also narrow the scan (plan-pushdown.ts). */
export const whereStage: StageDef<WhereNode> = {
  words: ['where'],
  parse: (p, _word, at) => ({ kind: 'Where', predicate: p.expr(), at }),
  print: (s) => `where ${printExpr(s.predicate)}`,
  pushdown(node, scope, push) {
    for (const c of conjuncts(node.predicate)) pushConjunct(c, scope, push)
    return true
  },
  plan(node, scope, planner) {
    planner.expr(node.predicate, scope)
    return scope
  },
  // Before stats, kept rows are picked, not copied: it reads what it needs of them (pickRows).
  run: (input, stage, run) => whereOp(input, stage.node, run.ctx, run.budget, stage.readAfter, joinedIds(run.next, stage.scope), run.next?.kind === 'Stats'),
}

/**
 * Rows kept are copied with the columns `keep` names only (all without it): later stages read no
 * others. Rows without every id of `ids` may be dropped too (an inner join follows: they cannot
 * match). With `lazy` they are picked (row-select.ts pickRows): a column is copied when first read.
 */
export async function* whereOp(input: AsyncIterable<Batch>, node: WhereNode, ctx: EvalContext, budget: Budget, keep?: readonly string[], ids?: readonly string[], lazy = false): AsyncGenerator<Batch> {
  const matches = matchesIn([node.predicate])
  const parts = conjuncts(node.predicate)
  for await (const batch of input) {
    // Regular expressions first, with the clock checked between texts; the mask then reuses them.
    const prepared = await prepareMatches(matches, batch, ctx, budget)
    const withIds = ids === undefined ? undefined : rowsWithIds(batch, ids)
    const kept = withIds === null ? undefined : parts.length === 1 ? selectOne(batch, node.predicate, ctx, keep, lazy, withIds) : selectAll(batch, parts, ctx, keep, lazy, withIds)
    for (const p of prepared) p.release()
    if (kept !== undefined) yield kept
  }
}

/**
 * The rows of `batch` where `predicate` is true: by dictionary code where it allows
 * (evalCondition), else by a mask and then only where `only` (when given) is 1 too.
 */
function selectOne(batch: Batch, predicate: Expr, ctx: EvalContext, keep: readonly string[] | undefined, lazy: boolean, only?: Uint8Array): Batch | undefined {
  const condition = evalCondition(predicate, batch, ctx)
  const rows = keep === undefined ? batch : projectBatch(batch, keep)
  if (!(condition instanceof Uint8Array)) return selectCoded(rows, condition, lazy)
  if (only !== undefined) for (let i = 0; i < condition.length; i++) condition[i] &= only[i]
  return selectRows(rows, condition, lazy)
}

/** A conjunct that keeps at most this share of the rows narrows the batch before the next is evaluated. */
const NARROW_SHARE = 1 / 4

/**
 * The rows of `batch` for which every one of `parts` (the operands of an `and`) is true.
 * Conjuncts are evaluated in order, and once the rows still wanted are few they are taken, so
 * the later conjuncts read only those: `service.name = "x" and attr.code >= 500` evaluates the
 * attribute over one service's rows, not all. Undefined when no row is kept. `only`: the rows
 * that may be kept at all (read, not changed).
 */
function selectAll(batch: Batch, parts: readonly Expr[], ctx: EvalContext, keep: readonly string[] | undefined, lazy: boolean, only?: Uint8Array): Batch | undefined {
  let rows: Batch = batch
  let mask: Uint8Array | undefined = only
  for (const part of parts) {
    const condition = mask === undefined ? evalCondition(part, rows, ctx) : evalMask(part, rows, ctx)
    if (!(condition instanceof Uint8Array)) {
      // A condition on a dictionary string picks its rows by code, with no mask.
      const picked = selectCoded(rows, condition, lazy)
      if (picked === undefined) return undefined
      rows = picked
      continue
    }
    const m = condition
    let count = 0
    for (let i = 0; i < m.length; i++) {
      if (mask !== undefined) m[i] &= mask[i]
      count += m[i]
    }
    if (count === 0) return undefined
    if (count > rows.length * NARROW_SHARE) mask = m
    else {
      rows = selectRows(rows, m, lazy) as Batch
      mask = undefined
    }
  }
  if (keep !== undefined) rows = projectRows(rows, keep)
  return mask === undefined ? rows : selectRows(rows, mask, lazy)
}

/** The `matches` and `not matches` operations inside expressions. */
export function matchesIn(exprs: readonly Expr[]): BinaryNode[] {
  return exprs.flatMap((e) => [...walkExpr(e)].filter((x): x is BinaryNode => x.kind === 'Binary' && (x.op === 'matches' || x.op === 'not matches')))
}

/**
 * Tests the strings of `batch` against the patterns of `matches` ahead of evaluation, pacing
 * the query between them (Pattern.prepare); the caller releases the returned patterns once
 * it has evaluated the batch.
 */
export async function prepareMatches(matches: readonly BinaryNode[], batch: Batch, ctx: EvalContext, budget: Budget): Promise<Pattern[]> {
  const prepared: Pattern[] = []
  for (const m of matches) {
    const pattern = patternOf(m.right, where(ctx, m.right.at))
    await pattern.prepare(texts(evalExpr(m.left, batch, ctx)), budget)
    prepared.push(pattern)
  }
  return prepared
}

/** The strings a vector holds: a dictionary's entries, or the string cells of any values. */
function* texts(v: Vec): Generator<string> {
  if (v.t === 'str') yield* v.dict
  else if (v.t === 'any') for (const x of v.v) if (typeof x === 'string') yield x
}

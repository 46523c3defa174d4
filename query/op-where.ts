/**
 * @module query/op-where
 * `where <condition>`: keeps the rows where the condition is true (LANGUAGE.md "where").
 * The mask of a batch becomes a selection vector; a batch where every row passes is passed
 * on as it is, one where none does is dropped.
 */
import { takeRows, type Batch } from '../storage/index.ts'
import type { BinaryNode, Expr, WhereNode } from './ast.ts'
import type { Budget } from './budget.ts'
import { evalExpr, evalMask, where, type EvalContext } from './eval-expr.ts'
import { walkExpr } from './expr-type.ts'
import { patternOf, type Pattern } from './regex.ts'
import { inRange } from './i64.ts'
import type { Vec } from './vec.ts'

/** The rows of `batch` whose mask byte is 1; undefined when none. */
export function selectRows(batch: Batch, mask: Uint8Array): Batch | undefined {
  let count = 0
  for (let i = 0; i < mask.length; i++) count += mask[i]
  if (count === mask.length) return batch
  if (count === 0) return undefined
  const rows = new Uint32Array(count)
  for (let i = 0, k = 0; i < mask.length; i++) if (mask[i] === 1) rows[k++] = i
  return takeRows(batch, rows)
}

export async function* whereOp(input: AsyncIterable<Batch>, node: WhereNode, ctx: EvalContext, budget: Budget): AsyncGenerator<Batch> {
  const matches = matchesIn([node.predicate])
  for await (const batch of input) {
    // Regular expressions first, with the clock checked between texts; the mask then reuses them.
    const prepared = await prepareMatches(matches, batch, ctx, budget)
    const kept = selectRows(batch, evalMask(node.predicate, batch, ctx))
    for (const p of prepared) p.release()
    if (kept !== undefined) yield kept
  }
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

/**
 * A mask of the rows of a time vector inside [start, end). Rows without a time are outside.
 * @example rangeMask(timeVec, 1793491200000000000n, undefined, n)
 */
export function rangeMask(time: Vec, start: bigint | undefined, end: bigint | undefined, n: number): Uint8Array {
  if (time.t !== 'time') return new Uint8Array(n)
  const mask = inRange(time.v, start, end)
  if (time.p !== undefined) for (let i = 0; i < n; i++) mask[i] &= time.p[i]
  return mask
}

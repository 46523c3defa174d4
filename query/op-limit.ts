/**
 * @module query/op-limit
 * `limit <n>` (LANGUAGE.md "limit"): the first n rows; once they are out the upstream
 * generators end, which closes the scan. After a `sort` the sort keeps only the top n itself.
 */
import { takeRows, type Batch } from '../storage/index.ts'
import type { LimitNode } from './ast.ts'
import { QueryError } from './errors.ts'
import { MAX_RESULT_ROWS } from './limits.ts'
import type { StageDef } from './stage-def.ts'

export const limitStage: StageDef<LimitNode> = {
  words: ['limit'],
  parse(p, _word, at) {
    const n = p.tok
    if (n.type !== 'number' || !Number.isInteger(n.value)) p.fail('a whole number of rows after "limit"')
    p.next()
    return { kind: 'Limit', count: n.value as number, at }
  },
  print: (s) => `limit ${s.count}`,
  pushdown: () => false,
  plan(node, scope, planner) {
    if (node.count < 0 || node.count > MAX_RESULT_ROWS) {
      throw new QueryError('INVALID_ARGUMENT', `cannot limit to ${node.count} rows: expected 0 to ${MAX_RESULT_ROWS}`, planner.at(node.at))
    }
    return scope
  },
  run: (input, stage) => limitOp(input, stage.node.count),
}

async function* limitOp(input: AsyncIterable<Batch>, count: number): AsyncGenerator<Batch> {
  let left = count
  if (left <= 0) return
  for await (const batch of input) {
    if (batch.length <= left) {
      left -= batch.length
      yield batch
    } else {
      yield takeRows(batch, Array.from({ length: left }, (_, i) => i))
      left = 0
    }
    // Returning ends the upstream generators, which closes the scan.
    if (left === 0) return
  }
}

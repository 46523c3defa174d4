import { describe, expect, it } from 'vitest'
import { randomBatch, randomColumn, seededRandom } from '../test/support/random-batch.ts'
import { concatBatches, takeRows } from './batch-ops.ts'
import { ConcatenatedRows } from './concatenated-rows.ts'
import { cellValue, type Batch } from './model.ts'

/** Rows as plain values: what a reader sees, whatever the dictionaries and offsets. */
function rowsOf(batch: Batch): unknown[][] {
  const names = Object.keys(batch.columns).sort()
  return Array.from({ length: batch.length }, (_, row) => names.map((n) => [n, cellValue(batch.columns[n], row)]))
}

describe('ConcatenatedRows.blocks', () => {
  it('gives every row in the order asked, block by block', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const rand = seededRandom(seed)
      const batches = [randomBatch(seed), randomBatch(seed + 30), randomBatch(seed + 60), randomBatch(seed + 80)]
      // One batch lacks columns, another holds a column of a different kind under the same name.
      const { c_f64list: _list, c_bytes: _bytes, ...rest } = batches[1].columns
      batches[1] = { ...batches[1], columns: rest }
      batches[2] = { ...batches[2], columns: { ...batches[2].columns, c_u32: randomColumn(rand, 'str', batches[2].length) } }
      const view = new ConcatenatedRows('spans', batches)
      const joined = concatBatches('spans', batches)
      // A random permutation.
      const order = Uint32Array.from({ length: joined.length }, (_, i) => i)
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1))
        ;[order[i], order[j]] = [order[j], order[i]]
      }
      const blockRows = 1 + Math.floor(rand() * 40)
      const blocks = [...view.blocks(order, blockRows)]
      expect(blocks.map((b) => b.length)).toEqual(Array.from({ length: Math.ceil(joined.length / blockRows) }, (_, b) => Math.min(blockRows, joined.length - b * blockRows)))
      expect(blocks.flatMap(rowsOf)).toEqual(rowsOf(takeRows(joined, order)))
      for (const b of blocks) for (const column of Object.values(b.columns)) if (column.kind === 'str') expect(new Set(column.dict).size).toBe(column.dict.length)
    }
  })

  it('refuses an order of another length', () => {
    const view = new ConcatenatedRows('spans', [randomBatch(1)])
    expect(() => [...view.blocks(new Uint32Array(view.length + 1), 10)]).toThrow(/order has/)
  })
})

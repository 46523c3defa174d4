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

describe('ConcatenatedRows', () => {
  it('takes the rows concatBatches then takeRows would, for every column kind', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const rand = seededRandom(seed)
      const batches = [randomBatch(seed), randomBatch(seed + 50), randomBatch(seed + 90)]
      // One batch lacks a column, another holds a column of a different kind under the same name.
      const { c_bytes: _dropped, ...rest } = batches[0].columns
      batches[0] = { ...batches[0], columns: rest }
      batches[2] = { ...batches[2], columns: { ...batches[2].columns, c_u32: randomColumn(rand, 'str', batches[2].length) } }
      const view = new ConcatenatedRows('spans', batches)
      const joined = concatBatches('spans', batches)
      expect(view.length).toBe(joined.length)
      const rows = Array.from({ length: Math.floor(rand() * joined.length) }, () => Math.floor(rand() * joined.length))
      const taken = view.take(rows)
      expect(rowsOf(taken)).toEqual(rowsOf(takeRows(joined, rows)))
      for (const column of Object.values(taken.columns)) if (column.kind === 'str') expect(new Set(column.dict).size).toBe(column.dict.length)
    }
  })
})

describe('ConcatenatedRows.columns', () => {
  it('gives whole columns of the concatenation, strings and others alike', () => {
    const batches = [randomBatch(5), randomBatch(6)]
    const view = new ConcatenatedRows('spans', batches)
    const joined = concatBatches('spans', batches)
    const names = ['c_str', 'c_bytes', 'c_i64', 'a:http.route', 'missing']
    const picked = view.columns(names)
    expect(picked.length).toBe(joined.length)
    expect(Object.keys(picked.columns).sort()).toEqual(['a:http.route', 'c_bytes', 'c_i64', 'c_str'])
    for (const name of Object.keys(picked.columns)) {
      expect(Array.from({ length: joined.length }, (_, row) => cellValue(picked.columns[name], row))).toEqual(Array.from({ length: joined.length }, (_, row) => cellValue(joined.columns[name], row)))
    }
  })
})

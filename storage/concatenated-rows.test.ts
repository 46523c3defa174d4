import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { randomBatch, randomColumn, seededRandom } from '../test/support/random-batch.ts'
import { concatBatches, takeRows } from './batch-ops.ts'
import { ConcatenatedRows } from './concatenated-rows.ts'
import { cellValue, type Batch, type Column } from './model.ts'
import { PartReader, writePart } from './part/part-file.ts'

/** Rows as plain values, copied (a block's arrays are reused by the next block): what a reader
 * sees, whatever the dictionaries and offsets. */
function rowsOf(batch: Batch): [string, unknown][][] {
  const names = Object.keys(batch.columns).sort()
  const copy = (v: unknown) => (v instanceof Uint8Array ? v.slice() : v)
  return Array.from({ length: batch.length }, (_, row) => names.map((n): [string, unknown] => [n, copy(cellValue(batch.columns[n], row))]))
}

describe('ConcatenatedRows.blocks', () => {
  it('gives every row in the order asked, block by block', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const rand = seededRandom(seed)
      const batches = [randomBatch(seed), randomBatch(seed + 30), randomBatch(seed + 60), randomBatch(seed + 80)]
      // One batch lacks columns, another holds a column of a different kind under the same name.
      const { c_f64list: _list, c_bytes: _bytes, c_i64: _i64, ...rest } = batches[1].columns
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
      // A block's arrays are reused by the next: each is read before the next is asked for.
      const lengths: number[] = []
      const rows: unknown[] = []
      for (const b of view.blocks(order, blockRows)) {
        lengths.push(b.length)
        rows.push(...rowsOf(b))
        for (const column of Object.values(b.columns)) if (column.kind === 'str') expect(new Set(column.dict).size).toBe(column.dict.length)
      }
      expect(lengths).toEqual(Array.from({ length: Math.ceil(joined.length / blockRows) }, (_, b) => Math.min(blockRows, joined.length - b * blockRows)))
      expect(rows).toEqual(rowsOf(takeRows(joined, order)))
    }
  })

  it('refuses an order of another length', () => {
    const view = new ConcatenatedRows('spans', [randomBatch(1)])
    expect(() => [...view.blocks(new Uint32Array(view.length + 1), 10)]).toThrow(/order has/)
  })

  it('writes a part whose blocks read back as the rows asked for, although their arrays were reused', async () => {
    const batches = Array.from({ length: 4 }, (_, i) => randomBatch(70 + i, 30 + i * 7))
    // One batch lacks columns: their rows must read as absent, not as the previous block's values.
    const { c_bytes: _bytes, c_u32: _u32, c_str: _str, c_i64: _i64, c_f64list: _list, c_bool: _bool, ...rest } = batches[1].columns
    batches[1] = { ...batches[1], columns: rest }
    const joined = concatBatches('spans', batches)
    const order = Uint32Array.from({ length: joined.length }, (_, i) => joined.length - 1 - i)
    const dir = mkdtempSync(join(tmpdir(), 'blazedb-rows-'))
    try {
      const key = new Uint8Array(32).fill(3)
      const path = join(dir, 'p.part')
      const identity = { tenant: 't', signal: 'spans' as const, partitionStart: 0n, partitionEnd: 1n }
      await writePart(path, new ConcatenatedRows('spans', batches).blocks(order, 9), { key, identity, walSeq: 0, zstdLevel: 1 })
      const reader = PartReader.open(path, key)
      const read = reader.index.blocks.flatMap((block, b) => {
        const columns: Record<string, Column> = {}
        for (const ref of block.columns) columns[ref.name] = reader.readColumn(b, ref.name) as Column
        return rowsOf({ signal: 'spans', length: block.rows, columns })
      })
      reader.close()
      expect(reader.index.blocks.length).toBeGreaterThan(10)
      // Columns without a value in a block are not written: compare present cells only.
      const present = (rows: [string, unknown][][]) => rows.map((r) => r.filter(([, v]) => v !== undefined))
      expect(present(read)).toEqual(present(rowsOf(takeRows(joined, order))))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

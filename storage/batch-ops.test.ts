import { describe, expect, it } from 'vitest'
import { randomBatch, seededRandom } from '../test/support/random-batch.ts'
import { concatBatches, sliceRows, takeRows } from './batch-ops.ts'
import { cellValue, type Batch, type Column } from './model.ts'

/** Rows as plain values: what a reader sees, whatever the dictionaries and offsets. */
function rowsOf(batch: Batch): unknown[][] {
  const names = Object.keys(batch.columns).sort()
  return Array.from({ length: batch.length }, (_, row) => names.map((n) => [n, cellValue(batch.columns[n], row)]))
}

/** A string column of `rows` rows drawn from `distinct` values, one dictionary entry each. */
function strings(rows: number, distinct: number, seed: number): Column {
  const rand = seededRandom(seed)
  const dict = Array.from({ length: distinct }, (_, i) => `value ${i} ${'é'.repeat(i % 3)}`)
  return { kind: 'str', dict, codes: Uint32Array.from({ length: rows }, () => Math.floor(rand() * distinct)) }
}

describe('takeRows', () => {
  it('gives the rows asked for, in that order, for every column kind', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const batch = randomBatch(seed)
      const rand = seededRandom(seed * 7)
      const rows = Array.from({ length: Math.floor(rand() * batch.length * 1.5) }, () => Math.floor(rand() * batch.length))
      const all = rowsOf(batch)
      expect(rowsOf(takeRows(batch, rows))).toEqual(rows.map((r) => all[r]))
    }
  })

  it('gives a few rows of a big dictionary a dictionary of only their strings, each once', () => {
    const column = strings(10_000, 5_000, 3)
    const doubled: Column = column.kind === 'str' ? { ...column, dict: [...column.dict, ...column.dict], codes: column.codes.map((c, i) => (i % 2 === 0 ? c : c + 5_000)) } : column
    const batch: Batch = { signal: 'logs', length: 10_000, columns: { body: doubled } }
    const rows = [5, 6, 7, 5, 9_999, 6]
    const taken = takeRows(batch, rows)
    const body = taken.columns.body
    if (body.kind !== 'str') throw new Error('expected a string column')
    expect(rows.map((_, i) => cellValue(body, i))).toEqual(rows.map((r) => cellValue(doubled, r)))
    expect(new Set(body.dict).size).toBe(body.dict.length)
    expect(body.dict.length).toBeLessThanOrEqual(rows.length)
  })
})

describe('concatBatches', () => {
  it('joins batches row for row, columns missing from some batches absent there', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const parts = [randomBatch(seed), randomBatch(seed + 100), randomBatch(seed + 200)]
      const { c_str: _dropped, ...rest } = parts[1].columns
      parts[1] = { ...parts[1], columns: rest }
      const joined = concatBatches('spans', parts)
      const names = Object.keys(joined.columns).sort()
      const expected = parts.flatMap((p) => Array.from({ length: p.length }, (_, row) => names.map((n) => [n, p.columns[n] === undefined ? undefined : cellValue(p.columns[n], row)])))
      expect(rowsOf(joined)).toEqual(expected)
    }
  })

  it('merges small dictionaries (one code per string) and joins nearly distinct ones as they are', () => {
    const small = [0, 1, 2].map((i): Batch => ({ signal: 'logs', length: 2_000, columns: { level: strings(2_000, 10, i) } }))
    const level = concatBatches('logs', small).columns.level
    if (level.kind !== 'str') throw new Error('expected a string column')
    expect(level.dict.length).toBe(10)

    const distinct = [0, 1, 2].map((i): Batch => ({ signal: 'logs', length: 4_000, columns: { body: strings(4_000, 4_000, i) } }))
    const joined = concatBatches('logs', distinct)
    expect(rowsOf(joined)).toEqual(distinct.flatMap(rowsOf))
  })
})

describe('sliceRows', () => {
  it('gives a range of rows, as takeRows does, for every column kind, without copying fixed-width arrays', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const batch = randomBatch(seed)
      const rand = seededRandom(seed * 13)
      const start = Math.floor(rand() * batch.length)
      const end = start + Math.floor(rand() * (batch.length - start + 1))
      const slice = sliceRows(batch, start, end)
      expect(slice.length).toBe(end - start)
      expect(rowsOf(slice)).toEqual(rowsOf(takeRows(batch, Array.from({ length: end - start }, (_, i) => start + i))))
      const source = batch.columns.c_i64
      const view = slice.columns.c_i64
      if (source.kind === 'i64' && view.kind === 'i64') expect(view.values.buffer).toBe(source.values.buffer)
    }
  })
})

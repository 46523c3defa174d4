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

describe('sliceRows', () => {
  it('gives the rows of a range as takeRows does, for every column kind, and a slice of a slice too', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const batch = randomBatch(seed)
      const rand = seededRandom(seed * 11)
      const from = Math.floor(rand() * batch.length)
      const to = from + Math.floor(rand() * (batch.length - from + 1))
      const range = Array.from({ length: to - from }, (_, i) => from + i)
      const slice = sliceRows(batch, from, to)
      expect(slice.length).toBe(to - from)
      expect(rowsOf(slice)).toEqual(rowsOf(takeRows(batch, range)))
      const inner = Math.floor((to - from) / 2)
      expect(rowsOf(sliceRows(slice, inner, to - from))).toEqual(rowsOf(takeRows(batch, range.slice(inner))))
      expect(rowsOf(takeRows(slice, [0, inner].filter((r) => r < to - from)))).toEqual(rowsOf(takeRows(batch, [from, from + inner].filter((r) => r < to))))
    }
  })
})

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

  it('copies ids and 64-bit values whole, whether their bytes are 4-byte aligned or not', () => {
    const rand = seededRandom(5)
    const raw = Uint8Array.from({ length: 1 + 40 * 16 }, () => Math.floor(rand() * 256))
    const times = BigInt64Array.from({ length: 40 }, (_, i) => BigInt(i) * 1_000_000_007n - 3n ** 39n)
    const batch: Batch = {
      signal: 'spans',
      length: 40,
      columns: {
        aligned: { kind: 'bytes', width: 16, values: raw.slice(1) },
        unaligned: { kind: 'bytes', width: 16, values: raw.subarray(1) },
        span: { kind: 'bytes', width: 8, values: raw.slice(1, 1 + 40 * 8) },
        odd: { kind: 'bytes', width: 3, values: raw.subarray(1, 1 + 40 * 3) },
        time: { kind: 'i64', values: times },
      },
    }
    const rows = [39, 0, 7, 7, 20]
    const all = rowsOf(batch)
    expect(rowsOf(takeRows(batch, rows))).toEqual(rows.map((r) => all[r]))
    expect(rowsOf(takeRows(batch, Uint32Array.from(rows)))).toEqual(rows.map((r) => all[r]))
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

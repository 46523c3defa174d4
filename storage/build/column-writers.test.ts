/**
 * Column writers: which rows are present whatever order they are written in, and the values
 * they hold.
 */
import { describe, expect, test } from 'vitest'
import { cellValue, type Column } from '../model.ts'
import { NumWriter, Presence, StrWriter } from './column-writers.ts'

const cells = (column: Column, rows: number) => Array.from({ length: rows }, (_, row) => cellValue(column, row))

describe('Presence', () => {
  const f = (capacity: number, writes: (number | [number, number])[], rows: number, want: number[] | undefined) => {
    const p = new Presence(capacity)
    for (const w of writes) {
      if (typeof w === 'number') p.mark(w)
      else p.markRange(w[0], w[1])
    }
    const present = p.finish(rows)
    expect(present === undefined ? undefined : Array.from(present)).toEqual(want)
    for (let row = 0; row < rows; row++) expect(p.has(row)).toBe(want === undefined || want[row] === 1)
  }
  test('rows written in order, and rewritten, need no present array', () => {
    f(4, [0, 1, 2, 3], 4, undefined)
    f(4, [0, 1, 1, 0, 2, [2, 4]], 4, undefined)
    f(0, [[0, 3], 3, [1, 5]], 5, undefined)
  })
  test('a gap, or rows past the last one written, make one', () => {
    f(4, [0, 2, 3], 4, [1, 0, 1, 1])
    f(4, [1], 4, [0, 1, 0, 0])
    f(4, [0, 1], 4, [1, 1, 0, 0])
    f(2, [[0, 2], [3, 5], 2], 6, [1, 1, 1, 1, 1, 0])
    f(0, [5, 0, 1], 7, [1, 1, 0, 0, 0, 1, 0])
  })
})

describe('writers', () => {
  test('values written out of order and past the expected rows', () => {
    const w = new NumWriter('f64', 2)
    for (const row of [3, 0, 5, 1]) w.set(row, row + 0.5)
    w.fill(6, 8, -1)
    expect(cells(w.finish(9), 9)).toEqual([0.5, 1.5, undefined, 3.5, undefined, 5.5, -1, -1, undefined])
    const s = new StrWriter(4)
    s.fill(0, 2, 'a')
    s.set(3, 'b')
    expect(cells(s.finish(4), 4)).toEqual(['a', 'a', undefined, 'b'])
  })
})

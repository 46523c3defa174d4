/**
 * List columns: the elements of each row, also copied raw from any offset, and lists that stay
 * intact once their working buffer goes on to the next request's lists.
 */
import { describe, expect, test } from 'vitest'
import { cellValue, type Column } from '../model.ts'
import { ListWriter } from './list-writer.ts'

const cells = (column: Column, rows: number) => Array.from({ length: rows }, (_, row) => cellValue(column, row))

describe('ListWriter', () => {
  test('a list keeps its values when its buffer goes on to the next lists', () => {
    const first = new ListWriter('f64list', 2)
    for (let row = 0; row < 3; row++) {
      first.open(row)
      for (let i = 0; i < 100; i++) first.pushF64(row * 1000 + i)
    }
    const column = first.finish(4)
    const want = cells(column, 4)
    for (let round = 0; round < 3; round++) {
      const next = new ListWriter('i64list', 1)
      next.open(1)
      for (let i = 0; i < 500; i++) next.pushWords(i, 0)
      next.pushI64(-1n)
      expect(cells(next.finish(2), 2)).toEqual([undefined, [...Array.from({ length: 500 }, (_, i) => BigInt(i)), -1n]])
    }
    expect(cells(column, 4)).toEqual(want)
    expect(want[3]).toBe(undefined)
    expect((want[2] as number[]).slice(0, 2)).toEqual([2000, 2001])
  })

  test('raw 8-byte list elements are copied from any offset', () => {
    const src = new Uint8Array(3 + 16)
    const view = new DataView(src.buffer)
    view.setFloat64(3, 1.25, true)
    view.setFloat64(11, -2, true)
    const w = new ListWriter('f64list')
    w.open(0)
    w.pushRaw(view, 3, 19)
    expect(cells(w.finish(1), 1)).toEqual([[1.25, -2]])
  })
})

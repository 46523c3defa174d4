import { describe, expect, test } from 'vitest'
import { BatchBuilder } from './batch-builder.ts'
import { cellValue, type Batch } from './model.ts'

function cells(batch: Batch): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {}
  for (const [name, column] of Object.entries(batch.columns)) out[name] = Array.from({ length: batch.length }, (_, row) => cellValue(column, row))
  return out
}

describe('BatchBuilder', () => {
  test('every setter, dense and sparse columns, in any row order', () => {
    const b = new BatchBuilder('metrics')
    b.setU32('u', 2, 7)
    b.setU32('u', 0, 5)
    b.setI32('i', 1, -3)
    b.setI64('t', 0, 1n)
    b.setI64('t', 1, -(2n ** 63n))
    b.setI64('t', 2, 2n ** 63n - 1n)
    b.setF64('f', 0, 0.5)
    b.setF64('f', 0, 1.5)
    b.setBool('b', 2, true)
    b.setBool('b', 1, false)
    b.setStr('s', 0, 'x')
    b.setStr('s', 1, 'y')
    b.setStr('s', 2, 'x')
    b.setBytes('id', 1, 4, Uint8Array.of(1, 2, 3, 4))
    b.setI64List('l', 0, [1n, 2n])
    b.setI64List('l', 2, [])
    b.setF64List('fl', 1, [0.25])
    b.setAny('a', 2, { k: [1n, 'v'] })
    const batch = b.finish(3)
    expect(batch.signal).toBe('metrics')
    expect(batch.length).toBe(3)
    expect(cells(batch)).toEqual({
      u: [5, undefined, 7],
      i: [undefined, -3, undefined],
      t: [1n, -(2n ** 63n), 2n ** 63n - 1n],
      f: [1.5, undefined, undefined],
      b: [undefined, false, true],
      s: ['x', 'y', 'x'],
      id: [undefined, Uint8Array.of(1, 2, 3, 4), undefined],
      l: [[1n, 2n], undefined, []],
      fl: [undefined, [0.25], undefined],
      a: [undefined, undefined, { k: [1n, 'v'] }],
    })
    expect(batch.columns.t.present).toBeUndefined()
    expect(batch.columns.s).toMatchObject({ kind: 'str', dict: ['x', 'y'] })
    expect(batch.columns.l).toMatchObject({ kind: 'i64list', offsets: Uint32Array.of(0, 2, 2, 2) })
  })

  test('finish with more rows than were set leaves the rest absent', () => {
    const b = new BatchBuilder('logs')
    b.setI64('timeUnixNano', 0, 5n)
    expect(cells(b.finish(3))).toEqual({ timeUnixNano: [5n, undefined, undefined] })
  })

  test('attributes stay typed until a key carries mixed types, then become any', () => {
    const b = new BatchBuilder('spans')
    b.setAttribute('a:code', 0, 200n)
    b.setAttribute('a:code', 1, 404n)
    b.setAttribute('a:mixed', 0, 'text')
    b.setAttribute('a:mixed', 1, 3n)
    b.setAttribute('a:mixed', 2, true)
    b.setAttribute('a:list', 1, ['a'])
    b.setAttribute('a:flag', 2, false)
    b.setAttribute('a:ratio', 0, 0.5)
    const batch = b.finish(3)
    expect(batch.columns['a:code'].kind).toBe('i64')
    expect(batch.columns['a:mixed'].kind).toBe('any')
    expect(batch.columns['a:list'].kind).toBe('any')
    expect(batch.columns['a:flag'].kind).toBe('bool')
    expect(batch.columns['a:ratio'].kind).toBe('f64')
    expect(cells(batch)).toEqual({
      'a:code': [200n, 404n, undefined],
      'a:mixed': ['text', 3n, true],
      'a:list': [undefined, ['a'], undefined],
      'a:flag': [undefined, undefined, false],
      'a:ratio': [0.5, undefined, undefined],
    })
  })

  test('misuse is refused with a message', () => {
    const b = new BatchBuilder('spans')
    b.setU32('kind', 0, 1)
    expect(() => b.setStr('kind', 1, 'x')).toThrow(/cannot set column kind: it holds u32, not str/)
    expect(() => b.setBytes('id', 0, 8, new Uint8Array(4))).toThrow(/cannot set id: 4 bytes, expected 8/)
    b.setF64List('q', 1, [1])
    expect(() => b.setF64List('q', 1, [2])).toThrow(/increasing row order/)
    expect(() => b.setF64List('q', 0, [2])).toThrow(/increasing row order/)
  })
})

/**
 * Big dictionaries kept as UTF-8 bytes: decoded chunks give the strings they were written with
 * (ASCII or not, sparse or dense), corrupt UTF-8 is refused as before, rows taken or sliced keep
 * bytes and give the same strings, and caches charge the bytes and hand out their own columns.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../test/support/random-batch.ts'
import { sliceRows, takeRows } from './batch-ops.ts'
import { ByteWriter } from './codec/byte-writer.ts'
import { decodeColumn, encodeColumn } from './codec/column-codec.ts'
import { BlockCache, columnBytes } from './engine/block-cache.ts'
import { SharedBlockCache } from './engine/shared-block-cache.ts'
import { StorageError } from './errors.ts'
import { UTF8_DICT_MIN_ENTRIES } from './limits.ts'
import type { Batch, Column } from './model.ts'
import { utf8All, utf8Subset } from './utf8-strings.ts'
import { waitFor } from '../test/support/wait-for.ts'

type Str = Extract<Column, { kind: 'str' }>

const WORDS = ['timeout', 'calling', 'ünïcödé', 'émoji 😀', '日本語', '', 'a', 'GET /v1/{id}', 'x'.repeat(200)]

/** A string column of `rows` rows over a dictionary of `size` distinct entries. */
function bodies(size: number, rows: number, ascii: boolean, sparse: boolean, seed = 1): Str {
  const rand = seededRandom(seed)
  const words = ascii ? WORDS.filter((w) => /^[\x00-\x7f]*$/.test(w)) : WORDS
  const dict = Array.from({ length: size }, (_, d) => `${words[Math.floor(rand() * words.length)]} ${d} ${words[Math.floor(rand() * words.length)]}`)
  const codes = Uint32Array.from({ length: rows }, () => Math.floor(rand() * size))
  const present = sparse ? Uint8Array.from({ length: rows }, () => (rand() < 0.8 ? 1 : 0)) : undefined
  return { kind: 'str', dict, codes, present }
}

/** The strings of every row (undefined where absent). */
function cells(c: Column): (string | undefined)[] {
  const s = c as Str
  return [...s.codes].map((code, i) => (s.present === undefined || s.present[i] === 1 ? s.dict[code] : undefined))
}

const roundTrip = (c: Str, rows: number): Str => decodeColumn(encodeColumn(c, rows, new ByteWriter(16)), rows) as Str

describe('a big dictionary decodes to UTF-8 bytes', () => {
  it('with the strings it was written with, ASCII or not, dense or sparse', () => {
    for (const ascii of [true, false]) {
      for (const sparse of [true, false]) {
        const column = bodies(UTF8_DICT_MIN_ENTRIES + 7, 3000, ascii, sparse)
        const back = roundTrip(column, 3000)
        expect(back.utf8, `ascii=${ascii} sparse=${sparse}`).toBeDefined()
        expect(back.utf8!.ascii).toBe(ascii)
        expect(cells(back)).toEqual(cells(column))
        // Written again from the bytes, it is the same chunk.
        expect(encodeColumn(back, 3000)).toEqual(encodeColumn(column, 3000))
      }
    }
  })

  it('below the threshold, as strings', () => {
    expect(roundTrip(bodies(UTF8_DICT_MIN_ENTRIES - 1, 3000, true, false), 3000).utf8).toBeUndefined()
  })

  it('refuses invalid UTF-8, also a character cut between two entries', () => {
    const size = UTF8_DICT_MIN_ENTRIES
    const f = (dict: Uint8Array[], valid = false): void => {
      const w = new ByteWriter(16)
      w.u8(encodeColumn({ kind: 'str', dict: ['a'], codes: new Uint32Array(1) }, 1)[0]) // the str kind
      w.u8(0) // dense
      w.uvarint(size)
      for (const d of dict) {
        w.uvarint(d.length)
        w.bytes(d)
      }
      w.u8(2) // codes, 2 bytes each
      w.bytes(new Uint8Array(2))
      if (valid) expect((decodeColumn(w.finish(), 1) as Str).dict[10]).toBe('entry é10')
      else expect(() => decodeColumn(w.finish(), 1)).toThrow(StorageError)
    }
    const plain = Array.from({ length: size }, (_, d) => Buffer.from(`entry ${d === 10 ? 'é' : ''}${d}`))
    f(plain, true)
    f(plain.map((b, d) => (d === 9 ? Buffer.from([0x61, 0xff]) : b)))
    // "é" is c3 a9: valid across the boundary, invalid in each entry.
    f(plain.map((b, d) => (d === 9 ? Buffer.from([0x61, 0xc3]) : d === 10 ? Buffer.from([0xa9, 0x62]) : b)))
  })
})

describe('rows of a UTF-8 dictionary column', () => {
  const column = roundTrip(bodies(UTF8_DICT_MIN_ENTRIES * 2, 5000, false, true), 5000)
  const batch: Batch = { signal: 'logs', length: 5000, columns: { body: column } }

  it('taken: few rows keep only the entries they use, as bytes', () => {
    const rows = Uint32Array.from({ length: 300 }, (_, i) => (i * 37) % 5000)
    const taken = takeRows(batch, rows).columns.body as Str
    expect(taken.utf8!.offsets.length - 1).toBeLessThanOrEqual(300)
    expect(cells(taken)).toEqual([...rows].map((r) => cells(column)[r]))
  })

  it('taken or sliced: many rows share the dictionary, few copy their entries', () => {
    const rows = Uint32Array.from({ length: 4800 }, (_, i) => 4999 - i)
    const taken = takeRows(batch, rows).columns.body as Str
    expect(taken.utf8).toBe(column.utf8)
    expect(cells(taken)).toEqual([...rows].map((r) => cells(column)[r]))
    const sliced = sliceRows(batch, 100, 4900).columns.body as Str
    expect(sliced.utf8).toBe(column.utf8)
    expect(cells(sliced)).toEqual(cells(column).slice(100, 4900))
    const few = sliceRows(batch, 100, 120).columns.body as Str
    expect(few.utf8!.offsets.length - 1).toBeLessThanOrEqual(20)
    expect(cells(few)).toEqual(cells(column).slice(100, 120))
  })

  it('a subset rewrites the codes into it', () => {
    const codes = Uint32Array.of(5, 5, 900, 3)
    const subset = utf8Subset(column.utf8!, codes)
    expect([...codes]).toEqual([0, 0, 1, 2])
    expect(utf8All(subset)).toEqual([5, 900, 3].map((d) => column.dict[d]))
  })
})

describe('caches keep a UTF-8 chunk as bytes', () => {
  const column = (): Str => roundTrip(bodies(UTF8_DICT_MIN_ENTRIES * 4, 8000, true, false), 8000)

  it('charged by its bytes, not by strings', () => {
    const c = column()
    const strings = c.dict.reduce((n, s) => n + 2 * s.length + 16, 0)
    expect(columnBytes(c)).toBe(c.codes.byteLength + c.utf8!.bytes.byteLength + c.utf8!.offsets.byteLength)
    expect(columnBytes(c)).toBeLessThan(c.codes.byteLength + strings)
  })

  it('a BlockCache hands out a column of its own per get, over the same bytes', () => {
    const cache = new BlockCache(64 * 1024 * 1024)
    const c = column()
    cache.set('k', c)
    const a = cache.get('k') as Str
    const b = cache.get('k') as Str
    expect(a).not.toBe(b)
    expect(a.utf8).toBe(b.utf8)
    expect(cells(a)).toEqual(cells(c))
  })

  it('a SharedBlockCache shares the bytes with the other members', async () => {
    const name = `test-${randomUUID()}`
    const [a, b] = [new SharedBlockCache(64 * 1024 * 1024, name, 2), new SharedBlockCache(64 * 1024 * 1024, name, 2)]
    try {
      const c = column()
      a.set('k', c)
      await waitFor('the announcement to arrive', () => b.size.chunks === 1)
      const got = b.get('k') as Str
      expect(got.utf8!.bytes.buffer).toBeInstanceOf(SharedArrayBuffer)
      expect(cells(got)).toEqual(cells(c))
      // Charged once for both threads: no strings are kept with the entry.
      expect(b.size.bytes).toBe(columnBytes(c))
      expect(b.get('k')).not.toBe(got)
    } finally {
      a.close()
      b.close()
    }
  })
})

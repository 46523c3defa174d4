import { describe, expect, it } from 'vitest'
import { cellValue, type Batch, type Column } from '../index.ts'
import { ALL_KINDS, randomColumn, seededRandom } from '../../test/support/random-batch.ts'
import { writeBatchPayload } from './batch-codec.ts'
import { ByteWriter } from './byte-writer.ts'
import { decodeColumn, decodeColumnRows, encodeColumn } from './column-codec.ts'
import { takeColumn } from '../batch-ops.ts'
import { referenceBatchPayload, referenceColumn } from './testdata/reference-encoder.ts'

/** Encodes `column` both ways (compact and fast) and demands the reference encoder's bytes,
 * then decodes it back to the same cells. */
function f(column: Column, rows: number, what: string): void {
  for (const compact of [true, false]) {
    const got = encodeColumn(column, rows, new ByteWriter(16), { compact })
    expect(hex(got), `${what} compact=${compact}`).toBe(hex(referenceColumn(column, rows, compact)))
    const back = decodeColumn(got, rows)
    for (let i = 0; i < rows; i++) expect(same(cellValue(back, i), cellValue(column, i)), `${what} row ${i}`).toBe(true)
  }
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex')
}

/** Cell equality with Object.is for numbers (-0, NaN) and element-wise for arrays. A string
 * comes back well-formed (UTF-8 has no lone surrogates: they become U+FFFD). */
function same(a: unknown, b: unknown): boolean {
  if (typeof b === 'string') return a === b.toWellFormed()
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) return hex(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)) === hex(new Uint8Array(b.buffer, b.byteOffset, b.byteLength))
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]))
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return JSON.stringify(a, big) === JSON.stringify(b, big)
  return Object.is(a, b)
}

function big(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v
}

/** A NaN with the given payload bits (the high word keeps the exponent all ones). */
function nan(hi: number, lo: number): number {
  const u = Uint32Array.of(lo, (0x7ff00000 | hi) >>> 0)
  return new Float64Array(u.buffer)[0]
}

/** `values` in a Float64Array built from words, so NaN payloads are exactly as given. */
function f64Bits(words: number[]): Float64Array {
  return new Float64Array(Uint32Array.from(words).buffer)
}

/** A presence array starting `offset` bytes into its buffer (not 4-byte aligned when offset is odd). */
function presentAt(offset: number, flags: number[]): Uint8Array {
  const buf = new Uint8Array(offset + flags.length)
  buf.set(flags, offset)
  return buf.subarray(offset)
}

const I64_EXTREMES = [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 32n - 1n, 2n ** 32n, -(2n ** 32n), 2n ** 31n, 127n, 128n, 2n ** 28n - 1n, 2n ** 28n, 2n ** 35n]
const STRINGS = ['', 'a', 'ünïcödé', 'emoji 😀', 'lone \ud800 high', 'lone \udc00 low', '\udfff', 'end \ud83d', 'é'.repeat(64), 'x'.repeat(127), 'y'.repeat(128), 'z'.repeat(20000), '日本語のログ', 'GET /api/v1/users/{id}']

describe('column encoding matches the reference encoder byte for byte', () => {
  it('on random columns of every kind, dense and sparse', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rand = seededRandom(seed)
      const rows = [0, 1, 7, 8, 9, 63, 64, 65, 300, 1000][seed % 10]
      for (const kind of ALL_KINDS) f(randomColumn(rand, kind, rows), rows, `seed ${seed} ${kind}`)
    }
  })

  it('on i64 extremes, as plain values and as wrapping deltas', () => {
    const sorted = BigInt64Array.from({ length: 300 }, (_, i) => 1793491200000000000n + BigInt(i) * 4_294_967_311n) // low words wrap: borrows
    f({ kind: 'i64', values: sorted }, sorted.length, 'sorted with borrows')
    f({ kind: 'i64', values: BigInt64Array.from(I64_EXTREMES) }, I64_EXTREMES.length, 'extremes')
    f({ kind: 'i64', values: BigInt64Array.of(2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n - 1n, -(2n ** 63n)) }, 4, 'wrapping deltas')
    f({ kind: 'i64', values: BigInt64Array.of(-(2n ** 63n), -(2n ** 63n)) }, 2, 'constant minimum')
    const lists = BigInt64Array.from([...I64_EXTREMES, ...I64_EXTREMES.map((v) => -v), ...[...I64_EXTREMES].reverse()])
    const n = I64_EXTREMES.length
    f({ kind: 'i64list', offsets: Uint32Array.of(0, n, 2 * n, 3 * n), values: lists }, 3, 'list deltas at the extremes')
  })

  it('on doubles: NaN payloads, signed zeros, infinities, decimals', () => {
    const nans = [nan(0x80000, 0), nan(0x80000, 1), nan(1, 0), nan(0x7ffff, 0xffffffff), -nan(0x80000, 0)]
    f({ kind: 'f64', values: f64Bits([0, 0x7ff80000, 1, 0x7ff80000, 0, 0xfff80001]) }, 3, 'NaNs of different bits: constant')
    f({ kind: 'f64', values: Float64Array.from([...nans, 1.5, ...nans]) }, 11, 'NaN payloads among numbers: raw')
    f({ kind: 'f64', values: Float64Array.of(0, -0, 0) }, 3, 'signed zeros')
    f({ kind: 'f64', values: Float64Array.of(-0, -0) }, 2, 'constant -0')
    f({ kind: 'f64', values: Float64Array.of(Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE) }, 4, 'extremes')
    f({ kind: 'f64', values: Float64Array.of(0.5, 0.25, 0.1, 1e-9, 123.456, 7, -3.75) }, 7, 'decimals of several scales')
    f({ kind: 'f64', values: Float64Array.of(2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53 - 1) }, 3, 'integers past 2^52: raw')
    f({ kind: 'f64', values: Float64Array.of(2 ** 52 - 1, -(2 ** 52 - 1), 2 ** 52 - 1, 0.5) }, 4, 'differences past 2^52: plain')
    f({ kind: 'f64', values: Float64Array.of(-(2 ** 52 - 1), 5, 7, 9, -0.25) }, 5, 'one large difference: plain')
    f({ kind: 'f64', values: Float64Array.of(2 ** 52, 1, 2) }, 3, '2^52: raw')
    f({ kind: 'f64', values: Float64Array.of(0.1 + 0.2, 0.3) }, 2, 'not a short decimal')
    const rand = seededRandom(5)
    for (let scale = 0; scale <= 10; scale++) {
      const values = Float64Array.from({ length: 200 }, () => Math.round((rand() - 0.5) * 1e7) / 10 ** scale)
      f({ kind: 'f64', values }, values.length, `random decimals, scale ${scale}`)
    }
    const bounds = Float64Array.from([...nans, 1, ...nans, 1, 0.5, 0.25, 0.5, 0.25])
    f({ kind: 'f64list', offsets: Uint32Array.of(0, 6, 12, 14, 16), values: bounds }, 4, 'list rows equal up to NaN payloads')
  })

  it('on u32 and i32 at every width boundary', () => {
    for (const max of [0, 1, 255, 256, 65535, 65536, 2 ** 32 - 1]) f({ kind: 'u32', values: Uint32Array.of(0, max, 1) }, 3, `u32 up to ${max}`)
    f({ kind: 'u32', values: Uint32Array.of(2 ** 32 - 1, 2 ** 32 - 1) }, 2, 'constant u32 maximum')
    f({ kind: 'i32', values: Int32Array.of(-(2 ** 31), 2 ** 31 - 1, 0, -1, -128, 127) }, 6, 'i32 extremes')
  })

  it('on strings: non-ASCII, lone surrogates, empty, long, shared dictionaries', () => {
    f({ kind: 'str', dict: STRINGS, codes: Uint32Array.from(STRINGS, (_, i) => i) }, STRINGS.length, 'every string once')
    f({ kind: 'str', dict: STRINGS, codes: Uint32Array.of(9, 9, 2, 0) }, 4, 'shared dictionary, few used')
    const ascii = Array.from({ length: 400 }, (_, i) => `value-${i}-${'p'.repeat(i % 140)}`)
    f({ kind: 'str', dict: ascii, codes: Uint32Array.from(ascii, (_, i) => i) }, ascii.length, 'ASCII runs with long strings between')
    const mixed = ascii.map((s, i) => (i === 150 ? `${s}ö` : s))
    f({ kind: 'str', dict: mixed, codes: Uint32Array.from(mixed, (_, i) => i) }, mixed.length, 'one non-ASCII string in a run')
    f({ kind: 'str', dict: ['', ''], codes: Uint32Array.of(1, 0, 1) }, 3, 'empty strings, duplicate entries')
    const bad: Column = { kind: 'str', dict: ['a', 'b', 'c', 'd'], codes: Uint32Array.of(2, 9, 1) }
    expect(() => encodeColumn(bad, 3)).toThrow(/code 9 outside its dictionary of 4/)
    f({ kind: 'str', dict: ['a', 'b', 'c', 'd'], codes: Uint32Array.of(2, 1, 2) }, 3, 'after a refused column')
    f({ kind: 'str', dict: ['only'], codes: new Uint32Array(5) }, 5, 'one entry')
    const many = Array.from({ length: 70000 }, (_, i) => `s${i}`)
    f({ kind: 'str', dict: many, codes: Uint32Array.from(many, (_, i) => i) }, many.length, 'codes four bytes wide')
  })

  it('on presence arrays at any alignment and with bytes other than 0 and 1', () => {
    const rand = seededRandom(11)
    for (const rows of [1, 8, 13, 64, 100]) {
      for (const offset of [0, 1, 2, 3]) {
        const flags = Array.from({ length: rows }, () => [0, 1, 1, 2, 255][Math.floor(rand() * 5)])
        const present = presentAt(offset, flags)
        const values = Float64Array.from({ length: rows }, (_, i) => i * 1.25)
        f({ kind: 'f64', values, present }, rows, `f64 rows ${rows} offset ${offset}`)
        f({ kind: 'bool', values: Uint8Array.from(flags), present }, rows, `bool of 0/1/2/255, rows ${rows} offset ${offset}`)
        f({ kind: 'i64', values: BigInt64Array.from({ length: rows }, (_, i) => I64_EXTREMES[i % I64_EXTREMES.length]), present }, rows, `i64 rows ${rows}`)
        f({ kind: 'bytes', width: 3, values: Uint8Array.from({ length: rows * 3 }, (_, i) => i), present }, rows, `bytes rows ${rows}`)
        const offsets = Uint32Array.from({ length: rows + 1 }, (_, i) => 2 * i)
        f({ kind: 'i64list', offsets, values: BigInt64Array.from({ length: 2 * rows }, (_, i) => BigInt(i) - 5n), present }, rows, `i64list rows ${rows}`)
        f({ kind: 'f64list', offsets, values: Float64Array.from({ length: 2 * rows }, (_, i) => i % 4), present }, rows, `f64list rows ${rows}`)
      }
    }
  })
})

describe('decoding some rows of a chunk', () => {
  it('gives the cells of those rows of the whole chunk, for every kind, dense and sparse', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rand = seededRandom(seed)
      const rows = [1, 7, 8, 9, 64, 65, 300, 1000][seed % 8]
      for (const kind of ALL_KINDS) {
        const bytes = encodeColumn(randomColumn(rand, kind, rows), rows).slice()
        const whole = decodeColumn(bytes, rows)
        const picks = [[], [0], [rows - 1], Array.from({ length: rows }, (_, i) => i), Array.from({ length: rows }, (_, i) => i).filter(() => rand() < 0.1)]
        for (const sel of picks) {
          const got = decodeColumnRows(bytes, rows, sel)
          const want = takeColumn(whole, sel)
          expect(got.kind).toBe(kind)
          for (let i = 0; i < sel.length; i++) expect(same(cellValue(got, i), cellValue(want, i)), `seed ${seed} ${kind} row ${sel[i]}`).toBe(true)
        }
      }
    }
  })

  it('refuses a dictionary code out of range in a row it decodes, and rows out of order', () => {
    const bytes = encodeColumn({ kind: 'str', dict: ['a', 'b', 'c'], codes: Uint32Array.of(0, 1, 2, 1) }, 4).slice()
    bytes[bytes.length - 2] = 7 // row 2's code
    expect(() => decodeColumnRows(bytes, 4, [2])).toThrow(/code 7 out of range 3/)
    expect(() => decodeColumnRows(bytes, 4, [1, 0])).toThrow(RangeError)
    expect(() => decodeColumnRows(bytes, 4, [4])).toThrow(RangeError)
  })
})

describe('batch payload matches the reference encoder byte for byte', () => {
  function payload(batch: Batch, compact: boolean): string {
    const w = new ByteWriter(8)
    writeBatchPayload(w, batch, { compact })
    return hex(w.finish())
  }

  it('with column chunks around every length-prefix size', () => {
    // Chunks of 1, 2, 3 and 4 length bytes: the in-place prefix is moved left and right.
    for (const [width, rows] of [[1, 1], [1, 120], [1, 130], [1, 16000], [1, 17000], [1024, 2100]]) {
      const batch: Batch = {
        signal: 'logs',
        length: rows,
        columns: {
          small: { kind: 'u32', values: new Uint32Array(rows) },
          blob: { kind: 'bytes', width, values: Uint8Array.from({ length: rows * width }, (_, i) => i * 7) },
          'ünïcödé name': { kind: 'str', dict: ['a', 'b'], codes: Uint32Array.from({ length: rows }, (_, i) => i & 1) },
        },
      }
      for (const compact of [true, false]) expect(payload(batch, compact), `width ${width} rows ${rows}`).toBe(hex(referenceBatchPayload(batch, compact)))
    }
  })

  it('on random batches of every kind', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rand = seededRandom(seed)
      const rows = 1 + Math.floor(rand() * 400)
      const columns: Record<string, Column> = {}
      for (const kind of ALL_KINDS) columns[`c_${kind}`] = randomColumn(rand, kind, rows)
      const batch: Batch = { signal: 'metrics', length: rows, columns }
      for (const compact of [true, false]) expect(payload(batch, compact), `seed ${seed}`).toBe(hex(referenceBatchPayload(batch, compact)))
    }
  })
})

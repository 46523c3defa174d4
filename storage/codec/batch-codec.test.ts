import { describe, expect, it } from 'vitest'
import { StorageError, cellValue, type Batch } from '../index.ts'
import { randomBatch, seededRandom } from '../../test/support/random-batch.ts'
import { decodeBatch, encodeBatch } from './batch-codec.ts'

/** Rows as plain values: what a reader sees, independent of dictionaries and encodings. */
function rowsOf(batch: Batch): unknown[][] {
  const names = Object.keys(batch.columns).sort()
  return Array.from({ length: batch.length }, (_, row) => names.map((n) => [n, cellValue(batch.columns[n], row)]))
}

describe('BlazeBinary batch', () => {
  it('round-trips random batches of every column kind exactly', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const batch = randomBatch(seed)
      for (const [compress, compact] of [[false, true], [true, true], [false, false]]) {
        const decoded = decodeBatch(encodeBatch(batch, { compress, compact }))
        expect(decoded.length).toBe(batch.length)
        expect(rowsOf(decoded)).toEqual(rowsOf(batch))
      }
    }
  })

  it('keeps int64 and nanosecond boundary values without precision loss', () => {
    const values = BigInt64Array.of(0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 1793491200000000001n, 1793491200000000000n)
    const batch: Batch = { signal: 'logs', length: values.length, columns: { t: { kind: 'i64', values } } }
    const decoded = decodeBatch(encodeBatch(batch)).columns.t
    expect(decoded.kind === 'i64' && [...decoded.values]).toEqual([...values])
  })

  it('keeps -0, NaN, infinities and the distinction between 1 and 1n', () => {
    const batch: Batch = {
      signal: 'metrics',
      length: 4,
      columns: {
        f: { kind: 'f64', values: Float64Array.of(-0, NaN, Infinity, 0.1 + 0.2) },
        v: { kind: 'any', values: [1, 1n, { nested: [1.5, 2n, null, new Uint8Array([1, 2])] }, 'x'] },
      },
    }
    const decoded = decodeBatch(encodeBatch(batch))
    expect(rowsOf(decoded)).toEqual(rowsOf(batch))
    expect(Object.is(cellValue(decoded.columns.f, 0), -0)).toBe(true)
    expect(typeof cellValue(decoded.columns.v, 1)).toBe('bigint')
  })

  it('rejects every truncation with a StorageError', () => {
    const bytes = encodeBatch(randomBatch(7, 40))
    for (let len = 0; len < bytes.length; len++) {
      expect(() => decodeBatch(bytes.subarray(0, len)), `length ${len}`).toThrow(StorageError)
    }
  })

  it('rejects extended input', () => {
    const bytes = encodeBatch(randomBatch(8, 20))
    const longer = new Uint8Array(bytes.length + 3)
    longer.set(bytes)
    expect(() => decodeBatch(longer)).toThrow(/header says/)
  })

  it('rejects every single bit flip with a StorageError', () => {
    const bytes = encodeBatch(randomBatch(9, 12))
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice()
      flipped[bit >>> 3] ^= 1 << (bit & 7)
      expect(() => decodeBatch(flipped), `bit ${bit}`).toThrow(StorageError)
    }
  })

  it('never crashes on random garbage behind a valid header', () => {
    const rand = seededRandom(99)
    const good = encodeBatch(randomBatch(10, 30))
    for (let i = 0; i < 300; i++) {
      const bytes = good.slice()
      for (let j = 0; j < 1 + Math.floor(rand() * 20); j++) bytes[16 + Math.floor(rand() * (bytes.length - 16))] = Math.floor(rand() * 256)
      try {
        decodeBatch(bytes)
      } catch (error) {
        expect(error).toBeInstanceOf(StorageError)
      }
    }
  })
})

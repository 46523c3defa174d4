/**
 * Cached attributes and runs of attributes, seen through the decoder: every row gets exactly
 * its own attributes, whatever the cache holds from earlier points and requests.
 */
import { describe, expect, test } from 'vitest'
import { cellValue, type AnyValue, type Batch } from '../../storage/index.ts'
import { IngestError } from '../errors.ts'
import { ATTRIBUTE_RUN_CACHE_SLOTS, CACHED_ATTRIBUTE_RUN_MAX_BYTES, MAX_ATTRIBUTES_PER_RECORD } from '../limits.ts'
import { hashBytes } from './byte-cache.ts'
import { OtlpDecoder } from './decoder.ts'
import { writeBytesField } from './proto-writer.ts'

const msg = (field: number, ...parts: number[][]): number[] => {
  const out: number[] = []
  writeBytesField(out, field, parts.flat())
  return out
}
const utf8 = (s: string) => [...Buffer.from(s, 'utf8')]
const str = (s: string) => msg(1, utf8(s))
const int = (n: number) => [0x18, n] // AnyValue.int_value, n < 128
const array = (...values: number[][]) => msg(5, ...values.map((v) => msg(1, v)))
/** A KeyValue message. */
const kv = (key: string, value: number[]) => [...msg(1, utf8(key)), ...msg(2, value)]
/** Attribute fields of a NumberDataPoint (field 7). */
const attrs = (...kvs: number[][]) => kvs.flatMap((a) => msg(7, a))
const TIME = [0x19, ...new Uint8Array(BigInt64Array.of(1_793_491_200_000_000_000n).buffer)] // time_unix_nano
/** A gauge NumberDataPoint made of `fields` and a time. */
const point = (...fields: number[][]) => msg(1, ...fields, TIME)
const request = (...points: number[][]) => Uint8Array.from(msg(1, msg(2, msg(2, msg(1, utf8('m')), msg(5, ...points)))))

/** The record attributes of each row: key -> value, absent keys left out. */
function rowAttributes(batch: Batch): Record<string, AnyValue>[] {
  return Array.from({ length: batch.length }, (_, row) => {
    const out: Record<string, AnyValue> = {}
    for (const [name, column] of Object.entries(batch.columns)) {
      const value = cellValue(column, row)
      if (name.startsWith('a:') && value !== undefined) out[name.slice(2)] = value
    }
    return out
  })
}

/** The bytes the run cache keys a point's attributes by: from the first one's length on. */
const runKey = (run: number[]) => Uint8Array.from(run.slice(1))
const runSlot = (run: number[]) => {
  const key = runKey(run)
  return hashBytes(key, new DataView(key.buffer), 0, key.length) & (ATTRIBUTE_RUN_CACHE_SLOTS - 1)
}

describe('attribute runs', () => {
  test('two runs of the same length whose hashes share a slot keep their own attributes', () => {
    const seen = new Map<number, number>()
    let pair: [number, number] | undefined
    for (let i = 100; pair === undefined; i++) {
      const slot = runSlot(attrs(kv('route', str(`/r${i}`)), kv('code', int(1))))
      const other = seen.get(slot)
      if (other !== undefined) pair = [other, i]
      else seen.set(slot, i)
    }
    const [a, b] = pair
    const runA = attrs(kv('route', str(`/r${a}`)), kv('code', int(1)))
    const runB = attrs(kv('route', str(`/r${b}`)), kv('code', int(1)))
    expect(runA.length).toBe(runB.length)
    const decoder = new OtlpDecoder()
    for (let i = 0; i < 3; i++) {
      const { batch } = decoder.decode('metrics', 'protobuf', request(point(runA), point(runB), point(runA), point(runB), point(runB), point(runA)))
      expect(rowAttributes(batch).map((r) => r.route)).toEqual([a, b, a, b, b, a].map((n) => `/r${n}`))
      expect(rowAttributes(batch).every((r) => r.code === 1n)).toBe(true)
    }
  })

  test('a run longer than the cache limit is read in parts, each row whole', () => {
    const long = (tag: string) => attrs(...Array.from({ length: 30 }, (_, i) => kv(`key.${i}`, str(`${tag}-value-${i}`))))
    expect(long('x').length).toBeGreaterThan(2 * CACHED_ATTRIBUTE_RUN_MAX_BYTES)
    const want = (tag: string) => Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`key.${i}`, `${tag}-value-${i}`]))
    const decoder = new OtlpDecoder()
    for (let i = 0; i < 3; i++) {
      const { batch } = decoder.decode('metrics', 'protobuf', request(point(long('x')), point(long('y')), point(long('x'))))
      expect(rowAttributes(batch)).toEqual([want('x'), want('y'), want('x')])
    }
  })

  test('a cached run writes into the columns of each request, also once a key changed type', () => {
    const run = attrs(kv('k', str('a')), kv('j', str('b')))
    const decoder = new OtlpDecoder()
    const f = (body: Uint8Array) => {
      const { batch } = decoder.decode('metrics', 'protobuf', body)
      return { kind: batch.columns['a:k'].kind, rows: rowAttributes(batch) }
    }
    expect(f(request(point(run)))).toEqual({ kind: 'str', rows: [{ k: 'a', j: 'b' }] })
    expect(f(request(point(attrs(kv('k', int(7)))), point(run)))).toEqual({ kind: 'any', rows: [{ k: 7n }, { k: 'a', j: 'b' }] })
    expect(f(request(point(run), point(attrs(kv('k', int(7)))), point(run)))).toEqual({
      kind: 'any',
      rows: [{ k: 'a', j: 'b' }, { k: 7n }, { k: 'a', j: 'b' }],
    })
    expect(f(request(point(run), point(run)))).toEqual({ kind: 'str', rows: [{ k: 'a', j: 'b' }, { k: 'a', j: 'b' }] })
  })

  test('attributes split by other fields, and a key given twice, read as written', () => {
    const decoder = new OtlpDecoder()
    const body = request(point(attrs(kv('k', int(1))), TIME, attrs(kv('k', int(2)), kv('j', str('x')))), point(attrs(kv('k', int(1)))))
    for (let i = 0; i < 3; i++) {
      const { batch } = decoder.decode('metrics', 'protobuf', body)
      expect(rowAttributes(batch)).toEqual([{ k: 2n, j: 'x' }, { k: 1n }])
    }
  })

  test('a run with a value that is not a scalar is not cached and reads right every time', () => {
    const decoder = new OtlpDecoder()
    const run = attrs(kv('list', array(int(1), str('a'))), kv('k', str('v')))
    for (let i = 0; i < 3; i++) {
      const { batch } = decoder.decode('metrics', 'protobuf', request(point(run), point(run)))
      expect(rowAttributes(batch)).toEqual([
        { list: [1n, 'a'], k: 'v' },
        { list: [1n, 'a'], k: 'v' },
      ])
    }
  })

  test('the attribute limit counts every attribute of a run, cached or not', () => {
    const many = (n: number) => attrs(...Array.from({ length: n }, (_, i) => kv(`k${i % 7}`, int(i % 100))))
    const decoder = new OtlpDecoder()
    for (let i = 0; i < 2; i++) {
      expect(decoder.decode('metrics', 'protobuf', request(point(many(MAX_ATTRIBUTES_PER_RECORD)))).accepted).toBe(1)
      let error: unknown
      try {
        decoder.decode('metrics', 'protobuf', request(point(many(MAX_ATTRIBUTES_PER_RECORD + 1))))
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(IngestError)
      expect((error as IngestError).code).toBe('LIMIT_EXCEEDED')
      expect((error as IngestError).message).toMatch(/cannot decode a data point: more than 1024 attributes/)
    }
  })
})

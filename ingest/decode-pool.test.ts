/**
 * The decoding pool answers like the inline decoder, with threads or without: the same batch,
 * the same typed errors, and the caller's body left usable; a thread's batches live in shared memory.
 */
import { afterAll, describe, expect, test } from 'vitest'
import { cellValue } from '../storage/index.ts'
import { DecodePool } from './decode-pool.ts'
import { IngestError } from './errors.ts'
import { OtlpDecoder } from './otlp/decoder.ts'
import { writeBytesField } from './otlp/proto-writer.ts'

function msg(field: number, ...parts: number[][]): number[] {
  const out: number[] = []
  writeBytesField(out, field, parts.flat())
  return out
}
const fixed64 = (field: number, value: bigint) => [(field << 3) | 1, ...new Uint8Array(BigInt64Array.of(value).buffer)]
const span = (id: number) => msg(2, msg(1, Array(16).fill(7)), msg(2, Array(8).fill(id)), fixed64(7, 1_000_000n + BigInt(id)), msg(5, [...Buffer.from(`op-${id}`)]))
const request = Uint8Array.from(msg(1, msg(2, span(1), span(2), span(3))))

const pools = [new DecodePool(0), new DecodePool(2)]
afterAll(() => Promise.all(pools.map((p) => p.close())))

describe.each(pools.map((pool, i) => [i === 0 ? 'inline' : 'two threads', pool] as const))('%s', (_, pool) => {
  test('decodes like OtlpDecoder and leaves the body usable', async () => {
    const want = new OtlpDecoder().decode('traces', 'protobuf', request)
    const got = await Promise.all([1, 2, 3].map(() => pool.decode('traces', 'protobuf', request)))
    for (const g of got) {
      expect(g.accepted).toBe(3)
      expect(g.batch).toEqual(want.batch)
      expect(cellValue(g.batch.columns.name, 2)).toBe('op-3')
    }
    expect(request.byteLength).toBeGreaterThan(0)
  })

  test('an undecodable body rejects with the IngestError the decoder throws', async () => {
    const bad = request.subarray(0, request.length - 3)
    let want: unknown
    try {
      new OtlpDecoder().decode('traces', 'protobuf', bad)
    } catch (error) {
      want = error
    }
    const got = await pool.decode('traces', 'protobuf', bad).catch((error: unknown) => error)
    expect(got).toBeInstanceOf(IngestError)
    expect((got as IngestError).code).toBe((want as IngestError).code)
    expect((got as IngestError).message).toBe((want as IngestError).message)
  })
})

test('a decoding thread makes column arrays in shared memory, so posting a batch on copies nothing', async () => {
  const decoded = await pools[1].decode('traces', 'protobuf', request)
  const arrays = Object.values(decoded.batch.columns).flatMap((c) => {
    const column = c as { values?: unknown; codes?: unknown; offsets?: unknown; present?: unknown }
    return [column.values, column.codes, column.offsets, column.present].filter((a) => ArrayBuffer.isView(a)) as ArrayBufferView[]
  })
  expect(arrays.length).toBeGreaterThan(5)
  for (const a of arrays) expect(a.buffer).toBeInstanceOf(SharedArrayBuffer)
  // The inline decoder (the event loop's own) keeps plain buffers.
  const inline = await pools[0].decode('traces', 'protobuf', request)
  expect((inline.batch.columns.name as { codes: Uint32Array }).codes.buffer).toBeInstanceOf(ArrayBuffer)
})

test('a body handed over is moved to the thread when it is the whole of its buffer, copied otherwise', async () => {
  const want = new OtlpDecoder().decode('traces', 'protobuf', request).batch
  const whole = Uint8Array.from(request)
  expect((await pools[1].decode('traces', 'protobuf', whole, true)).batch).toEqual(want)
  expect(whole.byteLength).toBe(0) // detached: moved, not copied
  const padded = new Uint8Array(request.length + 8)
  padded.set(request, 8)
  const view = padded.subarray(8)
  expect((await pools[1].decode('traces', 'protobuf', view, true)).batch).toEqual(want)
  expect(view.byteLength).toBe(request.length) // a view into a larger buffer is copied
  const kept = Uint8Array.from(request)
  await pools[1].decode('traces', 'protobuf', kept)
  expect(kept.byteLength).toBe(request.length)
})

test('a closed pool refuses to decode', async () => {
  const pool = new DecodePool(1)
  await pool.close()
  await expect(pool.decode('traces', 'protobuf', request)).rejects.toThrow('cannot decode: the decoding threads are stopped')
})

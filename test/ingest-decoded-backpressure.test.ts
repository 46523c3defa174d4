/**
 * Decoded batches waiting for the store count against the in-flight bound beside their bodies:
 * while an append waits (the store's head is full and its flush under way), a request that
 * the bodies alone would leave room for is refused (OVERLOADED: 429 / RESOURCE_EXHAUSTED,
 * retryable) instead of decoded and held too; once the append is done, the bound is free again
 * and the retry is stored. Real decoding threads and protobuf bodies; the store is an in-memory
 * one whose appends wait until the test lets them through.
 */
import { afterAll, expect, test } from 'vitest'
import { DecodePool, IngestError, Intake, OtlpDecoder } from '../ingest/index.ts'
import { IngestPipeline } from '../ingest/pipeline.ts'
import { batchBytes } from '../ingest/intake.ts'
import { MemoryStore, type AppendOptions, type Batch } from '../storage/index.ts'
import { generateWorkload, otlpJson } from '../workload/index.ts'
import { encodeOtlpJsonAsProtobuf } from './support/otlp-protobufjs.ts'

/** Appends wait for `open()` (as appends wait for a flush while the head is full); `arrived` resolves at the first. */
class WaitingStore extends MemoryStore {
  private gate = Promise.withResolvers<void>()
  private first = Promise.withResolvers<void>()
  readonly arrived = this.first.promise
  open(): void {
    this.gate.resolve()
  }
  override async append(tenant: string, batch: Batch, options?: AppendOptions): Promise<void> {
    this.first.resolve()
    await this.gate.promise
    return super.append(tenant, batch, options)
  }
}

const pool = new DecodePool(1)
afterAll(() => pool.close())

test('a decoded batch waiting for the store holds its bytes in flight: the next request is refused, and stored when retried', async () => {
  const w = generateWorkload({ spans: 2_000, logs: 0, minutes: 5, seed: 3, start: BigInt(Date.now() - 10 * 60_000) * 1_000_000n })
  const [a, b] = otlpJson(w).traces.map((r) => encodeOtlpJsonAsProtobuf('traces', r))
  const decodedBytes = batchBytes(new OtlpDecoder().decode('traces', 'protobuf', a).batch)
  expect(decodedBytes).toBeGreaterThan(0)
  // Room for both bodies, not for both bodies and the first one's batch.
  const limit = a.length + b.length + Math.floor(decodedBytes / 2)
  const store = new WaitingStore()
  const intake = new Intake({ store, maxInflightBytes: limit })
  const pipeline = new IngestPipeline(intake, pool, false)
  const exportOne = async (body: Uint8Array) => {
    // As the OTLP listeners do: the body's bytes are leased before decoding.
    const lease = intake.inflight.lease()
    try {
      lease.grow(body.length)
      return await pipeline.export('default', 'traces', 'protobuf', body, false, undefined, lease)
    } finally {
      lease.release()
    }
  }
  const first = exportOne(a)
  await store.arrived
  expect(intake.inflight.inflight).toBe(a.length + decodedBytes)
  const refused = await exportOne(b).then(
    () => undefined,
    (error: unknown) => error,
  )
  expect(refused).toBeInstanceOf(IngestError)
  expect((refused as IngestError).code).toBe('OVERLOADED')
  expect(intake.answer(refused).answer.retryable).toBe(true)
  store.open()
  expect((await first).accepted).toBe(1_000)
  expect(intake.inflight.inflight).toBe(0)
  expect((await exportOne(b)).accepted).toBe(1_000)
  let rows = 0
  for await (const batch of store.scan({ tenant: 'default', signal: 'spans' })) rows += batch.length
  expect(rows).toBe(2_000)
})

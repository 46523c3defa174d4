/**
 * The intake as a door for any producer: a toy producer (as a collector would be) builds rows
 * with storage's public BatchBuilder, without any OTLP encoding, appends them through
 * `Intake.accept` into the on-disk engine, and a query reads them back. The intake applies the
 * same rules to it as to OTLP: the data model, the time window, counters, failures as IngestError.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { IngestError, Intake } from '../ingest/index.ts'
import { runQuery } from '../query/index.ts'
import { BatchBuilder, METRIC_COLUMNS, METRIC_TYPE, MemoryStore, openEngine, StorageError, type Batch, type Engine } from '../storage/index.ts'

const MINUTE = 60_000_000_000n
const NOW = 1_796_601_600_000_000_000n // 2026-12-07T00:00:00Z

/** A toy producer: a thermometer per room, one gauge point a minute, and a log line when it is hot. */
class Thermometers {
  readonly rooms: string[]
  constructor(rooms: string[]) {
    this.rooms = rooms
  }

  points(at: bigint, celsius: (room: string) => number): Batch {
    const b = new BatchBuilder('metrics')
    this.rooms.forEach((room, row) => {
      b.setStr(METRIC_COLUMNS.name, row, 'room.temperature')
      b.setStr(METRIC_COLUMNS.unit, row, 'Cel')
      b.setU32(METRIC_COLUMNS.type, row, METRIC_TYPE.gauge)
      b.setI64(METRIC_COLUMNS.timeUnixNano, row, at)
      b.setF64(METRIC_COLUMNS.value, row, celsius(room))
      b.setAttribute('r:service.name', row, 'thermometers')
      b.setAttribute('a:room', row, room)
    })
    return b.finish(this.rooms.length)
  }

  alerts(at: bigint, hot: string[]): Batch {
    const b = new BatchBuilder('logs')
    hot.forEach((room, row) => {
      b.setI64('timeUnixNano', row, at)
      b.setU32('severityNumber', row, 13)
      b.setStr('body', row, `${room} is hot`)
      b.setAttribute('a:room', row, room)
    })
    return b.finish(hot.length)
  }
}

let dir: string
let engine: Engine
let intake: Intake

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'blazedb-intake-'))
  engine = await openEngine({ dataDir: join(dir, 'data'), password: 'intake test', background: false })
  intake = new Intake({ store: engine, timeWindow: { retentionNs: { metrics: 60n * MINUTE, logs: 60n * MINUTE }, now: () => NOW } })
})
afterAll(async () => {
  await engine.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('a producer without OTLP', () => {
  test('appends rows through the intake and a query reads them back', async () => {
    const toy = new Thermometers(['kitchen', 'attic', 'cellar'])
    for (let i = 0n; i < 3n; i++) {
      const at = NOW - (3n - i) * MINUTE
      const result = await intake.accept('home', toy.points(at, (room) => (room === 'attic' ? 30 + Number(i) : 19)))
      expect(result).toEqual({ accepted: 3, rejected: 0, message: '' })
    }
    expect(await intake.accept('home', toy.alerts(NOW - MINUTE, ['attic']))).toEqual({ accepted: 1, rejected: 0, message: '' })
    const q = (text: string) => runQuery(text, { store: engine, tenant: 'home', now: NOW })
    const temps = await q('metrics | where metric.name = "room.temperature" | stats max(value) as hottest, count() as n by room | sort room')
    expect(temps.rows).toEqual([
      ['attic', 32, 3],
      ['cellar', 19, 3],
      ['kitchen', 19, 3],
    ])
    const logs = await q('logs | where room = "attic" | select body')
    expect(logs.rows).toEqual([['attic is hot']])
    expect((await runQuery('metrics | stats count()', { store: engine, tenant: 'default', now: NOW })).rows).toEqual([[0]])
    expect(intake.metrics.snapshot().accepted).toMatchObject({ metrics: 9, logs: 1 })
  })

  test('the intake applies the data model and the time window to producers too, by partial success', async () => {
    const b = new BatchBuilder('metrics')
    const times = [NOW - 2n * 60n * MINUTE, NOW, NOW, NOW + 2n * 60n * MINUTE]
    times.forEach((t, row) => {
      b.setStr(METRIC_COLUMNS.name, row, 'room.humidity')
      b.setU32(METRIC_COLUMNS.type, row, METRIC_TYPE.histogram)
      b.setI64(METRIC_COLUMNS.timeUnixNano, row, t)
      b.setI64(METRIC_COLUMNS.count, row, row === 2 ? 1n : 2n) // row 2 counts fewer than its buckets hold
      b.setI64List(METRIC_COLUMNS.bucketCounts, row, [1n, 1n])
      b.setF64List(METRIC_COLUMNS.explicitBounds, row, [50])
    })
    const result = await intake.accept('home', b.finish(4))
    expect(result).toEqual({ accepted: 1, rejected: 3, message: '3 of 4 records rejected; the first because its count 1 is smaller than the sum of bucket_counts, 2' })
    const stored = await runQuery('metrics | where metric.name = "room.humidity" | select count', { store: engine, tenant: 'home', now: NOW })
    expect(stored.rows).toEqual([[2]])
    const old = new Thermometers(['shed']).points(NOW - 2n * 60n * MINUTE, () => 5)
    const refused = await intake.accept('home', old).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(IngestError)
    expect(refused).toMatchObject({ code: 'INVALID_DATA', message: expect.stringMatching(/is older than the metrics retention of 1h/) })
    expect(intake.metrics.snapshot().outsideWindow.metrics).toBe(3)
  })

  test('failures come back as IngestError with the codes the status table answers', async () => {
    class Gated extends MemoryStore {
      gate: Promise<void> | undefined
      error: Error | undefined
      override async append(tenant: string, batch: Batch): Promise<void> {
        if (this.gate !== undefined) await this.gate
        if (this.error !== undefined) throw this.error
        return super.append(tenant, batch)
      }
    }
    const store = new Gated()
    const toy = new Thermometers(['porch'])
    const points = toy.points(BigInt(Date.now()) * 1_000_000n, () => 10)
    const small = new Intake({ store, maxInflightBytes: 64 })
    let open!: () => void
    store.gate = new Promise((done) => (open = done))
    const first = small.accept('default', points)
    const overloaded = await small.accept('default', points).catch((e: unknown) => e)
    expect(overloaded).toMatchObject({ code: 'OVERLOADED' })
    // What a protocol in front of the intake answers for it: retryable, 429 or UNAVAILABLE.
    expect(small.answer(overloaded).answer).toEqual({ http: 429, grpc: 14, retryable: true })
    open()
    expect((await first).accepted).toBe(1)
    store.gate = undefined
    store.error = new StorageError('IO', 'disk went away')
    await expect(small.accept('default', points)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', message: expect.stringMatching(/disk went away/) })
    expect(small.metrics.snapshot().errors).toEqual({ OVERLOADED: 1, STORAGE_UNAVAILABLE: 1 })
  })
})

/**
 * @module test/support/store-contract
 * The behaviour every Store must have, as one suite that each implementation runs.
 */
import { describe, expect, it } from 'vitest'
import { StorageError, takeRows, type Batch, type Store } from '../../storage/index.ts'
import { HOUR, MINUTE, T0, collect, makeLogs, makePoints, makeSpans, rowsOf, traceIdOf } from './telemetry.ts'

/** Rows of `batches` whose time column lies in [start, end). */
function inRange(batches: Batch[], column: string, start: bigint, end: bigint): Batch[] {
  return batches.map((b) => {
    const t = b.columns[column]
    const rows: number[] = []
    if (t?.kind === 'i64') for (let i = 0; i < b.length; i++) if (t.values[i] >= start && t.values[i] < end) rows.push(i)
    return takeRows(b, rows)
  })
}

export function describeStoreContract(name: string, open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>): void {
  describe(`Store contract: ${name}`, () => {
    it('returns every appended row of every signal, exactly once', async () => {
      const { store, cleanup } = await open()
      try {
        const spans = [makeSpans(500, { firstSeq: 0 }), makeSpans(300, { start: T0 + HOUR, firstSeq: 500, firstTrace: 1000 })]
        const logs = [makeLogs(400)]
        const points = [makePoints(250)]
        for (const b of [...spans, ...logs, ...points]) await store.append('default', b)
        expect(rowsOf(await collect(store.scan({ tenant: 'default', signal: 'spans' })))).toEqual(rowsOf(spans))
        expect(rowsOf(await collect(store.scan({ tenant: 'default', signal: 'logs' })))).toEqual(rowsOf(logs))
        expect(rowsOf(await collect(store.scan({ tenant: 'default', signal: 'metrics' })))).toEqual(rowsOf(points))
      } finally {
        await cleanup()
      }
    })

    it('returns every row in a time range, and projects columns', async () => {
      const { store, cleanup } = await open()
      try {
        const spans = [makeSpans(600, { step: MINUTE / 4n })]
        await store.append('default', spans[0])
        const start = T0 + 30n * MINUTE
        const end = T0 + 90n * MINUTE
        const got = inRange(await collect(store.scan({ tenant: 'default', signal: 'spans', start, end })), 'startTimeUnixNano', start, end)
        expect(rowsOf(got)).toEqual(rowsOf(inRange(spans, 'startTimeUnixNano', start, end)))
        const projected = await collect(store.scan({ tenant: 'default', signal: 'spans', columns: ['name', 'startTimeUnixNano', 'missing'] }))
        for (const b of projected) expect(Object.keys(b.columns).sort()).toEqual(['name', 'startTimeUnixNano'])
      } finally {
        await cleanup()
      }
    })

    it('finds every span of one trace and nothing else', async () => {
      const { store, cleanup } = await open()
      try {
        await store.append('default', makeSpans(400))
        await store.append('default', makeSpans(400, { start: T0 + 2n * HOUR, firstTrace: 0, firstSeq: 400 }))
        const trace = await store.getTrace('default', traceIdOf(7))
        expect(trace.length).toBe(8)
        const missing = await store.getTrace('default', traceIdOf(60000))
        expect(missing.length).toBe(0)
      } finally {
        await cleanup()
      }
    })

    it('keeps tenants apart', async () => {
      const { store, cleanup } = await open()
      try {
        await store.append('acme', makeSpans(10))
        await store.append('globex', makeSpans(20))
        expect((await collect(store.scan({ tenant: 'acme', signal: 'spans' }))).reduce((n, b) => n + b.length, 0)).toBe(10)
        expect((await collect(store.scan({ tenant: 'globex', signal: 'spans' }))).reduce((n, b) => n + b.length, 0)).toBe(20)
        expect((await collect(store.scan({ tenant: 'nobody', signal: 'spans' }))).length).toBe(0)
        expect(store.tenants().sort()).toEqual(['acme', 'globex'])
      } finally {
        await cleanup()
      }
    })

    it('refuses a batch without its time column', async () => {
      const { store, cleanup } = await open()
      try {
        const bad: Batch = { signal: 'logs', length: 1, columns: { body: { kind: 'str', dict: ['x'], codes: Uint32Array.of(0) } } }
        await expect(store.append('default', bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
        await expect(store.append('default', bad)).rejects.toBeInstanceOf(StorageError)
      } finally {
        await cleanup()
      }
    })

    it('gives a scan the snapshot of when it started', async () => {
      const { store, cleanup } = await open()
      try {
        for (let i = 0; i < 5; i++) await store.append('default', makeLogs(100, T0 + BigInt(i) * MINUTE, 1_000_000n, i * 100))
        const it = store.scan({ tenant: 'default', signal: 'logs' })[Symbol.asyncIterator]()
        const first = await it.next()
        let rows = first.done === true ? 0 : first.value.length
        await store.append('default', makeLogs(100, T0, 1_000_000n, 1000))
        for (let r = await it.next(); r.done !== true; r = await it.next()) rows += r.value.length
        expect(rows).toBe(500)
      } finally {
        await cleanup()
      }
    })

    it('stores a batch appended again with the same idempotency key once, per tenant', async () => {
      const { store, cleanup } = await open()
      try {
        const logs = makeLogs(10)
        let duplicates = 0
        const onDuplicate = (): void => void duplicates++
        // Concurrent attempts with one key (a retry while the first is still being written) too.
        await Promise.all([store.append('default', logs, { idempotencyKey: 'file:1:0-100', onDuplicate }), store.append('default', logs, { idempotencyKey: 'file:1:0-100', onDuplicate })])
        await store.append('default', logs, { idempotencyKey: 'file:1:0-100', onDuplicate })
        await store.append('other', logs, { idempotencyKey: 'file:1:0-100', onDuplicate })
        await store.append('default', makeLogs(2), { idempotencyKey: 'file:1:100-120', onDuplicate })
        expect(duplicates).toBe(2)
        expect(rowsOf(await collect(store.scan({ tenant: 'default', signal: 'logs' })))).toHaveLength(12)
        expect(rowsOf(await collect(store.scan({ tenant: 'other', signal: 'logs' })))).toHaveLength(10)
        await expect(store.append('default', logs, { idempotencyKey: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
        await expect(store.append('default', logs, { idempotencyKey: 'k'.repeat(257) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
      } finally {
        await cleanup()
      }
    })

    it('stores a keyed batch whose first attempt was refused when it is tried again', async () => {
      const { store, cleanup } = await open()
      try {
        const bad: Batch = { signal: 'logs', length: 1, columns: { body: { kind: 'str', dict: ['x'], codes: Uint32Array.of(0) } } }
        await expect(store.append('default', bad, { idempotencyKey: 'k1' })).rejects.toBeInstanceOf(StorageError)
        await store.append('default', makeLogs(3), { idempotencyKey: 'k1' })
        expect(rowsOf(await collect(store.scan({ tenant: 'default', signal: 'logs' })))).toHaveLength(3)
      } finally {
        await cleanup()
      }
    })
  })
  describeWatchContract(name, open)
}

export function describeWatchContract(name: string, open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>): void {
  describe(`Store watch contract: ${name}`, () => {
    it('tells watchers of each durable batch of their tenant and signal, until stopped', async () => {
      const { store, cleanup } = await open()
      try {
        const seen: number[] = []
        const stop = store.watch('acme', 'logs', (b) => seen.push(b.length))
        await store.append('acme', makeLogs(3))
        await store.append('other', makeLogs(4))
        await store.append('acme', makeSpans(5))
        stop()
        await store.append('acme', makeLogs(6))
        expect(seen).toEqual([3])
      } finally {
        await cleanup()
      }
    })
  })
}

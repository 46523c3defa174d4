/**
 * Scan snapshots read by a SnapshotScanner give what Store.scan gives: the Store contract run
 * with every scan going through a snapshot (head batches and part files by descriptor), and
 * the hold a snapshot keeps on parts that a compaction replaces meanwhile, and the byte bound on
 * the part indexes a scanner keeps.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { describeStoreContract } from '../../test/support/store-contract.ts'
import { collect, HOUR, makeSpans, rowsOf, T0, MINUTE } from '../../test/support/telemetry.ts'
import { MemoryStore } from '../memory-store.ts'
import type { Batch } from '../model.ts'
import { emptyScanStats, type Scan, type ScanRequest, type Store } from '../store.ts'
import { openEngine } from './engine.ts'
import { PartReader } from '../part/part-file.ts'
import { BlockCache } from './block-cache.ts'
import { partIndexBytes, SnapshotScanner } from './snapshot-scanner.ts'

/** `store` with `scan` answered from a snapshot taken when iteration starts, read by a scanner. */
function throughSnapshots(store: Store): Store {
  const scanner = new SnapshotScanner(64 * 1024 * 1024)
  const scan = (request: ScanRequest): Scan => {
    const stats = emptyScanStats()
    async function* iterate(): AsyncGenerator<Batch> {
      const held = store.snapshot!(request)
      try {
        const inner = scanner.scan(held.snapshot, request)
        for await (const batch of inner) {
          Object.assign(stats, inner.stats)
          yield batch
        }
        Object.assign(stats, inner.stats)
      } finally {
        held.release()
      }
    }
    return { stats, [Symbol.asyncIterator]: iterate }
  }
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'scan') return scan
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}

describeStoreContract('MemoryStore through snapshots', async () => ({ store: throughSnapshots(new MemoryStore()), cleanup: async () => {} }))

describeStoreContract('Engine through snapshots, head and small parts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-snapshot-'))
  const engine = await openEngine({ dataDir: dir, password: 'test', background: false, headFlushRows: 150 })
  return { store: throughSnapshots(engine), cleanup: async () => (await engine.close(), rmSync(dir, { recursive: true, force: true })) }
})

test('a held snapshot keeps the parts a compaction replaces readable, until released', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-snapshot-'))
  const engine = await openEngine({ dataDir: dir, password: 'test', background: false })
  try {
    const batches = [0, 1, 2].map((i) => makeSpans(200, { start: T0 + BigInt(i) * MINUTE, firstSeq: i * 200, firstTrace: i * 100 }))
    for (const b of batches) {
      await engine.append('default', b)
      await engine.flush()
    }
    const request: ScanRequest = { tenant: 'default', signal: 'spans' }
    const held = engine.snapshot(request)
    expect(held.snapshot.parts.length).toBe(3)
    expect(held.snapshot.head.length).toBe(0)
    await engine.compact()
    // The old files are gone from the manifest but not from disk while the snapshot holds them.
    for (const p of held.snapshot.parts) expect(existsSync(p.path)).toBe(true)
    const scanner = new SnapshotScanner(1024 * 1024)
    expect(rowsOf(await collect(scanner.scan(held.snapshot, request)))).toEqual(rowsOf(batches))
    held.release()
    for (const p of held.snapshot.parts) expect(existsSync(p.path)).toBe(false)
    // The engine's own scan now reads the merged part.
    expect(rowsOf(await collect(engine.scan(request)))).toEqual(rowsOf(batches))
  } finally {
    await engine.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('head batches taken by a snapshot are shared, strings and general values packed once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-snapshot-'))
  const engine = await openEngine({ dataDir: dir, password: 'test', background: false })
  try {
    await engine.append('default', makeSpans(100))
    const first = engine.snapshot({ tenant: 'default', signal: 'spans', columns: ['name', 'startTimeUnixNano'] })
    const [sb] = first.snapshot.head
    expect(Object.keys(sb.batch.columns)).toEqual(['startTimeUnixNano'])
    expect(Object.keys(sb.packed)).toEqual(['name'])
    const time = sb.batch.columns.startTimeUnixNano
    expect(time.kind === 'i64' && time.values.buffer instanceof SharedArrayBuffer).toBe(true)
    expect(sb.packed.name.buffer).toBeInstanceOf(SharedArrayBuffer)
    const second = engine.snapshot({ tenant: 'default', signal: 'spans' })
    expect(second.snapshot.head[0].batch.columns.startTimeUnixNano).toBe(time)
    expect(second.snapshot.head[0].packed.name).toBe(sb.packed.name)
    // What a thread receives reads back as the rows appended.
    const scanner = new SnapshotScanner(1024 * 1024)
    const posted = structuredClone(second.snapshot)
    expect(rowsOf(await collect(scanner.scan(posted, { tenant: 'default', signal: 'spans' })))).toEqual(rowsOf([makeSpans(100)]))
    first.release()
    second.release()
  } finally {
    await engine.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('part indexes kept stay within their byte budget as parts come and go, and scans stay right', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-snapshot-'))
  const engine = await openEngine({ dataDir: dir, password: 'test', background: false })
  try {
    const request: ScanRequest = { tenant: 'default', signal: 'spans' }
    const budget = 24 * 1024
    const scanner = new SnapshotScanner(0, budget)
    const appended: Batch[] = []
    let largest = 0
    // Each flush makes a part with a new file id, as live ingest does; each scan reads them all.
    for (let i = 0; i < 12; i++) {
      const batch = makeSpans(300, { start: T0 + BigInt(i) * MINUTE, firstSeq: i * 300, firstTrace: i * 150 })
      appended.push(batch)
      await engine.append('default', batch)
      await engine.flush()
      const held = engine.snapshot(request)
      try {
        expect(rowsOf(await collect(scanner.scan(held.snapshot, request)))).toEqual(rowsOf(appended))
        for (const p of held.snapshot.parts) largest = Math.max(largest, partIndexBytes(PartReader.borrow(p.fd, p.path, held.snapshot.key!).index))
      } finally {
        held.release()
      }
      expect(scanner.cachedIndexBytes).toBeLessThanOrEqual(budget + largest)
    }
    // Twelve parts' indexes are more than the budget: some were let go.
    expect(largest * 12).toBeGreaterThan(budget)
  } finally {
    await engine.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('warm decodes into the cache the chunks a scan reads, from the last block back, until stopped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-snapshot-'))
  const engine = await openEngine({ dataDir: dir, password: 'test', background: false })
  try {
    // Five parts of one block each, in partitions an hour apart.
    const batches = [0, 1, 2, 3, 4].map((i) => makeSpans(200, { start: T0 + BigInt(i) * HOUR, firstSeq: i * 200, firstTrace: i * 100 }))
    for (const b of batches) {
      await engine.append('default', b)
      await engine.flush()
    }
    // The scan leaves out the first hour: four blocks are read.
    const request: ScanRequest = { tenant: 'default', signal: 'spans', columns: ['name', 'startTimeUnixNano'], start: T0 + HOUR }
    const held = engine.snapshot(request)
    const cache = new BlockCache(64 * 1024 * 1024)
    const helper = new SnapshotScanner(cache)
    // Every other block from the last: the fifth and the third hour's, two columns each.
    expect(await helper.warm(held.snapshot, request, { offset: 0, stride: 2, maxBytes: Infinity }, () => false)).toBe(4)
    expect(await helper.warm(held.snapshot, request, { offset: 0, stride: 2, maxBytes: Infinity }, () => false)).toBe(0)
    expect(await helper.warm(held.snapshot, request, { offset: 1, stride: 2, maxBytes: Infinity }, () => true)).toBe(0)
    // A byte limit ends the walk after the block that reaches it (two chunks each).
    expect(await new SnapshotScanner(new BlockCache(64 * 1024 * 1024)).warm(held.snapshot, request, { offset: 0, stride: 1, maxBytes: 1 }, () => false)).toBe(2)
    const reader = new SnapshotScanner(cache)
    const scan = reader.scan(held.snapshot, request)
    const read = await collect(scan)
    expect(rowsOf(read)).toEqual(rowsOf(await collect(engine.scan(request))))
    expect(scan.stats.blocksRead).toBe(4)
    // The scan decoded only the blocks the helper did not: half the bytes of a cold scan.
    const cold = new SnapshotScanner(1024 * 1024).scan(held.snapshot, request)
    await collect(cold)
    expect(scan.stats.bytesRead).toBeGreaterThan(0)
    expect(scan.stats.bytesRead).toBeLessThan(cold.stats.bytesRead * 0.6)
    held.release()
  } finally {
    await engine.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

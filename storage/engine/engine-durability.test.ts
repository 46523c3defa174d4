import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { HOUR, T0, collect, makeLogs, makeSpans, rowsOf } from '../../test/support/telemetry.ts'
import { openEngine, type EngineOptions } from './engine.ts'

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-durability-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const base = (dataDir: string, extra: Partial<EngineOptions> = {}): EngineOptions => ({ dataDir, password: 'correct horse', background: false, ...extra })

/** Every file under `dir` with `suffix`. */
function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith(suffix)).map((f) => join(dir, f))
}

async function spanRows(options: EngineOptions): Promise<string[]> {
  const engine = await openEngine(options)
  try {
    return rowsOf(await collect(engine.scan({ tenant: 'default', signal: 'spans' })))
  } finally {
    await engine.close()
  }
}

describe('Engine durability', () => {
  it('keeps every row across close and reopen', async () => {
    const dir = tempDir()
    const engine = await openEngine(base(dir))
    const batches = [makeSpans(300), makeSpans(200, { start: T0 + 3n * HOUR, firstSeq: 300 })]
    for (const b of batches) await engine.append('default', b)
    await engine.close()
    expect(filesUnder(dir, '.blz').length).toBe(2)
    expect(await spanRows(base(dir))).toEqual(rowsOf(batches))
  })

  it('replays acknowledged rows from the write-ahead log after a crash', async () => {
    const dir = tempDir()
    const engine = await openEngine(base(dir))
    const batches = [makeSpans(100), makeSpans(100, { firstSeq: 100 })]
    for (const b of batches) await engine.append('default', b)
    // A copy taken now is what a crash leaves: acknowledged rows only in the WAL.
    const crashed = tempDir()
    cpSync(dir, crashed, { recursive: true })
    await engine.close()
    expect(filesUnder(crashed, '.blz').length).toBe(0)
    expect(await spanRows(base(crashed))).toEqual(rowsOf(batches))
  })

  it('cuts a torn write at the end of the log and keeps what came before', async () => {
    const dir = tempDir()
    const engine = await openEngine(base(dir))
    const first = makeSpans(100)
    await engine.append('default', first)
    await engine.append('default', makeSpans(100, { firstSeq: 100 }))
    const crashed = tempDir()
    cpSync(dir, crashed, { recursive: true })
    await engine.close()
    const [segment] = filesUnder(crashed, '.wal').filter((f) => statSync(f).size > 0)
    truncateSync(segment, statSync(segment).size - 7)
    const lines: string[] = []
    expect(await spanRows(base(crashed, { log: (l) => lines.push(l) }))).toEqual(rowsOf([first]))
    expect(lines.join('\n')).toMatch(/torn write/)
  })

  it('refuses a wrong password with a clear error', async () => {
    const dir = tempDir()
    await (await openEngine(base(dir))).close()
    await expect(openEngine({ ...base(dir), password: 'wrong' })).rejects.toMatchObject({ code: 'WRONG_KEY', message: expect.stringMatching(/password does not match/) })
  })

  it('detects an altered byte in a part file and never returns wrong data', async () => {
    const dir = tempDir()
    const engine = await openEngine(base(dir))
    await engine.append('default', makeSpans(300))
    await engine.close()
    const [part] = filesUnder(dir, '.blz')
    const bytes = readFileSync(part)
    bytes[100] ^= 0x01 // inside the first chunk
    writeFileSync(part, bytes)
    const reopened = await openEngine(base(dir))
    try {
      await expect(collect(reopened.scan({ tenant: 'default', signal: 'spans' }))).rejects.toMatchObject({ code: 'TAMPERED' })
    } finally {
      await reopened.close()
    }
  })

  it('detects a truncated part file at open', async () => {
    const dir = tempDir()
    const engine = await openEngine(base(dir))
    await engine.append('default', makeSpans(300))
    await engine.close()
    const [part] = filesUnder(dir, '.blz')
    truncateSync(part, statSync(part).size - 40)
    await expect(openEngine(base(dir))).rejects.toMatchObject({ code: 'CORRUPT' })
  })

  it('detects an edited manifest and a part moved to another partition', async () => {
    const dir = tempDir()
    const engine = await openEngine(base(dir))
    await engine.append('default', makeSpans(100))
    await engine.append('default', makeSpans(100, { start: T0 + HOUR }))
    await engine.close()
    const [a, b] = filesUnder(dir, '.blz').sort()
    const swapped = tempDir()
    cpSync(dir, swapped, { recursive: true })
    cpSync(a, b.replace(dir, swapped))
    await expect(openEngine(base(swapped))).rejects.toMatchObject({ code: 'TAMPERED' })
    const [manifest] = filesUnder(dir, 'MANIFEST')
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('"flushedWalSeq":', '"flushedWalSeq":1'))
    await expect(openEngine(base(dir))).rejects.toMatchObject({ code: 'TAMPERED' })
  })

  it('flushes rows acknowledged while another flush was under way', async () => {
    const dir = tempDir()
    const engine = await openEngine(base(dir, { headFlushRows: 300 }))
    for (let i = 0; i < 3; i++) await engine.append('default', makeSpans(100, { firstSeq: i * 100, firstTrace: i * 25 }))
    // The third append crossed the threshold and started a flush, which is still writing parts
    // (three fsyncs) when this append (one fsync) is acknowledged into the next head.
    await engine.append('default', makeSpans(100, { firstSeq: 300, firstTrace: 75 }))
    await engine.flush()
    expect(engine.stats('default', 'spans')).toMatchObject({ rows: 400, rowsInMemory: 0 })
    await engine.close()
  })

  it('keeps rows whose flush failed, and writes them with the next flush', async () => {
    const dir = tempDir()
    const engine = await openEngine(base(dir))
    await engine.append('default', makeSpans(100))
    await engine.append('default', makeSpans(100, { start: T0 + HOUR, firstSeq: 100, firstTrace: 25 }))
    // A file where the second partition's directory should go makes its flush fail.
    const blocker = join(dir, 'tenants', 'default', 'spans', '2026-11-01T010000Z_3600s')
    mkdirSync(join(dir, 'tenants', 'default', 'spans'), { recursive: true })
    writeFileSync(blocker, 'in the way')
    await expect(engine.flush()).rejects.toMatchObject({ code: 'IO' })
    expect(engine.stats('default', 'spans').rows).toBe(200)
    await engine.append('default', makeSpans(100, { firstSeq: 200, firstTrace: 50 }))
    await expect(engine.flush()).rejects.toMatchObject({ code: 'IO' })
    rmSync(blocker)
    await engine.flush()
    expect(engine.stats('default', 'spans')).toMatchObject({ rows: 300, rowsInMemory: 0 })
    await engine.close()
    expect((await spanRows(base(dir))).length).toBe(300)
  })

  it('merges parts when compacting without changing a row', async () => {
    const dir = tempDir()
    const engine = await openEngine(base(dir, { headFlushRows: 100 }))
    const batches = Array.from({ length: 6 }, (_, i) => makeSpans(100, { firstSeq: i * 100, firstTrace: i * 25 }))
    for (const b of batches) {
      await engine.append('default', b)
      await engine.flush()
    }
    await engine.compact()
    expect(engine.partitionsInfo().map((p) => p.parts.length)).toEqual([1])
    expect(rowsOf(await collect(engine.scan({ tenant: 'default', signal: 'spans' })))).toEqual(rowsOf(batches))
    await engine.close()
    expect(filesUnder(dir, '.blz').length).toBe(1)
  })

  it('defers merges while appends keep the head due for a flush, up to a backlog of parts', async () => {
    const dir = tempDir()
    const engine = await openEngine(base(dir, { headFlushRows: 100, partWriterThread: false, compactMaxRows: 1000 }))
    let seq = 0
    const next = () => {
      const b = makeSpans(100, { firstSeq: seq, firstTrace: seq / 4 })
      seq += 100
      return b
    }
    // Each flush, while it writes its part, takes a head's worth of new rows: when it ends,
    // the next flush is due already, as under sustained ingest.
    let arriving = true
    const writer = (engine as unknown as { partWriter: { run(job: { kind: string }): Promise<void> } }).partWriter
    const run = writer.run.bind(writer)
    writer.run = async (job) => {
      if (job.kind === 'flush' && arriving) await engine.append('default', next())
      return run(job)
    }
    const parts = () => engine.partitionsInfo()[0]?.parts.length ?? 0
    const seen: number[] = []
    await engine.append('default', next())
    for (let i = 0; i < 24; i++) {
      await engine.flush()
      seen.push(parts())
    }
    // The first call flushed twice (the append had started a flush). No merge past 4 parts
    // (COMPACT_MIN_PARTS) while a flush was due; the flush that made 16 (COMPACT_BACKLOG_PARTS) merged them.
    // The first call flushed twice (the append had started a flush). No merge past 4 parts
    // (COMPACT_MIN_PARTS) while a flush was due; the flush that made 16 (COMPACT_BACKLOG_PARTS)
    // merged 5 of 100 rows (half of compactMaxRows), 16 parts to 12, and so on.
    expect(seen.slice(0, 18)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 12, 13, 14, 15])
    // Once a flush leaves the head below its flush size, merges take up to compactMaxRows again.
    arriving = false
    await engine.flush()
    expect(engine.partitionsInfo()[0].parts.map((p) => p.rows).sort((a, b) => a - b)).toEqual([100, 500, 500, 500, 1000])
    expect((await collect(engine.scan({ tenant: 'default', signal: 'spans' }))).reduce((n, b) => n + b.length, 0)).toBe(seq)
    // Vacuum merges until no merge fits in compactMaxRows, not once per partition.
    await engine.compact()
    expect(engine.partitionsInfo()[0].parts.map((p) => p.rows).sort((a, b) => a - b)).toEqual([600, 1000, 1000])
    expect((await collect(engine.scan({ tenant: 'default', signal: 'spans' }))).reduce((n, b) => n + b.length, 0)).toBe(seq)
    await engine.close()
  })

  it('merges a past hour only once nothing was flushed into it for the quiet time', async () => {
    const dir = tempDir()
    let now = T0 + 10n * HOUR
    const engine = await openEngine(base(dir, { now: () => now, compactQuietMs: 60_000 }))
    const partsOf = (start: bigint) => engine.partitionsInfo().find((p) => p.signal === 'spans' && p.start === start)?.parts.length
    // A backfill of hour 0: each flush adds a part, none merges them while data keeps arriving.
    for (let i = 0; i < 3; i++) {
      await engine.append('default', makeSpans(50, { start: T0, firstSeq: i * 50, firstTrace: i * 20 }))
      await engine.flush()
      now += 10n * 1_000_000_000n
    }
    expect(partsOf(T0)).toBe(3)
    // A minute later, the next flush (of another hour) finds hour 0 quiet and merges it.
    now += 60n * 1_000_000_000n
    await engine.append('default', makeSpans(10, { start: T0 + 9n * HOUR, firstSeq: 1000, firstTrace: 900 }))
    await engine.flush()
    expect(partsOf(T0)).toBe(1)
    expect((await collect(engine.scan({ tenant: 'default', signal: 'spans' }))).reduce((n, b) => n + b.length, 0)).toBe(160)
    await engine.close()
  })

  it('drops exactly the partitions whose time is past retention', async () => {
    const dir = tempDir()
    let now = T0 + 10n * HOUR
    const engine = await openEngine(base(dir, { retention: { spans: 5n * HOUR }, now: () => now }))
    for (let h = 0n; h < 8n; h++) await engine.append('default', makeSpans(10, { start: T0 + h * HOUR }))
    await engine.append('default', makeLogs(10, T0))
    await engine.flush()
    // Hours 0..4 end at or before now - 5h = T0+5h; hours 5..7 do not.
    expect(await engine.applyRetention()).toBe(5)
    const left = engine.partitionsInfo().filter((p) => p.signal === 'spans').map((p) => Number((p.start - T0) / HOUR))
    expect(left).toEqual([5, 6, 7])
    expect(engine.partitionsInfo().filter((p) => p.signal === 'logs').length).toBe(1)
    now += HOUR
    expect(await engine.applyRetention()).toBe(1)
    await engine.close()
    expect(filesUnder(dir, 'MANIFEST').length).toBe(3)
  })

  it('lets scans running during flush and compaction see each row exactly once', async () => {
    const dir = tempDir()
    const engine = await openEngine(base(dir, { headFlushRows: 1_000_000 }))
    for (let i = 0; i < 10; i++) await engine.append('default', makeSpans(100, { firstSeq: i * 100, firstTrace: i * 25 }))
    const it = engine.scan({ tenant: 'default', signal: 'spans', columns: ['a:seq'] })[Symbol.asyncIterator]()
    const seen: bigint[] = []
    const take = (r: IteratorResult<import('../model.ts').Batch>): void => {
      if (r.done === true) return
      const c = r.value.columns['a:seq']
      if (c.kind === 'i64') seen.push(...c.values)
    }
    take(await it.next())
    await engine.flush()
    await engine.append('default', makeSpans(100, { firstSeq: 5000 }))
    await engine.compact()
    for (let r = await it.next(); r.done !== true; r = await it.next()) take(r)
    expect(seen.length).toBe(1000)
    expect(new Set(seen).size).toBe(1000)
    await engine.close()
  })
})

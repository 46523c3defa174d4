import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { collect, makeLogs, rowsOf } from '../../test/support/telemetry.ts'
import { RECENT_KEYS_FILE } from '../wal/recent-keys-file.ts'
import { openEngine, type Engine, type EngineOptions } from './engine.ts'

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-idempotency-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const NOW_MS = 1_800_000_000_000
const base = (dataDir: string, extra: Partial<EngineOptions> = {}): EngineOptions => ({
  dataDir,
  password: 'correct horse',
  background: false,
  now: () => BigInt(NOW_MS) * 1_000_000n,
  ...extra,
})

/** What a kill -9 leaves: a copy of the directory taken while the engine is open. */
function crashCopy(dir: string): string {
  const copy = tempDir()
  cpSync(dir, copy, { recursive: true })
  return copy
}

/** Appends `makeLogs(n)` with `key`; true when the engine stored it, false when it knew the key. */
async function appendKeyed(engine: Engine, key: string, n = 5, tenant = 'default'): Promise<boolean> {
  let duplicate = false
  await engine.append(tenant, makeLogs(n), { idempotencyKey: key, onDuplicate: () => (duplicate = true) })
  return !duplicate
}

async function logRows(engine: Engine, tenant = 'default'): Promise<number> {
  return rowsOf(await collect(engine.scan({ tenant, signal: 'logs' }))).length
}

describe('Engine idempotency keys', () => {
  it('recognises a key after a crash, from the write-ahead log record that holds the batch', async () => {
    const dir = tempDir()
    const engine = await openEngine(base(dir))
    expect(await appendKeyed(engine, 'a')).toBe(true)
    await engine.append('default', makeLogs(2)) // an unkeyed record between keyed ones
    expect(await appendKeyed(engine, 'b', 5, 'acme')).toBe(true)
    const crashed = crashCopy(dir)
    await engine.close()
    const reopened = await openEngine(base(crashed))
    try {
      expect(await appendKeyed(reopened, 'a')).toBe(false)
      expect(await appendKeyed(reopened, 'b', 5, 'acme')).toBe(false)
      expect(await appendKeyed(reopened, 'b')).toBe(true) // keys are per tenant
      expect(await logRows(reopened)).toBe(12)
      expect(await logRows(reopened, 'acme')).toBe(5)
    } finally {
      await reopened.close()
    }
  })

  it('keeps keys in RECENT-KEYS once the log segments holding them are deleted', async () => {
    const dir = tempDir()
    const engine = await openEngine(base(dir))
    await appendKeyed(engine, 'before-flush')
    await engine.flush()
    expect(existsSync(join(dir, 'wal', RECENT_KEYS_FILE))).toBe(true)
    const segments = readdirSync(join(dir, 'wal')).filter((n) => n.endsWith('.wal'))
    expect(segments).toHaveLength(1) // the records of 'before-flush' are gone from the log
    expect(statSync(join(dir, 'wal', segments[0])).size).toBe(0)
    await appendKeyed(engine, 'after-flush')
    const crashed = crashCopy(dir)
    await engine.close()
    const reopened = await openEngine(base(crashed))
    try {
      expect(await appendKeyed(reopened, 'before-flush')).toBe(false)
      expect(await appendKeyed(reopened, 'after-flush')).toBe(false)
      expect(await logRows(reopened)).toBe(10)
    } finally {
      await reopened.close()
    }
  })

  it('forgets keys past the window, by age and by count, also when rebuilt at open', async () => {
    const dir = tempDir()
    const engine = await openEngine(base(dir, { recentKeys: { maxPerTenant: 2 } }))
    for (const k of ['k1', 'k2', 'k3']) await appendKeyed(engine, k, 1)
    expect(await appendKeyed(engine, 'k1', 1)).toBe(true) // pushed out by k3
    await engine.close() // flushes: the table is saved
    const later = await openEngine(base(dir, { recentKeys: { maxAgeMs: 60_000 }, now: () => BigInt(NOW_MS + 30_000) * 1_000_000n }))
    expect(await appendKeyed(later, 'k3', 1)).toBe(false)
    await later.close()
    const muchLater = await openEngine(base(dir, { recentKeys: { maxAgeMs: 60_000 }, now: () => BigInt(NOW_MS + 120_000) * 1_000_000n }))
    try {
      expect(await appendKeyed(muchLater, 'k3', 1)).toBe(true)
    } finally {
      await muchLater.close()
    }
  })

  it('cuts a torn keyed record: its batch and its key are both gone', async () => {
    const dir = tempDir()
    const engine = await openEngine(base(dir))
    await appendKeyed(engine, 'whole')
    await appendKeyed(engine, 'torn')
    const crashed = crashCopy(dir)
    await engine.close()
    const segment = readdirSync(join(crashed, 'wal')).filter((n) => n.endsWith('.wal')).map((n) => join(crashed, 'wal', n)).find((f) => statSync(f).size > 0)!
    truncateSync(segment, statSync(segment).size - 3)
    const reopened = await openEngine(base(crashed))
    try {
      expect(await logRows(reopened)).toBe(5)
      expect(await appendKeyed(reopened, 'whole')).toBe(false)
      expect(await appendKeyed(reopened, 'torn')).toBe(true)
      expect(await logRows(reopened)).toBe(10)
    } finally {
      await reopened.close()
    }
  })

  it('refuses an altered RECENT-KEYS file at open', async () => {
    const dir = tempDir()
    const engine = await openEngine(base(dir))
    await appendKeyed(engine, 'k')
    await engine.close()
    const path = join(dir, 'wal', RECENT_KEYS_FILE)
    const bytes = readFileSync(path)
    bytes[bytes.length - 20] ^= 1
    writeFileSync(path, bytes)
    await expect(openEngine(base(dir))).rejects.toMatchObject({ code: 'CORRUPT' })
  })
})

/**
 * Paths that answer from presence marks and dictionary codes instead of values, checked
 * against counts worked out from how the data was made, over blocks of several parts and the
 * head: `exists` on ids (absent, all-zero and real ids; blocks with and without absent rows),
 * `count() by` a key whose values come in short runs (span names) or long ones, and counts
 * with no key.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runQuery } from './index.ts'
import { BatchBuilder, MemoryStore, openEngine, type Batch, type Engine } from '../storage/index.ts'
import { T0, traceIdOf } from '../test/support/telemetry.ts'

/** What row i of a log part carries: a trace id, an all-zero one (no trace context), or none. */
type IdShape = 'id' | 'zero' | 'none'

interface LogPart {
  count: number
  trace: (i: number) => IdShape
  user: (i: number) => boolean
}

// A part of two blocks (65,536 rows a block) with every shape; one with ids on every row (no
// presence marks at all); one with zero ids but none absent; and the head, not flushed.
const LOG_PARTS: LogPart[] = [
  { count: 70_000, trace: (i) => (['id', 'zero', 'none', 'id', 'id'] as const)[i % 5], user: (i) => i % 3 === 0 },
  { count: 3_000, trace: () => 'id', user: () => true },
  { count: 2_000, trace: (i) => (i % 7 === 0 ? 'zero' : 'id'), user: () => false },
  { count: 900, trace: (i) => (i < 300 ? 'none' : i % 2 === 0 ? 'zero' : 'id'), user: (i) => i % 2 === 1 },
]

function logPart(part: LogPart, first: number): Batch {
  const b = new BatchBuilder('logs')
  for (let i = 0; i < part.count; i++) {
    const t = T0 + BigInt(first + i) * 1_000_000n
    b.setI64('timeUnixNano', i, t)
    b.setU32('severityNumber', i, 9)
    b.setStr('body', i, 'ok')
    b.setStr('r:service.name', i, ['checkout', 'cart', 'payment'][i % 3])
    const shape = part.trace(i)
    if (shape !== 'none') b.setBytes('traceId', i, 16, shape === 'zero' ? new Uint8Array(16) : traceIdOf((first + i) % 65_536))
    if (part.user(i)) b.setAttribute('a:user', i, `u${i % 11}`)
  }
  return b.finish(part.count)
}

// Names in runs of 1 to 3 rows in the first part (as span names are within a service), in
// runs of thousands in the second, and cut by the part boundary.
const NAMES = ['GET /a', 'GET /b', 'POST /c', 'PUT /d', 'DELETE /e']
const SPAN_PARTS = [
  { count: 68_000, name: (i: number) => NAMES[(i * 7 + (i >> 3)) % NAMES.length] },
  { count: 10_000, name: (i: number) => NAMES[Math.floor(i / 2_500)] },
  { count: 700, name: (i: number) => NAMES[i % 2] },
]

function spanPart(count: number, name: (i: number) => string, first: number): Batch {
  const b = new BatchBuilder('spans')
  for (let i = 0; i < count; i++) {
    const t = T0 + BigInt(first + i) * 1_000_000n
    const spanId = new Uint8Array(8)
    spanId[0] = 1 + (i & 0x7f)
    spanId[1] = i >> 7
    spanId[2] = first >> 10
    b.setBytes('traceId', i, 16, traceIdOf((first + i) >> 2))
    b.setBytes('spanId', i, 8, spanId)
    b.setStr('name', i, name(i))
    b.setU32('kind', i, 2)
    b.setI64('startTimeUnixNano', i, t)
    b.setI64('endTimeUnixNano', i, t + BigInt((i % 97) * 1000))
    b.setStr('r:service.name', i, ['checkout', 'cart'][i % 2])
  }
  return b.finish(count)
}

describe('answers from presence marks and codes', () => {
  let dir: string
  let engine: Engine
  const memory = new MemoryStore()
  const range = { start: T0, end: T0 + 3_600_000_000_000n }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'blazedb-present-paths-'))
    engine = await openEngine({ dataDir: dir, password: 'test', background: false })
    const add = async (batch: Batch, flush: boolean): Promise<void> => {
      await engine.append('default', batch)
      await memory.append('default', batch)
      if (flush) await engine.flush()
    }
    let first = 0
    for (const [k, part] of LOG_PARTS.entries()) {
      await add(logPart(part, first), k < LOG_PARTS.length - 1)
      first += part.count
    }
    first = 0
    for (const [k, part] of SPAN_PARTS.entries()) {
      await add(spanPart(part.count, part.name, first), k < SPAN_PARTS.length - 1)
      first += part.count
    }
  }, 60_000)
  afterAll(async () => {
    await engine?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** The query's rows on the engine (twice: blocks decoded, then cached) and in memory, which must agree. */
  async function rows(query: string): Promise<unknown[][]> {
    const first = await runQuery(query, { store: engine, ...range })
    const again = await runQuery(query, { store: engine, ...range })
    const inMemory = await runQuery(query, { store: memory, ...range })
    expect(again.rows).toEqual(first.rows)
    expect(inMemory.rows).toEqual(first.rows)
    return first.rows
  }

  const logRows = LOG_PARTS.flatMap((part) => Array.from({ length: part.count }, (_, i) => ({ trace: part.trace(i), user: part.user(i), service: ['checkout', 'cart', 'payment'][i % 3] })))

  test('exists on an id counts real ids only: no all-zero one, no absent one', async () => {
    const withId = logRows.filter((r) => r.trace === 'id')
    expect(withId.length).toBeGreaterThan(0)
    expect(await rows('logs | where exists(trace_id) | stats count()')).toEqual([[withId.length]])
    expect(await rows('logs | where not exists(trace_id) | stats count()')).toEqual([[logRows.length - withId.length]])
    expect(await rows('logs | stats countif(exists(trace_id)), countif(not exists(trace_id)), count()')).toEqual([[withId.length, logRows.length - withId.length, logRows.length]])
    const byService = ['cart', 'checkout', 'payment'].map((s) => [s, withId.filter((r) => r.service === s).length])
    expect(await rows('logs | where exists(trace_id) | stats count() by service.name | sort service.name')).toEqual(byService)
  })

  test('exists on a string attribute follows its presence', async () => {
    const users = logRows.filter((r) => r.user).length
    expect(await rows('logs | where exists(attr.user) | stats count()')).toEqual([[users]])
    expect(await rows('logs | where exists(attr.user) and exists(trace_id) | stats count()')).toEqual([[logRows.filter((r) => r.user && r.trace === 'id').length]])
  })

  test('count() by a key in short runs and in long runs, whole blocks and picked rows', async () => {
    const names = SPAN_PARTS.flatMap((part) => Array.from({ length: part.count }, (_, i) => part.name(i)))
    const want = (keep: (i: number) => boolean) =>
      NAMES.map((n) => [n, names.filter((x, i) => x === n && keep(i)).length] as [string, number]).filter(([, c]) => c > 0).sort((a, b) => (a[0] < b[0] ? -1 : 1))
    expect(await rows('spans | stats count() by name | sort name')).toEqual(want(() => true))
    expect(await rows('spans | stats count(), countif(duration >= 48us) by name | sort name')).toEqual(
      want(() => true).map(([n, c]) => [n, c, names.filter((x, i) => x === n && (i - spanStart(i)) % 97 >= 48).length]),
    )
    expect(await rows('spans | where service.name = "cart" | stats count() by name | sort name')).toEqual(want((i) => (i - spanStart(i)) % 2 === 1))
  })

  test('stats with no key counts every row, beside aggregates that read values', async () => {
    const spans = SPAN_PARTS.reduce((n, p) => n + p.count, 0)
    expect(await rows('spans | stats count(), max(duration)')).toEqual([[spans, 96_000]])
    expect(await rows('logs | stats count()')).toEqual([[logRows.length]])
  })
})

/** The index of the first span of the part that holds span i (parts numbered one after another). */
function spanStart(i: number): number {
  let first = 0
  for (const part of SPAN_PARTS) {
    if (i < first + part.count) return first
    first += part.count
  }
  return first
}

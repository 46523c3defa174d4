/**
 * A scan for one trace over a real part file finds the trace's spans by binary search in each
 * block's trace runs: exactly its spans, from every block that holds some, whatever the order
 * the rows were written in.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { seededRandom } from '../../test/support/random-batch.ts'
import { withPart } from '../../test/support/part-reader.ts'
import { T0 } from '../../test/support/telemetry.ts'
import { BatchBuilder } from '../batch-builder.ts'
import { takeRows } from '../batch-ops.ts'
import { bytesToHex } from '../ids.ts'
import { cellValue, SPAN_COLUMNS, type Batch } from '../model.ts'
import { writePart } from '../part/part-file.ts'
import { emptyScanStats } from '../store.ts'
import { BlockCache } from './block-cache.ts'
import { storageOrder } from './row-order.ts'
import { scanParts } from './scan-parts.ts'

const dir = mkdtempSync(join(tmpdir(), 'blazedb-scan-trace-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const key = randomBytes(32)
const identity = { tenant: 'default', signal: 'spans' as const, partitionStart: T0, partitionEnd: T0 + 3_600_000_000_000n }
const TRACES = 300

/** Spans of TRACES traces over eight services; trace ids share their first bytes in pairs, so keys tie. */
function spans(rows: number): { batch: Batch; traceOf: number[] } {
  const rand = seededRandom(11)
  const b = new BatchBuilder('spans')
  const traceOf: number[] = []
  for (let row = 0; row < rows; row++) {
    const t = Math.floor(rand() * TRACES)
    traceOf.push(t)
    b.setBytes(SPAN_COLUMNS.traceId, row, 16, traceId(t))
    b.setBytes(SPAN_COLUMNS.spanId, row, 8, Uint8Array.of(row >> 8, row & 255, 0, 0, 0, 0, 0, 1))
    b.setI64(SPAN_COLUMNS.startTimeUnixNano, row, T0 + BigInt(row))
    b.setStr('r:service.name', row, `svc-${Math.floor(rand() * 8)}`)
  }
  return { batch: b.finish(rows), traceOf }
}

function traceId(t: number): Uint8Array {
  const id = new Uint8Array(16)
  new DataView(id.buffer).setUint32(0, Math.imul((t >> 1) + 1, 0x9e3779b1) >>> 0)
  id[15] = t
  return id
}

const { batch, traceOf } = spans(4000)
const order = storageOrder('spans', [batch])
const sorted = takeRows(batch, order)
const blocks = [0, 1000, 2000, 3000].map((at) => takeRows(sorted, Array.from({ length: 1000 }, (_, i) => at + i)))
// One more block in arrival order: many short runs.
const arrival = takeRows(batch, Array.from({ length: 700 }, (_, i) => i))
const path = join(dir, 'part-000001.blz')
await writePart(path, [...blocks, arrival], { key, identity, walSeq: 1, zstdLevel: 1 })

test('every block of a span part keeps its trace runs: a few per block in storage order', async () => {
  await withPart(path, key, async (reader) => {
  for (const b of reader.index.blocks.slice(0, 4)) expect(b.traceRuns!.length).toBeLessThanOrEqual(8)
  expect(reader.index.blocks[4].traceRuns!.length).toBeGreaterThan(100)
  })
})

test.each([0, 1, 2, 77, 150, 151, 299])('a scan for trace %i returns exactly its spans', async (t) => {
  await withPart(path, key, async (reader) => {
  const stats = emptyScanStats()
  const got: string[] = []
  const where = [{ op: 'eq' as const, column: SPAN_COLUMNS.traceId, value: traceId(t) }]
  for await (const b of scanParts([{ reader }], new BlockCache(1 << 24), { signal: 'spans', where }, stats, true)) {
    const ids = b.columns[SPAN_COLUMNS.spanId]
    for (let i = 0; i < b.length; i++) if (ids.kind === 'bytes') got.push(bytesToHex(ids.values.subarray(i * 8, i * 8 + 8)))
  }
  const expected: string[] = []
  let holding = 0
  for (const b of [...blocks, arrival]) {
    const ids = b.columns[SPAN_COLUMNS.traceId]
    const spanIds = b.columns[SPAN_COLUMNS.spanId]
    const before = expected.length
    for (let i = 0; i < b.length; i++) {
      if (ids.kind === 'bytes' && spanIds.kind === 'bytes' && bytesToHex(ids.values.subarray(i * 16, i * 16 + 16)) === bytesToHex(traceId(t))) expected.push(bytesToHex(spanIds.values.subarray(i * 8, i * 8 + 8)))
    }
    if (expected.length > before) holding++
  }
  expect(expected.length).toBe(traceOf.filter((x) => x === t).length + traceOf.slice(0, 700).filter((x) => x === t).length)
  expect(got.sort()).toEqual(expected.sort())
  // Blocks without the trace are skipped, by the bloom filter or the search.
  expect(stats.blocksSkipped).toBe(5 - holding)
  })
})

test('blocks without trace runs (parts written before they were kept) are returned whole', async () => {
  await withPart(path, key, async (reader) => {
  for (const b of reader.index.blocks) delete b.traceRuns
  const where = [{ op: 'eq' as const, column: SPAN_COLUMNS.traceId, value: traceId(77) }]
  const lengths: number[] = []
  for await (const b of scanParts([{ reader }], new BlockCache(1 << 24), { signal: 'spans', where }, emptyScanStats(), true)) lengths.push(b.length)
  expect(lengths.length).toBeGreaterThan(0)
  expect(lengths.every((n) => n === 1000 || n === 700)).toBe(true)
  })
})

test('the rows of a trace decoded alone hold what the whole blocks hold at those rows, and come back from the cache', async () => {
  await withPart(path, key, async (reader) => {
    const where = [{ op: 'eq' as const, column: SPAN_COLUMNS.traceId, value: traceId(150) }]
    const cells = async (cache: BlockCache): Promise<string> => {
      const out: unknown[][] = []
      for await (const b of scanParts([{ reader }], cache, { signal: 'spans', where }, emptyScanStats(), true)) {
        for (let i = 0; i < b.length; i++) out.push(Object.keys(b.columns).sort().map((name) => cellValue(b.columns[name], i)))
      }
      return JSON.stringify(out, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? bytesToHex(v) : v))
    }
    // Whole blocks decoded first (a scan without the trace), then the trace taken from them.
    const whole = new BlockCache(1 << 24)
    for await (const _ of scanParts([{ reader }], whole, { signal: 'spans' }, emptyScanStats(), true));
    const expected = await cells(whole)
    const cold = new BlockCache(1 << 24)
    expect(await cells(cold)).toBe(expected)
    const stats = emptyScanStats()
    for await (const _ of scanParts([{ reader }], cold, { signal: 'spans', where }, stats, true));
    expect(stats.bytesRead).toBe(0) // every chunk came from the cache the first lookup filled
    expect(await cells(cold)).toBe(expected)
  })
})

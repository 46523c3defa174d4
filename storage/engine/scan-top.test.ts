/**
 * Top-k scans (ScanRequest.top) over a real part file: every row that can rank among the best
 * `limit` of the rows in range (ties included) is returned, and blocks that cannot are skipped.
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
import type { Batch } from '../model.ts'
import { writePart } from '../part/part-file.ts'
import { emptyScanStats, SPAN_DURATION_KEY, type ScanTop } from '../store.ts'
import { BlockCache } from './block-cache.ts'
import { scanParts } from './scan-parts.ts'

const dir = mkdtempSync(join(tmpdir(), 'blazedb-scan-top-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const key = randomBytes(32)
const BLOCKS = 8
const ROWS = 300

/** Blocks of spans: start times rising, durations from a range of their own per block (so most
 * blocks cannot hold the longest), coarse so that values tie, some spans without an end. */
function spanBlocks(): Batch[] {
  const rand = seededRandom(7)
  const out: Batch[] = []
  for (let b = 0; b < BLOCKS; b++) {
    const bb = new BatchBuilder('spans')
    const spread = [3, 1, 7, 2, 5, 8, 4, 6][b]
    for (let r = 0; r < ROWS; r++) {
      const start = T0 + BigInt(b * ROWS + r) * 1000n
      bb.setI64('startTimeUnixNano', r, start)
      if (rand() > 0.05) bb.setI64('endTimeUnixNano', r, start + BigInt((Math.floor(rand() * 50) + 1) * 1000 * spread))
      bb.setU32('droppedEventsCount', r, Math.floor(rand() * 20) + spread * 10)
      bb.setStr('name', r, `s${b}-${r}`)
    }
    out.push(bb.finish(ROWS))
  }
  return out
}

const blocks = spanBlocks()
const path = join(dir, 'part-000001.blz')
const identity = { tenant: 'default', signal: 'spans' as const, partitionStart: T0, partitionEnd: T0 + 3_600_000_000_000n }
await writePart(path, blocks, { key, identity, walSeq: 1, zstdLevel: 1 })

/** Each row's name and key value (undefined when absent), computed without the code under test. */
function keyed(batch: Batch, top: ScanTop, range: { start?: bigint; end?: bigint }): { name: string; value: number | undefined }[] {
  const c = batch.columns
  const out: { name: string; value: number | undefined }[] = []
  for (let i = 0; i < batch.length; i++) {
    const start = (c.startTimeUnixNano as { values: BigInt64Array }).values[i]
    if ((range.start !== undefined && start < range.start) || (range.end !== undefined && start >= range.end)) continue
    const name = c.name.kind === 'str' ? c.name.dict[c.name.codes[i]] : ''
    let value: number | undefined
    if (top.key === SPAN_DURATION_KEY) {
      const end = c.endTimeUnixNano
      if (end?.kind === 'i64' && (end.present === undefined || end.present[i] === 1)) value = Number(end.values[i] - start)
    } else if (top.key === 'startTimeUnixNano') value = Number(start)
    else value = (c[top.key] as { values: Uint32Array }).values[i]
    out.push({ name, value })
  }
  return out
}

const cases: { top: ScanTop; range: { start?: bigint; end?: bigint } }[] = [
  { top: { key: SPAN_DURATION_KEY, desc: true, limit: 10 }, range: {} },
  { top: { key: SPAN_DURATION_KEY, desc: false, limit: 25 }, range: {} },
  { top: { key: SPAN_DURATION_KEY, desc: true, limit: 5 }, range: { start: T0 + 200_000n, end: T0 + 1_520_000n } },
  { top: { key: 'droppedEventsCount', desc: true, limit: 40 }, range: {} },
  { top: { key: 'startTimeUnixNano', desc: true, limit: 100 }, range: { end: T0 + 1_000_000n } },
  { top: { key: SPAN_DURATION_KEY, desc: true, limit: 5000 }, range: {} },
]

test.each(cases)('a top-k scan returns every row that can rank in the top $top.limit by $top.key (desc $top.desc), and skips blocks and rows that cannot', async ({ top, range }) => {
  await withPart(path, key, async (reader) => {
  const stats = emptyScanStats()
  const scanned: { name: string; value: number | undefined }[] = []
  const columns = ['startTimeUnixNano', 'endTimeUnixNano', 'droppedEventsCount', 'name']
  for await (const batch of scanParts([{ reader }], new BlockCache(1 << 24), { signal: 'spans', columns, top, ...range }, stats, true)) scanned.push(...keyed(batch, top, range))
  const all = blocks.flatMap((b) => keyed(b, top, range))
  const present = all.filter((r) => r.value !== undefined).map((r) => (top.desc ? r.value! : -r.value!)).sort((a, b) => b - a)
  const threshold = present.length >= top.limit ? present[top.limit - 1] : -Infinity
  // Every row that ties or beats the limit-th best value (or, with fewer values, every row).
  const needed = all.filter((r) => threshold === -Infinity || (r.value !== undefined && (top.desc ? r.value : -r.value) >= threshold)).map((r) => r.name)
  const got = new Set(scanned.map((r) => r.name))
  expect(needed.filter((name) => !got.has(name))).toEqual([])
  expect(stats.blocksTotal).toBe(BLOCKS)
  if (top.limit < 1000) {
    expect(stats.blocksSkipped).toBeGreaterThan(0)
    // Rows that cannot enter the top are left out of the blocks read, too.
    expect(scanned.length).toBeLessThan(all.length / 4)
  } else expect(stats.blocksSkipped).toBe(0)
  })
})

test('parts keep the least and greatest duration of each span block in their index', async () => {
  await withPart(path, key, async (reader) => {
  const b = reader.index.blocks[2]
  const durations = keyed(blocks[2], { key: SPAN_DURATION_KEY, desc: true, limit: 1 }, {}).flatMap((r) => (r.value === undefined ? [] : [r.value]))
  expect(b.duration).toEqual({ min: Math.min(...durations), max: Math.max(...durations) })
  })
})

test('blocks without duration statistics (parts written before they were kept) are all read', async () => {
  await withPart(path, key, async (reader) => {
  for (const b of reader.index.blocks) delete b.duration
  const stats = emptyScanStats()
  const top = { key: SPAN_DURATION_KEY, desc: true, limit: 10 }
  for await (const _batch of scanParts([{ reader }], new BlockCache(1 << 24), { signal: 'spans', columns: ['startTimeUnixNano', 'endTimeUnixNano'], top }, stats, true));
  expect(stats.blocksSkipped).toBe(0)
  expect(stats.blocksRead).toBe(BLOCKS)
  })
})

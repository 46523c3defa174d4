/**
 * A scan with an equality on a string column keeps, of each block, only the rows from the
 * first to the last that can match: rows are stored grouped by service, so that is one
 * service's run. Every matching row still comes back, whatever the order of the rows; a run
 * that is all one string comes as a dictionary of that string.
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
import { cellValue, SPAN_COLUMNS, type Batch } from '../model.ts'
import { writePart } from '../part/part-file.ts'
import { emptyScanStats, type ScanCondition } from '../store.ts'
import { BlockCache } from './block-cache.ts'
import { storageOrder } from './row-order.ts'
import { scanParts } from './scan-parts.ts'

const dir = mkdtempSync(join(tmpdir(), 'blazedb-scan-span-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const key = randomBytes(32)
const identity = { tenant: 'default', signal: 'spans' as const, partitionStart: T0, partitionEnd: T0 + 3_600_000_000_000n }
const SERVICE = 'r:service.name'

function spans(rows: number): Batch {
  const rand = seededRandom(5)
  const b = new BatchBuilder('spans')
  for (let row = 0; row < rows; row++) {
    b.setBytes(SPAN_COLUMNS.traceId, row, 16, randomBytes(16))
    b.setI64(SPAN_COLUMNS.startTimeUnixNano, row, T0 + BigInt(row))
    // Every tenth span lacks a service.
    if (row % 10 !== 3) b.setStr(SERVICE, row, `svc-${Math.floor(rand() * 6)}`)
  }
  return b.finish(rows)
}

const batch = spans(3000)
const sorted = takeRows(batch, storageOrder('spans', [batch]))
const blocks = [0, 1000, 2000].map((at) => takeRows(sorted, Array.from({ length: 1000 }, (_, i) => at + i)))
const arrival = takeRows(batch, Array.from({ length: 500 }, (_, i) => i)) // rows in arrival order
const path = join(dir, 'part-000001.blz')
await writePart(path, [...blocks, arrival], { key, identity, walSeq: 1, zstdLevel: 1 })

const serviceOf = (b: Batch, i: number) => cellValue(b.columns[SERVICE], i)

test.each([
  ['eq', [{ op: 'eq', column: SERVICE, value: 'svc-2' }], ['svc-2']],
  ['in', [{ op: 'in', column: SERVICE, values: ['svc-1', 'svc-4'] }], ['svc-1', 'svc-4']],
  ['any, one column absent', [{ op: 'any', of: [{ op: 'eq', column: 'a:service.name', value: 'svc-3' }, { op: 'eq', column: SERVICE, value: 'svc-3' }] }], ['svc-3']],
] as [string, ScanCondition[], string[]][])('%s: one run of rows a block, every matching row', async (_, where, wanted) => {
  await withPart(path, key, async (reader) => {
    const got: Batch[] = []
    const columns = [SERVICE, 'a:service.name', SPAN_COLUMNS.startTimeUnixNano]
    for await (const b of scanParts([{ reader }], new BlockCache(1 << 24), { signal: 'spans', columns, where }, emptyScanStats(), true)) got.push(b)
    const matching = (b: Batch) => Array.from({ length: b.length }, (_, i) => i).filter((i) => wanted.includes(String(serviceOf(b, i)))).length
    expect(got.reduce((n, b) => n + matching(b), 0)).toBe([...blocks, arrival].reduce((n, b) => n + matching(b), 0))
    // Sorted blocks come back as their runs, nothing but matching rows; the last block (in
    // arrival order) from its first to its last matching row.
    expect(got.length).toBeGreaterThan(1)
    for (const b of got.slice(0, -1)) expect(matching(b)).toBe(b.length)
    expect(got.slice(0, -1).every((b) => b.length < 1000)).toBe(true)
    const last = got[got.length - 1]
    expect(wanted).toContain(serviceOf(last, 0))
    expect(wanted).toContain(serviceOf(last, last.length - 1))
  })
})

test('a block with no row of the service is skipped, one whose column is absent too', async () => {
  await withPart(path, key, async (reader) => {
    const stats = emptyScanStats()
    const where: ScanCondition[] = [{ op: 'eq', column: 'a:service.name', value: 'svc-1' }]
    const got: Batch[] = []
    for await (const b of scanParts([{ reader }], new BlockCache(1 << 24), { signal: 'spans', columns: ['a:service.name', SPAN_COLUMNS.startTimeUnixNano], where }, stats, true)) got.push(b)
    expect(got).toEqual([])
    expect(stats.blocksSkipped).toBe(4)
  })
})

test('an equality whose run is all of one string passes that column on as a one-string dictionary, the same object each scan', async () => {
  await withPart(path, key, async (reader) => {
    const cache = new BlockCache(1 << 24)
    const where: ScanCondition[] = [{ op: 'eq', column: SERVICE, value: 'svc-2' }]
    const scan = async () => {
      const got: Batch[] = []
      for await (const b of scanParts([{ reader }], cache, { signal: 'spans', columns: [SERVICE, SPAN_COLUMNS.startTimeUnixNano], where }, emptyScanStats(), true)) got.push(b)
      return got
    }
    const first = await scan()
    // The sorted blocks: their runs hold svc-2 alone; the block in arrival order does not.
    for (const b of first.slice(0, -1)) {
      const c = b.columns[SERVICE]
      expect(c.kind === 'str' && c.dict).toEqual(['svc-2'])
      expect(Array.from({ length: b.length }, (_, i) => serviceOf(b, i)).every((s) => s === 'svc-2')).toBe(true)
    }
    const last = first[first.length - 1].columns[SERVICE]
    expect(last.kind === 'str' && last.dict.length).toBeGreaterThan(1)
    const again = await scan()
    again.slice(0, -1).forEach((b, k) => expect(b.columns[SERVICE]).toBe(first[k].columns[SERVICE]))
  })
})

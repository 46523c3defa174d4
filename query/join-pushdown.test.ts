/**
 * A join narrows its right side's scan to the left rows' ids (op-join.ts): span blocks whose
 * trace id filter holds none of the error logs' traces are skipped, and the answers equal
 * those of a join whose right side cannot be narrowed (a computed column in between), in
 * process and on a query thread.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BatchBuilder, openEngine, type Batch, type Engine } from '../storage/index.ts'
import { T0, makeSpans } from '../test/support/telemetry.ts'
import { BothWays } from './testdata/both-ways.ts'
import { JOIN_PUSH_MAX_IDS } from './limits.ts'

const PARTS = 6

/** Error logs of `count` spans of `spans` (every 7th row from `from`), and as many without a span. */
function logsOf(spans: Batch, from: number, count: number): Batch {
  const b = new BatchBuilder('logs')
  const trace = spans.columns.traceId
  const span = spans.columns.spanId
  if (trace?.kind !== 'bytes' || span?.kind !== 'bytes') throw new Error('expected id columns')
  for (let i = 0; i < 2 * count; i++) {
    b.setI64('timeUnixNano', i, T0 + BigInt(i) * 1_000_000n)
    b.setU32('severityNumber', i, 17)
    b.setStr('body', i, `failure ${i}`)
    if (i % 2 === 1) continue
    const row = from + 7 * (i / 2)
    b.setBytes('traceId', i, 16, trace.values.subarray(row * 16, row * 16 + 16))
    b.setBytes('spanId', i, 8, span.values.subarray(row * 8, row * 8 + 8))
  }
  return b.finish(2 * count)
}

describe('join narrows the scan of its right side to the left ids', () => {
  let dir: string
  let engine: Engine
  const ways = new BothWays()
  let logged = 0

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'blazedb-join-pushdown-'))
    engine = await openEngine({ dataDir: dir, password: 'test', background: false })
    // Spans flushed six times, each flush of its own traces; the error logs name spans of one.
    for (let i = 0; i < PARTS; i++) {
      const spans = makeSpans(3000, { start: T0 + BigInt(i) * 1_000_000_000n, step: 100_000n, firstSeq: i * 3000, firstTrace: i * 1000, seed: i + 1 })
      await engine.append('default', spans)
      if (i === 2) {
        await engine.append('default', logsOf(spans, 5, 40))
        logged = 40
      }
      await engine.flush()
    }
    ways.open(engine)
  })
  afterAll(async () => {
    await ways.close()
    await engine.close()
    rmSync(dir, { recursive: true, force: true })
  })

  for (const type of ['', 'left ']) {
    it(`skips span blocks without the logs' traces, with the answer of an unnarrowed ${type || 'inner '}join`, async () => {
      const stats = '| stats count() as n by span.name | sort span.name'
      const narrowed = await ways.run(`logs | where severity >= 17 | join ${type}spans as span on trace_id, span_id ${stats}`)
      const whole = await ways.run(`logs | where severity >= 17 | join ${type}(spans | extend unread = 1) as span on trace_id, span_id ${stats}`)
      expect(narrowed.rows).toEqual(whole.rows)
      const total = narrowed.rows.reduce((n, r) => n + Number(r[narrowed.columns.findIndex((c) => c.name === 'n')]), 0)
      expect(total).toBe(type === '' ? logged : 2 * logged)
      expect(narrowed.stats.blocksSkipped).toBeGreaterThan(whole.stats.blocksSkipped)
      expect(narrowed.stats.rowsScanned).toBeLessThan(whole.stats.rowsScanned)
    })
  }

  it('scans every block when the left rows hold more ids than a scan is given', async () => {
    const result = await ways.run('spans | join spans as other on trace_id, span_id | stats count() as n')
    expect(PARTS * 3000).toBeGreaterThan(JOIN_PUSH_MAX_IDS)
    expect(result.rows).toEqual([[PARTS * 3000]])
    expect(result.stats.blocksSkipped).toBe(0)
  })
})

/**
 * @module test/support/golden-data-dir
 * Writes a golden data directory of the current format version: spans, log records and metric
 * points flushed into part files, then more of each acknowledged but left in the write-ahead
 * log only (a copy taken before close, as a crash leaves it), and `expected.json`: per signal
 * the number of rows and a digest of them all.
 * storage/engine/golden.test.ts opens the committed copy with today's code and must read
 * exactly those rows: parts and logs written by an older release stay readable.
 *
 * Run once per format version, into a new folder, never over an existing one:
 * `npx node test/support/golden-data-dir.ts storage/testdata/data-dir-v1`
 */
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { HOUR, T0, makeLogs, makePoints, makeSpans, rowsOf } from './telemetry.ts'
import { randomValue, seededRandom } from './random-batch.ts'
import { BatchBuilder, type AnyValue, type Batch, type Signal } from '../../storage/index.ts'
import { openEngine, type EngineOptions } from '../../storage/engine/engine.ts'

export const GOLDEN_PASSWORD = 'golden format'
/** The clock the directory was written and is read at, so retention never drops its rows. */
export const GOLDEN_NOW = T0 + 24n * HOUR
export const SIGNALS: readonly Signal[] = ['spans', 'logs', 'metrics']

/** What a golden directory must read back per signal: its row count and a digest of every row. */
export interface GoldenRows {
  rows: number
  sha256: string
}

/** Rows as test/support/telemetry.ts `rowsOf` prints them (sorted), digested. */
export function digestRows(rows: readonly string[]): GoldenRows {
  return { rows: rows.length, sha256: createHash('sha256').update(rows.join('\n')).digest('hex') }
}

/** Spans with the columns the simple generator leaves out: events, links, attributes of every value type. */
function richSpans(count: number, start: bigint): Batch {
  const rand = seededRandom(7)
  const b = new BatchBuilder('spans')
  for (let i = 0; i < count; i++) {
    const t = start + BigInt(i) * 1_000_000n
    const id = Uint8Array.from({ length: 16 }, () => Math.floor(rand() * 256))
    b.setBytes('traceId', i, 16, id)
    b.setBytes('spanId', i, 8, id.subarray(8))
    b.setStr('name', i, `op ${i % 4}`)
    b.setU32('kind', i, 1 + (i % 5))
    b.setI64('startTimeUnixNano', i, t)
    b.setI64('endTimeUnixNano', i, t + BigInt(Math.floor(rand() * 1e9)))
    b.setU32('statusCode', i, i % 3)
    if (i % 3 === 2) b.setStr('statusMessage', i, 'failed: ünïcödé ✓')
    b.setStr('r:service.name', i, `svc-${i % 5}`)
    b.setAttribute('a:mixed', i, randomValue(rand))
    b.setAttribute('a:flag', i, i % 2 === 0)
    b.setAttribute('a:ratio', i, i / 7)
    if (i % 4 === 0) {
      const event: { [key: string]: AnyValue } = { timeUnixNano: t + 5n, name: 'retry', attributes: { attempt: BigInt(i) }, droppedAttributesCount: 0n }
      b.setAny('events', i, [event])
    }
    if (i % 6 === 0) {
      const link: { [key: string]: AnyValue } = { traceId: id, spanId: id.subarray(0, 8), traceState: 'k=v', attributes: {}, droppedAttributesCount: 1n, flags: 1n }
      b.setAny('links', i, [link])
    }
  }
  return b.finish(count)
}

/** Log records whose bodies are structured values rather than strings. */
function structuredLogs(count: number, start: bigint): Batch {
  const rand = seededRandom(11)
  const b = new BatchBuilder('logs')
  for (let i = 0; i < count; i++) {
    b.setI64('timeUnixNano', i, start + BigInt(i) * 1_000_000n)
    b.setU32('severityNumber', i, 1 + (i % 24))
    b.setStr('severityText', i, ['DEBUG', 'INFO', 'WARN', 'ERROR'][i % 4])
    b.setAny('bodyValue', i, { message: `event ${i}`, detail: randomValue(rand) })
    b.setStr('r:service.name', i, 'structured')
  }
  return b.finish(count)
}

async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? '')
  if (process.argv[2] === undefined || existsSync(out)) throw new Error('usage: golden-data-dir.ts NEW_DIR (a folder that does not exist yet)')
  const work = mkdtempSync(join(tmpdir(), 'blazedb-golden-'))
  const options: EngineOptions = { dataDir: work, password: GOLDEN_PASSWORD, background: false, now: () => GOLDEN_NOW }
  const flushed: Record<Signal, Batch[]> = {
    spans: [makeSpans(1000), richSpans(500, T0 + HOUR)],
    logs: [makeLogs(1000), structuredLogs(300, T0 + HOUR)],
    metrics: [makePoints(1000)],
  }
  const walOnly: Record<Signal, Batch[]> = {
    spans: [makeSpans(200, { start: T0 + 2n * HOUR, firstSeq: 1000, firstTrace: 5000, seed: 3 })],
    logs: [makeLogs(200, T0 + 2n * HOUR, 1_000_000n, 1000)],
    metrics: [makePoints(100, T0 + 2n * HOUR)],
  }
  try {
    const first = await openEngine(options)
    for (const s of SIGNALS) for (const b of flushed[s]) await first.append('default', b)
    await first.close()
    const second = await openEngine(options)
    for (const s of SIGNALS) for (const b of walOnly[s]) await second.append('default', b)
    cpSync(work, out, { recursive: true })
    rmSync(join(out, 'LOCK'), { force: true })
    await second.close()
    const expected: Record<string, GoldenRows> = {}
    for (const s of SIGNALS) expected[s] = digestRows(rowsOf([...flushed[s], ...walOnly[s]]))
    writeFileSync(join(out, 'expected.json'), `${JSON.stringify(expected, null, 2)}\n`)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main()

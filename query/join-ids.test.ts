/**
 * Joins on ids over rows the answer does not depend on the layout of: a `where` right before an
 * inner join drops the rows without the join's ids before it copies them (op-join.ts joinedIds),
 * and the id index (join-hash.ts) keeps keys, rows and chains in records. The answers equal
 * those of the same join with a computed column in between (nothing dropped early) and a count
 * made log by log, for logs naming spans that exist, spans that do not, the same span many
 * times, only a trace, nothing at all, and spans stored twice, in parts and in the head, in
 * process and on a query thread.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BatchBuilder, bytesToHex as hex, openEngine, takeRows, type Batch, type Engine } from '../storage/index.ts'
import { T0, makeSpans } from '../test/support/telemetry.ts'
import { BothWays } from './testdata/both-ways.ts'
import { joinedIds } from './op-join.ts'
import { parseQuery } from './parser.ts'
import { planQuery } from './planner.ts'

interface Log {
  severity: number
  trace?: Uint8Array
  span?: Uint8Array
}

interface Span {
  trace: Uint8Array
  span: Uint8Array
  name: string
}


function spansOf(batch: Batch): Span[] {
  const trace = batch.columns.traceId
  const span = batch.columns.spanId
  const name = batch.columns.name
  if (trace?.kind !== 'bytes' || span?.kind !== 'bytes' || name?.kind !== 'str') throw new Error('expected span columns')
  return Array.from({ length: batch.length }, (_, i) => ({ trace: trace.values.slice(i * 16, i * 16 + 16), span: span.values.slice(i * 8, i * 8 + 8), name: name.dict[name.codes[i]] }))
}

function logBatch(logs: readonly Log[], from: bigint): Batch {
  const b = new BatchBuilder('logs')
  logs.forEach((log, i) => {
    b.setI64('timeUnixNano', i, from + BigInt(i) * 1_000_000n)
    b.setU32('severityNumber', i, log.severity)
    b.setStr('body', i, `record ${i}`)
    if (log.trace !== undefined) b.setBytes('traceId', i, 16, log.trace)
    if (log.span !== undefined) b.setBytes('spanId', i, 8, log.span)
  })
  return b.finish(logs.length)
}

/**
 * Logs over `spans`: every 5th span named once, every 7th three times, a trace without its span,
 * an unknown span of a known trace, no ids, and severities below the filter; each kind of row
 * at each position so that blocks mix them.
 */
function logsOver(spans: readonly Span[], seed: number): Log[] {
  const logs: Log[] = []
  spans.forEach((s, i) => {
    if (i % 5 === seed % 5) logs.push({ severity: 17, trace: s.trace, span: s.span })
    if (i % 7 === seed % 7) for (let k = 0; k < 3; k++) logs.push({ severity: 18 + k, trace: s.trace, span: s.span })
    if (i % 11 === 0) logs.push({ severity: 20, trace: s.trace })
    if (i % 13 === 0) logs.push({ severity: 17, trace: s.trace, span: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, i & 0xff) })
    if (i % 3 === 0) logs.push({ severity: 21 })
    if (i % 17 === 0) logs.push({ severity: 9, trace: s.trace, span: s.span })
  })
  return logs
}

describe('joins on ids', () => {
  let dir: string
  let engine: Engine
  const ways = new BothWays()
  const spans: Span[] = []
  const logs: Log[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'blazedb-join-ids-'))
    engine = await openEngine({ dataDir: dir, password: 'test', background: false })
    // Two flushed parts of spans, the second holding some spans of the first again, then the head.
    const parts = [makeSpans(2000, { firstTrace: 0, seed: 3 }), makeSpans(1500, { start: T0 + 5_000_000_000n, firstTrace: 600, seed: 4 })]
    const twice = takeRows(parts[0], Array.from({ length: 50 }, (_, k) => 40 * k))
    const head = makeSpans(800, { start: T0 + 9_000_000_000n, firstTrace: 1200, seed: 5 })
    for (const [k, batch] of [parts[0], parts[1], twice, head].entries()) {
      await engine.append('default', batch)
      spans.push(...spansOf(batch))
      const own = logsOver(spansOf(batch), k)
      await engine.append('default', logBatch(own, T0 + BigInt(k) * 3_000_000_000n))
      logs.push(...own)
      if (k === 0 || k === 2) await engine.flush()
    }
    ways.open(engine)
  })
  afterAll(async () => {
    await ways.close()
    await engine.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Joined rows per span name, counted from every error log's matching spans (looked up by hex). */
  function expected(type: 'inner' | 'left', keys: 'both' | 'trace'): Map<string, number> {
    const key = (trace: Uint8Array | undefined, span: Uint8Array | undefined) => (trace === undefined || trace.every((x) => x === 0) ? undefined : keys === 'trace' ? hex(trace) : span === undefined || span.every((x) => x === 0) ? undefined : `${hex(trace)}/${hex(span)}`)
    const names = new Map<string, string[]>()
    for (const s of spans) {
      const k = key(s.trace, s.span)!
      names.set(k, [...(names.get(k) ?? []), s.name])
    }
    const out = new Map<string, number>()
    for (const log of logs) {
      if (log.severity < 17) continue
      const k = key(log.trace, log.span)
      const matched = k === undefined ? [] : (names.get(k) ?? [])
      for (const name of matched) out.set(name, (out.get(name) ?? 0) + 1)
      if (matched.length === 0 && type === 'left') out.set('', (out.get('') ?? 0) + 1)
    }
    return out
  }

  const counts = (rows: unknown[][]) => new Map(rows.map((r) => [String(r[0] ?? ''), Number(r[1])]))

  for (const type of ['inner', 'left'] as const) {
    for (const keys of ['both', 'trace'] as const) {
      const on = keys === 'both' ? 'trace_id, span_id' : 'trace_id'
      it(`${type} join on ${on}: every match once, as without the early drop`, async () => {
        const stats = '| stats count() as n by span.name | sort span.name'
        const direct = await ways.run(`logs | where severity >= 17 | join ${type} spans as span on ${on} ${stats}`)
        const unnarrowed = await ways.run(`logs | where severity >= 17 | extend unread = 1 | join ${type} spans as span on ${on} ${stats}`)
        expect(direct.rows).toEqual(unnarrowed.rows)
        const want = expected(type, keys)
        expect(counts(direct.rows)).toEqual(want)
        expect([...want.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(logs.length / 4)
      })
    }
  }

  it('indexes the spans when they are the smaller side, with the same pairs', async () => {
    const q = (between: string) => `logs | where severity >= 17 ${between}| join (spans | where name = "GET /b" and seq < 60) as span on trace_id, span_id | stats count() as n by span.name`
    const small = await ways.run(q(''))
    expect(small.rows).toEqual((await ways.run(q('| extend unread = 1 '))).rows)
    expect(Number(small.rows[0]?.[1])).toBeGreaterThan(0)
  })
})

describe('joinedIds', () => {
  const plan = (q: string) => planQuery(parseQuery(q), { now: 0n, source: q })
  const before = (q: string) => {
    const p = plan(q)
    const k = p.stages.findIndex((s) => s.node.kind === 'Join')
    return joinedIds(p.stages[k].node, p.stages[k].scope)
  }

  it('names the id columns of an inner join on ids, nothing for a left join or other keys', () => {
    expect(before('logs | where severity >= 17 | join spans as span on trace_id, span_id')).toEqual(['traceId', 'spanId'])
    expect(before('logs | join inner spans as span on trace_id')).toEqual(['traceId'])
    expect(before('logs | where severity >= 17 | join left spans as span on trace_id, span_id')).toBeUndefined()
    expect(before('logs | join spans as span on service.name')).toBeUndefined()
    expect(before('logs | join spans as span on service.name, span_id')).toEqual(['spanId'])
  })
})

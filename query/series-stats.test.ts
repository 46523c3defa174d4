/**
 * The series-wise `stats` (series-stats.ts) answers exactly as the row-by-row path does: the
 * same query with one more aggregate (count(), which the series walk does not take) runs
 * row by row, and the counter and histogram columns must be equal to the bit. The data has
 * counter resets, restarts (new start times), series that started long before the range,
 * points without a value, series split over batches and arriving out of time order, absent
 * labels, and histograms whose bucket counts drop.
 */
import { describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BatchBuilder, DEFAULT_TENANT, MemoryStore, METRIC_COLUMNS, METRIC_TYPE, openEngine, takeRows, type Batch, type Engine, type Store } from '../storage/index.ts'
import { runQuery } from './engine.ts'
import { parseQuery } from './parser.ts'
import { planQuery } from './planner.ts'
import { seriesStats } from './series-stats.ts'
import { statsContext } from './op-stats.ts'
import { PartialCache } from './stats-cache.ts'
import type { StatsNode } from './ast.ts'
import { seededRandom } from '../test/support/random-batch.ts'

const T0 = 1793491200000000000n
const SECOND = 1_000_000_000n
const RANGE = { start: T0, end: T0 + 3600n * SECOND }
const BOUNDS = [0.01, 0.1, 1, 10]

interface Series {
  route: string | undefined
  service: string
  start: bigint
  value: number
  buckets: number[]
}

/** Points of `series` at times `times` (seconds from T0), one batch; `integer`: counts of whole numbers. */
function points(rand: () => number, series: Series[], times: number[], histogram: boolean, integer = false): Batch {
  const b = new BatchBuilder('metrics')
  let row = 0
  for (const s of series) {
    for (const t of times) {
      b.setStr(METRIC_COLUMNS.name, row, histogram ? 'latency' : 'requests')
      b.setU32(METRIC_COLUMNS.type, row, histogram ? METRIC_TYPE.histogram : METRIC_TYPE.sum)
      b.setI64(METRIC_COLUMNS.timeUnixNano, row, T0 + BigInt(t) * SECOND)
      // A restart now and then: a new start time, counts from zero.
      if (rand() < 0.01) {
        s.start = T0 + BigInt(t) * SECOND - SECOND
        s.value = 0
        s.buckets = s.buckets.map(() => 0)
      }
      if (s.start !== 0n) b.setI64(METRIC_COLUMNS.startTimeUnixNano, row, s.start)
      // A reset without a new start time: the value drops.
      if (rand() < 0.02) s.value = integer ? Math.floor(rand() * 3) : rand() * 3
      else s.value += integer ? Math.floor(rand() * 10) : Math.floor(rand() * 10) / 4
      if (histogram) {
        s.buckets = s.buckets.map((c) => (rand() < 0.01 ? 0 : c + Math.floor(rand() * 5)))
        b.setI64List(METRIC_COLUMNS.bucketCounts, row, s.buckets.map(BigInt))
        b.setF64List(METRIC_COLUMNS.explicitBounds, row, BOUNDS)
      } else if (rand() > (integer ? 0.003 : 0.03)) b.setF64(METRIC_COLUMNS.value, row, s.value)
      if (s.route !== undefined) b.setStr('a:http.route', row, s.route)
      b.setStr('r:service.name', row, s.service)
      // Whole-number counters are series of their own, as scraped or exported ones are.
      if (integer) b.setStr('r:service.instance.id', row, `i-${series.indexOf(s)}`)
      row++
    }
  }
  return b.finish(row)
}

/** Row `row` of `batch` apart from the others. */
function cutRow(batch: Batch, row: number): { row: Batch; rest: Batch } {
  const others = Array.from({ length: batch.length }, (_, i) => i).filter((i) => i !== row)
  return { row: takeRows(batch, [row]), rest: takeRows(batch, others) }
}

function makeSeries(rand: () => number, count: number): Series[] {
  return Array.from({ length: count }, (_, i) => ({
    route: i % 7 === 0 ? undefined : `/r/${i % 5}`,
    service: `svc-${i % 3}`,
    // Some started long before the range (their first point is a baseline), some inside it, some have none.
    start: i % 4 === 0 ? 0n : i % 4 === 1 ? T0 - 3600n * SECOND : T0 + BigInt(i) * SECOND,
    value: Math.floor(rand() * 100),
    buckets: BOUNDS.map(() => 0).concat([0]),
  }))
}

/**
 * A store with both metrics: batches of time slices, one slice appended out of order.
 * `integer`: counters of whole numbers, which the walk takes a bin at a time (BlockShape).
 */
async function store(seed: number, integer = false): Promise<MemoryStore> {
  const rand = seededRandom(seed)
  const counters = makeSeries(rand, 40)
  const histograms = makeSeries(rand, 12)
  const slices = [0, 1, 2, 3, 4, 5].map((k) => Array.from({ length: 40 }, (_, i) => k * 600 + i * 15))
  const batches = slices.map((times) => [points(rand, counters, times, false, integer), points(rand, histograms, times, true)])
  const s = new MemoryStore()
  // The fifth slice arrives before the fourth: series whose points are not in time order
  // (whole-number counters arrive in order but for one series: its first point comes last).
  const late = integer ? cutRow(batches[0][0], 0) : undefined
  for (const k of integer ? [0, 1, 2, 3, 4, 5] : [0, 1, 2, 4, 3, 5]) for (const batch of batches[k]) await s.append('default', k === 0 && late !== undefined && batch === batches[0][0] ? late.rest : batch)
  if (late !== undefined) await s.append('default', late.row)
  return s
}

/** The query with count() added (row by row) and as it is (series-wise), the named columns of both. */
async function both(s: Store, query: string, columns: string[]): Promise<[unknown[][], unknown[][]]> {
  const generic = await runQuery(query.replace(/stats /, 'stats count() as n, '), { store: s, ...RANGE })
  const series = await runQuery(query, { store: s, ...RANGE })
  const pick = (r: typeof series) => {
    const at = columns.map((c) => r.columns.findIndex((x) => x.name === c))
    expect(at.every((i) => i >= 0), `columns ${columns} of ${r.columns.map((c) => c.name)}`).toBe(true)
    return r.rows.map((row) => at.map((i) => row[i]))
  }
  return [pick(generic), pick(series)]
}

const COUNTER_QUERIES = [
  'metrics | where metric.name = "requests" | stats increase(value), rate(value) by http.route, bin(time, 5m) | sort http.route, time',
  'metrics | where metric.name = "requests" | stats increase(value) as inc by bin(time, 7m), service.name | sort service.name, time',
  'metrics | stats rate(value) as r by service.name, http.route | sort service.name, http.route',
  'metrics | stats increase(value) as inc by metric.name, http.route | sort metric.name, http.route',
]

const counterColumns = (query: string): string[] => (query.includes('increase(value),') ? ['increase_value', 'rate_value'] : query.includes('as inc') ? ['inc'] : ['r'])

/** Every counter query over `s` answers as the row-by-row path does. */
async function expectRowByRow(s: Store): Promise<void> {
  for (const query of COUNTER_QUERIES) {
    const [generic, series] = await both(s, query, counterColumns(query))
    expect(series.length, query).toBeGreaterThan(0)
    expect(series, query).toEqual(generic)
  }
}

/** `fn` over a fresh on-disk engine of 20-minute partitions, closed and removed after. */
async function withEngine(name: string, fn: (engine: Engine) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `blazedb-${name}-`))
  const engine = await openEngine({ dataDir: dir, password: 'test', background: false, partWriterThread: false, partitionDuration: 1200n * SECOND })
  try {
    await fn(engine)
  } finally {
    await engine.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

function statsNode(query: string): { node: StatsNode; scope: never } {
  const plan = planQuery(parseQuery(query), { ...RANGE, now: RANGE.end, source: query })
  const stage = plan.stages.find((s) => s.node.kind === 'Stats')!
  return { node: stage.node as StatsNode, scope: stage.scope as never }
}

describe('series-wise stats', () => {
  it('takes counter and histogram panels, and leaves other shapes to the row-by-row path', () => {
    const takes = (q: string) => {
      const { node, scope } = statsNode(q)
      return seriesStats(node, { scope, now: RANGE.end, source: q, ...{ rangeStart: RANGE.start, rangeEnd: RANGE.end } }) !== undefined
    }
    expect(takes('metrics | stats increase(value), rate(value) by http.route, bin(time, 5m)')).toBe(true)
    expect(takes('metrics | where metric.name = "x" | stats histogram_quantile(0.99) as p99 by http.route')).toBe(true)
    expect(takes('metrics | stats increase(value), count() by http.route')).toBe(false)
    expect(takes('metrics | stats increase(value), histogram_quantile(0.5) by http.route')).toBe(false)
    expect(takes('metrics | stats increase(value) by value')).toBe(false)
    expect(takes('metrics | stats increase(value)')).toBe(false)
    expect(takes('metrics | extend v = value | stats increase(v) by http.route')).toBe(false)
  })

  it('answers counters as the row-by-row path, to the bit', async () => {
    for (const seed of [1, 2, 3]) {
      const s = await store(seed)
      for (const query of COUNTER_QUERIES) {
        const [generic, series] = await both(s, query, counterColumns(query))
        expect(series.length, query).toBeGreaterThan(0)
        expect(series, `${query} (seed ${seed})`).toEqual(generic)
        expect(series.some((row) => row.some((v) => typeof v === 'number' && v !== 0)), query).toBe(true)
      }
    }
  })

  it('answers whole-number counters a bin at a time, to the bit: resets, restarts, gaps, series over batches and out of order', async () => {
    for (const seed of [7, 8, 9]) {
      const s = await store(seed, true)
      for (const query of COUNTER_QUERIES) {
        const [generic, series] = await both(s, query, counterColumns(query))
        expect(series.length, query).toBeGreaterThan(0)
        expect(series, `${query} (seed ${seed})`).toEqual(generic)
      }
    }
  })

  it('adds point by point where whole numbers would round: counts near 2^52, sums past 2^53', async () => {
    const s = new MemoryStore()
    const b = new BatchBuilder('metrics')
    let row = 0
    for (let i = 0; i < 9; i++) {
      for (let t = 0; t < 60; t++) {
        b.setStr(METRIC_COLUMNS.name, row, 'requests')
        b.setI64(METRIC_COLUMNS.timeUnixNano, row, T0 + BigInt(t * 30) * SECOND)
        b.setI64(METRIC_COLUMNS.startTimeUnixNano, row, T0 - SECOND)
        // Series 0 passes 2^52 (added point by point); the others stay below it, but eight of
        // them sum past 2^53 in one group, where odd increases round as they are added.
        b.setF64(METRIC_COLUMNS.value, row, i === 0 ? 2 ** 52 - 1000 + t * 17 : t * (2 ** 46 + 2 * i + 1))
        b.setStr('a:http.route', row, i === 0 ? '/a' : '/b')
        b.setStr('r:service.name', row, `svc-${i}`)
        row++
      }
    }
    await s.append('default', b.finish(row))
    await expectRowByRow(s)
  })

  it('answers counters of the on-disk engine as the row-by-row path: series over blocks, parts and partitions, with and without start times', async () => {
    // Partitions of 20 minutes: each series spans three; 320 series of 240 points fill two blocks.
    await withEngine('series-stats', async (engine) => {
      const rand = seededRandom(10)
      // OTLP-style counters carry a start time, Prometheus-style ones (start 0n) none.
      const series = makeSeries(rand, 320).map((x, i) => ({ ...x, start: i % 2 === 0 ? 0n : x.start }))
      const times = Array.from({ length: 240 }, (_, i) => i * 15)
      // Two flushes per partition: one series' points lie in two parts of a partition, and the
      // second half arrives first in one of them (a part out of time order).
      const halves = [times.filter((t) => t % 1200 < 600), times.filter((t) => t % 1200 >= 600)]
      const batches = halves.map((h) => points(rand, series, h, false, true))
      await engine.append('default', batches[1])
      await engine.flush()
      await engine.append('default', batches[0])
      await engine.flush()
      for (const query of COUNTER_QUERIES) {
        const [generic, walked] = await both(engine, query, counterColumns(query))
        expect(walked.length, query).toBeGreaterThan(0)
        expect(walked, query).toEqual(generic)
      }
      await engine.compact()
      for (const query of COUNTER_QUERIES) {
        const [generic, walked] = await both(engine, query, counterColumns(query))
        expect(walked, `${query} (compacted)`).toEqual(generic)
        // Again from the block cache, with the blocks' shapes kept from the first run.
        expect((await both(engine, query, counterColumns(query)))[1], `${query} (cached)`).toEqual(walked)
      }
    })
  })

  it('answers histogram quantiles as the row-by-row path, to the bit', async () => {
    for (const seed of [4, 5]) {
      const s = await store(seed)
      for (const query of [
        'metrics | where metric.name = "latency" | stats histogram_quantile(0.99) as p99, histogram_quantile(0.5) as p50 by http.route | sort http.route',
        'metrics | where metric.name = "latency" | stats histogram_quantile(0.9) as p90 by service.name, bin(time, 10m) | sort service.name, time',
      ]) {
        const columns = query.includes('p50') ? ['p99', 'p50'] : ['p90']
        const [generic, series] = await both(s, query, columns)
        expect(series.length, query).toBeGreaterThan(0)
        expect(series, `${query} (seed ${seed})`).toEqual(generic)
        expect(series.some((row) => typeof row[0] === 'number'), query).toBe(true)
      }
    }
  })

  it('hands over to the row-by-row path where it must: the same error for a group of different bounds', async () => {
    const s = await store(6)
    const b = new BatchBuilder('metrics')
    b.setStr(METRIC_COLUMNS.name, 0, 'latency')
    b.setI64(METRIC_COLUMNS.timeUnixNano, 0, T0 + 3000n * SECOND)
    b.setI64(METRIC_COLUMNS.startTimeUnixNano, 0, T0)
    b.setI64List(METRIC_COLUMNS.bucketCounts, 0, [1n, 2n])
    b.setF64List(METRIC_COLUMNS.explicitBounds, 0, [5])
    b.setStr('a:http.route', 0, '/r/1')
    await s.append('default', b.finish(1))
    const query = 'metrics | where metric.name = "latency" | stats histogram_quantile(0.99) as p99 by http.route'
    await expect(runQuery(query, { store: s, ...RANGE })).rejects.toThrow(/different bucket bounds/)
  })
})

/**
 * The series-wise stats of `query` over `batches` in that order, walked as they come
 * (`stream`) or kept to the end: its rows (keys, then aggregates), or how it gave up.
 */
function walkBatches(query: string, batches: readonly Batch[], stream: boolean): { rows: unknown[][] } | { failed: 'add' | 'finish'; dropped: boolean } {
  const { node, scope } = statsNode(query)
  const ctx = statsContext(node, { scope, now: RANGE.end, source: query, rangeStart: RANGE.start, rangeEnd: RANGE.end })
  const s = seriesStats(node, ctx, stream)!
  expect(s.streaming).toBe(stream)
  for (const b of batches) if (!s.add(b)) return { failed: 'add', dropped: s.dropped }
  if (!s.finish()) return { failed: 'finish', dropped: s.dropped }
  return { rows: s.values.map((keys, g) => [...keys, ...node.aggregates.map((_, k) => s.value(k, g))]) }
}

/** Rows [from, to) of `batch`. */
const slice = (batch: Batch, from: number, to: number): Batch => takeRows(batch, Array.from({ length: to - from }, (_, i) => from + i))

/** Batches of every metric point of `store` in its scan order (the head's first, then parts). */
async function scanned(store: Store): Promise<Batch[]> {
  const out: Batch[] = []
  for await (const b of store.scan({ tenant: DEFAULT_TENANT, signal: 'metrics', ...RANGE })) out.push(b)
  return out
}

describe('counter panels walked as the batches come', () => {
  const QUERIES = COUNTER_QUERIES.map((q) => q.replace(/ \| sort .*$/, ''))

  /** Whole-number counters of 40 series over six 10-minute slices: one batch a slice, series after series. */
  function slices(seed: number): Batch[] {
    const rand = seededRandom(seed)
    const series = makeSeries(rand, 40)
    return [0, 1, 2, 3, 4, 5].map((k) => points(rand, series, Array.from({ length: 40 }, (_, i) => k * 600 + i * 15), false, true))
  }

  it('answers as the batches kept to the end, to the bit: series split at any row, resets and restarts at batch boundaries', () => {
    for (const seed of [11, 12]) {
      const whole = slices(seed)
      // Cuts inside series runs (40 points a series), so most series continue in the next batch.
      const cut = whole.flatMap((b) => [slice(b, 0, 17), slice(b, 17, 523), slice(b, 523, 1013), slice(b, 1013, b.length)])
      // A reset and a restart exactly at a cut: the first row of a batch drops below the row before, or starts anew.
      const reset = cut[1].columns[METRIC_COLUMNS.value]
      const restart = cut[2].columns[METRIC_COLUMNS.startTimeUnixNano]
      if (reset.kind !== 'f64' || restart.kind !== 'i64') throw new Error('unexpected column kinds')
      reset.values[0] = 0
      reset.present?.fill(1, 0, 1)
      restart.values[0] = T0 + 600n * SECOND
      restart.present?.fill(1, 0, 1)
      for (const query of QUERIES) {
        const kept = walkBatches(query, cut, false)
        const streamed = walkBatches(query, cut, true)
        expect('rows' in streamed, query).toBe(true)
        expect(streamed, query).toEqual(kept)
        expect((kept as { rows: unknown[][] }).rows.some((r) => r.some((v) => typeof v === 'number' && v > 0)), query).toBe(true)
        // One batch for all: the same again.
        expect(walkBatches(query, [whole.reduce((a, b) => a)], true), query).toEqual(walkBatches(query, [whole.reduce((a, b) => a)], false))
      }
    }
  })

  it('takes series arriving out of time order in stretches that do not interleave: newest first, gaps filled later', () => {
    const whole = slices(13)
    // As a scan meets them: the head (newest) first, then older parts, one filling the gap left between two.
    for (const order of [
      [5, 4, 3, 2, 1, 0],
      [5, 0, 1, 2, 3, 4],
      [4, 5, 0, 1, 2, 3],
      [3, 0, 4, 1, 5, 2],
    ]) {
      const batches = order.map((k) => whole[k])
      for (const query of QUERIES) {
        const kept = walkBatches(query, batches, false)
        const streamed = walkBatches(query, batches, true)
        expect('rows' in streamed, `${query} ${order}`).toBe(true)
        expect(streamed, `${query} ${order}`).toEqual(kept)
      }
    }
    // A stretch joins the one before it: a later one inside what they span interleaves (the query reads its input again).
    expect(walkBatches(QUERIES[0], [0, 2, 1].map((k) => whole[k]), true)).toEqual({ failed: 'add', dropped: true })
  })

  it('gives up, with the batches before dropped, where points interleave with ones walked or values are not whole numbers; the query then reads its input again', async () => {
    const whole = slices(14)
    // Every other point of each series apart: the second batch's points fall between the first's.
    const even = whole.map((b) => takeRows(b, Array.from({ length: b.length / 2 }, (_, i) => 2 * i)))
    const odd = whole.map((b) => takeRows(b, Array.from({ length: b.length / 2 }, (_, i) => 2 * i + 1)))
    const query = QUERIES[0]
    expect(walkBatches(query, [...even, ...odd], true)).toEqual({ failed: 'add', dropped: true })
    const fraction = slice(whole[1], 0, 50)
    const v = fraction.columns[METRIC_COLUMNS.value]
    if (v.kind !== 'f64') throw new Error('unexpected column kind')
    v.values[3] += 0.5
    expect(walkBatches(query, [whole[0], fraction], true)).toEqual({ failed: 'add', dropped: true })
    // The first batch already: nothing dropped, the batches are kept from there on.
    expect(walkBatches(query, [fraction], true)).toEqual({ failed: 'add', dropped: false })
    // Through the executor: the input read again, answers as the row-by-row path.
    const s = new MemoryStore()
    for (const b of [...even, ...odd, whole[0], fraction]) await s.append('default', b)
    await expectRowByRow(s)
  })

  it('holds series and groups, not points: a panel answers within a memory limit its batches would pass', async () => {
    const s = new MemoryStore()
    const whole = slices(16)
    for (const b of whole) await s.append('default', b)
    const query = COUNTER_QUERIES[0]
    const limits = { maxMemoryBytes: 256 * 1024 }
    // Kept to the end, the batches alone (about 40 bytes a row) would pass the limit.
    expect(whole.reduce((n, b) => n + b.length, 0) * 40).toBeGreaterThan(limits.maxMemoryBytes)
    const streamed = await runQuery(query, { store: s, ...RANGE, limits })
    expect(streamed.rows).toEqual((await runQuery(query, { store: s, ...RANGE })).rows)
    // Points between walked ones: the input is read again and kept, and the limit holds.
    await s.append('default', takeRows(whole[0], [1]))
    await expect(runQuery(query, { store: s, ...RANGE, limits })).rejects.toThrow(/over the limit of/)
  })

  it('walks the head rows of the engine and parts as the scan brings them, as the row-by-row path does', async () => {
    await withEngine('series-stream', async (engine) => {
      const whole = slices(15)
      // Parts: two slices written newest first, two more (two blocks' worth of flushes) later; the newest slices stay in the head.
      for (const k of [1, 0]) {
        await engine.append('default', whole[k])
        await engine.flush()
      }
      for (const k of [2, 3]) await engine.append('default', whole[k])
      await engine.flush()
      for (const k of [4, 5]) await engine.append('default', whole[k])
      const batches = await scanned(engine)
      expect(batches.length).toBeGreaterThan(3)
      for (const query of QUERIES) {
        const streamed = walkBatches(query, batches, true)
        expect('rows' in streamed, query).toBe(true)
        expect(streamed, query).toEqual(walkBatches(query, batches, false))
      }
      await expectRowByRow(engine)
    })
  })

  it('keeps the series walk of each block among the partial aggregates and merges them in scan order, as the plain run answers', async () => {
    await withEngine('series-partials', async (engine) => {
      const whole = slices(17)
      // Parts written newest first and in order, and the newest slice in the head.
      for (const k of [1, 0, 2, 3, 4]) {
        await engine.append('default', whole[k])
        await engine.flush()
      }
      await engine.append('default', whole[5])
      const partials = new PartialCache(64 << 20)
      const minute = 60n * SECOND
      // The whole hour, windows that cut blocks, and one moving on as a dashboard's does.
      const ranges = [RANGE, { start: T0 + 7n * minute, end: T0 + 43n * minute }, ...[0n, 1n, 2n].map((k) => ({ start: T0 + (10n + k) * minute, end: T0 + (50n + k) * minute }))]
      for (const range of ranges) {
        for (const query of COUNTER_QUERIES) {
          const plain = await runQuery(query, { store: engine, ...range })
          for (let run = 0; run < 2; run++) {
            const cached = await runQuery(query, { store: engine, ...range, partials })
            expect({ query, range, run, rows: cached.rows }).toEqual({ query, range, run, rows: plain.rows })
          }
        }
      }
      expect(partials.hits).toBeGreaterThan(20)
      const again = await runQuery(COUNTER_QUERIES[0], { store: engine, ...RANGE, partials })
      expect(again.stats.rowsScanned).toBeLessThan(whole[5].length + 1)
      // A late part whose points fall between walked ones: the partials do not merge, the plain run answers.
      await engine.append('default', takeRows(whole[2], [5, 6]))
      await engine.flush()
      for (const query of COUNTER_QUERIES) {
        const plain = await runQuery(query, { store: engine, ...RANGE })
        expect((await runQuery(query, { store: engine, ...RANGE, partials })).rows, query).toEqual(plain.rows)
      }
    })
  })
})

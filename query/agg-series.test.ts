/**
 * Series numbers (agg-series.ts SeriesKeys): rows get equal numbers exactly when their labels
 * are equal, across batches with other dictionaries, whether labels repeat in runs (as parts
 * store them) or change from row to row, with absent values and every kind of label column.
 * Series points (SeriesPoints.links): each point's predecessor is the one a plain sort by
 * (series, time) gives, whether points arrive in that order (as parts store them, the fast
 * path) or shuffled, and whether a batch's columns are seen again (cached label runs).
 */
import { describe, expect, it } from 'vitest'
import { METRIC_COLUMNS, type Batch, type Column } from '../storage/index.ts'
import { SeriesKeys, SeriesPoints } from './agg-series.ts'
import { COUNTER_START_LOOKBACK_NS } from './limits.ts'
import { seededRandom } from '../test/support/random-batch.ts'

interface Labels {
  service: string | undefined
  code: bigint | undefined
  ratio: number
  id: number
  extra: string | undefined
}

/** The labels after `l` with one of them drawn again, so that neighbours differ in one label. */
function label(rand: () => number, l: Labels, withAny: boolean): Labels {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]
  const next = { ...l }
  const which = Math.floor(rand() * (withAny ? 5 : 4))
  if (which === 0) next.service = pick(['api', 'db', undefined])
  if (which === 1) next.code = pick([200n, 500n, undefined])
  if (which === 2) next.ratio = pick([0.5, 1])
  if (which === 3) next.id = pick([1, 2])
  if (which === 4) next.extra = pick(['x', undefined])
  return next
}

/** A batch of `rows`; the dictionary order is reversed in odd batches, so codes differ between batches. */
function batchOf(rows: Labels[], odd: boolean, withAny: boolean): Batch {
  const n = rows.length
  const dict = odd ? ['db', 'api'] : ['api', 'db']
  const str = (get: (l: Labels) => string | undefined, d: string[]): Column => ({
    kind: 'str',
    dict: d,
    codes: Uint32Array.from(rows, (l) => Math.max(0, d.indexOf(get(l) ?? d[0]))),
    present: Uint8Array.from(rows, (l) => (get(l) === undefined ? 0 : 1)),
  })
  return {
    signal: 'metrics',
    length: n,
    columns: {
      [METRIC_COLUMNS.name]: { kind: 'str', dict: ['m'], codes: new Uint32Array(n) },
      [METRIC_COLUMNS.timeUnixNano]: { kind: 'i64', values: BigInt64Array.from(rows, (_l, i) => BigInt(i)) },
      'a:service': str((l) => l.service, dict),
      'a:code': { kind: 'i64', values: BigInt64Array.from(rows, (l) => l.code ?? 0n), present: Uint8Array.from(rows, (l) => (l.code === undefined ? 0 : 1)) },
      'a:ratio': { kind: 'f64', values: Float64Array.from(rows, (l) => l.ratio) },
      'r:id': { kind: 'bytes', width: 4, values: Uint8Array.from(rows.flatMap((l) => [0, 0, 0, l.id])) },
      ...(withAny ? { 's:extra': { kind: 'any', values: rows.map((l) => l.extra), present: Uint8Array.from(rows, (l) => (l.extra === undefined ? 0 : 1)) } as Column } : {}),
    },
  }
}

function check(withAny: boolean): void {
  const rand = seededRandom(5)
  const keys = new SeriesKeys()
  const seen = new Map<string, number>()
  const numbers = new Map<number, string>()
  let l: Labels = { service: 'api', code: 200n, ratio: 1, id: 1, extra: undefined }
  for (let b = 0; b < 6; b++) {
    const rows: Labels[] = []
    // Runs of one series (as parts store them) in even batches, a new series every row in odd ones.
    while (rows.length < 500) {
      l = label(rand, l, withAny)
      const run = b % 2 === 0 ? 1 + Math.floor(rand() * 40) : 1
      for (let k = 0; k < run; k++) rows.push(l)
    }
    const ids = keys.assign(batchOf(rows, b % 2 === 1, withAny))
    rows.forEach((x, i) => {
      const text = JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
      expect(seen.get(text) ?? ids[i]).toBe(ids[i])
      expect(numbers.get(ids[i]) ?? text).toBe(text)
      seen.set(text, ids[i])
      numbers.set(ids[i], text)
    })
  }
  expect(seen.size).toBe(withAny ? 72 : 36)
}

describe('SeriesKeys', () => {
  it('numbers rows equally exactly when their labels are equal', () => check(false))
  it('does so with a label of general values as well', () => check(true))
})

interface Point {
  series: number
  time: bigint
  start: bigint
}

/** A batch of points of series `s0`, `s1`, ... (one label), with start times (0 = none). */
function pointBatch(points: readonly Point[]): Batch {
  return {
    signal: 'metrics',
    length: points.length,
    columns: {
      [METRIC_COLUMNS.name]: { kind: 'str', dict: ['m'], codes: new Uint32Array(points.length) },
      'a:series': { kind: 'str', dict: points.map((p) => `s${p.series}`), codes: Uint32Array.from(points, (_p, i) => i) },
      [METRIC_COLUMNS.timeUnixNano]: { kind: 'i64', values: BigInt64Array.from(points, (p) => p.time) },
      [METRIC_COLUMNS.startTimeUnixNano]: { kind: 'i64', values: BigInt64Array.from(points, (p) => p.start) },
    },
  }
}

/** What links() must give: predecessors from a plain sort by (series first seen, time, arrival). */
function expectedLinks(points: readonly Point[], rangeStart: bigint): Map<number, number> {
  const rank = new Map<number, number>()
  for (const p of points) if (!rank.has(p.series)) rank.set(p.series, rank.size)
  const order = points.map((_p, k) => k)
  order.sort((a, b) => rank.get(points[a].series)! - rank.get(points[b].series)! || (points[a].time < points[b].time ? -1 : points[a].time > points[b].time ? 1 : a - b))
  const prev = new Map<number, number>()
  order.forEach((k, j) => {
    const p = points[k]
    const before = j > 0 ? order[j - 1] : -1
    if (before >= 0 && points[before].series === p.series) prev.set(k, p.start !== 0n && p.start !== points[before].start ? -1 : before)
    else prev.set(k, p.start !== 0n && p.start >= rangeStart - COUNTER_START_LOOKBACK_NS ? -1 : -2)
  })
  return prev
}

function checkLinks(shuffle: boolean): void {
  const rand = seededRandom(shuffle ? 11 : 7)
  const rangeStart = 1_000_000_000_000n
  const points: Point[] = []
  for (let s = 0; s < 30; s++) {
    // Some series started long before the range, some inside it, some restart midway.
    const first = rand() < 0.5 ? 1n : rangeStart - 1_000_000n
    for (let t = 0; t < 50; t++) points.push({ series: s, time: rangeStart + BigInt(t) * 15_000_000_000n, start: rand() < 0.1 ? 0n : t > 30 && s % 7 === 0 ? rangeStart : first })
  }
  if (shuffle) {
    for (let i = points.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1))
      ;[points[i], points[j]] = [points[j], points[i]]
    }
  }
  const batches: Batch[] = []
  for (let at = 0; at < points.length; at += 200) batches.push(pointBatch(points.slice(at, at + 200)))
  // An earlier query has read the first batches: their label runs come from the cache now.
  const earlier = new SeriesPoints()
  for (const batch of batches.slice(0, 3)) earlier.addRows(batch, new Uint32Array(batch.length), undefined)
  const sp = new SeriesPoints()
  for (const batch of batches) sp.addRows(batch, new Uint32Array(batch.length), undefined)
  expect(sp.length).toBe(points.length)
  const { order, prev } = sp.links(rangeStart)
  const want = expectedLinks(points, rangeStart)
  if (!shuffle) expect(order).toEqual(Uint32Array.from(points, (_p, k) => k))
  expect([...order].sort((a, b) => a - b)).toEqual(points.map((_p, k) => k))
  order.forEach((k, j) => expect([k, prev[j]]).toEqual([k, want.get(k)]))
}

describe('SeriesPoints', () => {
  it('hashes labels again when a block arrives with other label columns than last time', () => {
    const a = pointBatch([0, 0, 1, 1].map((series, t) => ({ series, time: BigInt(t), start: 0n })))
    const keys = new SeriesKeys()
    expect([...keys.assign(a)]).toEqual([0, 0, 1, 1])
    const { 'a:series': series, ...others } = a.columns
    const renamed: Batch = { ...a, columns: { ...others, 'a:other': series } }
    expect([...keys.assign(renamed)]).toEqual([2, 2, 3, 3])
    const relabelled = { ...a, columns: { ...a.columns, 'a:series': pointBatch([0, 1, 1, 2].map((series) => ({ series, time: 0n, start: 0n }))).columns['a:series'] } }
    expect([...keys.assign(relabelled)]).toEqual([0, 1, 1, 4])
  })

  it('links each point to its predecessor in its series, points in storage order', () => checkLinks(false))
  it('does so with points shuffled across batches', () => checkLinks(true))
})

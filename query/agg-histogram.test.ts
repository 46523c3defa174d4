/**
 * histogram_quantile over Prometheus classic buckets (`le` series), exponential histogram
 * points and explicit-bucket points: answers worked out by hand from Prometheus's rules, and
 * the same observations stored as classic buckets and as OTLP histograms answering alike.
 */
import { describe, expect, it } from 'vitest'
import { BatchBuilder, MemoryStore, METRIC_TYPE } from '../storage/index.ts'
import { runQuery } from './engine.ts'
import { seededRandom } from '../test/support/random-batch.ts'
import { bucketQuantile, cumulativeQuantile, exponentialQuantile } from './hist-quantile.ts'
import { emptyExp, expIncrease } from './hist-exponential.ts'

const T = 1793491200000000000n
const S = 1_000_000_000n

interface Point {
  name: string
  type: number
  t: number
  labels: Record<string, string>
  value?: number
  start?: bigint
  explicit?: { bounds: number[]; counts: bigint[] }
  exp?: { scale: number; zero: bigint; zt: number; offset: number; counts: bigint[] }
}

async function storeOf(points: Point[]): Promise<MemoryStore> {
  const b = new BatchBuilder('metrics')
  points.forEach((p, row) => {
    b.setStr('metric.name', row, p.name)
    b.setU32('metric.type', row, p.type)
    b.setI64('timeUnixNano', row, T + BigInt(p.t) * S)
    if (p.start !== undefined) b.setI64('startTimeUnixNano', row, p.start)
    if (p.value !== undefined) b.setF64('value', row, p.value)
    for (const [k, v] of Object.entries(p.labels)) b.setAttribute(k === 'job' ? 'r:service.name' : `a:${k}`, row, v)
    if (p.explicit !== undefined) {
      b.setI64List('bucketCounts', row, p.explicit.counts)
      b.setF64List('explicitBounds', row, p.explicit.bounds)
    }
    if (p.exp !== undefined) {
      b.setI32('exp.scale', row, p.exp.scale)
      b.setI64('exp.zeroCount', row, p.exp.zero)
      b.setF64('exp.zeroThreshold', row, p.exp.zt)
      b.setI32('exp.positiveOffset', row, p.exp.offset)
      b.setI64List('exp.positiveBucketCounts', row, p.exp.counts)
    }
  })
  const store = new MemoryStore()
  await store.append('default', b.finish(points.length))
  return store
}

/** A classic histogram scraped at times `t`: cumulative counts per `le`. */
function classic(route: string, scrapes: [t: number, byLe: Record<string, number>][], type: number = METRIC_TYPE.sum): Point[] {
  return scrapes.flatMap(([t, byLe]) => Object.entries(byLe).map(([le, value]) => ({ name: 'req_seconds_bucket', type, t, labels: { job: 'api', route, le }, value })))
}

async function quantiles(store: MemoryStore, query: string, range: [number, number] = [0, 3600]) {
  const r = await runQuery(query, { store, start: T + BigInt(range[0]) * S, end: T + BigInt(range[1]) * S })
  return r.rows
}

describe('histogram_quantile over Prometheus classic buckets', () => {
  it('reads the increase of each le series over the range, summed by le, as Prometheus does', async () => {
    const store = await storeOf([
      // /a: 10 new observations between t=0 and t=60: 4 ≤ 0.1, 4 in (0.1, 1], 2 over 1.
      ...classic('/a', [[0, { '0.1': 5, '1': 7, '+Inf': 8 }], [30, { '0.1': 7, '1': 9, '+Inf': 10 }], [60, { '0.1': 9, '1': 15, '+Inf': 18 }]]),
      // /b restarts between t=30 and t=60: its counts drop, so t=60 counts from zero.
      ...classic('/b', [[0, { '0.1': 100, '1': 100, '+Inf': 100 }], [30, { '0.1': 100, '1': 110, '+Inf': 110 }], [60, { '0.1': 0, '1': 10, '+Inf': 10 }]]),
      { name: 'req_seconds_count', type: METRIC_TYPE.sum, t: 60, labels: { job: 'api', route: '/a' }, value: 18 },
    ])
    const rows = await quantiles(store, 'metrics | where metric.name = "req_seconds_bucket" | stats histogram_quantile(0.5) as p50, histogram_quantile(0.9) as p90 by attr.route | sort attr.route')
    // /a: cumulative increases 0.1 → 4, 1 → 8, +Inf → 10; rank 5 is in (0.1, 1]: 0.1 + 0.9 × (5 − 4) / 4.
    // rank 9 falls in +Inf: the highest finite bound.
    // /b: 0.1 → 0, 1 → 20, +Inf → 20; rank 10: 0.1 + 0.9 × 10 / 20, rank 18: 0.1 + 0.9 × 18 / 20.
    expect(rows).toEqual([
      ['/a', 0.1 + 0.9 * (1 / 4), 1],
      ['/b', 0.1 + 0.9 * (10 / 20), 0.1 + 0.9 * (18 / 20)],
    ])
    // Over both routes the buckets add up: 0.1 → 4, 1 → 28, +Inf → 30.
    expect(await quantiles(store, 'metrics | where metric.name = "req_seconds_bucket" | stats histogram_quantile(0.5)')).toEqual([[0.1 + 0.9 * (11 / 24)]])
    // A range starting after t=0: t=30 is the baseline; increases 0.1 → 2, 1 → 6, +Inf → 8.
    expect(await quantiles(store, 'metrics | where metric.name = "req_seconds_bucket" and attr.route = "/a" | stats histogram_quantile(0.5)', [10, 3600])).toEqual([[0.1 + 0.9 * ((4 - 2) / (6 - 2))]])
  })

  it('answers as explicit-bucket histogram points holding the same observations', async () => {
    const scrapes: [number, number[]][] = [[0, [1, 3, 3, 4]], [15, [2, 7, 9, 12]], [30, [6, 14, 21, 33]]]
    const les = ['0.25', '0.5', '2.5', '+Inf']
    const store = await storeOf([
      ...classic('/c', scrapes.map(([t, c]) => [t, Object.fromEntries(les.map((le, i) => [le, c[i]]))])),
      ...scrapes.map(([t, c]) => ({ name: 'otlp', type: METRIC_TYPE.histogram, t, labels: {}, start: T - 3600n * S, explicit: { bounds: [0.25, 0.5, 2.5], counts: c.map((x, i) => BigInt(x - (c[i - 1] ?? 0))) } })),
    ])
    for (const q of [0.05, 0.3, 0.5, 0.75, 0.9]) {
      const [[a]] = await quantiles(store, `metrics | where metric.name = "req_seconds_bucket" | stats histogram_quantile(${q})`)
      const [[b]] = await quantiles(store, `metrics | where metric.name = "otlp" | stats histogram_quantile(${q})`)
      expect(a).toBeCloseTo(b as number, 12)
    }
  })

  it('takes the last value of gauge le series (a gauge histogram)', async () => {
    const store = await storeOf(classic('/g', [[0, { '1': 50, '2': 50, '+Inf': 50 }], [30, { '1': 2, '2': 6, '+Inf': 10 }]], METRIC_TYPE.gauge))
    expect(await quantiles(store, 'metrics | stats histogram_quantile(0.5)')).toEqual([[1 + (5 - 2) / 4]])
  })

  it('skips le values that are not numbers and refuses to mix kinds in a group', async () => {
    const store = await storeOf([
      ...classic('/a', [[0, { '1': 1, '+Inf': 2 }], [30, { '1': 3, '+Inf': 6, bogus: 9 }]]),
      { name: 'otlp', type: METRIC_TYPE.histogram, t: 30, labels: {}, start: T, explicit: { bounds: [1], counts: [1n, 1n] } },
    ])
    expect(await quantiles(store, 'metrics | where metric.name = "req_seconds_bucket" | stats histogram_quantile(0.5)')).toEqual([[1]])
    await expect(quantiles(store, 'metrics | stats histogram_quantile(0.5)')).rejects.toThrow(/cannot merge histograms of different kinds/)
    expect(await quantiles(store, 'metrics | stats histogram_quantile(0.5) by metric.name | sort metric.name')).toEqual([['otlp', 1], ['req_seconds_bucket', 1]])
  })
})

describe('cumulativeQuantile (Prometheus bucketQuantile)', () => {
  const f = (q: number, byLe: [number, number][], want: number | null) => expect(cumulativeQuantile(q, new Map(byLe))).toBe(want)
  it('follows Prometheus on the edges', () => {
    f(0.5, [[1, 5], [2, 10]], null) // no +Inf bucket
    f(0.5, [[Infinity, 10]], null) // fewer than two buckets
    f(0.5, [[1, 0], [Infinity, 0]], null) // no observations
    f(0.5, [[-1, 5], [0, 8], [Infinity, 10]], -1) // first bucket with a bound ≤ 0: its bound
    f(0.5, [[1, 5], [2, 3], [Infinity, 10]], 1) // not monotonic: 2 takes 5
    f(1, [[1, 5], [2, 10], [Infinity, 10]], 2)
    f(0, [[1, 5], [2, 10], [Infinity, 10]], 0)
    f(0, [[1, 0], [2, 10], [Infinity, 10]], null) // 0 / 0 in the first bucket: Prometheus's NaN
    f(0.99, [[1, 5], [2, 10], [Infinity, 20]], 2) // in +Inf: the highest finite bound
  })
})

describe('classic and explicit buckets agree', () => {
  it('on random histograms: cumulative counts by le answer as the same per-bucket counts', () => {
    const rand = seededRandom(14)
    for (let n = 0; n < 2000; n++) {
      const width = 1 + Math.floor(rand() * 6)
      const bounds: number[] = []
      for (let i = 0, b = rand() < 0.2 ? -1 : 0; i < width; i++) bounds.push((b += 0.01 + rand() * 3))
      // Zero counts are frequent, so ranks land on bucket edges and empty buckets.
      const counts = Array.from({ length: width + 1 }, () => (rand() < 0.3 ? 0 : Math.floor(rand() * 20)))
      const byLe = new Map<number, number>()
      let cumulative = 0
      counts.forEach((c, i) => byLe.set(i < width ? bounds[i] : Infinity, (cumulative += c)))
      const q = [0.01, 0.25, 0.5, 0.9, 0.99, 1][n % 6]
      const want = bucketQuantile(q, bounds, counts)
      const got = cumulativeQuantile(q, byLe)
      if (want === null || got === null) expect([n, got]).toEqual([n, want])
      else expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)))
    }
  })
})

describe('exponential histograms', () => {
  it('interpolates on a log scale inside a bucket, linearly in the zero bucket', () => {
    // Scale 0: bucket i holds (2^i, 2^(i+1)].
    const h = emptyExp(0, 0.5)
    h.zero = 2
    h.positive.set(0, 4) // (1, 2]
    h.positive.set(2, 2) // (4, 8]
    expect(exponentialQuantile(0.5, h)).toBeCloseTo(2 ** 0.5, 12) // rank 4: half of (1, 2] on a log scale
    expect(exponentialQuantile(0.1, h)).toBeCloseTo(0.5 * (0.8 / 2), 12) // rank 0.8 of 2 in [0, 0.5]
    expect(exponentialQuantile(1, h)).toBe(8)
    const n = emptyExp(1, 0)
    n.negative.set(0, 2) // [-√2, -1)
    expect(exponentialQuantile(0, n)).toBeCloseTo(-(2 ** 0.5), 12)
    expect(exponentialQuantile(1, n)).toBeCloseTo(-1, 12)
  })

  it('takes increases per bucket, at the coarser scale, and starts over after a reset', () => {
    const a = emptyExp(1, 0)
    a.positive.set(2, 1)
    a.positive.set(3, 1)
    const b = emptyExp(0, 0)
    b.positive.set(1, 5)
    expect(expIncrease(a, b).positive).toEqual(new Map([[1, 3]]))
    const c = emptyExp(0, 0)
    c.positive.set(1, 1)
    expect(expIncrease(b, c)).toBe(c)
  })

  it('answers over stored exponential points, per series increase', async () => {
    const exp = (t: number, counts: bigint[], zero: bigint) => ({ name: 'nh', type: METRIC_TYPE.exponentialHistogram, t, labels: {}, exp: { scale: 0, zero, zt: 0.001, offset: 0, counts } })
    const store = await storeOf([exp(0, [10n, 10n], 5n), exp(30, [14n, 10n], 5n), exp(60, [14n, 16n], 5n)])
    // Increase: bucket (1, 2] +4, (2, 4] +6; rank 5 is in (2, 4] at fraction 1/6.
    expect(await quantiles(store, 'metrics | stats histogram_quantile(0.5)')).toEqual([[2 ** (1 + 1 / 6)]])
  })
})

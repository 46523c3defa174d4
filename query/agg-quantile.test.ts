import { describe, expect, it } from 'vitest'
import { MemoryStore, type Batch } from '../storage/index.ts'
import { histogramScratch, rankIndex, releaseSpareSamples, select, selectByHistogram, selectWholeByHistogram } from './agg-quantile.ts'
import { runQuery } from './engine.ts'
import { randomSpans, seededRandom } from '../test/support/random-batch.ts'

describe('nearest-rank selection', () => {
  it('finds the value a sort would put at each rank, on random and adversarial inputs', () => {
    let seed = 7
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    const inputs = [
      Float64Array.from({ length: 1001 }, () => Math.floor(random() * 50)),
      Float64Array.from({ length: 500 }, (_, i) => i),
      Float64Array.from({ length: 500 }, (_, i) => 500 - i),
      new Float64Array(64).fill(3),
      Float64Array.of(42),
    ]
    for (const input of inputs) {
      const sorted = Float64Array.from(input).sort()
      for (const p of [1, 25, 50, 90, 95, 99, 99.9, 100]) {
        const k = rankIndex(input.length, p)
        expect(select(Float64Array.from(input), k)).toBe(sorted[k])
      }
    }
  })

  it('through a histogram of high bits, finds the values of ranks as a sort does, and declines values it cannot order so', () => {
    let seed = 11
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    const scratch = { counts: new Uint32Array(4096), slot: new Int32Array(4096), values: new Float64Array(0) }
    const inputs = [
      Float64Array.from({ length: 5000 }, () => Math.floor(random() * 2 ** random() * 40)),
      Float64Array.from({ length: 3000 }, () => Math.floor(random() * 1e9)),
      Float64Array.from({ length: 2000 }, () => (random() < 0.9 ? 7 : random())),
      Float64Array.from({ length: 1500 }, (_, i) => (i % 3 === 0 ? 0 : 2 ** (i % 60) + i)),
      new Float64Array(1024).fill(5e-324),
    ]
    for (const input of inputs) {
      const sorted = Float64Array.from(input).sort()
      const ranks = [1, 50, 95, 99, 99.9, 100].map((p) => rankIndex(input.length, p))
      const out = new Float64Array(ranks.length + 1)
      const copy = Float64Array.from(input)
      expect(selectByHistogram(copy, ranks, out, 1, scratch)).toBe(true)
      expect([...out.subarray(1)]).toEqual(ranks.map((k) => sorted[k]))
      expect(copy).toEqual(input)
    }
    for (const odd of [-1, -0, Infinity, NaN]) {
      const input = Float64Array.from({ length: 2000 }, (_, i) => (i === 1234 ? odd : i))
      expect(selectByHistogram(input, [1000], new Float64Array(1), 0, scratch)).toBe(false)
    }
  })

  it('through a histogram of lengths and leading bits, finds the ranks of whole numbers as a sort does', () => {
    const rand = seededRandom(5)
    const scratch = histogramScratch()
    const inputs = [
      Uint32Array.from({ length: 5000 }, () => Math.floor(rand() ** 4 * 0xfffffffe)),
      Uint32Array.from({ length: 3000 }, () => 1_000_000 + Math.floor(rand() * 1000)),
      Uint32Array.from({ length: 2000 }, (_, i) => (i % 7 === 0 ? 0xffffffff : i % 5)),
      Uint32Array.from({ length: 1500 }, (_, i) => (i % 3 === 0 ? 0 : 2 ** (i % 32) - 1)),
      new Uint32Array(1024).fill(9),
    ]
    for (const input of inputs) {
      const sorted = Float64Array.from(input).sort()
      const ranks = [1, 50, 95, 99, 99.9, 100].map((p) => rankIndex(input.length, p))
      const out = new Float64Array(ranks.length + 1)
      const copy = Uint32Array.from(input)
      selectWholeByHistogram(input, ranks, out, 1, scratch)
      expect([...out.subarray(1)]).toEqual(ranks.map((k) => sorted[k]))
      expect(input).toEqual(copy)
    }
  })

  it('computes the rank exactly where doubles round up (p999 of 50,000 values is rank 49,950)', () => {
    expect(rankIndex(50_000, 99.9)).toBe(49_949)
    for (let n = 1000; n <= 100_000; n += 1000) expect(rankIndex(n, 99.9), `n = ${n}`).toBe((999 * n) / 1000 - 1)
    expect([rankIndex(100, 7), rankIndex(3, 1e-7), rankIndex(1e6, 99.99)]).toEqual([6, 0, 999_899])
  })

  it('rank ceil(p/100 * n), at least the first', () => {
    expect([rankIndex(4, 50), rankIndex(4, 51), rankIndex(37, 99), rankIndex(10, 0.1), rankIndex(7, 100)]).toEqual([1, 2, 36, 0, 6])
  })
})

/**
 * Expects each row (route, then per percentile `asked(p, x, duration)` of the route's values)
 * to hold the nearest-rank values of `want`'s sorted values.
 */
function expectNearestRanks(
  rows: unknown[][],
  want: Map<unknown, { x: number[]; duration: number[] }>,
  asked: (p: number, x: (p: number) => number | null, duration: (p: number) => number | null) => (number | null)[],
  what: string,
  ps: readonly number[] = PS,
): void {
  expect(rows.length).toBe(want.size)
  for (const [route, ...values] of rows) {
    const [sx, sd] = [want.get(route)!.x, want.get(route)!.duration].map((v) => v.sort((a, b) => a - b))
    const at = (sorted: number[]) => (p: number) => (sorted.length === 0 ? null : sorted[rankIndex(sorted.length, p)])
    expect(values, `${what}, route ${String(route)}`).toEqual(ps.flatMap((p) => asked(p, at(sx), at(sd))))
  }
}

const PS = [50, 99, 95, 12.5, 99.9, 100, 1]

describe('percentiles per group', () => {
  it('equal the nearest-rank values of each group sorted, whichever ranks are asked and in what order', async () => {
    const ps = PS
    for (let seed = 1; seed <= 12; seed++) {
      const rand = seededRandom(seed)
      const store = new MemoryStore()
      // Some seeds have a few routes, so groups grow past HISTOGRAM_SELECT_ROWS values.
      const batches = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => {
        const b = randomSpans(rand, 1 + Math.floor(rand() * 3000))
        const route = b.columns['a:route'] as Extract<Batch['columns'][string], { kind: 'str' }>
        if (seed % 3 === 0) route.codes.forEach((c, i) => (route.codes[i] = c % Math.min(2, route.dict.length)))
        return b
      })
      for (const b of batches) await store.append('default', b)
      const asked = ps.map((p) => `percentile(attr.x, ${p}), percentile(duration, ${p})`).join(', ')
      const { rows } = await runQuery(`spans | stats ${asked} by attr.route`, { store })
      const want = new Map<unknown, { x: number[]; duration: number[] }>()
      for (const b of batches) {
        const route = b.columns['a:route'] as Extract<Batch['columns'][string], { kind: 'str' }>
        const x = b.columns['a:x'] as Extract<Batch['columns'][string], { kind: 'f64' }>
        const [start, end] = [b.columns.startTimeUnixNano, b.columns.endTimeUnixNano].map((c) => (c as Extract<Batch['columns'][string], { kind: 'i64' }>).values)
        for (let i = 0; i < b.length; i++) {
          const key = route.present === undefined || route.present[i] === 1 ? route.dict[route.codes[i]] : null
          const group = want.get(key) ?? { x: [], duration: [] }
          want.set(key, group)
          if (x.present === undefined || x.present[i] === 1) group.x.push(x.values[i])
          group.duration.push(Number(end[i] - start[i]))
        }
      }
      expectNearestRanks(rows, want, (p, x, duration) => [x(p), duration(p)], `seed ${seed}`)
    }
  })

  it('are exact over values kept beside the 4-byte ones: durations from 2^32 - 2 ns up, negatives and fractions', async () => {
    const edge = [0, 1, 2 ** 32 - 2, 2 ** 32 - 1, 2 ** 32, 95e9, 2 ** 53 - 1]
    for (let seed = 1; seed <= 6; seed++) {
      const rand = seededRandom(seed)
      const store = new MemoryStore()
      const want = new Map<unknown, { x: number[]; duration: number[] }>()
      for (let b = 0; b < 3; b++) {
        const batch = randomSpans(rand, 1500 + Math.floor(rand() * 1500))
        const route = batch.columns['a:route'] as Extract<Batch['columns'][string], { kind: 'str' }>
        // Two routes, so groups pass HISTOGRAM_SELECT_ROWS values (and a third, small one, seed by seed).
        route.codes.forEach((c, i) => (route.codes[i] = i % 97 === 0 && seed % 2 === 0 ? Math.min(2, route.dict.length - 1) : c % Math.min(2, route.dict.length)))
        route.present = undefined
        const start = (batch.columns.startTimeUnixNano as Extract<Batch['columns'][string], { kind: 'i64' }>).values
        const end = (batch.columns.endTimeUnixNano as Extract<Batch['columns'][string], { kind: 'i64' }>).values
        const x = batch.columns['a:x'] as Extract<Batch['columns'][string], { kind: 'f64' }>
        for (let i = 0; i < batch.length; i++) {
          // Seed by seed, more of the values leave 4 bytes: from none of the groups mixed to all.
          const odd = rand() < seed / 40
          const d = odd ? edge[Math.floor(rand() * edge.length)] : Math.floor(rand() * 5e6)
          end[i] = start[i] + BigInt(d)
          x.values[i] = odd && seed > 3 ? [-3, 0.5, -1e300, 2 ** 40 + 0.5][i % 4] : Math.floor(rand() * 1e4)
          const group = want.get(route.dict[route.codes[i]]) ?? { x: [], duration: [] }
          want.set(route.dict[route.codes[i]], group)
          group.duration.push(d)
          if (x.present === undefined || x.present[i] === 1) group.x.push(x.values[i])
        }
        await store.append('default', batch)
      }
      const ps = [1, 50, 95, 99, 99.9, 100]
      const asked = ps.map((p) => `percentile(duration, ${p}), percentile(attr.x, ${p})`).join(', ')
      const { rows } = await runQuery(`spans | stats ${asked} by attr.route`, { store })
      expectNearestRanks(rows, want, (p, x, duration) => [duration(p), x(p)], `seed ${seed}`, ps)
    }
  })

  it('count the bytes they keep against the query budget: past it, MEMORY_LIMIT, not a growing process', async () => {
    const store = new MemoryStore()
    const rand = seededRandom(3)
    for (let b = 0; b < 10; b++) await store.append('default', randomSpans(rand, 30_000))
    const text = 'spans | stats p50(duration), p99(duration) by attr.route'
    // 300,000 durations are 1.2 MB in 4 bytes each, with room for the end of each group's last chunk and page.
    const error = await runQuery(text, { store, limits: { maxMemoryBytes: 1024 * 1024 } }).then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ code: 'MEMORY_LIMIT', message: expect.stringContaining('stats needs about') })
    const { rows } = await runQuery(text, { store, limits: { maxMemoryBytes: 3 * 1024 * 1024 } })
    expect(rows.length).toBeGreaterThan(0)
  })

  it('answer the same when queries of different sizes run one after another or interleaved on one thread', async () => {
    const store = new MemoryStore()
    const rand = seededRandom(99)
    for (let b = 0; b < 6; b++) await store.append('default', randomSpans(rand, 3000))
    const texts = ['spans | stats p50(duration), p99(duration), count() by attr.route', 'spans | where attr.x > 100 | stats p50(duration), p95(duration), percentile(attr.x, 90)', 'spans | stats p95(duration) by attr.route']
    const alone = []
    for (const text of texts) alone.push((await runQuery(text, { store })).rows)
    // Again, one after another: the pages the first runs kept are reused; then on fresh pages.
    for (const [k, text] of texts.entries()) expect((await runQuery(text, { store })).rows).toEqual(alone[k])
    for (const [k, text] of texts.entries()) {
      releaseSpareSamples()
      expect((await runQuery(text, { store })).rows).toEqual(alone[k])
    }
    const together = await Promise.all([...texts, ...texts].map((text) => runQuery(text, { store })))
    expect(together.map((r) => r.rows)).toEqual([...alone, ...alone])
  })
})

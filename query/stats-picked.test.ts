/**
 * `where ... | stats count() by key` counts the rows a `where` picked from the block's own
 * columns (row-select.ts pickRows, GroupKeys.countRows), copying none: its groups, group order
 * and counts are those of the general path (rows copied, a group number per row), for
 * dictionary strings and bins of times, absent values, times on bin edges and far apart, and
 * conditions that keep no row.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { BatchBuilder, MemoryStore, takeRows, type Batch, type Column, type Store } from '../storage/index.ts'
import { runQuery } from './engine.ts'
import { GroupKeys } from './group-keys.ts'
import { pickedRows, pickRows, selectRows } from './row-select.ts'
import { BothWays } from './testdata/both-ways.ts'
import { columnVec, type Vec } from './vec.ts'
import { randomColumn, seededRandom } from '../test/support/random-batch.ts'

const T = 1793491200000000000n
const MINUTE = 60_000_000_000n

/** The general path's groups of `v` (a copy of the rows), with their key values and row counts. */
function generalCounts(keys: GroupKeys, v: Vec, n: number): number[] {
  const groups = keys.assign([v], n)
  const counts = new Array<number>(keys.count).fill(0)
  for (let i = 0; i < n; i++) counts[groups[i]]++
  return counts
}

/** Times around bin edges (exactly on one, one ns either side), spread over hours, some absent. */
function randomTimes(rand: () => number, rows: number, width: bigint): Extract<Column, { kind: 'i64' }> {
  const values = BigInt64Array.from({ length: rows }, () => {
    const edge = T + BigInt(Math.floor(rand() * 300)) * width
    return edge + [0n, -1n, 1n, BigInt(Math.floor(rand() * Number(width)))][Math.floor(rand() * 4)]
  })
  const present = rand() < 0.5 ? undefined : Uint8Array.from(values, () => (rand() < 0.85 ? 1 : 0))
  return { kind: 'i64', values, present }
}

/** The (ascending) rows of a random pick, from none to all. */
function randomRows(rand: () => number, n: number): Uint32Array {
  const share = [0, 0.02, 0.3, 1][Math.floor(rand() * 4)]
  return Uint32Array.from([...Array(n).keys()].filter(() => rand() < share))
}

describe('counting picked rows by one key', () => {
  it('gives the groups, their order and counts of the general path, batch after batch', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rand = seededRandom(seed)
      const time = seed % 2 === 0
      const width = [1n, 1_000n, MINUTE, 7n * MINUTE][seed % 4]
      const picked = new GroupKeys(1)
      const general = new GroupKeys(1)
      const totals: number[] = []
      for (let b = 0; b < 1 + Math.floor(rand() * 4); b++) {
        const n = 1 + Math.floor(rand() * 300)
        const column = time ? randomTimes(rand, n, width) : (randomColumn(rand, 'str', n) as Extract<Column, { kind: 'str' }>)
        const rows = randomRows(rand, n)
        if (rows.length === 0) continue
        const counts = picked.countRows(columnVec(column, time), rows, time ? Number(width) : undefined)
        expect(counts, `seed ${seed}`).toBeDefined()
        // The general path: the rows copied, the key evaluated and grouped row by row.
        const taken = takeRows({ signal: 'spans', length: n, columns: { k: column } }, rows).columns.k
        let v = columnVec(taken, time)
        if (time && v.t === 'time') v = { t: 'time', v: v.v.map((t) => t - (((t % width) + width) % width)), p: v.p }
        const want = generalCounts(general, v, rows.length)
        want.forEach((c, g) => (totals[g] = (totals[g] ?? 0) + c))
        expect([...counts!].map((c, g) => [g, c]).filter(([, c]) => c > 0), `seed ${seed}`).toEqual(want.map((c, g) => [g, c]).filter(([, c]) => c > 0))
        expect(picked.values, `seed ${seed}`).toEqual(general.values)
      }
    }
  })

  it('declines times too far apart to bin exactly in a double, and keys other than strings and times', () => {
    const values = BigInt64Array.of(T, T + (1n << 53n))
    expect(new GroupKeys(1).countRows({ t: 'time', v: values }, Uint32Array.of(0, 1), 60e9)).toBeUndefined()
    expect(new GroupKeys(1).countRows({ t: 'num', v: Float64Array.of(1, 2) }, Uint32Array.of(0, 1))).toBeUndefined()
    expect(new GroupKeys(2).countRows({ t: 'str', dict: ['a'], codes: Uint32Array.of(0) }, Uint32Array.of(0))).toBeUndefined()
  })

  it('counts the same picked rows again from the bins kept with them, per time column and width', () => {
    const rand = seededRandom(3)
    const first = randomTimes(rand, 500, MINUTE)
    const second = randomTimes(rand, 500, MINUTE)
    const rows = Uint32Array.from({ length: 250 }, (_, i) => 2 * i)
    const count = (c: Extract<Column, { kind: 'i64' }>, width: number) => {
      const keys = new GroupKeys(1)
      const counts = keys.countRows(columnVec(c, true), rows, width)!
      return keys.values.map((v, g) => [v[0], counts[g]])
    }
    const fresh = [count(first, 60e9), count(first, 7e9), count(second, 60e9)]
    // Counted again (bins now kept with the rows array), in another order.
    expect([count(second, 60e9), count(first, 7e9), count(first, 60e9)]).toEqual([fresh[2], fresh[1], fresh[0]])
    expect(fresh[0]).not.toEqual(fresh[2])
  })

  it('counts rows with an absent time in one group of null', () => {
    const keys = new GroupKeys(1)
    const counts = keys.countRows({ t: 'time', v: BigInt64Array.of(T, T + 1n, T + MINUTE), p: Uint8Array.of(0, 1, 0) }, Uint32Array.of(0, 1, 2), 60e9)
    expect(keys.values).toEqual([[null], [T]])
    expect([...counts!]).toEqual([2, 1])
  })
})

describe('picked rows', () => {
  it('copy a column only when it is read, and project without copying', () => {
    const batch: Batch = { signal: 'spans', length: 4, columns: { a: { kind: 'u32', values: Uint32Array.of(1, 2, 3, 4) }, b: { kind: 'u32', values: Uint32Array.of(5, 6, 7, 8) } } }
    const picked = selectRows(batch, Uint8Array.of(1, 0, 1, 0), true)!
    expect(pickedRows(picked)?.from).toBe(batch)
    expect([...pickedRows(picked)!.rows]).toEqual([0, 2])
    const projected = pickRows(batch, Uint32Array.of(1, 3))
    expect(Object.keys(projected.columns)).toEqual(['a', 'b'])
    expect(projected.columns.b).toEqual({ kind: 'u32', values: Uint32Array.of(6, 8), present: undefined })
    expect(picked.columns.a).toEqual({ kind: 'u32', values: Uint32Array.of(1, 3), present: undefined })
  })
})

/** Spans over several batches: services in runs, routes (strings, a few numbers) and status codes sometimes absent, error status on some. */
function spanBatches(seed: number): Batch[] {
  const rand = seededRandom(seed)
  const services = ['checkout', 'payment', 'cart']
  const routes = ['/pay', '/pay/{id}', '/cart', '/']
  return Array.from({ length: 4 }, (_, k) => {
    const b = new BatchBuilder('spans')
    const rows = k === 3 ? 1 : 200 + Math.floor(rand() * 400)
    for (let row = 0; row < rows; row++) {
      const start = T + BigInt(k * 200 + Math.floor(rand() * 7200)) * 1_000_000_000n + (rand() < 0.3 ? 0n : BigInt(Math.floor(rand() * 1e9)))
      b.setI64('startTimeUnixNano', row, start)
      b.setI64('endTimeUnixNano', row, start + 1_000_000n)
      b.setStr('name', row, 'op')
      b.setU32('statusCode', row, rand() < 0.1 ? 2 : rand() < 0.5 ? 1 : 0)
      b.setAttribute('r:service.name', row, services[Math.floor((row / rows) * services.length)])
      // In one batch some routes are numbers: the attribute is then held in two typed columns.
      if (rand() < 0.8) b.setAttribute('a:http.route', row, k === 1 && rand() < 0.2 ? 7n : routes[Math.floor(rand() * routes.length)])
      if (rand() < 0.9) b.setAttribute('a:http.response.status_code', row, BigInt([200, 404, 500, 503][Math.floor(rand() * 4)]))
    }
    return b.finish(rows)
  })
}

describe('where, then stats count() by one key', () => {
  let store: Store
  const ways = new BothWays()
  beforeAll(async () => {
    store = new MemoryStore()
    for (const batch of spanBatches(7)) await store.append('default', batch)
    ways.open(store)
  })
  afterAll(() => ways.close())

  const conditions = [
    'status = "error"',
    'status = "unset"',
    'service.name = "payment" and attr.http.response.status_code >= 500',
    'attr.http.response.status_code >= 500',
    'attr.http.route = "/pay" or status = "error"',
    'service.name = "nowhere"',
    'attr.http.response.status_code > 10000',
  ]
  const keys = ['bin(time, 1m)', 'bin(time, 7s)', 'attr.http.route', 'service.name', 'status']
  for (const c of conditions) {
    it(`answers "where ${c}" as the general path does`, async () => {
      for (const k of keys) {
        const fused = `spans | where ${c} | stats count(), count() as n by ${k}`
        // A stage between them makes the where copy its rows and stats group them row by row.
        const general = `spans | where ${c} | extend copied = 1 | stats count(), count() as n by ${k}`
        const want = await runQuery(general, { store })
        const counted = vi.spyOn(GroupKeys.prototype, 'countRows')
        const got = await ways.run(fused)
        // The picked rows were counted in place (some batches keep every row or none: no pick).
        if (want.rows.length > 0) expect(counted.mock.results.some((r) => r.value !== undefined), fused).toBe(true)
        counted.mockRestore()
        expect(got.columns, fused).toEqual(want.columns)
        expect(got.rows, fused).toEqual(want.rows)
        if (c.includes('nowhere') || c.includes('10000')) expect(got.rows, fused).toEqual([])
        else expect(got.rows.length, fused).toBeGreaterThan(0)
      }
    })
  }

  it('fills the empty bins of a bounded range as the general path does', async () => {
    const range = { start: T - 5n * MINUTE, end: T + 200n * MINUTE }
    const fused = 'spans | where status = "error" | stats count() by bin(time, 1m)'
    const general = 'spans | where status = "error" | extend copied = 1 | stats count() by bin(time, 1m)'
    const got = await ways.run(fused, range)
    expect(got.rows).toEqual((await runQuery(general, { store, ...range })).rows)
    expect(got.rows.length).toBe(205)
  })
})

/**
 * count() and countif() per group equal counting the rows one by one, on random spans: counts
 * taken while grouping on dictionary codes, and conditions on dictionary strings decided per
 * entry (either way round, string operators and patterns included, absent rows never counted).
 */
import { describe, expect, it } from 'vitest'
import { MemoryStore, takeRows, type Batch } from '../storage/index.ts'
import { matchScalar, type MatchOp } from './eval-compare.ts'
import { runQuery } from './engine.ts'
import { randomSpans, seededRandom } from '../test/support/random-batch.ts'

const CONDITIONS: [string, MatchOp, string][] = [
  ['attr.route = "GET /api/v1/users/{id}-2"', '=', 'GET /api/v1/users/{id}-2'],
  ['"timeout-6" = attr.route', '=', 'timeout-6'],
  ['attr.route != "a-1"', '!=', 'a-1'],
  ['"m" > attr.route', '<', 'm'],
  ['attr.route >= "m"', '>=', 'm'],
  ['attr.route contains "-1"', 'contains', '-1'],
  ['attr.route not startswith "a"', 'not startswith', 'a'],
]

describe('count and countif per group', () => {
  it('equal counting rows one by one', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rand = seededRandom(seed)
      const store = new MemoryStore()
      // Half the seeds store rows by route, as parts store spans by service: the groups come in runs.
      const batches = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => {
        const b = randomSpans(rand, 1 + Math.floor(rand() * 3000))
        return seed % 2 === 0 ? b : byRoute(b)
      })
      for (const b of batches) await store.append('default', b)
      const asked = CONDITIONS.map(([c]) => `countif(${c})`).join(', ')
      const { rows } = await runQuery(`spans | stats count(), ${asked}, countif(attr.route matches "^[a-t]"), countif(attr.x > 100) by attr.route`, { store })
      const want = new Map<unknown, number[]>()
      for (const b of batches) {
        const route = b.columns['a:route'] as Extract<Batch['columns'][string], { kind: 'str' }>
        const x = b.columns['a:x'] as Extract<Batch['columns'][string], { kind: 'f64' }>
        for (let i = 0; i < b.length; i++) {
          const key = route.present === undefined || route.present[i] === 1 ? route.dict[route.codes[i]] : null
          const counts = want.get(key) ?? new Array<number>(CONDITIONS.length + 3).fill(0)
          want.set(key, counts)
          counts[0]++
          CONDITIONS.forEach(([, op, value], k) => (counts[k + 1] += matchScalar(op, key, value) ? 1 : 0))
          counts[CONDITIONS.length + 1] += typeof key === 'string' && /^[a-t]/.test(key) ? 1 : 0
          counts[CONDITIONS.length + 2] += (x.present === undefined || x.present[i] === 1) && x.values[i] > 100 ? 1 : 0
        }
      }
      expect(rows.length).toBe(want.size)
      for (const [route, ...counts] of rows) expect(counts, `seed ${seed}, route ${String(route)}`).toEqual(want.get(route))
    }
  })
})

/** The rows of `b` ordered by route code (absent last). */
function byRoute(b: Batch): Batch {
  const route = b.columns['a:route'] as Extract<Batch['columns'][string], { kind: 'str' }>
  const key = (i: number) => (route.present === undefined || route.present[i] === 1 ? route.codes[i] : route.dict.length)
  return takeRows(b, Uint32Array.from({ length: b.length }, (_, i) => i).sort((i, j) => key(i) - key(j) || i - j))
}

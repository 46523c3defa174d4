/**
 * The 32-bit-halves fast paths over i64 columns (i64.ts) agree with BigInt arithmetic, around
 * the bounds (same high word, neighbouring ones), at the extremes and for negative times.
 */
import { describe, expect, it } from 'vitest'
import { extent, inRange } from './i64.ts'
import { seededRandom } from '../test/support/random-batch.ts'

describe('inRange', () => {
  it('keeps exactly the values in [start, end), with either bound absent', () => {
    const rand = seededRandom(3)
    const offset = () => BigInt(Math.floor((rand() - 0.5) * 2 ** 34))
    for (let round = 0; round < 200; round++) {
      const start = 1793491200000000000n + offset()
      const end = start + BigInt(Math.floor(rand() * 2 ** 35))
      const near = [start, end, -(2n ** 63n), 2n ** 63n - 1n, 0n, -1n]
      const values = BigInt64Array.from({ length: 300 }, () => BigInt.asIntN(64, near[Math.floor(rand() * near.length)] + (rand() < 0.5 ? offset() : BigInt(Math.floor(rand() * 5)) - 2n)))
      for (const [s, e] of [[start, end], [start, undefined], [undefined, end], [undefined, undefined]] as const) {
        const want = Uint8Array.from(values, (t) => ((s === undefined || t >= s) && (e === undefined || t < e) ? 1 : 0))
        expect(inRange(values, s, e), `round ${round}`).toEqual(want)
      }
    }
  })

  it('finds the least and greatest value, negative and extreme ones included', () => {
    const rand = seededRandom(5)
    const edges = [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 1n, 1793491200000000000n, -4294967296n, 4294967295n, 4294967296n]
    for (let round = 0; round < 300; round++) {
      const values = BigInt64Array.from({ length: 1 + Math.floor(rand() * 20) }, () => BigInt.asIntN(64, edges[Math.floor(rand() * edges.length)] + BigInt(Math.floor((rand() - 0.5) * 2 ** 33))))
      const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      expect(extent(values), `round ${round}`).toEqual([sorted[0], sorted[sorted.length - 1]])
    }
    expect(extent(new BigInt64Array(0))).toBeUndefined()
  })
})

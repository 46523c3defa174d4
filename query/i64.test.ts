/**
 * The 32-bit-halves fast paths over i64 columns (i64.ts) agree with BigInt arithmetic, around
 * the bounds (same high word, neighbouring ones), at the extremes and for negative times.
 */
import { describe, expect, it } from 'vitest'
import { allInRange, inRange } from './i64.ts'
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
        expect(allInRange(values, s, e), `round ${round}`).toBe(want.every((x) => x === 1))
        expect(allInRange(values.subarray(0, 3), s, e), `round ${round}`).toBe(want.subarray(0, 3).every((x) => x === 1))
      }
    }
  })

  it('tells a block wholly inside the range, rows next to its bounds included, from one with a row outside', () => {
    const start = 1793491200000000000n
    const end = start + 3_600_000_000_000n
    const inside = BigInt64Array.from([start, start + 1n, end - 1n, ...Array.from({ length: 100 }, (_, i) => start + BigInt(i) * 30_000_000_000n)])
    expect(allInRange(inside, start, end)).toBe(true)
    expect(allInRange(inside, undefined, undefined)).toBe(true)
    for (const outside of [start - 1n, end, end + 5_000_000_000n]) {
      const values = BigInt64Array.from([...inside, outside])
      expect(allInRange(values, start, end)).toBe(false)
    }
  })
})

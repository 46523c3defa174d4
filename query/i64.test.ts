/**
 * The i64 fast paths (i64.ts) read values as 32-bit halves: their answers equal those of
 * comparing BigInts, across the sign and around the bounds' low words.
 */
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../test/support/random-batch.ts'
import { inRange } from './i64.ts'

describe('inRange', () => {
  it('keeps exactly the values in [start, end), either bound optional', () => {
    const rand = seededRandom(17)
    const base = 1793491200000000000n
    const near = (x: bigint) => x + BigInt(Math.floor(rand() * 2 ** 34) - 2 ** 33)
    const values = BigInt64Array.from({ length: 4_000 }, (_, i) => (i % 9 === 0 ? -near(base) : i % 13 === 0 ? BigInt.asIntN(64, near(0n)) : near(base)))
    const bounds: (bigint | undefined)[] = [undefined, base, base + 1n, base - 2n ** 32n, base + 2n ** 32n - 1n, -base, 0n, values[5], values[6] + 1n]
    for (const start of bounds) {
      for (const end of bounds) {
        const expected = Array.from(values, (v) => ((start === undefined || v >= start) && (end === undefined || v < end) ? 1 : 0))
        expect(Array.from(inRange(values, start, end)), `[${start}, ${end})`).toEqual(expected)
      }
    }
  })
})

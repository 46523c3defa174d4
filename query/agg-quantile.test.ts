import { describe, expect, it } from 'vitest'
import { rankIndex, select } from './agg-quantile.ts'

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

  it('computes the rank exactly where doubles round up (p999 of 50,000 values is rank 49,950)', () => {
    expect(rankIndex(50_000, 99.9)).toBe(49_949)
    for (let n = 1000; n <= 100_000; n += 1000) expect(rankIndex(n, 99.9), `n = ${n}`).toBe((999 * n) / 1000 - 1)
    expect([rankIndex(100, 7), rankIndex(3, 1e-7), rankIndex(1e6, 99.99)]).toEqual([6, 0, 999_899])
  })

  it('rank ceil(p/100 * n), at least the first', () => {
    expect([rankIndex(4, 50), rankIndex(4, 51), rankIndex(37, 99), rankIndex(10, 0.1), rankIndex(7, 100)]).toEqual([1, 2, 36, 0, 6])
  })
})

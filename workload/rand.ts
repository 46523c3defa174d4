/**
 * @module workload/rand
 * A seeded random source (mulberry32: 32-bit state, full period, good enough for test data)
 * with the draws the model needs. Same seed, same sequence, on every platform.
 */

export class Rand {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]
  }

  /** One of `items` with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0)
    let x = this.next() * total
    for (const [item, w] of items) if ((x -= w) < 0) return item
    return items[items.length - 1][0]
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next())
  }

  /** Log-normal around `median` with shape `sigma`. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal())
  }

  /** `bytes` random bytes as lowercase hex, never all zero (an all-zero id is "no id"). */
  hex(bytes: number): string {
    let s = ''
    for (let i = 0; i < bytes; i++) s += this.int(256).toString(16).padStart(2, '0')
    return /^0+$/.test(s) ? `${s.slice(0, -1)}1` : s
  }
}

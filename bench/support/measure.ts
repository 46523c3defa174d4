/**
 * @module bench/support/measure
 * Timing helpers: run a function several times, report the median, keep results in a sink so
 * nothing is optimised away.
 */

/** The last result of a measured function lands here, so the work cannot be skipped (and
 * earlier results are let go, so they do not weigh on later runs' garbage collection). */
export const sink: unknown[] = [undefined]

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}

/** Milliseconds of each of `runs` runs of `fn` (after one warm-up run). */
export async function timeRuns(runs: number, fn: () => unknown): Promise<number[]> {
  sink[0] = await fn()
  const out: number[] = []
  for (let i = 0; i < runs; i++) {
    sink[0] = undefined
    const t = performance.now()
    sink[0] = await fn()
    out.push(performance.now() - t)
  }
  return out
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

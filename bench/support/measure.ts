/**
 * @module bench/support/measure
 * Timing helpers: run a function several times, report the median, keep results in a sink so
 * nothing is optimised away.
 */

/** Results of measured functions land here, so the work cannot be skipped. */
export const sink: unknown[] = []

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
  sink.push(await fn())
  const out: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    sink.push(await fn())
    out.push(performance.now() - t)
  }
  if (sink.length > 1000) sink.length = 0
  return out
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

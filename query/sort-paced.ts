/**
 * @module query/sort-paced
 * A merge sort of row numbers that checks the query's clock as it goes: runs of PACE_ROWS
 * rows are sorted whole, then merged pairwise, pacing (Budget.pace) every PACE_ROWS rows
 * written. Sorting a million rows takes about a second of comparator calls: done in one piece
 * it would hold the event loop, and the time limit, for all of it.
 */
import type { Budget } from './budget.ts'
import { PACE_ROWS } from './limits.ts'

/**
 * `rows` sorted by `compare`, which must be a total order (break ties by row number) so
 * the result does not depend on the merge order. May return `rows` itself, sorted in place.
 * @example const order = await sortRowsPaced(Uint32Array.from({ length: n }, (_, i) => i), cmp, budget)
 */
export async function sortRowsPaced(rows: Uint32Array, compare: (a: number, b: number) => number, budget: Budget): Promise<Uint32Array> {
  const n = rows.length
  for (let start = 0; start < n; start += PACE_ROWS) {
    rows.subarray(start, Math.min(n, start + PACE_ROWS)).sort(compare)
    await budget.pace()
  }
  let src: Uint32Array = rows
  let dst: Uint32Array = new Uint32Array(n)
  for (let width = PACE_ROWS; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width)
      const hi = Math.min(n, lo + 2 * width)
      let i = lo
      let j = mid
      for (let k = lo; k < hi; ) {
        const end = Math.min(hi, k + PACE_ROWS)
        for (; k < end; k++) dst[k] = j >= hi || (i < mid && compare(src[i], src[j]) <= 0) ? src[i++] : src[j++]
        await budget.pace()
      }
    }
    ;[src, dst] = [dst, src]
  }
  return src
}

/**
 * @module storage/engine/scan-top
 * Top-k scans (ScanTop): the order blocks are read in, best first by their statistics, and the
 * running `limit` best key values of the rows read, below which a block cannot contribute.
 */
import { SPAN_DURATION_KEY, type ScanTop } from '../store.ts'
import { sortKeyValues } from '../part/block-stats.ts'
import type { BlockIndex } from '../part/part-file.ts'
import type { Column } from '../model.ts'

/**
 * The best key value any row of `block` can have, as a score (higher is better: the value, or
 * its negation for an ascending key). Infinity when the statistics cannot tell (read it early);
 * -Infinity when no row has the key (absent values sort last: such a block only fills the top
 * when fewer rows have values).
 */
export function blockBestScore(block: BlockIndex, top: ScanTop): number {
  let best: number | bigint | undefined
  if (top.key === SPAN_DURATION_KEY) {
    if (block.duration === undefined) return Infinity
    best = top.desc ? block.duration.max : block.duration.min
  } else {
    const stats = block.columns.find((c) => c.name === top.key)?.stats
    if (stats === undefined || stats.present === 0) return -Infinity
    best = top.desc ? stats.max : stats.min
  }
  if (best === undefined) return Infinity
  // Number() of a bigint is the nearest double: the rounding sortKeyValues applies to every row.
  const value = Number(best)
  return top.desc ? value : -value
}

/** The scores of the best `limit` rows seen so far. */
export class TopScores {
  private readonly limit: number
  private readonly desc: boolean
  private readonly key: string
  private best = new Float64Array(0)
  /** The `limit`-th best score seen; undefined until `limit` rows were seen. */
  threshold: number | undefined

  constructor(top: ScanTop) {
    this.limit = top.limit
    this.desc = top.desc
    this.key = top.key
  }

  /** True when no row of a block whose best score is `score` can enter the top. */
  excludes(score: number): boolean {
    return this.threshold !== undefined && score < this.threshold
  }

  /**
   * Counts the rows of a block read for the caller; `keep(row)` tells whether the caller keeps
   * the row (its time is in range). Rows whose key is absent or NaN are not counted. Returns
   * the rows of the block that can still enter the top (all of them while fewer than `limit`
   * rows were counted), or undefined when the block lacks the key's columns.
   */
  add(columns: Readonly<Record<string, Column>>, rows: number, keep: (row: number) => boolean): number[] | undefined {
    const values = sortKeyValues(columns, this.key, rows)
    if (values === undefined) return undefined
    const scores = this.desc ? values : values.map((x) => -x)
    const floor = this.threshold ?? -Infinity
    const merged = new Float64Array(this.best.length + rows)
    merged.set(this.best)
    let n = this.best.length
    for (let i = 0; i < rows; i++) if (scores[i] >= floor && keep(i)) merged[n++] = scores[i] // NaN fails the comparison
    if (n < this.limit) {
      this.best = merged.slice(0, n)
      return Array.from({ length: rows }, (_, i) => i)
    }
    const kept = merged.subarray(0, n)
    // The limit-th greatest sits at n - limit of the ascending order, the greater ones after it.
    const threshold = selectNth(kept, n - this.limit)
    this.threshold = threshold
    this.best = kept.slice(n - this.limit)
    const out: number[] = []
    for (let i = 0; i < rows; i++) if (scores[i] >= threshold) out.push(i)
    return out
  }
}

/**
 * The value that would sit at index `at` of `a` sorted ascending, in linear time (Hoare's
 * quickselect). Reorders `a`: afterwards no value before `at` is greater and none after is less.
 */
export function selectNth(a: Float64Array, at: number): number {
  let lo = 0
  let hi = a.length - 1
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]
    let i = lo
    let j = hi
    while (i <= j) {
      while (a[i] < pivot) i++
      while (a[j] > pivot) j--
      if (i <= j) {
        const t = a[i]
        a[i] = a[j]
        a[j] = t
        i++
        j--
      }
    }
    if (at <= j) hi = j
    else if (at >= i) lo = i
    else return a[at]
  }
  return a[at]
}

/**
 * @module query/row-select
 * Rows of a batch by mask: the selection `where` keeps, and the mask of a time range the
 * executor filters every scanned batch with.
 */
import { sliceRows, takeRows, type Batch } from '../storage/index.ts'
import { inRange } from './i64.ts'
import type { Vec } from './vec.ts'

/**
 * The rows of `batch` whose mask byte is 1; undefined when none. One contiguous run of rows
 * (a metric name or service of a block stored in sorted order) is a view, not a copy.
 */
export function selectRows(batch: Batch, mask: Uint8Array): Batch | undefined {
  let count = 0
  for (let i = 0; i < mask.length; i++) count += mask[i]
  if (count === mask.length) return batch
  if (count === 0) return undefined
  const first = mask.indexOf(1)
  if (mask.lastIndexOf(1) - first + 1 === count) return sliceRows(batch, first, first + count)
  const rows = new Uint32Array(count)
  for (let i = 0, k = 0; i < mask.length; i++) if (mask[i] === 1) rows[k++] = i
  return takeRows(batch, rows)
}

/**
 * A mask of the rows of a time vector inside [start, end). Rows without a time are outside.
 * @example rangeMask(timeVec, 1793491200000000000n, undefined, n)
 */
export function rangeMask(time: Vec, start: bigint | undefined, end: bigint | undefined, n: number): Uint8Array {
  if (time.t !== 'time') return new Uint8Array(n)
  const mask = inRange(time.v, start, end)
  if (time.p !== undefined) for (let i = 0; i < n; i++) mask[i] &= time.p[i]
  return mask
}

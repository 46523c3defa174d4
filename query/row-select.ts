/**
 * @module query/row-select
 * Rows of a batch by mask: the selection `where` keeps, and the mask of a time range the
 * executor filters every scanned batch with.
 */
import { sliceRows, takeRows, type Batch } from '../storage/index.ts'
import { inRange } from './i64.ts'
import type { Vec } from './vec.ts'

/** The rows of `batch` whose mask byte is 1; undefined when none. */
export function selectRows(batch: Batch, mask: Uint8Array): Batch | undefined {
  let count = 0
  for (let i = 0; i < mask.length; i++) count += mask[i]
  if (count === mask.length) return batch
  if (count === 0) return undefined
  const rows = new Uint32Array(count)
  for (let i = 0, k = 0; i < mask.length; i++) if (mask[i] === 1) rows[k++] = i
  // One run of rows (one service's spans in a block stored by service) is taken as views.
  if (rows[count - 1] - rows[0] === count - 1) return sliceRows(batch, rows[0], rows[0] + count)
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

/**
 * @module storage/trace-match
 * Finding rows by a fixed-width id (a trace id) in a bytes column, and the spans of one trace
 * in any store.
 */
import { concatBatches, takeRows } from './batch-ops.ts'
import { SPAN_COLUMNS, type Batch, type Column } from './model.ts'
import type { Store } from './store.ts'

/** Indices of the rows of `column` (a bytes column) equal to `id`. */
export function rowsWithBytes(column: Column | undefined, id: Uint8Array): number[] {
  const rows: number[] = []
  if (column === undefined || column.kind !== 'bytes' || column.width !== id.length) return rows
  const w = column.width
  const v = column.values
  const n = v.length / w
  const first = id[0]
  outer: for (let r = 0; r < n; r++) {
    const at = r * w
    if (v[at] !== first) continue
    for (let j = 1; j < w; j++) if (v[at + j] !== id[j]) continue outer
    if (column.present === undefined || column.present[r] === 1) rows.push(r)
  }
  return rows
}

/**
 * Every span of `traceId` that `store` holds in `range`, as one batch (empty when none): the
 * one way each store answers `getTrace`. The scan carries the id as a hint to skip blocks.
 * @example
 * const trace = await traceSpans(store, 'default', hexToBytes(id)!)
 */
export async function traceSpans(store: Pick<Store, 'scan'>, tenant: string, traceId: Uint8Array, range?: { start?: bigint; end?: bigint }): Promise<Batch> {
  const found: Batch[] = []
  const scan = store.scan({ tenant, signal: 'spans', start: range?.start, end: range?.end, where: [{ op: 'eq', column: SPAN_COLUMNS.traceId, value: traceId }] })
  for await (const batch of scan) {
    const rows = rowsWithBytes(batch.columns[SPAN_COLUMNS.traceId], traceId)
    if (rows.length > 0) found.push(takeRows(batch, rows))
  }
  return found.length === 0 ? { signal: 'spans', length: 0, columns: {} } : concatBatches('spans', found)
}

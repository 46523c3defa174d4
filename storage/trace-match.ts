/**
 * @module storage/trace-match
 * Finding rows by a fixed-width id (a trace id) in a bytes column.
 */
import type { Column } from './model.ts'

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

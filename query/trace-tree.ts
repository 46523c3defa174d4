/**
 * @module query/trace-tree
 * Orders the spans of one trace as a tree: parents before children, siblings by start time,
 * depth-first. Spans whose parent is not in the trace (a root, or a parent not received yet)
 * start their own subtree, so every span appears exactly once.
 */
import { bytesToHex, isZeroId, SPAN_COLUMNS, type Batch } from '../storage/index.ts'

export interface TreeOrder {
  /** Row indices in tree order. */
  readonly rows: number[]
  /** Depth of each entry of `rows` (0 for roots). */
  readonly depth: number[]
  /** Parent position in `rows` of each entry, -1 for roots. */
  readonly parent: number[]
}

/**
 * Tree order of a batch of spans.
 * @example treeOrder(await store.getTrace(tenant, traceId)).rows
 */
export function treeOrder(batch: Batch): TreeOrder {
  const ids = batch.columns[SPAN_COLUMNS.spanId]
  const parents = batch.columns[SPAN_COLUMNS.parentSpanId]
  const starts = batch.columns[SPAN_COLUMNS.startTimeUnixNano]
  const n = batch.length
  const idOf = (c: typeof ids, i: number) => (c?.kind === 'bytes' && !isZeroId(c.values, i * c.width, c.width) ? bytesToHex(c.values.subarray(i * c.width, (i + 1) * c.width)) : '')
  const start = (i: number) => (starts?.kind === 'i64' ? starts.values[i] : 0n)
  const byId = new Map<string, number>()
  for (let i = 0; i < n; i++) byId.set(idOf(ids, i), i)
  const children = new Map<number, number[]>()
  const roots: number[] = []
  for (let i = 0; i < n; i++) {
    const p = byId.get(idOf(parents, i))
    if (p === undefined || p === i || idOf(parents, i) === '') roots.push(i)
    else children.set(p, [...(children.get(p) ?? []), i])
  }
  const byStart = (a: number, b: number) => (start(a) < start(b) ? -1 : start(a) > start(b) ? 1 : a - b)
  const out: TreeOrder = { rows: [], depth: [], parent: [] }
  const seen = new Uint8Array(n)
  const visit = (row: number, depth: number, parent: number) => {
    // Iterative depth-first walk; `seen` guards against parent cycles in bad data.
    const stack: [number, number, number][] = [[row, depth, parent]]
    while (stack.length > 0) {
      const [r, d, p] = stack.pop()!
      if (seen[r] === 1) continue
      seen[r] = 1
      const at = out.rows.push(r) - 1
      out.depth.push(d)
      out.parent.push(p)
      const kids = (children.get(r) ?? []).sort(byStart)
      for (let k = kids.length - 1; k >= 0; k--) stack.push([kids[k], d + 1, at])
    }
  }
  for (const r of roots.sort(byStart)) visit(r, 0, -1)
  for (let i = 0; i < n; i++) if (seen[i] === 0) visit(i, 0, -1)
  return out
}

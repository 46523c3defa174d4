/**
 * @module query/trace-json
 * The JSON tree of a trace lookup: each span an object of its fields with `children`,
 * from the rows of `trace "<id>"` (tree order with a depth column).
 */
import type { QueryResult } from './engine.ts'

export interface SpanNode {
  [field: string]: unknown
  children: SpanNode[]
}

/**
 * Nests tree-ordered rows by their depth: a row is the child of the nearest row above it
 * that is one level shallower.
 * @example traceTree(await runQuery('trace "5913df3e0fffc6345e1725c4d1c997d7"', { store }))
 */
export function traceTree(result: QueryResult): SpanNode[] {
  const depthAt = result.columns.findIndex((c) => c.name === 'depth')
  const roots: SpanNode[] = []
  const path: SpanNode[] = []
  for (const row of result.rows) {
    const node: SpanNode = { children: [] }
    result.columns.forEach((c, k) => {
      if (k !== depthAt && row[k] !== null) node[c.name] = row[k]
    })
    const depth = row[depthAt] as number
    path.length = depth
    if (depth === 0) roots.push(node)
    else path[depth - 1].children.push(node)
    path.push(node)
  }
  return roots
}

/**
 * @module query/tree-depth
 * The nesting limit of query trees (limits.ts MAX_QUERY_DEPTH), checked without recursion, so
 * that every recursive pass after it (printer, planner, type checks, evaluation, freezing)
 * only ever sees trees it can walk within the stack.
 */
import { QueryError, positionOf } from './errors.ts'
import { MAX_QUERY_DEPTH } from './limits.ts'

/** The error for a query nested deeper than the limit, at the offending place. */
export function tooDeep(source: string | undefined, at: number): QueryError {
  const place = source === undefined ? {} : { ...positionOf(source, at), source }
  return new QueryError(
    'SYNTAX',
    `cannot parse query: it nests deeper than ${MAX_QUERY_DEPTH} levels (parentheses, not, -, function calls, joined queries and chains of operators all count); simplify it, or write a long list of alternatives as x in (...)`,
    place,
  )
}

/**
 * Throws SYNTAX when `tree` has a chain of more than MAX_QUERY_DEPTH nodes (objects with a
 * `kind`) from its root to a leaf.
 * @example checkDepth(parseQuery(text), text)
 */
export function checkDepth(tree: object, source?: string): void {
  const stack: [unknown, number][] = [[tree, 0]]
  while (stack.length > 0) {
    const [value, above] = stack.pop()!
    if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) continue
    const node = value as { kind?: unknown; at?: unknown }
    const depth = typeof node.kind === 'string' ? above + 1 : above
    if (depth > MAX_QUERY_DEPTH) throw tooDeep(source, typeof node.at === 'number' ? node.at : 0)
    for (const child of Object.values(value)) if (child !== null && typeof child === 'object') stack.push([child, depth])
  }
}

/**
 * @module query/printer
 * Canonical text of a query tree: parse(print(q)) equals q (positions aside), and printing is
 * how the client sends plans over HTTP. Each stage prints itself (its op-*.ts file, through
 * stage-registry.ts); expressions are print-expr.ts.
 */
import type { QueryNode, RangeNode, SourceNode } from './ast.ts'
import { formatTime } from './lexer.ts'
import { printDuration } from './print-expr.ts'
import { stageDef } from './stage-registry.ts'
import type { StagePrinter } from './stage-def.ts'

export { printExpr } from './print-expr.ts'

const PRINTER: StagePrinter = { query: printQuery, source: printSource }

/**
 * The canonical text of a query.
 * @example printQuery(parseQuery('spans|where duration>1s')) // 'spans | where duration > 1s'
 */
export function printQuery(q: QueryNode): string {
  return [printSource(q.source), ...q.stages.map((s) => stageDef(s).print(s, PRINTER))].join(' | ')
}

function printSource(s: SourceNode): string {
  if (s.kind === 'TraceSource') return `trace ${JSON.stringify(s.traceId)}`
  return s.range === undefined ? s.signal : `${s.signal} ${printRange(s.range)}`
}

function printRange(r: RangeNode): string {
  if (r.last !== undefined) return `last ${printDuration(r.last)}`
  const parts: string[] = []
  if (r.from !== undefined) parts.push(`from ${formatTime(r.from)}`)
  if (r.to !== undefined) parts.push(`to ${formatTime(r.to)}`)
  return parts.join(' ')
}

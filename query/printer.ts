/**
 * @module query/printer
 * Canonical text of a query tree: parse(print(q)) equals q (positions aside), and printing is
 * how the client sends plans over HTTP. One spelling per construct, minimal parentheses.
 */
import type { Expr, LiteralNode, NamedExpr, QueryNode, RangeNode, SourceNode, StageNode } from './ast.ts'
import { DURATION_UNITS, RESERVED_WORDS, formatTime } from './lexer.ts'

/**
 * The canonical text of a query.
 * @example printQuery(parseQuery('spans|where duration>1s')) // 'spans | where duration > 1s'
 */
export function printQuery(q: QueryNode): string {
  return [printSource(q.source), ...q.stages.map(printStage)].join(' | ')
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

function printStage(s: StageNode): string {
  switch (s.kind) {
    case 'Where':
      return `where ${printExpr(s.predicate)}`
    case 'Select':
      return `${s.extend ? 'extend' : 'select'} ${s.items.map(printNamed).join(', ')}`
    case 'Sort':
      return `sort ${s.keys.map((k) => `${printExpr(k.expr)}${k.desc ? ' desc' : ''}`).join(', ')}`
    case 'Limit':
      return `limit ${s.count}`
    case 'Stats':
      return `stats ${s.aggregates.map(printNamed).join(', ')}${s.by.length > 0 ? ` by ${s.by.map(printNamed).join(', ')}` : ''}`
    case 'Join': {
      const right = s.right.stages.length === 0 ? printSource(s.right.source) : `(${printQuery(s.right)})`
      const on = s.on.map((k) => `${printExpr(k.left)} = ${printExpr(k.right)}`).join(', ')
      return `join ${s.type === 'left' ? 'left ' : ''}${right} as ${s.alias} on ${on}`
    }
  }
}

function printNamed(n: NamedExpr): string {
  return n.name === undefined ? printExpr(n.expr) : `${printExpr(n.expr)} as ${printName(n.name.split('.'))}`
}

/** Binding strength of each operator: a child binding weaker than its parent gets parentheses. */
const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  not: 3,
  '=': 4, '!=': 4, '<': 4, '<=': 4, '>': 4, '>=': 4, in: 4, contains: 4, startswith: 4, endswith: 4, matches: 4,
  'not contains': 4, 'not startswith': 4, 'not endswith': 4, 'not matches': 4,
  '+': 5, '-': 5,
  '*': 6, '/': 6, '%': 6,
  neg: 7,
}

function precedence(e: Expr): number {
  if (e.kind === 'Binary' || e.kind === 'Unary') return PRECEDENCE[e.op]
  if (e.kind === 'In') return PRECEDENCE.in
  return 8
}

function wrap(e: Expr, min: number): string {
  const text = printExpr(e)
  return precedence(e) < min ? `(${text})` : text
}

/** Canonical text of an expression. */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'Literal':
      return printLiteral(e)
    case 'Field':
      return printName(e.path)
    case 'Call':
      return `${e.name}(${e.args.map(printExpr).join(', ')})`
    case 'In':
      return `${wrap(e.operand, 5)} ${e.negated ? 'not in' : 'in'} (${e.values.map(printLiteral).join(', ')})`
    case 'Unary':
      if (e.op === 'neg') return `-${wrap(e.operand, 7)}`
      return `not ${wrap(e.operand, 3)}`
    case 'Binary': {
      const p = PRECEDENCE[e.op]
      // Left-associative: the right operand needs parentheses at equal precedence.
      return `${wrap(e.left, p === 4 ? 5 : p)} ${e.op} ${wrap(e.right, p + 1)}`
    }
  }
}

function printLiteral(l: LiteralNode): string {
  switch (l.type) {
    case 'string':
      return JSON.stringify(l.value)
    case 'duration':
      return printDuration(l.value as number)
    case 'time':
      return formatTime(l.value as bigint)
    default:
      return String(l.value)
  }
}

/** Shortest text of a duration in nanoseconds: the largest unit that gives at most 3 decimals. */
export function printDuration(ns: number): string {
  const sign = ns < 0 ? '-' : ''
  const abs = Math.abs(ns)
  const units = Object.entries(DURATION_UNITS).sort((a, b) => b[1] - a[1])
  for (const [unit, size] of units) {
    const n = abs / size
    if (n >= 1 && Math.abs(Math.round(n * 1000) - n * 1000) < 1e-6) {
      return `${sign}${Math.round(n * 1000) / 1000}${unit}`
    }
  }
  return `${sign}${abs}ns`
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/

/** A field path, each segment quoted with backticks when it is not a plain identifier. */
export function printName(path: readonly string[]): string {
  return path.map((s, i) => (IDENT.test(s) && !(i === 0 && RESERVED_WORDS.has(s)) ? s : `\`${s}\``)).join('.')
}

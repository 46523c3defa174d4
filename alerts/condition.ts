/**
 * @module alerts/condition
 * A rule's condition: a threshold on one column of each result row. Written as text,
 * `<column> <op> <value>` (`p99 > 500ms`, `errors >= 10`, `` `service.errors` != 0 ``), or as
 * an object `{column, op, value}`. A duration value (`500ms`) is nanoseconds, as durations are
 * in the query language, so it compares with `p99(duration)` directly.
 */

export type ConditionOp = '>' | '>=' | '<' | '<=' | '==' | '!='

export interface Condition {
  readonly column: string
  readonly op: ConditionOp
  /** A number (durations in nanoseconds), or a string compared for (in)equality. */
  readonly value: number | string
}

const OPS: readonly ConditionOp[] = ['>=', '<=', '==', '!=', '>', '<']
const DURATION_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9, w: 604800e9 }

/** The condition `spec` means, or a message saying what is wrong with it. */
export function parseCondition(spec: unknown): Condition | string {
  if (typeof spec === 'string') return parseText(spec)
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    return 'expected text like "p99 > 500ms" or an object {column, op, value}'
  }
  const o = spec as Record<string, unknown>
  if (typeof o.column !== 'string' || o.column === '') return 'column must be a non-empty string'
  const op = o.op === '=' ? '==' : o.op
  if (!OPS.includes(op as ConditionOp)) return `op must be one of ${OPS.join(' ')}, got ${JSON.stringify(o.op)}`
  const value = typeof o.value === 'string' ? parseValue(o.value) : o.value
  if (typeof value !== 'number' && typeof value !== 'string') return 'value must be a number, a duration like "500ms", or a string'
  return check({ column: o.column, op: op as ConditionOp, value })
}

function parseText(text: string): Condition | string {
  const m = /^\s*(`[^`]+`|[A-Za-z_][\w.]*)\s*(>=|<=|==|!=|=|>|<)\s*(.+?)\s*$/.exec(text)
  if (m === null) return `expected "<column> <op> <value>" with op one of ${OPS.join(' ')}, like "p99 > 500ms", got ${JSON.stringify(text)}`
  const column = m[1].startsWith('`') ? m[1].slice(1, -1) : m[1]
  const op = (m[2] === '=' ? '==' : m[2]) as ConditionOp
  const raw = m[3]
  const quoted = /^"(.*)"$|^'(.*)'$/.exec(raw)
  const value = quoted !== null ? (quoted[1] ?? quoted[2]) : parseValue(raw)
  if (typeof value === 'string' && quoted === null) return `expected a number, a duration like 500ms or a quoted string after ${m[2]}, got ${JSON.stringify(raw)}`
  return check({ column, op, value })
}

/** A number or a duration as a number; other text stays text. */
function parseValue(raw: string): number | string {
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) return Number(raw)
  const d = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w)$/.exec(raw)
  if (d !== null) return Number(d[1]) * DURATION_NS[d[2]]
  return raw
}

function check(c: Condition): Condition | string {
  if (typeof c.value === 'string' && c.op !== '==' && c.op !== '!=') return `a string value compares only with == or !=, got ${c.op}`
  return c
}

/** True when `cell` meets the condition; an absent or mistyped cell never does. */
export function conditionHolds(c: Condition, cell: unknown): boolean {
  if (cell === null || cell === undefined) return false
  if (typeof c.value === 'string') return c.op === '==' ? String(cell) === c.value : String(cell) !== c.value
  const x = typeof cell === 'number' ? cell : typeof cell === 'string' && cell.trim() !== '' ? Number(cell) : NaN
  if (Number.isNaN(x)) return false
  switch (c.op) {
    case '>':
      return x > c.value
    case '>=':
      return x >= c.value
    case '<':
      return x < c.value
    case '<=':
      return x <= c.value
    case '==':
      return x === c.value
    case '!=':
      return x !== c.value
    default:
      throw new Error(`unhandled condition op ${String(c.op satisfies never)}`)
  }
}

/** Canonical text of a condition. */
export function printCondition(c: Condition): string {
  const column = /^[A-Za-z_][\w.]*$/.test(c.column) ? c.column : `\`${c.column}\``
  return `${column} ${c.op} ${typeof c.value === 'string' ? JSON.stringify(c.value) : c.value}`
}

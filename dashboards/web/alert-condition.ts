/**
 * @module dashboards/web/alert-condition
 * A rule's condition in the browser, for the editor's preview: the text form
 * (`p99 > 500ms`, `` `service.errors` != 0 ``, `status == "error"`) as alerts/README.md defines
 * it, and whether a result row meets it. The server checks the rule again when it is saved.
 */
import type { RuleCondition } from './alerts-client.ts'

const OPS = ['>=', '<=', '==', '!=', '>', '<', '='] as const
const DURATION_NS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9, w: 604800e9 }

/** The condition a text means, or an Error saying what is wrong. */
export function parseCondition(text: string): RuleCondition | Error {
  const m = /^\s*(`[^`]+`|[A-Za-z_][\w.]*)\s*(>=|<=|==|!=|>|<|=)\s*(.+?)\s*$/.exec(text)
  if (m === null) return new Error(`cannot read condition ${JSON.stringify(text)}: expected <column> <op> <value>, like p99 > 500ms`)
  const column = m[1].startsWith('`') ? m[1].slice(1, -1) : m[1]
  const op = m[2] === '=' ? '==' : m[2]
  const raw = m[3]
  if (/^".*"$/.test(raw)) {
    if (op !== '==' && op !== '!=') return new Error(`cannot read condition: a string compares with == or != only`)
    return { column, op, value: JSON.parse(raw) as string }
  }
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) return { column, op, value: Number(raw) }
  const d = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h|d|w)$/.exec(raw)
  if (d) return { column, op, value: Number(d[1]) * DURATION_NS[d[2]] }
  return new Error(`cannot read condition: ${JSON.stringify(raw)} is not a number, a duration or a "string"`)
}

/** The text form of a condition (what the editor shows for a stored rule). */
export function conditionText(c: RuleCondition): string {
  const column = /^[A-Za-z_][\w.]*$/.test(c.column) ? c.column : `\`${c.column}\``
  return `${column} ${c.op} ${typeof c.value === 'string' ? JSON.stringify(c.value) : String(c.value)}`
}

/** True when a row's value meets the condition; an absent (null) value never does. */
export function meets(c: RuleCondition, value: unknown): boolean {
  if (value === null || value === undefined) return false
  if (typeof c.value === 'string') return c.op === '==' ? String(value) === c.value : c.op === '!=' ? String(value) !== c.value : false
  const v = Number(value)
  if (Number.isNaN(v)) return false
  switch (c.op) {
    case '>': return v > c.value
    case '>=': return v >= c.value
    case '<': return v < c.value
    case '<=': return v <= c.value
    case '==': return v === c.value
    case '!=': return v !== c.value
  }
  return false
}

export const CONDITION_OPS = OPS

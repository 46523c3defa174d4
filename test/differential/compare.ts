/**
 * @module test/differential/compare
 * Equal answers, BlazeDB's and DuckDB's: cells normalised by BlazeDB's column type (a time is
 * RFC 3339 on both sides, an id lowercase hex, an integer a number), rows compared as
 * multisets, or in order when the SQL orders them. Integers, strings, ids and times must be
 * exactly equal; other numbers within a relative 1e-9 (sums of doubles depend on the order of
 * addition).
 */
import { formatTime } from '../../query/lexer.ts'

export interface Answer {
  readonly columns: readonly { name: string; type: string }[]
  readonly rows: readonly (readonly unknown[])[]
}

type Cell = string | number | boolean | null | unknown[] | Record<string, unknown>

/** A DuckDB cell as BlazeDB's JSON would show it, given BlazeDB's column type. */
function normalize(v: unknown, type: string | undefined): Cell {
  if (v === null || v === undefined) return null
  if (type === 'time' && (typeof v === 'bigint' || typeof v === 'number')) return formatTime(BigInt(v))
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v)
  return v as Cell
}

function close(a: Cell, b: Cell): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isInteger(a) && Number.isInteger(b) && Math.abs(a) < 2 ** 53) return a === b
    return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b))
  }
  return JSON.stringify(a) === JSON.stringify(b)
}

/** A sort key that rounds doubles, so rows equal within tolerance sort alike. */
function rowKey(row: readonly Cell[]): string {
  return JSON.stringify(row.map((c) => (typeof c === 'number' && !Number.isInteger(c) ? Number(c.toPrecision(9)) : c)))
}

/** Why two answers differ, or undefined when they agree. */
export function difference(blaze: Answer, duck: Answer, ordered: boolean): string | undefined {
  if (blaze.columns.length !== duck.columns.length) return `columns: BlazeDB ${blaze.columns.length} (${blaze.columns.map((c) => c.name)}), SQL ${duck.columns.length}`
  const types = blaze.columns.map((c) => c.type)
  const a = blaze.rows.map((r) => r.map((v) => normalize(v, undefined)))
  const b = duck.rows.map((r) => r.map((v, k) => normalize(v, types[k])))
  if (a.length !== b.length) return `rows: BlazeDB ${a.length}, SQL ${b.length}\n  BlazeDB first: ${show(a.slice(0, 3))}\n  SQL first: ${show(b.slice(0, 3))}`
  const [x, y] = ordered ? [a, b] : [[...a].sort((p, q) => cmp(rowKey(p), rowKey(q))), [...b].sort((p, q) => cmp(rowKey(p), rowKey(q)))]
  for (let i = 0; i < x.length; i++) {
    if (!x[i].every((c, k) => close(c, y[i][k]))) return `row ${i}${ordered ? '' : ' (sorted)'}: BlazeDB ${show([x[i]])}, SQL ${show([y[i]])}`
  }
  return undefined
}

const cmp = (p: string, q: string): number => (p < q ? -1 : p > q ? 1 : 0)
const show = (rows: unknown[]): string => JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))

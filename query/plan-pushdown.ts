/**
 * @module query/plan-pushdown
 * What leading `where` conditions let Store.scan skip: time bounds narrow the scan's range,
 * equalities and bounds on intrinsic columns become ScanConditions. A hint only: the executor
 * still filters every row.
 */
import { hexToBytes, INTRINSIC_COLUMN_KINDS, TIME_COLUMN, type ColumnCondition, type ScanCondition, type Signal } from '../storage/index.ts'
import type { Expr } from './ast.ts'
import { resolveField, type Scope } from './fields.ts'

/** The scan a query will make, as its leading stages narrow it. */
export interface Pushdown {
  readonly signal: Signal
  readonly range: { start?: bigint; end?: bigint }
  readonly where: ScanCondition[]
}

/** Narrows `range` to [start, end) where they are given. */
export function narrow(range: { start?: bigint; end?: bigint }, start?: bigint, end?: bigint): void {
  if (start !== undefined && (range.start === undefined || start > range.start)) range.start = start
  if (end !== undefined && (range.end === undefined || end < range.end)) range.end = end
}

/** The operands of a chain of `and`s. */
export function conjuncts(e: Expr): Expr[] {
  return e.kind === 'Binary' && e.op === 'and' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e]
}

/** True for a storage column of `signal` held as u32: its conditions compare with plain numbers. */
function isU32(signal: Signal, column: string): boolean {
  return (INTRINSIC_COLUMN_KINDS[signal] as Readonly<Record<string, string>>)[column] === 'u32'
}

/** Turns one conjunct of a leading `where` into a range bound or a scan condition, if it can. */
export function pushConjunct(e: Expr, scope: Scope, push: Pushdown): void {
  const { signal, range, where: out } = push
  if (e.kind === 'In' && !e.negated && e.operand.kind === 'Field' && e.values.every((v) => v.type === 'string')) {
    const ref = resolveField(e.operand.path, scope)
    const values = e.values.map((v) => v.value as string)
    if (ref.kind === 'column' && ref.type === 'string') out.push({ op: 'in', column: ref.column, values })
    else if (ref.kind === 'attr' && ref.columns.length > 0) out.push(anyColumn(ref.columns, (column) => ({ op: 'in', column, values })))
    return
  }
  if (e.kind !== 'Binary' || !['=', '<', '<=', '>', '>='].includes(e.op)) return
  const flipped = e.left.kind === 'Literal'
  const f = flipped ? e.right : e.left
  const lit = flipped ? e.left : e.right
  if (f.kind !== 'Field' || lit.kind !== 'Literal') return
  const flip: Record<string, string> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' }
  const op = (flipped ? flip[e.op] : e.op) as '=' | '<' | '<=' | '>' | '>='
  const ref = resolveField(f.path, scope)
  const value = lit.value
  if (ref.kind === 'column' && ref.column === TIME_COLUMN[signal] && typeof value === 'bigint') {
    if (op === '>=' || op === '>') narrow(range, value + (op === '>' ? 1n : 0n), undefined)
    else if (op === '<' || op === '<=') narrow(range, undefined, value + (op === '<=' ? 1n : 0n))
    else narrow(range, value, value + 1n)
    return
  }
  const scanOp = ({ '=': 'eq', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' } as const)[op]
  if (ref.kind === 'column' && ref.type === 'number' && typeof value === 'number' && isU32(signal, ref.column)) {
    out.push(scanOp === 'eq' ? { op: 'eq', column: ref.column, value } : { op: scanOp, column: ref.column, value })
  } else if (op !== '=') {
    return
  } else if (ref.kind === 'column' && ref.type === 'string' && typeof value === 'string') {
    out.push({ op: 'eq', column: ref.column, value })
  } else if (ref.kind === 'column' && ref.type === 'id' && typeof value === 'string' && hexToBytes(value) !== undefined) {
    out.push({ op: 'eq', column: ref.column, value: hexToBytes(value)! })
  } else if (ref.kind === 'enum' && typeof value === 'string' && ref.names.includes(value)) {
    out.push({ op: 'eq', column: ref.column, value: ref.names.indexOf(value) })
  } else if (ref.kind === 'attr' && ref.columns.length > 0 && typeof value === 'string') {
    out.push(anyColumn(ref.columns, (column) => ({ op: 'eq', column, value })))
  }
}

/** The condition on a field read from the first present of `columns`: it holds on one of them. */
function anyColumn(columns: readonly string[], cond: (column: string) => ColumnCondition): ScanCondition {
  return columns.length === 1 ? cond(columns[0]) : { op: 'any', of: columns.map(cond) }
}

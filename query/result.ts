/**
 * @module query/result
 * Turns the batches a plan produces into the answer: named, typed columns and JSON rows.
 * Raw rows (a query without select or stats at the end) show every field under its display
 * name; columns missing from some batches are null there.
 */
import { cellValue, type Batch, type Column } from '../storage/index.ts'
import type { Scope } from './fields.ts'
import { displayBatch } from './op-select.ts'
import { jsonCell, type ValueType } from './vec.ts'

export interface ResultColumn {
  readonly name: string
  readonly type: ValueType
}

/** Collects result rows up to a cap. */
export class ResultBuilder {
  readonly columns: ResultColumn[] = []
  readonly rows: unknown[][] = []
  private readonly index = new Map<string, number>()
  private readonly scope: Scope
  private readonly cap: number
  truncated = false

  constructor(scope: Scope, cap: number) {
    this.scope = scope
    this.cap = cap
    // Derived columns come in the order the query names them, even before any row.
    if (scope.signal === undefined) for (const [name, type] of Object.entries(scope.columns ?? {})) this.column(name, type)
  }

  /** True once the cap is reached: the caller stops reading. */
  get full(): boolean {
    return this.rows.length >= this.cap
  }

  private column(name: string, type: ValueType): number {
    let k = this.index.get(name)
    if (k === undefined) {
      k = this.columns.push({ name, type }) - 1
      this.index.set(name, k)
    } else if (this.columns[k].type === 'any' && type !== 'any') {
      this.columns[k] = { name, type }
    }
    return k
  }

  /** Adds the rows of one batch; returns false when the cap cut it short. */
  add(batch: Batch): boolean {
    const shown = this.scope.signal !== undefined ? displayBatch(batch, this.scope) : { batch, types: {} as Record<string, ValueType> }
    const cols: [number, Column, ValueType][] = []
    for (const [name, c] of Object.entries(shown.batch.columns)) {
      const declared = shown.types[name] ?? this.scope.columns?.[name] ?? 'any'
      const type = declared === 'any' ? kindType(c) : declared
      cols.push([this.column(name, type), c, type])
    }
    for (let i = 0; i < batch.length; i++) {
      if (this.full) {
        this.truncated = true
        return false
      }
      const row = new Array<unknown>(this.columns.length).fill(null)
      for (const [k, c, type] of cols) row[k] = jsonCell(cellValue(c, i), type)
      this.rows.push(row)
    }
    return true
  }

  /** Rows padded to the final column count. */
  finish(): unknown[][] {
    const width = this.columns.length
    for (const row of this.rows) while (row.length < width) row.push(null)
    return this.rows
  }
}

/** The type a column's storage kind implies when nothing else says. */
function kindType(c: Column): ValueType {
  switch (c.kind) {
    case 'i64':
      return 'time'
    case 'str':
      return 'string'
    case 'bool':
      return 'bool'
    case 'bytes':
      return 'id'
    case 'any':
      return 'any'
    case 'i64list':
    case 'f64list':
      return 'list'
    default:
      return 'number'
  }
}

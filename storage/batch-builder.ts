/**
 * @module storage/batch-builder
 * Builds a columnar Batch row by row. Ingest decodes into it; tests use it to make data.
 * A column may be set on any subset of rows: rows never set are absent (the column is sparse).
 */
import type { AnyValue, Batch, Column, Signal } from './model.ts'

const INITIAL_CAPACITY = 64

type NumArray = Uint32Array | Int32Array | Float64Array | BigInt64Array | Uint8Array

function grow<T extends NumArray>(array: T, need: number): T {
  if (need <= array.length) return array
  let size = Math.max(array.length * 2, INITIAL_CAPACITY)
  while (size < need) size *= 2
  const next = new (array.constructor as new (n: number) => T)(size)
  next.set(array as never)
  return next
}

/** The attribute value kinds a typed attribute column can hold before it falls back to `any`. */
type ScalarKind = 'str' | 'bool' | 'i64' | 'f64'

function scalarKindOf(value: AnyValue): ScalarKind | undefined {
  switch (typeof value) {
    case 'string':
      return 'str'
    case 'boolean':
      return 'bool'
    case 'bigint':
      return 'i64'
    case 'number':
      return 'f64'
    default:
      return undefined
  }
}

/** One column under construction. Rows not set are absent. */
class ColumnBuilder {
  kind: Column['kind']
  present = new Uint8Array(INITIAL_CAPACITY)
  presentCount = 0
  u32 = new Uint32Array(0)
  i32 = new Int32Array(0)
  i64 = new BigInt64Array(0)
  f64 = new Float64Array(0)
  u8 = new Uint8Array(0)
  codes = new Uint32Array(0)
  dict: string[] = []
  dictIndex = new Map<string, number>()
  width = 0
  offsets: number[] = [0]
  listRows: number[] = []
  any: (AnyValue | undefined)[] = []

  constructor(kind: Column['kind'], width = 0) {
    this.kind = kind
    this.width = width
  }

  mark(row: number): void {
    this.present = grow(this.present, row + 1)
    if (this.present[row] === 0) this.presentCount++
    this.present[row] = 1
  }
}

/**
 * Builds one Batch. Call `setX(column, row, value)` for every cell; `finish(rows)` returns the
 * batch. Setting a cell twice keeps the last value. Not safe to use after `finish`.
 *
 * @example
 * const b = new BatchBuilder('logs')
 * b.setI64('timeUnixNano', 0, 1793491200000000000n)
 * b.setStr('body', 0, 'hello')
 * const batch = b.finish(1)
 */
export class BatchBuilder {
  readonly signal: Signal
  private readonly columns = new Map<string, ColumnBuilder>()

  constructor(signal: Signal) {
    this.signal = signal
  }

  private column(name: string, kind: Column['kind'], width = 0): ColumnBuilder {
    let c = this.columns.get(name)
    if (c === undefined) {
      c = new ColumnBuilder(kind, width)
      this.columns.set(name, c)
    } else if (c.kind !== kind) {
      throw new TypeError(`cannot set column ${name}: it holds ${c.kind}, not ${kind}`)
    }
    return c
  }

  setU32(name: string, row: number, value: number): void {
    const c = this.column(name, 'u32')
    c.u32 = grow(c.u32, row + 1)
    c.u32[row] = value
    c.mark(row)
  }

  setI32(name: string, row: number, value: number): void {
    const c = this.column(name, 'i32')
    c.i32 = grow(c.i32, row + 1)
    c.i32[row] = value
    c.mark(row)
  }

  setI64(name: string, row: number, value: bigint): void {
    const c = this.column(name, 'i64')
    c.i64 = grow(c.i64, row + 1)
    c.i64[row] = value
    c.mark(row)
  }

  setF64(name: string, row: number, value: number): void {
    const c = this.column(name, 'f64')
    c.f64 = grow(c.f64, row + 1)
    c.f64[row] = value
    c.mark(row)
  }

  setBool(name: string, row: number, value: boolean): void {
    const c = this.column(name, 'bool')
    c.u8 = grow(c.u8, row + 1)
    c.u8[row] = value ? 1 : 0
    c.mark(row)
  }

  setStr(name: string, row: number, value: string): void {
    const c = this.column(name, 'str')
    c.codes = grow(c.codes, row + 1)
    let code = c.dictIndex.get(value)
    if (code === undefined) {
      code = c.dict.length
      c.dict.push(value)
      c.dictIndex.set(value, code)
    }
    c.codes[row] = code
    c.mark(row)
  }

  /** Sets a fixed-width byte string; `value.length` must equal `width`. */
  setBytes(name: string, row: number, width: number, value: Uint8Array): void {
    if (value.length !== width) throw new RangeError(`cannot set ${name}: ${value.length} bytes, expected ${width}`)
    const c = this.column(name, 'bytes', width)
    c.u8 = grow(c.u8, (row + 1) * width)
    c.u8.set(value, row * width)
    c.mark(row)
  }

  /** Sets a list cell. Lists must be set in increasing row order. */
  setI64List(name: string, row: number, values: ArrayLike<bigint>): void {
    this.setList(this.column(name, 'i64list'), row, values, 'i64')
  }

  /** Sets a list cell. Lists must be set in increasing row order. */
  setF64List(name: string, row: number, values: ArrayLike<number>): void {
    this.setList(this.column(name, 'f64list'), row, values, 'f64')
  }

  private setList(c: ColumnBuilder, row: number, values: ArrayLike<number | bigint>, into: 'i64' | 'f64'): void {
    const last = c.listRows.length === 0 ? -1 : c.listRows[c.listRows.length - 1]
    if (row <= last) throw new RangeError(`cannot set list cell at row ${row}: lists are set in increasing row order`)
    const start = c.offsets[c.offsets.length - 1]
    if (into === 'i64') {
      c.i64 = grow(c.i64, start + values.length)
      for (let i = 0; i < values.length; i++) c.i64[start + i] = values[i] as bigint
    } else {
      c.f64 = grow(c.f64, start + values.length)
      for (let i = 0; i < values.length; i++) c.f64[start + i] = values[i] as number
    }
    c.listRows.push(row)
    c.offsets.push(start + values.length)
    c.mark(row)
  }

  /** Sets a general value (events, links, exemplars, structured bodies). */
  setAny(name: string, row: number, value: AnyValue): void {
    const c = this.column(name, 'any')
    c.any[row] = value
    c.mark(row)
  }

  /**
   * Sets an attribute: the column keeps a scalar type while every value has it and becomes
   * `any` at the first value of another type (an attribute key may carry mixed types).
   */
  setAttribute(name: string, row: number, value: AnyValue): void {
    const kind = scalarKindOf(value)
    const existing = this.columns.get(name)
    if (existing !== undefined && existing.kind !== kind && existing.kind !== 'any') {
      this.columns.set(name, toAnyBuilder(existing))
    }
    const c = this.columns.get(name)
    if (kind === undefined || c?.kind === 'any') return this.setAny(name, row, value)
    switch (kind) {
      case 'str':
        return this.setStr(name, row, value as string)
      case 'bool':
        return this.setBool(name, row, value as boolean)
      case 'i64':
        return this.setI64(name, row, value as bigint)
      case 'f64':
        return this.setF64(name, row, value as number)
    }
  }

  /** Ends the batch with `rows` rows and returns it. */
  finish(rows: number): Batch {
    const columns: Record<string, Column> = {}
    for (const [name, c] of this.columns) columns[name] = finishColumn(c, rows)
    return { signal: this.signal, length: rows, columns }
  }
}

function toAnyBuilder(c: ColumnBuilder): ColumnBuilder {
  const built = finishColumn(c, c.present.length)
  const out = new ColumnBuilder('any')
  for (let row = 0; row < c.present.length; row++) {
    if (c.present[row] !== 1) continue
    out.any[row] = scalarCell(built, row)
    out.mark(row)
  }
  return out
}

function scalarCell(column: Column, row: number): AnyValue {
  switch (column.kind) {
    case 'str':
      return column.dict[column.codes[row]]
    case 'bool':
      return column.values[row] === 1
    case 'i64':
    case 'f64':
      return column.values[row]
    default:
      throw new TypeError(`cannot convert ${column.kind} to an attribute value`)
  }
}

function finishColumn(c: ColumnBuilder, rows: number): Column {
  const dense = c.presentCount === rows
  const present = dense ? undefined : grow(c.present, rows).slice(0, rows)
  switch (c.kind) {
    case 'u32':
      return { kind: 'u32', values: grow(c.u32, rows).slice(0, rows), present }
    case 'i32':
      return { kind: 'i32', values: grow(c.i32, rows).slice(0, rows), present }
    case 'i64':
      return { kind: 'i64', values: grow(c.i64, rows).slice(0, rows), present }
    case 'f64':
      return { kind: 'f64', values: grow(c.f64, rows).slice(0, rows), present }
    case 'bool':
      return { kind: 'bool', values: grow(c.u8, rows).slice(0, rows), present }
    case 'str':
      return { kind: 'str', dict: c.dict, codes: grow(c.codes, rows).slice(0, rows), present }
    case 'bytes':
      return { kind: 'bytes', width: c.width, values: grow(c.u8, rows * c.width).slice(0, rows * c.width), present }
    case 'i64list':
    case 'f64list': {
      const offsets = new Uint32Array(rows + 1)
      let li = 0
      let end = 0
      for (let row = 0; row < rows; row++) {
        offsets[row] = end
        if (li < c.listRows.length && c.listRows[li] === row) {
          end = c.offsets[li + 1]
          li++
        }
      }
      offsets[rows] = end
      return c.kind === 'i64list'
        ? { kind: 'i64list', offsets, values: c.i64.slice(0, end), present }
        : { kind: 'f64list', offsets, values: c.f64.slice(0, end), present }
    }
    case 'any': {
      const values = new Array<AnyValue | undefined>(rows)
      for (let row = 0; row < rows; row++) values[row] = c.any[row]
      return { kind: 'any', values, present }
    }
  }
}

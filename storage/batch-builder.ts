/**
 * @module storage/batch-builder
 * Builds a columnar Batch cell by cell, looking each column up by name: the convenient way for
 * tests, examples and producers of a few rows. It writes through the fast column writers
 * (build/column-set.ts), which producers of many rows use directly.
 * A column may be set on any subset of rows: rows never set are absent (the column is sparse).
 */
import { AttrWriter } from './build/column-set.ts'
import { AnyWriter, BytesWriter, I64Writer, NumWriter, StrWriter, type Writer } from './build/column-writers.ts'
import { ListWriter } from './build/list-writer.ts'
import type { AnyValue, Batch, Column, Signal } from './model.ts'

type Kind = Column['kind']

/** A column under construction: its writer, and the kind it was made for. */
type Entry =
  | { kind: 'u32' | 'i32' | 'f64' | 'bool'; writer: NumWriter<'u32' | 'i32' | 'f64' | 'bool'> }
  | { kind: 'i64'; writer: I64Writer }
  | { kind: 'str'; writer: StrWriter }
  | { kind: 'bytes'; writer: BytesWriter }
  | { kind: 'i64list' | 'f64list'; writer: ListWriter; lastRow: number }
  | { kind: 'any'; writer: AnyWriter }
  | { kind: 'attribute'; writer: AttrWriter }

function kindOf(e: Entry): Kind {
  if (e.kind !== 'attribute') return e.kind
  return e.writer.kind === 'str' || e.writer.kind === 'bool' || e.writer.kind === 'f64' || e.writer.kind === 'i64' ? e.writer.kind : 'any'
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
  private readonly columns = new Map<string, Entry>()

  constructor(signal: Signal) {
    this.signal = signal
  }

  private entry<E extends Entry>(name: string, kind: E['kind'], make: () => E): E {
    const e = this.columns.get(name)
    if (e === undefined) {
      const made = make()
      this.columns.set(name, made)
      return made
    }
    if (e.kind !== kind) throw new TypeError(`cannot set column ${name}: it holds ${kindOf(e)}, not ${kind === 'attribute' ? 'an attribute' : kind}`)
    return e as E
  }

  private num<K extends 'u32' | 'i32' | 'f64' | 'bool'>(name: string, kind: K): NumWriter<K> {
    return this.entry(name, kind, () => ({ kind, writer: new NumWriter(kind) })).writer as NumWriter<K>
  }

  setU32(name: string, row: number, value: number): void {
    this.num(name, 'u32').set(row, value)
  }

  setI32(name: string, row: number, value: number): void {
    this.num(name, 'i32').set(row, value)
  }

  setI64(name: string, row: number, value: bigint): void {
    this.entry(name, 'i64', () => ({ kind: 'i64', writer: new I64Writer() })).writer.set(row, value)
  }

  setF64(name: string, row: number, value: number): void {
    this.num(name, 'f64').set(row, value)
  }

  setBool(name: string, row: number, value: boolean): void {
    this.num(name, 'bool').set(row, value ? 1 : 0)
  }

  setStr(name: string, row: number, value: string): void {
    this.entry(name, 'str', () => ({ kind: 'str', writer: new StrWriter() })).writer.set(row, value)
  }

  /** Sets a fixed-width byte string; `value.length` must equal `width`. */
  setBytes(name: string, row: number, width: number, value: Uint8Array): void {
    if (value.length !== width) throw new RangeError(`cannot set ${name}: ${value.length} bytes, expected ${width}`)
    const w = this.entry(name, 'bytes', () => ({ kind: 'bytes', writer: new BytesWriter(width) })).writer
    if (w.width !== width) throw new RangeError(`cannot set ${name}: ${width} bytes, the column holds ${w.width}`)
    w.set(row, value)
  }

  /** Sets a list cell. Lists must be set in increasing row order. */
  setI64List(name: string, row: number, values: ArrayLike<bigint>): void {
    const w = this.list(name, 'i64list', row)
    for (let i = 0; i < values.length; i++) w.pushI64(values[i])
  }

  /** Sets a list cell. Lists must be set in increasing row order. */
  setF64List(name: string, row: number, values: ArrayLike<number>): void {
    const w = this.list(name, 'f64list', row)
    for (let i = 0; i < values.length; i++) w.pushF64(values[i])
  }

  private list(name: string, kind: 'i64list' | 'f64list', row: number): ListWriter {
    const e = this.entry(name, kind, () => ({ kind, writer: new ListWriter(kind), lastRow: -1 }))
    if (row <= e.lastRow) throw new RangeError(`cannot set list cell at row ${row}: lists are set in increasing row order`)
    e.lastRow = row
    e.writer.open(row)
    return e.writer
  }

  /** Sets a general value (events, links, exemplars, structured bodies). */
  setAny(name: string, row: number, value: AnyValue): void {
    this.entry(name, 'any', () => ({ kind: 'any', writer: new AnyWriter() })).writer.set(row, value)
  }

  /**
   * Sets an attribute: the column keeps a scalar type while every value has it and becomes
   * `any` at the first value of another type (an attribute key may carry mixed types).
   */
  setAttribute(name: string, row: number, value: AnyValue): void {
    this.entry(name, 'attribute', () => ({ kind: 'attribute', writer: new AttrWriter() })).writer.set(row, value)
  }

  /** Ends the batch with `rows` rows and returns it. */
  finish(rows: number): Batch {
    const columns: Record<string, Column> = {}
    for (const [name, e] of this.columns) {
      const writer: Writer | undefined = e.kind === 'attribute' ? e.writer.inner : e.writer
      if (writer !== undefined) columns[name] = writer.finish(rows)
    }
    return { signal: this.signal, length: rows, columns }
  }
}

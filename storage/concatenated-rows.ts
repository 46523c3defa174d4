/**
 * @module storage/concatenated-rows
 * Rows of several batches taken as if the batches were concatenated (concatBatches), without
 * building the concatenation: a part build gathers each block straight from the head's
 * batches, so it never holds a second copy of everything it writes.
 */
import { columnShapes, concatBatches, newLike, projectBatch, takeColumn, toAnyColumn } from './batch-ops.ts'
import type { AnyValue, Batch, Column, Signal } from './model.ts'

type Kind = Column['kind']

interface Source {
  name: string
  kind: Kind
  width: number
  /** The column in each batch, converted to `kind`; undefined where a batch lacks it. */
  parts: (Column | undefined)[]
}

export class ConcatenatedRows {
  readonly signal: Signal
  readonly length: number
  /** The batch each row comes from, and where each batch's rows start. */
  private readonly batchOf: Uint32Array
  private readonly starts: Uint32Array
  private readonly sources: Source[] = []
  /** String columns, concatenated up front: codes are 4 bytes a row, and one merged dictionary
   * makes taking them a plain gather (the bulky values, lists and ids are gathered from the batches). */
  private readonly strings: Batch

  private readonly batches: readonly Batch[]

  constructor(signal: Signal, batches: readonly Batch[]) {
    this.signal = signal
    this.batches = batches
    this.starts = new Uint32Array(batches.length + 1)
    batches.forEach((b, i) => (this.starts[i + 1] = this.starts[i] + b.length))
    this.length = this.starts[batches.length]
    this.batchOf = new Uint32Array(this.length)
    batches.forEach((_, i) => this.batchOf.fill(i, this.starts[i], this.starts[i + 1]))
    const shapes = columnShapes(batches)
    const stringNames = [...shapes].filter(([, shape]) => shape.kind === 'str').map(([name]) => name)
    this.strings = concatBatches(signal, batches.map((b) => projectBatch(b, stringNames)))
    for (const [name, shape] of shapes) {
      if (shape.kind === 'str') continue
      const parts = batches.map((b) => {
        const c = b.columns[name]
        return c === undefined || c.kind === shape.kind ? c : toAnyColumn(c, b.length)
      })
      this.sources.push({ name, kind: shape.kind, width: shape.width, parts })
    }
  }

  /** Columns `names` (those the batches have) of the whole concatenation, as one batch. */
  columns(names: readonly string[]): Batch {
    const columns: Record<string, Column> = {}
    const others: string[] = []
    for (const name of names) {
      const strings = this.strings.columns[name]
      if (strings !== undefined) columns[name] = strings
      else others.push(name)
    }
    if (others.length > 0) Object.assign(columns, concatBatches(this.signal, this.batches.map((b) => projectBatch(b, others))).columns)
    return { signal: this.signal, length: this.length, columns }
  }

  /**
   * Rows `rows` (indices into the concatenation) as one batch, like
   * takeRows(concatBatches(signal, batches), rows).
   */
  take(rows: ArrayLike<number>): Batch {
    const n = rows.length
    // Where each taken row comes from: its batch and its row there.
    const from = new Uint32Array(n)
    const local = new Uint32Array(n)
    for (let i = 0; i < n; i++) {
      const b = this.batchOf[rows[i]]
      from[i] = b
      local[i] = rows[i] - this.starts[b]
    }
    const columns: Record<string, Column> = {}
    for (const name in this.strings.columns) columns[name] = takeColumn(this.strings.columns[name], rows)
    for (const source of this.sources) columns[source.name] = takeColumnAcross(source, from, local)
    return { signal: this.signal, length: n, columns }
  }
}

/** Presence of the taken rows; undefined when every one holds a value. */
function takePresence(parts: (Column | undefined)[], from: Uint32Array, local: Uint32Array): Uint8Array | undefined {
  if (parts.every((c) => c !== undefined && c.present === undefined)) return undefined
  // Per batch: its presence bytes, ALL_PRESENT, or undefined (the batch lacks the column).
  const marks = parts.map((c) => (c === undefined ? undefined : (c.present ?? ALL_PRESENT)))
  const n = from.length
  const present = new Uint8Array(n)
  let all = true
  for (let i = 0; i < n; i++) {
    const m = marks[from[i]]
    const p = m === undefined ? 0 : m === ALL_PRESENT ? 1 : m[local[i]]
    present[i] = p
    if (p !== 1) all = false
  }
  return all ? undefined : present
}

const ALL_PRESENT = new Uint8Array(0)

/*
 * The loops below read each batch's arrays through plain lists built before the loop, all of
 * one array type per loop (fixed-width values copied as 32-bit words or bytes): the per-row
 * reads then stay monomorphic, which matters at a million rows per flush.
 */

function words(values: ArrayBufferView): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.byteLength >>> 2)
}

function bytes(values: ArrayBufferView): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
}

/** Copies `width` units per row from each row's batch (`src`) into `out`; absent batches leave zeros. */
function copyUnits<T extends Uint32Array | Uint8Array>(out: T, src: (T | undefined)[], width: number, from: Uint32Array, local: Uint32Array): void {
  const n = from.length
  if (width === 1) {
    for (let i = 0; i < n; i++) {
      const v = src[from[i]]
      if (v !== undefined) out[i] = v[local[i]]
    }
    return
  }
  for (let i = 0, at = 0; i < n; i++, at += width) {
    const v = src[from[i]]
    if (v === undefined) continue
    const start = local[i] * width
    for (let j = 0; j < width; j++) out[at + j] = v[start + j]
  }
}

function takeColumnAcross(source: Source, from: Uint32Array, local: Uint32Array): Column {
  const { parts, kind } = source
  const n = from.length
  const present = takePresence(parts, from, local)
  const first = parts.find((c) => c !== undefined) as Column
  switch (first.kind) {
    case 'u32':
    case 'i32':
    case 'f64':
    case 'i64': {
      const values = newLike(first.values, n)
      const width = first.values.BYTES_PER_ELEMENT >>> 2
      copyUnits(words(values), parts.map((c) => (c === undefined ? undefined : words((c as typeof first).values))), width, from, local)
      return { kind, values, present } as Column
    }
    case 'bool':
    case 'bytes': {
      const width = first.kind === 'bytes' ? first.width : 1
      const values = new Uint8Array(n * width)
      copyUnits(values, parts.map((c) => (c === undefined ? undefined : bytes((c as typeof first).values))), width, from, local)
      return first.kind === 'bytes' ? { kind: 'bytes', width, values, present } : { kind: 'bool', values, present }
    }
    case 'str':
      throw new Error('cannot gather a string column across batches: string columns are concatenated up front')
    case 'i64list':
    case 'f64list':
      return takeLists(parts as (typeof first | undefined)[], from, local, present)
    case 'any': {
      const lists = parts.map((c) => (c as typeof first | undefined)?.values)
      const values = new Array<AnyValue | undefined>(n)
      for (let i = 0; i < n; i++) values[i] = lists[from[i]]?.[local[i]]
      return { kind: 'any', values, present }
    }
  }
}

function takeLists(parts: (Extract<Column, { kind: 'i64list' | 'f64list' }> | undefined)[], from: Uint32Array, local: Uint32Array, present: Uint8Array | undefined): Column {
  const n = from.length
  const first = parts.find((c) => c !== undefined) as Extract<Column, { kind: 'i64list' | 'f64list' }>
  const partOffsets = parts.map((c) => c?.offsets)
  const offsets = new Uint32Array(n + 1)
  let total = 0
  for (let i = 0; i < n; i++) {
    offsets[i] = total
    const o = partOffsets[from[i]]
    if (o !== undefined) total += o[local[i] + 1] - o[local[i]]
  }
  offsets[n] = total
  // Copied as 32-bit words: both element types are 8 bytes wide.
  const values = newLike(first.values, total)
  const out = words(values)
  const partWords = parts.map((c) => (c === undefined ? undefined : words(c.values)))
  for (let i = 0, at = 0; i < n; i++) {
    const o = partOffsets[from[i]]
    if (o === undefined) continue
    const src = partWords[from[i]] as Uint32Array
    const end = 2 * o[local[i] + 1]
    for (let j = 2 * o[local[i]]; j < end; j++) out[at++] = src[j]
  }
  return { kind: first.kind, offsets, values, present } as Column
}

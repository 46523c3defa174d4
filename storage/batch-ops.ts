/**
 * @module storage/batch-ops
 * Whole-batch operations: pick rows, concatenate, project, split. Pure functions over the
 * columnar model; they never modify their inputs.
 */
import type { AnyValue, Batch, Column, Signal } from './model.ts'
import { cellValue, columnLength } from './model.ts'
import { utf8Column, utf8Subset } from './utf8-strings.ts'

type TypedArray = Uint8Array | Uint32Array | Int32Array | Float64Array | BigInt64Array

/** A zeroed typed array of the same type as `like`, `n` elements long. */
export function newLike<T extends TypedArray>(like: T, n: number): T {
  return new (like.constructor as new (n: number) => T)(n)
}

/** A new batch with only `columns` (those the batch has). */
export function projectBatch(batch: Batch, columns: readonly string[] | undefined): Batch {
  if (columns === undefined) return batch
  const out: Record<string, Column> = {}
  for (const name of columns) {
    const c = batch.columns[name]
    if (c !== undefined) out[name] = c
  }
  return { signal: batch.signal, length: batch.length, columns: out }
}

/** A new batch holding rows `rows` (indices into `batch`, in the order given). */
export function takeRows(batch: Batch, rows: ArrayLike<number>): Batch {
  const out: Record<string, Column> = {}
  for (const name in batch.columns) out[name] = takeColumn(batch.columns[name], rows)
  return { signal: batch.signal, length: rows.length, columns: out }
}

/**
 * Rows [from, to) of `batch` without copying them: typed arrays are views of the batch's (list
 * columns keep their whole values array; their offsets stay absolute), dictionaries are shared
 * (but for fewer rows than entries of UTF-8 strings: those rows' entries are copied).
 * Contract: the slice shares memory with `batch`; neither may be written to (batches are
 * immutable once built).
 */
export function sliceRows(batch: Batch, from: number, to: number): Batch {
  const out: Record<string, Column> = {}
  for (const name in batch.columns) out[name] = sliceColumn(batch.columns[name], from, to)
  return { signal: batch.signal, length: to - from, columns: out }
}

function sliceColumn(column: Column, from: number, to: number): Column {
  const present = column.present?.subarray(from, to)
  switch (column.kind) {
    case 'str':
      if (column.utf8 !== undefined) {
        // A few rows of a block's bodies (`limit 20`) copy theirs rather than share all of them.
        if (column.utf8.offsets.length - 1 <= to - from) return utf8Column(column.utf8, column.codes.subarray(from, to), present)
        const codes = column.codes.slice(from, to)
        return utf8Column(utf8Subset(column.utf8, codes), codes, present)
      }
      return { kind: 'str', dict: column.dict, codes: column.codes.subarray(from, to), present }
    case 'bytes':
      return { kind: 'bytes', width: column.width, values: column.values.subarray(from * column.width, to * column.width), present }
    case 'i64list':
    case 'f64list':
      return { kind: column.kind, offsets: column.offsets.subarray(from, to + 1), values: column.values, present } as Column
    case 'any':
      return { kind: 'any', values: column.values.slice(from, to), present }
    default:
      return { kind: column.kind, values: column.values.subarray(from, to), present } as Column
  }
}

function takePresent(present: Uint8Array | undefined, rows: ArrayLike<number>): Uint8Array | undefined {
  if (present === undefined) return undefined
  const out = new Uint8Array(rows.length)
  let all = true
  for (let i = 0; i < rows.length; i++) {
    out[i] = present[rows[i]]
    if (out[i] !== 1) all = false
  }
  return all ? undefined : out
}

/** Column `column` restricted to `rows`, in that order. */
export function takeColumn(column: Column, rows: ArrayLike<number>): Column {
  const n = rows.length
  const present = takePresent(column.present, rows)
  switch (column.kind) {
    case 'i64': {
      // Copied as 32-bit words: reading an element of a BigInt64Array makes a BigInt.
      const values = new BigInt64Array(n)
      const src = new Uint32Array(column.values.buffer, column.values.byteOffset, column.values.length * 2)
      const out = new Uint32Array(values.buffer)
      for (let i = 0; i < n; i++) {
        const at = 2 * rows[i]
        out[2 * i] = src[at]
        out[2 * i + 1] = src[at + 1]
      }
      return { kind: 'i64', values, present }
    }
    case 'u32':
    case 'i32':
    case 'f64':
    case 'bool': {
      const values = newLike(column.values, n)
      if (values instanceof Uint8Array) takeBytes(column.values as Uint8Array, values, 1, rows)
      else takeWords(words(column.values), words(values), values.BYTES_PER_ELEMENT >>> 2, rows)
      return { kind: column.kind, values, present } as Column
    }
    case 'str':
      if (column.utf8 !== undefined) {
        // Bytes stay bytes: a taken subset of a block's bodies copies the entries its rows use.
        const codes = takeCodes(column.codes, rows)
        return column.utf8.offsets.length - 1 > n ? utf8Column(utf8Subset(column.utf8, codes), codes, present) : utf8Column(column.utf8, codes, present)
      }
      return column.dict.length > n ? takeCompactStrings(column, rows, present) : { kind: 'str', dict: column.dict, codes: takeCodes(column.codes, rows), present }
    case 'bytes': {
      const w = column.width
      const values = new Uint8Array(n * w)
      // Ids (8 or 16 bytes) as 32-bit words where they are aligned.
      if (w % 4 === 0 && column.values.byteOffset % 4 === 0) takeWords(words(column.values), words(values), w >>> 2, rows)
      else takeBytes(column.values, values, w, rows)
      return { kind: 'bytes', width: w, values, present }
    }
    case 'i64list':
    case 'f64list': {
      const offsets = new Uint32Array(n + 1)
      const srcOffsets = column.offsets
      let total = 0
      for (let i = 0; i < n; i++) {
        offsets[i] = total
        total += srcOffsets[rows[i] + 1] - srcOffsets[rows[i]]
      }
      offsets[n] = total
      // Copied as 32-bit words: both element types are 8 bytes wide.
      const values = newLike(column.values, total)
      const src = new Uint32Array(column.values.buffer, column.values.byteOffset, column.values.length * 2)
      const out = new Uint32Array(values.buffer)
      for (let i = 0, at = 0; i < n; i++) {
        const end = 2 * srcOffsets[rows[i] + 1]
        for (let j = 2 * srcOffsets[rows[i]]; j < end; j++) out[at++] = src[j]
      }
      return { kind: column.kind, offsets, values, present } as Column
    }
    case 'any': {
      const values = new Array<AnyValue | undefined>(n)
      for (let i = 0; i < n; i++) values[i] = column.values[rows[i]]
      return { kind: 'any', values, present }
    }
  }
}

/**
 * The 32-bit words of a typed array (whose byte offset and length are multiples of 4). Rows
 * are copied through these views, one loop per element width: a loop over whichever typed
 * array comes would read elements megamorphically, and a BigInt64Array one BigInt at a time.
 */
function words(a: TypedArray): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.byteLength >>> 2)
}

/** Rows of `per` words each from `src` to `out`, in the order of `rows`. */
function takeWords(src: Uint32Array, out: Uint32Array, per: number, rows: ArrayLike<number>): void {
  const n = rows.length
  if (per === 1) for (let i = 0; i < n; i++) out[i] = src[rows[i]]
  else if (per === 2) {
    for (let i = 0; i < n; i++) {
      const from = rows[i] * 2
      out[2 * i] = src[from]
      out[2 * i + 1] = src[from + 1]
    }
  } else {
    for (let i = 0, at = 0; i < n; i++) for (let from = rows[i] * per, end = from + per; from < end; from++) out[at++] = src[from]
  }
}

/** Byte loops, not subarray + set: rows are a few bytes, shorter than a view costs. */
function takeBytes(src: Uint8Array, out: Uint8Array, w: number, rows: ArrayLike<number>): void {
  for (let i = 0, at = 0; i < rows.length; i++) for (let from = rows[i] * w, end = from + w; from < end; from++) out[at++] = src[from]
}

function takeCodes(codes: Uint32Array, rows: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(rows.length)
  for (let i = 0; i < rows.length; i++) out[i] = codes[rows[i]]
  return out
}

/**
 * A smaller dictionary made from a big one, for a subset of its rows (a block of a big batch):
 * only the strings used, each once, so neither the part writer nor a query drags the big one
 * along. `code` maps a code of the big dictionary to one of `dict`.
 */
export class CompactDictionary {
  readonly dict: string[] = []
  private readonly source: readonly string[]
  /** Code in `dict` of each code of `source`, -1 until seen. */
  private readonly remap: Int32Array
  private readonly index = new Map<string, number>()

  constructor(source: readonly string[]) {
    this.source = source
    this.remap = new Int32Array(source.length).fill(-1)
  }

  code(was: number): number {
    let code = this.remap[was]
    if (code < 0) {
      // The big dictionary may hold a string under several codes (see model.ts): one entry here.
      const s = this.source[was]
      code = this.index.get(s) ?? -1
      if (code < 0) {
        code = this.dict.length
        this.dict.push(s)
        this.index.set(s, code)
      }
      this.remap[was] = code
    }
    return code
  }
}

/** Rows of a string column whose dictionary is larger than the rows taken: a compact dictionary. */
function takeCompactStrings(column: Extract<Column, { kind: 'str' }>, rows: ArrayLike<number>, present: Uint8Array | undefined): Column {
  const n = rows.length
  const compact = new CompactDictionary(column.dict)
  const codes = new Uint32Array(n)
  for (let i = 0; i < n; i++) codes[i] = compact.code(column.codes[rows[i]])
  return { kind: 'str', dict: compact.dict, codes, present }
}

/** A column of `rows` rows, none present: fills batches that lack a column others have. */
function absentColumn(kind: Column['kind'], rows: number, width: number): Column {
  const present = new Uint8Array(rows)
  switch (kind) {
    case 'u32':
      return { kind, values: new Uint32Array(rows), present }
    case 'i32':
      return { kind, values: new Int32Array(rows), present }
    case 'i64':
      return { kind, values: new BigInt64Array(rows), present }
    case 'f64':
      return { kind, values: new Float64Array(rows), present }
    case 'bool':
      return { kind, values: new Uint8Array(rows), present }
    case 'str':
      return { kind, dict: [''], codes: new Uint32Array(rows), present }
    case 'bytes':
      return { kind, width, values: new Uint8Array(rows * width), present }
    case 'i64list':
      return { kind, offsets: new Uint32Array(rows + 1), values: new BigInt64Array(0), present }
    case 'f64list':
      return { kind, offsets: new Uint32Array(rows + 1), values: new Float64Array(0), present }
    case 'any':
      return { kind, values: new Array<AnyValue | undefined>(rows), present }
  }
}

/** `column` as an `any` column (for batches whose columns of one name differ in kind). */
export function toAnyColumn(column: Column, rows: number): Column {
  const values = new Array<AnyValue | undefined>(rows)
  for (let i = 0; i < rows; i++) values[i] = cellValue(column, i)
  return { kind: 'any', values, present: column.present }
}

/** What each column name becomes when batches are joined: its kind, or `any` where kinds differ. */
export function columnShapes(batches: readonly Batch[]): Map<string, { kind: Column['kind']; width: number }> {
  const shapes = new Map<string, { kind: Column['kind']; width: number }>()
  for (const b of batches) {
    for (const name in b.columns) {
      const c = b.columns[name]
      const width = c.kind === 'bytes' ? c.width : 0
      const seen = shapes.get(name)
      if (seen === undefined) shapes.set(name, { kind: c.kind, width })
      else if (seen.kind !== c.kind || seen.width !== width) shapes.set(name, { kind: 'any', width: 0 })
    }
  }
  return shapes
}

/**
 * One batch holding the rows of all `batches` in order. A column missing from some batches is
 * absent in their rows; a column whose kind differs between batches becomes `any`.
 */
export function concatBatches(signal: Signal, batches: readonly Batch[]): Batch {
  if (batches.length === 1) return batches[0]
  const total = batches.reduce((n, b) => n + b.length, 0)
  const shapes = columnShapes(batches)
  const columns: Record<string, Column> = {}
  for (const [name, shape] of shapes) {
    const parts = batches.map((b) => {
      const c = b.columns[name]
      if (c === undefined) return absentColumn(shape.kind, b.length, shape.width)
      return c.kind === shape.kind ? c : toAnyColumn(c, b.length)
    })
    columns[name] = concatColumns(parts, total)
  }
  return { signal, length: total, columns }
}

/**
 * Dictionaries of concatenated string columns are merged (equal strings, one code) unless
 * they hold more than this many entries in all and more than this share of the rows: then
 * they are joined as they are, and a string may appear under several codes.
 */
const DEDUPE_MAX_ENTRIES = 4096
const DEDUPE_MAX_ENTRIES_PER_ROW = 0.5

/**
 * One dictionary for string columns joined from several (`rows` rows in all): the code in it
 * of each code of each dictionary (`remaps[d][code]`). Equal strings share a code, unless the
 * dictionaries are too big to merge for their rows (log bodies): then they are joined as they are.
 */
export function mergeDictionaries(dicts: readonly (readonly string[])[], rows: number): { dict: string[]; remaps: Uint32Array[] } {
  const dict: string[] = []
  const remaps: Uint32Array[] = []
  const entries = dicts.reduce((n, d) => n + d.length, 0)
  if (entries > DEDUPE_MAX_ENTRIES && entries > rows * DEDUPE_MAX_ENTRIES_PER_ROW) {
    // Nearly every value distinct: hashing each into one Map would cost more than the few
    // repeats save.
    for (const d of dicts) {
      const remap = new Uint32Array(d.length)
      for (let i = 0; i < d.length; i++) remap[i] = dict.push(d[i]) - 1
      remaps.push(remap)
    }
    return { dict, remaps }
  }
  const index = new Map<string, number>()
  for (const d of dicts) {
    const remap = new Uint32Array(d.length)
    for (let i = 0; i < d.length; i++) {
      let code = index.get(d[i])
      if (code === undefined) {
        code = dict.push(d[i]) - 1
        index.set(d[i], code)
      }
      remap[i] = code
    }
    remaps.push(remap)
  }
  return { dict, remaps }
}

/** Concatenates columns of one kind. */
function concatColumns(parts: Column[], total: number): Column {
  const first = parts[0]
  let present: Uint8Array | undefined
  if (parts.some((p) => p.present !== undefined)) {
    present = new Uint8Array(total)
    let at = 0
    for (const p of parts) {
      const n = columnLength(p)
      if (p.present === undefined) present.fill(1, at, at + n)
      else present.set(p.present, at)
      at += n
    }
  }
  switch (first.kind) {
    case 'u32':
    case 'i32':
    case 'i64':
    case 'f64':
    case 'bool': {
      const values = newLike(first.values, total)
      let at = 0
      for (const p of parts) {
        values.set((p as typeof first).values as never, at)
        at += (p as typeof first).values.length
      }
      return { kind: first.kind, values, present } as Column
    }
    case 'bytes': {
      const values = new Uint8Array(total * first.width)
      let at = 0
      for (const p of parts) {
        values.set((p as typeof first).values, at)
        at += (p as typeof first).values.length
      }
      return { kind: 'bytes', width: first.width, values, present }
    }
    case 'str': {
      const strs = parts as (typeof first)[]
      const { dict, remaps } = mergeDictionaries(strs.map((p) => p.dict), total)
      const codes = new Uint32Array(total)
      let at = 0
      strs.forEach((p, b) => {
        const remap = remaps[b]
        for (let i = 0; i < p.codes.length; i++) codes[at + i] = remap[p.codes[i]]
        at += p.codes.length
      })
      return { kind: 'str', dict, codes, present }
    }
    case 'i64list':
    case 'f64list': {
      const lists = parts as (typeof first)[]
      const totalValues = lists.reduce((n, p) => n + p.offsets[p.offsets.length - 1], 0)
      const values = newLike(first.values, totalValues)
      const offsets = new Uint32Array(total + 1)
      let row = 0
      let base = 0
      for (const p of lists) {
        const rows = p.offsets.length - 1
        for (let i = 0; i < rows; i++) offsets[row + i] = base + p.offsets[i] - p.offsets[0]
        values.set(p.values.subarray(p.offsets[0], p.offsets[rows]) as never, base)
        base += p.offsets[rows] - p.offsets[0]
        row += rows
      }
      offsets[total] = base
      return { kind: first.kind, offsets, values, present } as Column
    }
    case 'any': {
      const values: (AnyValue | undefined)[] = []
      for (const p of parts as (typeof first)[]) for (const v of p.values) values.push(v)
      return { kind: 'any', values, present }
    }
  }
}

/** Smallest and largest value of an i64 column over present rows; undefined when none. */
export function i64Range(column: Column | undefined): { min: bigint; max: bigint } | undefined {
  if (column === undefined || column.kind !== 'i64') return undefined
  let min: bigint | undefined
  let max: bigint | undefined
  const v = column.values
  for (let i = 0; i < v.length; i++) {
    if (column.present !== undefined && column.present[i] !== 1) continue
    const x = v[i]
    if (min === undefined || x < min) min = x
    if (max === undefined || x > max) max = x
  }
  return min === undefined || max === undefined ? undefined : { min, max }
}

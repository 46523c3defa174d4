/**
 * @module storage/codec/column-writer
 * Writes one column chunk (storage/FORMAT.md, "Column chunk"): kind, flags, presence bitmap,
 * then the body of the present values. Sparse columns are gathered into scratch memory first
 * (lists are written straight from the present rows); number bodies come from numeric-writer.
 */
import type { AnyValue, Column } from '../model.ts'
import type { ByteWriter } from './byte-writer.ts'
import {
  halves,
  MAX_KEPT_SCRATCH_BYTES,
  packBits,
  scratch,
  SCRATCH,
  widthFor,
  writeF64Lists,
  writeF64s,
  writeFixed,
  writeI32s,
  writeI64Lists,
  writeI64s,
  writeU32s,
} from './numeric-writer.ts'
import { writeValue } from './value-codec.ts'

/** Column kind codes. On-disk values: append, never renumber. */
export const COLUMN_KIND = {
  u32: 1,
  i32: 2,
  i64: 3,
  f64: 4,
  bool: 5,
  str: 6,
  bytes: 7,
  i64list: 8,
  f64list: 9,
  any: 10,
} as const satisfies Record<Column['kind'], number>

/** Column chunk flags. */
export const FLAG_SPARSE = 1

/** Appends the chunk of `column` (the bytes encodeColumn returns) to `w`. */
export function writeColumn(w: ByteWriter, column: Column, rows: number, compact: boolean): void {
  w.u8(COLUMN_KIND[column.kind])
  if (column.present === undefined) {
    w.u8(0)
    writeDense(w, column, rows, compact)
    return
  }
  w.u8(FLAG_SPARSE)
  const at = w.alloc((rows + 7) >>> 3)
  const sel = new Uint32Array(scratch(SCRATCH.rows, rows * 4), 0, rows)
  const n = packBits(column.present, rows, w.buffer, at, sel)
  const present = sel.subarray(0, n)
  if (column.kind === 'i64list') writeI64Lists(w, column.offsets, column.values, present, n)
  else if (column.kind === 'f64list') writeF64Lists(w, column.offsets, column.values, present, n)
  else writeDense(w, gather(column, present) as Column, n, compact)
}

/**
 * The rows `sel` of a sparse column as a dense column (presence not carried), or undefined
 * for lists, which are written from `sel` directly. Numbers and string codes are gathered
 * into scratch memory (valid until the next column), 64-bit values as pairs of 32-bit words
 * (bit for bit, no BigInt).
 */
function gather(column: Column, sel: Uint32Array): Column | undefined {
  const n = sel.length
  switch (column.kind) {
    case 'u32': {
      const src = column.values
      const values = new Uint32Array(scratch(SCRATCH.gathered, n * 4), 0, n)
      for (let k = 0; k < n; k++) values[k] = src[sel[k]]
      return { kind: 'u32', values }
    }
    case 'i32': {
      const src = column.values
      const values = new Int32Array(scratch(SCRATCH.gathered, n * 4), 0, n)
      for (let k = 0; k < n; k++) values[k] = src[sel[k]]
      return { kind: 'i32', values }
    }
    case 'bool': {
      const src = column.values
      const values = new Uint8Array(scratch(SCRATCH.gathered, n), 0, n)
      for (let k = 0; k < n; k++) values[k] = src[sel[k]]
      return { kind: 'bool', values }
    }
    case 'i64':
    case 'f64': {
      const src = halves(column.values)
      const memory = scratch(SCRATCH.gathered, n * 8)
      const words = new Uint32Array(memory, 0, n * 2)
      for (let k = 0; k < n; k++) {
        const from = 2 * sel[k]
        words[2 * k] = src[from]
        words[2 * k + 1] = src[from + 1]
      }
      return column.kind === 'i64' ? { kind: 'i64', values: new BigInt64Array(memory, 0, n) } : { kind: 'f64', values: new Float64Array(memory, 0, n) }
    }
    case 'str': {
      const src = column.codes
      const codes = new Uint32Array(scratch(SCRATCH.gathered, n * 4), 0, n)
      for (let k = 0; k < n; k++) codes[k] = src[sel[k]]
      return { kind: 'str', dict: column.dict, codes }
    }
    case 'bytes': {
      const width = column.width
      const src = column.values
      const values = new Uint8Array(scratch(SCRATCH.gathered, n * width), 0, n * width)
      for (let k = 0, at = 0; k < n; k++) {
        const from = sel[k] * width
        for (let j = 0; j < width; j++) values[at++] = src[from + j]
      }
      return { kind: 'bytes', width, values }
    }
    case 'any': {
      const values = new Array<AnyValue | undefined>(n)
      for (let k = 0; k < n; k++) values[k] = column.values[sel[k]]
      return { kind: 'any', values }
    }
    case 'i64list':
    case 'f64list':
      return undefined
  }
}

/** The values of a dense column of `n` rows. */
function writeDense(w: ByteWriter, column: Column, n: number, compact: boolean): void {
  switch (column.kind) {
    case 'u32':
      writeU32s(w, column.values, n)
      break
    case 'i32':
      writeI32s(w, column.values, n)
      break
    case 'bool': {
      const at = w.alloc((n + 7) >>> 3)
      packBits(column.values, n, w.buffer, at)
      break
    }
    case 'i64':
      writeI64s(w, column.values, n)
      break
    case 'f64':
      writeF64s(w, column.values, n, compact)
      break
    case 'str':
      writeStrs(w, column.dict, column.codes, n)
      break
    case 'bytes':
      w.uvarint(column.width)
      w.bytes(column.values.subarray(0, n * column.width))
      break
    case 'i64list':
      writeI64Lists(w, column.offsets, column.values, undefined, n)
      break
    case 'f64list':
      writeF64Lists(w, column.offsets, column.values, undefined, n)
      break
    case 'any':
      for (let k = 0; k < n; k++) writeValue(w, column.values[k] as AnyValue)
      break
  }
}

/** str body: the dictionary, then the codes at the smallest width. */
function writeStrs(w: ByteWriter, dict: readonly string[], codes: Uint32Array, n: number): void {
  if (dict.length <= n) {
    // A dictionary no larger than the rows (a batch as built): written as it is, unused
    // entries and all; cheaper than finding out which are used.
    w.uvarint(dict.length)
    w.strings(dict)
    if (dict.length > 1) writeFixed(w, codes, n, widthFor(dict.length - 1))
    return
  }
  // A large shared dictionary (a block of a bigger batch): only the entries the rows use
  // are kept, in order of first use, and codes are rewritten densely.
  const remap = remapScratch(dict.length)
  const used: string[] = []
  const dense = new Uint32Array(scratch(SCRATCH.derived, n * 4), 0, n)
  for (let k = 0; k < n; k++) {
    const c = codes[k]
    if (c >= dict.length) {
      for (let j = 0; j < k; j++) remap[codes[j]] = -1
      throw new RangeError(`cannot encode string column: code ${c} outside its dictionary of ${dict.length}`)
    }
    let m = remap[c]
    if (m === -1) {
      m = remap[c] = used.length
      used.push(dict[c])
    }
    dense[k] = m
  }
  for (let k = 0; k < n; k++) remap[codes[k]] = -1 // back to all -1 for the next column
  w.uvarint(used.length)
  w.strings(used)
  if (used.length > 1) writeFixed(w, dense, n, widthFor(used.length - 1))
}

let remapMemory = new Int32Array(0)

/** At least `size` entries, all -1; the caller sets back to -1 every entry it changes. Kept
 * between calls (within the scratch limit), so a large dictionary costs no fill per block. */
function remapScratch(size: number): Int32Array {
  if (remapMemory.length >= size) return remapMemory
  const next = new Int32Array(Math.max(size, 2 * remapMemory.length)).fill(-1)
  if (next.byteLength <= MAX_KEPT_SCRATCH_BYTES) remapMemory = next
  return next
}

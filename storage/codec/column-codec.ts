/**
 * @module storage/codec/column-codec
 * Encodes one column of a batch into bytes and back (storage/FORMAT.md, "Column chunk").
 * Each kind picks the smallest of a few encodings for its values: constants, minimal fixed
 * widths, zigzag varints or their deltas, decimal scaling of doubles, row deltas for lists.
 * Writing is in column-writer.ts and numeric-writer.ts; reading is here.
 */
import type { AnyValue, Column } from '../model.ts'
import { MAX_LIST_VALUES, MAX_ROWS, UTF8_DICT_MIN_ENTRIES } from '../limits.ts'
import { utf8Column } from '../utf8-strings.ts'
import { ByteReader } from './byte-reader.ts'
import { ByteWriter } from './byte-writer.ts'
import { newLike, takeColumn } from '../batch-ops.ts'
import { COLUMN_KIND, FLAG_SPARSE, writeColumn } from './column-writer.ts'
import { ENCODING, halves, POW10 } from './numeric-writer.ts'
import { readValue } from './value-codec.ts'

export { COLUMN_KIND } from './column-writer.ts'
export { ENCODING } from './numeric-writer.ts'

const KIND_BY_CODE = Object.fromEntries(Object.entries(COLUMN_KIND).map(([k, v]) => [v, k])) as Record<number, Column['kind']>

export interface ColumnEncodeOptions {
  /** Spend time on the smallest encoding (decimal doubles): true for part files, false for
   * the write-ahead log, where every microsecond is on the append path. Default true. */
  compact?: boolean
}

/**
 * Encodes `column` (of `rows` rows). A sparse column is written as a presence bitmap followed
 * by the values of its present rows only, encoded like a dense column. Returns the bytes of
 * `w` (all of them: pass a writer whose `length` is 0), valid until `w` is written again.
 * @example const bytes = encodeColumn({ kind: 'u32', values: Uint32Array.of(1, 2) }, 2)
 */
export function encodeColumn(column: Column, rows: number, w: ByteWriter = new ByteWriter(rows * 2 + 16), options: ColumnEncodeOptions = {}): Uint8Array {
  writeColumn(w, column, rows, options.compact !== false)
  return w.finish()
}

function unzigzag32(v: number): number {
  return (v >>> 1) ^ -(v & 1)
}

/** The kind and flags at the start of a chunk of `rows` rows. */
function readHeader(r: ByteReader, rows: number): { kind: Column['kind']; flags: number } {
  if (rows > MAX_ROWS) r.fail(`row count ${rows} exceeds ${MAX_ROWS}`)
  const kind = KIND_BY_CODE[r.u8()]
  if (kind === undefined) r.fail(`unknown column kind ${r.buf[0]}`)
  const flags = r.u8()
  if ((flags & ~FLAG_SPARSE) !== 0) r.fail(`unknown column flags ${flags}`)
  return { kind, flags }
}

/**
 * Decodes a chunk written by encodeColumn for a batch of `rows` rows.
 * Throws StorageError CORRUPT on any inconsistency.
 */
export function decodeColumn(bytes: Uint8Array, rows: number, what = 'column chunk'): Column {
  const r = new ByteReader(bytes, what)
  const { kind, flags } = readHeader(r, rows)
  if ((flags & FLAG_SPARSE) === 0) {
    const column = readDense(r, kind, rows)
    r.expectEnd()
    return column
  }
  const bitmap = r.bytes((rows + 7) >>> 3)
  const present = new Uint8Array(rows)
  const all = new Uint32Array(rows)
  let n = 0
  for (let byte = 0; byte < bitmap.length; byte++) {
    const bits = bitmap[byte]
    if (bits === 0) continue // eight absent rows at once: sparse attributes are mostly absent
    const base = byte << 3
    for (let bit = 0; bit < 8; bit++) {
      if ((bits >>> bit) & 1 && base + bit < rows) {
        present[base + bit] = 1
        all[n++] = base + bit
      }
    }
  }
  if ((rows & 7) !== 0 && bitmap[bitmap.length - 1] >>> (rows & 7) !== 0) r.fail('presence bits set past the last row')
  const dense = readDense(r, kind, n)
  r.expectEnd()
  return scatter(dense, all.subarray(0, n), rows, present)
}

/**
 * Rows `sel` (ascending, each below `rows`) of the chunk decodeColumn reads, holding the values
 * takeColumn(decodeColumn(bytes, rows), sel) holds, but decoding only what those rows need
 * where the encoding allows it: fixed-width, raw and bit-packed values are read at their rows,
 * a dictionary's strings only for the codes the rows use. A trace lookup wants a few rows of a
 * block, and decoding every value of its chunks was most of a cold lookup's time.
 * Throws StorageError CORRUPT as decodeColumn does.
 * @example decodeColumnRows(bytes, 65536, Uint32Array.of(7, 4100)).codes.length // 2 (a str chunk)
 */
export function decodeColumnRows(bytes: Uint8Array, rows: number, sel: ArrayLike<number>, what = 'column chunk'): Column {
  const r = new ByteReader(bytes, what)
  const { kind, flags } = readHeader(r, rows)
  const m = sel.length
  for (let i = 0; i < m; i++) if (!(sel[i] < rows) || (i > 0 && !(sel[i] > sel[i - 1]))) throw new RangeError('decodeColumnRows: rows must ascend below the row count')
  if ((flags & FLAG_SPARSE) === 0) {
    const column = readDenseRows(r, kind, rows, Uint32Array.from(sel))
    r.expectEnd()
    return column
  }
  const bitmap = r.bytes((rows + 7) >>> 3)
  if ((rows & 7) !== 0 && bitmap[bitmap.length - 1] >>> (rows & 7) !== 0) r.fail('presence bits set past the last row')
  // The dense index of each selected present row: the present rows before it.
  const present = new Uint8Array(m)
  const at = new Uint32Array(m)
  const idx = new Uint32Array(m)
  let n = 0
  let k = 0
  let before = 0
  let counted = 0 // rows [0, counted) are in `before`
  for (let byte = 0; byte < bitmap.length; byte++) n += POPCOUNT[bitmap[byte]]
  for (let i = 0; i < m; i++) {
    const row = sel[i]
    for (; counted < row && (counted & 7) !== 0; counted++) before += (bitmap[counted >>> 3] >>> (counted & 7)) & 1
    for (; counted + 8 <= row; counted += 8) before += POPCOUNT[bitmap[counted >>> 3]]
    for (; counted < row; counted++) before += (bitmap[counted >>> 3] >>> (counted & 7)) & 1
    if (((bitmap[row >>> 3] >>> (row & 7)) & 1) === 0) continue
    present[i] = 1
    at[k] = i
    idx[k++] = before
  }
  const dense = readDenseRows(r, kind, n, idx.subarray(0, k))
  r.expectEnd()
  const out = scatter(dense, at.subarray(0, k), m, present)
  return k === m ? { ...out, present: undefined } : out
}

/** Set bits of each byte value. */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let c = 0
  for (let x = b; x !== 0; x >>>= 1) c += x & 1
  return c
})

/** Values at dense indices `idx` (ascending) of `n` dense rows of `kind`; the reader ends past them all. */
function readDenseRows(r: ByteReader, kind: Column['kind'], n: number, idx: Uint32Array): Column {
  const m = idx.length
  switch (kind) {
    case 'u32':
    case 'i32': {
      const values = new Uint32Array(m)
      const encoding = r.u8()
      if (encoding === ENCODING.const) {
        const v = r.uvarint()
        if (v > 0xffffffff) r.fail(`constant ${v} exceeds 32 bits`)
        values.fill(v)
      } else if (encoding === ENCODING.fixed) readFixedRows(r, n, idx, values)
      else r.fail(`unknown u32 encoding ${encoding}`)
      if (kind === 'u32') return { kind, values }
      const signed = new Int32Array(values.buffer)
      for (let k = 0; k < m; k++) signed[k] = unzigzag32(signed[k])
      return { kind, values: signed }
    }
    case 'bool': {
      const bits = r.bytes((n + 7) >>> 3)
      const values = new Uint8Array(m)
      for (let k = 0; k < m; k++) values[k] = (bits[idx[k] >>> 3] >>> (idx[k] & 7)) & 1
      return { kind, values }
    }
    case 'i64': {
      const values = new BigInt64Array(m)
      readI64s(r, n, values, idx)
      return { kind, values }
    }
    case 'f64': {
      if (r.buf[r.pos] !== ENCODING.raw) break
      r.u8()
      const raw = r.bytes(8 * n)
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
      const values = new Float64Array(m)
      for (let k = 0; k < m; k++) values[k] = view.getFloat64(8 * idx[k], true)
      return { kind, values }
    }
    case 'str': {
      const start = r.pos
      const size = r.count(Math.min(r.remaining, MAX_ROWS), 'dictionary size')
      if (size <= 1) {
        r.pos = start
        break
      }
      // Where each entry starts; strings are made only for the codes the rows use.
      const starts = new Uint32Array(size)
      for (let i = 0; i < size; i++) {
        starts[i] = r.pos
        r.bytes(r.uvarint())
      }
      const codes = new Uint32Array(m)
      readFixedRows(r, n, idx, codes)
      const remap = new Map<number, number>()
      const dict: string[] = []
      for (let k = 0; k < m; k++) {
        const code = codes[k]
        if (code >= size) r.fail(`dictionary code ${code} out of range ${size}`)
        let to = remap.get(code)
        if (to === undefined) {
          to = dict.length
          remap.set(code, to)
          dict.push(new ByteReader(r.buf, 'dictionary entry', starts[code]).string())
        }
        codes[k] = to
      }
      return { kind, dict: dict.length === 0 ? [''] : dict, codes }
    }
    case 'bytes': {
      const width = r.count(1024, 'byte width')
      const all = r.bytes(n * width)
      const values = new Uint8Array(m * width)
      for (let k = 0; k < m; k++) values.set(all.subarray(idx[k] * width, idx[k] * width + width), k * width)
      return { kind, width, values }
    }
  }
  // Values that depend on the ones before them (deltas, varints, general values): decoded whole.
  return takeColumn(readDense(r, kind, n), idx)
}

/** Fixed-width codes (readFixed) at dense indices `idx` of `n`. */
function readFixedRows(r: ByteReader, n: number, idx: Uint32Array, out: Uint32Array): void {
  const width = r.u8()
  if (width !== 1 && width !== 2 && width !== 4) r.fail(`bad fixed width ${width}`)
  const b = r.bytes(n * width)
  for (let k = 0; k < idx.length; k++) {
    const at = idx[k] * width
    out[k] = width === 1 ? b[at] : width === 2 ? b[at] | (b[at + 1] << 8) : (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0
  }
}

/** Values of `n` dense rows of `kind`. */
function readDense(r: ByteReader, kind: Column['kind'], n: number): Column {
  switch (kind) {
    case 'u32':
      return { kind, values: readU32s(r, n) }
    case 'i32': {
      const values = new Int32Array(readU32s(r, n).buffer)
      for (let k = 0; k < n; k++) values[k] = unzigzag32(values[k])
      return { kind, values }
    }
    case 'bool': {
      const bits = r.bytes((n + 7) >>> 3)
      const values = new Uint8Array(n)
      for (let k = 0; k < n; k++) values[k] = (bits[k >>> 3] >>> (k & 7)) & 1
      return { kind, values }
    }
    case 'i64': {
      const values = new BigInt64Array(n)
      readI64s(r, n, values)
      return { kind, values }
    }
    case 'f64': {
      const values = new Float64Array(n)
      readF64s(r, n, values)
      return { kind, values }
    }
    case 'str': {
      const size = r.count(Math.min(r.remaining, MAX_ROWS), 'dictionary size')
      if (size >= UTF8_DICT_MIN_ENTRIES) {
        const strings = r.stringBytes(size)
        const codes = readCodes(r, n, size)
        return utf8Column(strings, codes)
      }
      const dict = r.strings(size)
      if (size === 0 && n > 0) r.fail('empty dictionary for present rows')
      if (size <= 1) return { kind, dict: size === 0 ? [''] : dict, codes: new Uint32Array(n) }
      return { kind, dict, codes: readCodes(r, n, size) }
    }
    case 'bytes': {
      const width = r.count(1024, 'byte width')
      return { kind, width, values: new Uint8Array(r.bytes(n * width)) }
    }
    case 'i64list':
    case 'f64list': {
      const lengths = readU32s(r, n)
      const offsets = new Uint32Array(n + 1)
      let total = 0
      for (let k = 0; k < n; k++) {
        offsets[k] = total
        total += lengths[k]
        if (total > MAX_LIST_VALUES || (kind === 'i64list' && total > r.remaining)) r.fail('list lengths exceed the chunk')
      }
      offsets[n] = total
      return kind === 'i64list' ? readI64List(r, lengths, offsets) : readF64List(r, lengths, offsets)
    }
    case 'any': {
      const values = new Array<AnyValue | undefined>(n)
      for (let k = 0; k < n; k++) values[k] = readValue(r)
      return { kind, values }
    }
  }
}

/** A column of `rows` rows with the dense values at rows `sel` and nothing elsewhere. */
function scatter(dense: Column, sel: Uint32Array, rows: number, present: Uint8Array): Column {
  const n = sel.length
  switch (dense.kind) {
    case 'u32':
    case 'i32':
    case 'i64':
    case 'f64':
    case 'bool': {
      const src = dense.values
      const values = newLike(src, rows)
      for (let k = 0; k < n; k++) values[sel[k]] = src[k]
      return { kind: dense.kind, values, present } as Column
    }
    case 'str': {
      const codes = new Uint32Array(rows)
      for (let k = 0; k < n; k++) codes[sel[k]] = dense.codes[k]
      return dense.utf8 !== undefined ? utf8Column(dense.utf8, codes, present) : { kind: 'str', dict: dense.dict, codes, present }
    }
    case 'bytes': {
      const w = dense.width
      const values = new Uint8Array(rows * w)
      for (let k = 0; k < n; k++) values.set(dense.values.subarray(k * w, k * w + w), sel[k] * w)
      return { kind: 'bytes', width: w, values, present }
    }
    case 'i64list':
    case 'f64list': {
      const offsets = new Uint32Array(rows + 1)
      for (let i = 0, k = 0; i <= rows; i++) {
        while (k < n && sel[k] < i) k++
        offsets[i] = dense.offsets[k]
      }
      return { kind: dense.kind, offsets, values: dense.values, present } as Column
    }
    case 'any': {
      const values = new Array<AnyValue | undefined>(rows)
      for (let k = 0; k < n; k++) values[sel[k]] = dense.values[k]
      return { kind: 'any', values, present }
    }
  }
}

/** The codes of `n` rows into a dictionary of `size` (> 1) entries. */
function readCodes(r: ByteReader, n: number, size: number): Uint32Array {
  const codes = new Uint32Array(n)
  readFixed(r, n, codes)
  for (let k = 0; k < n; k++) if (codes[k] >= size) r.fail(`dictionary code ${codes[k]} out of range ${size}`)
  return codes
}

function readFixed(r: ByteReader, n: number, out: Uint32Array): void {
  const width = r.u8()
  if (width !== 1 && width !== 2 && width !== 4) r.fail(`bad fixed width ${width}`)
  const b = r.bytes(n * width)
  if (width === 1) for (let k = 0; k < n; k++) out[k] = b[k]
  else if (width === 2) for (let k = 0; k < n; k++) out[k] = b[2 * k] | (b[2 * k + 1] << 8)
  else for (let k = 0; k < n; k++) out[k] = (b[4 * k] | (b[4 * k + 1] << 8) | (b[4 * k + 2] << 16) | (b[4 * k + 3] << 24)) >>> 0
}

function readU32s(r: ByteReader, n: number): Uint32Array {
  const out = new Uint32Array(n)
  const encoding = r.u8()
  if (encoding === ENCODING.const) {
    const v = r.uvarint()
    if (v > 0xffffffff) r.fail(`constant ${v} exceeds 32 bits`)
    if (v !== 0) out.fill(v)
  } else if (encoding === ENCODING.fixed) readFixed(r, n, out)
  else r.fail(`unknown u32 encoding ${encoding}`)
  return out
}

/**
 * `n` i64 values into `values`; with `idx` (ascending), only those rows: deltas are summed up
 * to the last row wanted, and the varints after it skipped a byte at a time.
 */
function readI64s(r: ByteReader, n: number, values: BigInt64Array, idx?: Uint32Array): void {
  const encoding = r.u8()
  if (encoding === ENCODING.const) {
    const v = r.svarint64()
    values.fill(v)
    return
  }
  if (encoding !== ENCODING.delta && encoding !== ENCODING.plain) r.fail(`unknown i64 encoding ${encoding}`)
  const u = halves(values)
  const delta = encoding === ENCODING.delta
  let accLo = 0
  let accHi = 0
  const last = idx === undefined ? n - 1 : idx.length === 0 ? -1 : idx[idx.length - 1]
  let j = 0
  for (let k = 0; k <= last; k++) {
    const zLo = r.uvarint64Lo()
    const zHi = r.hi
    const neg = -(zLo & 1)
    let lo = (((zLo >>> 1) | (zHi << 31)) ^ neg) >>> 0
    let hi = ((zHi >>> 1) ^ neg) >>> 0
    if (delta && k > 0) {
      const sum = (accLo + lo) >>> 0
      hi = (accHi + hi + (sum < accLo ? 1 : 0)) >>> 0
      lo = sum
    }
    accLo = lo
    accHi = hi
    if (idx === undefined || k === idx[j]) {
      u[2 * j] = lo
      u[2 * j + 1] = hi
      j++
    }
  }
  // Each varint ends with a byte below 0x80.
  for (let left = n - 1 - last; left > 0; r.pos++) {
    if (r.remaining <= 0) r.fail('varint runs past the end')
    if (r.buf[r.pos] < 0x80) left--
  }
}

function readF64s(r: ByteReader, n: number, values: Float64Array): void {
  const encoding = r.u8()
  if (encoding === ENCODING.const) {
    const v = r.f64()
    for (let k = 0; k < n; k++) values[k] = v
  } else if (encoding === ENCODING.raw) {
    for (let k = 0; k < n; k++) values[k] = r.f64()
  } else if (encoding === ENCODING.decimal) {
    const scale = r.u8()
    if (scale >= POW10.length) r.fail(`decimal scale ${scale} out of range`)
    const p = POW10[scale]
    const mode = r.u8()
    if (mode !== ENCODING.delta && mode !== ENCODING.plain) r.fail(`unknown decimal mode ${mode}`)
    let prev = 0
    for (let k = 0; k < n; k++) {
      const d = r.svarint()
      const m = mode === ENCODING.delta && k > 0 ? prev + d : d
      prev = m
      values[k] = m / p
    }
  } else r.fail(`unknown f64 encoding ${encoding}`)
}

function readI64List(r: ByteReader, lengths: Uint32Array, offsets: Uint32Array): Column {
  const values = new BigInt64Array(offsets[offsets.length - 1])
  let pos = 0
  let prevStart = -1
  let prevLen = -1
  for (let k = 0; k < lengths.length; k++) {
    const len = lengths[k]
    const againstPrev = len === prevLen
    for (let j = 0; j < len; j++) {
      const d = r.svarint64()
      values[pos + j] = againstPrev ? values[prevStart + j] + d : d
    }
    prevStart = pos
    prevLen = len
    pos += len
  }
  return { kind: 'i64list', offsets, values }
}

function readF64List(r: ByteReader, lengths: Uint32Array, offsets: Uint32Array): Column {
  const values = new Float64Array(offsets[offsets.length - 1])
  let pos = 0
  let prevStart = -1
  for (let k = 0; k < lengths.length; k++) {
    const len = lengths[k]
    const same = r.u8()
    if (same === 1) {
      if (k === 0 || len !== lengths[k - 1]) r.fail('list row repeats a previous row of another length')
      values.copyWithin(pos, prevStart, prevStart + len)
    } else if (same === 0) {
      for (let j = 0; j < len; j++) values[pos + j] = r.f64()
    } else r.fail(`bad list row marker ${same}`)
    prevStart = pos
    pos += len
  }
  return { kind: 'f64list', offsets, values }
}

/**
 * @module storage/codec/column-codec
 * Encodes one column of a batch into bytes and back (storage/FORMAT.md, "Column chunk").
 * Each kind picks the smallest of a few encodings for its values: constants, minimal fixed
 * widths, zigzag varint deltas, decimal scaling of doubles, row deltas for lists.
 */
import type { AnyValue, Column } from '../model.ts'
import { MAX_LIST_VALUES, MAX_ROWS } from '../limits.ts'
import { ByteReader } from './byte-reader.ts'
import { ByteWriter } from './byte-writer.ts'
import { newLike, takeColumn } from '../batch-ops.ts'
import { readValue, writeValue } from './value-codec.ts'

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

const KIND_BY_CODE = Object.fromEntries(Object.entries(COLUMN_KIND).map(([k, v]) => [v, k])) as Record<number, Column['kind']>

/** Value encodings inside a chunk. On-disk values: append, never renumber. */
export const ENCODING = {
  const: 1,
  fixed: 2,
  delta: 3,
  plain: 4,
  raw: 5,
  decimal: 6,
} as const

const FLAG_SPARSE = 1

export interface ColumnEncodeOptions {
  /** Spend time on the smallest encoding (decimal doubles): true for part files, false for
   * the write-ahead log, where every microsecond is on the append path. Default true. */
  compact?: boolean
}

/** The present rows `sel` of a sparse column as a dense column (presence not carried). */
function gather(column: Column, sel: Uint32Array): Column {
  const n = sel.length
  switch (column.kind) {
    case 'u32':
    case 'i32':
    case 'i64':
    case 'f64':
    case 'bool': {
      const src = column.values
      const values = newLike(src, n)
      for (let k = 0; k < n; k++) values[k] = src[sel[k]]
      return { kind: column.kind, values } as Column
    }
    case 'str': {
      const codes = new Uint32Array(n)
      for (let k = 0; k < n; k++) codes[k] = column.codes[sel[k]]
      return { kind: 'str', dict: column.dict, codes }
    }
    default:
      return { ...takeColumn(column, sel), present: undefined } as Column
  }
}

/** Indices of the rows marked present. */
function presentRows(present: Uint8Array, rows: number): Uint32Array {
  const all = new Uint32Array(rows)
  let n = 0
  for (let i = 0; i < rows; i++) if (present[i] === 1) all[n++] = i
  return all.subarray(0, n)
}

/**
 * Encodes `column` (of `rows` rows). A sparse column is written as a presence bitmap followed
 * by the values of its present rows only, encoded like a dense column.
 * @example const bytes = encodeColumn({ kind: 'u32', values: Uint32Array.of(1, 2) }, 2)
 */
export function encodeColumn(column: Column, rows: number, w: ByteWriter = new ByteWriter(rows * 2 + 16), options: ColumnEncodeOptions = {}): Uint8Array {
  const compact = options.compact !== false
  w.u8(COLUMN_KIND[column.kind])
  if (column.present === undefined) {
    w.u8(0)
    writeDense(w, column, rows, compact)
    return w.finish()
  }
  const sel = presentRows(column.present, rows)
  w.u8(FLAG_SPARSE)
  const at = w.alloc((rows + 7) >>> 3)
  const bitmap = w.buffer
  bitmap.fill(0, at, at + ((rows + 7) >>> 3))
  for (let k = 0; k < sel.length; k++) bitmap[at + (sel[k] >>> 3)] |= 1 << (sel[k] & 7)
  writeDense(w, gather(column, sel), sel.length, compact)
  return w.finish()
}

/** The values of a dense column of `n` rows. */
function writeDense(w: ByteWriter, column: Column, n: number, compact: boolean): void {
  switch (column.kind) {
    case 'u32':
      writeU32s(w, column.values, n)
      break
    case 'i32': {
      const z = new Uint32Array(n)
      for (let k = 0; k < n; k++) z[k] = zigzag32(column.values[k])
      writeU32s(w, z, n)
      break
    }
    case 'bool': {
      const at = w.alloc((n + 7) >>> 3)
      const buf = w.buffer
      buf.fill(0, at, at + ((n + 7) >>> 3))
      for (let k = 0; k < n; k++) if (column.values[k] === 1) buf[at + (k >>> 3)] |= 1 << (k & 7)
      break
    }
    case 'i64':
      writeI64s(w, column.values, n)
      break
    case 'f64':
      writeF64s(w, column.values, n, compact)
      break
    case 'str': {
      if (column.dict.length <= n) {
        // A dictionary no larger than the rows (a batch as built): written as it is, unused
        // entries and all; cheaper than finding out which are used.
        w.uvarint(column.dict.length)
        for (const s of column.dict) w.string(s)
        if (column.dict.length > 1) writeFixed(w, column.codes, n, widthFor(column.dict.length - 1))
        break
      }
      // A large shared dictionary (a block of a bigger batch): only the entries the rows use
      // are kept, and codes are rewritten densely.
      const remap = new Int32Array(column.dict.length).fill(-1)
      const used: string[] = []
      const codes = new Uint32Array(n)
      const src = column.codes
      for (let k = 0; k < n; k++) {
        const c = src[k]
        let m = remap[c]
        if (m === -1) {
          m = remap[c] = used.length
          used.push(column.dict[c])
        }
        codes[k] = m
      }
      w.uvarint(used.length)
      for (const s of used) w.string(s)
      if (used.length > 1) writeFixed(w, codes, n, widthFor(used.length - 1))
      break
    }
    case 'bytes':
      w.uvarint(column.width)
      w.bytes(column.values.subarray(0, n * column.width))
      break
    case 'i64list':
    case 'f64list': {
      const o = column.offsets
      const lengths = new Uint32Array(n)
      for (let k = 0; k < n; k++) lengths[k] = o[k + 1] - o[k]
      writeU32s(w, lengths, n)
      if (column.kind === 'i64list') writeI64ListValues(w, column, n)
      else writeF64ListValues(w, column, n)
      break
    }
    case 'any':
      for (let k = 0; k < n; k++) writeValue(w, column.values[k] as AnyValue)
      break
  }
}

function zigzag32(v: number): number {
  return ((v << 1) ^ (v >> 31)) >>> 0
}

function unzigzag32(v: number): number {
  return (v >>> 1) ^ -(v & 1)
}

function widthFor(max: number): number {
  return max < 0x100 ? 1 : max < 0x10000 ? 2 : 4
}

function writeFixed(w: ByteWriter, values: Uint32Array, n: number, width: number): void {
  w.u8(width)
  const at = w.alloc(n * width)
  const buf = w.buffer
  if (width === 1) {
    for (let k = 0; k < n; k++) buf[at + k] = values[k]
  } else if (width === 2) {
    for (let k = 0; k < n; k++) {
      buf[at + 2 * k] = values[k]
      buf[at + 2 * k + 1] = values[k] >>> 8
    }
  } else {
    for (let k = 0; k < n; k++) {
      const v = values[k]
      const p = at + 4 * k
      buf[p] = v
      buf[p + 1] = v >>> 8
      buf[p + 2] = v >>> 16
      buf[p + 3] = v >>> 24
    }
  }
}

function writeU32s(w: ByteWriter, values: Uint32Array, n: number): void {
  let max = 0
  let constant = true
  const first = n > 0 ? values[0] : 0
  for (let k = 0; k < n; k++) {
    const v = values[k]
    if (v > max) max = v
    if (v !== first) constant = false
  }
  if (constant) {
    w.u8(ENCODING.const)
    w.uvarint(first)
    return
  }
  w.u8(ENCODING.fixed)
  writeFixed(w, values, n, widthFor(max))
}

const SCRATCH = new BigInt64Array(1)

/** The 32-bit halves of a BigInt64Array's elements: element i is [2i] low, [2i+1] high. */
function halves(values: BigInt64Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length * 2)
}

/**
 * i64 values: constant, deltas between neighbours (sorted times), or plain zigzag varints.
 * Works on 32-bit halves: 64-bit subtraction with a borrow, no BigInt on the hot path.
 */
function writeI64s(w: ByteWriter, values: BigInt64Array, n: number): void {
  const u = halves(values)
  const lo = (k: number): number => u[2 * k]
  const hi = (k: number): number => u[2 * k + 1]
  let constant = true
  for (let k = 1; k < n && constant; k++) if (lo(k) !== lo(0) || hi(k) !== hi(0)) constant = false
  if (constant) {
    w.u8(ENCODING.const)
    w.svarint64(n > 0 ? values[0] : 0n)
    return
  }
  // Decide between delta and plain on a sample: deltas win when neighbours are close.
  let plainBits = 0
  let deltaBits = 0
  for (let k = 1; k < Math.min(n, 256); k++) {
    plainBits += zigzagBits(hi(k), lo(k))
    const dLo = (lo(k) - lo(k - 1)) >>> 0
    deltaBits += zigzagBits((hi(k) - hi(k - 1) - (lo(k) < lo(k - 1) ? 1 : 0)) >>> 0, dLo)
  }
  if (deltaBits <= plainBits) {
    w.u8(ENCODING.delta)
    writeZigzag(w, hi(0), lo(0))
    for (let k = 1; k < n; k++) {
      const l = lo(k)
      const pl = lo(k - 1)
      writeZigzag(w, (hi(k) - hi(k - 1) - (l < pl ? 1 : 0)) >>> 0, (l - pl) >>> 0)
    }
  } else {
    w.u8(ENCODING.plain)
    for (let k = 0; k < n; k++) writeZigzag(w, hi(k), lo(k))
  }
}

/** Zigzag of the signed 64-bit hi:lo, then its varint. */
function writeZigzag(w: ByteWriter, hi: number, lo: number): void {
  const sign = (hi | 0) >> 31
  w.uvarint64((((hi << 1) | (lo >>> 31)) ^ sign) >>> 0, ((lo << 1) ^ sign) >>> 0)
}

function zigzagBits(hi: number, lo: number): number {
  const sign = (hi | 0) >> 31
  const zHi = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0
  return zHi !== 0 ? 64 - Math.clz32(zHi) : 32 - Math.clz32(((lo << 1) ^ sign) >>> 0)
}

const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]

/** Smallest k such that v * 10^k is a safe integer that divides back to exactly v, or -1. */
function decimalScale(v: number): number {
  for (let k = 0; k < POW10.length; k++) {
    const m = Math.round(v * POW10[k])
    if (Number.isSafeInteger(m) && Object.is(m / POW10[k], v)) return k
  }
  return -1
}

/**
 * f64 values: constant, raw 8-byte doubles, or decimal: when every value is a decimal with at
 * most 9 fractional digits, the integers v*10^k, as plain or delta zigzag varints. Decimal
 * scaling is exact: a value is only scaled when dividing back gives the same double.
 */
function writeF64s(w: ByteWriter, values: Float64Array, n: number, compact: boolean): void {
  const get = (k: number): number => values[k]
  const first = n > 0 ? get(0) : 0
  let constant = true
  let scale = 0
  for (let k = 0; k < n; k++) {
    const v = get(k)
    if (!Object.is(v, first)) constant = false
    if (scale >= 0 && compact) {
      const s = decimalScale(v)
      scale = s < 0 ? -1 : Math.max(scale, s)
    }
  }
  if (constant) {
    w.u8(ENCODING.const)
    w.f64(first)
    return
  }
  if (scale >= 0 && compact) {
    const p = POW10[scale]
    const ints = new Float64Array(n)
    let exact = true
    for (let k = 0; k < n && exact; k++) {
      ints[k] = Math.round(get(k) * p)
      exact = Number.isSafeInteger(ints[k]) && Object.is(ints[k] / p, get(k))
    }
    if (exact) {
      let plain = 0
      let delta = 0
      for (let k = 1; k < Math.min(n, 256); k++) {
        plain += Math.abs(ints[k])
        delta += Math.abs(ints[k] - ints[k - 1])
      }
      const useDelta = delta <= plain
      w.u8(ENCODING.decimal)
      w.u8(scale)
      w.u8(useDelta ? ENCODING.delta : ENCODING.plain)
      for (let k = 0; k < n; k++) {
        const d = useDelta && k > 0 ? ints[k] - ints[k - 1] : ints[k]
        if (Number.isSafeInteger(d)) w.svarint(d)
        else w.svarint64(BigInt(ints[k]) - (useDelta && k > 0 ? BigInt(ints[k - 1]) : 0n))
      }
      return
    }
  }
  w.u8(ENCODING.raw)
  for (let k = 0; k < n; k++) w.f64(get(k))
}

/** List values, each row as deltas against the previous row when both have the same length
 * (cumulative histogram buckets of one series change little from point to point). */
function writeI64ListValues(w: ByteWriter, column: Extract<Column, { kind: 'i64list' }>, n: number): void {
  const o = column.offsets
  const v = column.values
  let prevStart = -1
  let prevLen = -1
  for (let k = 0; k < n; k++) {
    const start = o[k]
    const len = o[k + 1] - start
    const againstPrev = len === prevLen
    for (let j = 0; j < len; j++) {
      SCRATCH[0] = againstPrev ? v[start + j] - v[prevStart + j] : v[start + j]
      w.svarint64(SCRATCH[0])
    }
    prevStart = start
    prevLen = len
  }
}

/** Double lists: a row equal to the previous one (histogram bounds) costs one byte. */
function writeF64ListValues(w: ByteWriter, column: Extract<Column, { kind: 'f64list' }>, n: number): void {
  const o = column.offsets
  const v = column.values
  let prevStart = -1
  let prevLen = -1
  for (let k = 0; k < n; k++) {
    const start = o[k]
    const len = o[k + 1] - start
    let same = len === prevLen
    for (let j = 0; j < len && same; j++) same = Object.is(v[start + j], v[prevStart + j])
    w.u8(same ? 1 : 0)
    if (!same) for (let j = 0; j < len; j++) w.f64(v[start + j])
    prevStart = start
    prevLen = len
  }
}

/**
 * Decodes a chunk written by encodeColumn for a batch of `rows` rows.
 * Throws StorageError CORRUPT on any inconsistency.
 */
export function decodeColumn(bytes: Uint8Array, rows: number, what = 'column chunk'): Column {
  const r = new ByteReader(bytes, what)
  if (rows > MAX_ROWS) r.fail(`row count ${rows} exceeds ${MAX_ROWS}`)
  const kind = KIND_BY_CODE[r.u8()]
  if (kind === undefined) r.fail(`unknown column kind ${bytes[0]}`)
  const flags = r.u8()
  if ((flags & ~FLAG_SPARSE) !== 0) r.fail(`unknown column flags ${flags}`)
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
      const dict = r.strings(size)
      if (size === 0 && n > 0) r.fail('empty dictionary for present rows')
      if (size <= 1) return { kind, dict: size === 0 ? [''] : dict, codes: new Uint32Array(n) }
      const codes = new Uint32Array(n)
      readFixed(r, n, codes)
      for (let k = 0; k < n; k++) if (codes[k] >= size) r.fail(`dictionary code ${codes[k]} out of range ${size}`)
      return { kind, dict, codes }
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
      return { kind: 'str', dict: dense.dict, codes, present }
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

function readI64s(r: ByteReader, n: number, values: BigInt64Array): void {
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
  for (let k = 0; k < n; k++) {
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
    u[2 * k] = lo
    u[2 * k + 1] = hi
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

/**
 * @module storage/codec/numeric-writer
 * Column bodies of numbers (storage/FORMAT.md, "Column chunk"): fixed widths, zigzag varints,
 * decimal doubles, number lists, bit maps. The hot loops read 64-bit arrays through 32-bit
 * views (no BigInt), write into the writer's buffer through a local position, and hand whole
 * arrays to native copies where the bytes already have their on-disk layout.
 */
import { LITTLE_ENDIAN, putUvarint, putZigzag64, type ByteWriter } from './byte-writer.ts'

/** Value encodings inside a chunk. On-disk values: append, never renumber. */
export const ENCODING = {
  const: 1,
  fixed: 2,
  delta: 3,
  plain: 4,
  raw: 5,
  decimal: 6,
} as const

/** Rows sampled to choose between delta and plain varints. */
const SAMPLE_ROWS = 256

/** Scratch memory reused between calls, one area per purpose (a caller may hold one area's
 * view while a callee uses another). Each view is valid until the next call for its area. */
const scratchAreas: ArrayBuffer[] = [new ArrayBuffer(0), new ArrayBuffer(0), new ArrayBuffer(0), new ArrayBuffer(0)]

/** Scratch areas: present row indices, gathered values, derived u32 values, 16-bit codes. */
export const SCRATCH = { rows: 0, gathered: 1, derived: 2, u16: 3 } as const

/** Larger scratch requests are allocated for the call and not kept, so that one huge batch
 * does not pin its size in memory for the life of the process. */
export const MAX_KEPT_SCRATCH_BYTES = 16 << 20

/** At least `bytes` bytes of scratch `area` (contents undefined). */
export function scratch(area: number, bytes: number): ArrayBuffer {
  const have = scratchAreas[area]
  if (have.byteLength >= bytes) return have
  if (bytes > MAX_KEPT_SCRATCH_BYTES) return new ArrayBuffer(bytes)
  const next = new ArrayBuffer(Math.max(bytes, have.byteLength * 2, 4096))
  scratchAreas[area] = next
  return next
}

/** The 32-bit halves of a 64-bit array's elements: element i is [2i] low, [2i+1] high. */
export function halves(values: BigInt64Array | Float64Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length * 2)
}

export function widthFor(max: number): number {
  return max < 0x100 ? 1 : max < 0x10000 ? 2 : 4
}

/** `u8 width`, then the first `n` values, each `width` bytes little-endian (truncated). */
export function writeFixed(w: ByteWriter, values: Uint32Array, n: number, width: number): void {
  w.u8(width)
  const at = w.alloc(n * width)
  const buf = w.buffer
  const head = n === values.length ? values : values.subarray(0, n)
  if (width === 1) {
    buf.set(head, at) // converting set: each value modulo 2^8
  } else if (LITTLE_ENDIAN && width === 4) {
    buf.set(new Uint8Array(values.buffer, values.byteOffset, n * 4), at)
  } else if (LITTLE_ENDIAN) {
    const u16 = new Uint16Array(scratch(SCRATCH.u16, n * 2), 0, n)
    u16.set(head) // converting set: each value modulo 2^16
    buf.set(new Uint8Array(u16.buffer, 0, n * 2), at)
  } else {
    for (let k = 0; k < n; k++) {
      const v = values[k]
      for (let b = 0; b < width; b++) buf[at + k * width + b] = v >>> (8 * b)
    }
  }
}

/** u32 body: const when every value is the same, else fixed at the smallest width. */
export function writeU32s(w: ByteWriter, values: Uint32Array, n: number): void {
  const first = n > 0 ? values[0] : 0
  let or = 0 // the width of the largest value is the width of all values or-ed together
  let diff = 0
  for (let k = 0; k < n; k++) {
    const v = values[k]
    or |= v
    diff |= v ^ first
  }
  if (diff === 0) {
    w.u8(ENCODING.const)
    w.uvarint(first)
    return
  }
  w.u8(ENCODING.fixed)
  writeFixed(w, values, n, widthFor(or >>> 0))
}

/** i32 body: each value zigzag-encoded to 32 bits, then as u32. */
export function writeI32s(w: ByteWriter, values: Int32Array, n: number): void {
  const z = new Uint32Array(scratch(SCRATCH.derived, n * 4), 0, n)
  for (let k = 0; k < n; k++) {
    const v = values[k]
    z[k] = ((v << 1) ^ (v >> 31)) >>> 0
  }
  writeU32s(w, z, n)
}

/**
 * Packs `n` bytes of `src` into bits (bit k of the output set when src[k] is 1), written as
 * ceil(n/8) bytes at `at` of `buf`. When `rows` is given, the indices of the set bits are
 * stored in it. Returns how many bits are set. Eight bytes are read as two 32-bit words when
 * they are all 0 or 1 (one-byte flags as batches hold them).
 */
export function packBits(src: Uint8Array, n: number, buf: Uint8Array, at: number, rows?: Uint32Array): number {
  const full = n >>> 3
  let count = 0
  let b = 0
  if (LITTLE_ENDIAN && (src.byteOffset & 3) === 0 && src.length >= n) {
    const words = new Uint32Array(src.buffer, src.byteOffset, full * 2)
    for (; b < full; b++) {
      const w0 = words[2 * b]
      const w1 = words[2 * b + 1]
      if ((w0 | w1) === 0) {
        buf[at + b] = 0
        continue
      }
      if (((w0 | w1) & 0xfefefefe) !== 0) break // a byte other than 0 or 1: bytewise from here
      let bits = (w0 | (w0 >>> 7) | (w0 >>> 14) | (w0 >>> 21)) & 0xf
      bits |= ((w1 | (w1 >>> 7) | (w1 >>> 14) | (w1 >>> 21)) & 0xf) << 4
      buf[at + b] = bits
      if (rows === undefined) {
        bits -= (bits >>> 1) & 0x55
        bits = (bits & 0x33) + ((bits >>> 2) & 0x33)
        count += (bits + (bits >>> 4)) & 0x0f
      } else {
        const base = b << 3
        while (bits !== 0) {
          const low = bits & -bits
          rows[count++] = base + 31 - Math.clz32(low)
          bits ^= low
        }
      }
    }
  }
  for (const bytes = (n + 7) >>> 3; b < bytes; b++) {
    let bits = 0
    const base = b << 3
    const end = Math.min(8, n - base)
    for (let j = 0; j < end; j++) {
      if (src[base + j] === 1) {
        bits |= 1 << j
        if (rows !== undefined) rows[count] = base + j
        count++
      }
    }
    buf[at + b] = bits
  }
  return count
}

/**
 * i64 body: constant, deltas between neighbours (sorted times), or plain zigzag varints,
 * whichever a sample says is smaller. 64-bit subtraction works on halves, with a borrow.
 */
export function writeI64s(w: ByteWriter, values: BigInt64Array, n: number): void {
  const u = halves(values)
  const lo0 = n > 0 ? u[0] : 0
  const hi0 = n > 0 ? u[1] : 0
  let diff = 0
  for (let k = 1; k < n && diff === 0; k++) diff = (u[2 * k] ^ lo0) | (u[2 * k + 1] ^ hi0)
  if (diff === 0) {
    w.u8(ENCODING.const)
    w.ensure(10)
    w.length = putZigzag64(w.buffer, w.length, hi0, lo0)
    return
  }
  w.ensure(n * 10 + 1)
  const buf = w.buffer
  let at = w.length
  let plainBits = 0
  let deltaBits = 0
  for (let k = 1; k < Math.min(n, SAMPLE_ROWS); k++) {
    const lo = u[2 * k]
    const hi = u[2 * k + 1]
    const pLo = u[2 * k - 2]
    plainBits += zigzagBits(hi, lo)
    deltaBits += zigzagBits((hi - u[2 * k - 1] - (lo < pLo ? 1 : 0)) | 0, (lo - pLo) | 0)
  }
  if (deltaBits <= plainBits) {
    buf[at++] = ENCODING.delta
    at = putZigzag64(buf, at, hi0, lo0)
    let pLo = lo0
    let pHi = hi0
    for (let k = 1; k < n; k++) {
      const lo = u[2 * k]
      const hi = u[2 * k + 1]
      at = putZigzag64(buf, at, (hi - pHi - (lo < pLo ? 1 : 0)) | 0, (lo - pLo) | 0)
      pLo = lo
      pHi = hi
    }
  } else {
    buf[at++] = ENCODING.plain
    for (let k = 0; k < n; k++) at = putZigzag64(buf, at, u[2 * k + 1], u[2 * k])
  }
  w.length = at
}

/** Significant bits of the zigzag encoding of the signed 64-bit hi:lo. */
function zigzagBits(hi: number, lo: number): number {
  const sign = (hi | 0) >> 31
  const zHi = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0
  return zHi !== 0 ? 64 - Math.clz32(zHi) : 32 - Math.clz32(((lo << 1) ^ sign) >>> 0)
}

export const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]

/** Whether v * 10^k is a safe integer that divides back to exactly v. */
function exactAt(v: number, k: number): boolean {
  const m = Math.round(v * POW10[k])
  return Number.isSafeInteger(m) && Object.is(m / POW10[k], v)
}

/**
 * Smallest k such that v * 10^k is a safe integer that divides back to exactly v, or -1.
 * -1 for -0 too: it would scale to the integer -0, whose zigzag varint is that of 0.
 */
function decimalScale(v: number): number {
  if (v === 0 && 1 / v < 0) return -1
  for (let k = 0; k < POW10.length; k++) if (exactAt(v, k)) return k
  return -1
}

/**
 * The largest decimalScale of the values, or -1 when one has none. A value that is exact at
 * the largest scale so far has its smallest scale at most that, so it cannot change the result:
 * one test settles it (integers need none).
 */
function decimalScaleOfAll(values: Float64Array, n: number): number {
  let scale = 0
  for (let k = 0; k < n; k++) {
    const v = values[k]
    if ((Number.isSafeInteger(v) && (v !== 0 || 1 / v > 0)) || (scale > 0 && exactAt(v, scale))) continue
    const s = decimalScale(v)
    if (s < 0) return -1
    if (s > scale) scale = s
  }
  return scale
}

/**
 * f64 body: constant (every value the same by Object.is), raw 8-byte doubles, or decimal (only
 * when `compact`): when every value is a decimal with at most 9 fractional digits, the integers
 * v*10^k, as plain or delta zigzag varints. Decimal scaling is exact: it is only chosen when
 * dividing back gives every value bit for bit.
 */
export function writeF64s(w: ByteWriter, values: Float64Array, n: number, compact: boolean): void {
  const u = halves(values)
  const first = n > 0 ? values[0] : 0
  let constant = true
  for (let k = 1; k < n; k++) {
    // Equal bits are Object.is-equal; so are two NaNs of different bits.
    if (((u[2 * k] ^ u[0]) | (u[2 * k + 1] ^ u[1])) !== 0 && !(first !== first && values[k] !== values[k])) {
      constant = false
      break
    }
  }
  if (constant) {
    w.u8(ENCODING.const)
    if (n > 0) w.f64s(values, 1)
    else w.f64(0)
    return
  }
  const scale = compact ? decimalScaleOfAll(values, n) : -1
  if (scale >= 0 && writeDecimal(w, values, n, scale)) return
  w.u8(ENCODING.raw)
  w.f64s(values, n)
}

/** Largest magnitude (exclusive) of a decimal integer or difference: below 2^52 its zigzag
 * encoding is below 2^53, exact in the double a reader decodes it into. */
const DECIMAL_LIMIT = 2 ** 52

/** The decimal body at `scale`, unless a value does not scale back exactly or scales to 2^52
 * or more (then nothing is written and it returns false). Deltas are only used when each is
 * below 2^52 as well. */
function writeDecimal(w: ByteWriter, values: Float64Array, n: number, scale: number): boolean {
  const p = POW10[scale]
  const ints = new Float64Array(scratch(SCRATCH.derived, n * 8), 0, n)
  for (let k = 0; k < n; k++) {
    const m = Math.round(values[k] * p)
    if (!(Math.abs(m) < DECIMAL_LIMIT) || !Object.is(m / p, values[k])) return false
    ints[k] = m
  }
  let plain = 0
  let delta = 0
  for (let k = 1; k < Math.min(n, SAMPLE_ROWS); k++) {
    plain += Math.abs(ints[k])
    delta += Math.abs(ints[k] - ints[k - 1])
  }
  let useDelta = delta <= plain
  for (let k = 1; k < n && useDelta; k++) useDelta = Math.abs(ints[k] - ints[k - 1]) < DECIMAL_LIMIT
  w.ensure(3 + n * 8)
  const buf = w.buffer
  let at = w.length
  buf[at++] = ENCODING.decimal
  buf[at++] = scale
  buf[at++] = useDelta ? ENCODING.delta : ENCODING.plain
  for (let k = 0; k < n; k++) {
    const d = useDelta && k > 0 ? ints[k] - ints[k - 1] : ints[k]
    at = putUvarint(buf, at, d >= 0 ? d * 2 : -d * 2 - 1)
  }
  w.length = at
  return true
}

/**
 * Lengths of `n` lists (derived scratch) and their total: list k is row `rows[k]` of
 * `offsets`, or row k when `rows` is undefined.
 */
function listLengths(offsets: Uint32Array, rows: Uint32Array | undefined, n: number): { lengths: Uint32Array; total: number } {
  const lengths = new Uint32Array(scratch(SCRATCH.derived, n * 4), 0, n)
  let total = 0
  for (let k = 0; k < n; k++) {
    const r = rows === undefined ? k : rows[k]
    const len = offsets[r + 1] - offsets[r]
    lengths[k] = len
    total += len
  }
  return { lengths, total }
}

/**
 * i64list body of `n` lists (rows `rows[k]` of the column, or the first `n`): the lengths,
 * then each list's elements as zigzag varints, each the difference to the same element of the
 * previous list when that had the same length (cumulative histogram buckets of one series
 * change little from point to point), wrapping at 64 bits.
 */
export function writeI64Lists(w: ByteWriter, offsets: Uint32Array, values: BigInt64Array, rows: Uint32Array | undefined, n: number): void {
  const { lengths, total } = listLengths(offsets, rows, n)
  writeU32s(w, lengths, n)
  const u = halves(values)
  w.ensure(total * 10)
  const buf = w.buffer
  let at = w.length
  let prevStart = -1
  let prevLen = -1
  for (let k = 0; k < n; k++) {
    const start = offsets[rows === undefined ? k : rows[k]]
    const len = lengths[k]
    if (len === prevLen) {
      for (let j = 0; j < len; j++) {
        const lo = u[2 * (start + j)]
        const pLo = u[2 * (prevStart + j)]
        const hi = (u[2 * (start + j) + 1] - u[2 * (prevStart + j) + 1] - (lo < pLo ? 1 : 0)) | 0
        at = putZigzag64(buf, at, hi, (lo - pLo) | 0)
      }
    } else {
      for (let j = start; j < start + len; j++) at = putZigzag64(buf, at, u[2 * j + 1], u[2 * j])
    }
    prevStart = start
    prevLen = len
  }
  w.length = at
}

/** f64list body of `n` lists (chosen as by writeI64Lists): the lengths, then per list `u8 same`
 * (1 when it equals the previous list, by Object.is element for element: histogram bounds
 * repeat) or 0 and its raw doubles. */
export function writeF64Lists(w: ByteWriter, offsets: Uint32Array, values: Float64Array, rows: Uint32Array | undefined, n: number): void {
  const { lengths, total } = listLengths(offsets, rows, n)
  writeU32s(w, lengths, n)
  const u = halves(values)
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.length * 8)
  w.ensure(n + total * 8)
  const buf = w.buffer
  const view = LITTLE_ENDIAN ? undefined : new DataView(buf.buffer)
  let at = w.length
  let prevStart = -1
  let prevLen = -1
  for (let k = 0; k < n; k++) {
    const start = offsets[rows === undefined ? k : rows[k]]
    const len = lengths[k]
    let same = len === prevLen
    for (let j = 0; j < len && same; j++) {
      const a = start + j
      const b = prevStart + j
      same = ((u[2 * a] ^ u[2 * b]) | (u[2 * a + 1] ^ u[2 * b + 1])) === 0 || (values[a] !== values[a] && values[b] !== values[b])
    }
    buf[at++] = same ? 1 : 0
    if (!same && len > 0) {
      if (view === undefined) buf.set(bytes.subarray(start * 8, (start + len) * 8), at)
      else for (let j = 0; j < len; j++) view.setFloat64(at + 8 * j, values[start + j], true)
      at += len * 8
    }
    prevStart = start
    prevLen = len
  }
  w.length = at
}

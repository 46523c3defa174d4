/**
 * @module storage/codec/byte-writer
 * A growable little-endian byte buffer with LEB128 varints. No I/O.
 */

const I64 = new BigInt64Array(1)
const I64_HALVES = new Uint32Array(I64.buffer)
const F64 = new Float64Array(1)
const F64_BYTES = new Uint8Array(F64.buffer)

/** Whether typed arrays store numbers little-endian, as the format does: then a Float64Array's
 * bytes are its raw encoding and can be copied in one call (big-endian hosts loop instead). */
export const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1

/** Strings shorter than this are copied by a JavaScript loop; longer ones by Buffer#write,
 * a native call whose fixed cost beats a loop of about this many characters. */
const SHORT_STRING = 16

/** Most characters joined into one run by `strings`. Runs this long amortise the native call
 * over about a thousand typical strings; longer ones measured slower (the joined string and
 * the bytes reserved for it, 3 a character, fall out of cache). */
const MAX_RUN_CHARS = 1 << 16

/** The one-character strings 0..127: a length prefix below 128 as a character of a run. */
const PREFIX_CHARS = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i))

/**
 * Appends bytes to an internal buffer that doubles when full.
 * `finish()` returns a view of the bytes written; the writer must not be used after it, except
 * by setting `length` back to 0 to reuse it (the view is then overwritten).
 */
export class ByteWriter {
  private buf: Uint8Array
  /** The same memory as `buf`, as a Buffer: for its native string writer. */
  private nbuf: Buffer
  private view: DataView
  length = 0

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(Math.max(capacity, 16))
    this.nbuf = Buffer.from(this.buf.buffer, 0, this.buf.length)
    this.view = new DataView(this.buf.buffer)
  }

  /** Makes room for `n` more bytes after `length`: for callers that fill `buffer` directly
   * and then advance `length` themselves. */
  ensure(n: number): void {
    const need = this.length + n
    if (need <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < need) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
    this.nbuf = Buffer.from(next.buffer, 0, size)
    this.view = new DataView(next.buffer)
  }

  /** The underlying buffer; valid until the next write that grows it. */
  get buffer(): Uint8Array {
    return this.buf
  }

  /** Reserves `n` bytes and returns their offset in `buffer`, for callers that fill them directly. */
  alloc(n: number): number {
    this.ensure(n)
    const at = this.length
    this.length += n
    return at
  }

  u8(v: number): void {
    this.ensure(1)
    this.buf[this.length++] = v
  }

  u32(v: number): void {
    this.ensure(4)
    this.view.setUint32(this.length, v, true)
    this.length += 4
  }

  f64(v: number): void {
    this.ensure(8)
    F64[0] = v
    this.buf.set(F64_BYTES, this.length)
    this.length += 8
  }

  /** The first `n` values of `values` as 8-byte little-endian doubles, bit for bit. */
  f64s(values: Float64Array, n: number): void {
    this.ensure(n * 8)
    if (LITTLE_ENDIAN) {
      this.buf.set(new Uint8Array(values.buffer, values.byteOffset, n * 8), this.length)
      this.length += n * 8
    } else {
      for (let k = 0; k < n; k++) {
        this.view.setFloat64(this.length, values[k], true)
        this.length += 8
      }
    }
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
  }

  /** Unsigned varint of a non-negative integer up to 2^53. */
  uvarint(v: number): void {
    this.ensure(8)
    this.length = putUvarint(this.buf, this.length, v)
  }

  /** Zigzag varint of a safe integer (positive or negative). */
  svarint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1)
  }

  /** Unsigned varint of the 64 bits hi:lo (each an unsigned 32-bit number). */
  uvarint64(hi: number, lo: number): void {
    this.ensure(10)
    this.length = putUvarint64(this.buf, this.length, hi, lo)
  }

  /** Zigzag varint of a signed 64-bit integer, without allocating. */
  svarint64(v: bigint): void {
    I64[0] = v
    this.ensure(10)
    this.length = putZigzag64(this.buf, this.length, I64_HALVES[1], I64_HALVES[0])
  }

  /** Length-prefixed UTF-8 (lone surrogates become U+FFFD, as TextEncoder writes them). */
  string(s: string): void {
    const n = s.length
    // Worst case 3 bytes per UTF-16 unit, plus the longest length prefix.
    this.ensure(n * 3 + 8)
    const buf = this.buf
    const start = this.length
    if (n < SHORT_STRING) {
      // Short strings (names, enum-like values) are mostly ASCII: copied and checked in one pass.
      let at = start + 1
      let seen = 0
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i)
        seen |= c
        buf[at++] = c
      }
      if (seen < 0x80) {
        buf[start] = n
        this.length = at
        return
      }
    }
    // At least one byte per unit: the prefix takes at least the bytes of n. Written after a
    // prefix of that size, the bytes move right in the rare case they need a longer one.
    const guess = varintBytes(n)
    const written = this.nbuf.write(s, start + guess)
    const used = varintBytes(written)
    if (used !== guess) buf.copyWithin(start + used, start + guess, start + guess + written)
    putUvarint(buf, start, written)
    this.length = start + used + written
  }

  /**
   * Each string of `list` as by `string()`, one after another; the same bytes. Runs of strings
   * shorter than 128 units are joined with their one-byte length prefixes (as characters) into
   * one string and written by one native call; when that shows a non-ASCII character (more
   * bytes than characters), the run is written again string by string.
   */
  strings(list: readonly string[]): void {
    const n = list.length
    let i = 0
    let runs = true
    while (i < n) {
      if (runs && list[i].length < 128) {
        let run = ''
        let j = i
        while (j < n && run.length < MAX_RUN_CHARS) {
          const s = list[j]
          if (s.length >= 128) break
          run += PREFIX_CHARS[s.length] + s
          j++
        }
        // Room for 3 bytes a character, so that non-ASCII shows as more bytes than characters.
        this.ensure(run.length * 3)
        if (this.nbuf.write(run, this.length) === run.length) {
          this.length += run.length
          i = j
          continue
        }
        runs = false // non-ASCII text: more runs would likely be written twice
      }
      this.string(list[i++])
    }
  }

  /** Length-prefixed bytes. */
  blob(b: Uint8Array): void {
    this.uvarint(b.length)
    this.bytes(b)
  }

  /**
   * Starts a blob whose bytes the caller writes next, without knowing their length yet;
   * `endBlob(mark)` then writes the prefix. The result is the same as `blob()` of those bytes.
   */
  beginBlob(): number {
    const mark = this.length
    this.alloc(BLOB_PREFIX_GUESS)
    return mark
  }

  /** Ends the blob begun at `mark`: writes its length prefix, moving the bytes when the
   * prefix is not BLOB_PREFIX_GUESS bytes long. */
  endBlob(mark: number): void {
    const from = mark + BLOB_PREFIX_GUESS
    const n = this.length - from
    const used = varintBytes(n)
    if (used > BLOB_PREFIX_GUESS) this.ensure(used - BLOB_PREFIX_GUESS)
    if (used !== BLOB_PREFIX_GUESS) this.buf.copyWithin(mark + used, from, from + n)
    putUvarint(this.buf, mark, n)
    this.length = mark + used + n
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.length)
  }
}

/** A reused writer's buffer is kept up to this size; a bigger one (a huge batch) is dropped
 * after use rather than held for the life of the process. */
const MAX_KEPT_WRITER_BYTES = 16 << 20

let spareWriter: ByteWriter | undefined

/**
 * Runs `f` with an empty writer that is reused from call to call, so that encoding a large
 * record neither allocates nor grows a fresh buffer each time. Contract: `f` copies out what
 * it needs before it returns (the writer's bytes are overwritten by the next use). A nested
 * call gets a writer of its own.
 * @example const frame = withReusedWriter((w) => { w.string('x'); return encodeFrame(1, 0, w.finish()) })
 */
export function withReusedWriter<T>(f: (w: ByteWriter) => T): T {
  const w = spareWriter ?? new ByteWriter(1 << 16)
  spareWriter = undefined
  w.length = 0
  try {
    return f(w)
  } finally {
    if (w.buffer.length <= MAX_KEPT_WRITER_BYTES) spareWriter = w
  }
}

/** Bytes set aside for a blob's length prefix before its length is known: 3 bytes hold
 * lengths below 2 MiB, which covers a column chunk of a write-ahead log record. */
const BLOB_PREFIX_GUESS = 3

/** Bytes of the varint of `v`. */
export function varintBytes(v: number): number {
  let n = 1
  while (v >= 0x80) {
    v = Math.floor(v / 0x80)
    n++
  }
  return n
}

/** Writes the unsigned varint of `v` (an integer up to 2^53) at `at`; returns the end. The
 * caller has made room (8 bytes). */
export function putUvarint(buf: Uint8Array, at: number, v: number): number {
  while (v > 0x7fffffff) {
    buf[at++] = (v % 0x80) | 0x80
    v = Math.floor(v / 0x80)
  }
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  buf[at++] = v
  return at
}

/** Writes the unsigned varint of the 64 bits hi:lo at `at`; returns the end. The caller has
 * made room (10 bytes). A store into a byte array keeps the low 8 bits, so `lo | 0x80` is the
 * low 7 bits with the continuation bit. (Unrolled variants measured no faster.) */
export function putUvarint64(buf: Uint8Array, at: number, hi: number, lo: number): number {
  while (hi !== 0) {
    buf[at++] = lo | 0x80
    lo = ((lo >>> 7) | (hi << 25)) >>> 0
    hi >>>= 7
  }
  while (lo >= 0x80) {
    buf[at++] = lo | 0x80
    lo >>>= 7
  }
  buf[at++] = lo
  return at
}

/** Writes the zigzag varint of the signed 64-bit hi:lo at `at` (halves as signed or unsigned
 * 32-bit numbers, either works); returns the end. The caller has made room (10 bytes). */
export function putZigzag64(buf: Uint8Array, at: number, hi: number, lo: number): number {
  const sign = (hi | 0) >> 31
  return putUvarint64(buf, at, (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0, ((lo << 1) ^ sign) >>> 0)
}

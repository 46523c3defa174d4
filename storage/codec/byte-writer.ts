/**
 * @module storage/codec/byte-writer
 * A growable little-endian byte buffer with LEB128 varints. No I/O.
 */

const I64 = new BigInt64Array(1)
const I64_HALVES = new Uint32Array(I64.buffer)
const F64 = new Float64Array(1)
const F64_BYTES = new Uint8Array(F64.buffer)
const UTF8 = new TextEncoder()

/**
 * Appends bytes to an internal buffer that doubles when full.
 * `finish()` returns a view of the bytes written; the writer must not be used after it.
 */
export class ByteWriter {
  private buf: Uint8Array
  private view: DataView
  length = 0

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity)
    this.view = new DataView(this.buf.buffer)
  }

  private reserve(n: number): void {
    const need = this.length + n
    if (need <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < need) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  /** The underlying buffer; valid until the next write that grows it. */
  get buffer(): Uint8Array {
    return this.buf
  }

  /** Reserves `n` bytes and returns their offset in `buffer`, for callers that fill them directly. */
  alloc(n: number): number {
    this.reserve(n)
    const at = this.length
    this.length += n
    return at
  }

  u8(v: number): void {
    this.reserve(1)
    this.buf[this.length++] = v
  }

  u32(v: number): void {
    this.reserve(4)
    this.view.setUint32(this.length, v, true)
    this.length += 4
  }

  f64(v: number): void {
    this.reserve(8)
    F64[0] = v
    this.buf.set(F64_BYTES, this.length)
    this.length += 8
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
  }

  /** Unsigned varint of a non-negative integer up to 2^53. */
  uvarint(v: number): void {
    this.reserve(8)
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80
      v = Math.floor(v / 0x80)
    }
    this.buf[this.length++] = v
  }

  /** Zigzag varint of a safe integer (positive or negative). */
  svarint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1)
  }

  /** Unsigned varint of the 64 bits hi:lo (each an unsigned 32-bit number). */
  uvarint64(hi: number, lo: number): void {
    this.reserve(10)
    while (hi !== 0 || lo >= 0x80) {
      this.buf[this.length++] = (lo & 0x7f) | 0x80
      lo = ((lo >>> 7) | (hi << 25)) >>> 0
      hi = hi >>> 7
    }
    this.buf[this.length++] = lo
  }

  /** Zigzag varint of a signed 64-bit integer, without allocating. */
  svarint64(v: bigint): void {
    I64[0] = v
    const lo = I64_HALVES[0]
    const hi = I64_HALVES[1]
    const sign = hi >> 31
    this.uvarint64((((hi << 1) | (lo >>> 31)) ^ sign) >>> 0, ((lo << 1) ^ sign) >>> 0)
  }

  /** Length-prefixed UTF-8, encoded straight into the buffer. */
  string(s: string): void {
    const n = s.length
    if (n < 128) {
      // Short ASCII (most names and values): one byte per character, a one-byte length.
      let ascii = true
      for (let i = 0; i < n; i++) if (s.charCodeAt(i) > 0x7f) ascii = false
      if (ascii) {
        this.reserve(n + 1)
        const buf = this.buf
        let at = this.length
        buf[at++] = n
        for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i)
        this.length = at
        return
      }
    }
    // Worst case 3 bytes per UTF-16 unit; write after room for the longest length prefix.
    this.reserve(n * 3 + 8)
    const lengthBytes = varintBytes(n * 3)
    const { written } = UTF8.encodeInto(s, this.buf.subarray(this.length + lengthBytes))
    const start = this.length
    this.uvarint(written)
    const used = this.length - start
    if (used !== lengthBytes) this.buf.copyWithin(start + used, start + lengthBytes, start + lengthBytes + written)
    this.length += written
  }

  /** Length-prefixed bytes. */
  blob(b: Uint8Array): void {
    this.uvarint(b.length)
    this.bytes(b)
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.length)
  }
}

/** Bytes of the varint of `v`. */
function varintBytes(v: number): number {
  let n = 1
  while (v >= 0x80) {
    v = Math.floor(v / 0x80)
    n++
  }
  return n
}

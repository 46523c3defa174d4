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

  /** Length-prefixed UTF-8. */
  string(s: string): void {
    if (s.length < 64 && isAscii(s)) {
      this.uvarint(s.length)
      this.reserve(s.length)
      for (let i = 0; i < s.length; i++) this.buf[this.length++] = s.charCodeAt(i)
      return
    }
    const encoded = UTF8.encode(s)
    this.uvarint(encoded.length)
    this.bytes(encoded)
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

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false
  return true
}

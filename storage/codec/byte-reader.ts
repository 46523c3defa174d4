/**
 * @module storage/codec/byte-reader
 * Reads what ByteWriter wrote. Every read is bounds-checked: running past the end, an
 * over-long varint or invalid UTF-8 throws a StorageError with code CORRUPT and the offset.
 */
import { isAscii, isUtf8 } from 'node:buffer'
import { StorageError } from '../errors.ts'
import type { Utf8Strings } from '../model.ts'

const I64 = new BigInt64Array(1)
const I64_HALVES = new Uint32Array(I64.buffer)
const F64 = new Float64Array(1)
const F64_BYTES = new Uint8Array(F64.buffer)
const UTF8 = new TextDecoder('utf-8', { fatal: true })

export class ByteReader {
  readonly buf: Uint8Array
  pos: number
  private readonly end: number
  /** What is being read, for error messages (a file name, "WAL record", ...). */
  private readonly what: string

  constructor(buf: Uint8Array, what = 'BlazeBinary data', start = 0, end = buf.length) {
    this.buf = buf
    this.pos = start
    this.end = end
    this.what = what
  }

  get remaining(): number {
    return this.end - this.pos
  }

  fail(reason: string): never {
    throw new StorageError('CORRUPT', `cannot decode ${this.what}: ${reason} at offset ${this.pos}`, { offset: this.pos })
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.end) this.fail(`need ${n} bytes, ${this.end - this.pos} left`)
  }

  u8(): number {
    this.need(1)
    return this.buf[this.pos++]
  }

  u32(): number {
    this.need(4)
    const b = this.buf
    const p = this.pos
    this.pos += 4
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
  }

  f64(): number {
    this.need(8)
    F64_BYTES.set(this.buf.subarray(this.pos, this.pos + 8))
    this.pos += 8
    return F64[0]
  }

  bytes(n: number): Uint8Array {
    this.need(n)
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** Unsigned varint up to 2^53. */
  uvarint(): number {
    let result = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) this.fail('varint runs past the end')
      const b = this.buf[this.pos++]
      result += (b & 0x7f) * scale
      if (b < 0x80) return result
      scale *= 0x80
    }
    return this.fail('varint longer than 8 bytes')
  }

  /** A varint that must be at most `max` (a count or a length). */
  count(max: number, what: string): number {
    const n = this.uvarint()
    if (n > max) this.fail(`${what} ${n} exceeds ${max}`)
    return n
  }

  svarint(): number {
    const u = this.uvarint()
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2
  }

  /** High 32 bits of the last uvarint64Lo read. */
  hi = 0

  /** Unsigned 64-bit varint: returns the low 32 bits and leaves the high 32 in `hi`. */
  uvarint64Lo(): number {
    const b = this.buf
    let lo = 0
    let hi = 0
    let shift = 0
    for (let i = 0; ; i++) {
      if (i === 10) this.fail('varint longer than 10 bytes')
      if (this.pos >= this.end) this.fail('varint runs past the end')
      const byte = b[this.pos++]
      const bits = byte & 0x7f
      if (shift < 28) lo |= bits << shift
      else if (shift === 28) {
        lo |= bits << 28
        hi |= bits >>> 4
      } else hi |= bits << (shift - 32)
      if (byte < 0x80) break
      shift += 7
    }
    this.hi = hi >>> 0
    return lo >>> 0
  }

  /** Zigzag varint of a signed 64-bit integer. */
  svarint64(): bigint {
    const lo = this.uvarint64Lo()
    const hi = this.hi
    const neg = -(lo & 1)
    I64_HALVES[0] = ((lo >>> 1) | (hi << 31)) ^ neg
    I64_HALVES[1] = (hi >>> 1) ^ neg
    return I64[0]
  }

  string(): string {
    const n = this.uvarint()
    this.need(n)
    const start = this.pos
    this.pos += n
    const b = this.buf
    let ascii = true
    for (let i = start; i < start + n; i++) {
      if (b[i] > 0x7f) {
        ascii = false
        break
      }
    }
    // ASCII is valid UTF-8 and decodes byte for byte: the native latin1 slice is fastest.
    if (ascii) return this.latin1(start, start + n)
    try {
      return UTF8.decode(b.subarray(start, start + n))
    } catch {
      this.pos = start
      return this.fail('invalid UTF-8 in a string')
    }
  }

  /**
   * `count` strings written one after another. When they are all short ASCII (the common case
   * for dictionaries), the whole run is decoded at once and cut into substrings.
   */
  strings(count: number): string[] {
    const out = new Array<string>(count)
    const b = this.buf
    const start = this.pos
    let at = start
    let ascii = true
    for (let i = 0; i < count && ascii; i++) {
      if (at >= this.end || b[at] >= 0x80) ascii = false // a length of 128 or more
      else {
        const len = b[at]
        if (at + 1 + len > this.end) ascii = false
        else for (let j = at + 1; j <= at + len; j++) if (b[j] > 0x7f) ascii = false
        at += 1 + len
      }
    }
    if (!ascii) {
      for (let i = 0; i < count; i++) out[i] = this.string()
      return out
    }
    const text = this.latin1(start, at)
    let offset = 0
    for (let i = 0; i < count; i++) {
      const len = b[start + offset]
      out[i] = text.slice(offset + 1, offset + 1 + len)
      offset += 1 + len
    }
    this.pos = at
    return out
  }

  /**
   * `count` strings as `strings` reads them, kept as UTF-8 bytes one after another (no JS
   * strings made). Invalid UTF-8 throws as `strings` does.
   */
  stringBytes(count: number): Utf8Strings {
    const b = this.buf
    const offsets = new Uint32Array(count + 1)
    const start = this.pos
    let total = 0
    for (let i = 0; i < count; i++) {
      const n = this.pos < this.end && b[this.pos] < 0x80 ? b[this.pos++] : this.uvarint()
      this.need(n)
      offsets[i] = total
      total += n
      this.pos += n
    }
    offsets[count] = total
    const bytes = new Uint8Array(total)
    this.asBuffer ??= Buffer.from(b.buffer, b.byteOffset, b.byteLength)
    const target = Buffer.from(bytes.buffer)
    let at = start
    for (let i = 0; i < count; i++) {
      while (b[at++] >= 0x80); // the length, known already
      const n = offsets[i + 1] - offsets[i]
      this.asBuffer.copy(target, offsets[i], at, at + n)
      at += n
    }
    const ascii = isAscii(bytes)
    // Valid as a whole and no entry starting inside a character: every entry is valid.
    let valid = ascii || isUtf8(bytes)
    for (let i = 0; valid && !ascii && i < count; i++) valid = offsets[i] === offsets[i + 1] || (bytes[offsets[i]] & 0xc0) !== 0x80
    if (!valid) {
      this.pos = start
      this.fail('invalid UTF-8 in a string')
    }
    return { bytes, offsets, ascii }
  }

  private latin1(start: number, end: number): string {
    this.asBuffer ??= Buffer.from(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength)
    return this.asBuffer.toString('latin1', start, end)
  }

  private asBuffer: Buffer | undefined

  blob(): Uint8Array {
    return this.bytes(this.uvarint())
  }

  /** Throws unless every byte was consumed. */
  expectEnd(): void {
    if (this.pos !== this.end) this.fail(`${this.end - this.pos} unexpected trailing bytes`)
  }
}

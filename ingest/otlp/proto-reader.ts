/**
 * @module ingest/otlp/proto-reader
 * A protobuf wire-format reader over one request body, without allocation per field: 64-bit
 * values land in the `lo`/`hi` words, strings go through a StringCache.
 *
 * Contract: every read checks the bounds of the message being read (`limit`) and throws a
 * MALFORMED IngestError instead of reading past them, so a truncated or lying body can neither
 * crash nor hang the decoder (every loop advances `pos` by at least one byte).
 * Wire format: https://protobuf.dev/programming-guides/encoding/
 */
import { malformed, IngestError } from '../errors.ts'
import { MAX_STRING_BYTES } from '../limits.ts'
import { newAttributeCache, newRunCache } from './attribute-cache.ts'
import { StringCache } from './string-cache.ts'

/** Protobuf wire types. */
export const WIRE_VARINT = 0
export const WIRE_I64 = 1
export const WIRE_LEN = 2
export const WIRE_I32 = 5

/** The tag of field `field` with wire type `wire`, for `switch` cases. */
export function tag(field: number, wire: number): number {
  return (field << 3) | wire
}

/** Bigints 0..1023 made once: small integer attributes (status codes, counts) are common. */
const SMALL_BIGINTS = Array.from({ length: 1024 }, (_, i) => BigInt(i))

export class ProtoReader {
  buf: Buffer = Buffer.alloc(0)
  view: DataView = new DataView(new ArrayBuffer(0))
  pos = 0
  /** End of the message being read. */
  limit = 0
  /** Words of the last 64-bit value read. */
  lo = 0
  hi = 0
  /** Caches kept across requests: reuse one reader for the life of a server (one thread). */
  readonly strings = new StringCache()
  readonly attributes = newAttributeCache()
  readonly runs = newRunCache()

  /** Starts reading `bytes` (not copied: the caller keeps it unchanged until decoding ends). */
  reset(bytes: Uint8Array): void {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.pos = 0
    this.limit = bytes.byteLength
  }

  truncated(what: string): IngestError {
    return malformed(`cannot decode protobuf: ${what} runs past the end of its message at byte ${this.pos}`)
  }

  /** Reads a varint into `lo`/`hi`. */
  varint64(): void {
    const buf = this.buf
    const limit = this.limit
    let lo = 0
    let b = 0
    for (let shift = 0; shift < 28; shift += 7) {
      if (this.pos >= limit) throw this.truncated('a varint')
      b = buf[this.pos++]
      lo |= (b & 127) << shift
      if (b < 128) {
        this.lo = lo >>> 0
        this.hi = 0
        return
      }
    }
    if (this.pos >= limit) throw this.truncated('a varint')
    b = buf[this.pos++]
    lo |= (b & 127) << 28
    let hi = (b & 127) >> 4
    if (b >= 128) {
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) throw malformed(`cannot decode protobuf: varint longer than 10 bytes at byte ${this.pos}`)
        if (this.pos >= limit) throw this.truncated('a varint')
        b = buf[this.pos++]
        hi |= (b & 127) << shift
        if (b < 128) break
      }
    }
    this.lo = lo >>> 0
    this.hi = hi >>> 0
  }

  /** A varint's low 32 bits as an unsigned number: tags, enums, uint32 fields. */
  varint32(): number {
    if (this.pos < this.limit) {
      const b = this.buf[this.pos]
      if (b < 128) {
        this.pos++
        return b
      }
    }
    this.varint64()
    return this.lo
  }

  /** A signed 32-bit zigzag varint (sint32). */
  sint32(): number {
    const n = this.varint32()
    return (n >>> 1) ^ -(n & 1)
  }

  bool(): boolean {
    this.varint64()
    return this.lo !== 0 || this.hi !== 0
  }

  /** Reads 8 little-endian bytes into `lo`/`hi`. */
  fixed64(): void {
    if (this.pos + 8 > this.limit) throw this.truncated('a fixed64')
    this.lo = this.view.getUint32(this.pos, true)
    this.hi = this.view.getUint32(this.pos + 4, true)
    this.pos += 8
  }

  fixed32(): number {
    if (this.pos + 4 > this.limit) throw this.truncated('a fixed32')
    const v = this.view.getUint32(this.pos, true)
    this.pos += 4
    return v
  }

  double(): number {
    if (this.pos + 8 > this.limit) throw this.truncated('a double')
    const v = this.view.getFloat64(this.pos, true)
    this.pos += 8
    return v
  }

  /** The last 64-bit value read, as a signed bigint. */
  int64(): bigint {
    if (this.hi === 0 && this.lo < 1024) return SMALL_BIGINTS[this.lo]
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo))
  }

  /** The last 64-bit value read, as a signed double (exact up to 2^53). */
  int64AsNumber(): number {
    return (this.hi | 0) * 4294967296 + this.lo
  }

  /**
   * Reads a length prefix and returns the end of the bytes it announces. The `| 0` keeps
   * positions small integers: `lo` may hold a boxed double (a 64-bit value's low word), and a
   * position derived from it unboxed would turn `pos` and `limit` into doubles, which makes
   * every read of the body slower.
   */
  lengthEnd(): number {
    this.varint64()
    if (this.hi !== 0 || this.lo > this.limit - this.pos) throw this.truncated(`a length-delimited field of ${this.hi * 4294967296 + this.lo} bytes`)
    return (this.pos + this.lo) | 0
  }

  /** Enters an embedded message; returns the outer limit to pass to `leave`. */
  enter(): number {
    const end = this.lengthEnd()
    const outer = this.limit
    this.limit = end
    return outer
  }

  /** Leaves an embedded message: `pos` is at its end. */
  leave(outer: number): void {
    this.limit = outer
  }

  /** A string field; `cache` false for strings that rarely repeat (log bodies). */
  string(cache = true): string {
    const start = this.stringBytes()
    return this.strings.decode(this.buf, this.view, start, this.pos, cache)
  }

  /**
   * Skips over a string field's bytes, checking its size, and returns where they start (they
   * end at `pos`); `strings.decode` makes the string (and checks the UTF-8) when it is needed.
   */
  stringBytes(): number {
    const end = this.lengthEnd()
    const start = this.pos
    if (end - start > MAX_STRING_BYTES) {
      throw new IngestError('LIMIT_EXCEEDED', `cannot decode a string of ${end - start} bytes: the limit is ${MAX_STRING_BYTES}`)
    }
    this.pos = end
    return start
  }

  /** A bytes field copied out of the body. */
  bytes(): Uint8Array {
    const end = this.lengthEnd()
    if (end - this.pos > MAX_STRING_BYTES) {
      throw new IngestError('LIMIT_EXCEEDED', `cannot decode a bytes value of ${end - this.pos} bytes: the limit is ${MAX_STRING_BYTES}`)
    }
    const out = new Uint8Array(this.buf.subarray(this.pos, end))
    this.pos = end
    return out
  }

  /**
   * Skips a field this decoder does not read. `known` has bit n set for the field numbers the
   * message defines: such a field with an unexpected wire type is an error, not unknown data.
   */
  skip(fieldTag: number, known: number, message: string): void {
    const field = fieldTag >>> 3
    const wire = fieldTag & 7
    if (field === 0) throw malformed(`cannot decode ${message}: field number 0 at byte ${this.pos}`)
    if (field < 32 && ((known >>> field) & 1) === 1) {
      throw malformed(`cannot decode ${message}: field ${field} has wire type ${wire}, which it never uses`)
    }
    switch (wire) {
      case WIRE_VARINT:
        this.varint64()
        return
      case WIRE_I64:
        if (this.pos + 8 > this.limit) throw this.truncated('a fixed64')
        this.pos += 8
        return
      case WIRE_LEN:
        this.pos = this.lengthEnd()
        return
      case WIRE_I32:
        if (this.pos + 4 > this.limit) throw this.truncated('a fixed32')
        this.pos += 4
        return
      default:
        throw malformed(`cannot decode ${message}: wire type ${wire} of field ${field} is not supported`)
    }
  }
}

/** The bit mask of field numbers for `ProtoReader.skip`. */
export function fieldMask(...fields: number[]): number {
  let mask = 0
  for (const f of fields) mask |= 1 << f
  return mask
}

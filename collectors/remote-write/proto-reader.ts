/**
 * @module collectors/remote-write/proto-reader
 * A protobuf reader over one message's bytes for the remote-write decoders: every read checks
 * bounds and throws CollectorError MALFORMED naming the message and the byte offset; unknown
 * fields are skipped, as protobuf requires.
 */
import { CollectorError } from '../errors.ts'

export const WIRE_VARINT = 0
export const WIRE_I64 = 1
export const WIRE_LEN = 2
export const WIRE_I32 = 5

/** Prometheus's stale marker: value.StaleNaN = 0x7ff0000000000002. */
const STALE_NAN_HI = 0x7ff00000
const STALE_NAN_LO = 0x00000002

/** True for the bits of Prometheus's staleness marker at `at`. */
export function isStaleNaN(view: DataView, at: number): boolean {
  return view.getUint32(at + 4, true) === STALE_NAN_HI && view.getUint32(at, true) === STALE_NAN_LO
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

export class Reader {
  readonly bytes: Uint8Array
  readonly view: DataView
  pos: number
  readonly end: number
  /** The top-level message, for error messages: `WriteRequest`, `Request`. */
  readonly message: string

  constructor(message: string, bytes: Uint8Array, start = 0, end = bytes.length) {
    this.message = message
    this.bytes = bytes
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.pos = start
    this.end = end
  }

  fail(what: string): never {
    throw new CollectorError('MALFORMED', `cannot decode the ${this.message}: ${what} at byte ${this.pos}`)
  }

  varint(): bigint {
    let result = 0n
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) this.fail('truncated varint')
      const b = this.bytes[this.pos++]
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result)
    }
    return this.fail('varint longer than 10 bytes')
  }

  /** A varint known to be small (tags, lengths, enums, refs). */
  uint32(): number {
    const v = this.varint()
    if (v > 0xffffffffn) this.fail(`value ${v} too large`)
    return Number(v)
  }

  /** A zigzag-encoded sint64 (or sint32). */
  sint64(): bigint {
    const v = this.varint()
    return (v >> 1n) ^ -(v & 1n)
  }

  double(): number {
    const at = this.pos
    this.advance(8)
    return this.view.getFloat64(at, true)
  }

  sub(): Reader {
    const length = this.uint32()
    if (length > this.end - this.pos) this.fail(`length ${length} past the end of the message`)
    const r = new Reader(this.message, this.bytes, this.pos, this.pos + length)
    this.pos += length
    return r
  }

  string(): string {
    const r = this.sub()
    try {
      return utf8.decode(this.bytes.subarray(r.pos, r.end))
    } catch {
      return this.fail('invalid UTF-8 in a string')
    }
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint()
        return
      case WIRE_I64:
        this.advance(8)
        return
      case WIRE_LEN:
        this.sub()
        return
      case WIRE_I32:
        this.advance(4)
        return
      default:
        this.fail(`unsupported wire type ${wire}`)
    }
  }

  advance(n: number): void {
    if (n > this.end - this.pos) this.fail('truncated field')
    this.pos += n
  }

  /** Reads a tag; the caller checks the wire type it expects with `expect`. */
  tag(): [field: number, wire: number] {
    const t = this.uint32()
    const field = t >>> 3
    if (field === 0) this.fail('field number 0')
    return [field, t & 7]
  }

  expect(wire: number, want: number, field: string): void {
    if (wire !== want) this.fail(`${field} has wire type ${wire}, expected ${want}`)
  }

  /**
   * A repeated scalar field, packed (one length-delimited run) or not (one value per tag), as
   * a protobuf parser must accept both: calls `read` for each value.
   */
  repeated(wire: number, scalarWire: number, field: string, read: (r: Reader) => void): void {
    if (wire === WIRE_LEN) {
      const run = this.sub()
      while (run.pos < run.end) read(run)
      return
    }
    this.expect(wire, scalarWire, field)
    read(this)
  }
}

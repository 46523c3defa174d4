/**
 * @module ingest/otlp/bytes-dict
 * Dictionary codes of a string column looked up by the string's UTF-8 bytes, before a string
 * is made. For log bodies: long, often repeated within a request (one template, a few values)
 * but rarely across requests, so the string cache does not keep them, and a Map of strings would
 * make and hash every one. A repeat costs a hash and a compare of its bytes, and makes nothing.
 *
 * Contract: one per column of one batch; every code of that column comes from here (so the
 * dictionary stays free of duplicates). Entries point into the bytes they were first seen in:
 * those must not change until the batch is finished (a request body is not).
 */
import type { StrWriter } from './column-writers.ts'

/** Hash of `buf[start..end)` (FNV-1a over 32-bit words, then the tail bytes). */
function hashBytes(buf: Uint8Array, view: DataView, start: number, end: number): number {
  const n = end - start
  const words = end - (n & 3)
  let h = Math.imul(0x811c9dc5 ^ n, 0x01000193)
  for (let i = start; i < words; i += 4) h = Math.imul(h ^ view.getUint32(i, true), 0x01000193)
  for (let i = words; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193)
  return (h ^ (h >>> 15)) >>> 0
}

export class BytesDict {
  private readonly writer: StrWriter
  /** Open addressing: code + 1 of the entry in each slot, 0 when empty. */
  private slots: Int32Array
  private readonly hashes: number[] = []
  private readonly bufs: Uint8Array[] = []
  private readonly starts: number[] = []
  private readonly ends: number[] = []

  /** Codes of `writer`'s dictionary; `expected` distinct values size the table at first. */
  constructor(writer: StrWriter, expected: number) {
    this.writer = writer
    let size = 64
    while (size < expected * 2) size *= 2
    this.slots = new Int32Array(size)
  }

  /**
   * The code of the string whose UTF-8 bytes are `buf[start..end)` (`view` over the same
   * bytes); `decode` makes the string (and validates the bytes) when they are new.
   */
  code(buf: Uint8Array, view: DataView, start: number, end: number, decode: () => string): number {
    const h = hashBytes(buf, view, start, end)
    const mask = this.slots.length - 1
    let slot = h & mask
    for (let entry = this.slots[slot]; entry !== 0; slot = (slot + 1) & mask, entry = this.slots[slot]) {
      const code = entry - 1
      if (this.hashes[code] === h && this.same(code, buf, start, end)) return code
    }
    const value = decode()
    const code = this.writer.dict.length
    this.writer.dict.push(value)
    this.hashes.push(h)
    this.bufs.push(buf)
    this.starts.push(start)
    this.ends.push(end)
    this.slots[slot] = code + 1
    if (this.hashes.length * 2 > this.slots.length) this.rehash()
    return code
  }

  /** The code of `value` (a string that did not come as bytes of the body). */
  codeOfString(value: string): number {
    const bytes = Buffer.from(value, 'utf8')
    return this.code(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.length), 0, bytes.length, () => value)
  }

  private same(code: number, buf: Uint8Array, start: number, end: number): boolean {
    const from = this.starts[code]
    if (this.ends[code] - from !== end - start) return false
    const other = this.bufs[code]
    for (let i = start, j = from; i < end; i++, j++) if (buf[i] !== other[j]) return false
    return true
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2)
    const mask = slots.length - 1
    for (let code = 0; code < this.hashes.length; code++) {
      let slot = this.hashes[code] & mask
      while (slots[slot] !== 0) slot = (slot + 1) & mask
      slots[slot] = code + 1
    }
    this.slots = slots
  }
}

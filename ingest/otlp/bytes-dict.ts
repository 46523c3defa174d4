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
import { hashBytes } from './byte-cache.ts'
import type { StrWriter } from '../../storage/index.ts'

export class BytesDict {
  private readonly writer: StrWriter
  /** Open addressing: code + 1 of the entry in each slot, 0 when empty. */
  private slots: Int32Array
  private readonly hashes: number[] = []
  private readonly views: DataView[] = []
  private readonly starts: number[] = []
  private readonly ends: number[] = []
  /** The hash and free slot of the last `find` that missed, for `add`. */
  private hash = 0
  private slot = 0

  /** Codes of `writer`'s dictionary; `expected` distinct values size the table at first. */
  constructor(writer: StrWriter, expected: number) {
    this.writer = writer
    let size = 64
    while (size < expected * 2) size *= 2
    this.slots = new Int32Array(size)
  }

  /**
   * The code of the string whose UTF-8 bytes are `buf[start..end)` (`view` over the same
   * bytes), or -1 when they are new: then `add` their string.
   */
  find(buf: Uint8Array, view: DataView, start: number, end: number): number {
    const h = hashBytes(buf, view, start, end)
    const mask = this.slots.length - 1
    let slot = h & mask
    for (let entry = this.slots[slot]; entry !== 0; slot = (slot + 1) & mask, entry = this.slots[slot]) {
      const code = entry - 1
      if (this.hashes[code] === h && this.same(code, buf, view, start, end)) return code
    }
    this.hash = h
    this.slot = slot
    return -1
  }

  /** Adds `value`, the string of the bytes the last `find` missed, and returns its code. */
  add(view: DataView, start: number, end: number, value: string): number {
    const code = this.writer.dict.length
    this.writer.dict.push(value)
    this.hashes.push(this.hash)
    this.views.push(view)
    this.starts.push(start)
    this.ends.push(end)
    this.slots[this.slot] = code + 1
    if (this.hashes.length * 2 > this.slots.length) this.rehash()
    return code
  }

  /** The code of `value` (a string that did not come as bytes of the body). */
  codeOfString(value: string): number {
    const bytes = Buffer.from(value, 'utf8')
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
    const code = this.find(bytes, view, 0, bytes.length)
    return code >= 0 ? code : this.add(view, 0, bytes.length, value)
  }

  /** True when entry `code` has the bytes `buf[start..end)`: compared four at a time. */
  private same(code: number, buf: Uint8Array, view: DataView, start: number, end: number): boolean {
    let j = this.starts[code]
    if (this.ends[code] - j !== end - start) return false
    const other = this.views[code]
    let i = start
    for (; i + 4 <= end; i += 4, j += 4) if (view.getInt32(i, true) !== other.getInt32(j, true)) return false
    for (; i < end; i++, j++) if (buf[i] !== other.getUint8(j)) return false
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

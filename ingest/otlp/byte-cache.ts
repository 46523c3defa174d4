/**
 * @module ingest/otlp/byte-cache
 * A direct-mapped cache from short byte strings of a request body to a value decoded from
 * them. The decoder uses it for strings and for whole attributes, which repeat byte for byte
 * across records and requests: a hit costs a hash and a compare, four bytes at a time.
 *
 * Contract: a colliding key replaces the slot, so memory is bounded by `slots` x `maxBytes`
 * plus the values. `put` stores under the slot of the last `get`, which must be for the same
 * bytes. Not safe to share between threads.
 */

export class ByteCache<T> {
  readonly maxBytes: number
  private readonly mask: number
  /** Slot i holds its key at arena[i*maxBytes ..], `lengths[i]` bytes long (0: empty). */
  private readonly arena: Uint8Array
  private readonly arenaView: DataView
  private readonly lengths: Uint8Array
  private readonly values: (T | undefined)[]
  private slot = 0

  /** `slots` must be a power of two, `maxBytes` at most 255. */
  constructor(slots: number, maxBytes: number) {
    this.maxBytes = maxBytes
    this.mask = slots - 1
    this.arena = new Uint8Array(slots * maxBytes)
    this.arenaView = new DataView(this.arena.buffer)
    this.lengths = new Uint8Array(slots)
    this.values = new Array<T | undefined>(slots).fill(undefined)
  }

  /** The value cached for `buf[start..end)` (`view` over the same bytes), if any. */
  get(buf: Uint8Array, view: DataView, start: number, end: number): T | undefined {
    const n = end - start
    const words = end - (n & 3)
    let h = Math.imul(0x811c9dc5 ^ n, 0x01000193)
    for (let i = start; i < words; i += 4) h = Math.imul(h ^ view.getUint32(i, true), 0x01000193)
    for (let i = words; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193)
    const slot = (h ^ (h >>> 15)) & this.mask
    this.slot = slot
    if (this.lengths[slot] !== n) return undefined
    const arena = this.arenaView
    let at = slot * this.maxBytes
    for (let i = start; i < words; i += 4, at += 4) if (view.getUint32(i, true) !== arena.getUint32(at, true)) return undefined
    for (let i = words; i < end; i++, at++) if (buf[i] !== this.arena[at]) return undefined
    return this.values[slot]
  }

  /** Caches `value` for the bytes of the last `get` (a miss). */
  put(buf: Uint8Array, start: number, end: number, value: T): void {
    this.arena.set(buf.subarray(start, end), this.slot * this.maxBytes)
    this.lengths[this.slot] = end - start
    this.values[this.slot] = value
  }
}

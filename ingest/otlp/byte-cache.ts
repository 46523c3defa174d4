/**
 * @module ingest/otlp/byte-cache
 * A direct-mapped cache from short byte strings of a request body to a value decoded from
 * them. The decoder uses it for strings, for whole attributes and for runs of attributes, which
 * repeat byte for byte across records and requests: a hit costs a hash and a compare, four
 * bytes at a time.
 *
 * Contract: a colliding key replaces the slot, so memory is bounded by `slots` x `maxBytes`
 * plus the values. `put` stores under the slot of the last `get`, which must be for the same
 * bytes. A hit is exact: the whole key is compared. Not safe to share between threads.
 */

/**
 * A 32-bit hash of `buf[start..end)` (`view` over the same bytes), as a signed integer:
 * FNV-style multiply and xor over 32-bit words in two independent lanes (so that the multiplies
 * overlap), then a final mix (MurmurHash3's) so that every byte reaches the low bits.
 */
export function hashBytes(buf: Uint8Array, view: DataView, start: number, end: number): number {
  let h1 = 0x811c9dc5 ^ (end - start)
  let h2 = 0x9e3779b1
  let i = start
  for (; i + 8 <= end; i += 8) {
    h1 = Math.imul(h1 ^ view.getInt32(i, true), 0x01000193)
    h2 = Math.imul(h2 ^ view.getInt32(i + 4, true), 0x5bd1e995)
  }
  if (i + 4 <= end) {
    h1 = Math.imul(h1 ^ view.getInt32(i, true), 0x01000193)
    i += 4
  }
  for (; i < end; i++) h2 = Math.imul(h2 ^ buf[i], 0x5bd1e995)
  let h = h1 ^ Math.imul(h2 ^ (h2 >>> 16), 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

export class ByteCache<T> {
  readonly maxBytes: number
  private readonly mask: number
  /** Slot i holds its key at arena[i*maxBytes ..], `lengths[i]` bytes long (-1: empty). */
  private readonly arena: Uint8Array
  private readonly arenaView: DataView
  private readonly lengths: Int32Array
  private readonly values: (T | undefined)[]
  private slot = 0

  /** `slots` must be a power of two; keys are at most `maxBytes` long. */
  constructor(slots: number, maxBytes: number) {
    this.maxBytes = maxBytes
    this.mask = slots - 1
    this.arena = new Uint8Array(slots * maxBytes)
    this.arenaView = new DataView(this.arena.buffer)
    this.lengths = new Int32Array(slots).fill(-1)
    this.values = new Array<T | undefined>(slots).fill(undefined)
  }

  /** The value cached for `buf[start..end)` (`view` over the same bytes), if any. */
  get(buf: Uint8Array, view: DataView, start: number, end: number): T | undefined {
    const n = end - start
    const slot = hashBytes(buf, view, start, end) & this.mask
    this.slot = slot
    if (this.lengths[slot] !== n) return undefined
    const arena = this.arenaView
    let at = slot * this.maxBytes
    let i = start
    for (const words = end - 3; i < words; i += 4, at += 4) if (view.getInt32(i, true) !== arena.getInt32(at, true)) return undefined
    for (; i < end; i++, at++) if (buf[i] !== this.arena[at]) return undefined
    return this.values[slot]
  }

  /** Caches `value` for the bytes of the last `get` (a miss); `end - start` is at most `maxBytes`. */
  put(buf: Uint8Array, start: number, end: number, value: T): void {
    this.arena.set(buf.subarray(start, end), this.slot * this.maxBytes)
    this.lengths[this.slot] = end - start
    this.values[this.slot] = value
  }
}

/**
 * @module storage/engine/block-cache
 * Decoded column chunks, kept for repeated scans within a byte budget (least recently used
 * goes first). Parts are immutable, so a cached chunk never goes stale; a chunk is keyed by
 * its part's random file id, block and column. A chunk of UTF-8 strings (utf8-strings.ts) is
 * kept and charged as bytes; each get hands out a column of its own over them.
 */
import type { Column } from '../model.ts'
import { detachStrings, utf8Bytes } from '../utf8-strings.ts'

/** What a scan reads decoded chunks through: one thread's BlockCache, or a SharedBlockCache. */
export interface ChunkCache {
  /** Whether the chunk is cached (without counting as a use). */
  has(key: string): boolean
  get(key: string): Column | undefined
  set(key: string, column: Column): void
  clear(): void
}

export class BlockCache implements ChunkCache {
  private readonly entries = new Map<string, { column: Column; bytes: number }>()
  private bytes = 0
  private readonly budget: number

  constructor(budget: number) {
    this.budget = budget
  }

  has(key: string): boolean {
    return this.entries.has(key)
  }

  get(key: string): Column | undefined {
    const e = touch(this.entries, key)
    return e === undefined ? undefined : detachStrings(e.column)
  }

  set(key: string, column: Column): void {
    if (this.budget <= 0) return
    const bytes = columnBytes(column)
    if (bytes > this.budget / 4) return
    // Strings made of a chunk's UTF-8 bytes stay with the scan that made them, outside the budget.
    this.entries.set(key, { column: detachStrings(column), bytes })
    this.bytes += bytes
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.budget) break
      this.entries.delete(k)
      this.bytes -= e.bytes
    }
  }

  clear(): void {
    this.entries.clear()
    this.bytes = 0
  }
}

/** The entry of `key`, moved to the most recently used end of the map (insertion order). */
export function touch<T>(entries: Map<string, T>, key: string): T | undefined {
  const e = entries.get(key)
  if (e === undefined) return undefined
  entries.delete(key)
  entries.set(key, e)
  return e
}

/** Approximate memory of a decoded column. */
export function columnBytes(c: Column): number {
  const present = c.present?.length ?? 0
  switch (c.kind) {
    case 'str':
      if (c.utf8 !== undefined) return present + c.codes.byteLength + utf8Bytes(c.utf8)
      return present + c.codes.byteLength + c.dict.reduce((n, s) => n + 2 * s.length + 16, 0)
    case 'any':
      return present + c.values.length * 64
    case 'i64list':
    case 'f64list':
      return present + c.offsets.byteLength + c.values.byteLength
    default:
      return present + c.values.byteLength
  }
}

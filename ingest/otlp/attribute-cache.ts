/**
 * @module ingest/otlp/attribute-cache
 * Whole attributes (KeyValue messages with a scalar value) remembered by their bytes: the
 * same `http.route = /api/cart` arrives thousands of times. A cached attribute also remembers
 * the column it last went to and its dictionary code there, so writing it again is an array
 * store. Entries follow the request being decoded: a new column set resolves them anew.
 */
import type { AnyValue } from '../../storage/index.ts'
import { ATTRIBUTE_CACHE_SLOTS, CACHED_ATTRIBUTE_MAX_BYTES } from '../limits.ts'
import { ByteCache } from './byte-cache.ts'
import { StrWriter, type AttrGroup, type AttrWriter } from './columns.ts'

export class CachedAttribute {
  readonly key: string
  readonly value: AnyValue
  private group: AttrGroup | undefined
  private writer: AttrWriter | undefined
  private strWriter: StrWriter | undefined
  private code = 0

  constructor(key: string, value: AnyValue) {
    this.key = key
    this.value = value
  }

  write(group: AttrGroup, row: number): void {
    if (this.group !== group) {
      this.group = group
      this.writer = group.get(this.key)
      this.strWriter = undefined
    }
    const w = this.writer as AttrWriter
    const inner = w.inner
    if (inner instanceof StrWriter && typeof this.value === 'string') {
      if (inner !== this.strWriter) {
        this.strWriter = inner
        this.code = inner.code(this.value)
      }
      inner.setCode(row, this.code)
    } else w.set(row, this.value)
  }
}

export function newAttributeCache(): ByteCache<CachedAttribute> {
  return new ByteCache<CachedAttribute>(ATTRIBUTE_CACHE_SLOTS, CACHED_ATTRIBUTE_MAX_BYTES)
}

/** True for values an attribute cache entry may hold: scalars, shared safely between rows. */
export function isCacheable(value: AnyValue): boolean {
  return value === null || typeof value !== 'object'
}

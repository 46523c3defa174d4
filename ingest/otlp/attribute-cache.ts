/**
 * @module ingest/otlp/attribute-cache
 * Attributes remembered by their bytes, one at a time and as whole runs. The same
 * `http.route = /api/cart` arrives thousands of times, and so does a data point's whole list of
 * attributes (every point of a series carries the same one). A cached attribute also remembers
 * the column it last went to and its dictionary code there, so writing it again is an array
 * store; a cached run is a list of cached attributes, found with one hash and one compare of
 * the run's bytes. Entries follow the request being decoded: a new column set resolves them
 * anew, and a finished (or abandoned) request makes them forget its columns (AttrGroup.release),
 * so that the cache keeps no batch alive.
 */
import { AnyWriter, I64Writer, NumWriter, StrWriter, type AnyValue, type AttrGroup, type AttrWriter, type GroupUser } from '../../storage/index.ts'
import { ATTRIBUTE_CACHE_SLOTS, ATTRIBUTE_RUN_CACHE_SLOTS, CACHED_ATTRIBUTE_MAX_BYTES, CACHED_ATTRIBUTE_RUN_MAX_BYTES } from '../limits.ts'
import { ByteCache } from './byte-cache.ts'

/** How a cached value is written: the kind of scalar writer it goes to while its column keeps one type. */
const STR = 0
const I64 = 1
const NUM = 2
const ANY = 3

/** One decoded attribute with a scalar value (shared safely between rows). */
export class CachedAttribute implements GroupUser {
  readonly key: string
  readonly value: AnyValue
  /** `value` as the number a bool or f64 column holds. */
  private readonly number: number
  private group: AttrGroup | undefined
  private writer: AttrWriter | undefined
  /** The scalar writer of the column when last resolved, and how to write to it. */
  private target: unknown = undefined
  private how = ANY
  private code = 0

  constructor(key: string, value: AnyValue) {
    this.key = key
    this.value = value
    this.number = typeof value === 'boolean' ? (value ? 1 : 0) : typeof value === 'number' ? value : 0
  }

  /** Sets this attribute on row `row` of `group`'s columns. */
  write(group: AttrGroup, row: number): void {
    if (this.group === group && (this.writer as AttrWriter).inner === this.target) {
      const how = this.how
      if (how === STR) (this.target as StrWriter).setCode(row, this.code)
      else if (how === I64) (this.target as I64Writer).set(row, this.value as bigint)
      else if (how === NUM) (this.target as NumWriter<'f64' | 'bool'>).set(row, this.number)
      else (this.target as AnyWriter).set(row, this.value)
      return
    }
    this.resolve(group, row)
  }

  /** Forgets the group it was resolved against (the request is over). */
  release(): void {
    this.group = undefined
    this.writer = undefined
    this.target = undefined
  }

  /** Writes through the attribute column (which picks or widens the type), then remembers where it went. */
  private resolve(group: AttrGroup, row: number): void {
    if (this.group !== group) {
      this.group = group
      this.writer = group.get(this.key)
      group.use(this)
    }
    const w = this.writer as AttrWriter
    w.set(row, this.value)
    const inner = w.inner
    this.target = inner
    if (inner instanceof StrWriter) {
      this.how = STR
      this.code = inner.code(this.value as string)
    } else if (inner instanceof I64Writer) this.how = I64
    else if (inner instanceof NumWriter) this.how = NUM
    else this.how = ANY
  }
}

/** The attributes of one run of consecutive attribute fields, in order. */
export class CachedRun {
  readonly attributes: readonly CachedAttribute[]

  constructor(attributes: readonly CachedAttribute[]) {
    this.attributes = attributes
  }

  /** Sets the run's attributes on row `row`, in order (a key given twice keeps the last value). */
  write(group: AttrGroup, row: number): void {
    const attributes = this.attributes
    for (let i = 0; i < attributes.length; i++) attributes[i].write(group, row)
  }
}

export function newAttributeCache(): ByteCache<CachedAttribute> {
  return new ByteCache<CachedAttribute>(ATTRIBUTE_CACHE_SLOTS, CACHED_ATTRIBUTE_MAX_BYTES)
}

export function newRunCache(): ByteCache<CachedRun> {
  return new ByteCache<CachedRun>(ATTRIBUTE_RUN_CACHE_SLOTS, CACHED_ATTRIBUTE_RUN_MAX_BYTES)
}

/** True for values an attribute cache entry may hold: scalars, shared safely between rows. */
export function isCacheable(value: AnyValue): boolean {
  return value === null || typeof value !== 'object'
}

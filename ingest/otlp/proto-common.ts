/**
 * @module ingest/otlp/proto-common
 * Protobuf decoding of the messages every signal shares (opentelemetry/proto/common/v1 and
 * resource/v1): AnyValue, KeyValue, InstrumentationScope, Resource.
 */
import type { AnyValue, AttrGroup, BytesWriter } from '../../storage/index.ts'
import { IngestError, malformed } from '../errors.ts'
import { MAX_ANY_VALUE_DEPTH } from '../limits.ts'
import { CachedAttribute, CachedRun, isCacheable } from './attribute-cache.ts'
import { fieldMask, tag, WIRE_I64, WIRE_LEN, WIRE_VARINT, type ProtoReader } from './proto-reader.ts'
import { checkAttributeCount, setKey, type KeyValues, type Origin } from './signal-rows.ts'

const ANY_VALUE_FIELDS = fieldMask(1, 2, 3, 4, 5, 6, 7)
const KEY_VALUE_FIELDS = fieldMask(1, 2)
const LIST_FIELDS = fieldMask(1)
const SCOPE_FIELDS = fieldMask(1, 2, 3, 4)
const RESOURCE_FIELDS = fieldMask(1, 2, 3)

/**
 * Reads an embedded AnyValue message; an empty one is null. `cacheStrings` false for values
 * that rarely repeat (log bodies), which would only churn the string cache.
 */
export function readAnyValue(r: ProtoReader, depth: number, cacheStrings = true): AnyValue {
  if (depth > MAX_ANY_VALUE_DEPTH) {
    throw new IngestError('LIMIT_EXCEEDED', `cannot decode an AnyValue nested more than ${MAX_ANY_VALUE_DEPTH} levels deep`)
  }
  const outer = r.enter()
  let value: AnyValue = null
  while (r.pos < r.limit) {
    const t = r.varint32()
    switch (t) {
      case tag(1, WIRE_LEN):
        value = r.string(cacheStrings)
        break
      case tag(2, WIRE_VARINT):
        value = r.bool()
        break
      case tag(3, WIRE_VARINT):
        r.varint64()
        value = r.int64()
        break
      case tag(4, WIRE_I64):
        value = r.double()
        break
      case tag(5, WIRE_LEN):
        value = readArrayValue(r, depth + 1)
        break
      case tag(6, WIRE_LEN):
        value = readKeyValueList(r, depth + 1)
        break
      case tag(7, WIRE_LEN):
        value = r.bytes()
        break
      default:
        r.skip(t, ANY_VALUE_FIELDS, 'AnyValue')
    }
  }
  r.leave(outer)
  return value
}

function readArrayValue(r: ProtoReader, depth: number): AnyValue[] {
  const outer = r.enter()
  const out: AnyValue[] = []
  while (r.pos < r.limit) {
    const t = r.varint32()
    if (t === tag(1, WIRE_LEN)) out.push(readAnyValue(r, depth))
    else r.skip(t, LIST_FIELDS, 'ArrayValue')
  }
  r.leave(outer)
  return out
}

function readKeyValueList(r: ProtoReader, depth: number): { [key: string]: AnyValue } {
  const outer = r.enter()
  const out: { [key: string]: AnyValue } = {}
  const kv: KeyValue = { key: '', value: null }
  while (r.pos < r.limit) {
    const t = r.varint32()
    if (t === tag(1, WIRE_LEN)) {
      readKeyValue(r, kv, depth)
      setKey(out, kv.key, kv.value)
    } else r.skip(t, LIST_FIELDS, 'KeyValueList')
  }
  r.leave(outer)
  return out
}

/** A reusable holder of one decoded KeyValue. */
export interface KeyValue {
  key: string
  value: AnyValue
}

/** Reads an embedded KeyValue message into `kv`. */
export function readKeyValue(r: ProtoReader, kv: KeyValue, depth: number): void {
  const outer = r.enter()
  readKeyValueFields(r, kv, depth)
  r.leave(outer)
}

function readKeyValueFields(r: ProtoReader, kv: KeyValue, depth: number): void {
  kv.key = ''
  kv.value = null
  while (r.pos < r.limit) {
    const t = r.varint32()
    if (t === tag(1, WIRE_LEN)) kv.key = r.string()
    else if (t === tag(2, WIRE_LEN)) kv.value = readAnyValue(r, depth + 1)
    else r.skip(t, KEY_VALUE_FIELDS, 'KeyValue')
  }
}

/**
 * Reads one attribute (an embedded KeyValue) into row `row` of `group`, through the attribute
 * cache. Returns its cache entry, or undefined when it has none: its value is not a scalar, or
 * it is too long for the cache and `keep` is false (true makes an entry anyway, for a run).
 */
export function readAttribute(r: ProtoReader, kv: KeyValue, group: AttrGroup, row: number, keep = false): CachedAttribute | undefined {
  const outer = r.enter()
  const start = r.pos
  const end = r.limit
  const cacheable = end - start <= r.attributes.maxBytes
  if (cacheable) {
    const hit = r.attributes.get(r.buf, r.view, start, end)
    if (hit !== undefined) {
      r.pos = end
      r.leave(outer)
      hit.write(group, row)
      return hit
    }
  }
  readKeyValueFields(r, kv, 0)
  r.leave(outer)
  if ((cacheable || keep) && isCacheable(kv.value)) {
    const entry = new CachedAttribute(kv.key, kv.value)
    if (cacheable) r.attributes.put(r.buf, start, end, entry)
    entry.write(group, row)
    return entry
  }
  group.get(kv.key).set(row, kv.value)
  return undefined
}

/**
 * Where the run of attribute fields starting at `r.pos` (the first one's length; its tag was
 * read) ends: after the last whole KeyValue reached through tags `attrTag` (one byte each)
 * within the run cache's byte limit. `r.pos` when not even the first fits (too long, truncated).
 */
function runEnd(r: ProtoReader, attrTag: number): number {
  const buf = r.buf
  const start = r.pos
  const max = Math.min(r.limit, start + r.runs.maxBytes)
  let pos = start
  let end = start
  while (pos < max) {
    let n = buf[pos++]
    if (n >= 128) {
      // A KeyValue within the limit has a length of at most two varint bytes.
      if (pos >= max || buf[pos] >= 128) break
      n = (n & 127) | (buf[pos++] << 7)
    }
    pos += n
    if (pos > max) break
    end = pos
    if (pos >= max || buf[pos] !== attrTag) break
    pos++
  }
  return end
}

/**
 * Reads the attribute (tag `attrTag`, already read) at `r.pos` and those right after it into row
 * `row` of `group`: a run of them is looked up whole in the run cache. Meant for data points,
 * whose attributes are their series and repeat as a whole; those of log records and spans repeat
 * one by one rather than as runs, and there a run cache costs more than it saves (about 10% of
 * the reference workload's decoding time). `count` is the number of attributes of the record so
 * far; returns it with this run's, after checking it against MAX_ATTRIBUTES_PER_RECORD (`owner`
 * names the record for the error).
 */
export function readAttributeRun(r: ProtoReader, kv: KeyValue, group: AttrGroup, row: number, attrTag: number, count: number, owner: string): number {
  const start = r.pos
  const end = runEnd(r, attrTag)
  if (end === start) {
    checkAttributeCount(count + 1, owner)
    readAttribute(r, kv, group, row, false)
    return count + 1
  }
  const runs = r.runs
  const hit = runs.get(r.buf, r.view, start, end)
  if (hit !== undefined) {
    count += hit.attributes.length
    checkAttributeCount(count, owner)
    r.pos = end
    hit.write(group, row)
    return count
  }
  const attributes: CachedAttribute[] = []
  let cacheable = true
  for (;;) {
    checkAttributeCount(++count, owner)
    const entry = readAttribute(r, kv, group, row, true)
    if (entry === undefined) cacheable = false
    else attributes.push(entry)
    if (r.pos >= end) break
    r.pos++ // the next attribute's tag, attrTag
  }
  if (cacheable) runs.put(r.buf, start, end, new CachedRun(attributes))
  return count
}

/** Reads one attribute into a plain object (event, link and exemplar attributes, metadata). */
export function readAttributeInto(r: ProtoReader, kv: KeyValue, object: { [key: string]: AnyValue }): void {
  readKeyValue(r, kv, 0)
  setKey(object, kv.key, kv.value)
}

/** Reads one resource or scope attribute into `into`, through the attribute cache. */
function readAttributeList(r: ProtoReader, kv: KeyValue, into: KeyValues, owner: string): void {
  const outer = r.enter()
  const start = r.pos
  const end = r.limit
  const cacheable = end - start <= r.attributes.maxBytes
  const hit = cacheable ? r.attributes.get(r.buf, r.view, start, end) : undefined
  if (hit !== undefined) {
    r.pos = end
    into.keys.push(hit.key)
    into.values.push(hit.value)
  } else {
    readKeyValueFields(r, kv, 0)
    if (cacheable && isCacheable(kv.value)) r.attributes.put(r.buf, start, end, new CachedAttribute(kv.key, kv.value))
    into.keys.push(kv.key)
    into.values.push(kv.value)
  }
  r.leave(outer)
  checkAttributeCount(into.keys.length, owner)
}

/** Reads an embedded Resource message into `into`. */
export function readResource(r: ProtoReader, kv: KeyValue, into: Origin): void {
  const outer = r.enter()
  while (r.pos < r.limit) {
    const t = r.varint32()
    if (t === tag(1, WIRE_LEN)) readAttributeList(r, kv, into.attributes, 'a resource')
    else if (t === tag(2, WIRE_VARINT)) into.droppedAttributesCount = r.varint32()
    else r.skip(t, RESOURCE_FIELDS, 'Resource') // 3: entity_refs (development), not stored
  }
  r.leave(outer)
}

/** Reads an embedded InstrumentationScope message into `into`. */
export function readScope(r: ProtoReader, kv: KeyValue, into: Origin): void {
  const outer = r.enter()
  while (r.pos < r.limit) {
    const t = r.varint32()
    if (t === tag(1, WIRE_LEN)) into.name = r.string()
    else if (t === tag(2, WIRE_LEN)) into.version = r.string()
    else if (t === tag(3, WIRE_LEN)) readAttributeList(r, kv, into.attributes, 'a scope')
    else if (t === tag(4, WIRE_VARINT)) into.droppedAttributesCount = r.varint32()
    else r.skip(t, SCOPE_FIELDS, 'InstrumentationScope')
  }
  r.leave(outer)
}

/** Reads an id field's length: 0 (absent) or `width`; throws MALFORMED for any other. */
function idLength(r: ProtoReader, width: number, what: string): number {
  const end = r.lengthEnd()
  const n = end - r.pos
  if (n !== 0 && n !== width) throw malformed(`cannot decode ${what}: it is ${n} bytes long, expected ${width}`)
  return n
}

/**
 * Reads an id field (bytes) into row `row` of `out` (zeros when it is empty, that is absent):
 * returns false when it is empty, throws MALFORMED when its length is neither 0 nor the width.
 */
export function readId(r: ProtoReader, out: BytesWriter, row: number, what: string): boolean {
  const n = idLength(r, out.width, what)
  out.copy(row, r.view, r.pos, n)
  r.pos += n
  return n !== 0
}

/** An id as its own bytes (empty when absent), for links and exemplars. */
export function readIdBytes(r: ProtoReader, width: number, what: string): Uint8Array {
  const n = idLength(r, width, what)
  const out = new Uint8Array(r.buf.subarray(r.pos, r.pos + n))
  r.pos += n
  return out
}

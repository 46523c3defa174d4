/**
 * @module ingest/otlp/json-common
 * The OTLP/JSON mapping of the shared messages and scalar fields: lowerCamelCase keys, trace
 * and span ids in hex, 64-bit integers as decimal strings or numbers, enums as integers, bytes
 * values in base64, unknown fields ignored. Spec: opentelemetry-proto docs/specification.md,
 * "JSON Protobuf Encoding".
 */
import type { AnyValue, AttrGroup } from '../../storage/index.ts'
import { IngestError, malformed } from '../errors.ts'
import { MAX_ANY_VALUE_DEPTH, MAX_STRING_BYTES } from '../limits.ts'
import { checkAttributeCount, setKey, timeWords, type KeyValues, type Origin } from './signal-rows.ts'

export type JsonObject = { [key: string]: unknown }

/** The object at `value` (an absent field is an empty object). */
export function obj(value: unknown, field: string): JsonObject {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw malformed(`cannot decode ${field}: expected an object`)
  return value as JsonObject
}

/** The array at `value` (an absent field is empty). */
export function list(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw malformed(`cannot decode ${field}: expected an array`)
  return value
}

export function str(value: unknown, field: string): string {
  if (value === undefined || value === null) return ''
  if (typeof value !== 'string') throw malformed(`cannot decode ${field}: expected a string`)
  if (value.length > MAX_STRING_BYTES) {
    throw new IngestError('LIMIT_EXCEEDED', `cannot decode ${field}: a string of ${value.length} characters passes the limit of ${MAX_STRING_BYTES}`)
  }
  return value
}

export function bool(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false
  if (typeof value !== 'boolean') throw malformed(`cannot decode ${field}: expected true or false`)
  return value
}

const INT_TEXT = /^-?\d{1,20}$/

/**
 * A 64-bit integer written as a decimal string or a number. A number past 2^53 is taken as
 * the double it parsed to: senders that write numbers have already rounded there.
 */
export function int64(value: unknown, field: string): bigint {
  if (value === undefined || value === null) return 0n
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 2 ** 64) return BigInt.asIntN(64, BigInt(value))
  if (typeof value === 'string' && INT_TEXT.test(value)) {
    const n = BigInt(value)
    if (n >= -(2n ** 63n) && n < 2n ** 64n) return BigInt.asIntN(64, n)
  }
  throw malformed(`cannot decode ${field}: expected a 64-bit integer as a decimal string or number, got ${JSON.stringify(value)?.slice(0, 40)}`)
}

/** An unsigned 64-bit timestamp or count, as the words `timeProblem` takes. */
export function words64(value: unknown, field: string): [number, number] {
  return timeWords(int64(value, field))
}

/** A 32-bit integer field or an enum (OTLP/JSON writes enums as integers). */
export function u32(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0
  const n = typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -(2 ** 31) || n > 2 ** 32 - 1) {
    throw malformed(`cannot decode ${field}: expected an integer (enums are integers in OTLP/JSON), got ${JSON.stringify(value)?.slice(0, 40)}`)
  }
  return n >>> 0
}

export function i32(value: unknown, field: string): number {
  return u32(value, field) | 0
}

const SPECIAL_DOUBLES: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity }

/** A double: a number, or "NaN", "Infinity", "-Infinity" or a numeric string (proto3 JSON). */
export function double(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0
  if (typeof value === 'number') return value
  if (typeof value === 'string') {
    const special = SPECIAL_DOUBLES[value]
    if (special !== undefined) return special
    const n = Number(value)
    if (value.trim() !== '' && !Number.isNaN(n)) return n
  }
  throw malformed(`cannot decode ${field}: expected a number, got ${JSON.stringify(value)?.slice(0, 40)}`)
}

const HEX = /^[0-9a-fA-F]*$/

/**
 * A trace or span id in hex (OTLP/JSON deviates from proto3 JSON here: not base64). Returns
 * undefined when empty or absent.
 */
export function id(value: unknown, width: number, field: string): Uint8Array | undefined {
  const text = str(value, field)
  if (text === '') return undefined
  if (text.length !== width * 2 || !HEX.test(text)) {
    throw malformed(`cannot decode ${field}: expected ${width * 2} hex digits (OTLP/JSON ids are hex, not base64), got ${JSON.stringify(text.slice(0, 64))}`)
  }
  return Uint8Array.from(Buffer.from(text, 'hex'))
}

/** An id as stored inside events, links and exemplars: empty when absent. */
export function idOrEmpty(value: unknown, width: number, field: string): Uint8Array {
  return id(value, width, field) ?? new Uint8Array(0)
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/

function bytes(value: unknown, field: string): Uint8Array {
  const text = str(value, field)
  if (!BASE64.test(text)) throw malformed(`cannot decode ${field}: expected base64`)
  return Uint8Array.from(Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64'))
}

/** An AnyValue object; an empty one is null. */
export function anyValue(value: unknown, field: string, depth = 0): AnyValue {
  if (depth > MAX_ANY_VALUE_DEPTH) {
    throw new IngestError('LIMIT_EXCEEDED', `cannot decode ${field}: AnyValue nested more than ${MAX_ANY_VALUE_DEPTH} levels deep`)
  }
  const v = obj(value, field)
  if (v.stringValue !== undefined) return str(v.stringValue, `${field}.stringValue`)
  if (v.boolValue !== undefined) return bool(v.boolValue, `${field}.boolValue`)
  if (v.intValue !== undefined) return int64(v.intValue, `${field}.intValue`)
  if (v.doubleValue !== undefined) return double(v.doubleValue, `${field}.doubleValue`)
  if (v.bytesValue !== undefined) return bytes(v.bytesValue, `${field}.bytesValue`)
  if (v.arrayValue !== undefined) {
    return list(obj(v.arrayValue, field).values, `${field}.arrayValue.values`).map((item) => anyValue(item, field, depth + 1))
  }
  if (v.kvlistValue !== undefined) {
    const out: { [key: string]: AnyValue } = {}
    for (const kv of list(obj(v.kvlistValue, field).values, `${field}.kvlistValue.values`)) {
      const o = obj(kv, field)
      setKey(out, str(o.key, `${field}.key`), anyValue(o.value, field, depth + 1))
    }
    return out
  }
  return null
}

/** Calls `each(key, value)` for every attribute of a KeyValue list. */
export function forAttributes(value: unknown, owner: string, each: (key: string, value: AnyValue) => void): void {
  const items = list(value, `${owner} attributes`)
  checkAttributeCount(items.length, owner)
  for (const item of items) {
    const kv = obj(item, `${owner} attribute`)
    each(str(kv.key, `${owner} attribute key`), anyValue(kv.value, `${owner} attribute ${String(kv.key).slice(0, 100)}`))
  }
}

/** Writes a record's attributes into row `row`. */
export function writeAttributes(value: unknown, owner: string, group: AttrGroup, row: number): void {
  forAttributes(value, owner, (key, v) => group.get(key).set(row, v))
}

/** Attributes as a plain object (events, links, exemplars, metadata). */
export function attributeObject(value: unknown, owner: string): { [key: string]: AnyValue } {
  const out: { [key: string]: AnyValue } = {}
  forAttributes(value, owner, (key, v) => setKey(out, key, v))
  return out
}

function keyValues(value: unknown, owner: string): KeyValues {
  const out: KeyValues = { keys: [], values: [] }
  forAttributes(value, owner, (key, v) => {
    out.keys.push(key)
    out.values.push(v)
  })
  return out
}

export function resource(value: unknown): Origin {
  const o = obj(value, 'resource')
  return { attributes: keyValues(o.attributes, 'a resource'), droppedAttributesCount: u32(o.droppedAttributesCount, 'resource.droppedAttributesCount'), name: '', version: '' }
}

export function scope(value: unknown): Origin {
  const o = obj(value, 'scope')
  return {
    attributes: keyValues(o.attributes, 'a scope'),
    droppedAttributesCount: u32(o.droppedAttributesCount, 'scope.droppedAttributesCount'),
    name: str(o.name, 'scope.name'),
    version: str(o.version, 'scope.version'),
  }
}

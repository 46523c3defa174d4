/**
 * @module storage/codec/value-codec
 * Tagged encoding of general values (AnyValue): one tag byte, then the value. Integers
 * (bigint) and doubles (number) have distinct tags so their type survives a round trip.
 */
import type { AnyValue } from '../model.ts'
import { MAX_VALUE_DEPTH, MAX_VALUE_ITEMS } from '../limits.ts'
import type { ByteReader } from './byte-reader.ts'
import type { ByteWriter } from './byte-writer.ts'

/** Value tags. On-disk codes: append, never renumber. */
export const VALUE_TAG = {
  null: 0,
  false: 1,
  true: 2,
  int: 3, // zigzag varint, 64-bit
  double: 4, // 8 bytes little-endian
  string: 5, // length-prefixed UTF-8
  bytes: 6, // length-prefixed
  array: 7, // count, then values
  kvlist: 8, // count, then (string key, value) pairs
} as const

export function writeValue(w: ByteWriter, value: AnyValue, depth = 0): void {
  if (depth > MAX_VALUE_DEPTH) throw new RangeError(`cannot encode value: nested deeper than ${MAX_VALUE_DEPTH}`)
  switch (typeof value) {
    case 'string':
      w.u8(VALUE_TAG.string)
      w.string(value)
      return
    case 'boolean':
      w.u8(value ? VALUE_TAG.true : VALUE_TAG.false)
      return
    case 'bigint':
      if (BigInt.asIntN(64, value) !== value) throw new RangeError(`cannot encode integer ${value}: outside the int64 range`)
      w.u8(VALUE_TAG.int)
      w.svarint64(value)
      return
    case 'number':
      w.u8(VALUE_TAG.double)
      w.f64(value)
      return
  }
  if (value === null) {
    w.u8(VALUE_TAG.null)
  } else if (value instanceof Uint8Array) {
    w.u8(VALUE_TAG.bytes)
    w.blob(value)
  } else if (Array.isArray(value)) {
    w.u8(VALUE_TAG.array)
    w.uvarint(value.length)
    for (const item of value) writeValue(w, item, depth + 1)
  } else {
    const keys = Object.keys(value)
    w.u8(VALUE_TAG.kvlist)
    w.uvarint(keys.length)
    for (const key of keys) {
      w.string(key)
      writeValue(w, value[key], depth + 1)
    }
  }
}

export function readValue(r: ByteReader, depth = 0): AnyValue {
  if (depth > MAX_VALUE_DEPTH) r.fail(`value nested deeper than ${MAX_VALUE_DEPTH}`)
  const tag = r.u8()
  switch (tag) {
    case VALUE_TAG.null:
      return null
    case VALUE_TAG.false:
      return false
    case VALUE_TAG.true:
      return true
    case VALUE_TAG.int:
      return r.svarint64()
    case VALUE_TAG.double:
      return r.f64()
    case VALUE_TAG.string:
      return r.string()
    case VALUE_TAG.bytes:
      return new Uint8Array(r.blob())
    case VALUE_TAG.array: {
      const n = r.count(Math.min(MAX_VALUE_ITEMS, r.remaining), 'array length')
      const out: AnyValue[] = new Array(n)
      for (let i = 0; i < n; i++) out[i] = readValue(r, depth + 1)
      return out
    }
    case VALUE_TAG.kvlist: {
      const n = r.count(Math.min(MAX_VALUE_ITEMS, r.remaining), 'key-value list length')
      const out: { [key: string]: AnyValue } = {}
      for (let i = 0; i < n; i++) {
        const key = r.string()
        // defineProperty: a key named "__proto__" is data, not the prototype
        Object.defineProperty(out, key, { value: readValue(r, depth + 1), enumerable: true, writable: true, configurable: true })
      }
      return out
    }
    default:
      return r.fail(`unknown value tag ${tag}`)
  }
}

/**
 * The byte cache: a hit only for the very bytes that were put, whatever their slot, length or
 * place in the body.
 */
import { describe, expect, test } from 'vitest'
import { ByteCache, hashBytes } from './byte-cache.ts'

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength)
const bytes = (text: string) => Buffer.from(text, 'latin1')

/** Looks `key` up at offset `at` of a larger buffer (so reads are unaligned); puts `value` on a miss. */
function lookup<T>(cache: ByteCache<T>, key: Uint8Array, at = 3, value?: T): T | undefined {
  const buf = new Uint8Array(at + key.length + 5).fill(0xee)
  buf.set(key, at)
  const hit = cache.get(buf, view(buf), at, at + key.length)
  if (hit === undefined && value !== undefined) cache.put(buf, at, at + key.length, value)
  return hit
}

/** Two different keys of the same length whose hashes fall in the same slot of `slots`. */
function collidingKeys(slots: number, length: number): [Uint8Array, Uint8Array] {
  const seen = new Map<number, Uint8Array>()
  for (let i = 0; ; i++) {
    const key = bytes(`k${i}`.padEnd(length, '.'))
    const slot = hashBytes(key, view(key), 0, key.length) & (slots - 1)
    const other = seen.get(slot)
    if (other !== undefined) return [other, key]
    seen.set(slot, key)
  }
}

describe('ByteCache', () => {
  test('a hit returns what was put for the same bytes, at any offset', () => {
    const cache = new ByteCache<string>(64, 32)
    for (let n = 0; n <= 12; n++) {
      const key = bytes('abcdefghijkl'.slice(0, n))
      expect(lookup(cache, key, 1, `v${n}`)).toBe(undefined)
      for (const at of [0, 1, 2, 3, 7]) expect(lookup(cache, key, at)).toBe(`v${n}`)
    }
  })

  test('keys of the same length in the same slot never answer for each other', () => {
    for (const length of [4, 7, 32]) {
      const cache = new ByteCache<string>(16, 32)
      const [a, b] = collidingKeys(16, length)
      expect(lookup(cache, a, 0, 'a')).toBe(undefined)
      expect(lookup(cache, b)).toBe(undefined)
      lookup(cache, b, 0, 'b')
      expect(lookup(cache, a)).toBe(undefined)
      expect(lookup(cache, b)).toBe('b')
    }
  })

  test('keys differing in one byte, anywhere, are different keys', () => {
    const cache = new ByteCache<number>(1024, 64)
    const base = bytes('0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQ')
    lookup(cache, base, 0, -1)
    for (let i = 0; i < base.length; i++) {
      const key = Uint8Array.from(base)
      key[i] ^= 0x40
      expect(lookup(cache, key)).toBe(undefined)
    }
    expect(lookup(cache, base)).toBe(-1)
  })

  test('keys evicted and put again over many rounds never answer wrongly', () => {
    const cache = new ByteCache<number>(4, 8)
    const keys = Array.from({ length: 40 }, (_, i) => bytes(`key-${i}`))
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < keys.length; i++) {
        const hit = lookup(cache, keys[i], i % 4, i)
        expect(hit === undefined || hit === i).toBe(true)
        expect(lookup(cache, keys[i])).toBe(i)
      }
    }
  })
})

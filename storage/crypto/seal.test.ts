import { describe, expect, it } from 'vitest'
import { StorageError } from '../errors.ts'
import { open, seal, SEAL_OVERHEAD } from './seal.ts'

const key = new Uint8Array(32).fill(7)
const aad = new TextEncoder().encode('file 1, block 2, column name')
const plain = new TextEncoder().encode('the rows of one column chunk')

function tamperedError(run: () => unknown): StorageError {
  try {
    run()
  } catch (error) {
    return error as StorageError
  }
  throw new Error('expected the chunk to be refused')
}

describe('seal and open', () => {
  it('round-trips, with a fresh nonce each time', () => {
    const a = seal(key, plain, aad)
    const b = seal(key, plain, aad)
    expect(a.length).toBe(plain.length + SEAL_OVERHEAD)
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false)
    expect(open(key, a, aad, 'chunk')).toEqual(plain)
    expect(open(key, b, aad, 'chunk')).toEqual(plain)
  })

  it('leaves the headroom asked for in front of the sealed chunk', () => {
    const framed = seal(key, plain, aad, 16)
    expect(framed.length).toBe(16 + plain.length + SEAL_OVERHEAD)
    expect([...framed.subarray(0, 16)]).toEqual(new Array(16).fill(0))
    expect(open(key, framed.subarray(16), aad, 'chunk')).toEqual(plain)
  })

  it('refuses a flipped bit, other associated data and another key as TAMPERED', () => {
    const sealed = seal(key, plain, aad)
    const flipped = Uint8Array.from(sealed)
    flipped[20] ^= 1
    for (const error of [
      tamperedError(() => open(key, flipped, aad, 'chunk')),
      tamperedError(() => open(key, sealed, new TextEncoder().encode('file 1, block 3, column name'), 'chunk')),
      tamperedError(() => open(new Uint8Array(32), sealed, aad, 'chunk')),
      tamperedError(() => open(key, sealed.subarray(0, 10), aad, 'chunk')),
    ]) {
      expect(error).toBeInstanceOf(StorageError)
      expect(error.code).toBe('TAMPERED')
    }
  })
})

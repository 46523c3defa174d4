/**
 * @module storage/crypto/seal
 * AES-256-GCM sealing of one chunk: nonce (12 bytes) | ciphertext | tag (16 bytes).
 * The associated data binds a chunk to where it belongs (file, block, column), so a chunk
 * moved elsewhere fails authentication just like an altered one.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto'
import { StorageError } from '../errors.ts'

export const NONCE_BYTES = 12
export const TAG_BYTES = 16
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES
export const KEY_BYTES = 32

/** Pre-drawn random nonces: one randomBytes call per 4096 chunks instead of one per chunk. */
let noncePool = Buffer.alloc(0)
let noncePos = 0

function nextNonce(): Buffer {
  if (noncePos + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(NONCE_BYTES * 4096)
    noncePos = 0
  }
  const nonce = noncePool.subarray(noncePos, noncePos + NONCE_BYTES)
  noncePos += NONCE_BYTES
  return nonce
}

/**
 * Encrypts `plain` under `key`, authenticating `aad` too. Random 96-bit nonces: safe for far
 * more chunks than one key will ever seal (NIST SP 800-38D, 2^32 invocations). The sealed
 * chunk starts after `headroom` zero bytes, room for a header the caller writes in place (a
 * WAL frame's), which saves copying the chunk into a buffer of its own.
 */
export function seal(key: Uint8Array, plain: Uint8Array, aad: Uint8Array, headroom = 0): Uint8Array {
  const nonce = nextNonce()
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.setAAD(aad)
  const out = new Uint8Array(headroom + NONCE_BYTES + plain.length + TAG_BYTES)
  out.set(nonce, headroom)
  const body = cipher.update(plain)
  out.set(body, headroom + NONCE_BYTES)
  const tail = cipher.final()
  out.set(tail, headroom + NONCE_BYTES + body.length)
  out.set(cipher.getAuthTag(), headroom + NONCE_BYTES + plain.length)
  return out
}

/** Keys imported once: a raw key given to createDecipheriv is imported again for every chunk (tens of microseconds). */
const imported = new WeakMap<Uint8Array, KeyObject>()

function keyObject(key: Uint8Array): KeyObject {
  let k = imported.get(key)
  if (k === undefined) {
    k = createSecretKey(key)
    imported.set(key, k)
  }
  return k
}

/**
 * Decrypts and authenticates a sealed chunk; throws StorageError TAMPERED when the chunk, its
 * associated data or the key does not match.
 */
export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array, what: string): Uint8Array {
  if (sealed.length < SEAL_OVERHEAD) {
    throw new StorageError('TAMPERED', `cannot decrypt ${what}: ${sealed.length} bytes is shorter than nonce and tag`)
  }
  const decipher = createDecipheriv('aes-256-gcm', keyObject(key), sealed.subarray(0, NONCE_BYTES))
  decipher.setAAD(aad)
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
  const body = decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES))
  try {
    decipher.final()
  } catch (error) {
    throw new StorageError('TAMPERED', `cannot decrypt ${what}: authentication failed (altered, truncated, moved, or another key)`, { cause: error })
  }
  return new Uint8Array(body.buffer, body.byteOffset, body.length)
}

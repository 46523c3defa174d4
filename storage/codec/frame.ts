/**
 * @module storage/codec/frame
 * The BlazeBinary frame: a 16-byte header (magic, version, type, flags, length, CRC32) around a
 * payload. Every record in the write-ahead log and every batch on the wire is one frame.
 * Layout in storage/FORMAT.md, "Frame".
 */
import { crc32 } from 'node:zlib'
import { StorageError } from '../errors.ts'
import { MAX_FRAME_PAYLOAD } from '../limits.ts'

export const MAGIC = new Uint8Array([0x42, 0x4c, 0x41, 0x5a, 0x45]) // "BLAZE"
export const FORMAT_VERSION = 1
export const FRAME_HEADER_BYTES = 16

/** Frame types. On-disk values: append, never renumber. */
export const FRAME_TYPE = {
  /** A batch of records (BlazeBinary batch payload). */
  batch: 1,
  /** A write-ahead log record: tenant and batch, sealed with AES-256-GCM. */
  walRecord: 2,
  /** A write-ahead log record with an idempotency key: tenant, key, time and batch, sealed. */
  walRecordKeyed: 3,
  /** The recent idempotency keys kept across log segment deletion (storage/wal/recent-keys-file.ts). */
  recentKeys: 4,
} as const

/** Frame flags. */
export const FRAME_FLAG = {
  /** The payload is sealed (nonce, AES-256-GCM ciphertext, tag). */
  encrypted: 1,
  /** The payload is zstd-compressed (before sealing, when both are set). */
  zstd: 2,
} as const

const KNOWN_FLAGS = FRAME_FLAG.encrypted | FRAME_FLAG.zstd

export interface Frame {
  type: number
  flags: number
  payload: Uint8Array
}

/** One frame around `payload`. */
export function encodeFrame(type: number, flags: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length)
  writeFrameHeader(out, type, flags, payload)
  out.set(payload, FRAME_HEADER_BYTES)
  return out
}

/** Writes the 16-byte header for `payload` into `out` at `at`. */
export function writeFrameHeader(out: Uint8Array, type: number, flags: number, payload: Uint8Array, at = 0): void {
  if (payload.length > MAX_FRAME_PAYLOAD) {
    throw new StorageError('INVALID_ARGUMENT', `cannot frame ${payload.length} bytes: the limit is ${MAX_FRAME_PAYLOAD}`)
  }
  out.set(MAGIC, at)
  out[at + 5] = FORMAT_VERSION
  out[at + 6] = type
  out[at + 7] = flags
  const view = new DataView(out.buffer, out.byteOffset + at, FRAME_HEADER_BYTES)
  view.setUint32(8, payload.length, true)
  view.setUint32(12, crc32(payload, crc32(out.subarray(at, at + 12))), true)
}

/** What a frame header says, checked except for the CRC (which needs the payload). */
export interface FrameHeader {
  type: number
  flags: number
  length: number
  crc: number
}

/**
 * Parses a frame header at `at`; throws StorageError CORRUPT (bad magic, unknown flags,
 * oversized length) or UNSUPPORTED_VERSION.
 */
export function readFrameHeader(buf: Uint8Array, at: number, what: string): FrameHeader {
  if (buf.length - at < FRAME_HEADER_BYTES) {
    throw new StorageError('CORRUPT', `cannot read ${what}: ${buf.length - at} bytes is shorter than a frame header`, { offset: at })
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (buf[at + i] !== MAGIC[i]) throw new StorageError('CORRUPT', `cannot read ${what}: bad magic at offset ${at}`, { offset: at })
  }
  if (buf[at + 5] !== FORMAT_VERSION) {
    throw new StorageError('UNSUPPORTED_VERSION', `cannot read ${what}: format version ${buf[at + 5]}, this build reads ${FORMAT_VERSION}`, { offset: at })
  }
  const flags = buf[at + 7]
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new StorageError('CORRUPT', `cannot read ${what}: unknown flags ${flags}`, { offset: at })
  const view = new DataView(buf.buffer, buf.byteOffset + at, FRAME_HEADER_BYTES)
  const length = view.getUint32(8, true)
  if (length > MAX_FRAME_PAYLOAD) {
    throw new StorageError('CORRUPT', `cannot read ${what}: payload length ${length} exceeds ${MAX_FRAME_PAYLOAD}`, { offset: at })
  }
  return { type: buf[at + 6], flags, length, crc: view.getUint32(12, true) }
}

/** Checks the CRC of a frame whose header is at `at` and whose payload follows it. */
export function frameCrcMatches(buf: Uint8Array, at: number, header: FrameHeader): boolean {
  const payload = buf.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + header.length)
  return crc32(payload, crc32(buf.subarray(at, at + 12))) === header.crc
}

/**
 * Decodes one whole frame that must fill `buf` exactly: truncated, extended or bit-flipped
 * input is a StorageError, never a wrong payload.
 */
export function decodeFrame(buf: Uint8Array, what = 'BlazeBinary frame'): Frame {
  const header = readFrameHeader(buf, 0, what)
  if (buf.length !== FRAME_HEADER_BYTES + header.length) {
    throw new StorageError('CORRUPT', `cannot read ${what}: header says ${header.length} payload bytes, found ${buf.length - FRAME_HEADER_BYTES}`)
  }
  if (!frameCrcMatches(buf, 0, header)) throw new StorageError('CORRUPT', `cannot read ${what}: CRC32 mismatch`)
  return { type: header.type, flags: header.flags, payload: buf.subarray(FRAME_HEADER_BYTES) }
}

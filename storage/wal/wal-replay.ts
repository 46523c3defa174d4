/**
 * @module storage/wal/wal-replay
 * Reading the write-ahead log back at open. A record that is cut short or fails its CRC at
 * the end of the newest segment is a torn write from a crash: the segment is truncated there
 * and replay goes on. Anything wrong before that is damage, reported with file and offset.
 */
import { readFileSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import { ByteReader } from '../codec/byte-reader.ts'
import { readBatchPayload } from '../codec/batch-codec.ts'
import { FRAME_HEADER_BYTES, FRAME_TYPE, frameCrcMatches, readFrameHeader } from '../codec/frame.ts'
import { open } from '../crypto/seal.ts'
import { StorageError } from '../errors.ts'
import type { Batch } from '../model.ts'
import { listSegments, segmentName, walAad, type WalRecordKey } from './wal.ts'

export interface WalRecord {
  seq: number
  tenant: string
  batch: Batch
  /** The append's idempotency key, for a record of type walRecordKeyed. */
  idempotency?: WalRecordKey
}

export interface ReplayResult {
  /** Highest segment number found (0 when none). */
  lastSeq: number
  /** Bytes cut from the tail of the newest segment, if it ended in a torn write. */
  tornBytes: number
}

/**
 * Calls `onRecord` for every record of every segment in order. With `repair: false` a torn
 * tail is reported in the result but left in place (for `blazedb verify`).
 * Throws StorageError CORRUPT or TAMPERED for damage that is not a torn tail.
 */
export function replayWal(dir: string, key: Uint8Array, onRecord: (record: WalRecord) => void, options: { repair?: boolean } = {}): ReplayResult {
  const segments = listSegments(dir)
  let tornBytes = 0
  segments.forEach((seq, i) => {
    const path = join(dir, segmentName(seq))
    const buf = readFileSync(path)
    const isLast = i === segments.length - 1
    let at = 0
    while (at < buf.length) {
      const record = recordEnd(buf, at, path)
      if (record === undefined) {
        if (!isLast) throw new StorageError('CORRUPT', `cannot replay ${path}: damaged record at offset ${at} in a closed segment`, { file: path, offset: at })
        tornBytes = buf.length - at
        if (options.repair !== false) truncateSync(path, at)
        break
      }
      const { end, keyed } = record
      const sealed = buf.subarray(at + FRAME_HEADER_BYTES, end)
      const plain = open(key, sealed, walAad(seq), `the write-ahead log record at offset ${at} of ${path}`)
      const r = new ByteReader(plain, `write-ahead log record at offset ${at} of ${path}`)
      const tenant = r.string()
      const idempotency = keyed ? { key: r.string(), timeMs: r.uvarint() } : undefined
      const batch = readBatchPayload(r)
      r.expectEnd()
      onRecord(idempotency === undefined ? { seq, tenant, batch } : { seq, tenant, batch, idempotency })
      at = end
    }
  })
  return { lastSeq: segments.length === 0 ? 0 : segments[segments.length - 1], tornBytes }
}

/** End offset and type of the well-formed record at `at`, or undefined when it is cut short or fails its CRC. */
function recordEnd(buf: Uint8Array, at: number, path: string): { end: number; keyed: boolean } | undefined {
  if (buf.length - at < FRAME_HEADER_BYTES) return undefined
  let header
  try {
    header = readFrameHeader(buf, at, path)
  } catch (error) {
    if (error instanceof StorageError && error.code === 'CORRUPT') return undefined
    throw error
  }
  if (header.type !== FRAME_TYPE.walRecord && header.type !== FRAME_TYPE.walRecordKeyed) return undefined
  const end = at + FRAME_HEADER_BYTES + header.length
  if (end > buf.length) return undefined
  return frameCrcMatches(buf, at, header) ? { end, keyed: header.type === FRAME_TYPE.walRecordKeyed } : undefined
}

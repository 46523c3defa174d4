/**
 * @module storage/wal/recent-keys-file
 * `<data>/wal/RECENT-KEYS`: the recent idempotency keys (storage/recent-keys.ts), written
 * before log segments are deleted, so that keys outlive the records that carried them
 * (storage/FORMAT.md, "Recent idempotency keys"). One sealed frame of type 4, replaced
 * atomically.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ByteReader } from '../codec/byte-reader.ts'
import { ByteWriter } from '../codec/byte-writer.ts'
import { decodeFrame, FRAME_FLAG, FRAME_TYPE, encodeFrame } from '../codec/frame.ts'
import { open, seal } from '../crypto/seal.ts'
import { StorageError } from '../errors.ts'
import { writeFileDurably } from '../fs-durable.ts'
import { IDEMPOTENCY_KEY_MAX_BYTES } from '../limits.ts'
import type { RecentKey } from '../recent-keys.ts'

export const RECENT_KEYS_FILE = 'RECENT-KEYS'

/** Associated data of the sealed table: binds it to its role. */
function aad(): Uint8Array {
  const w = new ByteWriter(16)
  w.string('recent-keys')
  return w.finish()
}

export function encodeRecentKeys(key: Uint8Array, entries: readonly RecentKey[]): Uint8Array {
  const w = new ByteWriter(64 + entries.length * 48)
  w.uvarint(entries.length)
  for (const e of entries) {
    w.string(e.tenant)
    w.string(e.key)
    w.uvarint(e.timeMs)
  }
  return encodeFrame(FRAME_TYPE.recentKeys, FRAME_FLAG.encrypted, seal(key, w.finish(), aad()))
}

/** Writes the table into `walDir` atomically and durably. */
export async function writeRecentKeys(walDir: string, key: Uint8Array, entries: readonly RecentKey[]): Promise<void> {
  await writeFileDurably(join(walDir, RECENT_KEYS_FILE), encodeRecentKeys(key, entries))
}

/** The table kept in `walDir`, empty when there is none. Throws StorageError CORRUPT or TAMPERED. */
export function readRecentKeys(walDir: string, key: Uint8Array): RecentKey[] {
  const path = join(walDir, RECENT_KEYS_FILE)
  let buf: Uint8Array
  try {
    buf = readFileSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new StorageError('IO', `cannot read ${path}: ${(error as Error).message}`, { cause: error, file: path })
  }
  const frame = decodeFrame(buf, path)
  if (frame.type !== FRAME_TYPE.recentKeys || frame.flags !== FRAME_FLAG.encrypted) {
    throw new StorageError('CORRUPT', `cannot read ${path}: frame type ${frame.type} flags ${frame.flags}, expected ${FRAME_TYPE.recentKeys} sealed`, { file: path })
  }
  const r = new ByteReader(open(key, frame.payload, aad(), path), path)
  const n = r.count(buf.length, 'key count')
  const out: RecentKey[] = []
  for (let i = 0; i < n; i++) {
    const tenant = r.string()
    const k = r.string()
    if (k.length === 0 || k.length > IDEMPOTENCY_KEY_MAX_BYTES) r.fail(`idempotency key of ${k.length} characters`)
    out.push({ tenant, key: k, timeMs: r.uvarint() })
  }
  r.expectEnd()
  return out
}

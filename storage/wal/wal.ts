/**
 * @module storage/wal/wal
 * The write-ahead log: numbered segment files of sealed BlazeBinary frames (storage/FORMAT.md,
 * "Write-ahead log"). Appends are group-committed: every append waiting while a write and
 * fdatasync run goes out together in the next one, and each append resolves only once its
 * bytes are on disk.
 */
import { mkdirSync, readdirSync } from 'node:fs'
import { open as openFile, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { ByteWriter, withReusedWriter } from '../codec/byte-writer.ts'
import { writeBatchPayload } from '../codec/batch-codec.ts'
import { FRAME_FLAG, FRAME_HEADER_BYTES, FRAME_TYPE, writeFrameHeader } from '../codec/frame.ts'
import { seal } from '../crypto/seal.ts'
import { StorageError } from '../errors.ts'
import { removeFilesDurably, syncDir } from '../fs-durable.ts'
import type { Batch } from '../model.ts'

export const WAL_SUFFIX = '.wal'

/** Segment file name: the sequence number, zero-padded so names sort in order. */
export function segmentName(seq: number): string {
  return `${String(seq).padStart(10, '0')}${WAL_SUFFIX}`
}

/** Sequence numbers of the segments in `dir`, ascending. */
export function listSegments(dir: string): number[] {
  return readdirSync(dir)
    .filter((n) => /^\d{10}\.wal$/.test(n))
    .map((n) => Number(n.slice(0, 10)))
    .sort((a, b) => a - b)
}

/** Associated data of a WAL record: binds it to its segment. */
export function walAad(seq: number): Uint8Array {
  const w = new ByteWriter(16)
  w.string('wal')
  w.uvarint(seq)
  return w.finish()
}

/** The idempotency key an append carries (storage/recent-keys.ts), and when it was stored. */
export interface WalRecordKey {
  key: string
  /** Epoch milliseconds. */
  timeMs: number
}

/**
 * One WAL record: the tenant and the batch, sealed and framed. With `idempotency`, a record of
 * type walRecordKeyed that also holds the key, so that the key is durable exactly when the batch is.
 */
export function encodeWalRecord(key: Uint8Array, seq: number, tenant: string, batch: Batch, idempotency?: WalRecordKey): Uint8Array {
  // Sealed after room for the frame header (seal copies the bytes out of the reused writer).
  const framed = withReusedWriter((w) => {
    w.string(tenant)
    if (idempotency !== undefined) {
      w.string(idempotency.key)
      w.uvarint(idempotency.timeMs)
    }
    // The log is short-lived: encode fast rather than small (parts are encoded compactly).
    writeBatchPayload(w, batch, { compact: false })
    return seal(key, w.finish(), walAad(seq), FRAME_HEADER_BYTES)
  })
  const type = idempotency === undefined ? FRAME_TYPE.walRecord : FRAME_TYPE.walRecordKeyed
  writeFrameHeader(framed, type, FRAME_FLAG.encrypted, framed.subarray(FRAME_HEADER_BYTES))
  return framed
}

interface Pending {
  bytes: Uint8Array
  resolve: () => void
  reject: (error: Error) => void
}

/**
 * The active segment and its group-commit writer.
 * Callers encode records for `seq` (encodeWalRecord) and `append` them; `rotate` switches to a
 * new segment once every append already queued is on disk.
 */
export class WalWriter {
  readonly dir: string
  private handle: FileHandle
  private pending: Pending[] = []
  private writing: Promise<void> | undefined
  private size = 0
  private failed: Error | undefined
  seq: number

  private constructor(dir: string, seq: number, handle: FileHandle) {
    this.dir = dir
    this.seq = seq
    this.handle = handle
  }

  /** Opens a new segment numbered `seq` in `dir`. */
  static async create(dir: string, seq: number): Promise<WalWriter> {
    mkdirSync(dir, { recursive: true })
    const handle = await openFile(join(dir, segmentName(seq)), 'wx')
    await syncDir(dir)
    return new WalWriter(dir, seq, handle)
  }

  /** Resolves once `record` is durable; rejects with StorageError IO if it cannot be. */
  append(record: Uint8Array): Promise<void> {
    if (this.failed !== undefined) {
      return Promise.reject(new StorageError('IO', `cannot append to the write-ahead log: ${this.failed.message}`, { cause: this.failed }))
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ bytes: record, resolve, reject })
      this.writing ??= this.drain()
    })
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const group = this.pending
      this.pending = []
      try {
        const { bytesWritten } = await this.handle.writev(group.map((p) => p.bytes), this.size)
        const expected = group.reduce((n, p) => n + p.bytes.length, 0)
        if (bytesWritten !== expected) throw new Error(`short write: ${bytesWritten} of ${expected} bytes`)
        await this.handle.datasync()
        this.size += expected
        for (const p of group) p.resolve()
      } catch (error) {
        // Cut what may have been half-written, so later records are not stranded behind it.
        await this.handle.truncate(this.size).catch((e: Error) => (this.failed = e))
        const failure = new StorageError('IO', `cannot append to the write-ahead log: ${(error as Error).message}`, { cause: error })
        for (const p of group) p.reject(failure)
      }
    }
    this.writing = undefined
  }

  /** Waits for every queued append to finish. */
  async settle(): Promise<void> {
    while (this.writing !== undefined) await this.writing
  }

  /** Finishes the current segment and starts segment seq+1. */
  async rotate(): Promise<void> {
    await this.settle()
    await this.handle.close()
    this.seq += 1
    this.handle = await openFile(join(this.dir, segmentName(this.seq)), 'wx')
    await syncDir(this.dir)
    this.size = 0
  }

  async close(): Promise<void> {
    await this.settle()
    await this.handle.close()
  }
}

/** Deletes segments numbered below `seq`: their rows are all in part files. */
export async function removeSegmentsBelow(dir: string, seq: number): Promise<void> {
  await removeFilesDurably(dir, listSegments(dir).filter((s) => s < seq).map((s) => join(dir, segmentName(s))))
}

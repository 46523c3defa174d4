/**
 * @module collectors/tail/positions
 * Where each tailed file was read up to, kept in a JSON file across restarts. Files are known
 * by device and inode, so a rotated (renamed) file keeps its position and a new file at the
 * old path starts at 0.
 *
 * Exactly once: before a batch goes to the sink, the position records it as `pending` (the
 * offset it would move to, the batch's observed time, which every row of the batch carries,
 * and its idempotency key); once the sink has made it durable, the offset moves and `pending`
 * goes. After a crash in between, the tailer either asks the store whether the batch is there
 * (inside `blazedb serve`) or sends the same bytes again with the same key, which the
 * receiving server recognises (`blazedb collect`). Each save is written to a temporary file,
 * fsynced and renamed over the old one.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { CollectorError } from '../errors.ts'

export interface PendingBatch {
  /** Offset after the batch's last record. */
  to: number
  /** The batch's observedTimeUnixNano, decimal. */
  observed: string
  /** The batch's time range [start, end), decimal epoch nanoseconds. */
  start: string
  end: string
  /** The batch's idempotency key (`batchKey`); absent in positions files of older versions. */
  key?: string
}

export interface FilePosition {
  path: string
  offset: number
  /**
   * Random, fixed while the file's bytes are: a new one when the file is first seen or found
   * truncated, so that a byte range names the same bytes only within one generation.
   */
  generation?: string
  pending?: PendingBatch
}

/** A new file generation: 64 random bits, hex. */
export function newGeneration(): string {
  return randomBytes(8).toString('hex')
}

/**
 * The idempotency key of the batch of bytes [from, to) of a file generation: the same after a
 * restart (it is derived from what the positions file keeps), different for any other bytes.
 * @example batchKey('9f2c4e01a7b3d5c6', 0, 4096) // 'tail:9f2c4e01a7b3d5c6:0-4096'
 */
export function batchKey(generation: string, from: number, to: number): string {
  return `tail:${generation}:${from}-${to}`
}

export class PositionsFile {
  readonly file: string
  readonly positions = new Map<string, FilePosition>()
  /** False on the very first start (no positions file yet). */
  readonly existed: boolean = true

  constructor(file: string) {
    this.file = file
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.existed = false
        return
      }
      throw new CollectorError('SOURCE_FAILED', `cannot read the tail positions file ${file}: ${(error as Error).message}`, { cause: error })
    }
    try {
      const parsed = JSON.parse(text) as { files: Record<string, FilePosition> }
      for (const [id, p] of Object.entries(parsed.files)) this.positions.set(id, p)
    } catch (error) {
      throw new CollectorError('SOURCE_FAILED', `cannot parse the tail positions file ${file}: ${(error as Error).message}; move it away to start over`, { cause: error })
    }
  }

  /** Writes every position durably (temporary file, fsync, rename). */
  save(): void {
    mkdirSync(dirname(this.file), { recursive: true })
    const tmp = `${this.file}.tmp`
    const fd = openSync(tmp, 'w')
    try {
      writeSync(fd, JSON.stringify({ files: Object.fromEntries(this.positions) }))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, this.file)
    const dir = openSync(dirname(this.file), 'r')
    try {
      fsyncSync(dir)
    } finally {
      closeSync(dir)
    }
  }
}

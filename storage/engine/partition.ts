/**
 * @module storage/engine/partition
 * One time partition of one tenant's signal: a directory of immutable part files and a
 * MANIFEST naming the live ones (storage/FORMAT.md, "Partition directory"). The manifest is
 * replaced atomically, so a crash mid-flush or mid-compaction leaves the old set or the new.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { StorageError } from '../errors.ts'
import { removeTmpFiles, writeFileDurably } from '../fs-durable.ts'
import type { Signal } from '../model.ts'
import { PartReader } from '../part/part-file.ts'

export const MANIFEST_FILE = 'MANIFEST'
export const PART_SUFFIX = '.blz'

interface ManifestFile {
  version: 1
  start: string
  end: string
  parts: string[]
  /** Every WAL record of this partition in a segment up to this number is in a part. */
  flushedWalSeq: number
  nextPartId: number
  /** HMAC-SHA256 of the fields above, keyed with the data key: a edited manifest is refused. */
  mac: string
}

/** A part in use: deleted from disk only when no scan holds it. */
export class PartHandle {
  readonly reader: PartReader
  private refs = 1
  private obsolete = false

  constructor(reader: PartReader) {
    this.reader = reader
  }

  acquire(): void {
    this.refs++
  }

  release(): void {
    if (--this.refs === 0) {
      this.reader.close()
      if (this.obsolete) rmSync(this.reader.path, { force: true })
    }
  }

  /** Drops the partition's own reference; the file goes once the last scan lets go. */
  retire(deleteFile: boolean): void {
    this.obsolete = deleteFile
    this.release()
  }
}

/** Directory name of the partition starting at `start` (epoch ns) lasting `duration` ns. */
export function partitionDirName(start: bigint, duration: bigint): string {
  const iso = new Date(Number(start / 1_000_000n)).toISOString().replace(/[:.]/g, '').replace('000Z', 'Z')
  return `${iso}_${duration / 1_000_000_000n}s`
}

export class Partition {
  readonly dir: string
  readonly tenant: string
  readonly signal: Signal
  readonly start: bigint
  readonly end: bigint
  private readonly key: Uint8Array
  parts: PartHandle[] = []
  flushedWalSeq = 0
  /** The engine's clock at the last flush into this partition since it was opened (0: none). */
  lastFlushNs = 0n
  private nextPartId = 1

  private constructor(dir: string, tenant: string, signal: Signal, start: bigint, end: bigint, key: Uint8Array) {
    this.dir = dir
    this.tenant = tenant
    this.signal = signal
    this.start = start
    this.end = end
    this.key = key
  }

  /** A new, empty partition directory. */
  static create(dir: string, tenant: string, signal: Signal, start: bigint, end: bigint, key: Uint8Array): Partition {
    mkdirSync(dir, { recursive: true })
    return new Partition(dir, tenant, signal, start, end, key)
  }

  /**
   * Opens an existing partition: reads and authenticates its manifest, opens its parts, and
   * deletes files the manifest does not name (left by a crash before the manifest changed;
   * `readOnly` leaves them).
   * Returns undefined for a directory without a manifest (a partition whose first flush crashed).
   */
  static open(dir: string, tenant: string, signal: Signal, key: Uint8Array, options: { readOnly?: boolean } = {}): Partition | undefined {
    const path = join(dir, MANIFEST_FILE)
    const repair = options.readOnly !== true
    if (!existsSync(path)) {
      if (repair) rmSync(dir, { recursive: true, force: true })
      return undefined
    }
    if (repair) removeTmpFiles(dir)
    const manifest = readManifest(path, key)
    const p = new Partition(dir, tenant, signal, BigInt(manifest.start), BigInt(manifest.end), key)
    p.flushedWalSeq = manifest.flushedWalSeq
    p.nextPartId = manifest.nextPartId
    const live = new Set(manifest.parts)
    for (const name of readdirSync(dir)) {
      if (repair && name.endsWith(PART_SUFFIX) && !live.has(name)) unlinkSync(join(dir, name))
    }
    try {
      for (const name of manifest.parts) {
        const reader = PartReader.open(join(dir, name), key)
        const ix = reader.index
        if (ix.tenant !== tenant || ix.signal !== signal || ix.partitionStart !== p.start || ix.partitionEnd !== p.end) {
          reader.close()
          throw new StorageError('TAMPERED', `cannot open ${reader.path}: it belongs to ${ix.tenant}/${ix.signal}/${ix.partitionStart}, not to this partition`, { file: reader.path })
        }
        p.parts.push(new PartHandle(reader))
      }
    } catch (error) {
      for (const h of p.parts) h.retire(false)
      throw error
    }
    return p
  }

  /** A file name for the next part. */
  newPartPath(): string {
    return join(this.dir, `part-${String(this.nextPartId++).padStart(6, '0')}${PART_SUFFIX}`)
  }

  /**
   * Makes `added` live in place of `removed` and records `flushedWalSeq`, durably. Old parts
   * are deleted once no scan uses them.
   */
  async commit(added: PartReader[], removed: PartHandle[], flushedWalSeq: number, onLive?: () => void): Promise<void> {
    const next = this.parts.filter((h) => !removed.includes(h)).concat(added.map((r) => new PartHandle(r)))
    const seq = Math.max(this.flushedWalSeq, flushedWalSeq)
    await writeManifest(join(this.dir, MANIFEST_FILE), this.key, {
      version: 1,
      start: String(this.start),
      end: String(this.end),
      parts: next.map((h) => h.reader.path.slice(this.dir.length + 1)),
      flushedWalSeq: seq,
      nextPartId: this.nextPartId,
    })
    // From here to the end runs without yielding: a scan sees the old parts or the new, and
    // `onLive` (dropping the same rows from the frozen head) happens in the same step.
    this.parts = next
    this.flushedWalSeq = seq
    onLive?.()
    for (const h of removed) h.retire(true)
  }

  /** Closes every part (for shutdown), keeping the files. */
  close(): void {
    for (const h of this.parts) h.retire(false)
    this.parts = []
  }

  /** Removes the partition from disk (retention). Scans already reading its parts go on:
   * they hold open file descriptors, which outlive the unlinked files. */
  drop(): void {
    for (const h of this.parts) h.retire(false)
    this.parts = []
    rmSync(this.dir, { recursive: true, force: true })
  }

  get rows(): number {
    return this.parts.reduce((n, h) => n + h.reader.index.rows, 0)
  }

  get bytes(): number {
    return this.parts.reduce((n, h) => n + h.reader.index.fileBytes, 0)
  }
}

function manifestMac(key: Uint8Array, body: Omit<ManifestFile, 'mac'>): string {
  return createHmac('sha256', key).update(JSON.stringify(body)).digest('hex')
}

async function writeManifest(path: string, key: Uint8Array, body: Omit<ManifestFile, 'mac'>): Promise<void> {
  const file: ManifestFile = { ...body, mac: manifestMac(key, body) }
  await writeFileDurably(path, JSON.stringify(file) + '\n')
}

function readManifest(path: string, key: Uint8Array): ManifestFile {
  let file: ManifestFile
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as ManifestFile
  } catch (error) {
    throw new StorageError('CORRUPT', `cannot read ${path}: not JSON`, { cause: error, file: path })
  }
  if (file.version !== 1) throw new StorageError('UNSUPPORTED_VERSION', `cannot read ${path}: version ${file.version}`, { file: path })
  const { mac, ...body } = file
  const want = Buffer.from(manifestMac(key, body), 'hex')
  const got = Buffer.from(typeof mac === 'string' ? mac : '', 'hex')
  if (got.length !== want.length || !timingSafeEqual(got, want)) {
    throw new StorageError('TAMPERED', `cannot read ${path}: its MAC does not match (edited, or written with another key)`, { file: path })
  }
  return file
}

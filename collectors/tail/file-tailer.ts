/**
 * @module collectors/tail/file-tailer
 * The log-file collector: every poll it expands the configured globs, follows each file by
 * device and inode, reads what was appended, cuts it into records, parses them, and stores
 * one batch per file and poll, exactly once across restarts (positions.ts): with a store
 * (inside `blazedb serve`) a batch pending at a crash is looked up in it; without one
 * (`blazedb collect`) the same bytes are sent again with the same idempotency key, and a batch
 * whose sending failed is sent again, same bytes and key, until it goes through.
 *
 * Rotation: a file renamed away is read to its end through the descriptor kept open, then
 * closed; the new file at the path is read from 0. One renamed away while the collector was
 * down is found again beside its old path, by device and inode, and read to its end.
 * Truncation (copytruncate): a file smaller than its offset is read again from 0. A file is
 * read from its saved position; without one, from `startAt` on the very first start (no
 * positions file yet), else from the beginning (it appeared since, maybe by a rotation while
 * the server was down).
 *
 * Concurrency: one poll at a time; `stop()` waits for the poll under way.
 */
import { closeSync, fstatSync, globSync, openSync, readdirSync, readSync, statSync } from 'node:fs'
import { basename, dirname, join, matchesGlob, resolve } from 'node:path'
import { ATTR_PREFIX, BatchBuilder, COMMON_COLUMNS, LOG_COLUMNS, RESOURCE_ATTR_PREFIX, type Batch, type Store } from '../../storage/index.ts'
import { CollectorStats, type BatchSink, type CollectorSnapshot } from '../collector-stats.ts'
import type { TailConfig, TailFileConfig } from '../config.ts'
import { parseDurationMs } from '../config.ts'
import { sinkFailure } from '../errors.ts'
import { TAIL_MAX_BATCH_BYTES } from '../limits.ts'
import { parseRecord } from './line-parser.ts'
import { batchKey, newGeneration, PositionsFile, type FilePosition, type PendingBatch } from './positions.ts'
import { splitRecords, type SplitOptions, type SplitRecord } from './record-splitter.ts'

const SCOPE_NAME = 'blazedb/collectors/tail'
const PATH_ATTR = `${ATTR_PREFIX}log.file.path`
const NAME_ATTR = `${ATTR_PREFIX}log.file.name`

interface OpenFile {
  id: string
  path: string
  fd: number
  entry: TailFileConfig
  split: SplitOptions
  /** Size at the previous poll: a file that grew may still be writing its last record. */
  lastSize: number
}

export interface TailerOptions {
  sink: BatchSink
  /** Where positions are kept. */
  positionsFile: string
  defaultTenant: string
  /** Read to learn whether a batch pending at a crash was stored; without it, the batch is
   * sent again with its idempotency key, which the sink must honour for exactly once. */
  store?: Store
}

export class FileTailer {
  readonly stats = new CollectorStats('tail')
  private readonly config: TailConfig
  private readonly o: TailerOptions
  private readonly positions: PositionsFile
  private readonly open = new Map<string, OpenFile>()
  private readonly pollMs: number
  private first = true
  private lastObserved = 0n
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = false

  constructor(config: TailConfig, options: TailerOptions) {
    this.config = config
    this.o = options
    this.pollMs = parseDurationMs('tail.pollInterval', config.pollInterval ?? '1s')
    this.positions = new PositionsFile(options.positionsFile)
  }

  /** Settles batches pending at a crash, then polls every interval. */
  async start(): Promise<void> {
    await this.recover()
    const tick = (): void => {
      if (this.stopped) return
      this.running = this.poll().finally(() => {
        this.running = undefined
        if (!this.stopped) this.timer = setTimeout(tick, this.pollMs)
      })
    }
    tick()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
    for (const f of this.open.values()) closeSync(f.fd)
    this.open.clear()
  }

  snapshot(): CollectorSnapshot {
    const files = [...this.open.values()].map((f) => ({ path: f.path, offset: this.positions.positions.get(f.id)?.offset ?? 0, size: f.lastSize }))
    return this.stats.snapshot({ files })
  }

  /**
   * Settles the batches pending at a crash (called by start; tests call it to drive polls by
   * hand). Without a store they stay pending: the first poll of their file sends them again.
   */
  async recover(): Promise<void> {
    if (this.o.store === undefined) return
    for (const [id, p] of this.positions.positions) {
      if (p.pending === undefined) continue
      const stored = this.o.store !== undefined && (await this.batchStored(p))
      if (stored) p.offset = p.pending.to
      this.stats.add(stored ? 'pendingFoundStored' : 'pendingReread')
      delete p.pending
      this.positions.positions.set(id, p)
    }
    this.positions.save()
  }

  private async batchStored(p: FilePosition): Promise<boolean> {
    const observed = BigInt(p.pending!.observed)
    for (const entryTenant of this.tenants()) {
      const scan = this.o.store!.scan({
        tenant: entryTenant,
        signal: 'logs',
        start: BigInt(p.pending!.start),
        end: BigInt(p.pending!.end),
        columns: [LOG_COLUMNS.observedTimeUnixNano, PATH_ATTR],
        where: [{ op: 'eq', column: LOG_COLUMNS.observedTimeUnixNano, value: observed }],
      })
      for await (const batch of scan) {
        const obs = batch.columns[LOG_COLUMNS.observedTimeUnixNano]
        const path = batch.columns[PATH_ATTR]
        if (obs?.kind !== 'i64' || path?.kind !== 'str') continue
        for (let i = 0; i < batch.length; i++) if (obs.values[i] === observed && path.dict[path.codes[i]] === p.path) return true
      }
    }
    return false
  }

  private tenants(): string[] {
    return [...new Set(this.config.files.map((e) => e.tenant ?? this.config.tenant ?? this.o.defaultTenant))]
  }

  /** One pass over every file; never throws (failures are counted). */
  async poll(): Promise<void> {
    const seen = new Set<string>()
    for (const entry of this.config.files) {
      let paths: string[]
      try {
        paths = entry.include.flatMap((g) => globSync(g)).map((p) => resolve(p))
      } catch (error) {
        this.stats.error('SOURCE_FAILED', `cannot list ${entry.include.join(', ')}: ${(error as Error).message}`)
        continue
      }
      const excluded = new Set((entry.exclude ?? []).flatMap((g) => globSync(g)).map((p) => resolve(p)))
      for (const path of new Set(paths)) {
        if (excluded.has(path)) continue
        let st
        try {
          st = statSync(path, { bigint: false })
        } catch {
          continue // gone between the listing and now
        }
        if (!st.isFile()) continue
        const id = `${st.dev}:${st.ino}`
        if (seen.has(id)) continue
        seen.add(id)
        let f = this.open.get(id)
        if (f === undefined) {
          f = this.openFile(id, path, entry, st.size)
          if (f === undefined) continue
        }
        f.path = path
        await this.readFile(f, false)
      }
    }
    if (this.first) this.findRenamedAway(seen)
    // Files no glob finds any more (renamed away or deleted): read to their end, then close.
    for (const [id, f] of this.open) {
      if (seen.has(id)) continue
      if (!(await this.readFile(f, true))) continue // the sink failed: keep it open, try again next poll
      closeSync(f.fd)
      this.open.delete(id)
      this.positions.positions.delete(id)
      this.positions.save()
      this.stats.add('filesClosed')
    }
    if (this.first) {
      // Positions of files that are gone since the last run are of no use any more.
      for (const id of [...this.positions.positions.keys()]) if (!this.open.has(id)) this.positions.positions.delete(id)
      this.positions.save()
    }
    this.first = false
  }

  /**
   * At the first poll, files with a saved position that no glob finds any more: renamed away
   * (rotated) while the collector was down, maybe before they were read to their end. Looked
   * for by device and inode in the directory of their old path; found, they are opened, so
   * that the rest of them is read and they are closed like any file renamed away.
   */
  private findRenamedAway(seen: Set<string>): void {
    for (const [id, p] of this.positions.positions) {
      if (seen.has(id) || this.open.has(id)) continue
      const entry = this.config.files.find((e) => e.include.some((g) => matchesGlob(p.path, resolve(g))))
      if (entry === undefined) continue
      let names: string[]
      try {
        names = readdirSync(dirname(p.path))
      } catch {
        continue // the directory is gone too
      }
      for (const name of names) {
        const path = join(dirname(p.path), name)
        let st
        try {
          st = statSync(path)
        } catch {
          continue
        }
        if (!st.isFile() || `${st.dev}:${st.ino}` !== id) continue
        if (st.size > p.offset || p.pending !== undefined) this.openFile(id, path, entry, st.size)
        break
      }
    }
  }

  private openFile(id: string, path: string, entry: TailFileConfig, size: number): OpenFile | undefined {
    let fd: number
    try {
      fd = openSync(path, 'r')
    } catch (error) {
      this.stats.error('SOURCE_FAILED', `cannot open ${path}: ${(error as Error).message}`)
      return undefined
    }
    const known = this.positions.positions.get(id)
    if (known === undefined) {
      const startAtEnd = this.first && !this.positions.existed && (entry.startAt ?? 'end') === 'end'
      this.positions.positions.set(id, { path, offset: startAtEnd ? size : 0, generation: newGeneration() })
    } else known.generation ??= newGeneration() // a positions file of an older version
    const split: SplitOptions = entry.multiline?.start !== undefined ? { start: new RegExp(entry.multiline.start) } : {}
    const f: OpenFile = { id, path, fd, entry, split, lastSize: -1 }
    this.open.set(id, f)
    this.stats.add('filesOpened')
    return f
  }

  /**
   * Reads what is new in one file, in batches of at most maxBatchBytes; `final` when it will
   * not grow. False when the sink failed (the rest is read next poll).
   */
  private async readFile(f: OpenFile, final: boolean): Promise<boolean> {
    const pos = this.positions.positions.get(f.id)!
    const grew = fstatSync(f.fd).size !== f.lastSize
    for (;;) {
      const size = fstatSync(f.fd).size
      if (size < pos.offset || (pos.pending !== undefined && size < pos.pending.to)) {
        // Truncated in place: the bytes are new ones (and a pending batch's are gone).
        pos.offset = 0
        pos.generation = newGeneration()
        delete pos.pending
        this.stats.add('truncations')
      }
      f.lastSize = size
      if (pos.pending !== undefined) {
        // Sent before, maybe stored: the same bytes again, with the same key.
        if (!(await this.resend(f, pos, pos.pending))) return false
        continue
      }
      if (size === pos.offset) return true
      const max = f.entry.maxBatchBytes ?? TAIL_MAX_BATCH_BYTES
      const length = Math.min(size - pos.offset, max)
      const bytes = new Uint8Array(length)
      const read = readSync(f.fd, bytes, 0, length, pos.offset)
      const reachedEnd = pos.offset + read >= size
      // The last record may go on in lines not yet written (or not yet read): hold it back.
      let records = splitRecords(bytes.subarray(0, read), pos.offset, f.split, final && reachedEnd, !(final && reachedEnd) && (grew || !reachedEnd))
      if (records.length === 0) {
        if (read < max) return true // an unfinished record; next poll
        records = splitRecords(bytes.subarray(0, read), pos.offset, f.split, true, false) // one record longer than a batch: cut it
      }
      if (!(await this.store(f, pos, records, undefined))) return false
      if (reachedEnd) return true
    }
  }

  /**
   * Sends a pending batch again: bytes [offset, pending.to) cut into the same records, with the
   * same observed time and key, so the rows and the key are those of the first attempt.
   */
  private async resend(f: OpenFile, pos: FilePosition, pending: PendingBatch): Promise<boolean> {
    if (pending.key === undefined) {
      // Pending in a positions file of an older version, which had no keys: read again (at least once).
      delete pos.pending
      this.stats.add('pendingReread')
      return true
    }
    const length = pending.to - pos.offset
    const bytes = new Uint8Array(length)
    const read = readSync(f.fd, bytes, 0, length, pos.offset)
    const records = splitRecords(bytes.subarray(0, read), pos.offset, f.split, true, false)
    if (read < length || records.length === 0 || records[records.length - 1].end !== pending.to) {
      // Cannot happen while the file only grows (a truncation was handled before); read on.
      this.stats.error('SOURCE_FAILED', `cannot send the pending batch of ${f.path} again: bytes ${pos.offset}-${pending.to} read as ${read} bytes`)
      delete pos.pending
      this.positions.save()
      return true
    }
    const sent = await this.store(f, pos, records, pending)
    if (sent) this.stats.add('pendingResent')
    return sent
  }

  /**
   * Stores records as one batch, exactly once (see positions.ts); false when the sink failed.
   * `again`: the pending batch these records are sent again for.
   */
  private async store(f: OpenFile, pos: FilePosition, records: SplitRecord[], again: PendingBatch | undefined): Promise<boolean> {
    const now = BigInt(Date.now()) * 1_000_000n
    const observed = again !== undefined ? BigInt(again.observed) : now > this.lastObserved ? now : this.lastObserved + 1n
    if (observed > this.lastObserved) this.lastObserved = observed
    const { batch, start, end } = this.buildBatch(f, records, observed)
    const to = records[records.length - 1].end
    if (batch === undefined) {
      pos.offset = to
      delete pos.pending
      this.positions.save()
      return true
    }
    const key = again?.key ?? batchKey(pos.generation!, pos.offset, to)
    if (again === undefined) {
      pos.pending = { to, observed: String(observed), start: String(start), end: String(end), key }
      this.positions.save()
    }
    const tenant = f.entry.tenant ?? this.config.tenant ?? this.o.defaultTenant
    try {
      await this.o.sink(tenant, batch, { idempotencyKey: key })
    } catch (error) {
      const e = sinkFailure(error)
      this.stats.error(e.code, e.message)
      if (e.code === 'SINK_REJECTED') {
        // Refused for good (invalid, every record outside the server's time window): sending it
        // again cannot succeed, and waiting would stop the file here for ever. Skip it.
        pos.offset = to
        delete pos.pending
        this.positions.save()
        this.stats.add('recordsRejected', batch.length)
        return true
      }
      // With a store, a failed append stored nothing: read it again next poll. Without, the
      // receiver may have stored it (a lost answer): the same bytes go again with the key.
      if (this.o.store !== undefined) {
        delete pos.pending
        this.positions.save()
      }
      return false
    }
    pos.offset = to
    delete pos.pending
    this.positions.save()
    this.stats.add('recordsStored', batch.length)
    this.stats.add('bytesRead', to - records[0].start)
    return true
  }

  private buildBatch(f: OpenFile, records: SplitRecord[], observed: bigint): { batch: Batch | undefined; start: bigint; end: bigint } {
    const b = new BatchBuilder('logs')
    let row = 0
    let start = observed
    let end = observed + 1n
    for (const r of records) {
      if (r.text.trim() === '') continue
      const rec = parseRecord(r.text, f.entry.format ?? 'auto')
      const time = rec.timeUnixNano ?? observed
      if (time < start) start = time
      if (time >= end) end = time + 1n
      b.setI64(LOG_COLUMNS.timeUnixNano, row, time)
      b.setI64(LOG_COLUMNS.observedTimeUnixNano, row, observed)
      if (rec.severityNumber !== undefined) b.setU32(LOG_COLUMNS.severityNumber, row, rec.severityNumber)
      if (rec.severityText !== undefined) b.setStr(LOG_COLUMNS.severityText, row, rec.severityText)
      b.setStr(LOG_COLUMNS.body, row, rec.body)
      b.setStr(COMMON_COLUMNS.scopeName, row, SCOPE_NAME)
      b.setStr(PATH_ATTR, row, f.path)
      b.setStr(NAME_ATTR, row, basename(f.path))
      for (const [k, v] of Object.entries(rec.attributes)) if (k !== 'log.file.path' && k !== 'log.file.name') b.setAttribute(ATTR_PREFIX + k, row, v)
      if (f.entry.service !== undefined) b.setStr(`${RESOURCE_ATTR_PREFIX}service.name`, row, f.entry.service)
      for (const [k, v] of Object.entries(f.entry.resource ?? {})) b.setAttribute(RESOURCE_ATTR_PREFIX + k, row, v)
      row++
    }
    return { batch: row === 0 ? undefined : b.finish(row), start, end }
  }
}

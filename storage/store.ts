/**
 * @module storage/store
 * The seam between storage and the components above it: ingest appends through `Store`, the
 * query engine scans through it. The on-disk engine and the in-memory store both implement it.
 */
import type { DocumentStore } from './documents/document-store.ts'
import type { Batch, Signal } from './model.ts'
import type { HeldSnapshot } from './scan-snapshot.ts'

/** The tenant used when none is configured. */
export const DEFAULT_TENANT = 'default'

/** Tenant names: letters, digits, `-` and `_`, 1 to 64 (they name directories and appear in URLs). */
export const TENANT_NAME = /^[A-Za-z0-9_-]{1,64}$/

/**
 * A condition a scan may use to skip whole blocks. Conditions are hints: a block that may hold
 * a matching row is returned whole, so the caller still filters rows itself.
 * `column` is a storage column name (see model.ts); values compare with the column's type:
 * bigint for i64 columns, number for numeric ones, string for str, Uint8Array for bytes.
 */
export type ScanCondition =
  | ColumnCondition
  /** At least one of `of` holds (a field that reads the first present of several columns). */
  | { op: 'any'; of: readonly ColumnCondition[] }

/** A condition on one column. */
export type ColumnCondition =
  | { op: 'eq'; column: string; value: string | number | bigint | boolean | Uint8Array }
  | { op: 'in'; column: string; values: readonly (string | number | bigint | boolean | Uint8Array)[] }
  | { op: 'lt' | 'le' | 'gt' | 'ge'; column: string; value: number | bigint }

/** The key of a ScanTop over spans' durations (end minus start), which no column holds. */
export const SPAN_DURATION_KEY = '@duration'

/**
 * The caller keeps only the `limit` rows of the scan with the greatest (`desc`) or least values
 * of `key` among the rows in [start, end), ties with the last of them kept too (a top-k sort),
 * and wants nothing else from the scan. Blocks are then read best first by their statistics,
 * and a block whose best value ranks strictly below the `limit` best values seen is skipped.
 * `key`: a u32, i32, f64 or i64 column, or SPAN_DURATION_KEY. Values compare as the query
 * engine compares them: as doubles (an i64 rounded to the nearest double; a duration exact
 * below 2^53 ns). Ignored when `where` is given (its conditions only hint which rows match).
 */
export interface ScanTop {
  key: string
  desc: boolean
  limit: number
}

export interface ScanRequest {
  tenant: string
  signal: Signal
  /** Inclusive lower bound on the signal's time column, epoch nanoseconds. */
  start?: bigint
  /** Exclusive upper bound on the signal's time column, epoch nanoseconds. */
  end?: bigint
  /** Columns to read; all when omitted. Columns a block lacks are simply absent from it. */
  columns?: readonly string[]
  /**
   * The signal's time column is among `columns` only for the caller to filter rows by
   * [start, end): batches of blocks wholly inside the range may come without it, so that it is
   * neither read nor decoded for them. A batch without it lies inside the range (and
   * Scan.inRange says so).
   */
  timeForRangeOnly?: boolean
  /** Conditions that all hold for every row the caller wants (a conjunction). */
  where?: readonly ScanCondition[]
  /** Stops the scan: the iterator then throws a StorageError with code ABORTED. */
  abort?: AbortSignal
  /** The caller keeps only the best rows by one key: blocks that cannot hold any are skipped. */
  top?: ScanTop
  /**
   * Told the bytes of column chunks the scan decoded from part files (cache hits are the
   * cache's) that it holds now: a block's, from its decoding until the caller asks for the next
   * batch, then 0 (the scan keeps no reference to a block it is past). A query charges them to
   * its memory budget; a throw stops the scan.
   */
  holding?: (bytes: number) => void
  /**
   * Asked, in scan order, of each part block lying wholly inside [start, end) that may hold
   * wanted rows, just before it is read: true skips it (the caller holds what it needs of that
   * block from an earlier scan). Part files never change, so `key` names the same rows for as
   * long as the part exists. Never asked of head rows nor of blocks the range cuts.
   */
  reuse?: (block: ScanBlock) => boolean
}

/** A part block offered to ScanRequest.reuse: `key` is its part file's random id and block number. */
export interface ScanBlock {
  readonly key: string
  readonly rows: number
}

/** What a scan did, for the query's execution statistics. */
export interface ScanStats {
  blocksTotal: number
  blocksSkipped: number
  blocksRead: number
  rowsRead: number
  /** Bytes read from disk (compressed and encrypted), 0 for rows still in memory. */
  bytesRead: number
}

export function emptyScanStats(): ScanStats {
  return { blocksTotal: 0, blocksSkipped: 0, blocksRead: 0, rowsRead: 0, bytesRead: 0 }
}

/**
 * A scan in progress: iterate it for batches, read `stats` at any time.
 * The scan sees a snapshot taken when it started: writes after that are not in it, and
 * compaction or retention running meanwhile does not change what it returns.
 * Batches may hold rows outside [start, end): the caller filters rows by time as well.
 */
export interface Scan extends AsyncIterable<Batch> {
  readonly stats: ScanStats
  /**
   * True when the block statistics show every row of `batch` (one this scan yielded) inside
   * [start, end), so the caller can skip filtering it by time. Optional: absent or false means
   * the caller filters.
   */
  inRange?(batch: Batch): boolean
}

/** Where a tenant's data is stored, and how much: for `inspect`, the UI and self-metrics. */
export interface StoreStats {
  partitions: number
  blocks: number
  rows: number
  bytesOnDisk: number
  rowsInMemory: number
}

/** Options of one append. */
export interface AppendOptions {
  /**
   * Makes a retried append harmless: a batch appended with a key already stored for the same
   * tenant within the window (RECENT_KEYS_MAX_AGE_MS, RECENT_KEYS_PER_TENANT) is not stored
   * again: the append calls `onDuplicate` and resolves. The engine makes the key durable with the batch
   * (one write-ahead log record), so a retry after a crash is recognised too. 1 to
   * IDEMPOTENCY_KEY_MAX_BYTES bytes; the caller derives it from what it sends (the same key
   * for the same rows).
   */
  idempotencyKey?: string
  /** Called (before the append resolves) when the batch was not stored because its key was. */
  onDuplicate?: () => void
  /** Called once the batch is encoded and its write-ahead log record handed to the disk: from
   * then on the append waits for the disk only (not for a flush, nor for the CPU). */
  onWrite?: () => void
}

/**
 * The storage engine's public contract.
 * `append` resolves once the batch is durable (it survives kill -9) and rejects with a
 * StorageError otherwise; a rejected batch is not stored at all. Appends may run concurrently.
 */
export interface Store {
  /** Small JSON documents of the components above storage (dashboards, alert rules and state). */
  readonly documents: DocumentStore
  append(tenant: string, batch: Batch, options?: AppendOptions): Promise<void>
  scan(request: ScanRequest): Scan
  /**
   * What `scan(request)` would read, as data another thread can read with a SnapshotScanner
   * (scan-snapshot.ts); `abort` is not used. Optional: a store without it is scanned in place.
   */
  snapshot?(request: ScanRequest): HeldSnapshot
  /** Every span of one trace, in no particular order; an empty batch when none is stored. */
  getTrace(tenant: string, traceId: Uint8Array, range?: { start?: bigint; end?: bigint }): Promise<Batch>
  /**
   * Calls `listener` with every batch of `signal` appended for `tenant` from now on, right after
   * it became durable (live views). Returns the function that stops it. Listeners must not
   * throw or modify the batch, and should be quick: they run on the append path.
   */
  watch(tenant: string, signal: Signal, listener: (batch: Batch) => void): () => void
  /** Tenants that have data. */
  tenants(): string[]
  stats(tenant: string, signal: Signal): StoreStats
  close(): Promise<void>
}

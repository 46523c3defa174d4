/**
 * @module query/snapshot-store
 * What a query thread reads through: the scans of one query, answered from the snapshots the
 * query service took for it (plan-scans.ts), read by the thread's SnapshotScanner.
 */
import { traceSpans, type Batch, type Scan, type ScanRequest, type ScanSnapshot, type SnapshotScanner } from '../storage/index.ts'
import type { QueryStore } from './executor.ts'
import { scanKey } from './plan-scans.ts'

export class SnapshotStore implements QueryStore {
  private readonly scanner: SnapshotScanner
  private readonly snapshots: ReadonlyMap<string, ScanSnapshot>

  private readonly onScan?: (key: string, request: ScanRequest, snapshot: ScanSnapshot) => void
  /** Snapshots whose first scan `onScan` was told of (helpers walk a snapshot once). */
  private readonly told = new Set<string>()

  /** `onScan`: told of the first scan of each snapshot with parts as it starts (to ask other threads to help). */
  constructor(scanner: SnapshotScanner, snapshots: ReadonlyMap<string, ScanSnapshot>, onScan?: (key: string, request: ScanRequest, snapshot: ScanSnapshot) => void) {
    this.scanner = scanner
    this.snapshots = snapshots
    this.onScan = onScan
  }

  /** Throws when the service took no snapshot for the request: plan-scans.ts and the executor disagree. */
  scan(request: ScanRequest): Scan {
    const key = scanKey(request.signal, request.start, request.end)
    const snapshot = this.snapshots.get(key)
    if (snapshot === undefined) throw new Error(`cannot scan ${request.signal}: no snapshot was taken for the range ${key}`)
    if (snapshot.parts.length > 0 && !this.told.has(key)) {
      this.told.add(key)
      this.onScan?.(key, request, snapshot)
    }
    return this.scanner.scan(snapshot, request)
  }

  getTrace(tenant: string, traceId: Uint8Array, range?: { start?: bigint; end?: bigint }): Promise<Batch> {
    return traceSpans(this, tenant, traceId, range)
  }
}

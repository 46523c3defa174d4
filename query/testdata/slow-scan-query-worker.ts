/**
 * @module query/testdata/slow-scan-query-worker
 * A query thread (query-worker.ts) whose scans of several parts, after their first block read
 * from a part (the thread asks for help once it decodes a chunk), wait until another thread
 * has put a chunk of the last part in the shared block cache: a query
 * that cannot finish before an idle thread has helped it (query-pool.ts `warm`). Parts of one
 * block each (the test's data) make the last part's chunk key known.
 */
import { bytesToHex, SnapshotScanner, TIME_COLUMN } from '../../storage/index.ts'
import '../query-worker.ts'

const scan = SnapshotScanner.prototype.scan
SnapshotScanner.prototype.scan = function (snapshot, request) {
  const inner = scan.call(this, snapshot, request)
  const last = snapshot.parts.at(-1)
  // A chunk the scan reads: blocks inside the range come without a time column read only for it.
  const column = request.columns?.find((c) => request.timeForRangeOnly !== true || c !== TIME_COLUMN[snapshot.signal])
  if (snapshot.parts.length < 2 || last === undefined || column === undefined) return inner
  const key = `${bytesToHex(last.fileId)}:0:${column}`
  const cache = (this as unknown as { cache: { has(key: string): boolean } }).cache
  async function* slowed() {
    // The head's batches come first, one each.
    let seen = 0
    for await (const batch of inner) {
      yield batch
      if (++seen !== snapshot.head.length + 1) continue
      const until = Date.now() + 30_000
      while (!cache.has(key) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
  return { stats: inner.stats, inRange: inner.inRange, [Symbol.asyncIterator]: slowed }
}

/**
 * @module bench/storage
 * The storage engine on the reference workload: durable append throughput, bytes on disk per
 * span, log record, metric point and metric sample (compressed and encrypted, everything in the
 * data directory counted), and full-scan throughput.
 * Run alone: node bench/storage.ts [--workload DIR] [--runs N]
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { openEngine, type Batch, type Engine, type Signal } from '../storage/index.ts'
import { fmt, median } from './support/measure.ts'
import { DEFAULT_SIZE, ensureWorkload, otlpBatches } from './support/workload.ts'

/** Appends kept in flight at once, as a busy gateway has them; group commit batches them. */
const CONCURRENCY = 16

function dirBytes(path: string): number {
  const s = statSync(path)
  if (!s.isDirectory()) return s.size
  return readdirSync(path).reduce((n, f) => n + dirBytes(join(path, f)), 0)
}

/** Appends every batch with CONCURRENCY in flight; returns milliseconds until all are durable. */
async function appendAll(engine: Engine, batches: readonly Batch[]): Promise<number> {
  const t = performance.now()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < batches.length) await engine.append('default', batches[next++])
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return performance.now() - t
}

/** Samples as Prometheus counts them: one per gauge or sum point; buckets + sum + count per histogram. */
function samplesOf(batches: readonly Batch[]): number {
  let samples = 0
  for (const b of batches) {
    const buckets = b.columns.bucketCounts
    for (let i = 0; i < b.length; i++) {
      if (buckets?.kind === 'i64list' && (buckets.present === undefined || buckets.present[i] === 1)) samples += buckets.offsets[i + 1] - buckets.offsets[i] + 2
      else samples += 1
    }
  }
  return samples
}

export interface StorageResult {
  markdown: string
  appendRowsPerSec: Record<Signal, number>
  bytesPerRow: Record<Signal, number>
  bytesPerSample: number
}

export async function run(options: { workloadDir: string; runs?: number }): Promise<StorageResult> {
  const runs = options.runs ?? 3
  // One signal's batches in memory at a time, decoded before its timed phase: the others would
  // only weigh on garbage collection.
  const OTLP: Record<Signal, 'traces' | 'logs' | 'metrics'> = { spans: 'traces', logs: 'logs', metrics: 'metrics' }
  const counts: Record<Signal, number> = { spans: 0, logs: 0, metrics: 0 }
  let samples = 0
  const rows = (s: Signal): number => counts[s]
  const appendMs: Record<Signal, number[]> = { spans: [], logs: [], metrics: [] }
  const flushMs: number[] = []
  const sizes: { dir: number; spans: number; logs: number; metrics: number }[] = []
  const scanCold: number[] = []
  const scanProjected: number[] = []
  for (let r = 0; r < runs; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'blazedb-bench-storage-'))
    try {
      // Flushes run between the timed phases, so the append figures are the durable path alone (WAL + head).
      const engine = await openEngine({ dataDir: dir, password: 'bench', background: false, headFlushRows: 1e9, headFlushBytes: Infinity, blockCacheBytes: 0 })
      let t = 0
      let flushTotal = 0
      for (const s of ['spans', 'logs', 'metrics'] as const) {
        let batches: Batch[] = otlpBatches(options.workloadDir, OTLP[s])
        counts[s] = batches.reduce((n, b) => n + b.length, 0)
        if (s === 'metrics') samples = samplesOf(batches)
        appendMs[s].push(await appendAll(engine, batches))
        batches = []
        t = performance.now()
        await engine.flush()
        flushTotal += performance.now() - t
      }
      t = performance.now()
      await engine.compact()
      flushMs.push(flushTotal + performance.now() - t)
      t = performance.now()
      let scanned = 0
      for await (const b of engine.scan({ tenant: 'default', signal: 'spans' })) scanned += b.length
      scanCold.push(performance.now() - t)
      t = performance.now()
      for await (const b of engine.scan({ tenant: 'default', signal: 'spans', columns: ['startTimeUnixNano', 'endTimeUnixNano', 'r:service.name', 'name'] })) scanned += b.length
      scanProjected.push(performance.now() - t)
      if (scanned !== 2 * rows('spans')) throw new Error(`scanned ${scanned} rows, expected ${2 * rows('spans')}`)
      await engine.close()
      const tenant = join(dir, 'tenants', 'default')
      sizes.push({ dir: dirBytes(dir), spans: dirBytes(join(tenant, 'spans')), logs: dirBytes(join(tenant, 'logs')), metrics: dirBytes(join(tenant, 'metrics')) })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  const appendRowsPerSec = {
    spans: rows('spans') / (median(appendMs.spans) / 1000),
    logs: rows('logs') / (median(appendMs.logs) / 1000),
    metrics: rows('metrics') / (median(appendMs.metrics) / 1000),
  }
  const size = sizes[sizes.length - 1]
  // Everything else in the directory (keyring, manifests, empty log segment) is shared out by rows.
  const overhead = size.dir - size.spans - size.logs - size.metrics
  const totalRows = rows('spans') + rows('logs') + rows('metrics')
  const share = (s: Signal, bytes: number): number => (bytes + (overhead * rows(s)) / totalRows) / rows(s)
  const bytesPerRow = { spans: share('spans', size.spans), logs: share('logs', size.logs), metrics: share('metrics', size.metrics) }
  const bytesPerSample = (bytesPerRow.metrics * rows('metrics')) / samples
  const md = [
    `### Storage engine (median of ${runs} runs, fresh data directory each)`,
    '',
    '| signal | rows | durable append, rows/s | bytes on disk per row | floor |',
    '|---|---:|---:|---:|---|',
    `| spans | ${fmt(rows('spans'))} | ${fmt(appendRowsPerSec.spans)} | ${fmt(bytesPerRow.spans, 2)} | 500k spans/s; 40 B/span |`,
    `| log records | ${fmt(rows('logs'))} | ${fmt(appendRowsPerSec.logs)} | ${fmt(bytesPerRow.logs, 2)} | 30 B/record |`,
    `| metric points | ${fmt(rows('metrics'))} | ${fmt(appendRowsPerSec.metrics)} | ${fmt(bytesPerRow.metrics, 2)} | |`,
    `| metric samples | ${fmt(samples)} | | ${fmt(bytesPerSample, 3)} | 1.5 B/sample |`,
    '',
    `Data directory after flush and compaction: ${fmt(size.dir)} bytes in all (AES-256-GCM encrypted, zstd). ` +
      `Appends: ${CONCURRENCY} batches of the workload's OTLP requests in flight, each acknowledged after fdatasync of the write-ahead log. ` +
      `Flush and compaction of everything: ${fmt(median(flushMs))} ms. ` +
      `Full scan of all span columns from disk (no block cache): ${fmt(rows('spans') / (median(scanCold) / 1000))} spans/s; ` +
      `four columns (start, end, service, name): ${fmt(rows('spans') / (median(scanProjected) / 1000))} spans/s.`,
  ].join('\n')
  return { markdown: md, appendRowsPerSec, bytesPerRow, bytesPerSample }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { workload: { type: 'string' }, runs: { type: 'string' } } })
  const workloadDir = values.workload ?? ensureWorkload(DEFAULT_SIZE)
  console.log((await run({ workloadDir, runs: values.runs === undefined ? undefined : Number(values.runs) })).markdown)
}

/**
 * @module bench/query-reference
 * Benchmark of the reference queries Q1..Q10 (shared/workload/SPEC.md) and a trace lookup,
 * on the reference workload after ingest: its OTLP batches decoded by the gateway's decoder
 * (or its NDJSON files, --via ndjson) and appended to a Store (MemoryStore unless a factory
 * is given; the on-disk engine plugs in there).
 * Reports median and p95 latency per query, rows scanned and blocks skipped, against the
 * floors of the query service: every query under 500 ms; Q1, Q3, Q4, Q5, Q6 under 100 ms;
 * a trace lookup under 20 ms.
 *
 *   node --max-old-space-size=8192 bench/query-reference.ts [--engine] [--spans N] [--logs N]
 *        [--series N] [--points N] [--runs N] [--via otlp|ndjson] [--batch-rows N]
 * --engine loads into the on-disk engine (a temporary data directory), flushed and compacted.
 */
import { parseArgs } from 'node:util'
import { runQuery } from '../query/index.ts'
import { MemoryStore, type Engine, type Store } from '../storage/index.ts'
import { openTempEngine } from './support/temp-engine.ts'
import { loadWorkload, loadWorkloadOtlp, readManifest } from './support/reference-loader.ts'
import { DEFAULT_SIZE, ensureWorkload, type WorkloadSize } from './support/workload.ts'
import { referenceQueries, traceLookupQuery } from '../test/support/workload-queries.ts'

export interface BenchOptions {
  sizes?: WorkloadSize
  /** Load the OTLP files through the ingest decoder (default) or the NDJSON files. */
  via?: 'otlp' | 'ndjson'
  /** Timed runs per query, after one warm-up run. */
  runs?: number
  /** Records per appended batch, for --via ndjson (OTLP batches hold about 1,000). */
  batchRows?: number
  /** The store to load into: the on-disk engine plugs in here. */
  storeFactory?: () => Store | Promise<Store>
  /** Runs after loading, before timing: the on-disk engine flushes and compacts here. */
  afterLoad?: (store: Store) => Promise<void>
  log?: (line: string) => void
}

export interface QueryFigures {
  id: string
  medianMs: number
  p95Ms: number
  /** Median CPU time of the process per run (user + system): steadier on a shared machine. */
  medianCpuMs: number
  rows: number
  rowsScanned: number
  blocksSkipped: number
  blocksTotal: number
  floorMs: number
  withinFloor: boolean
}

export interface BenchFigures {
  sizes: WorkloadSize
  loadMs: number
  queries: QueryFigures[]
}

/** Floors in milliseconds, from the query service's requirements. */
const FLOORS: Record<string, number> = { Q1: 100, Q3: 100, Q4: 100, Q5: 100, Q6: 100, trace: 20 }
const DEFAULT_FLOOR = 500

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

/**
 * Generates (or reuses) and loads the workload, then times every query.
 * @example const { queries } = await run({ sizes: SMALL_WORKLOAD, runs: 3 })
 */
export async function run(options: BenchOptions = {}): Promise<BenchFigures> {
  const sizes = options.sizes ?? DEFAULT_SIZE
  const log = options.log ?? (() => {})
  const dir = ensureWorkload(sizes)
  log(`workload: ${dir}`)
  const manifest = readManifest(dir)
  const store = await (options.storeFactory ?? (() => new MemoryStore()))()
  const loadStart = performance.now()
  if (options.via === 'ndjson') await loadWorkload(store, dir, manifest, { batchRows: options.batchRows ?? 10_000 })
  else await loadWorkloadOtlp(store, dir)
  await options.afterLoad?.(store)
  const loadMs = performance.now() - loadStart
  log(`loaded in ${(loadMs / 1000).toFixed(1)} s`)
  const facts = { slowTraceId: manifest.fixed.slow_trace_id, errorService: manifest.fixed.error_service }
  const range = { start: BigInt(manifest.window.start_unix_nano), end: BigInt(manifest.window.end_unix_nano) }
  const queries = { ...referenceQueries(facts), trace: traceLookupQuery(facts) }
  const figures: QueryFigures[] = []
  for (const [id, text] of Object.entries(queries)) {
    const times: number[] = []
    const cpu: number[] = []
    let last = await runQuery(text, { store, ...range })
    for (let i = 0; i < (options.runs ?? 10); i++) {
      const t = performance.now()
      const c = process.cpuUsage()
      last = await runQuery(text, { store, ...range })
      times.push(performance.now() - t)
      const used = process.cpuUsage(c)
      cpu.push((used.user + used.system) / 1000)
    }
    times.sort((a, b) => a - b)
    cpu.sort((a, b) => a - b)
    const floorMs = FLOORS[id] ?? DEFAULT_FLOOR
    const f: QueryFigures = {
      id,
      medianMs: percentile(times, 50),
      p95Ms: percentile(times, 95),
      medianCpuMs: percentile(cpu, 50),
      rows: last.rows.length,
      rowsScanned: last.stats.rowsScanned,
      blocksSkipped: last.stats.blocksSkipped,
      blocksTotal: last.stats.blocksTotal,
      floorMs,
      withinFloor: percentile(times, 50) < floorMs,
    }
    figures.push(f)
    log(`${id.padEnd(6)} median ${f.medianMs.toFixed(1).padStart(7)} ms  p95 ${f.p95Ms.toFixed(1).padStart(7)} ms  cpu ${f.medianCpuMs.toFixed(1).padStart(7)} ms  rows ${String(f.rows).padStart(4)}  scanned ${String(f.rowsScanned).padStart(8)}  blocks skipped ${f.blocksSkipped}/${f.blocksTotal}  floor ${floorMs} ms ${f.withinFloor ? 'ok' : 'MISSED'}`)
  }
  await store.close()
  return { sizes, loadMs, queries: figures }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      spans: { type: 'string' }, logs: { type: 'string' }, series: { type: 'string' }, points: { type: 'string' },
      runs: { type: 'string' }, 'batch-rows': { type: 'string' }, via: { type: 'string' }, engine: { type: 'boolean' },
    },
  })
  const onDisk = values.engine === true ? { storeFactory: openTempEngine, afterLoad: (store: Store) => (store as Engine).compact() } : {}
  const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v))
  const sizes = { spans: num(values.spans, DEFAULT_SIZE.spans), logs: num(values.logs, DEFAULT_SIZE.logs), series: num(values.series, DEFAULT_SIZE.series), points: num(values.points, DEFAULT_SIZE.points) }
  const via = values.via === 'ndjson' ? 'ndjson' : 'otlp'
  const figures = await run({ ...onDisk, sizes, via, runs: num(values.runs, 10), batchRows: num(values['batch-rows'], 10_000), log: (l) => console.log(l) })
  process.exitCode = figures.queries.every((q) => q.withinFloor) ? 0 : 1
}

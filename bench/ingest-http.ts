/**
 * @module bench/ingest-http
 * End-to-end ingest throughput: the OTLP/HTTP and OTLP/gRPC listeners run in this process with
 * a store from a factory (MemoryStore by default, or the on-disk engine in a fresh temporary
 * folder with `--engine`, a new store per run); a load generator in a child process replays the
 * workload's otlp/*.pb batches. Reports records/s accepted (counted by the server once `append`
 * resolved, over the time the generator was sending), p50/p99 export latency and this process's
 * peak RSS; with `--runs N`, the median of N runs of each transport and signal.
 * Run alone: `node bench/ingest-http.ts [--workload DIR] [--engine] [--seconds N] [--connections N]
 * [--runs N] [--transports http,grpc] [--signals traces,logs,metrics] [--decode-threads N]
 * [--cpu-prof-dir DIR] [--process-per-signal]`.
 */
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tuneServerRuntime } from '../cli/runtime.ts'
import { startOtlpGrpc, startOtlpHttp, type OtlpSignal } from '../ingest/index.ts'
import { MemoryStore, openEngine, type Store } from '../storage/index.ts'
import type { LoadReport, LoadSpec } from './ingest-loadgen.ts'
import { printFigures, SIGNALS, workloadFromArgs } from './ingest-workload.ts'
import { median } from './support/measure.ts'

type Transport = 'http' | 'grpc'

export interface HttpBenchOptions {
  workloadDir: string
  /** Makes the store each run appends to (MemoryStore); ignored with `engine`. */
  store?: () => Store | Promise<Store>
  /** Appends go to the on-disk engine in a fresh temporary folder, deleted after each run. */
  engine?: boolean
  /** Seconds per transport and signal (5). */
  seconds?: number
  /** Requests in flight at once, each on its own keep-alive connection (8). */
  connections?: number
  /** Runs of each transport and signal; figures are their medians (1). */
  runs?: number
  transports?: readonly Transport[]
  signals?: readonly OtlpSignal[]
  /** The listeners' decoding threads (their default when absent). */
  decodeThreads?: number
  /** Writes a CPU profile of this process while the generator sends, one per run, into this folder. */
  cpuProfileDir?: string
  /** Runs each run of each transport and signal in a fresh child process (as one server would
   * run), so that the peak RSS reported is a server's, not that of a process that hosted many in turn. */
  processPerSignal?: boolean
}

const UNIT: Record<OtlpSignal, string> = { traces: 'spans', logs: 'logRecords', metrics: 'points' }

interface StoreLease {
  store: Store
  dispose(): void
}

async function engineStore(): Promise<StoreLease> {
  const dataDir = mkdtempSync(join(tmpdir(), 'blazedb-bench-ingest-'))
  const store = await openEngine({ dataDir, password: 'bench' })
  return { store, dispose: () => rmSync(dataDir, { recursive: true, force: true }) }
}

function runLoad(spec: LoadSpec): Promise<LoadReport> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./ingest-loadgen.ts', import.meta.url), [], { stdio: 'inherit' })
    child.once('message', (report) => resolve(report as LoadReport))
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`load generator exited with ${code}`))))
    child.send(spec)
  })
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
}

/** One run of one transport and signal against a new store. */
async function runOnce(options: HttpBenchOptions, transport: Transport, signal: OtlpSignal, index: number): Promise<{ rate: number; p50: number; p99: number; cpuNs: number; generatorCpuNs: number; failures: Record<string, number> }> {
  const lease: StoreLease = options.engine === true ? await engineStore() : { store: await (options.store ?? (() => new MemoryStore()))(), dispose: () => {} }
  // The reference workload is dated 2026-11-01, older than the default retention: no lower
  // bound on time here (retention 0), as a server configured to keep it would run.
  const timeWindow = { retentionNs: { spans: 0n, logs: 0n, metrics: 0n } }
  const server = await (transport === 'http' ? startOtlpHttp : startOtlpGrpc)({ store: lease.store, decodeThreads: options.decodeThreads, timeWindow })
  try {
    const spec: LoadSpec = { transport, address: server.address, signal, workloadDir: options.workloadDir, connections: options.connections ?? 8, seconds: options.seconds ?? 5 }
    const profiler = options.cpuProfileDir === undefined ? undefined : new Session()
    if (profiler !== undefined) {
      profiler.connect()
      await profiler.post('Profiler.enable')
      await profiler.post('Profiler.start')
    }
    const cpuBefore = process.cpuUsage()
    const report = await runLoad(spec)
    const cpu = process.cpuUsage(cpuBefore)
    if (profiler !== undefined) {
      const { profile } = await profiler.post('Profiler.stop')
      writeFileSync(join(options.cpuProfileDir as string, `${transport}-${signal}-${index}.cpuprofile`), JSON.stringify(profile))
      profiler.disconnect()
    }
    // The generator's own clock: from its first request to the last answer (not its start-up).
    const accepted = server.metrics.snapshot().accepted[signal]
    const rate = accepted / (report.elapsedMs / 1000)
    // CPU of every thread of the server process while the generator ran, per record accepted:
    // steadier than throughput on a shared machine, and what a faster path must lower.
    const cpuNs = (1000 * (cpu.user + cpu.system)) / accepted
    return { rate, p50: percentile(report.latencies, 0.5), p99: percentile(report.latencies, 0.99), cpuNs, generatorCpuNs: (1000 * report.cpuUs) / accepted, failures: report.failures }
  } finally {
    await server.close()
    await lease.store.close()
    lease.dispose()
  }
}

/**
 * Throughput and latency per transport and signal.
 * @example const figures = await run({ workloadDir: '/tmp/workload', seconds: 5, engine: true })
 */
export async function run(options: HttpBenchOptions): Promise<Record<string, number | Record<string, number>>> {
  if (options.processPerSignal === true) return runInChildren(options)
  // The server side runs as `blazedb serve` would (cli/runtime.ts).
  tuneServerRuntime()
  const figures: Record<string, number | Record<string, number>> = {}
  // Where the resident memory is: the JS heap of this thread, and array buffers (column arrays).
  const peak = { heap: 0, arrayBuffers: 0 }
  const sampler = setInterval(() => {
    const m = process.memoryUsage()
    peak.heap = Math.max(peak.heap, m.heapUsed)
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers)
  }, 100)
  for (const transport of options.transports ?? (['http', 'grpc'] as const)) {
    for (const signal of options.signals ?? SIGNALS) {
      const results = []
      for (let i = 0; i < (options.runs ?? 1); i++) results.push(await runOnce(options, transport, signal, i))
      const key = `${transport}.${signal}`
      figures[`${key}.${UNIT[signal]}PerSecond`] = median(results.map((r) => r.rate))
      if (results.length > 1) figures[`${key}.runs`] = Object.fromEntries(results.map((r, i) => [i, Math.round(r.rate)]))
      figures[`${key}.p50LatencyMs`] = median(results.map((r) => r.p50))
      figures[`${key}.p99LatencyMs`] = median(results.map((r) => r.p99))
      figures[`${key}.serverCpuNsPerRecord`] = median(results.map((r) => r.cpuNs))
      figures[`${key}.generatorCpuNsPerRecord`] = median(results.map((r) => r.generatorCpuNs))
      const failures: Record<string, number> = {}
      for (const r of results) for (const [k, n] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + n
      if (Object.keys(failures).length > 0) figures[`${key}.failures`] = failures
    }
  }
  clearInterval(sampler)
  figures.peakRssMiB = process.resourceUsage().maxRSS / 1024
  figures.peakHeapUsedMiB = peak.heap / 2 ** 20
  figures.peakArrayBuffersMiB = peak.arrayBuffers / 2 ** 20
  return figures
}

type Figures = Record<string, number | Record<string, number>>

/**
 * `run` once per transport, signal and run, each in a child process (as one server would run):
 * figures are the medians of the runs, peaks the largest child's.
 */
async function runInChildren(options: HttpBenchOptions): Promise<Figures> {
  const figures: Figures = {}
  const peaks = { peakRssMiB: 0, peakHeapUsedMiB: 0, peakArrayBuffersMiB: 0 }
  for (const transport of options.transports ?? (['http', 'grpc'] as const)) {
    for (const signal of options.signals ?? SIGNALS) {
      const runs: Figures[] = []
      for (let i = 0; i < (options.runs ?? 1); i++) {
        const child = fork(import.meta.filename, [], { stdio: 'inherit' })
        runs.push(
          await new Promise<Figures>((resolve, reject) => {
            child.once('message', (message) => resolve(message as Figures))
            child.once('error', reject)
            child.once('exit', (code) => reject(new Error(`ingest benchmark child exited with ${code}`)))
            child.send({ ...options, processPerSignal: false, runs: 1, transports: [transport], signals: [signal] } satisfies HttpBenchOptions)
          }),
        )
        child.disconnect()
      }
      const key = `${transport}.${signal}`
      for (const name of Object.keys(runs[0])) {
        const values = runs.map((r) => r[name]).filter((v): v is number => typeof v === 'number')
        if (name in peaks) peaks[name as keyof typeof peaks] = Math.max(peaks[name as keyof typeof peaks], ...values)
        else figures[name] = median(values)
      }
      if (runs.length > 1) figures[`${key}.runs`] = Object.fromEntries(runs.map((r, i) => [i, Math.round(r[`${key}.${UNIT[signal]}PerSecond`] as number)]))
      figures[`${key}.peakRssMiB`] = Math.max(...runs.map((r) => r.peakRssMiB as number))
    }
  }
  return { ...figures, ...peaks }
}

// A child of runInChildren: one `run` with the options it is sent, figures sent back.
if (import.meta.main && process.send !== undefined) {
  process.once('message', async (options: HttpBenchOptions) => (process.send as (m: unknown) => void)(await run(options)))
} else if (import.meta.main) {
  const arg = (name: string) => {
    const at = process.argv.indexOf(name)
    return at < 0 ? undefined : process.argv[at + 1]
  }
  const num = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)))
  const list = <T extends string>(name: string) => arg(name)?.split(',') as T[] | undefined
  const engine = process.argv.includes('--engine')
  const figures = await run({
    workloadDir: workloadFromArgs(process.argv),
    engine,
    seconds: num('--seconds'),
    connections: num('--connections'),
    runs: num('--runs'),
    transports: list<Transport>('--transports'),
    signals: list<OtlpSignal>('--signals'),
    decodeThreads: num('--decode-threads'),
    cpuProfileDir: arg('--cpu-prof-dir'),
    processPerSignal: process.argv.includes('--process-per-signal'),
  })
  printFigures(`ingest over OTLP/HTTP and OTLP/gRPC into ${engine ? 'the engine' : 'MemoryStore'} (records/s accepted, latency ms, peak RSS MiB)`, figures)
}

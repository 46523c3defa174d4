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
 * [--cpu-prof-dir DIR] [--process-per-signal] [--together]`; `--together` sends the signals at once
 * into one store (with `--process-per-signal`, in a child process: one server's peak RSS);
 * `--serve [OTHER/bin/blazedb.js]` sends to a real `blazedb serve` process instead (OTLP/HTTP).
 */
import { fork } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseBytes } from '../cli/config.ts'
import { DEFAULT_MEMORY_LIMIT, memoryBudget } from '../cli/memory-budget.ts'
import { tuneServerRuntime } from '../cli/runtime.ts'
import { startOtlpGrpc, startOtlpHttp, type OtlpSignal } from '../ingest/index.ts'
import { MemoryStore, openEngine, type Store } from '../storage/index.ts'
import type { LoadReport, LoadSpec } from './ingest-loadgen.ts'
import { loadBatches, printFigures, SIGNALS, workloadFromArgs } from './ingest-workload.ts'
import { startServer } from './mixed.ts'
import { retimeTemplate } from './support/otlp-retime.ts'
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
  /** Sends every signal at once into one store (a generator each), as a gateway in front of
   * every kind of SDK takes them; figures are under `<transport>.together.<signal>`. */
  together?: boolean
  /** Sends to a fresh `blazedb serve` process (this checkout's, or the bin/blazedb.js given)
   * instead of listeners in this process; OTLP/HTTP only; its peak RSS from /proc. */
  serve?: boolean | string
}

const UNIT: Record<OtlpSignal, string> = { traces: 'spans', logs: 'logRecords', metrics: 'points' }

interface StoreLease {
  store: Store
  dispose(): void
}

/** The sizes a server with the default `memoryLimit` gives the engine and the intake. */
const BUDGET = memoryBudget(parseBytes('memoryLimit', DEFAULT_MEMORY_LIMIT))

async function engineStore(): Promise<StoreLease> {
  const dataDir = mkdtempSync(join(tmpdir(), 'blazedb-bench-ingest-'))
  const store = await openEngine({ dataDir, password: 'bench', headFlushBytes: BUDGET.headFlushBytes, blockCacheBytes: BUDGET.engineCacheBytes, compactMaxRows: BUDGET.compactMaxRows })
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

/** One run of one transport against a new store: a generator per signal, all at once. */
async function runOnce(options: HttpBenchOptions, transport: Transport, signals: readonly OtlpSignal[], index: number): Promise<{ signal: OtlpSignal; rate: number; p50: number; p99: number; cpuNs: number; generatorCpuNs: number; failures: Record<string, number> }[]> {
  const lease: StoreLease = options.engine === true ? await engineStore() : { store: await (options.store ?? (() => new MemoryStore()))(), dispose: () => {} }
  // The reference workload is dated 2026-11-01, older than the default retention: no lower
  // bound on time here (retention 0), as a server configured to keep it would run.
  const timeWindow = { retentionNs: { spans: 0n, logs: 0n, metrics: 0n } }
  const server = await (transport === 'http' ? startOtlpHttp : startOtlpGrpc)({ store: lease.store, decodeThreads: options.decodeThreads, timeWindow, maxInflightBytes: BUDGET.maxInflightBytes })
  try {
    const spec = (signal: OtlpSignal): LoadSpec => ({ transport, address: server.address, signal, workloadDir: options.workloadDir, connections: options.connections ?? 8, seconds: options.seconds ?? 5 })
    const profiler = options.cpuProfileDir === undefined ? undefined : new Session()
    if (profiler !== undefined) {
      profiler.connect()
      await profiler.post('Profiler.enable')
      await profiler.post('Profiler.start')
    }
    const cpuBefore = process.cpuUsage()
    const reports = await Promise.all(signals.map((signal) => runLoad(spec(signal))))
    const cpu = process.cpuUsage(cpuBefore)
    if (profiler !== undefined) {
      const { profile } = await profiler.post('Profiler.stop')
      writeFileSync(join(options.cpuProfileDir as string, `${transport}-${signals.join('+')}-${index}.cpuprofile`), JSON.stringify(profile))
      profiler.disconnect()
    }
    const accepted = server.metrics.snapshot().accepted
    const all = signals.reduce((n, s) => n + accepted[s], 0)
    return signals.map((signal, i) => {
      const report = reports[i]
      // The generator's own clock: from its first request to the last answer (not its start-up).
      const rate = accepted[signal] / (report.elapsedMs / 1000)
      // CPU of every thread of the server process while the generators ran, per record accepted
      // (of every signal sent at once): steadier than throughput on a shared machine, and what a
      // faster path must lower.
      const cpuNs = (1000 * (cpu.user + cpu.system)) / all
      return { signal, rate, p50: percentile(report.latencies, 0.5), p99: percentile(report.latencies, 0.99), cpuNs, generatorCpuNs: (1000 * report.cpuUs) / accepted[signal], failures: report.failures }
    })
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
  if (options.serve !== undefined && options.serve !== false) return runAgainstServer(options)
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
    const signals = options.signals ?? SIGNALS
    // Each signal alone, or (together) all of them at once into one store.
    for (const group of options.together === true ? [signals] : signals.map((s) => [s])) {
      const runs = []
      for (let i = 0; i < (options.runs ?? 1); i++) runs.push(await runOnce(options, transport, group, i))
      for (const [at, signal] of group.entries()) addFigures(figures, `${transport}.${options.together === true ? 'together.' : ''}${signal}`, signal, runs.map((r) => r[at]))
    }
  }
  clearInterval(sampler)
  figures.peakRssMiB = process.resourceUsage().maxRSS / 1024
  figures.peakHeapUsedMiB = peak.heap / 2 ** 20
  figures.peakArrayBuffersMiB = peak.arrayBuffers / 2 ** 20
  return figures
}

/** The figures of one signal's runs, under `key`. */
function addFigures(figures: Figures, key: string, signal: OtlpSignal, results: Awaited<ReturnType<typeof runOnce>>): void {
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

type Figures = Record<string, number | Record<string, number>>

/**
 * `run` once per transport, signal and run, each in a child process (as one server would run):
 * figures are the medians of the runs, peaks the largest child's.
 */
async function runInChildren(options: HttpBenchOptions): Promise<Figures> {
  const figures: Figures = {}
  const peaks = { peakRssMiB: 0, peakHeapUsedMiB: 0, peakArrayBuffersMiB: 0 }
  for (const transport of options.transports ?? (['http', 'grpc'] as const)) {
    const all = options.signals ?? SIGNALS
    for (const signals of options.together === true ? [all] : all.map((s) => [s])) {
      const runs: Figures[] = []
      for (let i = 0; i < (options.runs ?? 1); i++) {
        const child = fork(import.meta.filename, [], { stdio: 'inherit' })
        runs.push(
          await new Promise<Figures>((resolve, reject) => {
            child.once('message', (message) => resolve(message as Figures))
            child.once('error', reject)
            child.once('exit', (code) => reject(new Error(`ingest benchmark child exited with ${code}`)))
            child.send({ ...options, processPerSignal: false, runs: 1, transports: [transport], signals } satisfies HttpBenchOptions)
          }),
        )
        child.disconnect()
      }
      const key = options.together === true ? `${transport}.together` : `${transport}.${signals[0]}`
      for (const name of Object.keys(runs[0])) {
        const values = runs.map((r) => r[name]).filter((v): v is number => typeof v === 'number')
        if (name in peaks) peaks[name as keyof typeof peaks] = Math.max(peaks[name as keyof typeof peaks], ...values)
        else figures[name] = median(values)
      }
      if (runs.length > 1 && options.together !== true) figures[`${key}.runs`] = Object.fromEntries(runs.map((r, i) => [i, Math.round(r[`${key}.${UNIT[signals[0]]}PerSecond`] as number)]))
      figures[`${key}.peakRssMiB`] = Math.max(...runs.map((r) => r.peakRssMiB as number))
    }
  }
  return { ...figures, ...peaks }
}

/**
 * The signals (one after another, or `together`) sent at full speed over OTLP/HTTP to one
 * fresh `blazedb serve` process: records/s accepted, latency, and that process's peak RSS.
 */
async function runAgainstServer(options: HttpBenchOptions): Promise<Figures> {
  const root = mkdtempSync(join(tmpdir(), 'blazedb-bench-ingest-serve-'))
  const bin = typeof options.serve === 'string' ? options.serve : join(import.meta.dirname, '../bin/blazedb.js')
  const server = await startServer({ label: 'ingest', bin }, join(root, 'data'))
  const figures: Figures = {}
  try {
    const all = options.signals ?? SIGNALS
    for (const signals of options.together === true ? [all] : all.map((s) => [s])) {
      const spec = (signal: OtlpSignal): LoadSpec => ({ transport: 'http', address: server.otlpHttp, signal, workloadDir: options.workloadDir, connections: options.connections ?? 8, seconds: options.seconds ?? 5 })
      const reports = await Promise.all(signals.map((signal) => runLoad(spec(signal))))
      for (const [i, signal] of signals.entries()) {
        const r = reports[i]
        const perRequest = loadBatches(options.workloadDir, signal).slice(0, 20).reduce((n, b, _, a) => n + retimeTemplate(signal, b).records / a.length, 0)
        const key = `http.${options.together === true ? 'together.' : ''}${signal}`
        figures[`${key}.${UNIT[signal]}PerSecond`] = (r.latencies.length * perRequest) / (r.elapsedMs / 1000)
        figures[`${key}.p50LatencyMs`] = percentile(r.latencies, 0.5)
        figures[`${key}.p99LatencyMs`] = percentile(r.latencies, 0.99)
        if (Object.keys(r.failures).length > 0) figures[`${key}.failures`] = r.failures
      }
    }
    const status = readFileSync(`/proc/${server.pid}/status`, 'utf8')
    figures.peakRssMiB = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1]) / 1024
    return figures
  } finally {
    await server.stop()
    rmSync(root, { recursive: true, force: true })
  }
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
  // `--serve` alone: this checkout's server; `--serve PATH/bin/blazedb.js`: another's.
  const serve = process.argv.includes('--serve') ? (/\.[jt]s$/.test(arg('--serve') ?? '') ? arg('--serve') : true) : undefined
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
    together: process.argv.includes('--together'),
    serve,
  })
  printFigures(`ingest over OTLP/HTTP${serve === undefined ? ' and OTLP/gRPC' : ''} into ${serve !== undefined ? 'a `blazedb serve` process' : engine ? 'the engine' : 'MemoryStore'} (records/s accepted, latency ms, peak RSS MiB)`, figures)
}

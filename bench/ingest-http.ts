/**
 * @module bench/ingest-http
 * End-to-end ingest throughput: the OTLP/HTTP and OTLP/gRPC listeners run in this process with
 * a store from a factory (MemoryStore by default, a fresh one per run); a load generator in a
 * child process replays the workload's otlp/*.pb batches. Reports records/s accepted (counted
 * by the server once `append` resolved), p50/p99 export latency and this process's peak RSS.
 * Run alone: `node bench/ingest-http.ts [--workload DIR] [--seconds N] [--connections N]`.
 */
import { fork } from 'node:child_process'
import { startOtlpGrpc, startOtlpHttp, type OtlpSignal } from '../ingest/index.ts'
import { MemoryStore, type Store } from '../storage/index.ts'
import type { LoadReport, LoadSpec } from './ingest-loadgen.ts'
import { printFigures, SIGNALS, workloadFromArgs } from './ingest-workload.ts'

export interface HttpBenchOptions {
  workloadDir: string
  /** Makes the store each run appends to (MemoryStore). */
  store?: () => Store | Promise<Store>
  /** Seconds per transport and signal (5). */
  seconds?: number
  /** Requests in flight at once, each on its own keep-alive connection (4). */
  connections?: number
}

const UNIT: Record<OtlpSignal, string> = { traces: 'spans', logs: 'logRecords', metrics: 'points' }

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

/**
 * Throughput and latency per transport and signal.
 * @example const figures = await run({ workloadDir: '/tmp/workload', seconds: 5 })
 */
export async function run(options: HttpBenchOptions): Promise<Record<string, number | Record<string, number>>> {
  const makeStore = options.store ?? (() => new MemoryStore())
  const seconds = options.seconds ?? 5
  const connections = options.connections ?? 4
  const figures: Record<string, number | Record<string, number>> = {}
  for (const transport of ['http', 'grpc'] as const) {
    for (const signal of SIGNALS) {
      const store = await makeStore()
      const server = await (transport === 'http' ? startOtlpHttp : startOtlpGrpc)({ store })
      try {
        const start = performance.now()
        const report = await runLoad({ transport, address: server.address, signal, workloadDir: options.workloadDir, connections, seconds })
        const elapsed = (performance.now() - start) / 1000
        const key = `${transport}.${signal}`
        figures[`${key}.${UNIT[signal]}PerSecond`] = server.metrics.snapshot().accepted[signal] / elapsed
        figures[`${key}.p50LatencyMs`] = percentile(report.latencies, 0.5)
        figures[`${key}.p99LatencyMs`] = percentile(report.latencies, 0.99)
        if (Object.keys(report.failures).length > 0) figures[`${key}.failures`] = report.failures
      } finally {
        await server.close()
        await store.close()
      }
    }
  }
  figures.peakRssMiB = process.resourceUsage().maxRSS / 1024
  return figures
}

if (import.meta.main) {
  const arg = (name: string) => {
    const at = process.argv.indexOf(name)
    return at < 0 ? undefined : Number(process.argv[at + 1])
  }
  const figures = await run({ workloadDir: workloadFromArgs(process.argv), seconds: arg('--seconds'), connections: arg('--connections') })
  printFigures('ingest over OTLP/HTTP and OTLP/gRPC (records/s accepted, latency ms, peak RSS MiB)', figures)
}

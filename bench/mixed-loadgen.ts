/**
 * @module bench/mixed-loadgen
 * The sender of bench/mixed.ts and bench/soak.ts, run as a child process: replays the
 * workload's otlp/<signal>-*.pb requests over OTLP/HTTP at a steady rate (open loop: request k
 * leaves at start + k * interval whatever the answers before it, so a stalled server sees
 * requests pile up as real senders would), and reports each export's latency, measured from
 * when it was due. With `currentTime`, each request is stamped now (bench/support/otlp-retime.ts),
 * as live traffic is. Sent a list of specs, it runs them at once and answers with a list.
 */
import { Agent, request } from 'node:http'
import type { OtlpSignal } from '../ingest/index.ts'
import { loadBatches } from './ingest-workload.ts'
import { retimed, retimeTemplate } from './support/otlp-retime.ts'

export interface SteadyLoadSpec {
  /** host:port of the OTLP/HTTP listener. */
  address: string
  workloadDir: string
  /** Records of `signal` a second (spans for traces, the default). */
  spansPerSecond: number
  /** Records in one request of the workload (on average). */
  spansPerRequest: number
  seconds: number
  /** The workload requests sent: traces by default. */
  signal?: OtlpSignal
  /** Stamps each request's records with the current time (the latest of them now). */
  currentTime?: boolean
  /** Sends `{ progress }` messages this often with the latencies of the exports answered since the last one. */
  progressEveryMs?: number
}

export interface SteadyLoadReport {
  signal: OtlpSignal
  requests: number
  failures: Record<string, number>
  /** Latencies of successful exports, ms, sorted. */
  latencies: number[]
  /** Spans (records) per second sent, over the time from the first request to the last answer. */
  spansPerSecond: number
  /** Records in the successful exports (counted in each request with `currentTime`, estimated from `spansPerRequest` otherwise). */
  records: number
}

/** Latencies of one signal's exports answered since the previous progress message. */
export interface SteadyLoadProgress {
  progress: { signal: OtlpSignal; latencies: number[]; failures: number }[]
}

/** Most requests in flight: beyond it a request waits for a connection (its latency counts the wait). */
const MAX_CONNECTIONS = 64

export async function sendSteadily(spec: SteadyLoadSpec, onAnswer?: (latencyMs: number | undefined) => void): Promise<SteadyLoadReport> {
  const signal = spec.signal ?? 'traces'
  const bodies = loadBatches(spec.workloadDir, signal)
  const templates = spec.currentTime === true ? bodies.map((b) => retimeTemplate(signal, b)) : undefined
  const agent = new Agent({ keepAlive: true, maxSockets: MAX_CONNECTIONS })
  const at = spec.address.lastIndexOf(':')
  const [host, port] = [spec.address.slice(0, at), Number(spec.address.slice(at + 1))]
  const send = (body: Buffer): Promise<string | undefined> =>
    new Promise((resolve) => {
      const req = request({ host, port, path: `/v1/${signal}`, method: 'POST', agent, headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length } }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode === 200 ? undefined : `http ${res.statusCode}`))
      })
      req.on('error', (error) => resolve(error.message))
      req.end(body)
    })
  const report: SteadyLoadReport = { signal, requests: 0, failures: {}, latencies: [], spansPerSecond: 0, records: 0 }
  const interval = (1000 * spec.spansPerRequest) / spec.spansPerSecond
  const begin = performance.now()
  const end = begin + spec.seconds * 1000
  const pending: Promise<void>[] = []
  for (let k = 0; ; k++) {
    const due = begin + k * interval
    if (due >= end) break
    const wait = due - performance.now()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    report.requests++
    const template = templates?.[k % bodies.length]
    const body = template === undefined ? bodies[k % bodies.length] : retimed(template, BigInt(Date.now()) * 1_000_000n)
    pending.push(
      send(body).then((failure) => {
        if (failure === undefined) {
          const latency = performance.now() - due
          report.latencies.push(latency)
          report.records += template?.records ?? spec.spansPerRequest
          onAnswer?.(latency)
        } else {
          report.failures[failure] = (report.failures[failure] ?? 0) + 1
          onAnswer?.(undefined)
        }
      }),
    )
  }
  await Promise.all(pending)
  report.spansPerSecond = (report.latencies.length * spec.spansPerRequest) / ((performance.now() - begin) / 1000)
  report.latencies.sort((a, b) => a - b)
  agent.destroy()
  return report
}

/** Runs the specs at once; with `progressEveryMs` on the first, sends SteadyLoadProgress messages meanwhile. */
async function sendAll(specs: SteadyLoadSpec[]): Promise<SteadyLoadReport[]> {
  const windows = specs.map((s) => ({ signal: s.signal ?? 'traces', latencies: [] as number[], failures: 0 }))
  const every = specs[0]?.progressEveryMs
  const flush = (): void => {
    // A parent gone (its run failed) takes no progress: the sends go on until their end.
    if (process.connected) process.send?.({ progress: windows.map((w) => ({ ...w })) } satisfies SteadyLoadProgress)
    for (const w of windows) (w.latencies = []), (w.failures = 0)
  }
  const timer = every === undefined ? undefined : setInterval(flush, every)
  try {
    return await Promise.all(specs.map((s, i) => sendSteadily(s, (latency) => (latency === undefined ? windows[i].failures++ : windows[i].latencies.push(latency)))))
  } finally {
    clearInterval(timer)
  }
}

if (import.meta.main) {
  process.once('message', async (spec: SteadyLoadSpec | SteadyLoadSpec[]) => {
    const report = Array.isArray(spec) ? await sendAll(spec) : await sendSteadily(spec)
    process.send?.(report, () => process.exit(0))
  })
}

/**
 * @module bench/mixed-loadgen
 * The span sender of bench/mixed.ts, run as a child process: replays the workload's
 * otlp/traces-*.pb requests over OTLP/HTTP at a steady rate (open loop: request k leaves at
 * start + k * interval whatever the answers before it, so a stalled server sees requests pile
 * up as real senders would), and reports each export's latency, measured from when it was due.
 */
import { Agent, request } from 'node:http'
import { loadBatches } from './ingest-workload.ts'

export interface SteadyLoadSpec {
  /** host:port of the OTLP/HTTP listener. */
  address: string
  workloadDir: string
  spansPerSecond: number
  /** Spans in one request of the workload (on average). */
  spansPerRequest: number
  seconds: number
}

export interface SteadyLoadReport {
  requests: number
  failures: Record<string, number>
  /** Latencies of successful exports, ms, sorted. */
  latencies: number[]
  /** Spans per second sent, over the time from the first request to the last answer. */
  spansPerSecond: number
}

/** Most requests in flight: beyond it a request waits for a connection (its latency counts the wait). */
const MAX_CONNECTIONS = 64

export async function sendSteadily(spec: SteadyLoadSpec): Promise<SteadyLoadReport> {
  const bodies = loadBatches(spec.workloadDir, 'traces')
  const agent = new Agent({ keepAlive: true, maxSockets: MAX_CONNECTIONS })
  const at = spec.address.lastIndexOf(':')
  const [host, port] = [spec.address.slice(0, at), Number(spec.address.slice(at + 1))]
  const send = (body: Buffer): Promise<string | undefined> =>
    new Promise((resolve) => {
      const req = request({ host, port, path: '/v1/traces', method: 'POST', agent, headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length } }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode === 200 ? undefined : `http ${res.statusCode}`))
      })
      req.on('error', (error) => resolve(error.message))
      req.end(body)
    })
  const report: SteadyLoadReport = { requests: 0, failures: {}, latencies: [], spansPerSecond: 0 }
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
    pending.push(
      send(bodies[k % bodies.length]).then((failure) => {
        if (failure === undefined) report.latencies.push(performance.now() - due)
        else report.failures[failure] = (report.failures[failure] ?? 0) + 1
      }),
    )
  }
  await Promise.all(pending)
  report.spansPerSecond = (report.latencies.length * spec.spansPerRequest) / ((performance.now() - begin) / 1000)
  report.latencies.sort((a, b) => a - b)
  agent.destroy()
  return report
}

if (import.meta.main) {
  process.once('message', async (spec: SteadyLoadSpec) => {
    const report = await sendSteadily(spec)
    process.send?.(report, () => process.exit(0))
  })
}

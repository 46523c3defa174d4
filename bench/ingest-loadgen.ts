/**
 * @module bench/ingest-loadgen
 * The load generator of bench/ingest-http.ts, run as a child process so that it does not share
 * the server's event loop: replays otlp/*.pb batches over OTLP/HTTP (keep-alive connections)
 * or OTLP/gRPC for a while, `connections` requests in flight, and reports the latencies of
 * successful exports to its parent over IPC.
 */
import * as grpc from '@grpc/grpc-js'
import { Agent, request } from 'node:http'
import { GRPC_EXPORT_PATHS, type OtlpSignal } from '../ingest/index.ts'
import { loadBatches } from './ingest-workload.ts'

export interface LoadSpec {
  transport: 'http' | 'grpc'
  address: string
  signal: OtlpSignal
  workloadDir: string
  connections: number
  seconds: number
}

export interface LoadReport {
  requests: number
  failures: Record<string, number>
  /** Latencies of successful exports, milliseconds, sorted. */
  latencies: number[]
  /** Milliseconds from the first request to the last answer (loading the workload excluded). */
  elapsedMs: number
  /** CPU microseconds this generator used over that time. */
  cpuUs: number
}

function httpSender(spec: LoadSpec): (body: Buffer) => Promise<string | undefined> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections })
  const [host, port] = [spec.address.slice(0, spec.address.lastIndexOf(':')), Number(spec.address.slice(spec.address.lastIndexOf(':') + 1))]
  return (body) =>
    new Promise((resolve) => {
      const req = request({ host, port, path: `/v1/${spec.signal}`, method: 'POST', agent, headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length } }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode === 200 ? undefined : `http ${res.statusCode}`))
      })
      req.on('error', (error) => resolve(error.message))
      req.end(body)
    })
}

function grpcSender(spec: LoadSpec): (body: Buffer) => Promise<string | undefined> {
  const clients = Array.from({ length: spec.connections }, () => new grpc.Client(spec.address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }))
  let next = 0
  const identity = (b: Buffer) => b
  return (body) =>
    new Promise((resolve) => {
      const client = clients[next++ % clients.length]
      client.makeUnaryRequest(GRPC_EXPORT_PATHS[spec.signal], identity, identity, body, (error) => resolve(error === null ? undefined : `grpc ${error.code}`))
    })
}

export async function generateLoad(spec: LoadSpec): Promise<LoadReport> {
  const batches = loadBatches(spec.workloadDir, spec.signal)
  const send = spec.transport === 'http' ? httpSender(spec) : grpcSender(spec)
  const report: LoadReport = { requests: 0, failures: {}, latencies: [], elapsedMs: 0, cpuUs: 0 }
  const cpuBefore = process.cpuUsage()
  const begin = performance.now()
  const deadline = begin + spec.seconds * 1000
  let next = 0
  const worker = async () => {
    while (performance.now() < deadline) {
      const body = batches[next++ % batches.length]
      const start = performance.now()
      const failure = await send(body)
      report.requests++
      if (failure === undefined) report.latencies.push(performance.now() - start)
      else report.failures[failure] = (report.failures[failure] ?? 0) + 1
    }
  }
  await Promise.all(Array.from({ length: spec.connections }, worker))
  report.elapsedMs = performance.now() - begin
  const cpu = process.cpuUsage(cpuBefore)
  report.cpuUs = cpu.user + cpu.system
  report.latencies.sort((a, b) => a - b)
  return report
}

if (import.meta.main) {
  process.once('message', async (spec: LoadSpec) => {
    const report = await generateLoad(spec)
    process.send?.(report, () => process.exit(0))
  })
}

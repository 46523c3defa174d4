/**
 * @module bench/ingest-decode
 * Decode throughput of the reference workload's otlp/*.pb: BlazeDB's decoder (protobuf straight
 * into storage batches) against protobufjs (protobuf into message objects), per signal, in
 * records per second. Run alone: `node bench/ingest-decode.ts [--workload DIR]`.
 */
import { OtlpDecoder, type OtlpSignal } from '../ingest/index.ts'
import { REQUEST_TYPES } from '../test/support/otlp-protobufjs.ts'
import { loadBatches, printFigures, SIGNALS, workloadFromArgs } from './ingest-workload.ts'

export interface DecodeBenchOptions {
  workloadDir: string
  /** Seconds of measurement per decoder and signal (after a warm-up of a third of it). */
  seconds?: number
}

/** Records in a protobufjs-decoded request, so both sides do the same work and get checked. */
function countRecords(signal: OtlpSignal, message: any): number {
  let n = 0
  if (signal === 'traces') for (const r of message.resourceSpans) for (const s of r.scopeSpans) n += s.spans.length
  if (signal === 'logs') for (const r of message.resourceLogs) for (const s of r.scopeLogs) n += s.logRecords.length
  if (signal === 'metrics') {
    for (const r of message.resourceMetrics) {
      for (const s of r.scopeMetrics) for (const m of s.metrics) n += (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary).dataPoints.length
    }
  }
  return n
}

/** Records per second of `decode` over `batches`, for `seconds`. */
function measure(batches: Buffer[], seconds: number, decode: (body: Buffer) => number): { recordsPerSecond: number; mbPerSecond: number } {
  const loop = (ms: number) => {
    let records = 0
    let bytes = 0
    const start = performance.now()
    while (performance.now() - start < ms) {
      for (const b of batches) {
        records += decode(b)
        bytes += b.length
      }
    }
    const elapsed = (performance.now() - start) / 1000
    return { recordsPerSecond: records / elapsed, mbPerSecond: bytes / elapsed / 1e6 }
  }
  loop((seconds * 1000) / 3)
  return loop(seconds * 1000)
}

/**
 * Decode throughput per signal for both decoders.
 * @example const figures = await run({ workloadDir: '/tmp/workload' })
 */
export async function run(options: DecodeBenchOptions): Promise<Record<string, number>> {
  const seconds = options.seconds ?? 3
  const decoder = new OtlpDecoder()
  const figures: Record<string, number> = {}
  const unit: Record<OtlpSignal, string> = { traces: 'spans', logs: 'logRecords', metrics: 'points' }
  for (const signal of SIGNALS) {
    const batches = loadBatches(options.workloadDir, signal)
    if (batches.length === 0) continue
    const type = REQUEST_TYPES[signal]
    const ours = measure(batches, seconds, (b) => decoder.decode(signal, 'protobuf', b).accepted)
    const baseline = measure(batches, seconds, (b) => countRecords(signal, type.decode(b)))
    figures[`blazedb.${unit[signal]}PerSecond`] = ours.recordsPerSecond
    figures[`blazedb.${signal}MBPerSecond`] = ours.mbPerSecond
    figures[`protobufjs.${unit[signal]}PerSecond`] = baseline.recordsPerSecond
    figures[`speedup.${signal}`] = ours.recordsPerSecond / baseline.recordsPerSecond
  }
  return figures
}

if (import.meta.main) {
  const figures = await run({ workloadDir: workloadFromArgs(process.argv) })
  printFigures('ingest decode (records/s, MB/s; speedup = BlazeDB / protobufjs)', {
    ...figures,
    ...Object.fromEntries(Object.entries(figures).filter(([k]) => k.startsWith('speedup')).map(([k, v]) => [k, `${v.toFixed(2)}x`])),
  })
}

/**
 * @module bench/ingest-decode
 * Decode throughput of the reference workload's otlp/*.pb: BlazeDB's decoder (protobuf straight
 * into storage batches) against protobufjs (protobuf into message objects), per signal, in
 * records per second. Run alone: `node bench/ingest-decode.ts [--workload DIR]`.
 */
import { OtlpDecoder, type OtlpSignal } from '../ingest/index.ts'
import { REQUEST_TYPES } from '../test/support/otlp-protobufjs.ts'
import { loadBatches, printFigures, SIGNALS, workloadFromArgs } from './ingest-workload.ts'
import { median } from './support/measure.ts'

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

interface Rate {
  recordsPerSecond: number
  mbPerSecond: number
}

/** Records per second of `decode` over `batches` (whole passes), for at least `ms`. */
function measure(batches: Buffer[], ms: number, decode: (body: Buffer) => number): Rate {
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

/** Rounds of the two decoders taking turns: a burst of load from another tenant of the
 * machine then slows one round of both rather than one decoder's whole measurement. */
const ROUNDS = 5

/**
 * Both decoders measured side by side: after a warm-up each, ROUNDS rounds in which each
 * runs for its share of `seconds`; rates are the medians of the rounds, the speedup the
 * median of the rounds' ratios.
 */
function compare(batches: Buffer[], seconds: number, ours: (body: Buffer) => number, baseline: (body: Buffer) => number): { ours: Rate; baseline: Rate; speedup: number } {
  const share = (seconds * 1000) / ROUNDS
  measure(batches, share, ours)
  measure(batches, share, baseline)
  const rounds = Array.from({ length: ROUNDS }, () => ({ ours: measure(batches, share, ours), baseline: measure(batches, share, baseline) }))
  return {
    ours: { recordsPerSecond: median(rounds.map((r) => r.ours.recordsPerSecond)), mbPerSecond: median(rounds.map((r) => r.ours.mbPerSecond)) },
    baseline: { recordsPerSecond: median(rounds.map((r) => r.baseline.recordsPerSecond)), mbPerSecond: median(rounds.map((r) => r.baseline.mbPerSecond)) },
    speedup: median(rounds.map((r) => r.ours.recordsPerSecond / r.baseline.recordsPerSecond)),
  }
}

/**
 * Decode throughput per signal for both decoders.
 * @example const figures = await run({ workloadDir: '/tmp/workload' })
 */
export async function run(options: DecodeBenchOptions): Promise<Record<string, number>> {
  const seconds = options.seconds ?? 4
  const decoder = new OtlpDecoder()
  const figures: Record<string, number> = {}
  const unit: Record<OtlpSignal, string> = { traces: 'spans', logs: 'logRecords', metrics: 'points' }
  for (const signal of SIGNALS) {
    const batches = loadBatches(options.workloadDir, signal)
    if (batches.length === 0) continue
    const type = REQUEST_TYPES[signal]
    const { ours, baseline, speedup } = compare(
      batches,
      seconds,
      (b) => decoder.decode(signal, 'protobuf', b).accepted,
      (b) => countRecords(signal, type.decode(b)),
    )
    figures[`blazedb.${unit[signal]}PerSecond`] = ours.recordsPerSecond
    figures[`blazedb.${signal}MBPerSecond`] = ours.mbPerSecond
    figures[`protobufjs.${unit[signal]}PerSecond`] = baseline.recordsPerSecond
    figures[`speedup.${signal}`] = speedup
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

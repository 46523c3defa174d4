/**
 * @module workload/generate
 * One deterministic run: traces, logs that refer to them, and metric points, over a window
 * starting at 2026-11-01T00:00:00Z. Same options, same records.
 */
import { ERROR_SERVICE } from './model.ts'
import { Rand } from './rand.ts'
import type { FlatSpan, Workload } from './records.ts'
import { makeLogs } from './logs.ts'
import { makePoints } from './metrics.ts'
import { makeTrace, type TraceContext } from './traces.ts'

export interface WorkloadOptions {
  /** About this many spans (whole traces: the count stops at the trace that reaches it). */
  readonly spans?: number
  readonly logs?: number
  /** Window length in minutes; metric points cover all of it. */
  readonly minutes?: number
  /** Seconds between two points of a metric series. */
  readonly intervalSeconds?: number
  readonly seed?: number
  /** Window start, epoch ns (default T0). A server rejects or expires data older than its
   * retention, so tests that send to one pass a recent start. */
  readonly start?: bigint
}

export const T0 = 1793491200000000000n
const MINUTE = 60_000_000_000n
/** Traces start this long before the window ends, so the slowest (95 s) still starts inside it. */
const TRACE_MARGIN = 3n * MINUTE

/**
 * Generates a workload; defaults make a small one (5,000 spans, 5,000 logs, 10 minutes).
 * @example const w = generateWorkload({ spans: 20_000, logs: 20_000, minutes: 60 })
 */
export function generateWorkload(options: WorkloadOptions = {}): Workload {
  const spansWanted = options.spans ?? 5_000
  const minutes = options.minutes ?? 10
  const interval = BigInt(options.intervalSeconds ?? 15) * 1_000_000_000n
  const rand = new Rand(options.seed ?? 42)
  const start = options.start ?? T0
  const end = start + BigInt(minutes) * MINUTE
  const traceWidth = Number(end - start - TRACE_MARGIN)
  const spans: FlatSpan[] = []
  let slowTraceId = ''
  // The slow trace is planted about 62 % into the stream.
  while (spans.length < spansWanted) {
    const offset = Math.floor(rand.next() * traceWidth)
    // The incident is a stretch of time: the trace's place in the window says if it is in it.
    const ctx: TraceContext = { rand, out: spans, traceId: rand.hex(16), position: offset / Number(end - start), slow: slowTraceId === '' && spans.length >= spansWanted * 0.62 }
    if (ctx.slow) slowTraceId = ctx.traceId
    makeTrace(ctx, start + BigInt(offset))
  }
  const logs = makeLogs(rand, options.logs ?? 5_000, spans, start, end)
  const points = makePoints(rand, Number((end - start) / interval), start, interval)
  return { spans, logs, points, facts: { start, end, slowTraceId, errorService: ERROR_SERVICE, cumulativeStart: start - interval, interval } }
}

/**
 * @module workload/records
 * The flat records the generator makes: one object per span, log record and metric point,
 * with exact types (times and integer attributes as bigint, ids as lowercase hex, "" when
 * absent). Tests load them into other engines and compute expected answers from them.
 */

/** An attribute value as OTLP carries it: ints stay bigint, doubles number. */
export type AttrValue = string | number | bigint | boolean

export type Attributes = Record<string, AttrValue>

export interface SpanEvent {
  readonly time: bigint
  readonly name: string
  readonly attributes: Attributes
}

export interface FlatSpan {
  readonly traceId: string
  readonly spanId: string
  /** "" for a root span. */
  readonly parentSpanId: string
  readonly name: string
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number
  readonly start: bigint
  readonly end: bigint
  /** 0 unset, 1 ok, 2 error. */
  readonly statusCode: number
  readonly statusMessage: string
  readonly resource: Attributes
  readonly attributes: Attributes
  readonly events: readonly SpanEvent[]
}

export interface FlatLog {
  readonly time: bigint
  /** 0n when the sender did not set it (OTLP: "unset"). */
  readonly observedTime: bigint
  readonly severityNumber: number
  readonly severityText: string
  readonly body: string
  /** "" without trace context. */
  readonly traceId: string
  readonly spanId: string
  readonly resource: Attributes
  readonly attributes: Attributes
}

export interface HistogramValue {
  readonly count: bigint
  readonly sum: number
  readonly bucketCounts: readonly bigint[]
  readonly explicitBounds: readonly number[]
}

export interface FlatPoint {
  readonly name: string
  readonly type: 'gauge' | 'sum' | 'histogram'
  readonly unit: string
  readonly monotonic: boolean
  readonly temporality: 'unspecified' | 'cumulative'
  /** Start of a cumulative series; 0n for gauges. */
  readonly start: bigint
  readonly time: bigint
  readonly resource: Attributes
  readonly attributes: Attributes
  /** Gauge and sum value. */
  readonly value?: number
  readonly histogram?: HistogramValue
}

/** Everything one run makes, in the order it made it. */
export interface Workload {
  readonly spans: readonly FlatSpan[]
  readonly logs: readonly FlatLog[]
  readonly points: readonly FlatPoint[]
  /** Values queries need: the window and the planted facts. */
  readonly facts: WorkloadFacts
}

export interface WorkloadFacts {
  /** Window start, epoch ns (inclusive). */
  readonly start: bigint
  /** Window end, epoch ns (exclusive). */
  readonly end: bigint
  /** The trace holding the planted slow database call; its root is the slowest span. */
  readonly slowTraceId: string
  /** The service that fails most. */
  readonly errorService: string
  /** Start time of every cumulative series. */
  readonly cumulativeStart: bigint
  /** Metric point interval, ns. */
  readonly interval: bigint
}

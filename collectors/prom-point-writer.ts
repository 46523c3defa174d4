/**
 * @module collectors/prom-point-writer
 * Writes Prometheus samples as metric point rows, the way OpenTelemetry's Prometheus receiver
 * maps them: the metric name is `__name__` unchanged, `job` becomes the resource attribute
 * `service.name` and `instance` `service.instance.id`, every other label a point attribute
 * (`a:<label>`). Sums and histograms are cumulative (temporality 2). A staleness marker (the
 * series ended) is a point without a value whose `flags` hold FLAG_NO_RECORDED_VALUE, as OTLP
 * defines it. Native histograms are exponential histogram points (custom-bucket ones explicit
 * histogram points), their columns filled as OTLP ingest fills them.
 */
import { ATTR_PREFIX, BatchBuilder, COMMON_COLUMNS, METRIC_COLUMNS, METRIC_TYPE, RESOURCE_ATTR_PREFIX, type Batch } from '../storage/index.ts'
import type { PointKind } from './prom-metric-kind.ts'

/** OTLP AggregationTemporality CUMULATIVE: a Prometheus counter counts from its start. */
const TEMPORALITY_CUMULATIVE = 2
/** OTLP DataPointFlags.FLAG_NO_RECORDED_VALUE: "no value was recorded", the stale marker's meaning. */
export const FLAG_NO_RECORDED_VALUE = 1

/** A histogram point's buckets: exponential (native histograms) or explicit bounds (custom buckets). */
export type HistogramBuckets =
  | { kind: 'exponential'; scale: number; zeroThreshold: number; zeroCount: bigint; positiveOffset: number; positive: bigint[]; negativeOffset: number; negative: bigint[] }
  | { kind: 'explicit'; bounds: number[]; counts: bigint[] }

export interface HistogramValue {
  count: bigint
  sum: number
  buckets: HistogramBuckets
}

export interface PromPoint {
  name: string
  /** Labels other than `__name__`. */
  labels: readonly (readonly [string, string])[]
  /** Undefined for a staleness marker (and for a histogram). */
  value: number | undefined
  /** A native histogram's value: the point is a histogram point (`kind.type` says which). */
  histogram?: HistogramValue
  timeUnixNano: bigint
  /** When the counter or histogram started counting (remote-write 2.0 created_timestamp). */
  startTimeUnixNano?: bigint
  kind: PointKind
  help?: string
  unit?: string
  /** Extra resource attributes (the scrape target's, for instance). */
  resource?: Readonly<Record<string, string>>
}

/** Collects points into one batch. */
export class PromPointWriter {
  private builder: BatchBuilder
  private readonly scopeName: string
  rows = 0

  constructor(scopeName: string) {
    this.scopeName = scopeName
    this.builder = new BatchBuilder('metrics')
  }

  add(p: PromPoint): void {
    const b = this.builder
    const row = this.rows++
    b.setStr(METRIC_COLUMNS.name, row, p.name)
    if (p.help) b.setStr(METRIC_COLUMNS.description, row, p.help)
    if (p.unit) b.setStr(METRIC_COLUMNS.unit, row, p.unit)
    b.setU32(METRIC_COLUMNS.type, row, p.kind.type)
    if (p.kind.type === METRIC_TYPE.sum) {
      b.setU32(METRIC_COLUMNS.temporality, row, TEMPORALITY_CUMULATIVE)
      b.setBool(METRIC_COLUMNS.monotonic, row, p.kind.monotonic)
    } else if (p.kind.type !== METRIC_TYPE.gauge) b.setU32(METRIC_COLUMNS.temporality, row, TEMPORALITY_CUMULATIVE)
    b.setI64(METRIC_COLUMNS.timeUnixNano, row, p.timeUnixNano)
    if (p.startTimeUnixNano !== undefined) b.setI64(METRIC_COLUMNS.startTimeUnixNano, row, p.startTimeUnixNano)
    if (p.histogram !== undefined) this.setHistogram(row, p.histogram)
    else if (p.value === undefined) b.setU32(COMMON_COLUMNS.flags, row, FLAG_NO_RECORDED_VALUE)
    else b.setF64(METRIC_COLUMNS.value, row, p.value)
    b.setStr(COMMON_COLUMNS.scopeName, row, this.scopeName)
    if (p.resource !== undefined) for (const [k, v] of Object.entries(p.resource)) b.setAttribute(RESOURCE_ATTR_PREFIX + k, row, v)
    for (const [name, value] of p.labels) {
      if (name === 'job') b.setAttribute(`${RESOURCE_ATTR_PREFIX}service.name`, row, value)
      else if (name === 'instance') b.setAttribute(`${RESOURCE_ATTR_PREFIX}service.instance.id`, row, value)
      else if (name !== '__name__') b.setAttribute(ATTR_PREFIX + name, row, value)
    }
  }

  private setHistogram(row: number, h: HistogramValue): void {
    const b = this.builder
    b.setI64(METRIC_COLUMNS.count, row, h.count)
    b.setF64(METRIC_COLUMNS.sum, row, h.sum)
    const x = h.buckets
    if (x.kind === 'explicit') {
      b.setI64List(METRIC_COLUMNS.bucketCounts, row, x.counts)
      b.setF64List(METRIC_COLUMNS.explicitBounds, row, x.bounds)
      return
    }
    b.setI32(METRIC_COLUMNS.scale, row, x.scale)
    b.setI64(METRIC_COLUMNS.zeroCount, row, x.zeroCount)
    b.setF64(METRIC_COLUMNS.zeroThreshold, row, x.zeroThreshold)
    b.setI32(METRIC_COLUMNS.positiveOffset, row, x.positiveOffset)
    b.setI64List(METRIC_COLUMNS.positiveBucketCounts, row, x.positive)
    b.setI32(METRIC_COLUMNS.negativeOffset, row, x.negativeOffset)
    b.setI64List(METRIC_COLUMNS.negativeBucketCounts, row, x.negative)
  }

  /** The batch so far (undefined when empty); the writer starts a new one. */
  take(): Batch | undefined {
    if (this.rows === 0) return undefined
    const batch = this.builder.finish(this.rows)
    this.builder = new BatchBuilder('metrics')
    this.rows = 0
    return batch
  }
}

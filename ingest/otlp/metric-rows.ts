/**
 * @module ingest/otlp/metric-rows
 * The metric point columns both metric decoders (protobuf and JSON) write: one row per data
 * point whatever the metric type, with the metric's own fields filled over its points.
 */
import { METRIC_COLUMNS, METRIC_TYPE, type AnyValue } from '../../storage/index.ts'
import { SignalRows, timeProblem } from './signal-rows.ts'

/** The fields of a Metric message that apply to each of its points. */
export interface MetricInfo {
  name: string
  description: string
  unit: string
  /** METRIC_TYPE code, 0 while no data field was seen. */
  type: number
  temporality: number
  monotonic: boolean
  metadata: { [key: string]: AnyValue } | undefined
}

export function emptyMetricInfo(): MetricInfo {
  return { name: '', description: '', unit: '', type: 0, temporality: 0, monotonic: false, metadata: undefined }
}

export class MetricRows extends SignalRows {
  readonly start = this.cols.i64(METRIC_COLUMNS.startTimeUnixNano)
  readonly time = this.cols.i64(METRIC_COLUMNS.timeUnixNano)
  readonly value = this.cols.f64(METRIC_COLUMNS.value)
  readonly valueInt = this.cols.i64(METRIC_COLUMNS.valueInt)
  readonly count = this.cols.i64(METRIC_COLUMNS.count)
  readonly sum = this.cols.f64(METRIC_COLUMNS.sum)
  readonly min = this.cols.f64(METRIC_COLUMNS.min)
  readonly max = this.cols.f64(METRIC_COLUMNS.max)
  readonly bucketCounts = this.cols.list(METRIC_COLUMNS.bucketCounts, 'i64list')
  readonly explicitBounds = this.cols.list(METRIC_COLUMNS.explicitBounds, 'f64list')
  readonly scale = this.cols.i32(METRIC_COLUMNS.scale)
  readonly zeroCount = this.cols.i64(METRIC_COLUMNS.zeroCount)
  readonly zeroThreshold = this.cols.f64(METRIC_COLUMNS.zeroThreshold)
  readonly positiveOffset = this.cols.i32(METRIC_COLUMNS.positiveOffset)
  readonly positiveBucketCounts = this.cols.list(METRIC_COLUMNS.positiveBucketCounts, 'i64list')
  readonly negativeOffset = this.cols.i32(METRIC_COLUMNS.negativeOffset)
  readonly negativeBucketCounts = this.cols.list(METRIC_COLUMNS.negativeBucketCounts, 'i64list')
  readonly quantiles = this.cols.list(METRIC_COLUMNS.quantiles, 'f64list')
  readonly quantileValues = this.cols.list(METRIC_COLUMNS.quantileValues, 'f64list')
  readonly exemplars = this.cols.any(METRIC_COLUMNS.exemplars)

  constructor(capacity = 0) {
    super('metrics', capacity)
  }

  /** Fills the metric's fields over its points, rows [from, row). */
  fillMetric(from: number, m: MetricInfo): void {
    const to = this.row
    if (from === to) return
    this.cols.str(METRIC_COLUMNS.name).fill(from, to, m.name)
    if (m.description !== '') this.cols.str(METRIC_COLUMNS.description).fill(from, to, m.description)
    if (m.unit !== '') this.cols.str(METRIC_COLUMNS.unit).fill(from, to, m.unit)
    this.cols.u32(METRIC_COLUMNS.type).fill(from, to, m.type)
    if (m.type !== METRIC_TYPE.gauge && m.type !== METRIC_TYPE.summary) {
      this.cols.u32(METRIC_COLUMNS.temporality).fill(from, to, m.temporality)
    }
    if (m.type === METRIC_TYPE.sum) this.cols.bool(METRIC_COLUMNS.monotonic).fill(from, to, m.monotonic ? 1 : 0)
    if (m.metadata !== undefined) this.cols.any(METRIC_COLUMNS.metadata).fill(from, to, m.metadata)
  }

  /** Completes point `row`; its time is given as words (see `timeProblem`). */
  endPoint(row: number, timeLo: number, timeHi: number): void {
    this.time.setWords(row, timeLo, timeHi)
    const problem = timeProblem('time_unix_nano', timeLo, timeHi)
    if (problem !== undefined) this.reject(row, problem)
  }
}

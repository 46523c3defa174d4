/**
 * @module collectors/remote-write/native-histogram
 * A Prometheus native histogram as a stored histogram point, as OpenTelemetry's
 * prometheusremotewrite translator maps between the two: schema -4..8 is an exponential
 * histogram of the same scale, whose bucket indices are one lower (Prometheus's bucket i holds
 * (base^(i-1), base^i], OTLP's (base^i, base^(i+1)]); schema -53 (custom buckets) is an
 * explicit-bucket histogram with `custom_values` as its bounds. Counts are stored as integers:
 * a float histogram whose counts are not all whole numbers is not stored.
 */
import { METRIC_TYPE } from '../../storage/index.ts'
import type { PointKind } from '../prom-metric-kind.ts'
import type { HistogramValue } from '../prom-point-writer.ts'
import type { DenseBuckets, PromHistogram } from './histogram-decoder.ts'
import { NATIVE_HISTOGRAM_MAX_BUCKETS } from '../limits.ts'

/** Native histogram schemas: exponential -4..8, and custom buckets. */
const MIN_SCHEMA = -4
const MAX_SCHEMA = 8
const CUSTOM_BUCKETS_SCHEMA = -53
/** 2^1024 overflows a double. */
const FLOAT64_MAX_EXPONENT = 1024

export const EXPONENTIAL_KIND: PointKind = { type: METRIC_TYPE.exponentialHistogram, monotonic: false }
export const EXPLICIT_KIND: PointKind = { type: METRIC_TYPE.histogram, monotonic: false }

const whole = (x: number): boolean => Number.isSafeInteger(x) && x >= 0

/** The point kind a histogram is stored as. */
export function histogramKind(h: PromHistogram): PointKind {
  return h.schema === CUSTOM_BUCKETS_SCHEMA ? EXPLICIT_KIND : EXPONENTIAL_KIND
}

/** The stored value of `h`, or why it cannot be stored. */
export function histogramValue(h: PromHistogram): HistogramValue | string {
  if (h.tooWide) return `its buckets span more than ${NATIVE_HISTOGRAM_MAX_BUCKETS} indices`
  const counts = [h.count, h.zeroCount, ...h.positive.counts, ...h.negative.counts]
  if (!counts.every(whole)) return 'a float histogram with counts that are not whole numbers'
  const big = (d: DenseBuckets) => d.counts.map((c) => BigInt(c))
  if (h.schema === CUSTOM_BUCKETS_SCHEMA) {
    const bounds = h.customValues
    for (let i = 0; i < bounds.length; i++) {
      if (!Number.isFinite(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i]))) return 'custom_values are not finite and strictly increasing'
    }
    if (h.negative.counts.length > 0 || h.zeroCount > 0) return 'a custom-bucket histogram with negative or zero buckets'
    const { first, counts: positive } = h.positive
    if (positive.length > 0 && (first < 0 || first + positive.length > bounds.length + 1)) return `its buckets ${first}..${first + positive.length - 1} lie outside the ${bounds.length + 1} custom buckets`
    const dense = new Array<bigint>(bounds.length + 1).fill(0n)
    positive.forEach((c, i) => (dense[first + i] = BigInt(c)))
    return { count: BigInt(h.count), sum: h.sum, buckets: { kind: 'explicit', bounds: [...bounds], counts: dense } }
  }
  if (!(h.schema >= MIN_SCHEMA && h.schema <= MAX_SCHEMA)) return `schema ${h.schema} is not supported (supported: ${MIN_SCHEMA}..${MAX_SCHEMA} and ${CUSTOM_BUCKETS_SCHEMA})`
  // Bucket i's bound is 2^(i × 2^-schema): past ±1024 × 2^schema it leaves the range of a double.
  const maxIndex = FLOAT64_MAX_EXPONENT * 2 ** h.schema
  for (const d of [h.positive, h.negative]) {
    if (d.counts.length > 0 && (Math.abs(d.first) > maxIndex || Math.abs(d.first + d.counts.length) > maxIndex)) return `its bucket indices ${d.first}.. pass ±${maxIndex}, bounds beyond the range of a double`
  }
  return {
    count: BigInt(h.count),
    sum: h.sum,
    buckets: {
      kind: 'exponential',
      scale: h.schema,
      zeroThreshold: h.zeroThreshold,
      zeroCount: BigInt(h.zeroCount),
      positiveOffset: h.positive.first - 1,
      positive: big(h.positive),
      negativeOffset: h.negative.first - 1,
      negative: big(h.negative),
    },
  }
}

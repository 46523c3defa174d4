/**
 * @module query/hist-quantile
 * Quantiles of the three bucket layouts histogram_quantile reads (LANGUAGE.md
 * "histogram_quantile"): explicit bounds with per-bucket counts (OTLP histograms), cumulative
 * counts by upper bound (Prometheus classic `_bucket` series, by `le`), and exponential buckets
 * (OTLP exponential histograms, Prometheus native histograms). Each returns null where
 * Prometheus returns NaN. Algorithms after Prometheus promql/quantile.go (bucketQuantile,
 * HistogramQuantile), Apache-2.0.
 */

/**
 * The q-quantile of bucket counts (not cumulative) with upper bounds `bounds` (+Inf implied last).
 * @example bucketQuantile(0.5, [1, 2], [10, 10, 0]) // 1
 */
export function bucketQuantile(q: number, bounds: readonly number[], counts: ArrayLike<number>): number | null {
  let total = 0
  for (let i = 0; i < counts.length; i++) total += counts[i]
  if (total === 0) return null
  const rank = q * total
  let cumulative = 0
  for (let i = 0; i < counts.length; i++) {
    const before = cumulative
    cumulative += counts[i]
    if (cumulative < rank || counts[i] === 0) continue
    if (i >= bounds.length) return bounds[bounds.length - 1] ?? null
    const lower = i === 0 ? Math.min(0, bounds[0]) : bounds[i - 1]
    return lower + (bounds[i] - lower) * ((rank - before) / counts[i])
  }
  return bounds[bounds.length - 1] ?? null
}

/** Relative difference under which neighbouring cumulative counts are taken as equal (Prometheus's). */
const PRECISION_TOLERANCE = 1e-12

/**
 * The q-quantile of cumulative bucket counts keyed by upper bound (`le`), as Prometheus's
 * bucketQuantile computes it for classic histograms: buckets sorted by bound, a `+Inf` bucket
 * required, equal bounds merged, counts made monotonic, at least two buckets; linear
 * interpolation inside the bucket holding rank q × total, from 0 for the first bucket (or its
 * bound when that is ≤ 0), the highest finite bound when the rank falls in `+Inf`.
 * @example cumulativeQuantile(0.5, new Map([[1, 5], [2, 10], [Infinity, 10]])) // 1
 */
export function cumulativeQuantile(q: number, byBound: ReadonlyMap<number, number>): number | null {
  const bounds = [...byBound.keys()].sort((a, b) => a - b)
  if (bounds.length < 2 || bounds[bounds.length - 1] !== Infinity) return null
  const counts = bounds.map((b) => byBound.get(b)!)
  for (let i = 1, prev = counts[0]; i < counts.length; i++) {
    const delta = Math.abs(counts[i] - prev)
    if (delta === 0) continue
    if (delta / counts[i] <= PRECISION_TOLERANCE) counts[i] = prev
    else prev = counts[i]
  }
  for (let i = 1, max = counts[0]; i < counts.length; i++) {
    if (counts[i] > max) max = counts[i]
    else counts[i] = max
  }
  const observations = counts[counts.length - 1]
  if (observations === 0) return null
  let rank = q * observations
  let b = 0
  while (b < counts.length - 1 && counts[b] < rank) b++
  if (b === counts.length - 1) return bounds[bounds.length - 2]
  if (b === 0 && bounds[0] <= 0) return bounds[0]
  let start = 0
  let count = counts[b]
  if (b > 0) {
    start = bounds[b - 1]
    count -= counts[b - 1]
    rank -= counts[b - 1]
  }
  const value = start + (bounds[b] - start) * (rank / count)
  // 0 / 0 (q = 0 over an empty first bucket): Prometheus's NaN.
  return Number.isNaN(value) ? null : value
}

/**
 * An exponential histogram in OpenTelemetry's indexing: at `scale`, positive bucket `i` holds
 * (base^i, base^(i+1)] with base = 2^(2^-scale), negative bucket `i` the same range negated;
 * the zero bucket holds [-zeroThreshold, zeroThreshold]. Counts are doubles (increases).
 */
export interface ExpBuckets {
  scale: number
  zeroThreshold: number
  zero: number
  positive: Map<number, number>
  negative: Map<number, number>
}

/** The lower bound of positive bucket `index` at `scale` (the upper bound is that of index + 1). */
export function expLowerBound(index: number, scale: number): number {
  return 2 ** (index * 2 ** -scale)
}

/**
 * The q-quantile of exponential buckets, as Prometheus's HistogramQuantile reads a native
 * histogram: the buckets from the most negative up (negative, zero, positive), the bucket
 * holding rank q × total; inside it, interpolation on a logarithmic scale (the buckets are
 * equally wide there), linear in the zero bucket, whose far side is 0 when all observations
 * lie on the other side of zero.
 */
export function exponentialQuantile(q: number, h: ExpBuckets): number | null {
  const order: [lower: number, upper: number, count: number][] = []
  const negative = [...h.negative].filter(([, c]) => c > 0).sort((a, b) => b[0] - a[0])
  const positive = [...h.positive].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0])
  for (const [i, c] of negative) order.push([-expLowerBound(i + 1, h.scale), -expLowerBound(i, h.scale), c])
  if (h.zero > 0) order.push([-h.zeroThreshold, h.zeroThreshold, h.zero])
  for (const [i, c] of positive) order.push([expLowerBound(i, h.scale), expLowerBound(i + 1, h.scale), c])
  let total = 0
  for (const [, , c] of order) total += c
  if (total === 0) return null
  const rank = q * total
  let count = 0
  let k = 0
  for (; k < order.length; k++) {
    count += order[k][2]
    if (count >= rank) break
  }
  if (k === order.length) return order[order.length - 1][1]
  let [lower, upper] = order[k]
  const inBucket = order[k][2]
  if (lower < 0 && upper > 0) {
    if (negative.length === 0 && positive.length > 0) lower = 0
    else if (positive.length === 0 && negative.length > 0) upper = 0
  }
  const fraction = (rank - (count - inBucket)) / inBucket
  if (lower <= 0 && upper >= 0) return lower + (upper - lower) * fraction
  const logLower = Math.log2(Math.abs(lower))
  const logUpper = Math.log2(Math.abs(upper))
  if (lower > 0) return 2 ** (logLower + (logUpper - logLower) * fraction)
  return -(2 ** (logUpper + (logLower - logUpper) * (1 - fraction)))
}

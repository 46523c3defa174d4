/**
 * @module query/hist-exponential
 * Arithmetic on exponential histograms for histogram_quantile: the increase of a cumulative
 * histogram between two points of a series, and the sum of a group's increases. Histograms of
 * different scales meet at the coarser one (bucket i at scale s is bucket i >> d at scale
 * s - d, OpenTelemetry's downscaling), different zero thresholds at the wider one (buckets
 * inside it join the zero bucket), as Prometheus adds native histograms.
 */
import { expLowerBound, type ExpBuckets } from './hist-quantile.ts'

export function emptyExp(scale: number, zeroThreshold: number): ExpBuckets {
  return { scale, zeroThreshold, zero: 0, positive: new Map(), negative: new Map() }
}

/** A copy of `h` at `scale` (≤ h.scale) and `zeroThreshold` (≥ h.zeroThreshold). */
export function reshape(h: ExpBuckets, scale: number, zeroThreshold: number): ExpBuckets {
  if (scale === h.scale && zeroThreshold === h.zeroThreshold) return h
  const out = emptyExp(scale, zeroThreshold)
  out.zero = h.zero
  const shift = h.scale - scale
  for (const [from, to] of [[h.positive, out.positive], [h.negative, out.negative]] as const) {
    for (const [i, c] of from) {
      const j = i >> shift
      // A bucket wholly inside the zero bucket joins it.
      if (expLowerBound(j + 1, scale) <= zeroThreshold) out.zero += c
      else to.set(j, (to.get(j) ?? 0) + c)
    }
  }
  return out
}

/** Adds `h` into `into` (which may be reshaped: the result is returned). */
export function addExp(into: ExpBuckets, h: ExpBuckets): ExpBuckets {
  const scale = Math.min(into.scale, h.scale)
  const zt = Math.max(into.zeroThreshold, h.zeroThreshold)
  const target = into.scale === scale && into.zeroThreshold === zt ? into : reshape(into, scale, zt)
  const add = reshape(h, scale, zt)
  target.zero += add.zero
  for (const i of add.positive.keys()) target.positive.set(i, (target.positive.get(i) ?? 0) + add.positive.get(i)!)
  for (const i of add.negative.keys()) target.negative.set(i, (target.negative.get(i) ?? 0) + add.negative.get(i)!)
  return target
}

/**
 * What `cur` added since `prev` (points of one cumulative series), or `cur` whole after a
 * counter reset: a finer scale or narrower zero bucket than before (Prometheus's rule), or
 * any count lower than before.
 */
export function expIncrease(prev: ExpBuckets, cur: ExpBuckets): ExpBuckets {
  if (cur.scale > prev.scale || cur.zeroThreshold < prev.zeroThreshold) return cur
  const p = reshape(prev, cur.scale, cur.zeroThreshold)
  if (cur.zero < p.zero) return cur
  const out = emptyExp(cur.scale, cur.zeroThreshold)
  out.zero = cur.zero - p.zero
  for (const [from, was, to] of [[cur.positive, p.positive, out.positive], [cur.negative, p.negative, out.negative]] as const) {
    for (const [i, c] of was) if (c > (from.get(i) ?? 0)) return cur
    for (const [i, c] of from) to.set(i, c - (was.get(i) ?? 0))
  }
  return out
}

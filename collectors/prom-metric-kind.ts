/**
 * @module collectors/prom-metric-kind
 * What a Prometheus series is in OpenTelemetry terms: a monotonic cumulative sum (counters,
 * histogram and summary `_bucket` and `_count` series) or a gauge. Decided from the metric
 * family's type when it is known (metadata, `# TYPE` lines), else from the name: `_total` is a
 * counter, `_bucket` with an `le` label a histogram bucket, and `_count`/`_sum` belong to a
 * histogram once its `_bucket` series was seen. Everything else is a gauge.
 */
import { METRIC_TYPE } from '../storage/index.ts'
import { METADATA_CACHE_ENTRIES } from './limits.ts'

export type PromMetricType = 'unknown' | 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset'

export interface PromFamilyInfo {
  type: PromMetricType
  help: string
  unit: string
}

export interface PointKind {
  /** METRIC_TYPE.gauge or METRIC_TYPE.sum. */
  type: number
  monotonic: boolean
}

const GAUGE: PointKind = { type: METRIC_TYPE.gauge, monotonic: false }
const COUNTER: PointKind = { type: METRIC_TYPE.sum, monotonic: true }
const SUM: PointKind = { type: METRIC_TYPE.sum, monotonic: false }

const SUFFIXES = ['_total', '_bucket', '_count', '_sum', '_created', '_info'] as const

/** The family names a series name may belong to: itself, then without a known suffix. */
export function familyCandidates(name: string): string[] {
  const out = [name]
  for (const suffix of SUFFIXES) if (name.endsWith(suffix) && name.length > suffix.length) out.push(name.slice(0, -suffix.length))
  return out
}

/**
 * Remembers what is known of metric families across requests: their metadata and which
 * families have `_bucket` series. Bounded: the oldest entry goes first.
 */
export class FamilyCache {
  private readonly info = new Map<string, PromFamilyInfo>()
  private readonly bucketed = new Set<string>()

  set(family: string, info: PromFamilyInfo): void {
    this.info.delete(family)
    this.info.set(family, info)
    if (this.info.size > METADATA_CACHE_ENTRIES) this.info.delete(this.info.keys().next().value!)
  }

  /** The family a series name belongs to and what is known of it. */
  lookup(name: string): { family: string; info: PromFamilyInfo } | undefined {
    for (const family of familyCandidates(name)) {
      const info = this.info.get(family)
      if (info !== undefined) return { family, info }
    }
    return undefined
  }

  noteBucket(family: string): void {
    if (this.bucketed.has(family)) return
    this.bucketed.add(family)
    if (this.bucketed.size > METADATA_CACHE_ENTRIES) this.bucketed.delete(this.bucketed.values().next().value!)
  }

  hasBuckets(family: string): boolean {
    return this.bucketed.has(family)
  }

  get size(): number {
    return this.info.size
  }
}

/** How a sample of series `name` is stored, given its family's type when known. */
export function pointKind(name: string, hasLe: boolean, known: { family: string; info: PromFamilyInfo } | undefined, cache?: FamilyCache): PointKind {
  if (known !== undefined) {
    const suffix = name.slice(known.family.length)
    switch (known.info.type) {
      case 'counter':
        return suffix === '_created' ? GAUGE : COUNTER
      case 'histogram':
      case 'summary':
        if (suffix === '_bucket' || suffix === '_count') return COUNTER
        if (suffix === '_sum') return SUM
        return GAUGE
      case 'unknown':
        break
      default:
        return GAUGE
    }
  }
  if (name.endsWith('_total')) return COUNTER
  if (name.endsWith('_bucket') && hasLe) {
    cache?.noteBucket(name.slice(0, -'_bucket'.length))
    return COUNTER
  }
  if (cache !== undefined && name.endsWith('_count') && cache.hasBuckets(name.slice(0, -'_count'.length))) return COUNTER
  if (cache !== undefined && name.endsWith('_sum') && cache.hasBuckets(name.slice(0, -'_sum'.length))) return SUM
  return GAUGE
}

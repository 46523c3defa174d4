/**
 * @module collectors/remote-write/write-request-decoder
 * Decodes a Prometheus remote-write 1.0 `WriteRequest` (prometheus/prompb/remote.proto and
 * types.proto) from protobuf bytes:
 *
 *   WriteRequest   { repeated TimeSeries timeseries = 1; reserved 2; repeated MetricMetadata metadata = 3 }
 *   TimeSeries     { repeated Label labels = 1; repeated Sample samples = 2;
 *                    repeated Exemplar exemplars = 3; repeated Histogram histograms = 4 }
 *   Label          { string name = 1; string value = 2 }
 *   Sample         { double value = 1; int64 timestamp = 2 }   // milliseconds since the epoch
 *   MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5 }
 *
 * Native histograms (`Histogram`) are decoded by histogram-decoder.ts; exemplars are skipped.
 * Unknown fields are skipped, as protobuf requires. Throws CollectorError MALFORMED on any wire
 * error.
 */
import { MAX_LABELS_PER_SERIES } from '../limits.ts'
import type { PromFamilyInfo, PromMetricType } from '../prom-metric-kind.ts'
import { readHistogram, type PromHistogram } from './histogram-decoder.ts'
import { isStaleNaN, Reader, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './proto-reader.ts'

export interface PromSample {
  value: number
  /** Milliseconds since the epoch. */
  timestampMs: bigint
  /** True for Prometheus's staleness marker (a NaN with a special bit pattern). */
  stale: boolean
}

export interface PromSeries {
  /** Name-value pairs in the order sent (Prometheus sorts them by name). */
  labels: [string, string][]
  samples: PromSample[]
  histograms: PromHistogram[]
  /** When the series' counter or histogram started (remote-write 2.0 created_timestamp). */
  createdMs?: bigint
  /** The series' own metadata (remote-write 2.0). */
  metadata?: PromFamilyInfo
}

/** MetricMetadata.MetricType, in proto order. */
export const PROM_METRIC_TYPES: readonly PromMetricType[] = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset']

export interface PromMetadata {
  type: PromMetricType
  family: string
  help: string
  unit: string
}

export interface WriteRequest {
  timeseries: PromSeries[]
  metadata: PromMetadata[]
}

/** Decodes a WriteRequest; throws CollectorError MALFORMED. */
export function decodeWriteRequest(bytes: Uint8Array): WriteRequest {
  const r = new Reader('WriteRequest', bytes)
  const out: WriteRequest = { timeseries: [], metadata: [] }
  while (r.pos < r.end) {
    const [field, wire] = r.tag()
    if (field === 1) {
      r.expect(wire, WIRE_LEN, 'timeseries')
      out.timeseries.push(readSeries(r.sub()))
    } else if (field === 3) {
      r.expect(wire, WIRE_LEN, 'metadata')
      out.metadata.push(readMetadata(r.sub()))
    } else r.skip(wire)
  }
  return out
}

function readSeries(r: Reader): PromSeries {
  const series: PromSeries = { labels: [], samples: [], histograms: [] }
  while (r.pos < r.end) {
    const [field, wire] = r.tag()
    if (field === 1) {
      r.expect(wire, WIRE_LEN, 'labels')
      if (series.labels.length >= MAX_LABELS_PER_SERIES) r.fail(`more than ${MAX_LABELS_PER_SERIES} labels in a series`)
      series.labels.push(readLabel(r.sub()))
    } else if (field === 2) {
      r.expect(wire, WIRE_LEN, 'samples')
      series.samples.push(readSample(r.sub()))
    } else if (field === 4) {
      r.expect(wire, WIRE_LEN, 'histograms')
      series.histograms.push(readHistogram(r.sub()))
    } else r.skip(wire)
  }
  return series
}

function readLabel(r: Reader): [string, string] {
  let name = ''
  let value = ''
  while (r.pos < r.end) {
    const [field, wire] = r.tag()
    if (field === 1) {
      r.expect(wire, WIRE_LEN, 'label name')
      name = r.string()
    } else if (field === 2) {
      r.expect(wire, WIRE_LEN, 'label value')
      value = r.string()
    } else r.skip(wire)
  }
  return [name, value]
}

/** Sample { double value = 1; int64 timestamp = 2 }, the same in 1.0 and 2.0. */
export function readSample(r: Reader): PromSample {
  const sample: PromSample = { value: 0, timestampMs: 0n, stale: false }
  while (r.pos < r.end) {
    const [field, wire] = r.tag()
    if (field === 1) {
      r.expect(wire, WIRE_I64, 'sample value')
      const at = r.pos
      r.advance(8)
      sample.value = r.view.getFloat64(at, true)
      sample.stale = isStaleNaN(r.view, at)
    } else if (field === 2) {
      r.expect(wire, WIRE_VARINT, 'sample timestamp')
      sample.timestampMs = BigInt.asIntN(64, r.varint())
    } else r.skip(wire)
  }
  return sample
}

function readMetadata(r: Reader): PromMetadata {
  const m: PromMetadata = { type: 'unknown', family: '', help: '', unit: '' }
  while (r.pos < r.end) {
    const [field, wire] = r.tag()
    if (field === 1) {
      r.expect(wire, WIRE_VARINT, 'metadata type')
      m.type = PROM_METRIC_TYPES[r.uint32()] ?? 'unknown'
    } else if (field === 2) {
      r.expect(wire, WIRE_LEN, 'metric_family_name')
      m.family = r.string()
    } else if (field === 4) {
      r.expect(wire, WIRE_LEN, 'help')
      m.help = r.string()
    } else if (field === 5) {
      r.expect(wire, WIRE_LEN, 'unit')
      m.unit = r.string()
    } else r.skip(wire)
  }
  return m
}

/**
 * @module collectors/remote-write/write-request-v2-decoder
 * Decodes a Prometheus remote-write 2.0 `io.prometheus.write.v2.Request`
 * (prompb/io/prometheus/write/v2/types.proto; https://prometheus.io/docs/specs/prw/remote_write_spec_2_0/):
 *
 *   Request    { reserved 1 to 3; repeated string symbols = 4; repeated TimeSeries timeseries = 5 }
 *   TimeSeries { repeated uint32 labels_refs = 1; repeated Sample samples = 2;
 *                repeated Histogram histograms = 3; repeated Exemplar exemplars = 4;
 *                Metadata metadata = 5; int64 created_timestamp = 6 }
 *   Metadata   { MetricType type = 1; uint32 help_ref = 3; uint32 unit_ref = 4 }
 *
 * Strings are references into `symbols` (which must start with ""), label references come in
 * name-value pairs. References are resolved once the whole message is read, since protobuf
 * fields may come in any order. Samples and histograms decode as in 1.0; exemplars are
 * counted and skipped. Throws CollectorError MALFORMED on a wire error or a bad reference.
 */
import { MAX_LABELS_PER_SERIES } from '../limits.ts'
import type { PromMetricType } from '../prom-metric-kind.ts'
import { readHistogram } from './histogram-decoder.ts'
import { Reader, WIRE_LEN, WIRE_VARINT } from './proto-reader.ts'
import { readSample, type PromSeries } from './write-request-decoder.ts'

/** Metadata.MetricType, in proto order (the same order as 1.0's). */
const V2_METRIC_TYPES: readonly PromMetricType[] = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset']

export interface WriteRequestV2 {
  timeseries: PromSeries[]
  exemplars: number
}

interface RawSeries {
  series: PromSeries
  labelRefs: number[]
  metadata?: { type: number; helpRef: number; unitRef: number }
  /** Byte offset of the series, for error messages. */
  at: number
}

/** Decodes a v2 Request; throws CollectorError MALFORMED. */
export function decodeWriteRequestV2(bytes: Uint8Array): WriteRequestV2 {
  const r = new Reader('io.prometheus.write.v2.Request', bytes)
  const symbols: string[] = []
  const raw: RawSeries[] = []
  let exemplars = 0
  while (r.pos < r.end) {
    const [field, wire] = r.tag()
    if (field === 4) {
      r.expect(wire, WIRE_LEN, 'symbols')
      symbols.push(r.string())
    } else if (field === 5) {
      r.expect(wire, WIRE_LEN, 'timeseries')
      const at = r.pos
      const s = readSeries(r.sub())
      s.at = at
      exemplars += s.exemplars
      raw.push(s)
    } else r.skip(wire)
  }
  if (symbols.length > 0 && symbols[0] !== '') r.fail(`symbols must start with the empty string, got ${JSON.stringify(symbols[0])}`)
  const failAt = (at: number, what: string): never => new Reader(r.message, bytes, at).fail(what)
  // Reference 0 is "" (the table's required first entry), also in a request without symbols.
  const symbol = (ref: number, at: number, what: string): string =>
    ref < symbols.length ? symbols[ref] : ref === 0 ? '' : failAt(at, `${what} refers to symbol ${ref} of ${symbols.length}`)
  const timeseries = raw.map(({ series, labelRefs, metadata, at }) => {
    if (labelRefs.length % 2 !== 0) failAt(at, `labels_refs has ${labelRefs.length} entries, not name-value pairs`)
    if (labelRefs.length / 2 > MAX_LABELS_PER_SERIES) failAt(at, `more than ${MAX_LABELS_PER_SERIES} labels in a series`)
    for (let i = 0; i < labelRefs.length; i += 2) series.labels.push([symbol(labelRefs[i], at, 'a label name'), symbol(labelRefs[i + 1], at, 'a label value')])
    if (metadata !== undefined) {
      series.metadata = {
        type: V2_METRIC_TYPES[metadata.type] ?? 'unknown',
        help: symbol(metadata.helpRef, at, 'metadata help_ref'),
        unit: symbol(metadata.unitRef, at, 'metadata unit_ref'),
      }
    }
    return series
  })
  return { timeseries, exemplars }
}

function readSeries(r: Reader): RawSeries & { exemplars: number } {
  const out: RawSeries & { exemplars: number } = { series: { labels: [], samples: [], histograms: [] }, labelRefs: [], at: 0, exemplars: 0 }
  while (r.pos < r.end) {
    const [field, wire] = r.tag()
    if (field === 1) r.repeated(wire, WIRE_VARINT, 'labels_refs', (x) => out.labelRefs.push(x.uint32()))
    else if (field === 2) {
      r.expect(wire, WIRE_LEN, 'samples')
      out.series.samples.push(readSample(r.sub()))
    } else if (field === 3) {
      r.expect(wire, WIRE_LEN, 'histograms')
      out.series.histograms.push(readHistogram(r.sub()))
    } else if (field === 4) {
      r.expect(wire, WIRE_LEN, 'exemplars')
      r.sub()
      out.exemplars++
    } else if (field === 5) {
      r.expect(wire, WIRE_LEN, 'metadata')
      out.metadata = readMetadata(r.sub())
    } else if (field === 6) {
      r.expect(wire, WIRE_VARINT, 'created_timestamp')
      const created = BigInt.asIntN(64, r.varint())
      // "Zero value means value not set."
      out.series.createdMs = created === 0n ? undefined : created
    } else r.skip(wire)
  }
  return out
}

function readMetadata(r: Reader): { type: number; helpRef: number; unitRef: number } {
  const m = { type: 0, helpRef: 0, unitRef: 0 }
  while (r.pos < r.end) {
    const [field, wire] = r.tag()
    if (field === 1) {
      r.expect(wire, WIRE_VARINT, 'metadata type')
      m.type = r.uint32()
    } else if (field === 3) {
      r.expect(wire, WIRE_VARINT, 'help_ref')
      m.helpRef = r.uint32()
    } else if (field === 4) {
      r.expect(wire, WIRE_VARINT, 'unit_ref')
      m.unitRef = r.uint32()
    } else r.skip(wire)
  }
  return m
}

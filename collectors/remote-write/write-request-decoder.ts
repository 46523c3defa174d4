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
 * Exemplars are skipped; native histograms are counted, not decoded. Unknown fields are
 * skipped, as protobuf requires. Throws CollectorError MALFORMED on any wire error.
 */
import { CollectorError } from '../errors.ts'
import { MAX_LABELS_PER_SERIES } from '../limits.ts'
import type { PromMetricType } from '../prom-metric-kind.ts'

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
  nativeHistograms: number
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

const WIRE_VARINT = 0
const WIRE_I64 = 1
const WIRE_LEN = 2
const WIRE_I32 = 5
/** Prometheus's stale marker: value.StaleNaN = 0x7ff0000000000002. */
const STALE_NAN_HI = 0x7ff00000
const STALE_NAN_LO = 0x00000002

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** A protobuf reader over one message's bytes; every read checks bounds. */
class Reader {
  readonly bytes: Uint8Array
  readonly view: DataView
  pos: number
  readonly end: number

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.pos = start
    this.end = end
  }

  fail(what: string): never {
    throw new CollectorError('MALFORMED', `cannot decode the WriteRequest: ${what} at byte ${this.pos}`)
  }

  varint(): bigint {
    let result = 0n
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) this.fail('truncated varint')
      const b = this.bytes[this.pos++]
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result)
    }
    return this.fail('varint longer than 10 bytes')
  }

  /** A varint known to be small (tags, lengths, enums). */
  uint32(): number {
    const v = this.varint()
    if (v > 0xffffffffn) this.fail(`value ${v} too large`)
    return Number(v)
  }

  sub(): Reader {
    const length = this.uint32()
    if (length > this.end - this.pos) this.fail(`length ${length} past the end of the message`)
    const r = new Reader(this.bytes, this.pos, this.pos + length)
    this.pos += length
    return r
  }

  string(): string {
    const r = this.sub()
    try {
      return utf8.decode(this.bytes.subarray(r.pos, r.end))
    } catch {
      return this.fail('invalid UTF-8 in a string')
    }
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint()
        return
      case WIRE_I64:
        this.advance(8)
        return
      case WIRE_LEN:
        this.sub()
        return
      case WIRE_I32:
        this.advance(4)
        return
      default:
        this.fail(`unsupported wire type ${wire}`)
    }
  }

  advance(n: number): void {
    if (n > this.end - this.pos) this.fail('truncated field')
    this.pos += n
  }

  /** Reads a tag; the caller checks the wire type it expects with `expect`. */
  tag(): [field: number, wire: number] {
    const t = this.uint32()
    const field = t >>> 3
    if (field === 0) this.fail('field number 0')
    return [field, t & 7]
  }

  expect(wire: number, want: number, field: string): void {
    if (wire !== want) this.fail(`${field} has wire type ${wire}, expected ${want}`)
  }
}

/** Decodes a WriteRequest; throws CollectorError MALFORMED. */
export function decodeWriteRequest(bytes: Uint8Array): WriteRequest {
  const r = new Reader(bytes)
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
  const series: PromSeries = { labels: [], samples: [], nativeHistograms: 0 }
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
      r.sub()
      series.nativeHistograms++
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

function readSample(r: Reader): PromSample {
  const sample: PromSample = { value: 0, timestampMs: 0n, stale: false }
  while (r.pos < r.end) {
    const [field, wire] = r.tag()
    if (field === 1) {
      r.expect(wire, WIRE_I64, 'sample value')
      const at = r.pos
      r.advance(8)
      sample.value = r.view.getFloat64(at, true)
      sample.stale = r.view.getUint32(at + 4, true) === STALE_NAN_HI && r.view.getUint32(at, true) === STALE_NAN_LO
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

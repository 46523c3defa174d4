/**
 * @module collectors/remote-write/histogram-decoder
 * Decodes a Prometheus native histogram, the `Histogram` message remote-write 1.0
 * (prompb/types.proto) and 2.0 (prompb/io/prometheus/write/v2/types.proto) share:
 *
 *   Histogram  { oneof count { uint64 count_int = 1; double count_float = 2; } double sum = 3;
 *                sint32 schema = 4; double zero_threshold = 5;
 *                oneof zero_count { uint64 zero_count_int = 6; double zero_count_float = 7; }
 *                repeated BucketSpan negative_spans = 8; repeated sint64 negative_deltas = 9;
 *                repeated double negative_counts = 10; repeated BucketSpan positive_spans = 11;
 *                repeated sint64 positive_deltas = 12; repeated double positive_counts = 13;
 *                ResetHint reset_hint = 14; int64 timestamp = 15; repeated double custom_values = 16 }
 *   BucketSpan { sint32 offset = 1; uint32 length = 2 }
 *
 * Spans place the buckets: the first span's offset is the index of its first bucket, each
 * later one's the gap after the span before. Integer histograms give each bucket's count as
 * the delta to the bucket before; float histograms give counts. Throws CollectorError
 * MALFORMED when the spans and counts disagree or a count goes negative.
 */
import { NATIVE_HISTOGRAM_MAX_BUCKETS } from '../limits.ts'
import { isStaleNaN, Reader, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './proto-reader.ts'

/** Histogram.ResetHint. */
export const RESET_HINT = { unknown: 0, yes: 1, no: 2, gauge: 3 } as const

/** Buckets of one sign, dense: `counts[i]` is the bucket of Prometheus index `first + i`. */
export interface DenseBuckets {
  first: number
  counts: number[]
}

export interface PromHistogram {
  /** Milliseconds since the epoch. */
  timestampMs: bigint
  schema: number
  zeroThreshold: number
  count: number
  zeroCount: number
  sum: number
  /** A staleness marker: the sum is Prometheus's StaleNaN. */
  stale: boolean
  /** Counts came as doubles (a float histogram). */
  float: boolean
  resetHint: number
  positive: DenseBuckets
  negative: DenseBuckets
  customValues: number[]
  /** The buckets span more than NATIVE_HISTOGRAM_MAX_BUCKETS indices: not expanded. */
  tooWide: boolean
}

interface Side {
  spans: [offset: number, length: number][]
  deltas: bigint[]
  counts: number[]
}

const side = (): Side => ({ spans: [], deltas: [], counts: [] })

function readSpan(r: Reader): [number, number] {
  let offset = 0
  let length = 0
  while (r.pos < r.end) {
    const [field, wire] = r.tag()
    if (field === 1) {
      r.expect(wire, WIRE_VARINT, 'BucketSpan offset')
      offset = Number(BigInt.asIntN(32, r.sint64()))
    } else if (field === 2) {
      r.expect(wire, WIRE_VARINT, 'BucketSpan length')
      length = r.uint32()
    } else r.skip(wire)
  }
  return [offset, length]
}

/** Decodes one Histogram message (the reader is positioned over exactly its bytes). */
export function readHistogram(r: Reader): PromHistogram {
  const h: PromHistogram = {
    timestampMs: 0n,
    schema: 0,
    zeroThreshold: 0,
    count: 0,
    zeroCount: 0,
    sum: 0,
    stale: false,
    float: false,
    resetHint: RESET_HINT.unknown,
    positive: { first: 0, counts: [] },
    negative: { first: 0, counts: [] },
    customValues: [],
    tooWide: false,
  }
  const pos = side()
  const neg = side()
  while (r.pos < r.end) {
    const [field, wire] = r.tag()
    switch (field) {
      case 1:
        r.expect(wire, WIRE_VARINT, 'count_int')
        h.count = Number(r.varint())
        break
      case 2:
        r.expect(wire, WIRE_I64, 'count_float')
        h.count = r.double()
        h.float = true
        break
      case 3:
        r.expect(wire, WIRE_I64, 'sum')
        h.stale = r.pos + 8 <= r.end && isStaleNaN(r.view, r.pos)
        h.sum = r.double()
        break
      case 4:
        r.expect(wire, WIRE_VARINT, 'schema')
        h.schema = Number(BigInt.asIntN(32, r.sint64()))
        break
      case 5:
        r.expect(wire, WIRE_I64, 'zero_threshold')
        h.zeroThreshold = r.double()
        break
      case 6:
        r.expect(wire, WIRE_VARINT, 'zero_count_int')
        h.zeroCount = Number(r.varint())
        break
      case 7:
        r.expect(wire, WIRE_I64, 'zero_count_float')
        h.zeroCount = r.double()
        h.float = true
        break
      case 8:
      case 11:
        r.expect(wire, WIRE_LEN, field === 8 ? 'negative_spans' : 'positive_spans')
        ;(field === 8 ? neg : pos).spans.push(readSpan(r.sub()))
        break
      case 9:
      case 12:
        r.repeated(wire, WIRE_VARINT, field === 9 ? 'negative_deltas' : 'positive_deltas', (x) => (field === 9 ? neg : pos).deltas.push(x.sint64()))
        break
      case 10:
      case 13:
        r.repeated(wire, WIRE_I64, field === 10 ? 'negative_counts' : 'positive_counts', (x) => (field === 10 ? neg : pos).counts.push(x.double()))
        h.float = true
        break
      case 14:
        r.expect(wire, WIRE_VARINT, 'reset_hint')
        h.resetHint = r.uint32()
        break
      case 15:
        r.expect(wire, WIRE_VARINT, 'timestamp')
        h.timestampMs = BigInt.asIntN(64, r.varint())
        break
      case 16:
        r.repeated(wire, WIRE_I64, 'custom_values', (x) => h.customValues.push(x.double()))
        break
      default:
        r.skip(wire)
    }
  }
  h.positive = expand(r, pos, 'positive', h)
  h.negative = expand(r, neg, 'negative', h)
  return h
}

/** The dense buckets of one sign, from its spans and deltas or counts. */
function expand(r: Reader, s: Side, name: string, h: PromHistogram): DenseBuckets {
  let buckets = 0
  for (const [, length] of s.spans) buckets += length
  if (s.deltas.length > 0 && s.counts.length > 0) r.fail(`a histogram has both ${name}_deltas and ${name}_counts`)
  const given = s.deltas.length + s.counts.length
  if (given !== buckets) r.fail(`a histogram's ${name}_spans hold ${buckets} buckets but ${given} counts were given`)
  if (buckets === 0) return { first: 0, counts: [] }
  const first = s.spans[0][0]
  let width = 0
  for (let i = 0; i < s.spans.length; i++) width += (i === 0 ? 0 : s.spans[i][0]) + s.spans[i][1]
  if (width > NATIVE_HISTOGRAM_MAX_BUCKETS || s.spans.some(([offset], i) => i > 0 && offset < 0)) {
    if (width > NATIVE_HISTOGRAM_MAX_BUCKETS) h.tooWide = true
    else r.fail(`a histogram's ${name}_spans overlap (a negative gap)`)
    return { first, counts: [] }
  }
  const counts = new Array<number>(width).fill(0)
  let at = 0
  let k = 0
  let current = 0n
  for (let i = 0; i < s.spans.length; i++) {
    if (i > 0) at += s.spans[i][0]
    for (let j = 0; j < s.spans[i][1]; j++, k++, at++) {
      if (s.deltas.length > 0) {
        current += s.deltas[k]
        if (current < 0n) r.fail(`a histogram's ${name} bucket count goes negative (${current})`)
        counts[at] = Number(current)
      } else {
        if (!(s.counts[k] >= 0)) r.fail(`a histogram's ${name} bucket count is ${s.counts[k]}`)
        counts[at] = s.counts[k]
      }
    }
  }
  return { first, counts }
}

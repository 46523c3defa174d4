import { describe, expect, test } from 'vitest'
import { OtlpDecoder } from './otlp/decoder.ts'

const decoder = new OtlpDecoder()
const P = { startTimeUnixNano: '1000', timeUnixNano: '2000' }

/** Decodes one metric of `data` (two points: the one given and a valid one) from OTLP/JSON. */
function metric(data: Record<string, unknown>) {
  const body = JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm', ...data }] }] }] })
  return decoder.decode('metrics', 'json', Buffer.from(body))
}

describe('data points the data model forbids are rejected, one by one', () => {
  const f = (data: Record<string, unknown>, reason: RegExp) => {
    const d = metric(data)
    expect(d.rejected).toBe(1)
    expect(d.accepted).toBe(1)
    expect(d.batch.length).toBe(1)
    expect(d.reason).toMatch(reason)
    expect(d.message).toMatch(/^1 of 2 records rejected; the first because its /)
  }
  const hist = (p: Record<string, unknown>) => ({ histogram: { dataPoints: [{ ...P, ...p }, { ...P, count: '1', bucketCounts: ['1'] }] } })
  const exp = (p: Record<string, unknown>) => ({ exponentialHistogram: { dataPoints: [{ ...P, ...p }, { ...P, count: '0' }] } })
  const sum = (p: Record<string, unknown>) => ({ summary: { dataPoints: [{ ...P, ...p }, { ...P, count: '0' }] } })
  test('histograms', () => {
    f(hist({ bucketCounts: ['1', '1'], explicitBounds: [1, 2], count: '2' }), /bucket_counts has 2 entries for 2 explicit_bounds \(expected 3/)
    f(hist({ bucketCounts: ['1', '1', '1', '1'], explicitBounds: [1, 2], count: '4' }), /bucket_counts has 4 entries for 2/)
    f(hist({ explicitBounds: [1, 2] }), /bucket_counts has 0 entries for 2/)
    f(hist({ bucketCounts: ['1', '1', '1'], explicitBounds: [2, 1], count: '3' }), /not strictly increasing: 1 follows 2/)
    f(hist({ bucketCounts: ['1', '1', '1'], explicitBounds: [1, 'NaN'], count: '3' }), /not strictly increasing: NaN follows 1/)
    f(hist({ bucketCounts: ['1', '1'], explicitBounds: ['NaN'], count: '2' }), /one is NaN/)
    f(hist({ bucketCounts: ['3', '1'], explicitBounds: [1], count: '3' }), /count 3 is smaller than the sum of bucket_counts, 4/)
    f(hist({ bucketCounts: ['-1', '1'], explicitBounds: [1], count: '3' }), /bucket_counts hold a negative count/)
    f(hist({ count: '-3' }), /count is negative/)
    f(hist({ count: '18446744073709551615' }), /count is negative \(or past 2\^63 - 1\)/)
  })
  test('exponential histograms', () => {
    f(exp({ count: '2', zeroCount: '1', positive: { bucketCounts: ['1'] }, negative: { bucketCounts: ['1'] } }), /count 2 is smaller than the sum of zero_count and the bucket counts, 3/)
    f(exp({ count: '2', positive: { bucketCounts: ['-1'] } }), /positive bucket_counts hold a negative count/)
    f(exp({ count: '2', zeroCount: '-1' }), /zero_count is negative/)
    f(exp({ count: '-2' }), /count is negative/)
  })
  test('summaries', () => {
    f(sum({ count: '1', quantileValues: [{ quantile: -0.1, value: 1 }] }), /quantile -0.1 is outside \[0, 1\]/)
    f(sum({ count: '1', quantileValues: [{ quantile: 'NaN', value: 1 }] }), /quantile NaN is outside/)
    f(sum({ count: '1', quantileValues: [{ quantile: 0.5, value: 1 }, { quantile: 0.5, value: 2 }] }), /quantiles are not strictly increasing: 0.5 follows 0.5/)
    f(sum({ count: '1', quantileValues: [{ quantile: 0, value: 1 }, { quantile: 1, value: -2 }] }), /the value at quantile 1 is negative \(-2\)/)
  })
  test('start after time, any type', () => {
    f({ gauge: { dataPoints: [{ startTimeUnixNano: '3000', timeUnixNano: '2000', asDouble: 1 }, { ...P, asDouble: 1 }] } }, /start_time_unix_nano is after time_unix_nano/)
    f({ sum: { dataPoints: [{ startTimeUnixNano: '3000', timeUnixNano: '2000', asInt: '1' }, { ...P, asInt: '1' }] } }, /start_time_unix_nano is after/)
  })
})

describe('what the data model allows is stored', () => {
  const ok = (data: Record<string, unknown>) => {
    const d = metric(data)
    expect(d.rejected, d.message).toBe(0)
  }
  test('valid points', () => {
    ok({ histogram: { dataPoints: [{ ...P }, { ...P, count: '5', sum: 1 }, { ...P, count: '3', bucketCounts: ['1', '2'], explicitBounds: [0.5] }] } })
    // A count above its buckets' sum: observations no bucket holds (NaN) are counted by some SDKs.
    ok({ histogram: { dataPoints: [{ ...P, count: '4', bucketCounts: ['1', '2'], explicitBounds: [0.5] }, { ...P, count: '2', bucketCounts: ['1', '1', '0'], explicitBounds: ['-Infinity', 'Infinity'] }] } })
    ok({ exponentialHistogram: { dataPoints: [{ ...P, count: '6', zeroCount: '1', scale: -3, positive: { offset: -2, bucketCounts: ['2', '3'] } }] } })
    ok({ summary: { dataPoints: [{ ...P, count: '2', quantileValues: [{ quantile: 0, value: 0 }, { quantile: 1, value: 9 }] }, { ...P }] } })
    ok({ gauge: { dataPoints: [{ timeUnixNano: '2000', asDouble: 1 }, { startTimeUnixNano: '2000', timeUnixNano: '2000', asDouble: 1 }] } })
  })
  test('a span may end when it starts; an end of 0 is unknown, not before', () => {
    const span = (start: string, end?: string) => ({ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', startTimeUnixNano: start, endTimeUnixNano: end })
    const d = decoder.decode('traces', 'json', Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span('5', '5'), span('5'), span('5', '4')] }] }] })))
    expect([d.accepted, d.rejected]).toEqual([2, 1])
    expect(d.reason).toBe('end_time_unix_nano is before start_time_unix_nano')
  })
})

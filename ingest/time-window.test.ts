import { describe, expect, test } from 'vitest'
import { BatchBuilder, type Signal } from '../storage/index.ts'
import { formatDurationNs, TimeWindow } from './time-window.ts'

const H = 3_600_000_000_000n
const NOW = 1_796_601_600_000_000_000n // 2026-12-07T00:00:00Z

function rejected(window: TimeWindow, signal: Signal, times: bigint[]): [number[], string[]] {
  const b = new BatchBuilder(signal)
  const column = signal === 'spans' ? 'startTimeUnixNano' : 'timeUnixNano'
  times.forEach((t, row) => b.setI64(column, row, t))
  const rows: number[] = []
  const reasons: string[] = []
  window.check(b.finish(times.length), (row, reason) => {
    rows.push(row)
    reasons.push(reason)
  })
  return [rows, reasons]
}

describe('TimeWindow', () => {
  const window = new TimeWindow({ retentionNs: { spans: 24n * H, metrics: 0n }, maxFutureSkewNs: H, now: () => NOW })
  test('bounds are inclusive; outside rows are named in order', () => {
    const [rows, reasons] = rejected(window, 'spans', [NOW - 24n * H, NOW - 24n * H - 1n, NOW, NOW + H, NOW + H + 1n, -5n, 2n ** 62n])
    expect(rows).toEqual([1, 4, 5, 6])
    expect(reasons[0]).toBe('start_time_unix_nano 2026-12-05T23:59:59.999Z is older than the spans retention of 1d (the earliest accepted now is 2026-12-06T00:00:00.000Z)')
    expect(reasons[1]).toMatch(/^start_time_unix_nano 2026-12-07T01:00:00.000Z is more than 1h in the future \(maxFutureSkew\)$/)
  })
  test('a retention of 0 (or none) has no lower bound', () => {
    expect(rejected(window, 'metrics', [1n, NOW - 1000n * H, NOW])[0]).toEqual([])
    expect(rejected(window, 'logs', [1n, NOW + 2n * H])[0]).toEqual([1])
  })
  test('values whose high words equal the bounds\' are compared exactly', () => {
    const edge = new TimeWindow({ retentionNs: { logs: 1n }, maxFutureSkewNs: 0n, now: () => NOW })
    expect(rejected(edge, 'logs', [NOW - 2n, NOW - 1n, NOW, NOW + 1n])[0]).toEqual([0, 3])
  })
  test('invalid options are refused', () => {
    expect(() => new TimeWindow({ retentionNs: { spans: -1n } })).toThrow(/retention.spans/)
    expect(() => new TimeWindow({ maxFutureSkewNs: -1n })).toThrow(/maxFutureSkew/)
  })
  test('durations print as the configuration writes them', () => {
    expect([7n * 24n * H, H / 2n, 1_500_000_000n, 7n].map(formatDurationNs)).toEqual(['7d', '30m', '1500ms', '7ns'])
  })
})

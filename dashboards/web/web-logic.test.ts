/**
 * The browser code's pure parts, without a browser: time ranges, the tokenizer that highlights
 * and completes, grid placement, and turning bucketed results into chart series.
 */
import { describe, expect, test } from 'vitest'
import { compact, repeatGrids } from './dashboard/grid-layout.ts'
import { parseThresholds, thresholdColor } from './dashboard/thresholds.ts'
import { completionContext, querySignal, valueField } from './query-complete.ts'
import { offsetOf, tokenize } from './query-syntax.ts'
import { resultToChart } from './result-chart.ts'
import { parseTimePoint, rangeLabel, resolveRange, zoomOut } from './time-range.ts'

const NOW = Date.parse('2026-11-01T12:00:00Z')

describe('time range', () => {
  const f = (text: string, want: number): void => expect(parseTimePoint(text, NOW)).toBe(want)
  test('relative and absolute ends', () => {
    f('now', NOW)
    f('now-15m', NOW - 15 * 60_000)
    f('now-30d', NOW - 30 * 86_400_000)
    f('2026-11-01T10:00:00Z', NOW - 2 * 3_600_000)
    f('2026-11-01T12:00:00+02:00', NOW - 2 * 3_600_000)
    f('1793534400000', 1793534400000)
  })
  test('mistakes say what is expected', () => {
    expect(String(parseTimePoint('yesterday', NOW))).toContain('cannot read time "yesterday": expected now, now-15m')
    expect(String(resolveRange({ from: 'now', to: 'now-1h' }, NOW))).toContain('from (now) must be before to (now-1h)')
  })
  test('labels and zoom out', () => {
    expect(rangeLabel({ from: 'now-7d', to: 'now' })).toBe('Last 7 days')
    expect(rangeLabel({ from: 'now-90m', to: 'now' })).toBe('Last 90m')
    expect(zoomOut({ startMs: NOW - 4 * 3_600_000, endMs: NOW - 2 * 3_600_000 }, NOW)).toEqual({ from: '2026-11-01T07:00:00.000Z', to: '2026-11-01T11:00:00.000Z' })
  })
})

describe('query syntax', () => {
  test('tokens by kind', () => {
    const kinds = tokenize('spans last 1h | where name = "a|b" and duration > 250ms # note\n| stats p95(duration) by bin(time, 1m)')
      .filter((t) => t.kind !== 'space')
      .map((t) => `${t.kind}:${t.text}`)
    expect(kinds).toEqual([
      'source:spans', 'keyword:last', 'duration:1h', 'pipe:|', 'operator:where', 'field:name', 'punct:=', 'string:"a|b"', 'keyword:and', 'field:duration', 'punct:>', 'duration:250ms', 'comment:# note',
      'pipe:|', 'operator:stats', 'function:p95', 'punct:(', 'field:duration', 'punct:)', 'keyword:by', 'function:bin', 'punct:(', 'field:time', 'punct:,', 'duration:1m', 'punct:)',
    ])
  })
  test('line and column to offset', () => {
    expect(offsetOf('spans\n| where x >\n| limit 5', 3, 1)).toBe(18)
  })
  test('completion contexts', () => {
    const text = 'logs | where attr.http.route = "/ca'
    const c = completionContext(text, text.length)
    expect([c.partial, c.inString, valueField(c.before)]).toEqual(['"/ca', true, 'attr.http.route'])
    const d = completionContext('spans | where status in ("ok", ', 31)
    expect(valueField(d.before)).toBe('status')
    expect(completionContext('spans | so', 10).partial).toBe('so')
    expect(querySignal('  metrics | where x = 1')).toBe('metrics')
    expect(querySignal('trace "ab"')).toBe('spans')
  })
})

describe('grid', () => {
  test('overlapping panels move down; the dragged one keeps its place', () => {
    const items = [{ grid: { x: 0, y: 0, w: 6, h: 4 } }, { grid: { x: 3, y: 2, w: 6, h: 4 } }, { grid: { x: 6, y: 0, w: 6, h: 2 } }]
    compact(items, items[1])
    expect(items.map((i) => i.grid)).toEqual([
      { x: 0, y: 6, w: 6, h: 4 },
      { x: 3, y: 2, w: 6, h: 4 },
      { x: 6, y: 0, w: 6, h: 2 },
    ])
  })
  test('repeats sit side by side, wrapping', () => {
    expect(repeatGrids({ x: 0, y: 8, w: 4, h: 3 }, 4)).toEqual([
      { x: 0, y: 8, w: 4, h: 3 },
      { x: 4, y: 8, w: 4, h: 3 },
      { x: 8, y: 8, w: 4, h: 3 },
      { x: 0, y: 11, w: 4, h: 3 },
    ])
    expect(repeatGrids({ x: 1, y: 0, w: 6, h: 2 }, 2)).toEqual([
      { x: 1, y: 0, w: 6, h: 2 },
      { x: 0, y: 2, w: 6, h: 2 },
    ])
  })
  test('thresholds', () => {
    const t = parseThresholds('95 #e02f44, 80 #f59e0b') as { value: number; color: string }[]
    expect(t).toEqual([{ value: 80, color: '#f59e0b' }, { value: 95, color: '#e02f44' }])
    expect([thresholdColor(79, t), thresholdColor(80, t), thresholdColor(99, t)]).toEqual([undefined, '#f59e0b', '#e02f44'])
    expect(String(parseThresholds('95 red'))).toContain('cannot read threshold "95 red"')
  })
})

describe('charts from results', () => {
  test('one series per key and number column, aligned on the times', () => {
    const result = {
      columns: [{ name: 'time', type: 'time' }, { name: 'service.name', type: 'string' }, { name: 'n', type: 'number' }],
      rows: [['2026-11-01T00:00:00Z', 'a', 1], ['2026-11-01T00:01:00Z', 'a', 2], ['2026-11-01T00:01:00Z', 'b', 5]],
      stats: { rowsScanned: 0, bytesScanned: 0, rowsReturned: 3, truncated: false, elapsedMs: 0 },
    }
    expect(resultToChart(result)).toEqual({
      times: [Date.parse('2026-11-01T00:00:00Z'), Date.parse('2026-11-01T00:01:00Z')],
      series: [{ label: 'a', values: [1, 2], unit: '' }, { label: 'b', values: [null, 5], unit: '' }],
    })
    expect(resultToChart({ ...result, columns: [{ name: 'name', type: 'string' }, { name: 'n', type: 'number' }] })).toBeUndefined()
  })
})

/**
 * The Alerts page's pure parts, without a browser: condition texts as alerts/README.md defines
 * them, and the preview's steps: one query per step over the rule's window, the condition and
 * `for` applied per row key in order. (test/ui-alerts.test.ts runs the preview against the server.)
 */
import { describe, expect, test } from 'vitest'
import type { QueryResult } from './api-client.ts'
import { conditionText, meets, parseCondition } from './alert-condition.ts'
import { previewRule } from './alert-preview.ts'

describe('conditions', () => {
  test('texts as the rule format writes them', () => {
    expect(parseCondition('p99 > 500ms')).toEqual({ column: 'p99', op: '>', value: 500e6 })
    expect(parseCondition('errors >= 10')).toEqual({ column: 'errors', op: '>=', value: 10 })
    expect(parseCondition('`service.errors` != 0')).toEqual({ column: 'service.errors', op: '!=', value: 0 })
    expect(parseCondition('status = "error"')).toEqual({ column: 'status', op: '==', value: 'error' })
    expect(parseCondition('rate < 1.5')).toEqual({ column: 'rate', op: '<', value: 1.5 })
    expect((parseCondition('p99 >') as Error).message).toMatch(/^cannot read condition/)
    expect((parseCondition('status > "x"') as Error).message).toMatch(/== or != only/)
    expect((parseCondition('p99 > fast') as Error).message).toMatch(/not a number, a duration or a "string"/)
  })
  test('back to text, and whether a value meets it', () => {
    expect(conditionText({ column: 'service.errors', op: '!=', value: 0 })).toBe('service.errors != 0')
    expect(conditionText({ column: 'a b', op: '==', value: 'x"y' })).toBe('`a b` == "x\\"y"')
    const c = { column: 'n', op: '>', value: 5 }
    expect([meets(c, 6), meets(c, 5), meets(c, null), meets(c, 'abc')]).toEqual([true, false, false, false])
    expect(meets({ column: 's', op: '!=', value: 'ok' }, 'error')).toBe(true)
  })
})

describe('would-have-fired preview', () => {
  const MIN = 60_000
  test('one query per step over the window; pending until `for` has passed, then firing once per key', async () => {
    const asked: [number, number][] = []
    // Service a holds in the windows ending at minutes 3..7, b only at minute 5.
    const run = async (_q: string, range: { startMs: number; endMs: number }): Promise<QueryResult> => {
      asked.push([range.startMs, range.endMs])
      const m = range.endMs / MIN
      const rows: unknown[][] = [['a', m >= 3 && m <= 7 ? 9 : 1], ['b', m === 5 ? 9 : 0]]
      return { columns: [{ name: 'service.name', type: 'string' }, { name: 'errors', type: 'number' }], rows, stats: { rowsScanned: 0, bytesScanned: 0, rowsReturned: 2, truncated: false, elapsedMs: 0 } }
    }
    const p = await previewRule({ query: 'logs | stats count() as errors by service.name', condition: { column: 'errors', op: '>', value: 5 }, windowMs: 5 * MIN, forMs: 2 * MIN, intervalMs: MIN }, { startMs: 0, endMs: 10 * MIN }, run, new AbortController().signal)
    expect(p.stepMs).toBe(MIN)
    expect(asked.sort((x, y) => x[1] - y[1])).toEqual(Array.from({ length: 10 }, (_, i) => [(i + 1 - 5) * MIN, (i + 1) * MIN]))
    expect(p.steps.map((s) => [s.atMs / MIN, s.pending, s.firing])).toEqual([
      [1, 0, 0], [2, 0, 0], [3, 1, 0], [4, 1, 0], [5, 1, 1], [6, 0, 1], [7, 0, 1], [8, 0, 0], [9, 0, 0], [10, 0, 0],
    ])
    expect(p.fired).toEqual([{ atMs: 5 * MIN, labels: 'service.name="a"' }])
  })
  test('a long range takes wider steps, at most 60 queries', async () => {
    let n = 0
    const run = async (): Promise<QueryResult> => (n++, { columns: [], rows: [], stats: { rowsScanned: 0, bytesScanned: 0, rowsReturned: 0, truncated: false, elapsedMs: 0 } })
    const p = await previewRule({ query: 'spans', condition: { column: 'x', op: '>', value: 1 }, windowMs: MIN, forMs: 0, intervalMs: 10_000 }, { startMs: 0, endMs: 24 * 60 * MIN }, run, new AbortController().signal)
    expect(p.stepMs).toBe(24 * MIN)
    expect(n).toBe(60)
    expect(p.fired).toEqual([])
  })
})

/**
 * planMemo (planner.ts): a tree run again over the same range gets the plan made the first
 * time, equal to a fresh one; a plan that read `now` (a `last` range, in the query or a join's)
 * is made afresh for each moment; a tree keeps the plans of its last few ranges.
 */
import { describe, expect, it } from 'vitest'
import { parseQuery } from './parser.ts'
import { planMemo, planQuery } from './planner.ts'

const HOUR = 3_600_000_000_000n
const NOW = 1_793_491_200_000_000_000n

describe('planMemo', () => {
  it('gives the plan made before for the same tree and range, equal to a fresh plan', () => {
    const plan = planMemo()
    const source = 'spans | where service.name = "cart" and attr.http.response.status_code >= 500 | stats count() by attr.http.route | sort count desc'
    const tree = parseQuery(source)
    const options = { start: NOW - HOUR, end: NOW, now: NOW, source }
    const first = plan(tree, options)
    expect(first).toEqual(planQuery(tree, options))
    expect(plan(tree, { ...options, now: NOW + 5n })).toBe(first)
    const other = plan(tree, { ...options, start: NOW - 2n * HOUR })
    expect(other).not.toBe(first)
    expect(other).toEqual(planQuery(tree, { ...options, start: NOW - 2n * HOUR }))
    expect(other.start).toBe(NOW - 2n * HOUR)
  })

  it('plans a query whose range is relative to now afresh, in the query or in a join', () => {
    const plan = planMemo()
    for (const source of ['spans last 1h | stats count()', 'logs | join (spans last 1h) as s on trace_id | stats count()']) {
      const tree = parseQuery(source)
      const a = plan(tree, { now: NOW, source })
      const b = plan(tree, { now: NOW + HOUR, source })
      expect(a).toEqual(planQuery(tree, { now: NOW, source }))
      expect(b).toEqual(planQuery(tree, { now: NOW + HOUR, source }))
      expect(b).not.toEqual(a)
    }
  })

  it('keeps the plans of a tree for its last few ranges', () => {
    const plan = planMemo()
    const source = 'spans | stats count() by service.name'
    const tree = parseQuery(source)
    const at = (k: bigint) => ({ start: NOW + k * HOUR, end: NOW + (k + 1n) * HOUR, now: NOW, source })
    const first = plan(tree, at(0n))
    for (let k = 1n; k <= 3n; k++) plan(tree, at(k))
    expect(plan(tree, at(0n))).toBe(first)
    for (let k = 4n; k <= 8n; k++) plan(tree, at(k))
    const again = plan(tree, at(0n))
    expect(again).not.toBe(first)
    expect(again).toEqual(first)
  })
})

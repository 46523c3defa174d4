/**
 * @module dashboards/web/alert-preview
 * When a rule would have fired over a time range: the range is cut into steps (the rule's
 * interval, or wider so that there are at most MAX_PREVIEW_STEPS), the rule's query runs once
 * per step over the look-back window ending there, exactly as an evaluation at that moment
 * would read it, and the condition and `for` are applied to each step's rows in order. Each
 * result row is its own alert, keyed by its string, id and boolean columns other than the
 * condition's (the server's default group keys).
 */
import type { QueryResult } from './api-client.ts'
import type { RuleCondition } from './alerts-client.ts'
import { meets } from './alert-condition.ts'
import type { ResolvedRange } from './time-range.ts'

/** Queries one preview may run: a readable chart, and a bounded load on the server. */
export const MAX_PREVIEW_STEPS = 60
/** Preview queries in flight at once. */
const PARALLEL = 4

export interface PreviewStep {
  /** The evaluation moment (end of the window), ms. */
  atMs: number
  pending: number
  firing: number
}

export interface Preview {
  stepMs: number
  steps: PreviewStep[]
  /** Moments an alert went to firing, with its labels. */
  fired: { atMs: number; labels: string }[]
  /** The last step's result (shown as a table). */
  last?: QueryResult
}

export interface PreviewRule {
  query: string
  condition: RuleCondition
  windowMs: number
  forMs: number
  intervalMs: number
}

type Run = (query: string, range: ResolvedRange, signal: AbortSignal) => Promise<QueryResult>

const KEY_TYPES = new Set(['string', 'id', 'bool'])

export async function previewRule(rule: PreviewRule, range: ResolvedRange, run: Run, signal: AbortSignal): Promise<Preview> {
  const span = range.endMs - range.startMs
  const stepMs = Math.max(rule.intervalMs, Math.ceil(span / MAX_PREVIEW_STEPS))
  const moments: number[] = []
  for (let at = range.startMs + stepMs; at <= range.endMs; at += stepMs) moments.push(at)
  const results: QueryResult[] = new Array(moments.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < moments.length) {
      const i = next++
      results[i] = await run(rule.query, { startMs: moments[i] - rule.windowMs, endMs: moments[i] }, signal)
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, moments.length) }, worker))

  const since = new Map<string, number>()
  const firing = new Set<string>()
  const steps: PreviewStep[] = []
  const fired: Preview['fired'] = []
  moments.forEach((atMs, i) => {
    const r = results[i]
    const col = r.columns.findIndex((c) => c.name === rule.condition.column)
    const keyCols = r.columns.map((c, j) => (j !== col && KEY_TYPES.has(c.type) ? j : -1)).filter((j) => j >= 0)
    const holding = new Set<string>()
    if (col >= 0) {
      for (const row of r.rows) {
        if (!meets(rule.condition, row[col])) continue
        holding.add(keyCols.map((j) => `${r.columns[j].name}=${JSON.stringify(row[j])}`).join(', '))
      }
    }
    for (const key of [...since.keys()]) if (!holding.has(key)) (since.delete(key), firing.delete(key))
    let pending = 0
    for (const key of holding) {
      if (!since.has(key)) since.set(key, atMs)
      if (atMs - since.get(key)! >= rule.forMs) {
        if (!firing.has(key)) fired.push({ atMs, labels: key })
        firing.add(key)
      } else pending++
    }
    steps.push({ atMs, pending, firing: firing.size })
  })
  return { stepMs, steps, fired, last: results[results.length - 1] }
}

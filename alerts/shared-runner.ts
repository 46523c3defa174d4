/**
 * @module alerts/shared-runner
 * Rules that ask the same question share one run of it: a query of the same tenant, text and
 * window started no more than SHARED_QUERY_MS before is answered with that run's result. A
 * warning and a critical threshold on one query then cost one query. Rule runners start such
 * rules at the same offset in their interval (rule-runner.ts), so they meet here.
 */
import type { QueryRunner } from './evaluator.ts'
import { SHARED_QUERY_MS } from './limits.ts'

export function sharedRunner(run: QueryRunner, now: () => number = Date.now): QueryRunner {
  const recent = new Map<string, { at: number; result: ReturnType<QueryRunner> }>()
  return (text, options) => {
    const key = `${options.tenant}\u0000${options.end - options.start}\u0000${text}`
    const at = now()
    const known = recent.get(key)
    if (known !== undefined && at - known.at <= SHARED_QUERY_MS) return known.result
    const result = run(text, options)
    const entry = { at, result }
    recent.set(key, entry)
    // Forgotten once too old to share, so the map holds only recent questions.
    const forget = () => setTimeout(() => recent.get(key) === entry && recent.delete(key), SHARED_QUERY_MS).unref()
    result.then(forget, forget)
    return result
  }
}

/**
 * @module query/plan-top
 * What a leading `sort ... | limit k` lets the scan skip (ScanRequest.top): when the rows go
 * straight from the scan into a top-k sort whose first key is a number, a time or a span's
 * duration, blocks whose best value cannot enter the top need not be read at all.
 */
import { SPAN_DURATION_KEY, SPAN_COLUMNS, type ScanTop } from '../storage/index.ts'
import { resolveField } from './fields.ts'
import type { QueryPlan } from './query-plan.ts'

/** The ScanTop of `plan`'s scan, when its first stages are `sort` on a plain field and `limit`. */
export function scanTop(plan: QueryPlan): ScanTop | undefined {
  const [sort, limit] = plan.stages
  if (sort?.node.kind !== 'Sort' || limit?.node.kind !== 'Limit' || plan.where.length > 0) return undefined
  const key = sort.node.keys[0]
  if (key === undefined || key.expr.kind !== 'Field') return undefined
  const ref = resolveField(key.expr.path, sort.scope)
  const desc = key.desc
  const count = limit.node.count
  if (ref.kind === 'duration' && ref.start === SPAN_COLUMNS.startTimeUnixNano && ref.end === SPAN_COLUMNS.endTimeUnixNano) return { key: SPAN_DURATION_KEY, desc, limit: count }
  // A zero that reads as absent would count as a value here: not such fields.
  if (ref.kind === 'column' && (ref.type === 'number' || ref.type === 'time') && ref.unsetIsZero !== true) return { key: ref.column, desc, limit: count }
  return undefined
}
